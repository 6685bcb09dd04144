"""containerd's pull choice over whole documents (images.Manifest / LimitManifests).

Expected results are those measured with the real containerd 1.6.20 here
(../shared/reference/oracle.md, "ctr-pull" column) and read from containerd
``images/image.go`` (v1.6.20 … v2.3.x).
"""

from __future__ import annotations

import pytest

import resolver
from resolver import mediatypes as mt
from resolver.platform import Platform
from tests.docs import Store, entry, plat

AMD64 = Platform("linux", "amd64")
CTD16 = resolver.get_engine("containerd@1.6")
CTD = resolver.get_engine("containerd")


def pick(engine, doc, store, request=None, host=AMD64):
    platform = engine.parse_platform(request, host) if request else None
    return engine.select(doc, host, platform=platform, fetch=store.fetch)


def labels(store: Store, entries):
    return {e["digest"]: label for label, e in entries.items()}


DEMO = ["linux/amd64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8", "linux/386"]


@pytest.fixture(params=[True, False], ids=["oci", "docker"])
def demo(request):
    store = Store()
    entries = {s: entry(store, s, s) for s in DEMO}
    return store, store.index(list(entries.values()), oci=request.param), labels(store, entries)


# oracle.md, Index [amd64, arm/v6, arm/v7, arm64/v8, 386], column ctr-pull
@pytest.mark.parametrize(("request_", "expected"), [
    ("linux/arm/v8", "linux/arm/v7"),
    ("linux/arm/v7", "linux/arm/v7"),
    ("linux/arm/v6", "linux/arm/v6"),
    ("linux/arm64", "linux/arm64/v8"),
    ("linux/arm64/v8", "linux/arm64/v8"),
    ("linux/amd64", "linux/amd64"),
    ("linux/386", "linux/386"),
    ("linux/amd64/v3", "linux/amd64"),
])
def test_demo_matrix(demo, request_, expected):
    store, doc, names = demo
    sel = pick(CTD16, doc, store, request_)
    assert sel.outcome == "selected"
    assert names[sel.digest] == expected
    assert sel.path == (doc.digest, sel.digest)


# oracle.md, Index with ONLY [arm/v5, amd64]: containerd falls back arm64 -> arm/v5
@pytest.mark.parametrize(("request_", "expected"), [
    ("linux/arm/v8", "linux/arm/v5"), ("linux/arm/v7", "linux/arm/v5"),
    ("linux/arm/v6", "linux/arm/v5"), ("linux/arm64", "linux/arm/v5"),
    ("linux/arm64/v8", "linux/arm/v5"), ("linux/amd64", "linux/amd64"),
    ("linux/386", None), ("linux/amd64/v3", "linux/amd64"),
])
def test_armv5_matrix(request_, expected):
    store = Store()
    entries = {s: entry(store, s, s) for s in ["linux/arm/v5", "linux/amd64"]}
    doc = store.index(list(entries.values()))
    sel = pick(CTD16, doc, store, request_)
    if expected is None:
        assert sel.outcome == "no-match"
        assert sel.message == f"no match for platform in manifest {doc.digest}: not found"
        assert sel.digest is None
    else:
        assert labels(store, entries)[sel.digest] == expected


# oracle.md, Index [linux/arm (no variant), arm/v6, arm64 (no variant), amd64/v2], ctr-pull
@pytest.mark.parametrize(("request_", "expected"), [
    ("linux/arm", "arm"), ("linux/arm/v7", "arm"), ("linux/arm/v6", "arm/v6"),
    ("linux/arm/v5", None), ("linux/arm64/v8", "arm64"), ("linux/amd64", None),
    ("linux/amd64/v3", "amd64/v2"),
])
def test_variantless_matrix(request_, expected):
    store = Store()
    entries = {
        "arm": entry(store, "arm", "linux/arm"), "arm/v6": entry(store, "v6", "linux/arm/v6"),
        "arm64": entry(store, "arm64", "linux/arm64"),
        "amd64/v2": entry(store, "v2", "linux/amd64/v2"),
    }
    doc = store.index(list(entries.values()))
    sel = pick(CTD16, doc, store, request_)
    if expected is None:
        assert sel.outcome == "no-match"
    else:
        assert labels(store, entries)[sel.digest] == expected


def test_duplicates_keep_list_order():
    store = Store()
    a = entry(store, "a", "linux/arm/v7")
    b = entry(store, "b", "linux/arm/v7")
    doc = store.index([entry(store, "x", "linux/amd64"), a, b])
    assert pick(CTD16, doc, store, "linux/arm/v7").digest == a["digest"]


def test_preference_beats_list_order():
    store = Store()
    v6 = entry(store, "v6", "linux/arm/v6")
    v7 = entry(store, "v7", "linux/arm/v7")
    doc = store.index([v6, v7])
    sel = pick(CTD16, doc, store, "linux/arm/v8")
    assert sel.digest == v7["digest"]


def test_attestations_are_never_platforms():
    store = Store()
    image = entry(store, "amd64", "linux/amd64")
    attestation = store.image("att", {}, layer_type=mt.IN_TOTO)
    attestation["platform"] = {"os": "unknown", "architecture": "unknown"}
    attestation["annotations"] = {mt.REFERENCE_TYPE: mt.ATTESTATION_MANIFEST,
                                  mt.REFERENCE_DIGEST: image["digest"]}
    doc = store.index([attestation, image])
    assert pick(CTD16, doc, store).digest == image["digest"]
    assert pick(CTD16, doc, store, "linux/arm64").outcome == "no-match"
    # asked for unknown/unknown, containerd does choose the attestation (oracle.md)
    assert pick(CTD16, doc, store, "unknown/unknown").digest == attestation["digest"]


class TestNoPlatform:
    """An entry without a platform sorts last and is judged by its config's os/arch."""

    def test_sorted_after_matching_entries(self):
        store = Store()
        bare = entry(store, "bare", None)
        real = entry(store, "real", "linux/amd64")
        doc = store.index([bare, real])
        assert pick(CTD16, doc, store, "linux/amd64").digest == real["digest"]

    def test_taken_when_its_config_matches(self):
        store = Store()
        bare = store.image("bare", {"os": "linux", "architecture": "arm64"})
        doc = store.index([entry(store, "x", "linux/amd64"), bare])
        assert pick(CTD16, doc, store, "linux/arm64").digest == bare["digest"]

    def test_config_variant_is_ignored(self):
        # oracle.md: a config saying linux/arm/v6 counts as arm/v7
        store = Store()
        bare = store.image("bare", {"os": "linux", "architecture": "arm", "variant": "v6"})
        doc = store.index([bare])
        assert pick(CTD16, doc, store, "linux/arm/v7").digest == bare["digest"]
        assert pick(CTD16, doc, store, "linux/arm64").digest == bare["digest"]
        assert pick(CTD16, doc, store, "linux/arm/v6").outcome == "no-match"

    def test_config_aliases_and_missing_os(self):
        store = Store()
        for config, request in [({"architecture": "amd64"}, "linux/amd64"),
                                ({"os": "Linux", "architecture": "x86_64"}, "linux/amd64"),
                                ({"os": "linux", "architecture": "i386"}, "linux/386"),
                                ({"os": "linux", "architecture": "armhf"}, "linux/arm/v7")]:
            bare = store.image(str(config), config)
            doc = store.index([bare])
            assert pick(CTD16, doc, store, request).digest == bare["digest"], config

    def test_no_second_chance(self):
        # only the first candidate is looked at: a mismatching first bare entry hides the next
        store = Store()
        first = store.image("first", {"os": "linux", "architecture": "s390x"})
        second = store.image("second", {"os": "linux", "architecture": "amd64"})
        doc = store.index([first, second])
        sel = pick(CTD16, doc, store, "linux/amd64")
        assert sel.outcome == "no-match"
        assert sel.message == f"no match for platform in manifest {doc.digest}: not found"

    def test_without_fetch_warns(self):
        store = Store()
        bare = store.image("bare", {"os": "linux", "architecture": "s390x"})
        doc = store.index([bare])
        sel = CTD16.select(doc, AMD64, platform=resolver.parse_platform("linux/amd64"))
        assert sel.outcome == "selected"
        assert any("config" in w for w in sel.warnings)


class TestNested:
    def test_followed_to_the_leaf(self):
        store = Store()
        leaf = entry(store, "s390x", "linux/s390x")
        child = store.index([entry(store, "x", "linux/amd64"), leaf])
        doc = store.index([entry(store, "amd64", "linux/amd64"), store.index_entry(child)])
        sel = pick(CTD16, doc, store, "linux/s390x")
        assert sel.outcome == "selected"
        assert sel.digest == leaf["digest"]
        assert sel.path == (doc.digest, child.digest, leaf["digest"])

    def test_two_levels(self):
        store = Store()
        leaf = entry(store, "ppc", "linux/ppc64le")
        inner = store.index([leaf])
        middle = store.index([store.index_entry(inner)])
        doc = store.index([store.index_entry(middle)], oci=False)
        assert pick(CTD16, doc, store, "linux/ppc64le").path == (
            doc.digest, middle.digest, inner.digest, leaf["digest"])

    def test_winning_nested_index_without_match_is_no_match_with_top_digest(self):
        store = Store()
        child = store.index([entry(store, "arm", "linux/arm64")])
        later = entry(store, "amd64", "linux/amd64")
        # the nested entry carries a platform that matches, so it sorts first
        doc = store.index([store.index_entry(child, plat("linux/amd64")), later])
        sel = pick(CTD16, doc, store, "linux/amd64")
        assert sel.outcome == "no-match"
        assert sel.message == f"no match for platform in manifest {doc.digest}: not found"


def test_unknown_media_type_fails_after_choosing():
    store = Store()
    odd = entry(store, "odd", "linux/amd64")
    odd["mediaType"] = "application/vnd.example.thing+json"
    doc = store.index([odd])
    sel = pick(CTD16, doc, store, "linux/amd64")
    assert sel.outcome == "failed"
    assert sel.digest == odd["digest"]
    assert sel.message == (f"unexpected media type application/vnd.example.thing+json for "
                           f"{odd['digest']}: not found")


def test_single_manifest_is_pulled_as_it_is():
    store = Store()
    desc = store.image("single", {"os": "linux", "architecture": "amd64"})
    doc = resolver.parse_document(store.blobs[desc["digest"]])
    sel = pick(CTD16, doc, store, "linux/arm64")
    assert sel.outcome == "single-manifest"
    assert sel.digest == doc.digest
    assert sel.warnings == ()


class TestHostDefault:
    """Without --platform, the pull matches with Default() of the host."""

    def test_amd64_level_is_not_detected(self):
        # containerd.md 3.4: DefaultSpec on amd64 has no variant, a v3-only index is no match
        store = Store()
        doc = store.index([entry(store, "v3", "linux/amd64/v3")])
        host = Platform("linux", "amd64", "v3")
        assert CTD16.detected_platform(host) == Platform("linux", "amd64")
        assert pick(CTD16, doc, store, host=host).outcome == "no-match"

    def test_arm64_falls_back_to_32bit_arm(self):
        store = Store()
        v7 = entry(store, "v7", "linux/arm/v7")
        doc = store.index([entry(store, "x", "linux/amd64"), v7])
        host = Platform("linux", "arm64", "v8")
        assert pick(CTD, doc, store, host=host).digest == v7["digest"]

    def test_32bit_engine_on_64bit_kernel_never_picks_arm64(self):
        store = Store()
        v7 = entry(store, "v7", "linux/arm/v7")
        doc = store.index([entry(store, "a64", "linux/arm64/v8"), v7])
        host = Platform("linux", "arm", "v8")
        assert CTD16.detected_platform(host) == host
        assert pick(CTD16, doc, store, host=host).digest == v7["digest"]

    def test_pi_zero_rejects_variantless_arm(self):
        store = Store()
        doc = store.index([entry(store, "arm", "linux/arm")])
        assert pick(CTD16, doc, store, host=Platform("linux", "arm", "v6")).outcome == "no-match"

    def test_amd64_falls_back_to_386(self):
        store = Store()
        i386 = entry(store, "386", "linux/386")
        doc = store.index([i386])
        assert pick(CTD16, doc, store).digest == i386["digest"]

    def test_darwin_default_is_ordered_without_fallback(self):
        store = Store()
        doc = store.index([entry(store, "v7", "linux/arm/v7")])
        host = Platform("darwin", "arm64")
        assert pick(CTD, doc, store, host=host).outcome == "no-match"
        arm64 = entry(store, "a64", "linux/arm64")
        doc2 = store.index([arm64])
        assert pick(CTD, doc2, store, host=host).digest == arm64["digest"]


class TestWindows:
    BUILDS = ("10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2033")

    def index(self, store):
        entries = {b: entry(store, b, "windows/amd64", platform={
            "os": "windows", "architecture": "amd64", "os.version": b}) for b in self.BUILDS}
        linux = entry(store, "linux", "linux/amd64")
        return store.index([linux, *entries.values()]), {e["digest"]: b
                                                         for b, e in entries.items()}

    @pytest.mark.parametrize(("engine", "host_build", "expected"), [
        ("containerd@1.6", "10.0.17763", "10.0.17763.6414"),
        ("containerd@1.6", "10.0.20348", "10.0.20348.2762"),
        ("containerd@1.6", "10.0.26100", "10.0.20348.2762"),  # hcsshim window; UBR 2762 > 2033
        ("containerd@2.2", "10.0.26100", "10.0.26100.2033"),  # rc.2: larger os.version first
        ("containerd@2.2", "10.0.26200", "10.0.26100.2033"),
        ("containerd@2.0", "10.0.20348", "10.0.20348.2762"),
        ("containerd@1.6.10", "10.0.20348", "10.0.20348.2762"),  # prefix rule
    ])
    def test_host_build_picks(self, engine, host_build, expected):
        store = Store()
        doc, names = self.index(store)
        host = Platform("windows", "amd64", "", host_build)
        sel = pick(resolver.get_engine(engine), doc, store, host=host)
        assert sel.outcome == "selected"
        assert names[sel.digest] == expected

    def test_windows10_client_has_no_match_for_server_builds(self):
        store = Store()
        doc, _ = self.index(store)
        host = Platform("windows", "amd64", "", "10.0.19045")
        assert pick(CTD, doc, store, host=host).outcome == "no-match"

    def test_explicit_windows_request_on_new_containerd_takes_list_order(self):
        # containerd.md 5.3: an explicit windows/amd64 has no os.version: every build matches
        store = Store()
        doc, names = self.index(store)
        sel = pick(CTD, doc, store, "windows/amd64")
        assert names[sel.digest] == "10.0.17763.6414"


# --- unpacking the chosen image --------------------------------------------------------------
# Measured with ctr 1.6.20 here (tests/oracle/published.py measured_unpack_cases, checked by the
# differential test): the unpack fails on the first layer whose media type
# images.DiffCompression refuses (containerd v1.6.20 images/mediatypes.go, diff/stream.go,
# diff/apply/apply.go), and the error names that layer's diff_id from the config
# (rootfs/apply.go), not its digest.

OCI_TAR = "application/vnd.oci.image.layer.v1.tar"


@pytest.mark.parametrize(("media_type", "unpackable"), [
    (OCI_TAR, True),
    (f"{OCI_TAR}+gzip", True),
    (f"{OCI_TAR}+zstd", True),
    (f"{OCI_TAR}+foo", True),  # an unknown suffix: read as a plain tar
    ("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", True),
    ("application/vnd.docker.image.rootfs.diff.tar", True),  # compression sniffed
    ("application/vnd.docker.image.rootfs.diff.tar.gzip", True),
    ("application/vnd.docker.image.rootfs.diff.tar.gzip+foo", True),  # "wrapped"
    ("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", True),
    ("application/vnd.docker.image.rootfs.diff.tar.zstd", False),  # 2.0 adds it
    (mt.IN_TOTO, False),
    ("application/octet-stream", False),
    (f"{OCI_TAR};x=y", False),  # parameters are not stripped
    ("", False),
    ("application/vnd.oci.image.layer.v1.foo", False),
])
def test_layer_media_types_containerd_16_unpacks(media_type, unpackable):
    from packaging.version import Version

    from resolver.engines.containerd import layer_unpackable
    assert layer_unpackable(media_type, Version("1.6.20")) is unpackable


def test_docker_zstd_layers_unpack_from_containerd_2_0():
    from packaging.version import Version

    from resolver.engines.containerd import layer_unpackable
    zstd = "application/vnd.docker.image.rootfs.diff.tar.zstd"
    assert not layer_unpackable(zstd, Version("1.7.30"))
    assert layer_unpackable(zstd, Version("2.0.0"))
    store = Store()
    child = _layered(store, "z", {"os": "linux", "architecture": "amd64"}, [(zstd, "z")],
                     [DIFF_A])
    doc = store.index([child])
    assert pick(resolver.get_engine("containerd@1.7"), doc, store, "linux/amd64").outcome == (
        "failed")
    assert pick(resolver.get_engine("containerd@2.0"), doc, store, "linux/amd64").outcome == (
        "selected")


def _layered(store: Store, label: str, platform: dict[str, str] | None,
             layers: list[tuple[str, str]], diff_ids: list[str]) -> dict[str, object]:
    """An index entry for a child with these (media type, body) layers and config diff_ids."""
    import json

    blobs = [store.put(body.encode()) for _, body in layers]
    config: dict[str, object] = dict(platform or {"os": "linux", "architecture": "amd64"})
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    desc = store.image(label, config)
    manifest = json.loads(store.blobs[desc["digest"]])
    manifest["layers"] = [{"mediaType": media, "digest": d, "size": n}
                          for (media, _), (d, n) in zip(layers, blobs, strict=True)]
    digest, size = store.put(json.dumps(manifest, separators=(",", ":")).encode())
    out: dict[str, object] = {"mediaType": desc["mediaType"], "digest": digest, "size": size}
    if platform is not None:
        out["platform"] = platform
    return out


DIFF_A = "sha256:" + "a" * 64
DIFF_B = "sha256:" + "b" * 64
UNKNOWN = {"os": "unknown", "architecture": "unknown"}


def _in_toto_error(diff_id: str, media_type: str = mt.IN_TOTO) -> str:
    return (f"failed to extract layer {diff_id}: failed to get stream processor for "
            f"{media_type}: no processor for media-type: unknown")


class TestUnpack:
    def attestation_index(self, store: Store):
        image = entry(store, "amd64", "linux/amd64")
        att = _layered(store, "att", UNKNOWN, [(mt.IN_TOTO, "{}")], [DIFF_A])
        return store.index([image, att]), image, att

    def test_attestation_fails_naming_the_configs_diff_id(self):
        store = Store()
        doc, _, att = self.attestation_index(store)
        sel = pick(CTD16, doc, store, "unknown/unknown")
        assert (sel.outcome, sel.digest) == ("failed", att["digest"])
        assert sel.message == _in_toto_error(DIFF_A)  # not the layer digest
        assert sel.path == (doc.digest, att["digest"])

    def test_without_fetch_selected_with_a_warning(self):
        store = Store()
        doc, _, att = self.attestation_index(store)
        sel = CTD16.select(doc, AMD64, platform=CTD16.parse_platform("unknown/unknown"))
        assert (sel.outcome, sel.digest) == ("selected", att["digest"])
        assert any("layers" in w and "not checked" in w for w in sel.warnings)

    def test_images_of_the_same_index_still_pull(self):
        store = Store()
        doc, image, _ = self.attestation_index(store)
        sel = pick(CTD16, doc, store, "linux/amd64")
        assert (sel.outcome, sel.digest, sel.warnings) == ("selected", image["digest"], ())

    @pytest.mark.parametrize(("media_type", "fails"), [
        ("application/octet-stream", True),
        (f"{OCI_TAR};x=y", True),
        (f"{OCI_TAR}+foo", False),
        ("application/vnd.docker.image.rootfs.diff.tar", False),
    ])
    def test_layer_media_type_table(self, media_type, fails):
        store = Store()
        child = _layered(store, "x", {"os": "linux", "architecture": "s390x"},
                         [(media_type, "layer")], [DIFF_A])
        doc = store.index([child])
        sel = pick(CTD16, doc, store, "linux/s390x")
        if fails:
            assert (sel.outcome, sel.message) == ("failed", _in_toto_error(DIFF_A, media_type))
        else:
            assert sel.outcome == "selected"
        assert sel.digest == child["digest"]

    def test_first_refused_layer_is_named(self):
        store = Store()
        child = _layered(store, "two", {"os": "linux", "architecture": "arm64"},
                         [(f"{OCI_TAR}+gzip", "one"), (mt.IN_TOTO, "two")], [DIFF_A, DIFF_B])
        sel = pick(CTD16, store.index([child]), store, "linux/arm64")
        assert (sel.outcome, sel.message) == ("failed", _in_toto_error(DIFF_B))

    def test_inside_a_nested_index(self):
        store = Store()
        leaf = _layered(store, "leaf", UNKNOWN, [(mt.IN_TOTO, "{}")], [DIFF_A])
        nested = store.index([leaf])
        doc = store.index([store.index_entry(nested, UNKNOWN)])
        sel = pick(CTD16, doc, store, "unknown/unknown")
        assert (sel.outcome, sel.digest, sel.message) == ("failed", leaf["digest"],
                                                         _in_toto_error(DIFF_A))

    def test_entry_without_platform(self):
        store = Store()
        child = _layered(store, "np", None, [(mt.IN_TOTO, "{}")], [DIFF_A])
        sel = pick(CTD16, store.index([child]), store, "linux/amd64")
        assert (sel.outcome, sel.message) == ("failed", _in_toto_error(DIFF_A))

    def test_single_manifest(self):
        store = Store()
        child = _layered(store, "single", None, [(mt.IN_TOTO, "{}")], [DIFF_A])
        doc = resolver.parse_document(store.blobs[str(child["digest"])])
        sel = pick(CTD16, doc, store, "linux/arm64")
        assert (sel.outcome, sel.digest, sel.message) == ("failed", doc.digest,
                                                         _in_toto_error(DIFF_A))

    def test_config_without_that_diff_id_is_not_guessed(self):
        store = Store()
        child = _layered(store, "short", UNKNOWN, [(mt.IN_TOTO, "{}")], [])
        sel = pick(CTD16, store.index([child]), store, "unknown/unknown")
        assert sel.outcome == "selected"
        assert any("diff_ids" in w for w in sel.warnings)


def test_trace_names_what_a_windows_request_accepts():
    # rc.4 wraps windows matchers twice (win32k stripping, the Windows comparer): the trace must
    # still say which platforms Only() accepts
    store = Store()
    doc = store.index([entry(store, "w", "windows/amd64")])
    host = Platform("windows", "amd64", "", "10.0.20348")
    sel = pick(CTD, doc, store, "windows(10.0.20348)/amd64", host=host)
    assert any(s.text == "Only(windows(10.0.20348)/amd64) accepts, most preferred first: "
               "windows(10.0.20348)/amd64, windows(10.0.20348)/386" for s in sel.trace)
