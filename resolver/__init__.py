"""pullsim: which image a container engine pulls from a tag for a host, and whether it runs.

The public API is re-exported here and nothing else; names load lazily so that the CLI starts
fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs the warm path milliseconds

__version__ = "0.1.0"

_EXPORTS = {
    "Platform": "resolver.platform",
    "parse_platform": "resolver.platform",
    "format_platform": "resolver.platform",
    "format_all": "resolver.platform",
    "normalize": "resolver.platform",
    "PlatformError": "resolver.errors",
    "PullsimError": "resolver.errors",
    "DocumentError": "resolver.errors",
    "UnknownEngine": "resolver.errors",
    "parse_document": "resolver.model",
    "Index": "resolver.model",
    "Manifest": "resolver.model",
    "Descriptor": "resolver.model",
    "Selection": "resolver.selection",
    "get_engine": "resolver.engines",
    "list_engines": "resolver.engines",
    "detect_host": "resolver.host",
    "resolve": "resolver.lookup",
}

__all__ = [  # noqa: RUF022 (grouped by module)
    "Platform",
    "parse_platform",
    "format_platform",
    "format_all",
    "normalize",
    "PlatformError",
    "PullsimError",
    "DocumentError",
    "UnknownEngine",
    "parse_document",
    "Index",
    "Manifest",
    "Descriptor",
    "Selection",
    "get_engine",
    "list_engines",
    "detect_host",
    "resolve",
]

if TYPE_CHECKING:
    from typing import Any

    from resolver.engines import get_engine, list_engines
    from resolver.errors import DocumentError, PlatformError, PullsimError, UnknownEngine
    from resolver.host import detect_host
    from resolver.lookup import resolve
    from resolver.model import Descriptor, Index, Manifest, parse_document
    from resolver.platform import Platform, format_all, format_platform, normalize, parse_platform
    from resolver.selection import Selection


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'resolver' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
