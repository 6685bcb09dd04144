"""Differential test: pullsim's ``containerd@1.6`` against the real containerd 1.6.20.

Generated images (``tests/oracle/generate.py``) are pushed to the loopback registry, the real
containerd is asked which child it pulls for each requested platform (oracle.md's ``ctr-pull``
method, ``tests/oracle/containerd.py``), and pullsim's ``select`` must give the same manifest,
the same no-match text, or the same child and then the same unpack failure (an attestation's
in-toto layer: ``failed to extract layer <diff_id>: …``). The fixed images of oracle.md's
demonstration matrix are asked too (pushed to the htpasswd registry, so that path is exercised)
and must give the published answers, and so must the measured unpack image (which layer media
types containerd 1.6 unpacks).

Needs the services of ``tests/oracle/services.sh`` and its env file exported; without them these
tests skip, except in CI (``CI=true``) where they fail. Knobs: see
``tests/oracle/differential.py`` (``PULLSIM_DIFF_INDEXES``, ``_SEED``, ``_JOBS``, ``_REPORT``).
"""

from __future__ import annotations

import pytest

from resolver.model import parse_document
from tests.oracle.answers import OracleAnswer
from tests.oracle.containerd import ContainerdOracle
from tests.oracle.differential import (
    OracleRun,
    compare,
    finish,
    int_env,
    published_mismatches,
    run_oracle,
    services,
)
from tests.oracle.generate import GeneratedImage, Generator
from tests.oracle.published import measured_unpack_cases, published_cases
from tests.oracle.registry import Registry

ENGINE = "containerd@1.6"
NO_MATCH_PREFIX = "no match for platform in manifest "


def _is_no_match(error: str) -> bool:
    return error.startswith(NO_MATCH_PREFIX)


@pytest.fixture(scope="module")
def containerd_run() -> OracleRun:
    found = services("containerd")
    assert found.containerd_sock is not None
    socket = found.containerd_sock
    plain = ContainerdOracle(socket)
    plain.version()  # fails clearly if containerd is not answering
    count = int_env("PULLSIM_DIFF_INDEXES", 40)
    seed = int_env("PULLSIM_DIFF_SEED", 1)
    return run_oracle(found, Generator(seed).generate(count),
                      published_cases() + measured_unpack_cases(), plain,
                      lambda auth: ContainerdOracle(socket, auth=auth))


def test_generated_images_are_reproducible_and_distinguishable() -> None:
    """No services needed: the same seed gives the same bytes, every image child has its own
    chain ID and config (what the oracles map answers back by), and enough platforms are
    asked."""
    first = list(Generator(3).generate(12))
    again = list(Generator(3).generate(12))
    assert [(i.index_bytes, i.content) for i in first] == [(i.index_bytes, i.content)
                                                          for i in again]
    images = [c for i in first for c in i.children.values() if c.kind != "index"]
    assert len({c.chain_id for c in images}) == len(images)
    assert len({c.config_digest for c in images}) == len(images)
    for image in first:
        assert len(image.platforms) >= 10
        assert parse_document(image.index_bytes).digest == image.digest
        for upload in image.manifests:
            assert parse_document(upload.data).digest == upload.digest


@pytest.mark.oracle
def test_auth_registry_requires_credentials() -> None:
    found = services("registry")
    if found.auth_registry is None or found.auth is None:
        pytest.fail("PULLSIM_ORACLE_AUTH_REGISTRY / _USER / _PASSWORD are not set")
    assert Registry(found.auth_registry).ping() == 401
    assert Registry(found.auth_registry, found.auth).ping() == 200


def _published_no_match(image: GeneratedImage, answer: OracleAnswer) -> bool:
    return answer.error == f"{NO_MATCH_PREFIX}{image.digest}: not found"


@pytest.mark.oracle
def test_oracle_reproduces_published_matrix(containerd_run: OracleRun) -> None:
    """The harness itself: ctr-pull gives oracle.md's published column on its fixed images,
    and the measured unpack answers."""
    wrong = published_mismatches(containerd_run, lambda case: case.expected,
                                 _published_no_match, "containerd")
    assert not wrong, "\n".join(wrong)


@pytest.mark.oracle
def test_differential_containerd(containerd_run: OracleRun, oracle_summary: list[str]) -> None:
    result = compare(ENGINE, "containerd", containerd_run, _is_no_match)
    finish(result, containerd_run, oracle_summary, "containerd")
