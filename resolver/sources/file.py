"""``file:PATH``: a manifest or index JSON document on disk.

Children (a nested index, the manifest and config of an entry without a platform) are looked up
among the ``*.json`` files beside it, by digest: a file is used only when its bytes hash to the
digest asked for, so nothing unverified is ever trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.errors import ChildUnavailable, DocumentError, SourceError
from resolver.model import Descriptor, Document, compute_digest, parse_document

if TYPE_CHECKING:
    from resolver.lookup import Opened, SourceOptions
    from resolver.reference import Reference

MAX_DOCUMENT = 4 * 1024 * 1024  # the same cap as for registry manifests


def read_capped(path: Path, cap: int = MAX_DOCUMENT) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(cap + 1)
    except OSError as err:
        raise SourceError(f"cannot read {path}: {err.strerror or err}") from None
    if len(data) > cap:
        raise DocumentError(f"{path}: larger than {cap} bytes, refused")
    return data


@dataclass
class FileSource:
    path: Path

    def document(self) -> Document:
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        try:
            return parse_document(read_capped(self.path))
        except DocumentError as err:
            raise DocumentError(f"{self.path}: {err}") from None

    def fetch(self, desc: Descriptor) -> bytes:
        """The bytes of ``desc`` from a sibling file whose digest matches."""
        algorithm = desc.digest.partition(":")[0]
        if algorithm not in ("sha256", "sha512"):
            raise SourceError(f"{desc.digest}: unsupported digest algorithm")
        for candidate in sorted(self.path.parent.glob("*.json")):
            data = read_capped(candidate)
            if compute_digest(data, algorithm) == desc.digest:
                return data
        raise ChildUnavailable(f"{desc.digest} is not among the files beside {self.path}")


def open_source(reference: Reference, options: SourceOptions) -> Opened:
    """``file:PATH``; the options do not apply to local files."""
    from resolver.lookup import Opened

    source = FileSource(Path(reference.target))
    return Opened(reference, source.document(), source.fetch)
