"""Parsed, validated manifests, indexes, descriptors and image configs.

The model never knows where bytes came from: a source hands over bytes, and :func:`parse_document`
turns them into an :class:`Index` or a :class:`Manifest` carrying their digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resolver import mediatypes as mt
from resolver.errors import DocumentError
from resolver.platform import Platform

_DIGEST_RE = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_HEX_LENGTH = {"sha256": 64, "sha512": 128}


def compute_digest(data: bytes, algorithm: str = "sha256") -> str:
    """``algorithm:hex`` of ``data``."""
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def check_digest_syntax(digest: str) -> str:
    """Validate an OCI digest string; registered algorithms must have their hex length."""
    if not isinstance(digest, str) or not _DIGEST_RE.fullmatch(digest):
        raise DocumentError(f"invalid digest {digest!r}")
    algorithm, _, encoded = digest.partition(":")
    expected = _HEX_LENGTH.get(algorithm)
    if expected is not None and not re.fullmatch(f"[a-f0-9]{{{expected}}}", encoded):
        raise DocumentError(f"invalid {algorithm} digest {digest!r}")
    return digest


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An index entry (or a manifest's config or layer): what it is, where, for which platform."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: tuple[tuple[str, str], ...] = ()
    artifact_type: str = ""

    @property
    def annotation_map(self) -> dict[str, str]:
        return dict(self.annotations)

    @property
    def is_attestation(self) -> bool:
        """A buildx attestation manifest (``unknown/unknown``, annotated), not a platform."""
        return self.annotation_map.get(mt.REFERENCE_TYPE) == mt.ATTESTATION_MANIFEST

    @classmethod
    def from_json(cls, data: Any, where: str) -> Descriptor:
        if not isinstance(data, Mapping):
            raise DocumentError(f"{where}: a descriptor must be an object")
        media_type = data.get("mediaType", "")
        if not isinstance(media_type, str):
            raise DocumentError(f"{where}: mediaType must be a string")
        digest = data.get("digest")
        if digest is None:
            raise DocumentError(f"{where}: missing digest")
        try:
            check_digest_syntax(digest)
        except DocumentError as err:
            raise DocumentError(f"{where}: {err}") from None
        size = data.get("size", 0)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise DocumentError(f"{where}: size must be a non-negative integer")
        platform = None
        raw_platform = data.get("platform")
        if raw_platform is not None:
            if not isinstance(raw_platform, Mapping):
                raise DocumentError(f"{where}: platform must be an object")
            try:
                platform = Platform.from_oci(raw_platform)
            except ValueError as err:
                raise DocumentError(f"{where}: platform: {err}") from None
        annotations = data.get("annotations") or {}
        if not isinstance(annotations, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
        ):
            raise DocumentError(f"{where}: annotations must map strings to strings")
        artifact_type = data.get("artifactType", "")
        if not isinstance(artifact_type, str):
            raise DocumentError(f"{where}: artifactType must be a string")
        return cls(media_type, digest, size, platform, tuple(annotations.items()), artifact_type)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest,
                               "size": self.size}
        if self.platform is not None:
            out["platform"] = self.platform.to_oci()
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        return out


@dataclass(frozen=True, slots=True)
class Index:
    """A Docker manifest list or an OCI image index."""

    media_type: str
    manifests: tuple[Descriptor, ...]
    digest: str
    raw: bytes = field(repr=False, default=b"")
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def is_docker(self) -> bool:
        return self.media_type == mt.DOCKER_MANIFEST_LIST


@dataclass(frozen=True, slots=True)
class Manifest:
    """A single-image manifest (Docker schema2 or OCI)."""

    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    digest: str
    raw: bytes = field(repr=False, default=b"")


Document = Index | Manifest


def _load_json(data: bytes | str | Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
    if isinstance(data, Mapping):
        obj = dict(data)
        return obj, json.dumps(obj, separators=(",", ":")).encode()
    raw = data.encode() if isinstance(data, str) else bytes(data)
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DocumentError(f"malformed JSON: {err}") from None
    except RecursionError:
        raise DocumentError("malformed JSON: nested too deeply") from None
    if not isinstance(obj, dict):
        raise DocumentError("malformed document: the top level must be a JSON object")
    return obj, raw


def document_media_type(obj: Mapping[str, Any], declared: str | None = None) -> str:
    """The media type a document declares (``mediaType``), else what its shape says (OCI allows
    leaving it out), else the one the transport declared (Content-Type)."""
    field_type = obj.get("mediaType")
    if field_type is not None and not isinstance(field_type, str):
        raise DocumentError("malformed document: mediaType must be a string")
    if obj.get("schemaVersion") == 1 or field_type in mt.SCHEMA1_TYPES:
        raise DocumentError("unsupported (deprecated) schema1 manifest")
    if field_type:
        return field_type
    if declared and declared not in mt.SCHEMA1_TYPES:
        return declared
    if "manifests" in obj:
        return mt.OCI_INDEX
    if "config" in obj or "layers" in obj:
        return mt.OCI_MANIFEST
    raise DocumentError("malformed document: neither an index (manifests) nor a manifest (config)")


def parse_document(
    data: bytes | str | Mapping[str, Any],
    media_type: str | None = None,
    digest: str | None = None,
) -> Document:
    """Parse and validate a manifest list / image index / manifest.

    ``media_type`` is what the transport declared; ``digest`` the expected digest (checked when
    given). Raises :class:`DocumentError` naming the cause.
    """
    obj, raw = _load_json(data)
    actual = compute_digest(raw, digest.partition(":")[0] if digest else "sha256") \
        if not digest or digest.partition(":")[0] in _HEX_LENGTH else compute_digest(raw)
    if digest is not None and actual != digest:
        raise DocumentError(f"digest mismatch: expected {digest}, content is {actual}")
    kind = document_media_type(obj, media_type)
    version = obj.get("schemaVersion")
    if version is not None and version != 2:
        raise DocumentError(f"unsupported schemaVersion {version!r}")
    if kind in mt.INDEX_TYPES:
        return _parse_index(obj, kind, actual, raw)
    if kind in mt.MANIFEST_TYPES:
        return _parse_manifest(obj, kind, actual, raw)
    raise DocumentError(f"unsupported media type {kind!r}: not a manifest list, index or manifest")


def _annotations(obj: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    annotations = obj.get("annotations") or {}
    if not isinstance(annotations, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
    ):
        raise DocumentError(f"{where}: annotations must map strings to strings")
    return tuple(annotations.items())


def _parse_index(obj: Mapping[str, Any], kind: str, digest: str, raw: bytes) -> Index:
    if "config" in obj or "layers" in obj:
        raise DocumentError(f"malformed index: {kind} must not carry config or layers")
    entries = obj.get("manifests")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise DocumentError("malformed index: manifests must be a list")
    manifests = tuple(
        Descriptor.from_json(entry, f"manifests[{i}]") for i, entry in enumerate(entries)
    )
    return Index(kind, manifests, digest, raw, _annotations(obj, "index"))


def _parse_manifest(obj: Mapping[str, Any], kind: str, digest: str, raw: bytes) -> Manifest:
    if "manifests" in obj:
        raise DocumentError(f"malformed manifest: {kind} must not carry manifests")
    if "config" not in obj:
        raise DocumentError("malformed manifest: missing config")
    config = Descriptor.from_json(obj["config"], "config")
    layers_raw = obj.get("layers") or []
    if not isinstance(layers_raw, list):
        raise DocumentError("malformed manifest: layers must be a list")
    layers = tuple(Descriptor.from_json(x, f"layers[{i}]") for i, x in enumerate(layers_raw))
    return Manifest(kind, config, layers, digest, raw)


def parse_config(data: bytes) -> Platform:
    """The platform an image config declares (os, architecture, variant, os.version, features)."""
    obj, _ = _load_json(data)
    try:
        return Platform.from_oci(obj)
    except ValueError as err:
        raise DocumentError(f"malformed image config: {err}") from None


def read_manifest(data: bytes, desc: Descriptor) -> Manifest:
    """The child manifest ``desc`` points at, verified against its digest."""
    doc = parse_document(data, desc.media_type, desc.digest)
    if not isinstance(doc, Manifest):
        raise DocumentError(f"{desc.digest}: listed as a manifest but is an index")
    return doc


def read_index(data: bytes, desc: Descriptor) -> Index:
    """The nested index ``desc`` points at, verified against its digest."""
    doc = parse_document(data, desc.media_type, desc.digest)
    if not isinstance(doc, Index):
        raise DocumentError(f"{desc.digest}: listed as an index but is a manifest")
    return doc
