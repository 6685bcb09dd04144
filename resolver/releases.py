"""Release ranges for the engines' rule tables: ``between("1.6.18", "1.6.22")`` is every release
from 1.6.18 up to, not including, 1.6.22, compared as :class:`packaging.version.Version`.

Half-open ranges are all the tables need. packaging's ``SpecifierSet`` would do as well, but its
import alone costs a cold ``pullsim resolve`` about 7 ms (benchmarks/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version


@dataclass(frozen=True, slots=True)
class Releases:
    """``first <= version < before``; pre-releases are in no range (no engine's pre-release is
    modelled), as with packaging's ``SpecifierSet(">=first,<before")``."""

    first: Version
    before: Version

    def __contains__(self, version: Version) -> bool:
        return not version.is_prerelease and self.first <= version < self.before

    def overlaps(self, first: Version, last: Version) -> bool:
        """Whether any release from ``first`` to ``last`` (both included) is in the range."""
        return self.first <= last and self.before > first

    def __str__(self) -> str:
        return f"{self.first}..<{self.before}"


def between(first: str, before: str) -> Releases:
    return Releases(Version(first), Version(before))
