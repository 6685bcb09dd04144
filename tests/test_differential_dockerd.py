"""Differential test: pullsim's ``docker@20.10.24+dfsg1`` against the real dockerd 20.10.24.

Debian 12's ``docker.io`` 20.10.24+dfsg1 links Debian's containerd 1.6.20 platforms code, which
is exactly what that pullsim profile models. Generated images are pushed to the loopback
registry; dockerd pulls each requested platform (``tests/oracle/dockerd.py``: rmi, pull
``--platform``, inspect ``.Id``), and pullsim's ``select`` must give the same child, or the same
child and then the same failure (``unsupported manifest format`` for a nested index, ``image
operating system "windows" cannot be used on this platform``, ``unsupported media type
application/vnd.in-toto+json``…), or the same ``no matching manifest for linux/386 in the
manifest list entries``. The images come from ``Generator(seed, dockerd_safe=True)``: no entry
or config says ``Linux``, which dockerd 20.10 does not survive. oracle.md's published dockerd
column is checked on its fixed images (pushed to the htpasswd registry).

Needs ``tests/oracle/services.sh start --with-dockerd`` and its env file exported; skips
without them, fails in CI. Knobs: see ``tests/oracle/differential.py``.
"""

from __future__ import annotations

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
from tests.oracle.dockerd import DockerdOracle
from tests.oracle.generate import GeneratedImage, Generator
from tests.oracle.published import published_cases

ENGINE = "docker@20.10.24+dfsg1"
NO_MATCH_PREFIX = "no matching manifest for "
NO_MATCH_SUFFIX = " in the manifest list entries"


def _is_no_match(error: str) -> bool:
    return error.startswith(NO_MATCH_PREFIX) and error.endswith(NO_MATCH_SUFFIX)


@pytest.fixture(scope="module")
def dockerd_run() -> OracleRun:
    found = services("dockerd")
    assert found.dockerd_sock is not None and found.dockerd_log is not None
    socket, log = found.dockerd_sock, found.dockerd_log
    plain = DockerdOracle(socket, log)
    plain.version()  # fails clearly if dockerd is not answering
    count = int_env("PULLSIM_DIFF_INDEXES", 40)
    seed = int_env("PULLSIM_DIFF_SEED", 1)
    return run_oracle(found, Generator(seed, dockerd_safe=True).generate(count),
                      published_cases(), plain, lambda auth: DockerdOracle(socket, log, auth))


def test_dockerd_safe_images_never_say_linux_capitalised() -> None:
    for image in Generator(5, dockerd_safe=True).generate(60):
        for data in image.content.values():
            assert b'"os":"Linux"' not in data, image.describe()
        assert image.name.startswith("d5-")


def _published_no_match(image: GeneratedImage, answer: OracleAnswer) -> bool:
    return _is_no_match(answer.error or "")


@pytest.mark.oracle
def test_oracle_reproduces_published_matrix(dockerd_run: OracleRun) -> None:
    """The harness itself: it gives oracle.md's published dockerd 20.10 column."""
    wrong = published_mismatches(dockerd_run, lambda case: case.dockerd, _published_no_match,
                                 "dockerd")
    assert not wrong, "\n".join(wrong)


@pytest.mark.oracle
def test_differential_dockerd(dockerd_run: OracleRun, oracle_summary: list[str]) -> None:
    result = compare(ENGINE, "dockerd", dockerd_run, _is_no_match)
    finish(result, dockerd_run, oracle_summary, "dockerd")
