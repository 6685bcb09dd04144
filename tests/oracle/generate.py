"""A seeded generator of varied multi-platform images, held entirely in memory.

Each generated image is a top-level Docker manifest list or OCI index whose entries are drawn
from what engines meet in the wild and at its edges: random subsets and orders of platforms,
duplicates (the same platform twice, the same descriptor twice), odd spellings that engines
normalize (``aarch64``, ``x86_64``, ``armhf``…), entries without a platform whose config says
some os/arch (or nothing), entries whose platform and config disagree, buildx attestation
manifests (``unknown/unknown``), Windows entries with ``os.version``, and nested indexes.

Every child is a real, pullable image: a tiny config carrying a unique label, and one gzip
layer holding one unique file, so the child is identified by its layer chain ID (single layer:
chain ID == diff_id == sha256 of the uncompressed tar), which is what ``ctr images pull
--print-chainid`` prints. Everything (index, children, configs, layers) is kept by digest in
:attr:`GeneratedImage.content`, so a pullsim ``fetch(descriptor) -> bytes`` callback can be
served from it, and :mod:`tests.oracle.registry` can push it.

The same ``seed`` always gives the same images, byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from resolver import mediatypes as mt

from .registry import Upload

DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

LABEL_KEY = "org.pullsim.oracle.label"

PlatformDict = dict[str, Any]
Kind = Literal["image", "attestation", "index"]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _platform(os: str, arch: str, variant: str = "", **extra: Any) -> PlatformDict:
    out: PlatformDict = {"architecture": arch, "os": os}
    if variant:
        out["variant"] = variant
    out.update(extra)
    return out


# Entry platforms, with weights: the common ones often, odd spellings now and then.
ENTRY_PLATFORMS: tuple[tuple[PlatformDict, int], ...] = (
    (_platform("linux", "amd64"), 10),
    (_platform("linux", "amd64", "v2"), 4),
    (_platform("linux", "amd64", "v3"), 4),
    (_platform("linux", "386"), 5),
    (_platform("linux", "arm", "v5"), 4),
    (_platform("linux", "arm", "v6"), 6),
    (_platform("linux", "arm", "v7"), 8),
    (_platform("linux", "arm"), 4),
    (_platform("linux", "arm", "v8"), 3),
    (_platform("linux", "arm64"), 5),
    (_platform("linux", "arm64", "v8"), 8),
    (_platform("linux", "ppc64le"), 4),
    (_platform("linux", "s390x"), 4),
    (_platform("linux", "riscv64"), 3),
    (_platform("windows", "amd64", **{"os.version": "10.0.17763.5458"}), 3),
    (_platform("windows", "amd64", **{"os.version": "10.0.20348.2322"}), 1),
    (_platform("linux", "aarch64"), 2),
    (_platform("linux", "x86_64"), 2),
    (_platform("linux", "armhf"), 2),
    (_platform("linux", "armel"), 1),
    (_platform("linux", "i386"), 1),
    (_platform("linux", "x86-64"), 1),
    (_platform("Linux", "amd64"), 1),
    (_platform("linux", "arm64", "v8.2"), 1),
    (_platform("linux", "amd64", "v1"), 1),
    (_platform("", "amd64"), 1),
    (_platform("linux", "mips64le"), 1),
    (_platform("freebsd", "amd64"), 1),
    # Variants without their "v", upper case, names containerd leaves alone, os.features.
    (_platform("linux", "arm", "6"), 1),
    (_platform("linux", "arm", "7"), 1),
    (_platform("linux", "arm64", "8"), 1),
    (_platform("linux", "ARM64"), 1),
    (_platform("linux", "armv7l"), 1),
    (_platform("linux", "amd64", "v4"), 1),
    (_platform("linux", "arm64", "v9"), 1),
    ({**_platform("windows", "amd64"), "os.version": "10.0.17763.5458",
      "os.features": ["win32k"]}, 1),
)

# What an entry without a platform may say in its config (None: no os/arch at all).
CONFIG_PLATFORMS: tuple[PlatformDict | None, ...] = (
    None,
    _platform("linux", "amd64"),
    _platform("linux", "arm64"),
    _platform("linux", "arm", "v6"),
    _platform("linux", "arm", "v7"),
    _platform("linux", "386"),
    _platform("", "amd64"),
    {"os": "linux"},
    _platform("Linux", "x86_64"),
    _platform("linux", "armhf"),
    _platform("linux", "i386"),
    _platform("linux", "s390x"),
    _platform("windows", "amd64"),
)

# Platforms asked for; the first ones every time, then a random pick of the rest.
ALWAYS_REQUESTED: tuple[str, ...] = ("linux/amd64", "linux/arm/v7", "linux/arm64")
MORE_REQUESTED: tuple[tuple[str, int], ...] = (
    ("linux/amd64/v2", 6),
    ("linux/amd64/v3", 6),
    ("linux/386", 6),
    ("linux/arm/v5", 6),
    ("linux/arm/v6", 6),
    ("linux/arm/v8", 6),
    ("linux/arm", 3),
    ("linux/arm64/v8", 6),
    ("linux/riscv64", 5),
    ("linux/s390x", 5),
    ("linux/ppc64le", 4),
    ("windows/amd64", 3),
    ("linux/amd64/v4", 2),
    ("linux/aarch64", 2),
    ("linux/x86_64", 2),
    ("linux/mips64le", 1),
    ("unknown/unknown", 1),
    ("linux/arm/7", 1),
    ("linux/arm64/8", 1),
    ("linux/amd64/v1", 1),
    ("linux/armhf", 1),
    ("linux/arm64/v9", 1),
)
MIN_REQUESTS = 10


def _dockerd_unsafe_os(os_name: str) -> bool:
    """An OS that equals ``linux`` only case-insensitively (``Linux``, ``LINUX``). dockerd
    20.10.24 indexes its per-OS layer stores with it and finds none (measured here): a chosen
    entry whose platform says so makes the download goroutine panic, which kills the daemon
    (distribution/xfer/download.go); a chosen child whose *config* says so panics the pull's HTTP
    handler in image/store.go Create (the client sees ``unexpected EOF``) and leaves a record that
    makes a later ``docker image inspect`` of it panic too."""
    return os_name != "linux" and os_name.lower() == "linux"


def _without_unsafe(
    table: Sequence[tuple[PlatformDict, int]],
) -> tuple[tuple[PlatformDict, int], ...]:
    return tuple((p, w) for p, w in table if not _dockerd_unsafe_os(p.get("os", "")))


@dataclass(frozen=True, slots=True)
class Child:
    """One document below the top: an image, an attestation manifest or a nested index."""

    label: str
    digest: str
    media_type: str
    kind: Kind
    # Images and attestations: the chain ID of their single layer (== its diff_id; for the
    # uncompressed in-toto layer also its digest, which containerd names when it fails to
    # extract it).
    chain_id: str = ""
    config_platform: PlatformDict | None = None
    # Images and attestations: the config's digest (what ``docker image inspect`` calls .Id).
    config_digest: str = ""


class HasDigest(Protocol):
    @property
    def digest(self) -> str: ...


@dataclass
class GeneratedImage:
    """A top-level index and everything below it, by digest."""

    name: str
    media_type: str
    index_bytes: bytes
    digest: str
    platforms: list[str]
    content: dict[str, bytes] = field(default_factory=dict)
    blobs: list[Upload] = field(default_factory=list)
    manifests: list[Upload] = field(default_factory=list)  # leaves first, top excluded
    children: dict[str, Child] = field(default_factory=dict)

    @property
    def top(self) -> Upload:
        return Upload(self.digest, self.index_bytes, self.media_type)

    def fetch(self, descriptor: HasDigest) -> bytes:
        """pullsim's ``fetch(descriptor) -> bytes``, served from memory."""
        return self.content[descriptor.digest]

    def child_by_chain_id(self, chain_id: str) -> Child | None:
        for child in self.children.values():
            if child.chain_id == chain_id:
                return child
        return None

    def child_by_config(self, config_digest: str) -> Child | None:
        """The image (or attestation) whose config has this digest (``docker inspect`` .Id)."""
        for child in self.children.values():
            if child.config_digest == config_digest:
                return child
        return None

    def by_hint(self, hint: str) -> str:
        """The digest of the one child labelled ``NAME-NN-hint`` (fixed cases)."""
        start = len(self.name) + len("-NN-")
        found = [c.digest for c in self.children.values() if c.label[start:] == hint]
        if len(found) != 1:
            raise KeyError(f"{self.name}: {len(found)} children with hint {hint!r}")
        return found[0]

    def label(self, digest: str | None) -> str:
        if digest is None:
            return "-"
        child = self.children.get(digest)
        return child.label if child else digest

    def describe(self) -> str:
        """The top document as pushed (raw JSON), then one line per entry with its label (and
        the config's platform where it differs from the entry's), nested indexes indented."""
        lines = [f"{self.name} {self.digest} {self.media_type}",
                 self.index_bytes.decode()]

        def walk(data: bytes, depth: int) -> None:
            for number, entry in enumerate(json.loads(data).get("manifests", [])):
                child = self.children.get(entry.get("digest", ""))
                label = child.label if child else "?"
                platform = json.dumps(entry["platform"]) if "platform" in entry else "no platform"
                extra = ""
                if child is not None and child.kind == "image" and (
                        "platform" not in entry or child.config_platform != entry["platform"]):
                    extra = f" config={json.dumps(child.config_platform)}"
                lines.append(f"{'  ' * depth}[{number}] {label} {entry.get('digest')} "
                             f"{platform}{extra}")
                if child is not None and child.kind == "index":
                    walk(self.content[child.digest], depth + 1)

        walk(self.index_bytes, 1)
        return "\n".join(lines)


def layer_tar(name: str, body: bytes) -> bytes:
    """A deterministic uncompressed tar holding one file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(body)
        info.mode = 0o644
        info.mtime = 0
        tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


class _Builder:
    """Builds one top-level image; ``uid`` keeps labels (and so digests) unique per image."""

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.counter = 0
        self.content: dict[str, bytes] = {}
        self.blobs: list[Upload] = []
        self.manifests: list[Upload] = []
        self.children: dict[str, Child] = {}

    def _blob(self, data: bytes) -> str:
        digest = sha256(data)
        if digest not in self.content:
            self.content[digest] = data
            self.blobs.append(Upload(digest, data))
        return digest

    def _document(self, media_type: str, data: bytes) -> str:
        digest = sha256(data)
        if digest not in self.content:
            self.content[digest] = data
            self.manifests.append(Upload(digest, data, media_type))
        return digest

    def _label(self, hint: str) -> str:
        self.counter += 1
        return f"{self.uid}-{self.counter:02d}-{hint}"

    def image(self, oci: bool, config_platform: PlatformDict | None, hint: str,
              layer_spec: Layer | None = None) -> Child:
        label = self._label(hint)
        tar = layer_tar("label.txt", f"{label}\n".encode())
        diff_id = sha256(tar)
        layer = gzip_bytes(tar)
        layer_type = OCI_LAYER if oci else DOCKER_LAYER
        if layer_spec is not None:
            layer_type = layer_spec.media_type
            if layer_spec.body == "in-toto":
                tar = _json({"_type": "https://in-toto.io/Statement/v0.1", "label": label})
            layer = gzip_bytes(tar) if layer_spec.gzip else tar
            diff_id = sha256(b"not the diff_id of " + tar) if layer_spec.wrong_diff_id else (
                sha256(tar))
        layer_digest = self._blob(layer)
        config: dict[str, Any] = dict(config_platform or {})
        config.update({
            "config": {"Labels": {LABEL_KEY: label}},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        })
        config_bytes = _json(config)
        config_digest = self._blob(config_bytes)
        media_type = mt.OCI_MANIFEST if oci else mt.DOCKER_MANIFEST
        manifest = _json({
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {"mediaType": mt.OCI_CONFIG if oci else mt.DOCKER_CONFIG,
                       "digest": config_digest, "size": len(config_bytes)},
            "layers": [{"mediaType": layer_type, "digest": layer_digest, "size": len(layer)}],
        })
        digest = self._document(media_type, manifest)
        child = Child(label, digest, media_type, "image", diff_id, config_platform, config_digest)
        self.children[digest] = child
        return child

    def attestation(self, subject: Child) -> Child:
        """A buildx-style attestation manifest for ``subject`` (in-toto layer, uncompressed)."""
        label = self._label("attestation")
        statement = _json({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": [{"name": label, "digest": {"sha256": subject.digest[7:]}}],
            "predicate": {},
        })
        layer_digest = self._blob(statement)
        config_bytes = _json({
            "architecture": "unknown", "os": "unknown", "config": {},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        })
        config_digest = self._blob(config_bytes)
        manifest = _json({
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": config_digest,
                       "size": len(config_bytes)},
            "layers": [{"mediaType": mt.IN_TOTO, "digest": layer_digest, "size": len(statement),
                        "annotations": {"in-toto.io/predicate-type":
                                        "https://slsa.dev/provenance/v0.2"}}],
        })
        digest = self._document(mt.OCI_MANIFEST, manifest)
        child = Child(label, digest, mt.OCI_MANIFEST, "attestation", layer_digest,
                      {"architecture": "unknown", "os": "unknown"}, config_digest)
        self.children[digest] = child
        return child

    def index(self, media_type: str, entries: Sequence[dict[str, Any]], hint: str) -> Child:
        data = _json({"schemaVersion": 2, "mediaType": media_type, "manifests": list(entries)})
        digest = self._document(media_type, data)
        child = Child(self._label(hint), digest, media_type, "index")
        self.children[digest] = child
        return child


def _attestation_annotations(subject: Child) -> dict[str, str]:
    return {mt.REFERENCE_DIGEST: subject.digest, mt.REFERENCE_TYPE: mt.ATTESTATION_MANIFEST}


def _weighted(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


def _platform_hint(platform: PlatformDict | None) -> str:
    if platform is None:
        return "noplatform"
    parts = [platform.get("os") or "noos", platform.get("architecture") or "noarch"]
    if platform.get("variant"):
        parts.append(platform["variant"])
    return "-".join(parts).replace(".", "_")


def _entry_config(rng: random.Random, platform: PlatformDict,
                  table: Sequence[tuple[PlatformDict, int]] = ENTRY_PLATFORMS
                  ) -> PlatformDict | None:
    """What the config of a platformed entry says: usually the same, sometimes not."""
    roll = rng.random()
    if roll < 0.85:
        return {k: v for k, v in platform.items() if k != "os.features"}
    if roll < 0.95:
        return dict(rng.choice([p for p, _ in table]))
    return None


class Generator:
    """``Generator(seed).generate(n)`` yields ``n`` varied images; deterministic per seed.

    ``dockerd_safe``: no entry platform and no config says an OS that is ``linux`` only
    case-insensitively (``Linux``), which dockerd 20.10 cannot survive (see
    :func:`_dockerd_unsafe_os`); the images are named ``d<seed>-NNNN`` instead of
    ``s<seed>-NNNN`` (so both sets can live in one repository), and are otherwise drawn by the
    same code from the smaller tables.
    """

    def __init__(self, seed: int, dockerd_safe: bool = False) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.dockerd_safe = dockerd_safe
        self.entry_platforms = (_without_unsafe(ENTRY_PLATFORMS) if dockerd_safe
                                else ENTRY_PLATFORMS)
        self.config_platforms = tuple(
            c for c in CONFIG_PLATFORMS
            if not (dockerd_safe and c is not None and _dockerd_unsafe_os(c.get("os", "")))
        )

    def generate(self, count: int) -> Iterator[GeneratedImage]:
        for number in range(count):
            yield self.one(number)

    def one(self, number: int) -> GeneratedImage:
        rng = self.rng
        uid = f"{'d' if self.dockerd_safe else 's'}{self.seed}-{number:04d}"
        builder = _Builder(uid)
        oci = rng.random() < 0.5
        top_type = mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST
        entries = self._entries(builder, oci, depth=0)
        top = _json({"schemaVersion": 2, "mediaType": top_type, "manifests": entries})
        image = GeneratedImage(
            name=uid,
            media_type=top_type,
            index_bytes=top,
            digest=sha256(top),
            platforms=self._requests(rng),
            content=dict(builder.content),
            blobs=builder.blobs,
            manifests=builder.manifests,
            children=builder.children,
        )
        image.content[image.digest] = top
        return image

    def _entries(self, builder: _Builder, oci: bool, depth: int) -> list[dict[str, Any]]:
        rng = self.rng
        size = rng.randint(1, 4) if depth else rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12))
        entries: list[dict[str, Any]] = []
        images: list[tuple[Child, dict[str, Any]]] = []
        used: list[PlatformDict] = []
        for _ in range(size):
            roll = rng.random()
            # Children are usually of the top's family; sometimes mixed (it happens).
            child_oci = oci if rng.random() < 0.9 else not oci
            if roll < 0.10:
                # An entry without a platform; its config says something, or nothing.
                config = rng.choice(self.config_platforms)
                child = builder.image(child_oci, config, "noplatform")
                entry = self._describe(builder, child, None)
            elif roll < 0.16 and depth < 2:
                # A nested index (containerd follows it), with or without a platform.
                nested_type = mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST
                nested = self._entries(builder, oci, depth + 1)
                child = builder.index(nested_type, nested, "nested")
                platform = (None if rng.random() < 0.3
                            else dict(_weighted(rng, self.entry_platforms)))
                entry = self._describe(builder, child, platform)
            elif roll < 0.26 and used:
                # The same platform again (a duplicate), as a distinct child or the same one.
                if images and rng.random() < 0.3:
                    child, previous = rng.choice(images)
                    entry = dict(previous)
                else:
                    platform = dict(rng.choice(used))
                    config = _entry_config(rng, platform, self.entry_platforms)
                    child = builder.image(child_oci, config, _platform_hint(platform) + "-dup")
                    entry = self._describe(builder, child, platform)
            else:
                platform = dict(_weighted(rng, self.entry_platforms))
                if rng.random() < 0.03:
                    platform["variant"] = ""  # present but empty
                config = _entry_config(rng, platform, self.entry_platforms)
                child = builder.image(child_oci, config, _platform_hint(platform))
                entry = self._describe(builder, child, platform)
                used.append(platform)
                images.append((child, entry))
            entries.append(entry)
        if oci and depth == 0 and images and rng.random() < 0.3:
            # buildx puts one attestation per image after the images.
            for subject, _ in list(images):
                if rng.random() < 0.7:
                    attestation = builder.attestation(subject)
                    entries.append(self._describe(
                        builder, attestation, {"architecture": "unknown", "os": "unknown"},
                        _attestation_annotations(subject),
                    ))
        return entries

    @staticmethod
    def _describe(builder: _Builder, child: Child, platform: PlatformDict | None,
                  annotations: dict[str, str] | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"mediaType": child.media_type, "digest": child.digest,
                                 "size": len(builder.content[child.digest])}
        if platform is not None:
            entry["platform"] = platform
        if annotations:
            entry["annotations"] = annotations
        return entry

    @staticmethod
    def _requests(rng: random.Random) -> list[str]:
        wanted = list(ALWAYS_REQUESTED)
        pool = list(MORE_REQUESTED)
        extra = rng.randint(MIN_REQUESTS - len(wanted), MIN_REQUESTS - len(wanted) + 3)
        while len(wanted) < len(ALWAYS_REQUESTED) + extra and pool:
            pick = _weighted(rng, pool)
            pool = [(p, w) for p, w in pool if p != pick]
            wanted.append(pick)
        return wanted


@dataclass(frozen=True, slots=True)
class Entry:
    """A hand-written index entry, for fixed cases (see :func:`build_image`).

    ``config``: what the child's config says; ``SAME`` (the default) copies ``platform``.
    ``kind``: ``image``; ``index`` (a nested index of ``nested``); ``attestation`` (for the
    image entry at position ``subject``); ``repeat`` (the descriptor at position ``subject``
    again, byte for byte).
    """

    hint: str
    platform: PlatformDict | None
    config: PlatformDict | Literal["same"] | None = "same"
    kind: Literal["image", "index", "attestation", "repeat"] = "image"
    nested: tuple[Entry, ...] = ()
    subject: int = -1
    layer: Layer | None = None  # an image's one layer, when not the usual gzip tar


@dataclass(frozen=True, slots=True)
class Layer:
    """An image child's one layer, for fixed cases about unpacking: its ``media_type``, its
    ``body`` (a tar holding the label file, or an in-toto statement), gzipped or not, and
    whether the config's diff_id is deliberately not the layer's (so that an error naming a
    digest tells the diff_id from the layer digest). The child's ``chain_id`` is the config's
    diff_id, as always."""

    media_type: str
    gzip: bool = False
    body: Literal["tar", "in-toto"] = "tar"
    wrong_diff_id: bool = False


SAME: Literal["same"] = "same"


def build_image(name: str, oci: bool, entries: Sequence[Entry],
                platforms: Sequence[str]) -> GeneratedImage:
    """An index of ``entries`` (labels are ``name-NN-hint``), asked for ``platforms``."""
    builder = _Builder(name)
    top_type = mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST
    top = _json({"schemaVersion": 2, "mediaType": top_type,
                 "manifests": _build_entries(builder, oci, entries)})
    image = GeneratedImage(name, top_type, top, sha256(top), list(platforms),
                           dict(builder.content), builder.blobs, builder.manifests,
                           builder.children)
    image.content[image.digest] = top
    return image


def _build_entries(builder: _Builder, oci: bool,
                   entries: Sequence[Entry]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    built: list[Child] = []
    for entry in entries:
        if entry.kind == "repeat":
            out.append(dict(out[entry.subject]))
            built.append(built[entry.subject])
            continue
        annotations = None
        if entry.kind == "image":
            config = entry.platform if entry.config == SAME else entry.config
            child = builder.image(oci, config, entry.hint, entry.layer)
        elif entry.kind == "attestation":
            child = builder.attestation(built[entry.subject])
            annotations = _attestation_annotations(built[entry.subject])
        else:
            child = builder.index(mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST,
                                  _build_entries(builder, oci, entry.nested), entry.hint)
        out.append(Generator._describe(builder, child, entry.platform, annotations))
        built.append(child)
    return out


def build_single(name: str, oci: bool, config: PlatformDict, platforms: Sequence[str],
                 hint: str = "single") -> GeneratedImage:
    """A plain single-platform manifest (no index) as the top document."""
    builder = _Builder(name)
    child = builder.image(oci, config, hint)
    top = builder.manifests.pop()
    return GeneratedImage(name, top.media_type, top.data, top.digest, list(platforms),
                          dict(builder.content), builder.blobs, builder.manifests,
                          {child.digest: child})
