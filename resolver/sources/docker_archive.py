"""``docker-archive:FILE[:REF]``: what ``docker save`` writes, read as skopeo reads it.

containers/image's ``docker-archive:`` transport (``docker/archive/transport.go``,
``docker/internal/tarfile/reader.go`` and ``src.go``, v5.x) reads only ``manifest.json``: a
JSON list of ``{"Config", "RepoTags", "Layers"}`` items, one per saved image. It hands out a
Docker schema2 manifest it *synthesizes* (``Source.GetManifest``), which pullsim reproduces
byte for byte, so its digest is the one skopeo reports:

- ``config``: media type ``application/vnd.docker.container.image.v1+json``, the size and
  sha256 of the config file's bytes;
- ``layers``: one per ``rootfs.diff_ids`` entry of the config, in that order, media type
  ``application/vnd.docker.image.rootfs.diff.tar.gzip`` (even for plain tars), digest = the
  DiffID, size = the *uncompressed* size of the layer file named at the same position in
  ``Layers`` (``prepareLayerData``: the tar header size, or the decompressed length of a
  gzip/bzip2/xz/zstd file; a link member counts as its own header size, 0);
- Go's ``json.Marshal`` of ``manifest.Schema2``: compact, keys in struct order
  (``schemaVersion, mediaType, config, layers``; ``mediaType, size, digest``).

Both ``docker save`` shapes are served the same way:

- classic (Docker < 25): ``<config-hex>.json``, ``<v1-id>/layer.tar`` (+ ``VERSION``, ``json``),
  ``manifest.json``, and the legacy ``repositories`` map (familiar name → tag → top v1 id);
- Docker 25+ (moby ``daemon/internal/image/tarexport/save.go``; the containerd image store via
  containerd ``core/images/archive/exporter.go``): an OCI layout (``oci-layout``,
  ``index.json``, ``blobs/sha256/…``) *alongside* ``manifest.json``, whose ``Config`` and
  ``Layers`` point into ``blobs/sha256/``; containerd-store layers may be gzip-compressed.

``docker-archive:`` always answers from ``manifest.json``, as skopeo does; the OCI view of a
Docker 25+ archive (its real manifests and registry digests, what containerd's importer reads
first) is ``oci-archive:FILE``. ``repositories`` is never used for lookups (containers/image
ignores it; moby reads it only for pre-1.10 archives without ``manifest.json``, which are
refused here with that reason).

``REF`` (``transport.go`` ``ParseReference``): ``@N`` is the N-th item of ``manifest.json``;
anything else is a Docker reference, normalized (``busybox`` → ``docker.io/library/
busybox:latest``; digests refused) and compared with each normalized ``RepoTags`` entry
(``reader.go`` ``ChooseManifestItem``). Without ``REF``, ``manifest.json`` must hold exactly
one item.

Verification: the config is read under containers/image's 4 MiB ``MaxConfigBodySize`` and
``manifest.json`` under its 1 MiB ``MaxTarFileManifestSize`` (``internal/iolimits``); when
the config's file name states its digest (``<hex>.json``, ``blobs/sha256/<hex>``) the bytes
must hash to it (containers/image does not check; a mismatch means a corrupted archive).
Layers are never read except to measure them.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import posixpath
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from resolver import mediatypes as mt
from resolver.errors import DocumentError, InvalidReference, SourceError
from resolver.model import (
    Descriptor,
    Manifest,
    check_digest_syntax,
    compute_digest,
    parse_document,
)
from resolver.sources.oci_archive import (
    TarMembers,
    is_outside,
    member_name,
    sniff_compression,
    zstd_supported,
)
from resolver.sources.oci_layout import MAX_CONFIG
from resolver.transport_refs import (
    ArchiveRef,
    normalized_repo_tag,
    parse_archive_ref,
    split_path,
)

if TYPE_CHECKING:
    from resolver.lookup import Opened, SourceOptions
    from resolver.reference import Reference

MAX_TAR_MANIFEST = 1024 * 1024  # iolimits.MaxTarFileManifestSize
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"  # DockerV2Schema2LayerMediaType
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One item of ``manifest.json``."""

    config: str
    repo_tags: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()


# --- manifest.json


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DocumentError(f"decoding tar manifest.json: {what} must be a list of strings")
    return tuple(value)


def _go_field(obj: Mapping[str, Any], key: str) -> Any:
    """A JSON field as Go's encoding/json finds it: the exact key, else any case-insensitive
    match (the last one wins, as later keys overwrite earlier ones)."""
    if key in obj:
        return obj[key]
    found = None
    for name, value in obj.items():
        if name.lower() == key.lower():
            found = value
    return found


def parse_manifest_items(data: bytes) -> tuple[ManifestItem, ...]:
    """``manifest.json`` (``[]ManifestItem``; Go field names match case-insensitively)."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise DocumentError(f"decoding tar manifest.json: {err}") from None
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise DocumentError("decoding tar manifest.json: must be a JSON list")
    items = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise DocumentError(f"decoding tar manifest.json: item @{i} must be an object")
        config = _go_field(item, "Config")
        if config is None:
            config = ""
        if not isinstance(config, str):
            raise DocumentError(f"decoding tar manifest.json: item @{i}: Config must be a string")
        items.append(ManifestItem(config, _strings(_go_field(item, "RepoTags"), "RepoTags"),
                                  _strings(_go_field(item, "Layers"), "Layers")))
    return tuple(items)


def choose_item(items: Sequence[ManifestItem], ref: ArchiveRef, where: str) -> ManifestItem:
    """``Reader.ChooseManifestItem``."""
    if ref.tag:
        for i, item in enumerate(items):
            for tag in item.repo_tags:
                try:
                    normalized = normalized_repo_tag(tag)
                except InvalidReference as err:
                    raise DocumentError(f"{where}: Invalid tag {tag!r} in manifest.json item "
                                        f"@{i}: {err}") from None
                if normalized == ref.tag:
                    return item
        tags = ", ".join(t for item in items for t in item.repo_tags)
        raise SourceError(f'{where}: Tag "{ref.tag}" not found'
                          + (f" (tags: {tags})" if tags else " (no image in it is tagged)"))
    if ref.index is not None:
        if ref.index >= len(items):
            raise SourceError(f"{where}: Invalid source index @{ref.index}, only {len(items)} "
                              "manifest items available")
        return items[ref.index]
    if len(items) != 1:
        tags = ", ".join(t for item in items for t in item.repo_tags)
        raise SourceError(f"{where}: Unexpected tar manifest.json: expected 1 item, got "
                          f"{len(items)}" + (f" (choose one by tag: {tags}; or @INDEX)"
                                             if tags else " (choose one with @INDEX)"))
    return items[0]


# --- the config and the layers


def _implied_digest(name: str) -> str | None:
    """The digest a config's file name states: ``<hex>.json`` (classic) or
    ``blobs/<alg>/<hex>`` (Docker 25+)."""
    match = re.fullmatch(r"(?:.*/)?([a-f0-9]{64})\.json", name)
    if match:
        return f"sha256:{match.group(1)}"
    match = re.fullmatch(r"blobs/(sha256|sha512)/([a-f0-9]+)", name)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    return None


def read_config(members: TarMembers, item: ManifestItem) -> tuple[bytes, tuple[str, ...]]:
    """The config bytes (verified against the digest its name states) and its DiffIDs."""
    where = members.where
    name = member_name(item.config)
    if not item.config or is_outside(name) or not members.exists(name):
        raise SourceError(f"{where}: loading tar component {item.config!r}: file does not exist")
    data = members.read(name, MAX_CONFIG)
    implied = _implied_digest(name)
    if implied is not None:
        actual = compute_digest(data, implied.partition(":")[0])
        if actual != implied:
            raise DocumentError(f"{where}: {name}: digest mismatch: its name says {implied}, "
                                f"content is {actual}")
    try:
        config = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise DocumentError(f"{where}: decoding tar config {item.config!r}: {err}") from None
    if not isinstance(config, dict):
        raise DocumentError(f"{where}: decoding tar config {item.config!r}: not an object")
    rootfs = _go_field(config, "rootfs")
    if rootfs is None:
        raise DocumentError(f"{where}: Invalid image config (rootFS is not set): "
                            f"{item.config!r}")
    if not isinstance(rootfs, dict):
        raise DocumentError(f"{where}: decoding tar config {item.config!r}: rootfs must be "
                            "an object")
    diff_ids = _go_field(rootfs, "diff_ids")
    if diff_ids is None:
        diff_ids = []
    if not isinstance(diff_ids, list) or not all(isinstance(d, str) for d in diff_ids):
        raise DocumentError(f"{where}: decoding tar config {item.config!r}: diff_ids must be "
                            "a list of strings")
    for diff_id in diff_ids:
        try:
            check_digest_syntax(diff_id)
        except DocumentError as err:
            raise DocumentError(f"{where}: config {item.config!r}: diff_ids: {err}") from None
    return data, tuple(diff_ids)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _count(stream: _Readable) -> int:
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
    return total


def uncompressed_size(members: TarMembers, name: str) -> int:
    """What ``prepareLayerData`` reports for a layer file: its header size when it is not
    compressed (a link member included: it is not followed), else the decompressed length."""
    info = members.header(name)
    assert info is not None
    if not info.isreg():
        return int(info.size)
    where = members.where
    with members.open_member(name) as stream:
        head = stream.read(6)
        kind = sniff_compression(head)
        if not kind:
            return int(info.size)
        stream.seek(0)
        try:
            if kind == "gzip":
                return _count(gzip.GzipFile(fileobj=stream))
            if kind == "bzip2":
                return _count(bz2.BZ2File(stream))
            if kind == "xz":
                return _count(lzma.LZMAFile(stream))
            if not zstd_supported():
                raise DocumentError(f"{where}: {name} is zstd-compressed, which this Python "
                                    "(before 3.14) cannot measure")
            from compression import zstd  # type: ignore[import-not-found]

            return _count(zstd.ZstdFile(stream))
        except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as err:
            raise DocumentError(f"{where}: auto-decompressing {name!r} to determine its size: "
                                f"{err}") from None


def layer_sizes(members: TarMembers, item: ManifestItem,
                diff_ids: Sequence[str]) -> dict[str, int]:
    """``Source.prepareLayerData``: DiffID → the size the synthesized manifest states."""
    where = members.where
    if len(item.layers) != len(diff_ids):
        raise DocumentError(f"{where}: Inconsistent layer count: {len(item.layers)} in "
                            f"manifest, {len(diff_ids)} in config")
    paths: dict[str, str] = {}  # DiffID -> layer file
    used: set[str] = set()
    for diff_id, layer in zip(diff_ids, item.layers, strict=True):
        if diff_id in paths:
            continue  # the same layer twice: docker save links the second to the first
        path = posixpath.normpath(layer) if layer else ""
        if path in used:
            raise DocumentError(f"{where}: Layer tarfile {path!r} used for two different "
                                "DiffID values")
        used.add(path)
        paths[diff_id] = path
    missing = [p for p in paths.values()
               if not p or is_outside(member_name(p)) or members.header(member_name(p)) is None]
    if missing:
        raise SourceError(f"{where}: Some layer tarfiles are missing in the tarball: "
                          + ", ".join(repr(p) for p in missing))
    return {d: uncompressed_size(members, member_name(p)) for d, p in paths.items()}


def synthesize_manifest(config: bytes, diff_ids: Sequence[str], sizes: Mapping[str, int]) -> bytes:
    """``Source.GetManifest``: the Docker schema2 manifest skopeo makes for the image."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST,
        "config": {"mediaType": mt.DOCKER_CONFIG, "size": len(config),
                   "digest": compute_digest(config)},
        "layers": [{"mediaType": DOCKER_LAYER, "size": sizes[d], "digest": d}
                   for d in diff_ids],
    }
    return json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode()


# --- the source


@dataclass(frozen=True, slots=True)
class DockerArchiveImage:
    """One image of an archive: its synthesized manifest and its config, both verified."""

    manifest: Manifest
    config: bytes
    where: str

    def fetch(self, desc: Descriptor) -> bytes:
        """The manifest itself or its config; layers are not served."""
        if desc.digest == self.manifest.digest:
            return self.manifest.raw
        if desc.digest == self.manifest.config.digest:
            return self.config
        if any(layer.digest == desc.digest for layer in self.manifest.layers):
            raise SourceError(f"{self.where}: {desc.digest} is a layer; pullsim reads no "
                              "layers")
        raise SourceError(f"{self.where}: {desc.digest} is not part of this image")


def _no_manifest_json(members: TarMembers, file: str) -> SourceError:
    where = members.where
    if members.exists("oci-layout"):
        return SourceError(f"{where}: no manifest.json; it is an OCI layout: read it as "
                           f"oci-archive:{file}")
    if members.exists("repositories"):
        return SourceError(f"{where}: a pre-1.10 docker save archive (repositories without "
                           "manifest.json), which containers/image does not read")
    return SourceError(f"{where}: no manifest.json: not a docker save archive")


def open_image(members: TarMembers, ref: ArchiveRef, file: str) -> DockerArchiveImage:
    """The image ``ref`` names, with its manifest synthesized as skopeo does."""
    if not members.exists("manifest.json"):
        raise _no_manifest_json(members, file)
    try:
        items = parse_manifest_items(members.read("manifest.json", MAX_TAR_MANIFEST))
    except DocumentError as err:
        raise DocumentError(f"{members.where}: {err}") from None
    item = choose_item(items, ref, members.where)
    config, diff_ids = read_config(members, item)
    sizes = layer_sizes(members, item, diff_ids)
    raw = synthesize_manifest(config, diff_ids, sizes)
    manifest = parse_document(raw, mt.DOCKER_MANIFEST)
    assert isinstance(manifest, Manifest)
    return DockerArchiveImage(manifest, config, members.where)


def open_source(reference: Reference, options: SourceOptions) -> Opened:
    """``docker-archive:FILE[:REF]``; the options do not apply to local files."""
    from resolver.lookup import Opened

    file, ref_text, colon = split_path("docker-archive", reference.target)
    ref = parse_archive_ref(ref_text if colon else None)
    members = TarMembers.scan(Path(file), f"docker-archive:{file}")
    image = open_image(members, ref, file)
    return Opened(reference, image.manifest, image.fetch)
