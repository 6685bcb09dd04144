"""Write OCI image layouts and ``docker save`` archives from in-memory documents.

``write_layout`` puts a :class:`tests.docs.Store` on disk as an OCI layout (image-spec
``image-layout.md``); ``write_tar`` makes tars member by member (also broken ones);
``docker_save_classic`` and ``docker_save_oci`` write the two shapes of ``docker save``:

- classic (Docker < 25, moby ``image/tarexport/save.go``): ``<config-hex>.json``,
  ``<v1-id>/{VERSION,json,layer.tar}``, ``manifest.json``, ``repositories``; a layer used twice
  is a symlink ``../<first-v1-id>/layer.tar``;
- Docker 25+ (moby ``daemon/internal/image/tarexport/save.go``): an OCI layout (``oci-layout``,
  ``index.json`` whose entries carry ``io.containerd.image.name`` and
  ``org.opencontainers.image.ref.name``, ``blobs/sha256/…``) beside ``manifest.json`` whose
  ``Config`` and ``Layers`` point into ``blobs/sha256/``. With ``index=True`` it is the
  containerd image store's shape (containerd ``core/images/archive/exporter.go``): index.json
  names the multi-platform image index, manifest.json lists the one platform image chosen, and
  layers are gzip-compressed blobs.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolver import mediatypes as mt
from tests.docs import Store, plat

OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
IMAGE_NAME = "io.containerd.image.name"
REF_NAME = "org.opencontainers.image.ref.name"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(obj: Any) -> bytes:
    """Go's json.Marshal for the plain values used here (struct order = dict order)."""
    return json.dumps(obj, separators=(",", ":")).encode()


# --- OCI layouts


def layout_entry(store: Store, digest: str, media_type: str, ref_name: str | None = None,
                 **annotations: str) -> dict[str, Any]:
    """An index.json entry for a blob of ``store``, with a ref.name when given."""
    entry: dict[str, Any] = {"mediaType": media_type, "digest": digest,
                             "size": len(store.blobs[digest])}
    notes = dict(annotations)
    if ref_name is not None:
        notes[REF_NAME] = ref_name
    if notes:
        entry["annotations"] = notes
    return entry


def write_layout(root: Path, store: Store, entries: Sequence[dict[str, Any]], *,
                 version: str | None = "1.0.0") -> Path:
    """An OCI layout holding every blob of ``store`` and an index.json of ``entries``."""
    root.mkdir(parents=True, exist_ok=True)
    if version is not None:
        (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": version}))
    index = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": list(entries)}
    (root / "index.json").write_bytes(compact(index))
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    for digest, data in store.blobs.items():
        (blobs / digest.removeprefix("sha256:")).write_bytes(data)
    return root


def blob_path(root: Path, digest: str) -> Path:
    return root / "blobs" / "sha256" / digest.removeprefix("sha256:")


# --- tars


@dataclass(frozen=True)
class Member:
    """A tar member to write: a file (``data``), a symlink or hard link (``link``), a dir."""

    name: str
    data: bytes = b""
    kind: str = "file"  # file | symlink | hardlink | dir
    link: str = ""
    size: int | None = None  # a header size that lies about ``data``


def write_tar(out: Path, members: Sequence[Member], *, compression: str = "") -> Path:
    """A tar of ``members`` in order (mtime 0, root-owned), optionally gzip/bz2/xz-compressed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.mtime = 0
            info.mode = 0o755 if m.kind == "dir" else 0o644
            if m.kind == "file":
                info.size = len(m.data)
                archive.addfile(info, io.BytesIO(m.data))
                continue
            info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "dir": tarfile.DIRTYPE}[m.kind]
            info.linkname = m.link
            archive.addfile(info)
    data = buffer.getvalue()
    if compression == "gzip":
        data = gzip.compress(data, mtime=0)
    elif compression == "bzip2":
        import bz2

        data = bz2.compress(data)
    elif compression == "xz":
        import lzma

        data = lzma.compress(data)
    out.write_bytes(data)
    return out


def tar_tree(root: Path, out: Path, *, compression: str = "") -> Path:
    """A directory as a tar (sorted names, ``./`` prefixes as GNU tar writes them)."""
    members = [Member("./", kind="dir")]
    for path in sorted(root.rglob("*")):
        name = "./" + path.relative_to(root).as_posix()
        members.append(Member(name + "/", kind="dir") if path.is_dir()
                       else Member(name, path.read_bytes()))
    return write_tar(out, members, compression=compression)


def layer_tar(label: str) -> bytes:
    """A small, deterministic layer: one file naming the image."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        body = f"layer {label}\n".encode()
        info = tarfile.TarInfo(f"etc/{label}")
        info.size, info.mtime = len(body), 0
        archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


# --- docker save


@dataclass
class SavedImage:
    """An image as ``docker save`` holds it: its config bytes, its layer tars, its tags."""

    config: bytes
    layers: list[bytes]
    repo_tags: list[str] = field(default_factory=list)

    @property
    def diff_ids(self) -> list[str]:
        return [sha256(layer) for layer in self.layers]

    @property
    def config_digest(self) -> str:
        return sha256(self.config)


def saved_image(spec: str, label: str, *, tags: Sequence[str] = (), layers: int = 1,
                config: dict[str, Any] | None = None, repeat_first: bool = False) -> SavedImage:
    """An image for ``spec`` (``os/arch[/variant]``) with ``layers`` distinct layers (and the
    first again at the end when ``repeat_first``); ``config`` overrides config fields."""
    blobs = [layer_tar(f"{label}-{i}") for i in range(layers)]
    if repeat_first:
        blobs.append(blobs[0])
    body: dict[str, Any] = {**plat(spec), "config": {"Labels": {"image": label}},
                            "rootfs": {"type": "layers", "diff_ids": [sha256(b) for b in blobs]}}
    body.update(config or {})
    return SavedImage(compact(body), blobs, list(tags))


def expected_docker_manifest(config: bytes, layers: Sequence[tuple[str, int]]) -> bytes:
    """What skopeo's docker-archive source hands out, written out as its Go struct marshals
    (containers/image docker/internal/tarfile/src.go GetManifest): ``layers`` are
    (DiffID, uncompressed size) pairs."""
    layer_text = ",".join(
        '{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip",'
        f'"size":{size},"digest":"{diff_id}"}}' for diff_id, size in layers)
    return ('{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",'
            '"config":{"mediaType":"application/vnd.docker.container.image.v1+json",'
            f'"size":{len(config)},"digest":"{sha256(config)}"}},"layers":[{layer_text}]}}'
            ).encode()


def _familiar(tag: str) -> tuple[str, str]:
    repo, _, version = tag.rpartition(":")
    return repo, version


def docker_save_classic(out: Path, images: Sequence[SavedImage], *,
                        compression: str = "") -> Path:
    """The pre-25 ``docker save`` shape (``manifest.json`` + ``repositories``)."""
    members: list[Member] = []
    items = []
    repositories: dict[str, dict[str, str]] = {}
    written: dict[bytes, str] = {}
    for n, image in enumerate(images):
        layer_paths = []
        for i, layer in enumerate(image.layers):
            v1_id = hashlib.sha256(f"v1 {n} {i}".encode() + layer).hexdigest()
            members.append(Member(f"{v1_id}/", kind="dir"))
            members.append(Member(f"{v1_id}/VERSION", b"1.0"))
            members.append(Member(f"{v1_id}/json", compact({"id": v1_id})))
            if layer in written:  # docker save links a repeated layer to the first copy
                members.append(Member(f"{v1_id}/layer.tar", kind="symlink",
                                      link=f"../{written[layer]}/layer.tar"))
            else:
                members.append(Member(f"{v1_id}/layer.tar", layer))
                written[layer] = v1_id
            layer_paths.append(f"{v1_id}/layer.tar")
        config_name = image.config_digest.removeprefix("sha256:") + ".json"
        members.append(Member(config_name, image.config))
        items.append({"Config": config_name, "RepoTags": image.repo_tags or None,
                      "Layers": layer_paths})
        for tag in image.repo_tags:
            repo, version = _familiar(tag)
            repositories.setdefault(repo, {})[version] = layer_paths[-1].partition("/")[0]
    members.append(Member("manifest.json", compact(items) + b"\n"))
    if repositories:
        members.append(Member("repositories", compact(repositories) + b"\n"))
    return write_tar(out, members, compression=compression)


def _oci_manifest(store: Store, image: SavedImage, *, compressed: bool) -> tuple[str, int]:
    layers = []
    for layer in image.layers:
        blob = gzip.compress(layer, mtime=0) if compressed else layer
        digest, size = store.put(blob)
        layers.append({"mediaType": OCI_LAYER_GZIP if compressed else OCI_LAYER,
                       "digest": digest, "size": size})
    cdigest, csize = store.put(image.config)
    manifest = {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                "config": {"mediaType": mt.OCI_CONFIG, "digest": cdigest, "size": csize},
                "layers": layers}
    return store.put(compact(manifest))


def docker_save_oci(out: Path, images: Sequence[SavedImage], *, index: bool = False,
                    chosen: int = 0, compression: str = "") -> tuple[Path, Store]:
    """The Docker 25+ shape: an OCI layout beside ``manifest.json``.

    ``index=False``: moby's own store: one index.json entry per tag, each an image manifest,
    and every image in manifest.json. ``index=True``: the containerd store saving one
    multi-platform image (tagged with the first image's first tag): index.json names the image
    index of all ``images``, manifest.json only ``images[chosen]``, and layers are gzipped.
    Returns the archive and the store of its blobs.
    """
    store = Store()
    manifests = [_oci_manifest(store, image, compressed=index) for image in images]
    entries: list[dict[str, Any]] = []
    saved: list[tuple[SavedImage, str]] = []
    if index:
        tag = images[0].repo_tags[0]
        children = []
        for image, (digest, size) in zip(images, manifests, strict=True):
            platform = {k: v for k, v in json.loads(image.config).items()
                        if k in ("os", "architecture", "variant")}
            children.append({"mediaType": mt.OCI_MANIFEST, "digest": digest, "size": size,
                             "platform": platform})
        idigest, isize = store.put(compact({"schemaVersion": 2, "mediaType": mt.OCI_INDEX,
                                            "manifests": children}))
        entries.append({"mediaType": mt.OCI_INDEX, "digest": idigest, "size": isize,
                        "annotations": {IMAGE_NAME: _qualified(tag),
                                        REF_NAME: _familiar(tag)[1]}})
        saved.append((images[chosen], tag))
    else:
        for image, (digest, size) in zip(images, manifests, strict=True):
            for tag in image.repo_tags or [""]:
                entry: dict[str, Any] = {"mediaType": mt.OCI_MANIFEST, "digest": digest,
                                         "size": size}
                if tag:
                    entry["annotations"] = {IMAGE_NAME: _qualified(tag),
                                            REF_NAME: _familiar(tag)[1]}
                entries.append(entry)
            saved.append((image, ""))
    items = []
    for image, only_tag in saved:
        layer_blobs = [gzip.compress(layer, mtime=0) if index else layer
                       for layer in image.layers]
        items.append({"Config": "blobs/sha256/" + sha256(image.config)[7:],
                      "RepoTags": [only_tag] if only_tag else (image.repo_tags or None),
                      "Layers": ["blobs/sha256/" + sha256(b)[7:] for b in layer_blobs]})
    members = [Member("blobs/", kind="dir"), Member("blobs/sha256/", kind="dir")]
    members += [Member("blobs/sha256/" + d[7:], data) for d, data in store.blobs.items()]
    members.append(Member("index.json", compact({"schemaVersion": 2, "mediaType": mt.OCI_INDEX,
                                                 "manifests": entries})))
    members.append(Member("manifest.json", compact(items) + b"\n"))
    members.append(Member("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'))
    return write_tar(out, members, compression=compression), store


def _qualified(tag: str) -> str:
    repo, version = _familiar(tag)
    if "/" not in repo:
        repo = "library/" + repo
    if "." not in repo.partition("/")[0]:
        repo = "docker.io/" + repo
    return f"{repo}:{version}"


# --- a real docker save: containers/image docker/archive/fixtures/almostempty.tar (Docker
# 1.10.3, February 2017; Apache-2.0), rebuilt member by member from its bytes. skopeo 1.9.3
# (containers/image 5.23.1) `inspect --raw docker-archive:almostempty.tar` prints a manifest
# whose sha256 is ALMOSTEMPTY_MANIFEST_DIGEST.

ALMOSTEMPTY_MANIFEST_DIGEST = (
    "sha256:642b9d39405d219a3c6d9ef9a67a7bdd57f5ed9ca1e561acfb8cc7bad4609976")
ALMOSTEMPTY_LAYER_DIR = "c7b98db321d22702b8dd264fa7d58936951867854969a873d3dd20520eadca8f"
ALMOSTEMPTY_CONFIG = (
    b'{"architecture":"amd64","config":{"Hostname":"2bc2ec52e2d6","Domainname":"","User":"'
    b'","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStd'
    b'in":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/u'
    b'sr/bin:/sbin:/bin"],"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint'
    b'":null,"OnBuild":null,"Labels":null},"container":"2bc2ec52e2d6f32cf49a5772157759046f'
    b'886ae19ba89022e808d51260be2423","container_config":{"Hostname":"2bc2ec52e2d6","Domai'
    b'nname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"T'
    b'ty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/loca'
    b'l/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh","-c","#(nop) ADD file:54946f8'
    b'cfc2693368a889f9f55fefa4a7102d0daf51354f09c6620a48d3c625c in /emptyfile"],"Image":""'
    b',"Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"cre'
    b'ated":"2017-02-07T19:02:14.382332032Z","docker_version":"1.10.3","history":[{"create'
    b'd":"2017-02-07T19:02:14.382332032Z","created_by":"/bin/sh -c #(nop) ADD file:54946f8'
    b'cfc2693368a889f9f55fefa4a7102d0daf51354f09c6620a48d3c625c in /emptyfile"}],"os":"lin'
    b'ux","rootfs":{"type":"layers","diff_ids":["sha256:0b916d257bd406111a3fced53f81b47de9'
    b'a30f7c7d514a89769b3483aaddca7e"]}}'
)


def almostempty_layer() -> bytes:
    """Its layer.tar: one empty file, ``emptyfile``, in a 1536-byte ustar archive whose sha256 is
    the DiffID its config names (sha256:0b916d25…)."""
    header = bytearray(512)
    for offset, value in ((0, b"emptyfile"), (100, b"0100664\0"), (108, b"0000000\0"),
                          (116, b"0000000\0"), (124, b"00000000000\0"), (136, b"13046414530\0"),
                          (148, b"        "), (156, b"0"), (257, b"ustar\0"), (263, b"00"),
                          (329, b"0000000\0"), (337, b"0000000\0")):
        header[offset:offset + len(value)] = value
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header) + bytes(1024)


def almostempty(out: Path) -> Path:
    """The archive, members in the original order (``v1 json`` and ``VERSION`` shortened)."""
    config_name = sha256(ALMOSTEMPTY_CONFIG)[7:] + ".json"
    layer = f"{ALMOSTEMPTY_LAYER_DIR}/layer.tar"
    manifest = compact([{"Config": config_name, "RepoTags": ["emptyimage:latest"],
                         "Layers": [layer]}]) + b"\n"
    repositories = compact({"emptyimage": {"latest": ALMOSTEMPTY_LAYER_DIR}}) + b"\n"
    return write_tar(out, [
        Member(config_name, ALMOSTEMPTY_CONFIG),
        Member(f"{ALMOSTEMPTY_LAYER_DIR}/", kind="dir"),
        Member(f"{ALMOSTEMPTY_LAYER_DIR}/VERSION", b"1.0"),
        Member(f"{ALMOSTEMPTY_LAYER_DIR}/json", b"{}"),
        Member(layer, almostempty_layer()),
        Member("manifest.json", manifest),
        Member("repositories", repositories),
    ])
