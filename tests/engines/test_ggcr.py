"""go-containerregistry (``crane pull``): the first entry whose os/arch match, variant and
os.version only when requested, an entry without a platform as linux/amd64, linux/amd64 when
nothing is requested; the no-match text per release.

Read in google/go-containerregistry pkg/v1/remote/index.go, options.go, descriptor.go,
pkg/v1/platform.go and cmd/crane/cmd/util.go at v0.5.0 … v0.21.9 and HEAD (2026-08).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver import mediatypes as mt
from resolver.engines import ggcr
from resolver.errors import PlatformError, UnknownEngine
from resolver.model import Descriptor, parse_document
from resolver.platform import Platform
from tests.docs import Store, entry, plat

CRANE = ggcr.make("crane", None)
CRANE08 = ggcr.make("crane", "0.8")
CRANE06 = ggcr.make("crane", "0.6")
ARM64 = Platform("linux", "arm64", "v8")
AMD64 = Platform("linux", "amd64")


def build(specs, *, oci=True):
    store = Store()
    entries, names = [], {}
    for i, spec in enumerate(specs):
        label = spec if spec is not None else f"no-platform-{i}"
        e = entry(store, label, spec)
        names[e["digest"]] = label
        entries.append(e)
    return store, store.index(entries, oci=oci), names


def pick(engine, doc, store=None, request=None, host=ARM64, reference=None):
    platform = engine.parse_platform(request, host) if request else None
    return engine.select(doc, host, platform=platform,
                         fetch=store.fetch if store is not None else None, reference=reference)


FULL = Platform("linux", "amd64", "armv6l", "10.0.10586", ("win32k",))


# pkg/v1/remote/index_test.go TestMatchesPlatform (HEAD), without the non-standard `features`
# field our Platform value does not carry: (given = the entry, required = the request, want).
@pytest.mark.parametrize(("given_", "required", "want"), [
    (FULL, FULL, True),
    (Platform("linux", "arm", "armv6l", "10.0.10586", ("win64k",)), FULL, False),  # arch
    (Platform("linux", "amd64", "armv6l", "10.0.10586"),
     Platform("linux", "amd64", "armv6l", "10.0.10587"), False),  # os.version given: equal
    (Platform("linux", "arm", "armv6l", "10.0.10586", ("win64k",)),
     Platform("linux", "arm", "armv6l", "10.0.10586", ("win32k",)), False),  # os.features subset
    (Platform("linux", "amd64", "armv6l"), Platform("linux", "amd64", "armv7l"), False),
    (Platform("linux", "arm", "armv6l"), Platform("LinuX", "arm", "armv6l"), False),  # case
    (Platform("linux", "arm", "armv6l", "10.0.10586", ("win64k",)),
     Platform("linux", "arm", "", "", ("win64k",)), True),  # variant, os.version not required
    (Platform("linux", "amd64"), Platform("linux", "amd64", "v3"), False),
    (Platform("linux", "amd64", "", "", ("a", "b")), Platform("linux", "amd64", "", "", ("b",)),
     True),
])
def test_matches_platform_upstream(given_, required, want):
    assert ggcr.matches_platform(given_, required) is want
    assert CRANE.matches(required, given_) is want


@pytest.mark.parametrize(("specs", "request_", "expected"), [
    # the first os/arch match wins: no preference for an exact variant
    (["linux/arm64", "linux/arm64/v8"], "linux/arm64", "linux/arm64"),
    (["linux/arm64/v8", "linux/arm64"], "linux/arm64", "linux/arm64/v8"),
    (["linux/arm64", "linux/arm64/v8"], "linux/arm64/v8", "linux/arm64/v8"),
    (["linux/arm/v6", "linux/arm/v7"], "linux/arm", "linux/arm/v6"),
    # a variant given must be equal: no ladder
    (["linux/arm", "linux/arm/v6", "linux/arm/v7"], "linux/arm/v7", "linux/arm/v7"),
    (["linux/arm/v7", "linux/arm/v6"], "linux/arm/v8", None),
    (["linux/arm"], "linux/arm/v7", None),
    # no cross-architecture fallback, no normalization
    (["linux/arm/v7"], "linux/arm64", None),
    (["linux/386"], "linux/amd64", None),
    (["linux/aarch64"], "linux/arm64", None),
    # an entry without a platform is linux/amd64 (and has no variant)
    ([None, "linux/amd64"], "linux/amd64", "no-platform-0"),
    ([None, "linux/amd64/v3"], "linux/amd64/v3", "linux/amd64/v3"),
    ([None], "linux/arm64", None),
])
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_first_match(specs, request_, expected, oci):
    store, doc, names = build(specs, oci=oci)
    sel = pick(CRANE, doc, store, request_)
    if expected is None:
        assert sel.outcome == "no-match"
        assert sel.digest is None and sel.path == (doc.digest,)
    else:
        assert sel.outcome == "selected"
        assert names[sel.digest] == expected
        assert sel.path == (doc.digest, sel.digest)


@pytest.mark.parametrize("host", [ARM64, Platform("linux", "arm", "v7"), AMD64,
                                  Platform("darwin", "arm64")])
def test_no_request_means_linux_amd64_whatever_the_host(host):
    store, doc, names = build(["linux/arm64/v8", "linux/arm/v7", "linux/amd64"])
    sel = pick(CRANE, doc, store, host=host)
    assert names[sel.digest] == "linux/amd64"
    assert sel.platform == AMD64 and sel.requested is None
    assert CRANE.detected_platform(host) == AMD64
    assert names[pick(CRANE, doc, store, "all", host=host).digest] == "linux/amd64"


def test_os_version_only_when_requested():
    index = parse_document({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [
        {"mediaType": mt.OCI_MANIFEST, "digest": "sha256:" + c * 64, "size": 1,
         "platform": {"os": "windows", "architecture": "amd64", "os.version": v}}
        for c, v in (("a", "10.0.17763.1"), ("b", "10.0.20348.1"))]})
    assert CRANE.select(index, AMD64, CRANE.parse_platform("windows/amd64")).digest == \
        "sha256:" + "a" * 64
    sel = CRANE.select(index, AMD64, CRANE.parse_platform("windows/amd64:10.0.20348.1"))
    assert sel.digest == "sha256:" + "b" * 64
    sel = CRANE.select(index, AMD64, CRANE.parse_platform("windows/amd64:10.0.20348"),
                       reference="mcr.microsoft.com/windows/nanoserver:ltsc2022")
    assert sel.message == ("no child with platform windows/amd64:10.0.20348 in index "
                           "mcr.microsoft.com/windows/nanoserver:ltsc2022")


# index.go childByPlatform's error, as each release formats the platform
@pytest.mark.parametrize(("engine", "message"), [
    (CRANE, "no child with platform linux/riscv64 in index 127.0.0.1:5055/oracle/demo:oci"),
    (ggcr.make("crane", "0.13"),
     "no child with platform linux/riscv64 in index 127.0.0.1:5055/oracle/demo:oci"),
    (CRANE08, "no child with platform {Architecture:riscv64 OS:linux OSVersion: OSFeatures:[] "
              "Variant: Features:[]} in index 127.0.0.1:5055/oracle/demo:oci"),
    (CRANE06, "no child with platform linux/riscv64 in index 127.0.0.1:5055/oracle/demo:oci"),
])
def test_no_match_text(engine, message):
    store, doc, _ = build(["linux/amd64", "linux/arm64/v8"])
    sel = pick(engine, doc, store, "linux/riscv64", reference="127.0.0.1:5055/oracle/demo:oci")
    assert sel.message == message


def test_no_match_text_variants():
    store, doc, _ = build(["linux/amd64"])
    sel = pick(CRANE, doc, store, "linux/arm/v7", reference="busybox")
    assert sel.message == "no child with platform linux/arm/v7 in index busybox"  # as typed
    sel = pick(CRANE06, doc, store, "linux/arm/v7", reference="busybox")
    assert sel.message == "no child with platform linux/arm in index busybox"
    assert pick(CRANE, doc, store, "linux/arm/v7").message.endswith("in index <image>")


def nested(oci=True):
    store = Store()
    inner = [entry(store, "inner-arm64", "linux/arm64/v8"), entry(store, "inner-s390x",
                                                                  "linux/s390x")]
    child = store.index(inner, oci=oci)
    top = store.index([entry(store, "top-amd64", "linux/amd64"),
                       store.index_entry(child, plat("linux/s390x"))], oci=oci)
    names = {e["digest"]: e["digest"] for e in inner}
    return store, top, child, names, inner


def test_nested_index_is_walked_with_the_same_request():
    store, top, child, _, inner = nested()
    sel = pick(CRANE, top, store, "linux/s390x")
    assert sel.outcome == "selected"
    assert sel.digest == inner[1]["digest"]
    assert sel.path == (top.digest, child.digest, inner[1]["digest"])
    unfetched = CRANE.select(top, AMD64, Platform("linux", "s390x"))
    assert unfetched.digest == child.digest and unfetched.warnings


def test_nested_index_no_match_names_the_child_by_digest():
    store = Store()
    child = store.index([entry(store, "inner-arm64", "linux/arm64/v8")])
    top = store.index([store.index_entry(child, plat("linux/s390x"))])
    sel = pick(CRANE, top, store, "linux/s390x", reference="busybox:1.36")
    assert sel.outcome == "no-match"
    assert sel.message == ("no child with platform linux/s390x in index "
                           f"index.docker.io/library/busybox@{child.digest}")


def test_single_manifest_is_taken_without_a_check():
    store = Store()
    desc = store.image("single", {"os": "linux", "architecture": "amd64"})
    doc = parse_document(store.blobs[desc["digest"]])
    sel = pick(CRANE, doc, store, "linux/arm64")
    assert sel.outcome == "single-manifest" and sel.digest == doc.digest


def test_schema1_child_fails():
    doc = parse_document({"schemaVersion": 2, "mediaType": mt.DOCKER_MANIFEST_LIST, "manifests": [
        {"mediaType": mt.DOCKER_SCHEMA1_SIGNED, "digest": "sha256:" + "a" * 64, "size": 1,
         "platform": {"os": "linux", "architecture": "amd64"}}]})
    sel = CRANE.select(doc, AMD64)
    assert sel.outcome == "failed"
    assert sel.message == ('unsupported MediaType: "application/vnd.docker.distribution.manifest'
                           '.v1+prettyjws", see '
                           "https://github.com/google/go-containerregistry/issues/377")


@pytest.mark.parametrize(("engine", "text", "expected"), [
    (CRANE, "linux/arm64/v8", Platform("linux", "arm64", "v8")),
    (CRANE, "windows/amd64:10.0.17763.1", Platform("windows", "amd64", "", "10.0.17763.1")),
    (CRANE, "linux", Platform("linux")),  # v1.ParsePlatform: one part is an OS
    (CRANE, " linux/amd64 ", Platform("linux", "amd64")),
    (CRANE, "all", AMD64),
    (CRANE08, "windows/amd64:10.0.17763.1", Platform("windows", "amd64", "", "10.0.17763.1")),
    (CRANE06, "linux/arm/v7", Platform("linux", "arm", "v7")),
])
def test_parse_platform(engine, text, expected):
    assert engine.parse_platform(text) == expected


@pytest.mark.parametrize(("engine", "text", "message"), [
    (CRANE, "a/b/c/d", "too many slashes in platform spec: a/b/c/d"),
    (CRANE08, "linux", "failed to parse platform 'linux': expected format os/arch[/variant]"),
    (CRANE08, "a/b/c/d", "failed to parse platform 'a/b/c/d': too many slashes"),
])
def test_parse_platform_errors(engine, text, message):
    with pytest.raises(PlatformError) as err:
        engine.parse_platform(text)
    assert str(err.value) == message


def test_repository_name():
    assert ggcr.repository_name("busybox") == "index.docker.io/library/busybox"
    assert ggcr.repository_name("docker.io/foo/bar:1") == "index.docker.io/foo/bar"
    assert ggcr.repository_name("localhost:5000/x@sha256:" + "a" * 64) == "localhost:5000/x"
    assert ggcr.repository_name("127.0.0.1:5055/oracle/demo:oci") == "127.0.0.1:5055/oracle/demo"


@pytest.mark.parametrize(("version", "series"), [
    (None, "0.21"), ("0.8", "0.8"), ("0.7.0", "0.7"), ("0.12.1", "0.13"), ("0.20", "0.21"),
    ("0.5.1", "0.6"), ("0", "0.21"),
])
def test_make(version, series):
    assert ggcr.make("crane", version).release.series == series


@pytest.mark.parametrize(("name", "version"), [("crane", "0.4"), ("crane", "1.0"),
                                               ("crane", "x"), ("kraan", None)])
def test_make_unknown(name, version):
    with pytest.raises(UnknownEngine):
        ggcr.make(name, version)


def test_profiles():
    infos = ggcr.profiles()
    assert [p.name for p in infos] == ["crane@0.6", "crane@0.7", "crane@0.8", "crane@0.13",
                                       "crane"]
    for info in infos:
        base, _, version = info.name.partition("@")
        ggcr.make(base, version or None)
        assert info.family == "go-containerregistry" and info.rules


PLATFORMS = st.builds(Platform, st.sampled_from(["linux", "windows"]),
                      st.sampled_from(["amd64", "arm", "arm64"]),
                      st.sampled_from(["", "v6", "v7", "v8"]),
                      st.sampled_from(["", "10.0.1"]))
ENTRIES = st.lists(st.one_of(st.none(), PLATFORMS), max_size=8)


@given(ENTRIES, PLATFORMS)
def test_the_choice_is_the_first_satisfying_entry(entries, required):
    manifests = [Descriptor(mt.OCI_MANIFEST, f"sha256:{i:064x}", 1, p)
                 for i, p in enumerate(entries)]
    position = ggcr.first_match(manifests, required)
    satisfying = [i for i, p in enumerate(entries)
                  if ggcr.matches_platform(p if p is not None else ggcr.DEFAULT_PLATFORM,
                                           required)]
    assert position == (satisfying[0] if satisfying else None)
    concrete = [p for p in entries if p is not None]
    assert CRANE.order(required, concrete) == [p for p in concrete
                                               if CRANE.matches(required, p)]
