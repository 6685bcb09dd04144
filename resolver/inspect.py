"""The list as it is served: one row per entry, attestations shown as what they are.

:func:`inspect_document` turns a top document into rows for ``pullsim inspect``: per index
entry its platform (containerd ``FormatAll``, as served, not normalized), digest, size, media
type, annotations and artifact type. buildx attestation manifests (``unknown/unknown`` with
``vnd.docker.reference.type=attestation-manifest``, docker/buildx#1509) are rows of kind
``attestation`` naming the entry they describe (``vnd.docker.reference.digest``) and its
platform, never platforms: registries and tools that show them as an ``unknown/unknown``
architecture confuse users and crash tools (pain point I: gomplate#1652, manifest-tool#367,
buildx#1144). An ``unknown/unknown`` entry without the annotation (``docker manifest inspect``
drops annotations) is a *presumed* attestation, and its row says so.

A single manifest is one row of kind ``manifest``; an entry without a platform is an ``image``
row with no platform. For both, when ``fetch`` can read the image config, ``config_platform``
gives what the config declares (what containerd would judge such an entry by). Nothing is
followed further: a nested index is one row of kind ``index``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from resolver import mediatypes as mt
from resolver.errors import PullsimError
from resolver.model import Descriptor, Document, Index, Manifest, parse_config, parse_document
from resolver.platform import Platform, format_all

if TYPE_CHECKING:
    from resolver.engines.base import Fetch
    from resolver.lookup import Opened

RowKind = Literal["image", "attestation", "index", "manifest", "other"]
UNKNOWN = Platform("unknown", "unknown")


@dataclass(frozen=True, slots=True)
class Row:
    """One entry of the list (or the single manifest)."""

    position: int  # 0-based place in the list; 0 for a single manifest
    kind: RowKind
    platform: str  # as served (FormatAll); "" when the entry has none
    digest: str
    size: int
    media_type: str
    annotations: tuple[tuple[str, str], ...] = ()
    artifact_type: str = ""
    attests: str = ""  # attestation rows: the digest of the manifest described
    attests_platform: str = ""  # ... and that entry's platform, when it is in this list
    config_platform: str = ""  # what the image config says, when it was read
    note: str = ""  # a sentence: a presumption made, or why the config was not read

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position, "kind": self.kind, "platform": self.platform or None,
            "digest": self.digest, "size": self.size, "mediaType": self.media_type,
            "annotations": dict(self.annotations), "artifactType": self.artifact_type or None,
            "attests": self.attests or None, "attests_platform": self.attests_platform or None,
            "config_platform": self.config_platform or None, "note": self.note or None,
        }


@dataclass(frozen=True, slots=True)
class Inspection:
    """The top document (digest, media type, annotations) and its rows in served order."""

    digest: str
    media_type: str
    rows: tuple[Row, ...]
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms offered: image rows only, attestations left out."""
        return tuple(r.platform or r.config_platform for r in self.rows
                     if r.kind in ("image", "manifest") and (r.platform or r.config_platform))

    @property
    def attestations(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.kind == "attestation")

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "mediaType": self.media_type,
                "annotations": dict(self.annotations),
                "rows": [r.to_json() for r in self.rows]}


def served_platform(platform: Platform | None) -> str:
    """An entry's platform as written: containerd FormatAll, but never hiding an architecture
    behind ``unknown`` when only the OS is missing."""
    if platform is None:
        return ""
    if platform.os:
        return format_all(platform)
    return "/".join(p for p in ("(no os)", platform.architecture, platform.variant) if p)


def config_platform(manifest: Manifest, fetch: Fetch | None) -> tuple[str, str]:
    """(the config's platform, "") or ("", why it was not read)."""
    if fetch is None:
        return "", "the config was not fetched"
    if manifest.config.media_type not in (mt.DOCKER_CONFIG, mt.OCI_CONFIG):
        return "", f"its config is {manifest.config.media_type or 'untyped'}, not an image config"
    try:
        return served_platform(parse_config(fetch(manifest.config))), ""
    except PullsimError as err:
        return "", f"config not read: {err}"


def _entry_config(desc: Descriptor, fetch: Fetch | None) -> tuple[str, str]:
    """The config platform of an entry without a platform, as containerd would read it."""
    if fetch is None:
        return "", "no platform; the config was not fetched"
    try:
        child = parse_document(fetch(desc), desc.media_type or None, desc.digest)
    except PullsimError as err:
        return "", f"no platform; manifest not read: {err}"
    if not isinstance(child, Manifest):
        return "", "no platform; it is an index"
    found, why = config_platform(child, fetch)
    return found, f"no platform; {why}" if why else "no platform in the list; from its config"


def _row(position: int, desc: Descriptor, index: Index, fetch: Fetch | None) -> Row:
    row = Row(position, "image", served_platform(desc.platform), desc.digest, desc.size,
              desc.media_type, desc.annotations, desc.artifact_type)
    if desc.is_attestation or desc.platform == UNKNOWN:
        attests = desc.annotation_map.get(mt.REFERENCE_DIGEST, "")
        subject = next((d for d in index.manifests if attests and d.digest == attests), None)
        note = "" if desc.is_attestation else (
            "unknown/unknown without the attestation annotation: presumed a buildx attestation")
        return replace(row, kind="attestation", attests=attests, note=note,
                       attests_platform=served_platform(subject.platform) if subject else "")
    if desc.media_type in mt.INDEX_TYPES:
        return replace(row, kind="index")
    if desc.media_type not in mt.MANIFEST_TYPES:
        return replace(row, kind="other")
    if desc.platform is None:
        found, note = _entry_config(desc, fetch)
        return replace(row, config_platform=found, note=note)
    return row


def inspect_document(doc: Document, fetch: Fetch | None = None) -> Inspection:
    """The rows of ``doc`` in served order; ``fetch`` (optional) reads configs where a row has
    no platform of its own. Fetch failures become a row's ``note``, never an error."""
    if isinstance(doc, Manifest):
        found, why = config_platform(doc, fetch)
        row = Row(0, "manifest", "", doc.digest, len(doc.raw), doc.media_type,
                  config_platform=found, note=why)
        return Inspection(doc.digest, doc.media_type, (row,))
    rows = tuple(_row(i, desc, doc, fetch) for i, desc in enumerate(doc.manifests))
    return Inspection(doc.digest, doc.media_type, rows, doc.annotations)


def inspect(opened: Opened) -> Inspection:
    """:func:`inspect_document` over an opened source."""
    return inspect_document(opened.document, opened.fetch)
