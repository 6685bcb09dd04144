"""``oci:DIR[:REF]``: the same verified documents, and the same engine choice, as the bytes
read directly; skopeo's reference rules; one-line errors for broken layouts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from resolver import get_engine, parse_platform
from resolver import mediatypes as mt
from resolver.errors import DocumentError, InvalidReference, SourceError
from resolver.lookup import Opened, SourceOptions, open_reference
from resolver.model import Index, Manifest, parse_document
from resolver.reference import Reference
from resolver.sources import oci_layout
from resolver.sources.oci_layout import MAX_BLOB
from tests.docs import Store, entry
from tests.layouts import blob_path, layout_entry, write_layout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HOSTS = ("linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/arm/v6", "linux/riscv64")


def open_oci(target: str | Path) -> Opened:
    return oci_layout.open_source(Reference("oci", str(target)), SourceOptions())


def one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(err.value)
    assert text and "\n" not in text
    return text


def multi_platform(store: Store) -> Index:
    doc = store.index([entry(store, "amd64", "linux/amd64"),
                       entry(store, "arm64", "linux/arm64/v8"),
                       entry(store, "armv7", "linux/arm/v7"),
                       entry(store, "none", None)])
    assert isinstance(doc, Index)
    return doc


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Store, Index]:
    """A layout tagged ``v1``: an image index of three platforms and one platform-less entry,
    plus a single manifest tagged ``single``."""
    store = Store()
    doc = multi_platform(store)
    single = store.image("single", {"os": "linux", "architecture": "s390x"})
    entries = [layout_entry(store, doc.digest, mt.OCI_INDEX, "v1"),
               layout_entry(store, single["digest"], mt.OCI_MANIFEST, "single")]
    return write_layout(tmp_path / "img", store, entries), store, doc


@pytest.mark.parametrize("host", HOSTS)
def test_same_document_and_selection_as_the_bytes_themselves(layout, host):
    root, store, doc = layout
    opened = open_oci(f"{root}:v1")
    direct = parse_document(store.blobs[doc.digest])
    assert opened.document.digest == direct.digest == doc.digest
    assert opened.document.raw == store.blobs[doc.digest]
    engine = get_engine("containerd@1.6")
    want = engine.select(direct, parse_platform(host), fetch=store.fetch)
    got = engine.select(opened.document, parse_platform(host), fetch=opened.fetch)
    assert (got.outcome, got.digest, got.path) == (want.outcome, want.digest, want.path)
    assert got.trace == want.trace


@pytest.mark.parametrize("host", HOSTS)
def test_same_as_the_file_source(layout, tmp_path, host):
    """The same image as bare JSON files read through ``file:`` (children found beside it)."""
    root, store, doc = layout
    files = tmp_path / "files"
    files.mkdir()
    for digest, data in store.blobs.items():
        (files / f"{digest[7:]}.json").write_bytes(data)
    by_file = open_reference(f"file:{files / (doc.digest[7:] + '.json')}")
    by_oci = open_reference(f"oci:{root}:v1")
    assert by_file.document.digest == by_oci.document.digest
    engine = get_engine("containerd@1.6")
    want = engine.select(by_file.document, parse_platform(host), fetch=by_file.fetch)
    got = engine.select(by_oci.document, parse_platform(host), fetch=by_oci.fetch)
    assert (got.outcome, got.digest, got.path, got.trace) == \
        (want.outcome, want.digest, want.path, want.trace)


def test_the_entry_without_platform_is_judged_by_its_config_through_fetch(layout):
    root, _, _ = layout
    opened = open_oci(f"{root}:v1")
    sel = get_engine("containerd@1.6").select(opened.document, parse_platform("linux/riscv64"),
                                              fetch=opened.fetch)
    # the platform-less child's config says linux/amd64: fetched, verified, not accepted
    assert sel.outcome == "no-match"
    assert any(step.key == "config" for step in sel.trace)


def test_a_single_manifest_by_name(layout):
    root, store, _ = layout
    opened = open_oci(f"{root}:single")
    assert isinstance(opened.document, Manifest)
    sel = get_engine("containerd@1.6").select(opened.document, parse_platform("linux/amd64"),
                                              fetch=opened.fetch)
    assert sel.outcome == "single-manifest"
    assert sel.digest == opened.document.digest
    assert opened.fetch(opened.document.config) == store.blobs[opened.document.config.digest]


def test_through_open_reference(layout):
    root, _, doc = layout
    assert open_reference(f"oci:{root}:v1").document.digest == doc.digest


# --- REF rules (containers/image oci/layout/oci_transport.go getManifestDescriptor)


def test_no_ref_takes_the_only_entry(tmp_path):
    store = Store()
    doc = multi_platform(store)
    root = write_layout(tmp_path / "one", store, [layout_entry(store, doc.digest, mt.OCI_INDEX)])
    assert open_oci(root).document.digest == doc.digest


def test_no_ref_with_several_entries_is_skopeos_error(layout):
    root, _, _ = layout
    with pytest.raises(SourceError) as err:
        open_oci(root)
    text = one_line(err)
    assert "more than one image in oci, choose an image" in text
    assert "v1, single" in text


def test_no_ref_and_no_entries(tmp_path):
    root = write_layout(tmp_path / "empty", Store(), [])
    with pytest.raises(SourceError, match="lists no images"):
        open_oci(root)


@pytest.mark.parametrize(("ref", "position"), [("@0", 0), ("@1", 1), ("@+1", 1)])
def test_at_n_is_the_nth_entry(layout, ref, position):
    root, _, _ = layout
    listed = json.loads((root / "index.json").read_text())["manifests"][position]
    opened = open_oci(f"{root}:{ref}")
    assert opened.document.digest == listed["digest"]
    assert isinstance(opened.document, Index if position == 0 else Manifest)


def test_at_n_too_large(layout):
    root, _, _ = layout
    with pytest.raises(SourceError) as err:
        open_oci(f"{root}:@2")
    assert one_line(err).endswith("index 2 is too large, only 2 entries available")


@pytest.mark.parametrize(("ref", "text"), [
    ("@-1", "Invalid source index @-1: must not be negative"),
    ("@x", 'Invalid source index @x: not an integer: strconv.Atoi: parsing "x": invalid syntax'),
    ("-bad", "Invalid image -bad"),
    ("a b", "Invalid image a b"),
])
def test_malformed_ref(layout, ref, text):
    root, _, _ = layout
    with pytest.raises(InvalidReference) as err:
        open_oci(f"{root}:{ref}")
    assert one_line(err) == text


def test_unknown_ref(layout):
    root, _, _ = layout
    with pytest.raises(SourceError) as err:
        open_oci(f"{root}:nope")
    assert 'no descriptor found for reference "nope" (names: v1, single)' in one_line(err)


def test_a_digest_is_not_a_ref(layout):
    root, _, doc = layout
    with pytest.raises(SourceError) as err:
        open_oci(f"{root}:{doc.digest}")
    assert "a digest is not a reference here" in one_line(err)


def test_ref_naming_an_unsupported_media_type(tmp_path):
    store = Store()
    digest, _ = store.put(b"{}")
    root = write_layout(tmp_path / "odd", store,
                        [layout_entry(store, digest, "application/vnd.example+json", "x")])
    with pytest.raises(SourceError, match="matches unsupported manifest MIME types"):
        open_oci(f"{root}:x")


def test_docker_media_types_are_looked_up_by_name(tmp_path):
    """containers/image v5.35.0+ (57719737) accepts Docker schema2 entries by name."""
    store = Store()
    child = store.image("docker", {"os": "linux", "architecture": "arm64"}, oci=False)
    root = write_layout(tmp_path / "d", store,
                        [layout_entry(store, child["digest"], mt.DOCKER_MANIFEST, "d")])
    assert open_oci(f"{root}:d").document.media_type == mt.DOCKER_MANIFEST


# --- a real index.json (containerd's export of alpine:latest, fixtures/catalog.toml)


def test_real_containerd_export_follows_the_nested_list(tmp_path):
    root = tmp_path / "alpine"
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    shutil.copy(FIXTURES / "nested-oci-layout-index.json", root / "index.json")
    for name in ("nested-oci-layout-index.child.json",
                 "nested-oci-layout-index.child.linux-amd64.manifest.json"):
        data = (FIXTURES / name).read_bytes()
        blob_path(root, parse_document(data).digest).write_bytes(data)
    opened = open_oci(f"{root}:latest")
    assert opened.document.digest == ("sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd13"
                                      "67effd16dc0d06d")
    assert opened.document.media_type == mt.DOCKER_MANIFEST_LIST
    sel = get_engine("containerd@1.6").select(opened.document, parse_platform("linux/amd64"),
                                              fetch=opened.fetch)
    assert sel.digest == "sha256:33735bd63cf84d7e388d9f6d297d348c523c044410f553bd878c6d7829612735"
    assert open_oci(root).document.digest == opened.document.digest  # the only entry


# --- broken layouts: one line each, of the documented kind


def test_missing_directory(tmp_path):
    with pytest.raises(SourceError) as err:
        open_oci(tmp_path / "nothing")
    assert one_line(err).endswith("no such directory")


def test_no_oci_layout_file(layout):
    root, _, _ = layout
    (root / "oci-layout").unlink()
    with pytest.raises(SourceError) as err:
        open_oci(f"{root}:v1")
    assert "not an OCI image layout (no oci-layout file)" in one_line(err)


@pytest.mark.parametrize("content", ['{"imageLayoutVersion":"2.0.0"}', "{}", "[1]", "not json"])
def test_bad_oci_layout(layout, content):
    root, _, _ = layout
    (root / "oci-layout").write_text(content)
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v1")
    assert "oci-layout" in one_line(err)


def test_unsupported_layout_version_text(layout):
    root, _, _ = layout
    (root / "oci-layout").write_text('{"imageLayoutVersion":"2.0.0"}')
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v1")
    assert "unsupported OCI layout version '2.0.0'" in one_line(err)


@pytest.mark.parametrize("content", ["{", '{"manifests": 3}', '{"config": {}, "layers": []}'])
def test_bad_index_json(layout, content):
    root, _, _ = layout
    (root / "index.json").write_text(content)
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v1")
    assert "index.json" in one_line(err)


def test_missing_index_json(layout):
    root, _, _ = layout
    (root / "index.json").unlink()
    with pytest.raises(SourceError, match=r"index\.json is missing"):
        open_oci(f"{root}:v1")


def test_missing_top_blob(layout):
    root, _, doc = layout
    blob_path(root, doc.digest).unlink()
    with pytest.raises(SourceError) as err:
        open_oci(f"{root}:v1")
    assert f"blob {doc.digest} is missing" in one_line(err)


def test_missing_child_blob_fails_when_the_engine_looks(layout):
    root, _, doc = layout
    child = doc.manifests[3]  # the platform-less entry: containerd reads its manifest
    blob_path(root, child.digest).unlink()
    opened = open_oci(f"{root}:v1")
    with pytest.raises(SourceError) as err:
        get_engine("containerd@1.6").select(opened.document, parse_platform("linux/riscv64"),
                                            fetch=opened.fetch)
    assert f"blob {child.digest} is missing" in one_line(err)


def test_digest_mismatch(layout):
    root, _, doc = layout
    path = blob_path(root, doc.digest)
    path.write_bytes(path.read_bytes().replace(b"linux", b"LINUX"))
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v1")
    assert f"digest mismatch: expected {doc.digest}" in one_line(err)


def test_child_digest_mismatch(layout):
    root, _, doc = layout
    child = doc.manifests[0]
    path = blob_path(root, child.digest)
    path.write_bytes(path.read_bytes() + b" ")
    opened = open_oci(f"{root}:v1")
    with pytest.raises(DocumentError, match="digest mismatch"):
        opened.fetch(child)


def test_size_mismatch(tmp_path):
    store = Store()
    doc = multi_platform(store)
    wrong = layout_entry(store, doc.digest, mt.OCI_INDEX, "v1")
    wrong["size"] += 1
    root = write_layout(tmp_path / "s", store, [wrong])
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v1")
    assert "size mismatch" in one_line(err)


def test_oversized_blob_by_descriptor(tmp_path):
    store = Store()
    doc = multi_platform(store)
    big = layout_entry(store, doc.digest, mt.OCI_INDEX, "v1")
    big["size"] = MAX_BLOB + 1
    root = write_layout(tmp_path / "big", store, [big])
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v1")
    assert f"larger than {MAX_BLOB} bytes, refused" in one_line(err)


def test_oversized_blob_on_disk(tmp_path):
    """A descriptor that lies about the size does not make pullsim read a huge file."""
    store = Store()
    data = json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [],
                       "annotations": {"pad": "x" * (MAX_BLOB + 10)}}).encode()
    digest, _ = store.put(data)
    root = write_layout(tmp_path / "huge", store, [layout_entry(store, digest, mt.OCI_INDEX, "v")])
    index = json.loads((root / "index.json").read_text())
    index["manifests"][0]["size"] = 100
    (root / "index.json").write_text(json.dumps(index))
    with pytest.raises(DocumentError) as err:
        open_oci(f"{root}:v")
    assert "larger than" in one_line(err)


def test_unsupported_digest_algorithm(tmp_path):
    store = Store()
    root = write_layout(tmp_path / "alg", store, [
        {"mediaType": mt.OCI_MANIFEST, "digest": "blake3:" + "a" * 64, "size": 10,
         "annotations": {"org.opencontainers.image.ref.name": "b"}}])
    with pytest.raises(SourceError, match="unsupported digest algorithm"):
        open_oci(f"{root}:b")


# --- skopeo, when installed, agrees on what the reference names


@pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed")
@pytest.mark.parametrize("ref", ["v1", "single"])
def test_skopeo_reads_the_same_document(layout, ref):
    root, _, _ = layout
    raw = subprocess.run(["skopeo", "inspect", "--raw", f"oci:{root}:{ref}"], check=True,
                         capture_output=True, timeout=60).stdout
    assert parse_document(raw).digest == open_oci(f"{root}:{ref}").document.digest
