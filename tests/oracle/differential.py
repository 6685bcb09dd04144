"""What the differential tests share: finding the services, asking an oracle about many pushed
images in parallel, asking pullsim the same questions, and comparing, with one summary line.

Each ``tests/test_differential_<engine>.py`` supplies its oracle, its images and how a real
answer and pullsim's agree. Knobs (environment), the same for every engine:

- ``PULLSIM_DIFF_INDEXES``: how many generated images per engine (default 40, what CI runs; 200
  or more is the "large run");
- ``PULLSIM_DIFF_SEED``: the generator's seed (default 1);
- ``PULLSIM_DIFF_JOBS``: images asked in parallel (default 3);
- ``PULLSIM_DIFF_REPORT``: a file to write every case to as JSON, one file per engine
  (``report.json`` becomes ``report-containerd.json``, ``report-dockerd.json``, …).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import pytest

import resolver
from resolver.model import parse_document

from .answers import OracleAnswer, Services
from .generate import GeneratedImage
from .published import Expected, Failed, PublishedCase
from .registry import PushedImage, Registry

HOST = resolver.Platform("linux", "amd64")  # this machine; only matters for a request without OS
GENERATED_REPO = "pullsim/diff"
PUBLISHED_REPO = "pullsim/published"


def int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def services(need: Literal["registry", "containerd", "dockerd"]) -> Services:
    """The services, or skip (a developer without them) / fail (CI, or a broken setup)."""
    found = Services.from_env()
    missing = found is None or (need == "containerd" and found.containerd_sock is None) or (
        need == "dockerd" and (found.dockerd_sock is None or found.dockerd_log is None))
    if missing:
        names = {"registry": "PULLSIM_ORACLE_REGISTRY",
                 "containerd": "PULLSIM_ORACLE_REGISTRY / PULLSIM_ORACLE_CONTAINERD_SOCK",
                 "dockerd": "PULLSIM_ORACLE_REGISTRY / PULLSIM_ORACLE_DOCKERD_SOCK / "
                            "PULLSIM_ORACLE_DOCKERD_LOG"}[need]
        start = "tests/oracle/services.sh start" + (" --with-dockerd" if need == "dockerd" else "")
        reason = (f"oracle services not configured ({names} unset): run `{start}` and export "
                  "its env file to run the differential tests")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    assert found is not None
    return found


class Oracle(Protocol):
    @property
    def name(self) -> str: ...

    def answers(self, image: GeneratedImage, pushed: PushedImage) -> dict[str, OracleAnswer]: ...


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


def ask_all(images: Iterable[GeneratedImage], registry: str, auth: tuple[str, str] | None,
            repository: str, oracle: Oracle, jobs: int) -> list[Asked]:
    """Push each image (tag = its name) and ask ``oracle`` about it; ``jobs`` at a time."""
    def ask(image: GeneratedImage) -> Asked:
        pushed = Registry(registry, auth).push(repository, image.name, image.blobs,
                                               image.manifests, image.top)
        return Asked(image, pushed, oracle.answers(image, pushed))

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(ask, images))


def run_oracle(found: Services, generated: Iterable[GeneratedImage],
               cases: Sequence[PublishedCase], plain: Oracle,
               with_auth: Callable[[tuple[str, str] | None], Oracle]) -> OracleRun:
    """Ask ``plain`` about the generated images (plain registry), then ask ``with_auth(auth)``
    about the published cases, on the htpasswd registry when there is one."""
    seed = int_env("PULLSIM_DIFF_SEED", 1)
    jobs = max(1, int_env("PULLSIM_DIFF_JOBS", 3))
    start = time.monotonic()
    asked = ask_all(generated, found.registry, None, GENERATED_REPO, plain, jobs)
    if found.auth_registry is not None and found.auth is not None:
        registry, auth = found.auth_registry, found.auth
    else:
        registry, auth = found.registry, None
    fixed = ask_all([c.image for c in cases], registry, auth, PUBLISHED_REPO, with_auth(auth),
                    jobs)
    return OracleRun(asked, list(zip(cases, fixed, strict=True)), seed, jobs,
                     time.monotonic() - start)


# --- the published matrix -----------------------------------------------------------------------

def published_mismatches(run: OracleRun, column: Callable[[PublishedCase], dict[str, Expected]
                                                          | None],
                         no_match: Callable[[GeneratedImage, OracleAnswer], bool],
                         tool: str) -> list[str]:
    """Where the oracle does not give oracle.md's published column (``column(case)``)."""
    wrong = []
    for case, asked in run.published:
        expected_answers = column(case)
        if expected_answers is None:
            continue
        image = asked.image
        for platform, expected in expected_answers.items():
            answer = asked.answers[platform]
            if expected is None:
                ok = answer.digest is None and no_match(image, answer)
            elif isinstance(expected, Failed):
                ok = (answer.digest == image.by_hint(expected.hint) and answer.error is not None
                      and (not expected.error or answer.error == expected.error))
            else:
                ok = answer == OracleAnswer(image.by_hint(expected))
            if not ok:
                wrong.append(f"{image.name} {platform}: published {expected!r}, {tool} chose "
                             f"{image.label(answer.digest)} error={answer.error!r}")
    return wrong


# --- pullsim's side -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PullsimAnswer:
    outcome: str  # a Selection outcome, or "exception"
    digest: str | None
    message: str


def pullsim_answer(engine: Any, image: GeneratedImage, platform: str,
                   reference: str | None = None) -> PullsimAnswer:
    try:
        requested = engine.parse_platform(platform)
        selection = engine.select(parse_document(image.index_bytes), HOST, platform=requested,
                                  fetch=image.fetch, reference=reference)
    except Exception as err:  # reported as a mismatch, with the rest
        return PullsimAnswer("exception", None, f"{type(err).__name__}: {err}")
    return PullsimAnswer(str(selection.outcome), selection.digest, selection.message)


def agrees(answer: OracleAnswer, ours: PullsimAnswer, is_no_match: Callable[[str], bool]) -> bool:
    """The same child, or the same child and then the same failure, or the same no-match text."""
    if answer.digest is not None and answer.error is None:
        return ours.outcome in ("selected", "single-manifest") and ours.digest == answer.digest
    if answer.digest is not None:  # chosen, then failed (unpack, media type, nested index…)
        return (ours.outcome == "failed" and ours.digest == answer.digest
                and ours.message == answer.error)
    if answer.error is not None and is_no_match(answer.error):
        return ours.outcome == "no-match" and ours.message == answer.error
    return False  # the oracle failed in a way the harness does not expect: look at it


def kind(answer: OracleAnswer, is_no_match: Callable[[str], bool]) -> str:
    if answer.digest is None:
        return "no-match" if is_no_match(answer.error or "") else "error"
    return "selected" if answer.error is None else "failed"


@dataclass
class Comparison:
    """Every case of one engine: counts, the mismatches (described per index) and the rows."""

    engine: str
    tool: str
    cases: int = 0
    indexes: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    mismatched: list[str] = field(default_factory=list)
    report: list[dict[str, Any]] = field(default_factory=list)
    pullsim_seconds: float = 0.0

    @property
    def mismatches(self) -> int:
        return sum(1 for row in self.report if not row["agree"])

    def summary(self, run: OracleRun) -> str:
        return (
            f"{self.engine} differential: compared {self.cases} cases over {self.indexes} "
            f"indexes (seed {run.seed}, {len(run.generated)} generated), "
            f"{self.kinds['selected']} selected, {self.kinds['no-match']} no-match, "
            f"{self.kinds['failed']} failed (chosen, then failed), {self.kinds['error']} other "
            f"errors, {self.mismatches} mismatches; real {self.tool} {run.seconds:.1f}s "
            f"({run.jobs} jobs), pullsim {self.pullsim_seconds:.2f}s"
        )


def compare(engine_name: str, tool: str, run: OracleRun, is_no_match: Callable[[str], bool],
            pass_reference: bool = False) -> Comparison:
    """Ask pullsim's ``engine_name`` every question the oracle answered in ``run``."""
    engine = resolver.get_engine(engine_name)
    everything = run.generated + [asked for _, asked in run.published]
    result = Comparison(engine_name, tool, indexes=len(everything))
    start = time.monotonic()
    for asked in everything:
        rows = []
        reference = asked.pushed.reference if pass_reference else None
        for platform, answer in asked.answers.items():
            ours = pullsim_answer(engine, asked.image, platform, reference)
            result.cases += 1
            result.kinds[kind(answer, is_no_match)] += 1
            agree = agrees(answer, ours, is_no_match)
            result.report.append({
                "image": asked.image.name, "reference": asked.pushed.reference,
                "platform": platform, "agree": agree,
                tool: {"digest": answer.digest, "error": answer.error},
                "pullsim": {"outcome": ours.outcome, "digest": ours.digest,
                            "message": ours.message}})
            if not agree:
                rows.append((platform, answer, ours))
        if rows:
            result.mismatched.append(describe_mismatches(asked, rows, tool))
    result.pullsim_seconds = time.monotonic() - start
    return result


def describe_mismatches(asked: Asked, rows: list[tuple[str, OracleAnswer, PullsimAnswer]],
                        tool: str) -> str:
    image = asked.image
    lines = ["---", f"{asked.pushed.reference}", image.describe()]
    for platform, answer, ours in rows:
        pad = " " * len(platform)
        lines.append(
            f"  {platform}: {tool} -> {image.label(answer.digest)} {answer.digest} "
            f"error={answer.error!r}\n"
            f"  {pad}  pullsim -> {ours.outcome} {image.label(ours.digest)} {ours.digest} "
            f"message={ours.message!r}"
        )
    return "\n".join(lines)


def finish(result: Comparison, run: OracleRun, summary_lines: list[str], family: str) -> None:
    """Print the summary, write the report if asked, and fail with every mismatch at once."""
    summary = result.summary(run)
    summary_lines.append(summary)
    report_path = os.environ.get("PULLSIM_DIFF_REPORT")
    if report_path:
        root, ext = os.path.splitext(report_path)
        with open(f"{root}-{family}{ext or '.json'}", "w") as out:
            json.dump({"summary": summary, "cases": result.report}, out, indent=1)
    assert not result.mismatched, (
        f"{summary}\n{len(result.mismatched)} indexes with mismatches:\n"
        + "\n".join(result.mismatched)
    )
