"""Image references and transports, named the way skopeo names them.

Only ``file:PATH`` (a bare manifest or index JSON document, what ``docker manifest inspect``
prints) is served so far; a plain path to an existing file means the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from resolver.errors import InvalidReference

TRANSPORTS = ("docker", "oci", "oci-archive", "docker-archive", "file")


@dataclass(frozen=True, slots=True)
class Reference:
    transport: str
    target: str

    def __str__(self) -> str:
        return f"{self.transport}:{self.target}"


def parse_reference(text: str) -> Reference:
    """Split ``TRANSPORT:REST``; a path to an existing file is ``file:``."""
    if not text or text != text.strip():
        raise InvalidReference(f"invalid reference {text!r}: empty or surrounded by spaces")
    transport, sep, rest = text.partition(":")
    if sep and transport in TRANSPORTS:
        if transport == "docker":
            rest = rest.removeprefix("//")
        if not rest:
            raise InvalidReference(f"invalid reference {text!r}: nothing after {transport}:")
        return Reference(transport, rest)
    if os.path.isfile(text):
        return Reference("file", text)
    return Reference("docker", text)
