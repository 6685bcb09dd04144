"""``docker-archive:FILE[:REF]``: the schema2 manifest skopeo synthesizes from ``manifest.json``,
byte for byte, for both ``docker save`` shapes; tag and index lookup; one-line errors."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from resolver import get_engine, parse_platform
from resolver import mediatypes as mt
from resolver.errors import DocumentError, InvalidReference, SourceError
from resolver.lookup import Opened, SourceOptions, open_reference
from resolver.model import Index, Manifest, parse_document
from resolver.reference import Reference
from resolver.sources import docker_archive, oci_archive
from resolver.sources.oci_layout import MAX_CONFIG
from tests.layouts import (
    ALMOSTEMPTY_MANIFEST_DIGEST,
    Member,
    SavedImage,
    almostempty,
    compact,
    docker_save_classic,
    docker_save_oci,
    expected_docker_manifest,
    saved_image,
    sha256,
    write_tar,
)

SKOPEO = shutil.which("skopeo")


def open_archive(target: str | Path) -> Opened:
    return docker_archive.open_source(Reference("docker-archive", str(target)), SourceOptions())


def open_oci_archive(target: str | Path) -> Opened:
    return oci_archive.open_source(Reference("oci-archive", str(target)), SourceOptions())


def one_line(err: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(err.value)
    assert text and "\n" not in text
    return text


def expected(image: SavedImage) -> bytes:
    """skopeo's manifest for an image whose layers are plain tars (size = the tar's length);
    a repeated layer appears again with the first copy's size."""
    return expected_docker_manifest(image.config,
                                    [(sha256(layer), len(layer)) for layer in image.layers])


def same_selection(opened: Opened, raw: bytes, host: str = "linux/amd64") -> None:
    engine = get_engine("containerd@1.6")
    want = engine.select(parse_document(raw), parse_platform(host))
    got = engine.select(opened.document, parse_platform(host), fetch=opened.fetch)
    assert (got.outcome, got.digest, got.path) == (want.outcome, want.digest, want.path)
    assert got.outcome == "single-manifest"


@pytest.fixture
def busybox() -> SavedImage:
    return saved_image("linux/arm/v7", "busybox", tags=["busybox:1.36"], layers=2)


# --- the real archive


def test_real_archive_gives_skopeos_digest(tmp_path):
    opened = open_archive(almostempty(tmp_path / "almostempty.tar"))
    assert opened.document.digest == ALMOSTEMPTY_MANIFEST_DIGEST
    assert isinstance(opened.document, Manifest)
    assert opened.document.media_type == mt.DOCKER_MANIFEST
    assert [layer.size for layer in opened.document.layers] == [1536]
    config = opened.fetch(opened.document.config)
    assert sha256(config) == opened.document.config.digest
    sel = get_engine("containerd@1.6").select(opened.document, parse_platform("linux/amd64"),
                                              fetch=opened.fetch)
    assert (sel.outcome, sel.digest) == ("single-manifest", ALMOSTEMPTY_MANIFEST_DIGEST)


@pytest.mark.parametrize("ref", ["", ":emptyimage", ":emptyimage:latest", ":@0",
                                 ":docker.io/library/emptyimage:latest",
                                 ":index.docker.io/library/emptyimage"])
def test_real_archive_refs(tmp_path, ref):
    archive = almostempty(tmp_path / "almostempty.tar")
    assert open_archive(f"{archive}{ref}").document.digest == ALMOSTEMPTY_MANIFEST_DIGEST


# --- the classic shape


@pytest.mark.parametrize("compression", ["", "gzip"])
def test_classic_shape_is_synthesized_as_skopeo_does(tmp_path, busybox, compression):
    archive = docker_save_classic(tmp_path / "bb.tar", [busybox], compression=compression)
    opened = open_archive(archive)
    raw = expected(busybox)
    assert isinstance(opened.document, Manifest)
    assert opened.document.raw == raw
    assert opened.document.digest == sha256(raw)
    assert opened.fetch(opened.document.config) == busybox.config
    same_selection(opened, raw, "linux/arm/v7")


def test_a_repeated_layer_is_a_symlink_and_keeps_its_size(tmp_path):
    image = saved_image("linux/amd64", "dup", tags=["dup:1"], layers=2, repeat_first=True)
    archive = docker_save_classic(tmp_path / "dup.tar", [image])
    opened = open_archive(archive)
    assert isinstance(opened.document, Manifest)
    assert opened.document.raw == expected(image)
    assert len(opened.document.layers) == 3


def test_several_images_by_tag_and_index(tmp_path):
    amd = saved_image("linux/amd64", "app-amd64", tags=["example.com/app:1-amd64"])
    arm = saved_image("linux/arm64", "app-arm64", tags=["example.com/app:1-arm64", "app:arm"])
    archive = docker_save_classic(tmp_path / "two.tar", [amd, arm])
    assert open_archive(f"{archive}:example.com/app:1-arm64").document.raw == expected(arm)
    assert open_archive(f"{archive}:app:arm").document.raw == expected(arm)
    assert open_archive(f"{archive}:docker.io/library/app:arm").document.raw == expected(arm)
    assert open_archive(f"{archive}:@0").document.raw == expected(amd)
    assert open_archive(f"{archive}:@1").document.raw == expected(arm)
    with pytest.raises(SourceError) as err:
        open_archive(archive)
    text = one_line(err)
    assert "Unexpected tar manifest.json: expected 1 item, got 2" in text
    assert "example.com/app:1-amd64" in text


def test_untagged_image_by_index_only(tmp_path):
    image = saved_image("linux/amd64", "untagged")
    archive = docker_save_classic(tmp_path / "u.tar", [image])
    assert open_archive(archive).document.raw == expected(image)
    with pytest.raises(SourceError, match="no image in it is tagged"):
        open_archive(f"{archive}:untagged")


def test_through_open_reference(tmp_path, busybox):
    archive = docker_save_classic(tmp_path / "bb.tar", [busybox])
    assert open_reference(f"docker-archive:{archive}").document.raw == expected(busybox)
    assert open_reference(f"docker-archive:{archive}:busybox:1.36").document.raw == \
        expected(busybox)


# --- the Docker 25+ shape: an OCI layout beside manifest.json


def test_docker25_shape_gives_the_same_manifest_as_the_classic_one(tmp_path, busybox):
    classic = open_archive(docker_save_classic(tmp_path / "old.tar", [busybox]))
    archive, _ = docker_save_oci(tmp_path / "new.tar", [busybox])
    new = open_archive(archive)
    assert new.document.raw == classic.document.raw == expected(busybox)
    assert open_archive(f"{archive}:busybox:1.36").document.digest == classic.document.digest


def test_docker25_shape_read_as_oci_archive_is_the_real_manifest(tmp_path, busybox):
    archive, store = docker_save_oci(tmp_path / "new.tar", [busybox])
    opened = open_oci_archive(f"{archive}:1.36")
    assert isinstance(opened.document, Manifest)
    assert opened.document.media_type == mt.OCI_MANIFEST
    assert opened.document.digest in store.blobs
    assert opened.fetch(opened.document.config) == busybox.config


def test_containerd_store_shape_with_a_multi_platform_index(tmp_path):
    images = [saved_image("linux/amd64", "amd", tags=["multi:1"]),
              saved_image("linux/arm64/v8", "arm", tags=["multi:1"]),
              saved_image("linux/arm/v7", "armv7", tags=["multi:1"])]
    archive, store = docker_save_oci(tmp_path / "c8d.tar", images, index=True, chosen=1)
    # docker-archive: only the platform image manifest.json names; layers are gzipped, sizes
    # are the uncompressed ones (prepareLayerData decompresses to measure)
    synthesized = open_archive(archive)
    assert synthesized.document.raw == expected(images[1])
    gzipped = gzip.compress(images[1].layers[0], mtime=0)
    assert sha256(gzipped) in store.blobs and len(gzipped) != len(images[1].layers[0])
    # oci-archive: the whole index; containerd picks per host
    opened = open_oci_archive(f"{archive}:1")
    assert isinstance(opened.document, Index)
    engine = get_engine("containerd@1.6")
    for host, image in (("linux/amd64", images[0]), ("linux/arm/v7", images[2])):
        sel = engine.select(opened.document, parse_platform(host), fetch=opened.fetch)
        leaf = parse_document(opened.fetch(next(d for d in opened.document.manifests
                                                if d.digest == sel.digest)))
        assert isinstance(leaf, Manifest)
        assert store.blobs[leaf.config.digest] == image.config


@pytest.mark.parametrize("compression", ["bzip2", "xz"])
def test_other_layer_compressions_are_measured_uncompressed(tmp_path, busybox, compression):
    import bz2
    import lzma

    pack = bz2.compress if compression == "bzip2" else lzma.compress
    members = [Member("cfg.json", busybox.config)]
    names = []
    for i, layer in enumerate(busybox.layers):
        names.append(f"layer{i}.tar.z")
        members.append(Member(names[-1], pack(layer)))
    members.append(Member("manifest.json", compact([{"Config": "cfg.json", "RepoTags": None,
                                                     "Layers": names}])))
    opened = open_archive(write_tar(tmp_path / "z.tar", members))
    assert opened.document.raw == expected(busybox)


# --- refusals, one line each


def test_missing_file(tmp_path):
    with pytest.raises(SourceError) as err:
        open_archive(tmp_path / "none.tar")
    assert one_line(err) == f"docker-archive:{tmp_path / 'none.tar'}: no such file"


def test_not_a_tar(tmp_path):
    path = tmp_path / "x.tar"
    path.write_text("[]")
    with pytest.raises(DocumentError) as err:
        open_archive(path)
    assert "not a readable tar archive" in one_line(err)


def test_truncated(tmp_path, busybox):
    data = docker_save_classic(tmp_path / "bb.tar", [busybox]).read_bytes()
    short = tmp_path / "short.tar"
    short.write_bytes(data[:len(data.rstrip(b"\0")) // 2])
    with pytest.raises(DocumentError) as err:
        open_archive(short)
    assert "tar archive" in one_line(err)


def test_path_traversal(tmp_path, busybox):
    archive = docker_save_classic(tmp_path / "bb.tar", [busybox])
    evil = write_tar(tmp_path / "evil.tar", [Member("../../x", b"1")])
    # an archive holding a breakout member is refused whole
    with pytest.raises(DocumentError) as err:
        open_archive(evil)
    assert "outside of the archive" in one_line(err)
    assert open_archive(archive).document.raw == expected(busybox)


def test_a_layer_path_leaving_the_archive(tmp_path, busybox):
    members = [Member("cfg.json", busybox.config), Member("l.tar", busybox.layers[0]),
               Member("manifest.json", compact([{"Config": "cfg.json",
                                                 "Layers": ["l.tar", "../../etc/passwd"]}]))]
    with pytest.raises(SourceError) as err:
        open_archive(write_tar(tmp_path / "x.tar", members))
    assert "Some layer tarfiles are missing in the tarball" in one_line(err)


def test_oci_layout_without_manifest_json(tmp_path, busybox):
    archive, _ = docker_save_oci(tmp_path / "new.tar", [busybox])
    members = []
    with tarfile.open(archive) as tf:
        for info in tf.getmembers():
            if info.isfile() and info.name != "manifest.json":
                handle = tf.extractfile(info)
                assert handle is not None
                members.append(Member(info.name, handle.read()))
    stripped = write_tar(tmp_path / "oci-only.tar", members)
    with pytest.raises(SourceError) as err:
        open_archive(stripped)
    assert f"read it as oci-archive:{stripped}" in one_line(err)


def test_pre_1_10_archive(tmp_path):
    archive = write_tar(tmp_path / "old.tar", [Member("repositories", b'{"a":{"b":"c"}}'),
                                               Member("c/json", b"{}")])
    with pytest.raises(SourceError, match=r"pre-1\.10 docker save archive"):
        open_archive(archive)


def test_not_a_docker_save(tmp_path):
    archive = write_tar(tmp_path / "x.tar", [Member("hello.txt", b"hi")])
    with pytest.raises(SourceError, match=r"no manifest\.json: not a docker save archive"):
        open_archive(archive)


def _archive(tmp_path: Path, config: bytes, manifest: object, layers: dict[str, bytes],
             config_name: str = "") -> Path:
    name = config_name or sha256(config)[7:] + ".json"
    members = [Member(name, config), *(Member(k, v) for k, v in layers.items()),
               Member("manifest.json", compact(manifest))]
    return write_tar(tmp_path / "a.tar", members)


def test_config_digest_mismatch(tmp_path, busybox):
    name = "0" * 64 + ".json"
    archive = _archive(tmp_path, busybox.config,
                       [{"Config": name, "Layers": ["l0", "l1"]}],
                       {"l0": busybox.layers[0], "l1": busybox.layers[1]}, name)
    with pytest.raises(DocumentError) as err:
        open_archive(archive)
    assert f"digest mismatch: its name says sha256:{'0' * 64}" in one_line(err)


def test_missing_config(tmp_path, busybox):
    archive = _archive(tmp_path, busybox.config, [{"Config": "nope.json", "Layers": []}], {})
    with pytest.raises(SourceError, match=r"loading tar component 'nope\.json'"):
        open_archive(archive)


def test_missing_layer(tmp_path, busybox):
    archive = _archive(tmp_path, busybox.config,
                       [{"Config": sha256(busybox.config)[7:] + ".json", "Layers": ["l0", "l1"]}],
                       {"l0": busybox.layers[0]})
    with pytest.raises(SourceError) as err:
        open_archive(archive)
    assert "Some layer tarfiles are missing in the tarball: 'l1'" in one_line(err)


def test_inconsistent_layer_count(tmp_path, busybox):
    archive = _archive(tmp_path, busybox.config,
                       [{"Config": sha256(busybox.config)[7:] + ".json", "Layers": ["l0"]}],
                       {"l0": busybox.layers[0]})
    with pytest.raises(DocumentError) as err:
        open_archive(archive)
    assert "Inconsistent layer count: 1 in manifest, 2 in config" in one_line(err)


def test_one_file_for_two_diff_ids(tmp_path, busybox):
    archive = _archive(tmp_path, busybox.config,
                       [{"Config": sha256(busybox.config)[7:] + ".json", "Layers": ["l0", "l0"]}],
                       {"l0": busybox.layers[0]})
    with pytest.raises(DocumentError, match="used for two different DiffID values"):
        open_archive(archive)


@pytest.mark.parametrize(("config", "text"), [
    (b'{"architecture":"amd64","os":"linux"}', "Invalid image config (rootFS is not set)"),
    (b"[]", "not an object"),
    (b"{", "decoding tar config"),
    (b'{"rootfs":{"diff_ids":["nope"]}}', "diff_ids: invalid digest 'nope'"),
])
def test_bad_config(tmp_path, config, text):
    archive = _archive(tmp_path, config, [{"Config": sha256(config)[7:] + ".json"}], {})
    with pytest.raises(DocumentError) as err:
        open_archive(archive)
    assert text in one_line(err)


def test_go_matches_config_fields_without_case(tmp_path):
    config = b'{"RootFS":{"Diff_IDs":[]},"architecture":"amd64","os":"linux"}'
    archive = _archive(tmp_path, config, [{"config": sha256(config)[7:] + ".json"}], {})
    assert open_archive(archive).document.raw == expected_docker_manifest(config, [])


@pytest.mark.parametrize("manifest", [b"{", b"{}", b'[{"Config": 3}]', b'[{"RepoTags": "a"}]'])
def test_bad_manifest_json(tmp_path, manifest):
    archive = write_tar(tmp_path / "m.tar", [Member("manifest.json", manifest)])
    with pytest.raises(DocumentError) as err:
        open_archive(archive)
    assert "decoding tar manifest.json" in one_line(err)


def test_oversized_config(tmp_path):
    config = b'{"rootfs":{},"pad":"' + b"x" * MAX_CONFIG + b'"}'
    archive = _archive(tmp_path, config, [{"Config": sha256(config)[7:] + ".json"}], {})
    with pytest.raises(DocumentError) as err:
        open_archive(archive)
    assert f"larger than {MAX_CONFIG} bytes, refused" in one_line(err)


@pytest.mark.parametrize(("ref", "text"), [
    (":busybox@sha256:" + "a" * 64, "reference does not include a tag"),
    (":busybox:1@sha256:" + "a" * 64, "docker-archive doesn't support digest references"),
    (":Busybox", "must be lowercase"),
    (":@-1", "Invalid source index @-1: must not be negative"),
    (":@one", 'Invalid source index @one: strconv.Atoi: parsing "one": invalid syntax'),
    (":Foo/bar:1", "docker-archive parsing reference: invalid reference format: repository "
                   "name must be lowercase"),
    (":" + "a" * 64, "cannot specify 64-byte hexadecimal strings"),
])
def test_bad_refs(tmp_path, busybox, ref, text):
    archive = docker_save_classic(tmp_path / "bb.tar", [busybox])
    with pytest.raises(InvalidReference) as err:
        open_archive(f"{archive}{ref}")
    assert text in one_line(err)


def test_unknown_tag(tmp_path, busybox):
    archive = docker_save_classic(tmp_path / "bb.tar", [busybox])
    with pytest.raises(SourceError) as err:
        open_archive(f"{archive}:busybox:1.37")
    assert one_line(err).endswith('Tag "docker.io/library/busybox:1.37" not found '
                                  "(tags: busybox:1.36)")
    with pytest.raises(SourceError, match="only 1 manifest items available"):
        open_archive(f"{archive}:@1")


def test_layers_are_not_served(tmp_path, busybox):
    opened = open_archive(docker_save_classic(tmp_path / "bb.tar", [busybox]))
    assert isinstance(opened.document, Manifest)
    with pytest.raises(SourceError, match="is a layer; pullsim reads no layers"):
        opened.fetch(opened.document.layers[0])
    assert opened.fetch(opened.document.config) == busybox.config


# --- skopeo, when installed, synthesizes the same bytes


@pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed")
@pytest.mark.parametrize("shape", ["real", "classic", "docker25", "containerd-store"])
def test_skopeo_synthesizes_the_same_manifest(tmp_path, shape):
    """(A gzipped archive is left out: skopeo 1.9.3, containers/image 5.23.1, fails on any,
    upstream's own fixture included, with "loading tar component manifest.json: unexpected
    EOF"; current containers/image decompresses it, as pullsim does.)"""
    image = saved_image("linux/arm64/v8", "sk", tags=["sk:1"], layers=3, repeat_first=True)
    if shape == "real":
        archive = almostempty(tmp_path / "a.tar")
    elif shape == "classic":
        archive = docker_save_classic(tmp_path / "a.tar", [image])
    else:
        archive, _ = docker_save_oci(tmp_path / "a.tar", [image],
                                     index=shape == "containerd-store")
    raw = subprocess.run(["skopeo", "inspect", "--raw", f"docker-archive:{archive}"],
                         check=True, capture_output=True, timeout=60).stdout
    assert open_archive(archive).document.raw == raw


@pytest.mark.parametrize("opener", [open_archive, open_oci_archive])
def test_an_empty_path_is_refused_before_any_file_is_read(opener):
    with pytest.raises(InvalidReference, match="needs a path before the ':'"):
        opener(":busybox")
