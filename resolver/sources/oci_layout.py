"""``oci:DIR[:REF]``: an OCI image layout directory (``oci-layout``, ``index.json``, ``blobs/``).

The reference follows skopeo's ``oci:`` transport (containers/image ``oci/layout/
oci_transport.go`` ``getManifestDescriptor`` and ``oci/internal/oci_util.go``
``ParseReferenceIntoElements``, v5.34.0+, skopeo 1.18+):

- ``DIR`` and ``REF`` are split at the first ``:`` (so ``DIR`` cannot hold a colon).
- No ``REF``: index.json must list exactly one entry, which is used; otherwise it fails with
  "more than one image in oci, choose an image" (``ErrMoreThanOneImage``).
- ``REF`` = ``@N``: the N-th entry (zero-based) of index.json, whatever its annotations
  (containers/image v5.34.0+, commit 71e849a6; older skopeo, e.g. 1.9.3, rejects it as
  "Invalid image @0").
- Any other ``REF`` is an image *name*: the first index.json entry whose
  ``org.opencontainers.image.ref.name`` annotation equals it and whose media type is one of the
  four manifest / index types (the two Docker types since v5.35.0, commit 57719737; before,
  only OCI entries were found by name). A digest is not a lookup key: ``sha256:…`` is valid
  name syntax and is compared with the annotations like any other name.

The entry chosen is handed to the engine exactly as skopeo's ``GetManifest`` reads it: the blob
it points at (an image index or a manifest), never index.json itself. Every blob is verified
against its digest (and the descriptor's size) before use, and read only up to the caps below.
``oci-layout`` must carry ``imageLayoutVersion`` ``1.0.0`` (the OCI image-spec
``image-layout.md``; containerd ``core/images/archive/importer.go`` refuses any other value
with "unsupported OCI version"). containers/image does not read ``oci-layout`` at all; pullsim
requires it, since without it the directory is not an image layout.

The directory access sits behind :class:`LayoutFiles`, so ``oci-archive:`` (the same layout
inside a tar) reuses everything here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from resolver import mediatypes as mt
from resolver.errors import ChildUnavailable, DocumentError, SourceError
from resolver.model import Descriptor, Document, Index, compute_digest, parse_document
from resolver.sources.file import MAX_DOCUMENT, read_capped
from resolver.transport_refs import LayoutRef, parse_layout_ref, split_path

if TYPE_CHECKING:
    from resolver.lookup import Opened, SourceOptions
    from resolver.reference import Reference

# Caps, as containers/image internal/iolimits/iolimits.go sets them: MaxManifestBodySize
# (manifests, indexes, and here index.json) and MaxConfigBodySize (image configs) are 4 MiB.
MAX_CONFIG = 4 * 1024 * 1024
MAX_LAYOUT_FILE = 64 * 1024  # oci-layout holds one small JSON object
MAX_BLOB = max(MAX_DOCUMENT, MAX_CONFIG)  # the most fetch hands out (layers are never read)

IMAGE_LAYOUT_VERSION = "1.0.0"  # image-spec specs-go/v1/layout.go ImageLayoutVersion
REF_NAME = "org.opencontainers.image.ref.name"
_DIGEST_DIRS = {"sha256": 64, "sha512": 128}



class LayoutFiles(Protocol):
    """The files of a layout, wherever they live (a directory, a tar)."""

    @property
    def where(self) -> str:
        """How errors name the layout, e.g. ``oci:/tmp/img``."""
        ...

    def exists(self, name: str) -> bool:
        """Whether the layout holds the file ``name`` (a slash-separated relative path)."""
        ...

    def read(self, name: str, cap: int) -> bytes:
        """The bytes of ``name``; SourceError when missing, DocumentError when over ``cap``."""
        ...


@dataclass(frozen=True, slots=True)
class DirectoryFiles:
    """A layout in a directory on disk."""

    root: Path
    transport: str = "oci"

    @property
    def where(self) -> str:
        return f"{self.transport}:{self.root}"

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def read(self, name: str, cap: int) -> bytes:
        path = self.root / name
        if not path.is_file():
            if name.startswith("blobs/"):  # a child the layout does not hold (index-only copy)
                raise ChildUnavailable(f"{self.where}: {name} is missing")
            raise SourceError(f"{self.where}: {name} is missing")
        try:
            return read_capped(path, cap)
        except DocumentError:
            raise DocumentError(f"{self.where}: {name} is larger than {cap} bytes, refused") \
                from None


def _load_json_object(data: bytes, what: str) -> dict[str, object]:
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise DocumentError(f"{what}: malformed JSON: {err}") from None
    if not isinstance(obj, dict):
        raise DocumentError(f"{what}: must be a JSON object")
    return obj


@dataclass(frozen=True, slots=True)
class Layout:
    """An opened image layout: its files and its parsed index.json."""

    files: LayoutFiles
    index: Index

    @classmethod
    def load(cls, files: LayoutFiles) -> Layout:
        """Check ``oci-layout`` and parse ``index.json``."""
        where = files.where
        if not files.exists("oci-layout"):
            raise SourceError(f"{where}: not an OCI image layout (no oci-layout file)")
        layout = _load_json_object(files.read("oci-layout", MAX_LAYOUT_FILE),
                                   f"{where}: oci-layout")
        version = layout.get("imageLayoutVersion")
        if version != IMAGE_LAYOUT_VERSION:
            raise DocumentError(f"{where}: unsupported OCI layout version {version!r} "
                                f"(oci-layout must say {IMAGE_LAYOUT_VERSION!r})")
        if not files.exists("index.json"):
            raise SourceError(f"{where}: index.json is missing")
        try:
            index = parse_document(files.read("index.json", MAX_DOCUMENT), mt.OCI_INDEX)
        except DocumentError as err:
            raise DocumentError(f"{where}: index.json: {err}") from None
        if not isinstance(index, Index):
            raise DocumentError(f"{where}: index.json is a manifest, not an image index")
        return cls(files, index)

    def choose(self, ref: LayoutRef, *, index_syntax: bool = True) -> Descriptor:
        """The index.json entry ``ref`` names (``getManifestDescriptor``); ``index_syntax``:
        whether the transport accepts ``@N`` (said in error hints)."""
        entries = self.index.manifests
        where = self.files.where
        usable = "a ref name or @INDEX" if index_syntax else "a ref name"
        if ref.index is not None:
            if ref.index >= len(entries):
                raise SourceError(f"{where}: index {ref.index} is too large, only "
                                  f"{len(entries)} entries available")
            return entries[ref.index]
        if ref.name:
            unsupported = []
            for entry in entries:
                if entry.annotation_map.get(REF_NAME) == ref.name:
                    if entry.media_type in mt.INDEX_TYPES | mt.MANIFEST_TYPES:
                        return entry
                    unsupported.append(entry.media_type)
            if unsupported:
                raise SourceError(f"{where}: reference {ref.name!r} matches unsupported "
                                  f"manifest MIME types {unsupported}")
            names = _ref_names(entries)
            hint = f" (names: {names})" if names else " (no entry has a ref.name annotation)"
            if re.fullmatch(r"[a-z0-9]+:[0-9a-f]{32,}", ref.name):
                hint += f"; a digest is not a reference here: use {usable}"
            raise SourceError(f'{where}: no descriptor found for reference "{ref.name}"{hint}')
        if len(entries) != 1:
            if not entries:
                raise SourceError(f"{where}: index.json lists no images")
            names = _ref_names(entries)
            raise SourceError(f"{where}: more than one image in oci, choose an image "
                              f"({len(entries)} entries" + (f": {names}" if names else "")
                              + ("; or @INDEX)" if index_syntax else ")"))
        return entries[0]

    def blob(self, desc: Descriptor) -> bytes:
        """The verified bytes of ``desc`` from ``blobs/<alg>/<hex>``."""
        where = self.files.where
        algorithm, _, encoded = desc.digest.partition(":")
        if algorithm not in _DIGEST_DIRS or not re.fullmatch(
                f"[a-f0-9]{{{_DIGEST_DIRS[algorithm]}}}", encoded):
            raise SourceError(f"{where}: {desc.digest}: unsupported digest algorithm")
        if desc.size > MAX_BLOB:
            raise DocumentError(f"{where}: {desc.digest} is {desc.size} bytes, larger than "
                                f"{MAX_BLOB} bytes, refused (layers are never read)")
        name = f"blobs/{algorithm}/{encoded}"
        if not self.files.exists(name):
            raise SourceError(f"{where}: blob {desc.digest} is missing ({name})")
        data = self.files.read(name, MAX_BLOB)
        actual = compute_digest(data, algorithm)
        if actual != desc.digest:
            raise DocumentError(f"{where}: {name}: digest mismatch: expected {desc.digest}, "
                                f"content is {actual}")
        if desc.size and len(data) != desc.size:
            raise DocumentError(f"{where}: {name}: size mismatch: the descriptor says "
                                f"{desc.size} bytes, the blob has {len(data)}")
        return data

    def document(self, desc: Descriptor) -> Document:
        """The manifest or index ``desc`` points at, verified and parsed."""
        data = self.blob(desc)
        try:
            return parse_document(data, desc.media_type or None, desc.digest)
        except DocumentError as err:
            raise DocumentError(f"{self.files.where}: {desc.digest}: {err}") from None


def _ref_names(entries: tuple[Descriptor, ...]) -> str:
    """The ref.name annotations of ``entries``, for error messages ("" when none has one)."""
    names = [e.annotation_map[REF_NAME] for e in entries if REF_NAME in e.annotation_map]
    return ", ".join(names[:8]) + (", …" if len(names) > 8 else "")


def open_layout(reference: Reference, files: LayoutFiles, ref: LayoutRef, *,
                index_syntax: bool = True) -> Opened:
    """The document ``ref`` names in the layout, with a verified ``fetch`` for children."""
    from resolver.lookup import Opened

    layout = Layout.load(files)
    chosen = layout.choose(ref, index_syntax=index_syntax)
    return Opened(reference, layout.document(chosen), layout.blob)


def open_source(reference: Reference, options: SourceOptions) -> Opened:
    """``oci:DIR[:REF]``; the options do not apply to local directories."""
    directory, ref_text, _ = split_path("oci", reference.target)
    ref = parse_layout_ref(ref_text)
    root = Path(directory)
    if not root.is_dir():
        raise SourceError(f"oci:{directory}: no such directory")
    return open_layout(reference, DirectoryFiles(root), ref)
