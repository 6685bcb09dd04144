"""The same image read from the registry and from offline copies gives the same answers.

skopeo (Debian's 1.9.3) copies an image out of the real test registry into an OCI layout, an
OCI archive and a docker-archive, as users make them; pullsim must then choose the same child
from every source, for every engine and request. skopeo rewrites manifests as it copies them
(so their digests change) but keeps every config byte for byte, so a child is recognised by its
config digest (each test child has its own config).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import resolver
from resolver import mediatypes as mt
from resolver.lookup import Opened, open_reference, select_opened
from resolver.model import Descriptor, Manifest
from resolver.platform import Platform
from tests.sources.conftest import Registries

SKOPEO = shutil.which("skopeo")
REQUESTS = ["linux/amd64", "linux/arm/v7", "linux/arm/v8", "linux/arm64", "linux/386",
            "linux/riscv64"]
ENGINES = ["containerd@1.6", "docker@20.10.24+dfsg1", "skopeo@1.9", "podman@5", "crane"]
HOST = Platform("linux", "amd64")


def skopeo_copy(*args: str) -> None:
    if SKOPEO is None:
        pytest.skip("skopeo is not installed")
    subprocess.run([SKOPEO, "--insecure-policy", "copy", "--src-tls-verify=false", *args],
                   check=True, capture_output=True, timeout=120)


def config_of(opened: Opened, digest: str | None) -> str | None:
    """The chosen child's config digest."""
    if digest is None:
        return None
    doc = resolver.parse_document(opened.fetch(Descriptor(mt.OCI_MANIFEST, digest, 0)))
    assert isinstance(doc, Manifest)
    return doc.config.digest


def label_of(opened: Opened, digest: str | None) -> str | None:
    """The chosen child's test label (``org.pullsim.test`` in its config)."""
    config = config_of(opened, digest)
    if config is None:
        return None
    data = json.loads(opened.fetch(Descriptor(mt.OCI_CONFIG, config, 0)))
    label: str = data["config"]["Labels"]["org.pullsim.test"]
    return label


def answers(reference: str) -> list[tuple[str, str, str, str | None]]:
    opened = open_reference(reference)
    out: list[tuple[str, str, str, str | None]] = []
    for name in ENGINES:
        engine = resolver.get_engine(name)
        for text in REQUESTS:
            sel = select_opened(engine, opened, HOST, engine.parse_platform(text, HOST))
            out.append((name, text, sel.outcome, label_of(opened, sel.digest)))
    return out


@pytest.mark.parametrize("ref", ["demo/multi:oci", "demo/multi:docker"])
def test_oci_layout_and_archive_answer_like_the_registry(registries: Registries, tmp_path: Path,
                                                         ref: str) -> None:
    source = f"docker://{registries.anonymous.address}/{ref}"
    skopeo_copy("--all", source, f"oci:{tmp_path / 'layout'}:v1")
    skopeo_copy("--all", source, f"oci-archive:{tmp_path / 'image.tar'}:v1")
    expected = answers(source)
    assert {a[2] for a in expected} >= {"selected", "no-match"}
    assert answers(f"oci:{tmp_path / 'layout'}:v1") == expected
    assert answers(f"oci-archive:{tmp_path / 'image.tar'}:v1") == expected


def test_docker_archive_holds_the_chosen_image(registries: Registries, tmp_path: Path) -> None:
    # a docker-archive holds one image: the one skopeo (like docker save) picked for arm64
    source = f"docker://{registries.anonymous.address}/demo/multi:docker"
    archive = tmp_path / "image.tar"
    skopeo_copy("--override-os", "linux", "--override-arch", "arm64", source,
                f"docker-archive:{archive}:demo/multi:docker")
    from_registry = resolver.resolve(source, host=HOST, platform="linux/arm64",
                                     engine="skopeo@1.9")
    opened = open_reference(f"docker-archive:{archive}")
    assert isinstance(opened.document, Manifest)
    # the archive keeps the chosen image's config byte for byte
    assert opened.document.config.digest == config_of(open_reference(source),
                                                      from_registry.digest)
    for name in ENGINES:
        engine = resolver.get_engine(name)
        sel = select_opened(engine, opened, HOST, engine.parse_platform("linux/arm64", HOST))
        assert sel.outcome == "single-manifest", name
        assert sel.digest == opened.document.digest
