"""Inspect: the list as served, attestations as attestations (pain point I), never platforms."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from resolver import mediatypes as mt
from resolver.errors import SourceError
from resolver.inspect import Row, inspect, inspect_document
from resolver.lookup import open_reference
from resolver.model import Descriptor, Index, parse_document
from tests.docs import Store, entry
from tests.layouts import layout_entry, write_layout

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALPINE = "sha256:5b10f432ef3da1b8d4c7eb6c487f2f5a8f096bc91145e68878dd4a5019afde11"


def fixture(name: str) -> Path:
    return FIXTURES / name


def test_alpine_attestations_are_marked_not_platforms():
    result = inspect(open_reference(f"file:{fixture('alpine-3.23.4.json')}"))
    assert (result.digest, result.media_type) == (ALPINE, mt.OCI_INDEX)
    assert len(result.rows) == 16
    assert [r.kind for r in result.rows] == ["image", "attestation"] * 8
    assert result.platforms == ("linux/amd64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8",
                                "linux/386", "linux/ppc64le", "linux/riscv64", "linux/s390x")
    for image, attestation in zip(result.rows[::2], result.rows[1::2], strict=True):
        assert attestation.attests == image.digest
        assert attestation.attests_platform == image.platform
        assert attestation.platform == "unknown/unknown"  # as served
        assert attestation.note == ""
    assert len(result.attestations) == 8


def test_alpine_rows_as_served():
    doc = parse_document(fixture("alpine-3.23.4.json").read_bytes())
    assert isinstance(doc, Index)
    result = inspect_document(doc)
    first = result.rows[0]
    assert first == Row(0, "image", "linux/amd64", doc.manifests[0].digest,
                        doc.manifests[0].size, mt.OCI_MANIFEST, doc.manifests[0].annotations)
    assert dict(first.annotations)["org.opencontainers.image.version"] == "3.23.4"
    assert [r.position for r in result.rows] == list(range(16))


def test_unknown_unknown_without_annotation_is_a_presumed_attestation():
    """docker manifest inspect drops annotations (actual-http-api#20)."""
    result = inspect(open_reference(f"file:{fixture('actual-http-api-v0.9.2.json')}"))
    assert [r.kind for r in result.rows] == ["image", "attestation"]
    assert result.platforms == ("linux/amd64",)
    presumed = result.rows[1]
    assert presumed.attests == "" and presumed.attests_platform == ""
    assert "presumed a buildx attestation" in presumed.note


def test_single_manifest_is_one_row_with_its_config_platform():
    opened = open_reference(f"file:{fixture('hello-world.linux-amd64.manifest.json')}")
    result = inspect(opened)
    (row,) = result.rows
    assert row.kind == "manifest"
    assert row.digest == result.digest == opened.document.digest
    assert row.size == len(fixture("hello-world.linux-amd64.manifest.json").read_bytes())
    assert row.config_platform == "linux/amd64"
    assert row.platform == "" and row.note == ""
    assert result.platforms == ("linux/amd64",)


def test_single_manifest_whose_config_is_not_available():
    result = inspect(open_reference(
        f"file:{fixture('debian-bullseye-20230109.linux-amd64.manifest.json')}"))
    (row,) = result.rows
    assert row.kind == "manifest" and row.config_platform == ""
    assert row.note.startswith("config not read: ")
    assert "\n" not in row.note


def test_single_manifest_without_fetch():
    doc = parse_document(fixture("hello-world.linux-amd64.manifest.json").read_bytes())
    (row,) = inspect_document(doc).rows
    assert row.note == "the config was not fetched"


def test_entry_without_platform_shows_its_config():
    result = inspect(open_reference(f"file:{fixture('oras-multi1-no-platform.json')}"))
    first = result.rows[0]
    assert (first.kind, first.platform, first.config_platform) == ("image", "", "linux/amd64")
    assert first.note == "no platform in the list; from its config"
    assert result.platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")


def test_entry_without_platform_and_no_manifest():
    store = Store()
    desc = entry(store, "none", None)
    doc = store.index([desc])
    del store.blobs[desc["digest"]]

    def fetch(d: Descriptor) -> bytes:
        if d.digest not in store.blobs:
            raise SourceError(f"{d.digest} is missing")
        return store.blobs[d.digest]

    (row,) = inspect_document(doc, fetch).rows
    assert row.config_platform == ""
    assert row.note == f"no platform; manifest not read: {desc['digest']} is missing"


def test_nested_index_is_one_row():
    result = inspect(open_reference(f"file:{fixture('nested-oci-layout-index.json')}"))
    (row,) = result.rows
    assert (row.kind, row.platform, row.media_type) == ("index", "", mt.DOCKER_MANIFEST_LIST)
    assert dict(row.annotations)["org.opencontainers.image.ref.name"] == "latest"


def test_windows_entries_show_os_version():
    result = inspect(open_reference(f"file:{fixture('julia-1.json')}"))
    assert "windows(10.0.26100.3476)/amd64" in result.platforms
    assert "unknown/unknown" not in result.platforms
    assert len(result.attestations) == 4


def test_other_media_types_and_artifact_type():
    store = Store()
    digest, size = store.put(b"{}")
    doc = store.index([entry(store, "amd64", "linux/amd64"),
                       {"mediaType": "application/vnd.example.thing", "digest": digest,
                        "size": size, "artifactType": "application/vnd.example.sig"}])
    rows = inspect_document(doc, store.fetch).rows
    assert rows[1].kind == "other"
    assert rows[1].artifact_type == "application/vnd.example.sig"


def test_same_rows_from_an_oci_layout(tmp_path):
    store = Store()
    doc = store.index([entry(store, "amd64", "linux/amd64"), entry(store, "none", None)])
    root = write_layout(tmp_path / "img", store,
                        [layout_entry(store, doc.digest, mt.OCI_INDEX, "v1")])
    assert inspect(open_reference(f"oci:{root}:v1")) == inspect_document(doc, store.fetch)


def test_rows_are_immutable_and_serialize():
    result = inspect(open_reference(f"file:{fixture('alpine-3.23.4.json')}"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rows[0].kind = "attestation"  # type: ignore[misc]
    data = json.loads(json.dumps(result.to_json()))
    assert data["digest"] == ALPINE
    assert data["rows"][1]["kind"] == "attestation"
    assert data["rows"][1]["attests"] == data["rows"][0]["digest"]
    assert data["rows"][0]["platform"] == "linux/amd64"
