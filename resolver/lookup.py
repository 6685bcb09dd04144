"""The whole lookup: reference → source → document → engine.select.

(Named ``lookup`` so that ``resolver.resolve`` stays the function, never this module.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from resolver.engines import get_engine
from resolver.engines.base import Engine, Fetch
from resolver.errors import ChildUnavailable, InvalidReference
from resolver.model import Document
from resolver.platform import Platform
from resolver.reference import Reference, parse_reference
from resolver.selection import Selection


@dataclass(frozen=True, slots=True)
class Opened:
    """A source opened at a reference: its verified top document, and a ``fetch`` that hands
    out children (verified against their digests) when an engine looks inside them."""

    reference: Reference
    document: Document
    fetch: Fetch


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How sources may reach content (the CLI's common flags)."""

    insecure: bool = False  # plain HTTP / unverified TLS for non-loopback registries
    creds: str | None = None  # USER:PASS, never stored
    offline: bool = False  # answer only from the cache
    no_cache: bool = False  # bypass the cache entirely
    max_age: float | None = None  # seconds a tag answer is trusted without revalidation


# transport -> module whose open_source(reference, options) returns an Opened
_SOURCES = {
    "file": "resolver.sources.file",
    "oci": "resolver.sources.oci_layout",
    "oci-archive": "resolver.sources.oci_archive",
    "docker-archive": "resolver.sources.docker_archive",
    "docker": "resolver.sources.registry",
}


def open_reference(reference: str | Reference, options: SourceOptions | None = None) -> Opened:
    """Fetch the top document of a reference, with a ``fetch`` for its children."""
    ref = parse_reference(reference) if isinstance(reference, str) else reference
    module = _SOURCES.get(ref.transport)
    if module is None:
        raise InvalidReference(f"{ref}: the {ref.transport} transport is not supported yet")
    import importlib

    opened: Opened = importlib.import_module(module).open_source(ref, options or SourceOptions())
    return opened


def select_opened(
    engine: Engine,
    opened: Opened,
    host: Platform,
    platform: Platform | None = None,
    reference: str | None = None,
) -> Selection:
    """``engine.select`` over an opened source. When the source lacks a child the engine wants
    to look inside (a list file without its children), the engine decides without looking, as
    it does with no ``fetch``, and the answer says so in a warning."""
    typed = reference or str(opened.reference)
    try:
        return engine.select(opened.document, host, platform=platform, fetch=opened.fetch,
                             reference=typed)
    except ChildUnavailable as err:
        sel = engine.select(opened.document, host, platform=platform, fetch=None,
                            reference=typed)
        note = f"{err}: decided without looking inside it"
        return replace(sel, warnings=(*sel.warnings, note))


def resolve(
    reference: str | Reference,
    host: Platform | None = None,
    platform: Platform | str | None = None,
    engine: str | Engine = "containerd",
    options: SourceOptions | None = None,
) -> Selection:
    """What ``engine`` pulls for ``reference`` on ``host`` (default: this machine), optionally
    with an explicit ``platform`` request, parsed by the engine's own parser when text."""
    eng = get_engine(engine) if isinstance(engine, str) else engine
    if host is None:
        from resolver.host import detect_host

        host = detect_host()
    if isinstance(platform, str):
        platform = eng.parse_platform(platform, host)
    opened = open_reference(reference, options)
    typed = reference if isinstance(reference, str) else str(reference)
    return select_opened(eng, opened, host, platform, typed)
