"""Build small, valid documents in memory for engine tests: every child a real manifest whose
config names its platform, so tests can hand engines a working ``fetch``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from resolver import mediatypes as mt
from resolver.model import Descriptor, Document, compute_digest, parse_document


def _blob(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class Store:
    """Blobs by digest, and a fetch over them that checks what it hands out."""

    blobs: dict[str, bytes] = field(default_factory=dict)

    def put(self, data: bytes) -> tuple[str, int]:
        digest = compute_digest(data)
        self.blobs[digest] = data
        return digest, len(data)

    def fetch(self, desc: Descriptor) -> bytes:
        return self.blobs[desc.digest]

    def image(self, label: str, config: dict[str, Any] | None = None, *, oci: bool = True,
              layer_type: str | None = None) -> dict[str, Any]:
        """A child manifest; returns its descriptor (without platform) as JSON."""
        cfg = {"config": {"Labels": {"child": label}}, "rootfs": {"type": "layers",
                                                                  "diff_ids": []}}
        cfg.update(config if config is not None else {"os": "linux", "architecture": "amd64"})
        cdigest, csize = self.put(_blob(cfg))
        ldigest, lsize = self.put(label.encode())
        manifest_type = mt.OCI_MANIFEST if oci else mt.DOCKER_MANIFEST
        manifest = {
            "schemaVersion": 2, "mediaType": manifest_type,
            "config": {"mediaType": mt.OCI_CONFIG if oci else mt.DOCKER_CONFIG,
                       "digest": cdigest, "size": csize},
            "layers": [{"mediaType": layer_type or "application/vnd.oci.image.layer.v1.tar",
                        "digest": ldigest, "size": lsize}],
        }
        digest, size = self.put(_blob(manifest))
        return {"mediaType": manifest_type, "digest": digest, "size": size}

    def index(self, entries: list[dict[str, Any]], *, oci: bool = True) -> Document:
        kind = mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST
        data = _blob({"schemaVersion": 2, "mediaType": kind, "manifests": entries})
        self.put(data)
        return parse_document(data)

    def index_entry(self, doc: Document, platform: dict[str, Any] | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"mediaType": doc.media_type, "digest": doc.digest,
                                 "size": len(self.blobs[doc.digest])}
        if platform is not None:
            entry["platform"] = platform
        return entry


def plat(spec: str) -> dict[str, Any]:
    """``os/arch[/variant]`` as an OCI platform object, spelled exactly as given."""
    parts = spec.split("/")
    out: dict[str, Any] = {"os": parts[0], "architecture": parts[1]}
    if len(parts) > 2:
        out["variant"] = parts[2]
    return out


def entry(store: Store, label: str, spec: str | None, **extra: Any) -> dict[str, Any]:
    """An index entry for a fresh child labelled ``label`` with platform ``spec`` (None: none)."""
    config = None
    if spec is not None:
        p = plat(spec)
        config = {"os": p["os"], "architecture": p["architecture"]}
    desc = store.image(label, config)
    if spec is not None:
        desc["platform"] = plat(spec)
    desc.update(extra)
    return desc
