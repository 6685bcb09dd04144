"""The whole lookup: reference → source → document → engine.select."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from resolver.engines import get_engine
from resolver.engines.base import Engine, Fetch
from resolver.errors import InvalidReference
from resolver.model import Document
from resolver.platform import Platform
from resolver.reference import Reference, parse_reference
from resolver.selection import Selection


@dataclass(frozen=True, slots=True)
class Opened:
    reference: Reference
    document: Document
    fetch: Fetch


def open_reference(reference: str | Reference) -> Opened:
    """Fetch the top document of a reference, with a ``fetch`` for its children."""
    ref = parse_reference(reference) if isinstance(reference, str) else reference
    if ref.transport == "file":
        from resolver.sources.file import FileSource

        source = FileSource(Path(ref.target))
        return Opened(ref, source.document(), source.fetch)
    raise InvalidReference(f"{ref}: the {ref.transport} transport is not supported yet "
                           "(use file:PATH)")


def resolve(
    reference: str | Reference,
    host: Platform | None = None,
    platform: Platform | str | None = None,
    engine: str | Engine = "containerd",
) -> Selection:
    """What ``engine`` pulls for ``reference`` on ``host`` (default: this machine), optionally
    with an explicit ``platform`` request, parsed by the engine's own parser when text."""
    eng = get_engine(engine) if isinstance(engine, str) else engine
    if host is None:
        from resolver.host import detect_host

        host = detect_host()
    if isinstance(platform, str):
        platform = eng.parse_platform(platform, host)
    opened = open_reference(reference)
    return eng.select(opened.document, host, platform=platform, fetch=opened.fetch)
