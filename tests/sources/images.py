"""Small multi-platform test images, built in memory, and a pusher for a loopback registry.

Every child is a real image (a config naming its platform and a unique label, one layer), so the
registry accepts it and an engine that looks inside (an entry without a platform) finds a real
config. The same names always give the same bytes, so digests are stable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import requests

from resolver import mediatypes as mt

OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

ARM_PLATFORMS = ("linux/amd64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8", "linux/386")


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def platform_dict(text: str) -> dict[str, str]:
    os_name, arch, *variant = text.split("/")
    out = {"architecture": arch, "os": os_name}
    if variant:
        out["variant"] = variant[0]
    return out


@dataclass
class Image:
    """A top document (index or manifest) and everything below it, by digest."""

    media_type: str
    data: bytes
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: list[tuple[str, str, bytes]] = field(default_factory=list)  # leaves first
    children: dict[str, str] = field(default_factory=dict)  # platform text -> manifest digest

    @property
    def digest(self) -> str:
        return sha256(self.data)


def _child(name: str, platform: str | None, oci: bool, image: Image,
           config_platform: str | None = None) -> tuple[str, bytes]:
    config_obj: dict[str, Any] = {"config": {"Labels": {"org.pullsim.test": f"{name}-{platform}"}},
                                  "rootfs": {"type": "layers", "diff_ids": []}}
    config_obj.update(platform_dict(config_platform or platform or "linux/amd64"))
    layer = f"{name} {platform}\n".encode()
    config_obj["rootfs"]["diff_ids"] = [sha256(layer)]
    config = canonical(config_obj)
    image.blobs[sha256(config)] = config
    image.blobs[sha256(layer)] = layer
    media = mt.OCI_MANIFEST if oci else mt.DOCKER_MANIFEST
    manifest = canonical({
        "schemaVersion": 2, "mediaType": media,
        "config": {"mediaType": mt.OCI_CONFIG if oci else mt.DOCKER_CONFIG,
                   "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": OCI_LAYER if oci else DOCKER_LAYER, "digest": sha256(layer),
                    "size": len(layer)}],
    })
    image.manifests.append((media, sha256(manifest), manifest))
    return media, manifest


def multi_platform(name: str, platforms: tuple[str, ...] = ARM_PLATFORMS, oci: bool = True,
                   without_platform: str | None = None) -> Image:
    """An index of one child per platform; ``without_platform`` adds a last entry with no
    ``platform`` whose config says that platform (containerd then reads its config)."""
    image = Image(mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST, b"")
    entries = []
    for text in platforms:
        media, manifest = _child(name, text, oci, image)
        image.children[text] = sha256(manifest)
        entries.append({"mediaType": media, "digest": sha256(manifest), "size": len(manifest),
                        "platform": platform_dict(text)})
    if without_platform:
        media, manifest = _child(name, None, oci, image, without_platform)
        image.children[f"{without_platform} (no platform)"] = sha256(manifest)
        entries.append({"mediaType": media, "digest": sha256(manifest), "size": len(manifest)})
    image.data = canonical({"schemaVersion": 2, "mediaType": image.media_type,
                            "manifests": entries})
    return image


class Pusher:
    """POST + monolithic PUT for blobs, PUT for manifests (children first, top by tag)."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        host = address.rsplit(":", 1)[0]
        assert host in ("127.0.0.1", "localhost", "[::1]"), "only loopback registries"
        self.base = f"http://{address}"
        self.session = requests.Session()
        self.session.trust_env = False
        self.timeout = timeout

    def blob(self, repository: str, digest: str, data: bytes) -> None:
        start = self.session.post(f"{self.base}/v2/{repository}/blobs/uploads/",
                                  timeout=self.timeout)
        assert start.status_code == 202, start.text
        location = requests.compat.urljoin(self.base, start.headers["Location"])
        separator = "&" if "?" in location else "?"
        done = self.session.put(f"{location}{separator}digest={digest}", data=data,
                                headers={"Content-Type": "application/octet-stream"},
                                timeout=self.timeout)
        assert done.status_code == 201, done.text

    def manifest(self, repository: str, ref: str, media_type: str, data: bytes) -> None:
        done = self.session.put(f"{self.base}/v2/{repository}/manifests/{ref}", data=data,
                                headers={"Content-Type": media_type}, timeout=self.timeout)
        assert done.status_code == 201, done.text
        assert done.headers.get("Docker-Content-Digest") == sha256(data)

    def push(self, repository: str, tag: str, image: Image) -> None:
        for digest, data in image.blobs.items():
            self.blob(repository, digest, data)
        for media_type, digest, data in image.manifests:
            self.manifest(repository, digest, media_type, data)
        self.manifest(repository, tag, image.media_type, image.data)
