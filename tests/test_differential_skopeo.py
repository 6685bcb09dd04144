"""Differential test: pullsim's ``skopeo@1.9`` (skopeo copy) against the real skopeo 1.9.3.

Generated images (the same set as the containerd test's) are pushed to the loopback registry;
skopeo copies each requested platform into a ``dir:`` (``tests/oracle/skopeo.py``:
``--override-os/--override-arch`` and ``--override-variant`` only when the request has a
variant), and pullsim's ``select`` (told the reference, which skopeo's messages name) must give
the same child, the same child and then the same failure (``copying system image from manifest
list: Unexpectedly received a manifest list instead of a manifest for a single image``), or the
same ``choosing an image from manifest list docker://…: no image found in manifest list for
architecture …`` / ``… in image index …``. oracle.md's published skopeo column is checked on its
fixed images (pushed to the htpasswd registry, copied with ``--src-creds``).

Needs the registry of ``tests/oracle/services.sh`` (env file exported) and ``skopeo``; skips
without them, fails in CI. Knobs: see ``tests/oracle/differential.py``.
"""

from __future__ import annotations

import shutil

import pytest

from tests.oracle.answers import OracleAnswer
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
from tests.oracle.published import published_cases
from tests.oracle.skopeo import SkopeoOracle, go_unquote, override_flags

ENGINE = "skopeo@1.9"
NO_MATCH_MARKERS = (": no image found in manifest list for architecture ",
                    ": no image found in image index for architecture ")


def _is_no_match(error: str) -> bool:
    return error.startswith("choosing an image from manifest list ") and any(
        marker in error for marker in NO_MATCH_MARKERS)


@pytest.fixture(scope="module")
def skopeo_run() -> OracleRun:
    found = services("registry")
    if shutil.which("skopeo") is None:
        pytest.fail("skopeo is not installed (apt-get install skopeo)")
    parallel = max(1, int_env("PULLSIM_DIFF_SKOPEO_PARALLEL", 3))
    plain = SkopeoOracle(parallel=parallel)
    plain.version()
    count = int_env("PULLSIM_DIFF_INDEXES", 40)
    seed = int_env("PULLSIM_DIFF_SEED", 1)
    return run_oracle(found, Generator(seed).generate(count), published_cases(), plain,
                      lambda auth: SkopeoOracle(auth=auth, parallel=parallel))


@pytest.mark.parametrize(("platform", "flags"), [
    ("linux/arm/v7", ["--override-os", "linux", "--override-arch", "arm",
                      "--override-variant", "v7"]),
    ("linux/arm", ["--override-os", "linux", "--override-arch", "arm"]),
    ("unknown/unknown", ["--override-os", "unknown", "--override-arch", "unknown"]),
    ("/arm64", ["--override-arch", "arm64"]),
])
def test_override_flags(platform: str, flags: list[str]) -> None:
    assert override_flags(platform) == flags


def test_go_unquote() -> None:
    assert go_unquote(r'variant \"\", OS linux \\ \u00e9\x41') == 'variant "", OS linux \\ éA'


def _published_no_match(image: GeneratedImage, answer: OracleAnswer) -> bool:
    return _is_no_match(answer.error or "")


@pytest.mark.oracle
def test_oracle_reproduces_published_matrix(skopeo_run: OracleRun) -> None:
    """The harness itself: it gives oracle.md's published skopeo column."""
    wrong = published_mismatches(skopeo_run, lambda case: case.skopeo, _published_no_match,
                                 "skopeo")
    assert not wrong, "\n".join(wrong)


@pytest.mark.oracle
def test_differential_skopeo(skopeo_run: OracleRun, oracle_summary: list[str]) -> None:
    result = compare(ENGINE, "skopeo", skopeo_run, _is_no_match, pass_reference=True)
    finish(result, skopeo_run, oracle_summary, "skopeo")
