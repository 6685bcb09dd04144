"""Differential test: pullsim's ``containerd@1.6`` against the real containerd 1.6.20.

Generated images (``tests/oracle/generate.py``) are pushed to the loopback registry, the real
containerd is asked which child it pulls for each requested platform (oracle.md's ``ctr-pull``
method, ``tests/oracle/containerd.py``), and pullsim's ``select`` must give the same manifest,
or the same no-match text. The fixed images of oracle.md's demonstration matrix are asked too
(pushed to the htpasswd registry, so that path is exercised) and must give the published answers.

Needs the services of ``tests/oracle/services.sh`` and its env file exported; without them these
tests skip, except in CI (``CI=true``) where they fail. Knobs (environment):

- ``PULLSIM_DIFF_INDEXES``: how many generated images (default 40, what CI runs; 200 or more
  is the "large run");
- ``PULLSIM_DIFF_SEED``: the generator's seed (default 1);
- ``PULLSIM_DIFF_JOBS``: images asked in parallel (default 3);
- ``PULLSIM_DIFF_REPORT``: a file to write every case as JSON (for a large run).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

import resolver
from resolver.model import parse_document
from tests.oracle.answers import OracleAnswer, Services
from tests.oracle.containerd import ContainerdOracle
from tests.oracle.generate import GeneratedImage, Generator
from tests.oracle.published import Failed, PublishedCase, published_cases
from tests.oracle.registry import PushedImage, Registry

ENGINE = "containerd@1.6"
HOST = resolver.Platform("linux", "amd64")  # only matters for a request without an OS
GENERATED_REPO = "pullsim/diff"
PUBLISHED_REPO = "pullsim/published"
NO_MATCH_PREFIX = "no match for platform in manifest "


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _services() -> Services:
    """The services, or skip (a developer without them) / fail (CI, or a broken setup)."""
    services = Services.from_env()
    if services is None or services.containerd_sock is None:
        reason = ("oracle services not configured (PULLSIM_ORACLE_REGISTRY / "
                  "PULLSIM_ORACLE_CONTAINERD_SOCK unset): start tests/oracle/services.sh and "
                  "export its env file to run the differential tests")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return services


@dataclass(frozen=True, slots=True)
class Asked:
    """One image, where it was pushed, and what the real engine answered per platform."""

    image: GeneratedImage
    pushed: PushedImage
    answers: dict[str, OracleAnswer]


@dataclass(frozen=True, slots=True)
class OracleRun:
    generated: list[Asked]
    published: list[tuple[PublishedCase, Asked]]
    seed: int
    jobs: int
    seconds: float


def _ask_all(images: Sequence[GeneratedImage], registry: str, auth: tuple[str, str] | None,
             repository: str, oracle: ContainerdOracle, jobs: int) -> list[Asked]:
    def ask(image: GeneratedImage) -> Asked:
        pushed = Registry(registry, auth).push(repository, image.name, image.blobs,
                                               image.manifests, image.top)
        return Asked(image, pushed, oracle.answers(image, pushed))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(ask, images))


@pytest.fixture(scope="module")
def containerd_run() -> OracleRun:
    services = _services()
    assert services.containerd_sock is not None
    plain = ContainerdOracle(services.containerd_sock)
    plain.version()  # fails clearly if containerd is not answering
    seed = _int_env("PULLSIM_DIFF_SEED", 1)
    jobs = max(1, _int_env("PULLSIM_DIFF_JOBS", 3))
    count = _int_env("PULLSIM_DIFF_INDEXES", 40)
    start = time.monotonic()
    generated = _ask_all(list(Generator(seed).generate(count)), services.registry, None,
                         GENERATED_REPO, plain, jobs)
    cases = published_cases()
    if services.auth_registry is not None and services.auth is not None:
        registry, auth = services.auth_registry, services.auth
    else:
        registry, auth = services.registry, None
    asked = _ask_all([c.image for c in cases], registry, auth, PUBLISHED_REPO,
                     ContainerdOracle(services.containerd_sock, auth=auth), jobs)
    return OracleRun(generated, list(zip(cases, asked, strict=True)), seed, jobs,
                     time.monotonic() - start)


def test_generated_images_are_reproducible_and_distinguishable() -> None:
    """No services needed: the same seed gives the same bytes, every image child has its own
    chain ID (what the oracle maps answers back by), and enough platforms are asked."""
    first = list(Generator(3).generate(12))
    again = list(Generator(3).generate(12))
    assert [(i.index_bytes, i.content) for i in first] == [(i.index_bytes, i.content)
                                                          for i in again]
    chain_ids = [c.chain_id for i in first for c in i.children.values() if c.kind != "index"]
    assert len(chain_ids) == len(set(chain_ids))
    for image in first:
        assert len(image.platforms) >= 8
        assert parse_document(image.index_bytes).digest == image.digest
        for upload in image.manifests:
            assert parse_document(upload.data).digest == upload.digest


@pytest.mark.oracle
def test_auth_registry_requires_credentials() -> None:
    services = _services()
    if services.auth_registry is None or services.auth is None:
        pytest.fail("PULLSIM_ORACLE_AUTH_REGISTRY / _USER / _PASSWORD are not set")
    assert Registry(services.auth_registry).ping() == 401
    assert Registry(services.auth_registry, services.auth).ping() == 200


def _published_ok(image: GeneratedImage, expected: str | Failed | None,
                  answer: OracleAnswer) -> bool:
    if expected is None:
        return answer == OracleAnswer(None, f"{NO_MATCH_PREFIX}{image.digest}: not found")
    if isinstance(expected, Failed):
        return answer.digest == image.by_hint(expected.hint) and answer.error is not None
    return answer == OracleAnswer(image.by_hint(expected))


@pytest.mark.oracle
def test_oracle_reproduces_published_matrix(containerd_run: OracleRun) -> None:
    """The harness itself: ctr-pull gives oracle.md's published column on its fixed images."""
    wrong = []
    for case, asked in containerd_run.published:
        image = asked.image
        for platform, expected in case.expected.items():
            answer = asked.answers[platform]
            if not _published_ok(image, expected, answer):
                wrong.append(f"{image.name} {platform}: published {expected!r}, containerd "
                             f"chose {image.label(answer.digest)} error={answer.error!r}")
    assert not wrong, "\n".join(wrong)


@dataclass(frozen=True, slots=True)
class PullsimAnswer:
    outcome: str  # a Selection outcome, or "exception"
    digest: str | None
    message: str


def _pullsim(engine: Any, image: GeneratedImage, platform: str) -> PullsimAnswer:
    try:
        requested = engine.parse_platform(platform)
        selection = engine.select(parse_document(image.index_bytes), HOST, platform=requested,
                                  fetch=image.fetch)
    except Exception as err:  # reported as a mismatch, with the rest
        return PullsimAnswer("exception", None, f"{type(err).__name__}: {err}")
    return PullsimAnswer(str(selection.outcome), selection.digest, selection.message)


def _agrees(answer: OracleAnswer, ours: PullsimAnswer) -> bool:
    if answer.digest is not None:
        # Chosen (and, with an error, failed later, e.g. an attestation's in-toto layer).
        allowed = ("selected", "single-manifest") if answer.error is None else (
            "selected", "failed")
        return ours.outcome in allowed and ours.digest == answer.digest
    if answer.error is not None and answer.error.startswith(NO_MATCH_PREFIX):
        return ours.outcome == "no-match" and ours.message == answer.error
    return False  # the oracle failed in a way the harness does not expect: look at it


def _kind(answer: OracleAnswer) -> str:
    if answer.digest is None:
        return "no-match" if (answer.error or "").startswith(NO_MATCH_PREFIX) else "error"
    return "selected" if answer.error is None else "chosen-then-failed"


def _describe_mismatches(image: GeneratedImage,
                         rows: list[tuple[str, OracleAnswer, PullsimAnswer]]) -> str:
    lines = ["---", image.describe()]
    for platform, answer, ours in rows:
        lines.append(
            f"  {platform}: containerd -> {image.label(answer.digest)} {answer.digest} "
            f"error={answer.error!r}\n"
            f"  {' ' * len(platform)}  pullsim    -> {ours.outcome} "
            f"{image.label(ours.digest)} {ours.digest} message={ours.message!r}"
        )
    return "\n".join(lines)


@pytest.mark.oracle
def test_differential_containerd(containerd_run: OracleRun, oracle_summary: list[str]) -> None:
    engine = resolver.get_engine(ENGINE)
    everything = containerd_run.generated + [asked for _, asked in containerd_run.published]
    kinds: Counter[str] = Counter()
    mismatched: list[str] = []
    report: list[dict[str, Any]] = []
    cases = 0
    start = time.monotonic()
    for asked in everything:
        rows = []
        for platform, answer in asked.answers.items():
            ours = _pullsim(engine, asked.image, platform)
            cases += 1
            kinds[_kind(answer)] += 1
            if _kind(answer) == "chosen-then-failed":
                kinds[f"then-failed-pullsim-{ours.outcome}"] += 1
            agree = _agrees(answer, ours)
            report.append({"image": asked.image.name, "reference": asked.pushed.reference,
                           "platform": platform, "agree": agree,
                           "containerd": {"digest": answer.digest, "error": answer.error},
                           "pullsim": {"outcome": ours.outcome, "digest": ours.digest,
                                       "message": ours.message}})
            if not agree:
                rows.append((platform, answer, ours))
        if rows:
            mismatched.append(_describe_mismatches(asked.image, rows))
    pullsim_seconds = time.monotonic() - start
    mismatches = sum(1 for row in report if not row["agree"])
    summary = (
        f"{ENGINE} differential: compared {cases} cases over {len(everything)} indexes "
        f"(seed {containerd_run.seed}, {len(containerd_run.generated)} generated), "
        f"{kinds['selected']} selected, {kinds['no-match']} no-match, "
        f"{kinds['chosen-then-failed']} chosen-then-failed (pullsim: "
        f"{kinds['then-failed-pullsim-failed']} failed, "
        f"{kinds['then-failed-pullsim-selected']} selected), {kinds['error']} other errors, "
        f"{mismatches} mismatches; real containerd {containerd_run.seconds:.1f}s "
        f"({containerd_run.jobs} jobs), pullsim {pullsim_seconds:.2f}s"
    )
    oracle_summary.append(summary)
    report_path = os.environ.get("PULLSIM_DIFF_REPORT")
    if report_path:
        with open(report_path, "w") as out:
            json.dump({"summary": summary, "cases": report}, out, indent=1)
    assert not mismatched, (
        f"{summary}\n{len(mismatched)} indexes with mismatches:\n" + "\n".join(mismatched)
    )
