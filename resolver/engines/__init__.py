"""Engine profiles by name: ``NAME[@VERSION][/VARIANT]`` (e.g. ``containerd@1.6``)."""

from __future__ import annotations

import importlib
from typing import Any

from resolver.engines.base import Engine, ProfileInfo
from resolver.errors import UnknownEngine

# engine name -> module offering make(name, version) and profiles(); a module serves every
# name of its matching family (Podman, skopeo, Buildah and CRI-O all run containers/image).
_FAMILIES = {
    "containerd": "resolver.engines.containerd",
    "kubernetes/containerd": "resolver.engines.containerd",
    "docker": "resolver.engines.moby",
    "podman": "resolver.engines.containers_image",
    "skopeo": "resolver.engines.containers_image",
    "buildah": "resolver.engines.containers_image",
    "cri-o": "resolver.engines.containers_image",
    "kubernetes/cri-o": "resolver.engines.containers_image",
    "crane": "resolver.engines.ggcr",
    "ggcr": "resolver.engines.ggcr",
    "go-containerregistry": "resolver.engines.ggcr",
}


def _family(name: str) -> Any:
    module = _FAMILIES.get(name) or _FAMILIES.get(name.partition("/")[0])
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
    base = base.lower()
    engine: Engine = _family(base).make(base, version or None)
    return engine


def list_engines() -> list[ProfileInfo]:
    """Every profile, with its version range and the upstream source it follows."""
    out: list[ProfileInfo] = []
    for module in dict.fromkeys(_FAMILIES.values()):
        out.extend(importlib.import_module(module).profiles())
    return out
