"""What an engine chose, and every step it took to get there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from resolver.platform import Platform, format_all

Outcome = Literal["selected", "single-manifest", "no-match", "failed"]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an engine's decision: a short machine key and a sentence for people."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Selection:
    """The result of ``engine.select``.

    ``platform`` is the platform the engine matched against (its view of the host, or the
    request); ``digest`` the chosen manifest (the leaf of a nested index; the chosen entry for
    ``failed``; the manifest itself for ``single-manifest``); ``path`` the digests from the top
    document down to it; ``message`` the engine's exact error text.
    """

    engine: str
    platform: Platform
    outcome: Outcome
    digest: str | None = None
    path: tuple[str, ...] = ()
    selected_platform: Platform | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()
    trace: tuple[Step, ...] = field(default=())
    requested: Platform | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("selected", "single-manifest")

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "platform": format_all(self.platform),
            "requested": format_all(self.requested) if self.requested else None,
            "outcome": self.outcome,
            "digest": self.digest,
            "path": list(self.path),
            "selected_platform": (
                format_all(self.selected_platform) if self.selected_platform else None
            ),
            "message": self.message,
            "warnings": list(self.warnings),
            "trace": [{"step": s.key, "text": s.text} for s in self.trace],
        }
