"""What every engine profile offers: the contract of ``resolver.get_engine(...)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from resolver.model import Descriptor, Document
from resolver.platform import Platform
from resolver.selection import Selection

Fetch = Callable[[Descriptor], bytes]
"""Return the verified bytes a descriptor points at (a child manifest, index or config)."""


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    """A catalog line: an engine name, the versions it covers and the upstream it follows."""

    name: str
    family: str
    versions: str
    source: str
    summary: str
    rules: tuple[str, ...] = ()  # "VERSIONS: what differs" lines, when releases differ inside

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "family": self.family, "versions": self.versions,
                "summary": self.summary, "rules": list(self.rules), "source": self.source}


class Engine(Protocol):
    """An engine at one version: how it parses a request, what it detects, how it matches."""

    @property
    def name(self) -> str: ...

    def parse_platform(self, text: str, host: Platform | None = None) -> Platform:
        """Parse ``--platform`` text as this engine does (its version's grammar)."""
        ...

    def detected_platform(self, host: Platform) -> Platform:
        """The platform this engine reports for ``host`` (e.g. containerd's DefaultSpec)."""
        ...

    def matches(self, platform: Platform, candidate: Platform) -> bool:
        """Asked for ``platform`` (as ``--platform``), would the pull matcher accept candidate."""
        ...

    def order(self, platform: Platform, candidates: Sequence[Platform]) -> list[Platform]:
        """The candidates the pull matcher accepts, most preferred first (stable)."""
        ...

    def select(
        self,
        doc: Document,
        host: Platform,
        platform: Platform | None = None,
        fetch: Fetch | None = None,
        *,
        reference: str | None = None,
    ) -> Selection:
        """Pick what this engine pulls from ``doc`` on ``host`` (``platform``: an explicit
        request, never merged with the host by the caller; ``reference``: the image as the
        user typed it, for the engines whose messages name it)."""
        ...
