"""Shared pytest hooks: the differential tests' summary lines, printed whatever ``-s`` says."""

from __future__ import annotations

import pytest

_ORACLE_SUMMARY: list[str] = []


@pytest.fixture(scope="session")
def oracle_summary() -> list[str]:
    """Lines a test appends to have them printed in the terminal summary."""
    return _ORACLE_SUMMARY


@pytest.fixture(autouse=True)
def _own_pullsim_cache(monkeypatch: pytest.MonkeyPatch,
                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the user's pullsim cache (resolver/cache.py); tests/sources
    gives each test a cache of its own."""
    monkeypatch.setenv("PULLSIM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ORACLE_SUMMARY:
        terminalreporter.section("differential tests against real engines")
        for line in _ORACLE_SUMMARY:
            terminalreporter.write_line(line)
