"""Engine profiles by name: ``NAME[@VERSION][/VARIANT]`` (e.g. ``containerd@1.6``)."""

from __future__ import annotations

import importlib
from typing import Any

from resolver.engines.base import Engine, ProfileInfo
from resolver.errors import UnknownEngine

# family name -> module offering make(version) and profiles()
_FAMILIES = {
    "containerd": "resolver.engines.containerd",
}


def _family(name: str) -> Any:
    module = _FAMILIES.get(name)
    if module is None:
        raise UnknownEngine(
            f"unknown engine {name!r} (known: {', '.join(sorted(_FAMILIES))}; "
            "see `pullsim engines`)"
        )
    return importlib.import_module(module)


def get_engine(name: str) -> Engine:
    """The engine profile a name picks; raises :class:`UnknownEngine` (a ValueError)."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownEngine("empty engine name")
    base, _, version = name.strip().partition("@")
    engine: Engine = _family(base.lower()).make(version or None)
    return engine


def list_engines() -> list[ProfileInfo]:
    """Every profile, with its version range and the upstream source it follows."""
    out: list[ProfileInfo] = []
    for family in _FAMILIES:
        out.extend(_family(family).profiles())
    return out
