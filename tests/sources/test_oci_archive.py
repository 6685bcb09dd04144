"""``oci-archive:FILE[:REF]``: the OCI layout inside a tar, read without extracting; the same
documents and choices as the directory; unsafe, truncated and foreign archives refused in one
line."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from resolver import get_engine, parse_platform
from resolver import mediatypes as mt
from resolver.errors import DocumentError, InvalidReference, SourceError
from resolver.lookup import Opened, SourceOptions, open_reference
from resolver.model import Index, parse_document
from resolver.reference import Reference
from resolver.sources import oci_archive
from resolver.sources.file import MAX_DOCUMENT
from tests.docs import Store, entry
from tests.layouts import Member, layout_entry, tar_tree, write_layout, write_tar

HOSTS = ("linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/riscv64")


def open_archive(target: str | Path) -> Opened:
    return oci_archive.open_source(Reference("oci-archive", str(target)), SourceOptions())


def one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(err.value)
    assert text and "\n" not in text
    return text


@pytest.fixture
def image(tmp_path: Path) -> tuple[Path, Store, Index]:
    """A layout directory tagged ``v1`` (an index of three platforms and one without)."""
    store = Store()
    doc = store.index([entry(store, "amd64", "linux/amd64"),
                       entry(store, "arm64", "linux/arm64/v8"),
                       entry(store, "armv7", "linux/arm/v7"),
                       entry(store, "none", None)])
    assert isinstance(doc, Index)
    root = write_layout(tmp_path / "layout", store,
                        [layout_entry(store, doc.digest, mt.OCI_INDEX, "v1")])
    return root, store, doc


def members_of(root: Path) -> list[Member]:
    """The layout's files as plain members (no ``./`` prefix)."""
    return [Member(p.relative_to(root).as_posix(), p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()]


@pytest.mark.parametrize("compression", ["", "gzip", "bzip2", "xz"])
@pytest.mark.parametrize("host", HOSTS)
def test_same_document_and_selection_as_the_directory(image, tmp_path, compression, host):
    root, store, doc = image
    archive = tar_tree(root, tmp_path / "img.tar", compression=compression)
    opened = open_archive(f"{archive}:v1")
    direct = parse_document(store.blobs[doc.digest])
    assert opened.document.digest == direct.digest == doc.digest
    engine = get_engine("containerd@1.6")
    want = engine.select(direct, parse_platform(host), fetch=store.fetch)
    got = engine.select(opened.document, parse_platform(host), fetch=opened.fetch)
    assert (got.outcome, got.digest, got.path, got.trace) == \
        (want.outcome, want.digest, want.path, want.trace)


def test_through_open_reference(image, tmp_path):
    root, _, doc = image
    archive = tar_tree(root, tmp_path / "img.tar")
    assert open_reference(f"oci-archive:{archive}:v1").document.digest == doc.digest
    assert open_reference(f"oci-archive:{archive}").document.digest == doc.digest


def test_members_without_dot_slash_and_with_a_leading_slash(image, tmp_path):
    root, _, doc = image
    plain = write_tar(tmp_path / "plain.tar", members_of(root))
    rooted = write_tar(tmp_path / "rooted.tar",
                       [Member("/" + m.name, m.data) for m in members_of(root)])
    assert open_archive(f"{plain}:v1").document.digest == doc.digest
    assert open_archive(f"{rooted}:v1").document.digest == doc.digest


def test_a_blob_reached_through_a_symlink(image, tmp_path):
    root, _, doc = image
    members = [m for m in members_of(root) if not m.name.endswith(doc.digest[7:])]
    blob = (root / "blobs/sha256" / doc.digest[7:]).read_bytes()
    members.append(Member("store/index-blob", blob))
    members.append(Member(f"blobs/sha256/{doc.digest[7:]}", kind="symlink",
                          link="../../store/index-blob"))
    archive = write_tar(tmp_path / "link.tar", members)
    assert open_archive(f"{archive}:v1").document.digest == doc.digest


def test_at_n_is_only_for_oci(image, tmp_path):
    """containers/image oci/archive/oci_transport.go takes only an image name."""
    root, _, _ = image
    archive = tar_tree(root, tmp_path / "img.tar")
    with pytest.raises(InvalidReference) as err:
        open_archive(f"{archive}:@0")
    assert one_line(err).startswith("Invalid image @0")


def test_unknown_ref(image, tmp_path):
    root, _, _ = image
    archive = tar_tree(root, tmp_path / "img.tar")
    with pytest.raises(SourceError) as err:
        open_archive(f"{archive}:v2")
    assert 'no descriptor found for reference "v2" (names: v1)' in one_line(err)


# --- refused archives


def test_missing_file(tmp_path):
    with pytest.raises(SourceError) as err:
        open_archive(tmp_path / "none.tar")
    assert one_line(err).endswith("no such file")


def test_not_a_tar(tmp_path):
    path = tmp_path / "index.json"
    path.write_text('{"schemaVersion": 2, "manifests": []}')
    with pytest.raises(DocumentError) as err:
        open_archive(path)
    assert "not a readable tar archive" in one_line(err)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.tar"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match="not a readable tar archive"):
        open_archive(path)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_tar(image, tmp_path, cut):
    root, _, _ = image
    data = tar_tree(root, tmp_path / "img.tar").read_bytes()
    end = len(data.rstrip(b"\0"))  # cut inside the content, not in the zero padding
    short = tmp_path / "short.tar"
    short.write_bytes(data[:int(end * cut)])
    with pytest.raises(DocumentError) as err:
        open_archive(f"{short}:v1")
    assert "tar archive" in one_line(err)


def test_cut_inside_a_header(image, tmp_path):
    root, _, _ = image
    path = write_tar(tmp_path / "img.tar", members_of(root))
    with tarfile.open(path) as archive:
        last = archive.getmembers()[-1].offset  # where the last header starts
    short = tmp_path / "short.tar"
    short.write_bytes(path.read_bytes()[:last + 100])
    with pytest.raises(DocumentError) as err:
        open_archive(f"{short}:v1")
    assert "truncated tar archive (a partial header at the end)" in one_line(err)


@pytest.mark.parametrize("compression", ["gzip", "xz"])
def test_truncated_compressed_tar(image, tmp_path, compression):
    root, _, _ = image
    data = tar_tree(root, tmp_path / "img.tgz", compression=compression).read_bytes()
    short = tmp_path / "short.tgz"
    short.write_bytes(data[:len(data) - 20])
    with pytest.raises(DocumentError) as err:
        open_archive(f"{short}:v1")
    assert "not a readable tar archive" in one_line(err)


@pytest.mark.parametrize("name", ["../evil", "blobs/../../evil", "/../../etc/evil"])
def test_path_traversal_member(image, tmp_path, name):
    root, _, _ = image
    archive = write_tar(tmp_path / "evil.tar", [*members_of(root), Member(name, b"x")])
    with pytest.raises(DocumentError) as err:
        open_archive(f"{archive}:v1")
    assert "is outside of the archive, refused" in one_line(err)


@pytest.mark.parametrize(("kind", "link"), [("symlink", "../../../etc/passwd"),
                                            ("symlink", "/etc/passwd"),
                                            ("hardlink", "../outside")])
def test_links_leaving_the_archive(image, tmp_path, kind, link):
    root, _, _ = image
    archive = write_tar(tmp_path / "evil.tar",
                        [*members_of(root), Member("blobs/sha256/x", kind=kind, link=link)])
    with pytest.raises(DocumentError) as err:
        open_archive(f"{archive}:v1")
    assert f"invalid {kind}" in one_line(err)


def test_duplicate_members(image, tmp_path):
    root, _, _ = image
    members = members_of(root)
    archive = write_tar(tmp_path / "dup.tar", [*members, Member("index.json", b"{}")])
    with pytest.raises(DocumentError) as err:
        open_archive(f"{archive}:v1")
    assert "'index.json' appears twice" in one_line(err)


def test_too_many_members(image, tmp_path, monkeypatch):
    root, _, _ = image
    monkeypatch.setattr(oci_archive, "MAX_MEMBERS", 3)
    archive = tar_tree(root, tmp_path / "img.tar")
    with pytest.raises(DocumentError, match="more than 3 members"):
        open_archive(f"{archive}:v1")


def test_huge_member_is_not_read(image, tmp_path):
    root, _, _ = image
    members = [m for m in members_of(root) if m.name != "index.json"]
    pad = b" " * (MAX_DOCUMENT + 1)
    members.append(Member("index.json", b'{"manifests": []}' + pad))
    archive = write_tar(tmp_path / "huge.tar", members)
    with pytest.raises(DocumentError) as err:
        open_archive(archive)
    assert f"index.json is larger than {MAX_DOCUMENT} bytes, refused" in one_line(err)


def test_missing_blob(image, tmp_path):
    root, _, doc = image
    members = [m for m in members_of(root) if not m.name.endswith(doc.digest[7:])]
    archive = write_tar(tmp_path / "missing.tar", members)
    with pytest.raises(SourceError) as err:
        open_archive(f"{archive}:v1")
    assert f"blob {doc.digest} is missing" in one_line(err)


def test_digest_mismatch(image, tmp_path):
    root, _, doc = image
    members = [Member(m.name, m.data.replace(b"arm64", b"arm65"))
               if m.name.endswith(doc.digest[7:]) else m for m in members_of(root)]
    archive = write_tar(tmp_path / "bad.tar", members)
    with pytest.raises(DocumentError) as err:
        open_archive(f"{archive}:v1")
    assert "digest mismatch" in one_line(err)


def test_bad_layout_version(image, tmp_path):
    root, _, _ = image
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.1.0"}')
    archive = tar_tree(root, tmp_path / "v.tar")
    with pytest.raises(DocumentError, match=r"unsupported OCI layout version '1\.1\.0'"):
        open_archive(f"{archive}:v1")


def test_no_extraction(image, tmp_path, monkeypatch):
    """Nothing is written: the archive is read in place."""
    root, _, doc = image
    archive = tar_tree(root, tmp_path / "img.tar")
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)
    assert open_archive(f"{archive}:v1").document.digest == doc.digest
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed")
def test_skopeo_reads_the_same_document(image, tmp_path):
    root, _, doc = image
    archive = tar_tree(root, tmp_path / "img.tar")
    raw = subprocess.run(["skopeo", "inspect", "--raw", f"oci-archive:{archive}:v1"],
                         check=True, capture_output=True, timeout=60).stdout
    assert parse_document(raw).digest == doc.digest
