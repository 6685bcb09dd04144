"""containers/image (Podman, Buildah, CRI-O, skopeo): wanted platforms, ChooseInstance, what a
pull does with the choice, and the tool → containers/image mapping.

Expected values come from upstream tests (cited above each table), from the code read at the
tags named in resolver/engines/containers_image*.py, and from skopeo 1.9.3 (containers/image
5.22.1) measured against a real registry (../shared/reference/oracle.md).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver import mediatypes as mt
from resolver.engines import containers_image as ci
from resolver.engines.containers_image_libimage import Choices
from resolver.engines.containers_image_rules import (
    CATALOG,
    RELEASES,
    common_formats_warning,
    rules_for,
)
from resolver.errors import PlatformError, UnknownEngine
from resolver.model import Descriptor, Index, Manifest, parse_document
from resolver.platform import Platform
from tests.docs import Store, entry, plat

AMD64 = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64", "v8")
PI_ZERO = Platform("linux", "arm", "v6")  # cpuinfo "CPU architecture: 7" + ARMv6-compatible
ARMHF_ON_ARM64 = Platform("linux", "arm", "v8")  # 32-bit engine, 64-bit kernel: cpuinfo 8

SKOPEO19 = ci.make("skopeo", "1.9")
SKOPEO19_INSPECT = ci.make("skopeo", "1.9/inspect")
SKOPEO = ci.make("skopeo", None)
PODMAN43 = ci.make("podman", "4.3")
PODMAN5 = ci.make("podman", "5")


def P(spec: str) -> Platform:
    parts = [*spec.split("/"), "", ""]
    return Platform(parts[0], parts[1], parts[2])


def variants(wanted):
    return [w.variant for w in wanted]


def pick(engine, doc, store=None, request=None, host=AMD64, reference=None):
    platform = engine.parse_platform(request, host) if request else None
    return engine.select(doc, host, platform=platform,
                         fetch=store.fetch if store is not None else None, reference=reference)


def build(specs, *, oci=True):
    """An index whose children are labelled by their platform text (None: no platform)."""
    store = Store()
    entries = []
    names = {}
    for i, spec in enumerate(specs):
        label = spec if spec is not None else f"no-platform-{i}"
        e = entry(store, label, spec)
        names[e["digest"]] = label
        entries.append(e)
    return store, store.index(entries, oci=oci), names


# --- WantedPlatforms ---------------------------------------------------------------------------

# containers/image internal/pkg/platform/platform_matcher_test.go TestWantedPlatforms (v5.22.1,
# and container-libs image/v5.39.2: the same five cases); OSChoice/ArchitectureChoice/
# VariantChoice as given, the host never consulted because the arch is set.
@pytest.mark.parametrize(("choices", "expected"), [
    (Choices("linux", "amd64"), [("linux", "amd64", "")]),
    (Choices("linux", "arm", "v6"), [("linux", "arm", "v6"), ("linux", "arm", "v5"),
                                        ("linux", "arm", "")]),
    (Choices("linux", "arm"), [("linux", "arm", v) for v in ("", "v8", "v7", "v6", "v5")]),
    (Choices("linux", "arm64"), [("linux", "arm64", ""), ("linux", "arm64", "v8")]),
    (Choices("freeBSD", "armel", "custom"), [("freeBSD", "armel", "custom"),
                                                ("freeBSD", "armel", "")]),
])
def test_wanted_platforms_upstream(choices, expected):
    wanted = ci.wanted_platforms("linux", "s390x", "v9", choices)
    assert [(w.os, w.architecture, w.variant) for w in wanted] == expected


# containers-image.md 1.3, "Resulting orders" (the host's GOARCH and detected variant).
@pytest.mark.parametrize(("goarch", "detected", "choices", "expected"), [
    ("amd64", "", Choices(), [""]),
    ("riscv64", "", Choices(), [""]),
    ("arm64", "v8", Choices(), ["v8", ""]),
    ("arm64", "", Choices(), ["", "v8"]),
    ("arm64", "v8", Choices(architecture="arm64"), ["", "v8"]),  # explicit arch: no detection
    ("arm64", "v8", Choices(variant="v9"), ["v9", ""]),  # unknown variant: only itself
    ("arm", "v8", Choices(), ["v8", "v7", "v6", "v5", ""]),
    ("arm", "v7", Choices(), ["v7", "v6", "v5", ""]),
    ("arm", "v6", Choices(), ["v6", "v5", ""]),
    ("arm", "v5", Choices(), ["v5", ""]),
    ("arm", "v4", Choices(), ["v4", ""]),
    ("arm", "", Choices(), ["", "v8", "v7", "v6", "v5"]),
    ("amd64", "", Choices(variant="v3"), ["v3", ""]),
    ("amd64", "", Choices(architecture="arm"), ["", "v8", "v7", "v6", "v5"]),
])
def test_wanted_orders(goarch, detected, choices, expected):
    wanted = ci.wanted_platforms("linux", goarch, detected, choices)
    assert variants(wanted) == expected
    assert {w.architecture for w in wanted} == {choices.architecture or goarch}


def test_no_cross_architecture_fallback():
    for goarch, detected in (("arm64", "v8"), ("amd64", "")):
        wanted = ci.wanted_platforms("linux", goarch, detected, Choices())
        assert {w.architecture for w in wanted} == {goarch}


def test_os_choice_never_changes_variants():
    wanted = ci.wanted_platforms("darwin", "arm64", "", Choices(os="linux"))
    assert [(w.os, w.variant) for w in wanted] == [("linux", ""), ("linux", "v8")]


# --- the host's variant, per release ----------------------------------------------------------

# platform_matcher.go getCPUVariant at v5.22.1 / v5.29.x / v5.30.0 / v5.31.0.
@pytest.mark.parametrize(("host", "image", "expected"), [
    (PI_ZERO, "5.23.1", "v7"),  # no ARMv6 model-name rule before v5.30.0
    (PI_ZERO, "5.29.3", "v7"),
    (PI_ZERO, "5.30.0", "v6"),  # da7e6b90
    (ARMHF_ON_ARM64, "5.22.1", "v8"),
    (Platform("linux", "arm", "v7"), "5.39.2", "v7"),
    (Platform("linux", "arm", "v5"), "5.39.2", "v5"),
    (Platform("linux", "arm", "unknown"), "5.39.2", ""),
    (ARM64, "5.22.1", "v8"),
    (Platform("linux", "amd64", "v3"), "5.39.2", ""),  # no amd64 levels, ever
    (Platform("darwin", "arm64"), "5.29.3", ""),  # Linux path, no /proc/cpuinfo
    (Platform("darwin", "arm64"), "5.31.0", "v8"),  # 44324c2d
    (Platform("darwin", "arm"), "5.31.0", "v7"),
    (Platform("windows", "arm64"), "5.22.1", "v8"),
    (Platform("windows", "arm"), "5.22.1", "v7"),
    (Platform("windows", "amd64"), "5.22.1", ""),
    (Platform("freebsd", "arm64"), "5.39.2", ""),
])
def test_cpu_variant(host, image, expected):
    assert ci.cpu_variant(host, rules_for(image))[0] == expected


def test_cpuinfo_error_is_logged_from_5_30_off_linux():
    _, doc, _ = build(["linux/arm64"])
    mac = Platform("darwin", "arm64")
    assert pick(ci.make("skopeo", "1.15"), doc, None, "linux", host=mac).warnings == (
        "Couldn't get cpu architecture: getCPUInfo for OS darwin not implemented",)
    assert pick(ci.make("skopeo", "1.14"), doc, None, "linux", host=mac).warnings == ()
    assert pick(ci.make("skopeo", "1.16"), doc, None, "linux", host=mac).warnings == ()
    assert pick(ci.make("skopeo", "1.15"), doc, None, "linux/arm64", host=mac).warnings == ()


def test_detected_platform_per_release():
    assert PODMAN43.detected_platform(PI_ZERO) == Platform("linux", "arm", "v7")
    assert PODMAN5.detected_platform(PI_ZERO) == Platform("linux", "arm", "v6")
    assert SKOPEO.detected_platform(Platform("linux", "amd64", "v4")) == AMD64
    assert ci.make("skopeo", "1.14").detected_platform(Platform("darwin", "arm64")) == \
        Platform("darwin", "arm64")
    assert ci.make("skopeo", "1.16").detected_platform(Platform("darwin", "arm64")) == \
        Platform("darwin", "arm64", "v8")


# --- ChooseInstance: upstream tables -----------------------------------------------------------

LETTERS = "abcdefghijklmnop"  # entry names by position, as upstream's fixtures' digests


def letters(specs, *, oci, zstd=()):
    """An index of the platforms ``specs`` (None: no platform), zstd-annotated at ``zstd``."""
    manifests = []
    for i, spec in enumerate(specs):
        d = {"mediaType": mt.OCI_MANIFEST if oci else mt.DOCKER_MANIFEST,
             "digest": f"sha256:{i:064x}", "size": 1}
        if spec is not None:
            d["platform"] = plat(spec)
        if i in zstd:
            d["annotations"] = {ci.ZSTD_ANNOTATION: "true"}
        manifests.append(d)
    kind = mt.OCI_INDEX if oci else mt.DOCKER_MANIFEST_LIST
    return parse_document({"schemaVersion": 2, "mediaType": kind, "manifests": manifests})


def chosen_letter(index, choices: Choices, image: str) -> str | None:
    assert isinstance(index, Index)
    wanted = ci.wanted_platforms("linux", "amd64", "", choices)
    choice = ci.choose_instance(index, wanted, rules_for(image))
    return None if choice is None else LETTERS[choice.position]


# internal/manifest/list_test.go TestChooseInstance (v5.25.0 … image/v5.39.2; manifest/
# docker_schema2_list_test.go & oci_index_test.go in v5.22.1): the platforms of
# testdata/schema2list.json, schema2list-variants.json and oci1index.json, in their order.
SCHEMA2LIST = ["linux/amd64", "linux/arm/v5", "linux/arm/v6", "linux/arm64/v8", "linux/386",
               "linux/ppc64le", "linux/s390x"]
SCHEMA2LIST_VARIANTS = ["linux/amd64", "linux/arm/v6", "linux/arm/unrecognized-present",
                        "linux/arm"]
OCI1INDEX = ["linux/ppc64le", "linux/amd64", "linux/arm64"]


@pytest.mark.parametrize("image", ["5.22.1", "5.39.2"])
@pytest.mark.parametrize(("specs", "arch", "variant", "expected"), [
    (SCHEMA2LIST, "amd64", "", "a"),
    (SCHEMA2LIST, "s390x", "", "g"),
    (SCHEMA2LIST, "arm", "v7", "c"),  # no v7: walks down to v6
    (SCHEMA2LIST, "arm64", "", "d"),  # "" first, then v8
    (SCHEMA2LIST, "unmatched", "", None),
    (SCHEMA2LIST_VARIANTS, "amd64", "", "a"),
    (SCHEMA2LIST_VARIANTS, "arm", "v7", "b"),
    (SCHEMA2LIST_VARIANTS, "arm", "v6", "b"),
    (SCHEMA2LIST_VARIANTS, "arm", "v5", "d"),  # the variant-less arm entry through ""
    (SCHEMA2LIST_VARIANTS, "arm", "", "d"),
    (SCHEMA2LIST_VARIANTS, "arm", "unrecognized-present", "c"),
    (SCHEMA2LIST_VARIANTS, "arm", "unrecognized-not-present", "d"),
    (SCHEMA2LIST_VARIANTS, "unmatched", "", None),
    (OCI1INDEX, "amd64", "", "b"),
    (OCI1INDEX, "ppc64le", "", "a"),
    (OCI1INDEX, "unmatched", "", None),
])
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_choose_instance_upstream(image, specs, arch, variant, expected, oci):
    index = letters(specs, oci=oci)
    assert chosen_letter(index, Choices("linux", arch, variant), image) == expected


# internal/manifest/oci_index_test.go TestOCI1IndexChooseInstanceByCompression (v5.25.0 …):
# testdata/oci1.index.zstd-selection.json, ocilist-variants.json and zstd-selection2.json, with
# the zstd-annotated entries marked; preferGzip false (the default of every front end).
ZSTD_SELECTION = (["linux/amd64", "linux/amd64", "linux/arm64", "linux/arm64", "linux/s390x",
                   "linux/amd64"], {1, 5})
OCILIST_VARIANTS = (["linux/amd64", "linux/arm/v7", "linux/arm/v6", "linux/arm/v6",
                     "linux/arm/unrecognized-present", "linux/arm"], {3})
ZSTD_SELECTION2 = (["linux/amd64", "linux/amd64", "linux/amd64", "linux/arm64", None, None,
                    None, "linux/arm64", "linux/amd64", "linux/amd64"], {2, 3, 5, 9})


@pytest.mark.parametrize(("fixture", "arch", "variant", "ranked", "first_match"), [
    (ZSTD_SELECTION, "amd64", "", "b", "a"),
    (ZSTD_SELECTION, "arm64", "", "c", "c"),
    (ZSTD_SELECTION, "s390x", "", "e", "e"),
    (OCILIST_VARIANTS, "arm", "v7", "b", "b"),
    (OCILIST_VARIANTS, "arm", "v6", "d", "c"),  # the zstd v6 beats the first v6
    (OCILIST_VARIANTS, "arm", "v5", "f", "f"),
    (OCILIST_VARIANTS, "arm", "unrecognized-not-present", "f", "f"),
    (ZSTD_SELECTION2, "amd64", "", "c", "a"),
    (ZSTD_SELECTION2, "arm64", "", "d", "d"),
    (ZSTD_SELECTION2, "matchesImageWithNoPlatform", "", "f", "e"),  # zstd among no-platform
])
def test_choose_instance_zstd(fixture, arch, variant, ranked, first_match):
    specs, zstd = fixture
    index = letters(specs, oci=True, zstd=zstd)
    choices = Choices("linux", arch, variant)
    assert chosen_letter(index, choices, "5.25.0") == ranked
    assert chosen_letter(index, choices, "5.23.1") == first_match  # Debian 12: list order


def test_prefer_gzip_flips_the_tie():
    specs, zstd = ZSTD_SELECTION2
    index = letters(specs, oci=True, zstd=zstd)
    wanted = ci.wanted_platforms("linux", "arm64", "", Choices())
    choice = ci.choose_from_oci_index_ranked(index.manifests, wanted, prefer_gzip=True)
    assert choice is not None and LETTERS[choice.position] == "h"
    nowhere = ci.wanted_platforms("linux", "mips", "", Choices())
    choice = ci.choose_from_oci_index_ranked(index.manifests, nowhere, prefer_gzip=True)
    assert choice is not None and LETTERS[choice.position] == "e"


# --- oracle.md: skopeo 1.9.3 measured ----------------------------------------------------------

DEMO = ["linux/amd64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8", "linux/386"]
ARMV5 = ["linux/arm/v5", "linux/amd64"]


# oracle.md, Index [amd64, arm/v6, arm/v7, arm64/v8, 386], column skopeo (OCI and Docker alike)
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
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
@pytest.mark.parametrize("engine", [SKOPEO19, SKOPEO19_INSPECT, SKOPEO], ids=lambda e: e.name)
def test_oracle_demo(engine, oci, request_, expected):
    store, doc, names = build(DEMO, oci=oci)
    sel = pick(engine, doc, store, request_)
    assert sel.outcome == "selected"
    assert names[sel.digest] == expected
    assert sel.path == (doc.digest, sel.digest)


# oracle.md, Index with ONLY [arm/v5, amd64], column skopeo: no arm64 → arm, no 386 fallback
@pytest.mark.parametrize(("request_", "expected"), [
    ("linux/arm/v8", "linux/arm/v5"),
    ("linux/arm/v7", "linux/arm/v5"),
    ("linux/arm/v6", "linux/arm/v5"),
    ("linux/arm64", None),
    ("linux/arm64/v8", None),
    ("linux/amd64", "linux/amd64"),
    ("linux/386", None),
    ("linux/amd64/v3", "linux/amd64"),
])
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_oracle_armv5(oci, request_, expected):
    store, doc, names = build(ARMV5, oci=oci)
    sel = pick(SKOPEO19, doc, store, request_)
    if expected is None:
        assert sel.outcome == "no-match"
        assert sel.digest is None
    else:
        assert sel.outcome == "selected"
        assert names[sel.digest] == expected


ORACLE_REF = "127.0.0.1:5055/oracle/armv5:oci"


# oracle.md, "Exact output when nothing matches" (linux/386 against oracle/armv5), the msg= of
# skopeo's fatal log line.
@pytest.mark.parametrize(("engine", "oci", "request_", "message"), [
    (SKOPEO19, True, "linux/386", "choosing an image from manifest list docker://"
     "127.0.0.1:5055/oracle/armv5:oci: no image found in image index for architecture 386, "
     'variant "", OS linux'),
    (SKOPEO19, False, "linux/386", "choosing an image from manifest list docker://"
     "127.0.0.1:5055/oracle/armv5:oci: no image found in manifest list for architecture 386, "
     'variant "", OS linux'),
    (SKOPEO19_INSPECT, True, "linux/386", "Error parsing manifest for image: choosing image "
     'instance: no image found in image index for architecture 386, variant "", OS linux'),
    (SKOPEO19_INSPECT, False, "linux/386", "Error parsing manifest for image: choosing image "
     'instance: no image found in manifest list for architecture 386, variant "", OS linux'),
    (SKOPEO19_INSPECT, True, "linux/arm64/v8", "Error parsing manifest for image: choosing "
     'image instance: no image found in image index for architecture arm64, variant "v8", '
     "OS linux"),
    # v5.31.0 (cebe6477) quotes architecture and OS as well
    (SKOPEO, True, "linux/386", "choosing an image from manifest list docker://127.0.0.1:5055/"
     'oracle/armv5:oci: no image found in image index for architecture "386", variant "", '
     'OS "linux"'),
])
def test_oracle_no_match_text(engine, oci, request_, message):
    store, doc, _ = build(ARMV5, oci=oci)
    sel = pick(engine, doc, store, request_, reference=ORACLE_REF)
    assert sel.outcome == "no-match"
    assert sel.message == message
    assert sel.path == (doc.digest,)


def test_no_match_text_without_reference_and_podman_wrapping():
    store, doc, _ = build(ARMV5)
    sel = pick(SKOPEO19, doc, store, "linux/386")
    assert sel.message.startswith("choosing an image from manifest list <image>: ")
    sel = pick(PODMAN43, doc, store, "linux/s390x", reference="docker.io/library/busybox")
    assert sel.message == ("choosing an image from manifest list docker://busybox:latest: no "
                           'image found in image index for architecture s390x, variant "", '
                           "OS linux")


# oracle.md, "Plain single-platform manifest": accepted silently, whatever was requested
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
@pytest.mark.parametrize("request_", ["linux/arm64", "linux/amd64"])
def test_oracle_single_manifest(oci, request_):
    store = Store()
    desc = store.image("single", {"os": "linux", "architecture": "amd64"}, oci=oci)
    doc = parse_document(store.blobs[desc["digest"]])
    sel = pick(SKOPEO19, doc, store, request_)
    assert sel.outcome == "single-manifest"
    assert sel.digest == doc.digest and sel.path == (doc.digest,)
    assert sel.warnings == ()


def kitchen_sink(oci: bool):
    """oracle.md "More shapes": no-platform, windows/amd64 (os.version), amd64/v3, amd64,
    attestation, arm/v6, arm/v7 a, arm/v7 b-dup, arm64/v8, 386, linux/arm64 whose config says
    amd64 ("mismatch"), s390x as a nested index."""
    store = Store()
    names = {}

    def add(label, spec, config=None, **extra):
        desc = store.image(label, config) if config is not None else entry(store, label, spec)
        if spec is not None:
            desc["platform"] = plat(spec)
        desc.update(extra)
        names[desc["digest"]] = label
        return desc

    inner = entry(store, "nested-s390x", "linux/s390x")
    names[inner["digest"]] = "nested-s390x"
    nested = store.index([inner], oci=oci)
    nested_entry = store.index_entry(nested, plat("linux/s390x"))
    names[nested.digest] = "nested-index"
    windows = add("windows", None, {"os": "windows", "architecture": "amd64"})
    windows["platform"] = {"os": "windows", "architecture": "amd64", "os.version": "10.0.17763.1"}
    entries = [
        add("no-platform", None),
        windows,
        add("linux-amd64-v3", "linux/amd64/v3"),
        add("linux-amd64", "linux/amd64"),
        add("attestation", "unknown/unknown",
            annotations={mt.REFERENCE_TYPE: mt.ATTESTATION_MANIFEST}),
        add("arm-v6", "linux/arm/v6"),
        add("arm-v7-a", "linux/arm/v7"),
        add("arm-v7-b-dup", "linux/arm/v7"),
        add("arm64-v8", "linux/arm64/v8"),
        add("386", "linux/386"),
        add("mismatch", "linux/arm64", {"os": "linux", "architecture": "amd64"}),
        nested_entry,
    ]
    return store, store.index(entries, oci=oci), names


# oracle.md "More shapes", column skopeo (OCI index and Docker list alike but for riscv64)
@pytest.mark.parametrize(("request_", "expected"), [
    ("linux/amd64", "linux-amd64"),
    ("linux/amd64/v3", "linux-amd64-v3"),
    ("linux/amd64/v2", "linux-amd64"),
    ("linux/arm/v7", "arm-v7-a"),
    ("linux/arm64", "mismatch"),  # the exact "" variant beats arm64/v8
    ("windows/amd64", "windows"),
    ("unknown/unknown", "attestation"),
])
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_oracle_kitchen_sink(oci, request_, expected):
    store, doc, names = kitchen_sink(oci)
    sel = pick(SKOPEO19, doc, store, request_)
    assert sel.outcome == "selected"
    assert names[sel.digest] == expected


@pytest.mark.parametrize("engine", [SKOPEO19, SKOPEO, PODMAN43, PODMAN5, ci.make("cri-o", None)],
                         ids=lambda e: e.name)
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_oracle_nested_index_fails(engine, oci):
    store, doc, names = kitchen_sink(oci)
    sel = pick(engine, doc, store, "linux/s390x")
    assert sel.outcome == "failed"
    assert names[sel.digest] == "nested-index"
    assert sel.path == (doc.digest, sel.digest)
    assert sel.message == ("copying system image from manifest list: Unexpectedly received a "
                           "manifest list instead of a manifest for a single image")


@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_inspect_follows_a_nested_index(oci):
    store, doc, names = kitchen_sink(oci)
    sel = pick(SKOPEO19_INSPECT, doc, store, "linux/s390x")
    assert sel.outcome == "selected"
    assert names[sel.digest] == "nested-s390x"
    assert names[sel.path[1]] == "nested-index"
    unfetched = SKOPEO19_INSPECT.select(doc, AMD64, P("linux/s390x"))
    assert unfetched.outcome == "selected" and names[unfetched.digest] == "nested-index"
    assert any("not fetched" in w for w in unfetched.warnings)


def test_oracle_kitchen_sink_riscv64():
    store, doc, names = kitchen_sink(True)
    sel = pick(SKOPEO19, doc, store, "linux/riscv64")
    assert sel.outcome == "selected" and names[sel.digest] == "no-platform"
    store, doc, names = kitchen_sink(False)
    sel = pick(SKOPEO19, doc, store, "linux/riscv64")
    assert sel.outcome == "no-match"


# oracle.md, Index [linux/arm (no variant), arm/v6, linux/arm64 (no variant), amd64/v2], skopeo
@pytest.mark.parametrize(("request_", "expected"), [
    ("linux/arm", "linux/arm"),
    ("linux/arm/v7", "linux/arm/v6"),  # "" is tried last
    ("linux/arm/v6", "linux/arm/v6"),
    ("linux/arm/v5", "linux/arm"),  # through the "" fallback
    ("linux/arm64/v8", "linux/arm64"),
    ("linux/amd64", None),
    ("linux/amd64/v3", None),
])
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker"])
def test_oracle_variantless_entries(oci, request_, expected):
    store, doc, names = build(["linux/arm", "linux/arm/v6", "linux/arm64", "linux/amd64/v2"],
                              oci=oci)
    sel = pick(SKOPEO19, doc, store, request_)
    if expected is None:
        assert sel.outcome == "no-match"
    else:
        assert names[sel.digest] == expected


def test_oci_index_of_only_platformless_entries_is_taken():
    for engine in (SKOPEO19, SKOPEO):
        store, doc, names = build([None, None])
        sel = pick(engine, doc, store, "linux/arm64")
        assert sel.outcome == "selected" and names[sel.digest] == "no-platform-0"
        store, doc, names = build([None, None], oci=False)
        assert pick(engine, doc, store, "linux/arm64").outcome == "no-match"


def test_empty_platform_object_is_not_a_fallback():
    # containers-image.md 2.6: "platform": {} is non-nil with empty os/arch and matches nothing
    index = letters([None], oci=True)
    empty = parse_document({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [
        {"mediaType": mt.OCI_MANIFEST, "digest": "sha256:" + "a" * 64, "size": 1,
         "platform": {}}]})
    assert chosen_letter(index, Choices(), "5.39.2") == "a"
    assert chosen_letter(empty, Choices(), "5.39.2") is None
    assert chosen_letter(empty, Choices(), "5.22.1") is None


def test_no_normalization():
    store, doc, _ = build(["linux/aarch64", "linux/x86_64", "Linux/amd64"])
    for request_ in ("linux/arm64", "linux/amd64"):
        assert pick(SKOPEO, doc, store, request_).outcome == "no-match"
    assert pick(SKOPEO, doc, store, host=ARM64).outcome == "no-match"
    sel = pick(SKOPEO, doc, store, "linux/aarch64")
    assert sel.outcome == "selected" and sel.selected_platform == P("linux/aarch64")


def test_windows_ignores_os_version():
    index = parse_document({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [
        {"mediaType": mt.OCI_MANIFEST, "digest": "sha256:" + c * 64, "size": 1,
         "platform": {"os": "windows", "architecture": "amd64", "os.version": v}}
        for c, v in (("a", "10.0.17763.1"), ("b", "10.0.20348.1"))]})
    sel = SKOPEO.select(index, Platform("windows", "amd64", "", "10.0.20348"))
    assert sel.digest == "sha256:" + "a" * 64


# --- the host, with no request -----------------------------------------------------------------

def test_pi_zero_before_and_after_the_armv6_fix():
    store, doc, names = build(["linux/arm/v7", "linux/arm/v6", "linux/amd64"])
    assert names[pick(PODMAN43, doc, store, host=PI_ZERO).digest] == "linux/arm/v7"
    assert names[pick(ci.make("podman", "4.9"), doc, store, host=PI_ZERO).digest] == \
        "linux/arm/v7"
    assert names[pick(ci.make("podman", "5.0"), doc, store, host=PI_ZERO).digest] == \
        "linux/arm/v6"
    assert names[pick(ci.make("cri-o", "1.30"), doc, store, host=PI_ZERO).digest] == \
        "linux/arm/v7"  # crio-1.30 branch of 5.29: no da7e6b90


def test_32bit_engine_on_64bit_kernel_never_takes_arm64():
    store, doc, names = build(["linux/arm64/v8", "linux/arm/v7"])
    assert names[pick(SKOPEO, doc, store, host=ARMHF_ON_ARM64).digest] == "linux/arm/v7"
    store, doc, names = build(["linux/arm64/v8"])
    sel = pick(SKOPEO, doc, store, host=ARMHF_ON_ARM64, reference="alpine")
    assert sel.message == ("choosing an image from manifest list docker://alpine:latest: no "
                           'image found in image index for architecture "arm", variant "v8", '
                           'OS "linux"')
    assert sel.platform == Platform("linux", "arm", "v8")


def test_arm64_host_prefers_v8_over_variantless():
    # no request: v8 detected, so arm64/v8 beats an earlier plain arm64 entry
    store, doc, names = build(["linux/arm64", "linux/arm64/v8"])
    assert names[pick(SKOPEO, doc, store, host=ARM64).digest] == "linux/arm64/v8"
    # skopeo --override-arch arm64: detection off, the plain entry wins
    assert names[pick(SKOPEO, doc, store, "linux/arm64", host=ARM64).digest] == "linux/arm64"


def test_darwin_skopeo_before_and_after_5_31():
    store, doc, names = build(["linux/arm64", "linux/arm64/v8"])
    mac = Platform("darwin", "arm64")
    old = pick(ci.make("skopeo", "1.14"), doc, store, "linux", host=mac)  # --override-os linux
    new = pick(ci.make("skopeo", "1.16"), doc, store, "linux", host=mac)
    assert names[old.digest] == "linux/arm64"  # wanted "", v8
    assert names[new.digest] == "linux/arm64/v8"  # wanted v8, ""
    assert pick(SKOPEO, doc, store, host=mac).outcome == "no-match"  # OS darwin


# --- Podman / Buildah: libimage in front ------------------------------------------------------

# containers-image.md 4.2: NormalizePlatform (common libimage/platform.go) before containers/image
@pytest.mark.parametrize(("raw", "normalized"), [
    (Choices(), Choices()),
    (Choices(architecture="arm"), Choices(architecture="arm", variant="v7")),
    (Choices("linux", "arm64"), Choices("linux", "arm64")),
    (Choices("linux", "arm64", "v8"), Choices("linux", "arm64", "v8")),
    (Choices("linux", "aarch64"), Choices("linux", "arm64")),
    (Choices("linux", "x86_64"), Choices("linux", "amd64")),
    (Choices("linux", "amd64", "v1"), Choices("linux", "amd64")),
    (Choices("linux", "amd64", "v3"), Choices("linux", "amd64", "v3")),
    (Choices("linux", "arm", "7"), Choices("linux", "arm", "v7")),
    (Choices("linux", "armhf"), Choices("linux", "arm", "v7")),
    (Choices("linux", "armel"), Choices("linux", "arm", "v6")),
    (Choices("linux", "i386"), Choices("linux", "386")),
    (Choices("Linux", "amd64"), Choices("linux", "amd64")),
    (Choices("linux", "arm/v7"), Choices("linux", "arm", "v7")),  # podman 4 --platform
    (Choices("linux", "a b"), Choices("linux", "a b")),  # Parse fails: raw values
])
@pytest.mark.parametrize("engine", [PODMAN43, PODMAN5], ids=lambda e: e.name)
def test_libimage_normalize(engine, raw, normalized):
    assert engine.choices(AMD64, Platform(raw.os, raw.architecture, raw.variant)) == normalized


def test_podman_arch_arm_versus_skopeo_override_arch_arm():
    store, doc, names = build(["linux/arm/v8", "linux/arm/v7"])
    assert names[pick(PODMAN5, doc, store, "linux/arm").digest] == "linux/arm/v7"
    assert names[pick(SKOPEO, doc, store, "linux/arm").digest] == "linux/arm/v8"
    assert variants(SKOPEO.wanted(AMD64, P("linux/arm"))) == ["", "v8", "v7", "v6", "v5"]
    assert variants(PODMAN5.wanted(AMD64, P("linux/arm"))) == ["v7", "v6", "v5", ""]


@pytest.mark.parametrize(("engine", "text", "expected"), [
    (PODMAN43, "linux/arm/v7", Platform("linux", "arm/v7")),  # SplitN(…, 2)
    (PODMAN5, "linux/arm/v7", Platform("linux", "arm", "v7")),
    (PODMAN5, "linux/arm/v7/extra", Platform("linux", "arm", "v7")),
    (PODMAN5, "/arm64", Platform("", "arm64")),
    (SKOPEO, "linux/aarch64", Platform("linux", "aarch64")),
    (SKOPEO, "/arm", Platform("", "arm")),
    (ci.make("buildah", "1.28"), "linux/arm/v7", Platform("linux", "arm", "v7")),
    (ci.make("buildah", None), "linux/arm", Platform("linux", "arm")),
    (ci.make("buildah", None), "linux/aarch64", Platform("linux", "arm64")),
])
def test_parse_platform(engine, text, expected):
    assert engine.parse_platform(text, AMD64) == expected


@pytest.mark.parametrize(("engine", "text"), [
    (SKOPEO, "linux/arm/v7/x"), (SKOPEO, ""), (ci.make("buildah", "1.28"), "arm"),
    (ci.make("buildah", None), "linux/a b"),
])
def test_parse_platform_errors(engine, text):
    with pytest.raises(PlatformError):
        engine.parse_platform(text, AMD64)


def test_podman4_platform_with_variant_selects_like_podman5():
    store, doc, names = build(DEMO)
    for engine in (PODMAN43, PODMAN5):
        assert names[pick(engine, doc, store, "linux/arm/v7").digest] == "linux/arm/v7"


def child_with_config(store, label, spec, config):
    desc = store.image(label, config)
    desc["platform"] = plat(spec)
    return desc


# containers-image.md 3: libimage's post-pull check, containerd's NewMatcher, no variant detection
@pytest.mark.parametrize(("engine", "host", "warning"), [
    (PODMAN5, PI_ZERO, "WARNING: image platform (linux/arm/v6) does not match the expected "
                       "platform (linux/arm)"),
    (ci.make("podman", "4.4"), Platform("linux", "arm", "v5"),
     "WARNING: image platform (linux/arm/v5) does not match the expected platform (linux/arm)"),
    (PODMAN43, Platform("linux", "arm", "v5"),
     "WARNING: image platform ({arm linux  [] v5}) does not match the expected platform "
     "({arm linux  [] })"),
])
def test_podman_post_pull_warning_on_a_ladder_pick(engine, host, warning):
    store = Store()
    entries = [child_with_config(store, s, s, {"os": "linux", "architecture": "arm",
                                               "variant": s.rsplit("/", 1)[1]})
               for s in ("linux/arm/v6", "linux/arm/v5")]
    doc = store.index(entries)
    sel = pick(engine, doc, store, host=host)
    assert sel.outcome == "selected"
    assert sel.warnings == (warning,)


def test_podman_no_warning_for_v7_or_variantless_arm():
    store = Store()
    doc = store.index([child_with_config(store, "v7", "linux/arm/v7",
                                         {"os": "linux", "architecture": "arm", "variant": "v7"}),
                       child_with_config(store, "plain", "linux/arm",
                                         {"os": "linux", "architecture": "arm"})])
    assert pick(PODMAN5, doc, store, host=Platform("linux", "arm", "v7")).warnings == ()
    assert pick(PODMAN5, doc, store, host=Platform("linux", "arm", "v5")).warnings == ()


def test_podman_warns_on_amd64_v3_and_on_a_foreign_single_manifest():
    store = Store()
    doc = store.index([child_with_config(store, "v3", "linux/amd64/v3",
                                         {"os": "linux", "architecture": "amd64",
                                          "variant": "v3"})])
    sel = pick(PODMAN5, doc, store, "linux/amd64/v3")
    assert sel.warnings == ()  # asked for v3: expected linux/amd64/v3
    store2, doc2, _ = build(["linux/amd64/v3", "linux/amd64"])
    sel = pick(PODMAN5, doc2, store2, host=Platform("linux", "amd64", "v3"))
    assert sel.warnings == ()  # the plain entry ("" first): no warning
    desc = store.image("single", {"os": "linux", "architecture": "amd64"})
    single = parse_document(store.blobs[desc["digest"]])
    sel = pick(PODMAN5, single, store, host=ARM64)
    assert sel.outcome == "single-manifest"
    assert sel.warnings == ("WARNING: image platform (linux/amd64) does not match the expected "
                            "platform (linux/arm64)",)
    assert pick(SKOPEO, single, store, host=ARM64).warnings == ()
    assert pick(PODMAN5, doc, store, host=Platform("linux", "amd64", "v3")).outcome == \
        "no-match"  # no amd64 levels: a v3-only list is never chosen without a request
    desc = store.image("single-v3", {"os": "linux", "architecture": "amd64", "variant": "v3"})
    single_v3 = parse_document(store.blobs[desc["digest"]])
    sel = pick(PODMAN5, single_v3, store, host=Platform("linux", "amd64", "v3"))
    assert sel.warnings == ("WARNING: image platform (linux/amd64/v3) does not match the "
                            "expected platform (linux/amd64)",)  # containerd keeps v3


def test_podman_without_fetch_judges_from_the_entry():
    _, doc, _ = build(["linux/arm/v6"])
    sel = PODMAN5.select(doc, PI_ZERO)
    assert sel.warnings[-1] == ("WARNING: image platform (linux/arm/v6) does not match the "
                                "expected platform (linux/arm)")
    assert "not fetched" in sel.warnings[0]


# copy/single.go checkImageDestinationForCurrentRuntime: an Info log, never a failure
def test_storage_mismatch_log_per_release():
    config = Platform("linux", "amd64")
    wanted = ci.wanted_platforms("linux", "arm64", "v8", Choices())
    assert ci.storage_mismatch_log(config, wanted, rules_for("5.23.1")) == (
        'Image operating system mismatch: image uses OS "linux"+architecture "amd64", '
        'expecting one of "linux+arm64"')
    assert ci.storage_mismatch_log(config, wanted, rules_for("5.28.0")) == (
        'Image operating system mismatch: image uses OS "linux"+architecture "amd64"+"", '
        'expecting one of "linux+arm64+\\"v8\\", linux+arm64+\\"\\""')
    assert ci.storage_mismatch_log(Platform("linux", "arm64"), wanted,
                                   rules_for("5.39.2")) == ""
    store = Store()
    desc = store.image("single", {"os": "linux", "architecture": "amd64"})
    single = parse_document(store.blobs[desc["digest"]])
    sel = pick(ci.make("cri-o", None), single, store, host=ARM64)
    assert sel.outcome == "single-manifest" and sel.warnings == ()
    assert any(s.key == "storage-check" for s in sel.trace)


# --- properties --------------------------------------------------------------------------------

OSES = st.sampled_from(["linux", "windows"])
ARCHES = st.sampled_from(["amd64", "arm", "arm64", "386"])
VARIANTS = st.sampled_from(["", "v5", "v6", "v7", "v8", "v3"])
PLATFORMS = st.builds(Platform, OSES, ARCHES, VARIANTS)
ENTRIES = st.lists(st.one_of(st.none(), PLATFORMS), max_size=8)


def descriptors(platforms, zstd=frozenset()):
    return [Descriptor(mt.OCI_MANIFEST, f"sha256:{i:064x}", 1, p,
                       ((ci.ZSTD_ANNOTATION, "true"),) if i in zstd else ())
            for i, p in enumerate(platforms)]


@given(ENTRIES, OSES, ARCHES, VARIANTS)
def test_docker_list_takes_the_first_entry_of_the_first_satisfiable_wanted(entries, os_, arch,
                                                                           variant):
    wanted = ci.wanted_platforms("linux", "amd64", "", Choices(os_, arch, variant))
    choice = ci.choose_from_docker_list(descriptors(entries), wanted)
    satisfiable = [w for w in wanted if any(e == w for e in entries if e is not None)]
    if not satisfiable:
        assert choice is None
    else:
        assert choice is not None
        assert choice.position == entries.index(satisfiable[0])


@given(ENTRIES, OSES, ARCHES, VARIANTS)
def test_ranked_index_without_zstd_equals_debian_12(entries, os_, arch, variant):
    # containers-image.md 2.3: v5.22-v5.24 and v5.25+ agree on every index without zstd
    wanted = ci.wanted_platforms("linux", "amd64", "", Choices(os_, arch, variant))
    manifests = descriptors(entries)
    old = ci.choose_from_oci_index_first_match(manifests, wanted)
    new = ci.choose_from_oci_index_ranked(manifests, wanted)
    assert (old and old.position) == (new and new.position)


@given(st.lists(PLATFORMS, max_size=8), st.sets(st.integers(0, 7)), OSES, ARCHES, VARIANTS)
def test_ranked_index_keeps_the_wanted_order(entries, zstd, os_, arch, variant):
    wanted = ci.wanted_platforms("linux", "amd64", "", Choices(os_, arch, variant))
    choice = ci.choose_from_oci_index_ranked(descriptors(entries, zstd), wanted)
    positions = [ci.wanted_position(e, wanted) for e in entries]
    found = [p for p in positions if p is not None]
    if not found:
        assert choice is None
    else:
        assert choice is not None and choice.wanted == min(found)
        tied = [i for i, p in enumerate(positions) if p == min(found)]
        zstd_tied = [i for i in tied if i in zstd]
        assert choice.position == (zstd_tied or tied)[0]


@given(st.lists(PLATFORMS, max_size=8), OSES, ARCHES, VARIANTS)
def test_order_puts_the_choice_first(entries, os_, arch, variant):
    request = Platform(os_, arch, variant)
    ordered = SKOPEO.order(request, entries, host=AMD64)
    wanted = SKOPEO.wanted(AMD64, request)
    choice = ci.choose_from_docker_list(descriptors(entries), wanted)
    assert (ordered[0] if ordered else None) == (entries[choice.position] if choice else None)
    assert all(SKOPEO.matches(request, c, host=AMD64) for c in ordered)


@given(ARCHES, VARIANTS, st.booleans())
def test_wanted_list_shape(arch, variant, explicit):
    choices = Choices(architecture=arch if explicit else "", variant=variant)
    wanted = ci.wanted_platforms("linux", arch, "v8", choices)
    vs = variants(wanted)
    assert vs.count("") == 1
    assert vs[0] == "" or vs[-1] == ""
    assert len(set(vs)) == len(vs)


# --- profiles and the go.mod mapping -----------------------------------------------------------

@pytest.mark.parametrize(("name", "version", "image", "tool_version"), [
    ("podman", "4.3", "5.23.1", "4.3.1"),  # containers/podman go.mod at v4.3.1
    ("podman", "4.3.0", "5.23.1", "4.3.0"),  # the row's last tag; 4.3.0 pinned 5.23.0
    ("podman", "4", "5.29.3", "4.9.5"),
    ("podman", "5", "5.39.2", "5.8.2"),
    ("podman", None, "5.39.2", "5.8.2"),
    ("skopeo", "1.9", "5.22.1", "1.9.5"),  # containers/skopeo go.mod at v1.9.3 and v1.9.5
    ("skopeo", "1.9.3", "5.22.1", "1.9.3"),
    ("skopeo", None, "5.39.2", "1.22.2"),
    ("buildah", "1.28", "5.23.0", "1.28.2"),
    ("buildah", "1.29.7", "5.29.4", "1.29.7"),  # a RHEL backport rebuild
    ("cri-o", "1.30", "5.29.3-0.20250101212958-64440ba01d29", "1.30.14"),
    ("kubernetes/cri-o", None, "5.38.0", "1.36.3"),
])
def test_tool_to_containers_image(name, version, image, tool_version):
    engine = ci.make(name, version)
    assert engine.release.image == image
    assert engine.tool_version == tool_version


def test_names_and_front_ends():
    assert SKOPEO19.name == "skopeo@1.9" and SKOPEO19.front_end == "skopeo-copy"
    assert SKOPEO19_INSPECT.name == "skopeo@1.9/inspect"
    assert ci.make("skopeo/inspect", None).front_end == "skopeo-inspect"
    assert ci.make("kubernetes/cri-o", None).name == "kubernetes/cri-o"
    assert ci.make("Podman", "4.3").name == "podman@4.3"
    assert PODMAN43.front_end == "libimage" and ci.make("cri-o", None).front_end == "cri-o"


@pytest.mark.parametrize(("name", "version"), [
    ("podman", "3.4"), ("podman", "9"), ("podman", "4.3.7"), ("podman", "x"),
    ("podman", "4/inspect"), ("skopeo", "1.9/push"), ("docker", None), ("skopeo", "1.8"),
])
def test_unknown_engines(name, version):
    with pytest.raises(UnknownEngine):
        ci.make(name, version)


def behaviour(release):
    key = rules_for(release.image).since
    return (key, common_formats_warning(release.common)) if release.common else (key,)


def test_catalog_names_every_behaviour_each_tool_shipped():
    for tool, rows in RELEASES.items():
        listed = {behaviour(ci.make(tool, v).release) for v in CATALOG[tool]}
        listed.add(behaviour(rows[-1]))
        assert {behaviour(r) for r in rows} == listed, tool


def test_profiles():
    infos = ci.profiles()
    names = [p.name for p in infos]
    for expected in ("podman@4.3", "podman@5", "podman", "skopeo@1.9", "skopeo", "buildah@1.28",
                     "buildah", "cri-o@1.30", "cri-o", "kubernetes/cri-o", "skopeo/inspect"):
        assert expected in names
    assert len(names) == len(set(names))
    for info in infos:
        ci.make(*info.name.split("@")) if "@" in info.name else ci.make(info.name, None)
        assert info.family == "containers/image" and info.source and info.rules
    podman43 = next(p for p in infos if p.name == "podman@4.3")
    assert "5.23.1" in podman43.versions


def test_image_name():
    assert ci.image_name("busybox") == "docker://busybox:latest"
    assert ci.image_name("docker.io/library/busybox") == "docker://busybox:latest"
    assert ci.image_name("docker://index.docker.io/library/busybox:1") == "docker://busybox:1"
    assert ci.image_name("docker.io/foo/bar") == "docker://foo/bar:latest"
    assert ci.image_name("quay.io/podman/hello@sha256:" + "a" * 64) == \
        "docker://quay.io/podman/hello@sha256:" + "a" * 64
    assert ci.image_name("localhost:5000/x:tag") == "docker://localhost:5000/x:tag"
    assert ci.image_name("oci:/tmp/layout:tag") == "oci:/tmp/layout:tag"


def test_libimage_check_fails_the_pull_when_containerd_cannot_parse_the_config():
    store = Store()
    child = child_with_config(store, "odd", "linux/amd64", {"os": "linux",
                                                            "architecture": "amd.64"})
    doc = store.index([child])
    sel = pick(PODMAN5, doc, store)
    manifest = parse_document(store.blobs[child["digest"]])
    assert isinstance(manifest, Manifest)
    config_id = manifest.config.digest.partition(":")[2]
    assert sel.outcome == "failed" and sel.digest == child["digest"]
    assert sel.message.startswith(f"checking platform of image {config_id}: parsing image "
                                  'platform: "amd.64" is an invalid component of')
    assert pick(SKOPEO, doc, store).outcome == "selected"
    assert pick(ci.make("cri-o", None), doc, store).outcome == "selected"
