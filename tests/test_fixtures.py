"""The fixture documents and their catalog (fixtures/catalog.toml) agree and are well formed."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resolver import mediatypes as mt
from resolver.model import Index, Manifest, parse_config, parse_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CATALOG = FIXTURES / "catalog.toml"
KINDS = {"index", "manifest", "config"}
DIGEST_SETS = {"real", "partly synthetic", "synthetic"}
SHA256 = re.compile(r"sha256:[a-f0-9]{64}")

SEED_DIGESTS = [
    "sha256:5e28ac423243b187f464d635bcfe1e909f4a31c6c8bce51d0db0a1062bec9e16",  # linux/amd64
    "sha256:2945c46e26c9787da884b4065d1de64cf93a3b81ead1b949843dda1fcd458bae",  # linux/arm/v7
    "sha256:87fff60114fd3402d0c1a7ddf1eea1ded658f171749b57dc782fd33ee2d47b2d",  # linux/arm64/v8
    "sha256:607b43f1d91144f82a9433764e85eb3ccf83f73569552a49bc9788c31b4338de",  # linux/386
    "sha256:25ead0e21ed5e246ce31e274b98c09aaf548606788ef28eaf375dc8525064314",  # linux/ppc64le
    "sha256:69f5907fa93ea591175b2c688673775378ed861eeb687776669a48692bb9754d",  # linux/s390x
]


def load_catalog() -> list[dict[str, Any]]:
    with CATALOG.open("rb") as handle:
        data = tomllib.load(handle)
    entries = data.get("fixture")
    assert isinstance(entries, list), "catalog.toml must hold [[fixture]] tables"
    return [dict(entry) for entry in entries]


ENTRIES = load_catalog()
BY_FILE = {entry["file"]: entry for entry in ENTRIES}


def fixture_files() -> set[str]:
    """Every JSON document under fixtures/, except fixtures/hosts/ (described elsewhere)."""
    found = set()
    for path in FIXTURES.rglob("*.json"):
        relative = path.relative_to(FIXTURES)
        if relative.parts[0] != "hosts":
            found.add(relative.as_posix())
    return found


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def digests_in(node: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    """(JSON path, value) of every digest a document holds: ``digest`` fields, annotations such
    as ``vnd.docker.reference.digest`` or ``org.opencontainers.image.base.digest``, and a
    config's ``rootfs.diff_ids``."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}"
            if (key == "digest" or key.endswith(".digest")) and not isinstance(value, dict):
                yield path, value
            elif key == "diff_ids" and isinstance(value, list):
                for i, item in enumerate(value):
                    yield f"{path}[{i}]", item
            else:
                yield from digests_in(value, path)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from digests_in(item, f"{where}[{i}]")


def descriptors_in(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The descriptors a manifest or index points through: entries, config, layers."""
    for key in ("manifests", "layers"):
        for item in obj.get(key) or []:
            if isinstance(item, dict):
                yield item
    config = obj.get("config")
    if isinstance(config, dict) and "digest" in config:
        yield config


# --- the catalog and the directory --------------------------------------------------------------


def test_catalog_lists_every_fixture_and_nothing_else() -> None:
    listed = [entry.get("file") for entry in ENTRIES]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    on_disk = fixture_files()
    assert on_disk - set(listed) == set(), "fixtures missing from catalog.toml"
    assert set(listed) - on_disk == set(), "catalog.toml lists files that do not exist"


def test_at_least_thirteen_fixtures() -> None:
    assert len(ENTRIES) >= 13


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: str(e.get("file")))
def test_catalog_entry_fields(entry: dict[str, Any]) -> None:
    assert entry.get("kind") in KINDS
    for key in ("file", "shaped_after", "note"):
        value = entry.get(key)
        assert isinstance(value, str) and value.strip(), f"{key} must be a non-empty string"
    assert isinstance(entry.get("byte_exact", False), bool)
    assert entry.get("digests", "real") in DIGEST_SETS
    upstream = entry.get("upstream_digest")
    if upstream is not None:
        assert SHA256.fullmatch(upstream), upstream
    if entry.get("byte_exact"):
        assert upstream is not None, "a byte-exact document names the digest it reproduces"


# --- each document ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: str(e.get("file")))
def test_document_parses_as_its_kind(entry: dict[str, Any]) -> None:
    data = raw(entry["file"])
    if entry["kind"] == "config":
        platform = parse_config(data)
        assert platform.os and platform.architecture
        return
    doc = parse_document(data)
    assert doc.digest == sha256(data)
    if entry["kind"] == "index":
        assert isinstance(doc, Index)
        assert doc.media_type in mt.INDEX_TYPES
        assert doc.manifests, "an index with no entries"
    else:
        assert isinstance(doc, Manifest)
        assert doc.media_type in mt.MANIFEST_TYPES


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: str(e.get("file")))
def test_every_digest_is_a_sha256(entry: dict[str, Any]) -> None:
    obj = json.loads(raw(entry["file"]))
    found = list(digests_in(obj))
    if entry["kind"] != "config":
        assert found, "a manifest or index always names digests"
    for path, value in found:
        assert isinstance(value, str) and SHA256.fullmatch(value), f"{path}: {value!r}"


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e.get("byte_exact") and e.get("upstream_digest")],
    ids=lambda e: str(e.get("file")))
def test_byte_exact_documents_hash_to_their_upstream_digest(entry: dict[str, Any]) -> None:
    assert sha256(raw(entry["file"])) == entry["upstream_digest"]


def test_descriptors_naming_another_fixture_agree_with_it() -> None:
    """A descriptor whose digest is another fixture's sha256 names that file's size and a media
    type of the right kind (so the file: source can follow it)."""
    by_digest = {sha256(raw(name)): entry for name, entry in BY_FILE.items()}
    kind_of = {**dict.fromkeys(mt.INDEX_TYPES, "index"),
               **dict.fromkeys(mt.MANIFEST_TYPES, "manifest"),
               mt.DOCKER_CONFIG: "config", mt.OCI_CONFIG: "config"}
    links = 0
    for name, entry in BY_FILE.items():
        if entry["kind"] == "config":
            continue
        for desc in descriptors_in(json.loads(raw(name))):
            target = by_digest.get(desc["digest"])
            if target is None:
                continue
            links += 1
            assert desc["size"] == len(raw(target["file"])), f"{name} -> {target['file']}"
            assert kind_of.get(desc.get("mediaType", "")) == target["kind"], (
                f"{name} -> {target['file']}")
    assert links >= 8, "the chains described in fixtures/README.md are gone"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["kind"] == "index"],
                         ids=lambda e: str(e.get("file")))
def test_attestations_point_at_an_entry_of_their_index(entry: dict[str, Any]) -> None:
    doc = parse_document(raw(entry["file"]))
    assert isinstance(doc, Index)
    digests = {d.digest for d in doc.manifests if not d.is_attestation}
    for desc in doc.manifests:
        if desc.is_attestation:
            assert desc.platform is not None
            assert (desc.platform.os, desc.platform.architecture) == ("unknown", "unknown")
            assert desc.annotation_map.get(mt.REFERENCE_DIGEST) in digests


# --- the documents the brief and other tests rely on -------------------------------------------


def test_golang_alpine_is_the_seed_list() -> None:
    doc = parse_document(raw("golang-alpine.json"))
    assert isinstance(doc, Index)
    assert doc.media_type == mt.DOCKER_MANIFEST_LIST
    assert [d.digest for d in doc.manifests] == SEED_DIGESTS
    assert [str(d.platform) for d in doc.manifests] == [
        "linux/amd64", "linux/arm/v7", "linux/arm64/v8", "linux/386", "linux/ppc64le",
        "linux/s390x"]
    assert {d.media_type for d in doc.manifests} == {mt.DOCKER_MANIFEST}


def kinds_present() -> dict[str, set[str]]:
    """Media types of the fixture documents, by catalog kind."""
    found: dict[str, set[str]] = {"index": set(), "manifest": set()}
    for entry in ENTRIES:
        if entry["kind"] != "config":
            found[entry["kind"]].add(parse_document(raw(entry["file"])).media_type)
    return found


def test_both_media_types_of_lists_and_manifests_are_covered() -> None:
    found = kinds_present()
    assert found["index"] >= {mt.DOCKER_MANIFEST_LIST, mt.OCI_INDEX}
    assert found["manifest"] >= {mt.DOCKER_MANIFEST, mt.OCI_MANIFEST}


def platforms_of(name: str) -> list[str]:
    doc = parse_document(raw(name))
    assert isinstance(doc, Index)
    return [str(d.platform) if d.platform is not None else "" for d in doc.manifests]


@pytest.mark.parametrize(("name", "expected"), [
    ("debian-bullseye-20230109.json", {"linux/arm/v5", "linux/arm/v7", "linux/mips64le"}),
    ("busybox-1.36.0.json", {"linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/riscv64"}),
    ("alpine-3.17.1.json", {"linux/arm/v6", "linux/arm/v7"}),
    ("pause-3.1.json", {"linux/arm", "linux/arm64"}),
    ("julia-1.json", {"windows(10.0.17763.7009)/amd64", "windows(10.0.20348.3328)/amd64",
                      "windows(10.0.26100.3476)/amd64", "linux/amd64"}),
    ("almalinux-10.json", {"linux/amd64", "linux/amd64/v2"}),
    ("amd64-v3-v2-v1.json", {"linux/amd64", "linux/amd64/v2", "linux/amd64/v3"}),
    ("oras-multi1-no-platform.json", {""}),
    ("nested-oci-layout-index.json", {""}),
    ("arm64v8-alpine-3.23.4.json", {"linux/arm64/v8"}),
    ("riscv64-alpine-3.23.4.json", {"linux/riscv64"}),
    ("ppc64le-alpine-3.23.4.json", {"linux/ppc64le"}),
    ("nydus-merged-index.json", {"linux(+nydus.remoteimage.v1)/amd64"}),
])
def test_shapes_the_catalog_promises(name: str, expected: set[str]) -> None:
    assert expected <= set(platforms_of(name))


def test_alpine_has_an_attestation_after_every_platform() -> None:
    doc = parse_document(raw("alpine-3.23.4.json"))
    assert isinstance(doc, Index) and doc.media_type == mt.OCI_INDEX
    pairs = list(zip(doc.manifests[::2], doc.manifests[1::2], strict=True))
    assert len(pairs) == 8
    for image, attestation in pairs:
        assert not image.is_attestation and attestation.is_attestation
        assert attestation.annotation_map[mt.REFERENCE_DIGEST] == image.digest


def test_arm64_v82_is_the_only_arm64_entry() -> None:
    arm64 = [p for p in platforms_of("arm64-v8.2-only.json") if "/arm64" in p]
    assert arm64 == ["linux/arm64/v8.2"]


def test_nested_index_child_is_an_index_fixture() -> None:
    outer = parse_document(raw("nested-oci-layout-index.json"))
    child = parse_document(raw("nested-oci-layout-index.child.json"))
    assert isinstance(outer, Index) and isinstance(child, Index)
    (entry,) = outer.manifests
    assert entry.media_type in mt.INDEX_TYPES and entry.platform is None
    assert entry.digest == child.digest and entry.size == len(child.raw)
