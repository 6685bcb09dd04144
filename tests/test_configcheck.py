"""The config check: the chosen image's own platform against its index entry (pain point H)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from resolver import get_engine, parse_platform
from resolver import mediatypes as mt
from resolver.configcheck import ConfigCheck, check_config, compare_platforms
from resolver.lookup import Opened, open_reference
from resolver.model import Index, parse_config, parse_document
from resolver.platform import Platform
from resolver.reference import Reference
from resolver.selection import Selection
from tests.docs import Store, entry, plat
from tests.layouts import docker_save_classic, layout_entry, saved_image, write_layout

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ENGINE = get_engine("containerd@1.6")


def select(opened: Opened, host: str) -> Selection:
    return ENGINE.select(opened.document, parse_platform(host), fetch=opened.fetch)


def labelled(store: Store, label: str, listed: str, config: dict[str, Any]) -> dict[str, Any]:
    """An index entry listed as ``listed`` whose config says ``config``."""
    desc = store.image(label, config)
    desc["platform"] = plat(listed)
    return desc


def in_memory(store: Store, doc: Index) -> Opened:
    return Opened(Reference("file", "in-memory"), doc, store.fetch)


@pytest.fixture
def mislabeled() -> tuple[Store, Index]:
    """amd64 correct; the arm64 entry's config says amd64 (buildkit#5677's shape)."""
    store = Store()
    doc = store.index([entry(store, "amd64", "linux/amd64"),
                       labelled(store, "arm64", "linux/arm64",
                                {"os": "linux", "architecture": "amd64"})])
    assert isinstance(doc, Index)
    return store, doc


def test_mislabeled_image(mislabeled):
    store, doc = mislabeled
    opened = in_memory(store, doc)
    sel = select(opened, "linux/arm64/v8")
    check = check_config(sel, opened)
    assert check.mislabeled
    assert [(f.kind, f.text) for f in check.findings] == [
        ("architecture",
         "mislabeled image: the index says linux/arm64 but its config says linux/amd64")]
    assert check.manifest == sel.digest == doc.manifests[1].digest
    assert check.index_platform == Platform("linux", "arm64")
    assert check.config_platform == Platform("linux", "amd64")
    leaf = parse_document(store.blobs[doc.manifests[1].digest])
    assert check.config == leaf.config.digest  # type: ignore[union-attr]
    assert check.skipped == ""


def test_a_correct_entry_has_no_finding(mislabeled):
    store, doc = mislabeled
    opened = in_memory(store, doc)
    check = check_config(select(opened, "linux/amd64"), opened)
    assert check.findings == () and not check.mislabeled
    assert check.config_platform == Platform("linux", "amd64")


def test_the_result_is_immutable_and_serializable(mislabeled):
    store, doc = mislabeled
    opened = in_memory(store, doc)
    check = check_config(select(opened, "linux/arm64"), opened)
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.skipped = "x"  # type: ignore[misc]
    data = json.loads(json.dumps(check.to_json()))
    assert data["mislabeled"] is True
    assert data["index_platform"] == "linux/arm64"
    assert data["config_platform"] == "linux/amd64"
    assert data["findings"][0]["kind"] == "architecture"


def P(spec: str, **extra: str) -> Platform:
    parts = spec.split("/")
    return Platform(parts[0], parts[1], parts[2] if len(parts) > 2 else "",
                    extra.get("os_version", ""))


@pytest.mark.parametrize(("listed", "config", "kind"), [
    (P("linux/arm64"), P("linux/amd64"), "architecture"),
    (P("linux/amd64"), P("windows/amd64"), "os"),
    (P("linux/arm64"), P("linux/arm64/v8"), None),
    (P("linux/arm64/v8"), P("linux/arm64"), None),
    (P("linux/arm64/v8"), P("linux/aarch64"), None),
    (P("linux/amd64"), P("linux/x86_64"), None),
    (P("linux/amd64"), P("linux/amd64/v1"), None),
    (P("linux/386"), P("linux/i386"), None),
    (P("linux/arm/v6"), P("linux/arm"), None),  # classic Docker wrote no variant
    (P("linux/arm/v7"), P("linux/arm/v7"), None),
    (P("linux/arm/v6"), P("linux/arm/v7"), "variant"),
    (P("linux/arm"), P("linux/arm/v6"), "variant"),  # a bare arm entry is v7 to containerd
    (P("linux/amd64"), P("linux/amd64/v3"), "variant"),
    (P("linux/amd64"), P("linux/arm64/v8"), "architecture"),
    (P("windows/amd64", os_version="10.0.20348.3328"),
     P("windows/amd64", os_version="10.0.17763.7009"), "os.version"),
    (P("windows/amd64", os_version="10.0.20348.3328"), P("windows/amd64"), None),
    (P("linux/arm64"), Platform("linux", ""), "unstated"),
    (P("linux/arm64"), Platform("", "arm64"), "unstated"),
])
def test_what_counts_as_a_mismatch(listed, config, kind):
    findings = compare_platforms(listed, config)
    assert [f.kind for f in findings] == ([kind] if kind else [])


def test_windows_texts_show_os_version():
    (finding,) = compare_platforms(P("windows/amd64", os_version="10.0.20348.3328"),
                                   P("windows/amd64", os_version="10.0.17763.7009"))
    assert finding.text == ("mislabeled image: the index says windows(10.0.20348.3328)/amd64 "
                            "but its config says windows(10.0.17763.7009)/amd64")


def test_unstated_is_not_mislabeled():
    check = ConfigCheck(findings=compare_platforms(P("linux/arm64"), Platform("linux", "")))
    assert not check.mislabeled
    assert check.findings[0].text == ("its config states no architecture (the index says "
                                      "linux/arm64)")


@pytest.mark.parametrize(("listed", "kind"), [("linux/arm/v6", None), ("linux/arm/v7", None),
                                              ("linux/arm64/v8", "architecture")])
def test_real_classic_arm_config(listed, kind):
    """busybox's 2018 linux/arm config names no variant (fixtures/catalog.toml)."""
    real = parse_config((FIXTURES / "busybox-arm-2018.config.json").read_bytes())
    assert (real.architecture, real.variant) == ("arm", "")
    assert [f.kind for f in compare_platforms(parse_platform(listed), real)] == \
        ([kind] if kind else [])


def test_real_busybox_config_behind_a_layout_entry(tmp_path):
    """The real config served from an OCI layout, behind an arm64 entry: mislabeled."""
    store = Store()
    config = (FIXTURES / "busybox-arm-2018.config.json").read_bytes()
    cdigest, csize = store.put(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": mt.DOCKER_MANIFEST,
                           "config": {"mediaType": mt.DOCKER_CONFIG, "digest": cdigest,
                                      "size": csize}, "layers": []}).encode()
    mdigest, msize = store.put(manifest)
    doc = store.index([{"mediaType": mt.DOCKER_MANIFEST, "digest": mdigest, "size": msize,
                        "platform": plat("linux/arm64/v8")}], oci=False)
    root = write_layout(tmp_path / "img", store,
                        [layout_entry(store, doc.digest, mt.DOCKER_MANIFEST_LIST, "x")])
    opened = open_reference(f"oci:{root}:x")
    check = check_config(select(opened, "linux/arm64/v8"), opened)
    assert check.findings[0].text == ("mislabeled image: the index says linux/arm64/v8 but its "
                                      "config says linux/arm")


def test_single_manifest_reports_its_config_only():
    opened = open_reference(f"file:{FIXTURES / 'hello-world.linux-amd64.manifest.json'}")
    sel = select(opened, "linux/arm64")
    assert sel.outcome == "single-manifest"
    check = check_config(sel, opened)
    assert check.index_platform is None
    assert check.config_platform == Platform("linux", "amd64")
    assert check.config == "sha256:1b44b5a3e06a9aae883e7bf25e45c100be0bb81a0e01b32de604f3ac44711634"
    assert check.findings == ()


def test_entry_without_platform_reports_its_config():
    """oras-multi1: containerd judges the platform-less entry by its config (linux/amd64)."""
    opened = open_reference(f"file:{FIXTURES / 'oras-multi1-no-platform.json'}")
    sel = select(opened, "linux/amd64")
    assert sel.digest == "sha256:9d84a5716c66a1d1b9c13f8ed157ba7d1edfe7f9b8766728b8a1f25c0d9c14c1"
    check = check_config(sel, opened)
    assert (check.index_platform, check.config_platform) == (None, Platform("linux", "amd64"))
    assert check.findings == ()


def test_a_config_that_cannot_be_read_is_skipped_not_raised():
    """alpine 3.23.4: the arm64 manifest is a fixture, its config is not."""
    opened = open_reference(f"file:{FIXTURES / 'alpine-3.23.4.json'}")
    sel = select(opened, "linux/arm64/v8")
    check = check_config(sel, opened)
    assert check.config_platform is None and check.findings == ()
    assert check.skipped.startswith("cannot read its config sha256:2ffb2ff4")
    assert "\n" not in check.skipped


def test_a_manifest_that_cannot_be_read_is_skipped():
    opened = open_reference(f"file:{FIXTURES / 'golang-alpine.json'}")
    check = check_config(select(opened, "linux/amd64"), opened)
    assert check.skipped.startswith("cannot read the manifest sha256:")


def test_no_match_is_skipped(mislabeled):
    store, doc = mislabeled
    opened = in_memory(store, doc)
    check = check_config(select(opened, "linux/riscv64"), opened)
    assert check == ConfigCheck(skipped="nothing was chosen (no-match)")


def test_through_a_nested_index():
    """The nearest entry platform on the way down is the one compared."""
    store = Store()
    inner = store.index([labelled(store, "arm64", "linux/arm64",
                                  {"os": "linux", "architecture": "amd64"})])
    outer = store.index([store.index_entry(inner)])
    assert isinstance(outer, Index)
    opened = in_memory(store, outer)
    sel = select(opened, "linux/arm64")
    assert len(sel.path) == 3
    check = check_config(sel, opened)
    assert check.mislabeled and check.index_platform == Platform("linux", "arm64")


def test_config_that_is_not_an_image_config(tmp_path):
    store = Store()
    cdigest, csize = store.put(b"{}")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
                           "config": {"mediaType": mt.OCI_EMPTY, "digest": cdigest,
                                      "size": csize}, "layers": []}).encode()
    mdigest, msize = store.put(manifest)
    doc = store.index([{"mediaType": mt.OCI_MANIFEST, "digest": mdigest, "size": msize,
                        "platform": plat("linux/amd64")}])
    assert isinstance(doc, Index)
    opened = in_memory(store, doc)
    check = check_config(select(opened, "linux/amd64"), opened)
    assert check.skipped == f"its config is {mt.OCI_EMPTY}, not an image config"


def test_docker_archive_image(tmp_path):
    image = saved_image("linux/arm/v7", "armv7", tags=["a:1"])
    opened = open_reference(f"docker-archive:{docker_save_classic(tmp_path / 'a.tar', [image])}")
    check = check_config(select(opened, "linux/arm/v7"), opened)
    assert check.config_platform == Platform("linux", "arm", "v7")
    assert check.index_platform is None
