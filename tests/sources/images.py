"""Small multi-platform test images, built in memory, and how to push them to a loopback
registry.

Every child is a real image (a config naming its platform and a unique label, one layer), so the
registry accepts it and an engine that looks inside (an entry without a platform) finds a real
config. The same names always give the same bytes, so digests are stable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from resolver import mediatypes as mt
from tests.oracle.registry import Registry, Upload

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
    """Pushes an :class:`Image` with the oracle's registry client (tests/oracle/registry.py):
    blobs, children by digest, the top document by tag, digests checked."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self.registry = Registry(address, timeout=timeout)

    def push(self, repository: str, tag: str, image: Image) -> None:
        self.registry.push(
            repository, tag,
            [Upload(digest, data) for digest, data in image.blobs.items()],
            [Upload(digest, data, media_type) for media_type, digest, data in image.manifests],
            Upload(image.digest, image.data, image.media_type))
