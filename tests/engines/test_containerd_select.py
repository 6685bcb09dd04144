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
