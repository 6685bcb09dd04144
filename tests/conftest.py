"""Shared pytest hooks: the differential tests' summary lines, printed whatever ``-s`` says."""

from __future__ import annotations

import pytest

_ORACLE_SUMMARY: list[str] = []


@pytest.fixture(scope="session")
def oracle_summary() -> list[str]:
    """Lines a test appends to have them printed in the terminal summary."""
    return _ORACLE_SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ORACLE_SUMMARY:
        terminalreporter.section("differential tests against real engines")
        for line in _ORACLE_SUMMARY:
            terminalreporter.write_line(line)
