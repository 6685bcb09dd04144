"""Docker Engine (moby) 20.10 … 29: both image stores, Linux and Windows daemons.

Tables of input -> expected, each citing where the expectation comes from: the project's
measurements of dockerd 20.10.24 (../shared/reference/oracle.md, "dockerd 20.10" columns), or
moby's own source and tests at the tag named beside the table (23 … 29 cannot run here).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from resolver.engines.moby import (
    MobyEngine,
    make,
    media_type_supported,
    parse_docker_reference,
    profiles,
    windows_image_incompatible,
)
from resolver.engines.moby_rules import DEBIAN_2010, FORK_2010, rules_at, vendored_for
from resolver.errors import PlatformError, UnknownEngine
from resolver.model import Index, Manifest, parse_document
from resolver.platform import Platform, format_all
from resolver.selection import Selection
from tests.oracle.generate import Entry, GeneratedImage, build_image, build_single

AMD64 = Platform("linux", "amd64")
AMD64_V3 = Platform("linux", "amd64", "v3")
ARM64 = Platform("linux", "arm64", "v8")
WIN_17763 = Platform("windows", "amd64", "", "10.0.17763")


def p(os: str, arch: str, variant: str = "", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"architecture": arch, "os": os}
    if variant:
        out["variant"] = variant
    out.update(extra)
    return out


def engine(name: str) -> MobyEngine:
    base, _, version = name.partition("@")
    return make(base, version or None)


def ask(name: str, image: GeneratedImage, host: Platform, request: str | None = None,
        fetch: bool = True, reference: str | None = None) -> Selection:
    e = engine(name)
    doc = parse_document(image.index_bytes)
    requested = e.parse_platform(request, host) if request else None
    return e.select(doc, host, requested, image.fetch if fetch else None, reference=reference)


def label(image: GeneratedImage, s: Selection) -> str:
    """The hint of the chosen child (``name-NN-hint`` minus the prefix), or ERR."""
    if s.outcome == "no-match":
        return "ERR"
    child = image.label(s.digest)
    return child[len(image.name) + len("-NN-"):] if child.startswith(image.name) else child


def index_doc(*entries: dict[str, Any] | None, media: str = "oci") -> Index:
    """An index of bare descriptors (no fetch): each entry a platform dict, or None."""
    manifests = []
    for i, platform in enumerate(entries):
        entry: dict[str, Any] = {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": f"sha256:{i + 1:064x}", "size": 1}
        if platform is not None:
            entry["platform"] = platform
        manifests.append(entry)
    media_type = ("application/vnd.oci.image.index.v1+json" if media == "oci"
                  else "application/vnd.docker.distribution.manifest.list.v2+json")
    doc = parse_document(json.dumps({"schemaVersion": 2, "mediaType": media_type,
                                     "manifests": manifests}))
    assert isinstance(doc, Index)
    return doc


def chosen_index(doc: Index, s: Selection) -> int | None:
    if s.digest is None or s.outcome == "no-match":
        return None
    return [d.digest for d in doc.manifests].index(s.digest)


# ---------------------------------------------------------------------------------------------
# Names, versions, stores, profiles
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "version", "store", "shown"), [
    ("docker", "29.7.2", "default", "docker"),
    ("docker@20.10", "20.10.27", "default", "docker@20.10"),
    ("docker@23", "23.0.18", "default", "docker@23"),
    ("docker@24", "24.0.9", "default", "docker@24"),
    ("docker@27", "27.5.1", "default", "docker@27"),
    ("docker@28", "28.5.2", "default", "docker@28"),
    ("docker@29", "29.7.2", "default", "docker@29"),
    ("docker@28.2", "28.2.2", "default", "docker@28.2"),
    ("docker@28.2.2", "28.2.2", "default", "docker@28.2.2"),
    ("docker@29.5.0", "29.5.0", "default", "docker@29.5.0"),
    ("docker@29/classic", "29.7.2", "classic", "docker@29/classic"),
    ("docker@24/containerd-store", "24.0.9", "containerd-store", "docker@24/containerd-store"),
    ("docker@20.10.24+dfsg1", "20.10.24+dfsg1", "default", "docker@20.10.24+dfsg1"),
])
def test_names(name: str, version: str, store: str, shown: str) -> None:
    e = engine(name)
    assert (str(e.version), e.store_choice, e.name) == (version, store, shown)


@pytest.mark.parametrize(("name", "says"), [
    ("docker@23/containerd-store", "first appeared in 24.0.0"),
    ("docker@20.10/containerd-store", "no containerd image store"),
    ("docker@22", "not a modelled"),
    ("docker@28.9.9", "not a modelled"),
    ("docker@27.0.0", "not a modelled"),  # 27.0.1 was the first 27 release
    ("docker@29.0.0rc1", "not a modelled"),
    ("docker@28.2.2+foo", "Debian"),
    ("docker@banana", "not a version"),
    ("docker@29/overlay", "unknown image store"),
])
def test_bad_names(name: str, says: str) -> None:
    with pytest.raises(UnknownEngine, match=says):
        engine(name)


# daemon/image_store_choice.go@docker-v29.0.0: containerd by default on Linux only.
@pytest.mark.parametrize(("name", "host", "store"), [
    ("docker@28", AMD64, "classic"),
    ("docker@29", AMD64, "containerd-store"),
    ("docker@29", WIN_17763, "classic"),
    ("docker@29/classic", AMD64, "classic"),
    ("docker@24/containerd-store", AMD64, "containerd-store"),
])
def test_store_choice(name: str, host: Platform, store: str) -> None:
    assert engine(name).store_for(host) == store


# vendor.conf@v20.10.x, vendor.mod@v23.0.0..v28.5.2, go.mod@docker-v29.x
@pytest.mark.parametrize(("version", "label"), [
    ("20.10.0", FORK_2010.label), ("20.10.27", FORK_2010.label),
    ("20.10.24+dfsg1", DEBIAN_2010.label),
    ("23.0.0", "containerd v1.6.16 platforms"), ("23.0.2", "containerd v1.6.19 platforms"),
    ("23.0.6", "containerd v1.6.21 platforms"), ("23.0.18", "containerd v1.6.22 platforms"),
    ("24.0.0", "containerd v1.6.21 platforms"), ("24.0.9", "containerd v1.6.22 platforms"),
    ("25.0.0", "containerd v1.7.12 platforms"), ("25.0.17", "containerd/platforms v0.2.1"),
    ("26.1.0", "containerd v1.7.15 platforms"), ("27.0.1", "containerd v1.7.18 platforms"),
    ("27.5.0", "containerd/platforms v0.2.1"), ("28.0.0", "containerd/platforms v1.0.0-rc.1"),
    ("28.5.2", "containerd/platforms v1.0.0-rc.1"), ("29.5.3", "containerd/platforms v1.0.0-rc.2"),
    ("29.6.0", "containerd/platforms v1.0.0-rc.4"), ("29.7.2", "containerd/platforms v1.0.0-rc.4"),
])
def test_vendored_platforms(version: str, label: str) -> None:
    vendored = vendored_for(Version(version))
    assert vendored is not None and vendored.label == label


# The first tag of each change, found by reading the file at every release tag.
@pytest.mark.parametrize(("version", "field", "value"), [
    ("20.10.3", "create_uses_fallback", False), ("20.10.4", "create_uses_fallback", True),
    ("20.10.7", "pull_platform_check", "none"), ("20.10.8", "pull_platform_check", "name-latest"),
    ("24.0.0", "pull_platform_check", "name-latest"), ("24.0.1", "pull_platform_check", "full-ref"),
    ("20.10.21", "checks_media_types", False), ("20.10.22", "checks_media_types", True),
    ("20.10.27", "classic_filter", "exact"), ("23.0.0", "classic_filter", "only"),
    ("24.0.9", "windows_filter", "os-equal"), ("25.0.0", "windows_filter", "check-os"),
    ("23.0.18", "containerd_store", "none"), ("24.0.0", "containerd_store", "opt-in"),
    ("28.5.2", "containerd_store", "opt-in"), ("29.0.0", "containerd_store", "default"),
    ("27.2.0", "c8d_no_match", "raw"), ("27.2.1", "c8d_no_match", "prefixed"),
    ("29.5.3", "c8d_no_match", "prefixed"), ("29.6.0", "c8d_no_match", "host-variant"),
    ("27.3.1", "mismatch_wording", "wanted-actual"), ("27.4.0", "mismatch_wording", "its-platform"),
    ("27.5.1", "classic_format_all", False), ("28.0.0", "classic_format_all", True),
    ("28.1.1", "warnings_format_all", False), ("28.2.0", "warnings_format_all", True),
])
def test_rules_by_release(version: str, field: str, value: object) -> None:
    assert getattr(rules_at(Version(version)), field) == value


def test_profiles() -> None:
    names = [info.name for info in profiles()]
    for wanted in ("docker@20.10", "docker@23", "docker@24", "docker@24/containerd-store",
                   "docker@28/containerd-store", "docker@29", "docker@29/classic",
                   "docker@20.10.24+dfsg1", "docker"):
        assert wanted in names
    for info in profiles():
        assert info.family == "moby" and info.source and info.rules
        engine(info.name)  # every listed name can be made
    by_name = {info.name: info for info in profiles()}
    assert any("29.6.0+" in line for line in by_name["docker@29"].rules)
    assert any("v1.0.0-rc.4" in line for line in by_name["docker@29"].rules)


# ---------------------------------------------------------------------------------------------
# What dockerd detects, and how it parses --platform
# ---------------------------------------------------------------------------------------------

# distribution/pull_v2.go maximumSpec (v23.0.0+); containerd DefaultSpec (no amd64 level);
# daemon/containerd/platform_matchers.go hostPlatformSpec (docker-v29.6.0).
@pytest.mark.parametrize(("name", "host", "detected"), [
    ("docker@20.10", AMD64_V3, "linux/amd64"),
    ("docker@23", AMD64_V3, "linux/amd64/v3"),
    ("docker@28", AMD64, "linux/amd64/v1"),  # go-archvariant says v1 on a baseline CPU
    ("docker@28/containerd-store", AMD64_V3, "linux/amd64"),
    ("docker@29.5", AMD64_V3, "linux/amd64"),
    ("docker@29.6", AMD64_V3, "linux/amd64/v3"),
    ("docker@29.6/classic", AMD64_V3, "linux/amd64/v3"),
    ("docker@20.10", Platform("linux", "arm64"), "linux/arm64/v8"),
    # a 32-bit dockerd on an arm64 kernel: the fork says v7, containerd 1.6 says v8
    ("docker@20.10", Platform("linux", "arm", "v8"), "linux/arm/v7"),
    ("docker@20.10.24+dfsg1", Platform("linux", "arm", "v8"), "linux/arm/v8"),
    # the Windows classic filter compares the architecture and the build only
    ("docker@28", Platform("windows", "amd64", "v2", "10.0.17763.1234"),
     "windows(10.0.17763)/amd64"),
])
def test_detected_platform(name: str, host: Platform, detected: str) -> None:
    assert format_all(engine(name).detected_platform(host)) == detected


# The daemon's platforms.Parse: the fork's normalizeArch at v20.10.x, containerd's later.
@pytest.mark.parametrize(("name", "text", "parsed"), [
    ("docker@20.10", "linux/x86_64/v2", "linux/amd64"),
    ("docker@20.10.24+dfsg1", "linux/x86_64/v2", "linux/amd64/v2"),
    ("docker@20.10", "linux/amd64/v1", "linux/amd64/v1"),
    ("docker@23", "linux/amd64/v1", "linux/amd64"),
    ("docker@20.10", "linux/arm64/v8", "linux/arm64/v8"),
    ("docker@20.10", "linux/arm64", "linux/arm64"),
    ("docker@28", "linux/arm64/v8.2", "linux/arm64/v8.2"),
    ("docker@28", "windows(10.0.17763)/amd64", "windows(10.0.17763)/amd64"),
])
def test_parse_platform(name: str, text: str, parsed: str) -> None:
    assert format_all(engine(name).parse_platform(text, AMD64)) == parsed


@pytest.mark.parametrize(("name", "text"), [
    ("docker@27", "linux/arm64/v8.2"),  # '.' allowed from platforms rc.0 (docker 28)
    ("docker@20.10", "windows(10.0.17763)/amd64"),  # os(version) from platforms v0.2.0
    ("docker@29", "foobar"),  # integration/image/pull_test.go@v28.5.2 TestImagePullPlatformInvalid
])
def test_parse_platform_errors(name: str, text: str) -> None:
    with pytest.raises(PlatformError):
        engine(name).parse_platform(text, AMD64)


# ---------------------------------------------------------------------------------------------
# dockerd 20.10: every row of oracle.md's "dockerd 20.10" columns (Debian's 20.10.24+dfsg1, on
# an amd64 host), for upstream 20.10 and for the Debian build; OCI index and Docker list alike.
# ---------------------------------------------------------------------------------------------

DEMO = (
    Entry("linux-amd64", p("linux", "amd64")),
    Entry("linux-arm-v6", p("linux", "arm", "v6")),
    Entry("linux-arm-v7", p("linux", "arm", "v7")),
    Entry("linux-arm64-v8", p("linux", "arm64", "v8")),
    Entry("linux-386", p("linux", "386")),
)
DEMO_2010 = {
    "linux/arm/v8": "linux-arm-v6",  # the deprecated arm fallback: first linux/arm in list order
    "linux/arm/v7": "linux-arm-v7",
    "linux/arm/v6": "linux-arm-v6",
    "linux/arm64": "linux-arm64-v8",
    "linux/arm64/v8": "linux-arm64-v8",
    "linux/amd64": "linux-amd64",
    "linux/386": "linux-386",
    "linux/amd64/v3": "ERR",
}
ARMV5 = (Entry("linux-arm-v5", p("linux", "arm", "v5")), Entry("linux-amd64", p("linux", "amd64")))
ARMV5_2010 = {
    "linux/arm/v8": "linux-arm-v5", "linux/arm/v7": "linux-arm-v5",
    "linux/arm/v6": "linux-arm-v5", "linux/arm64": "ERR", "linux/arm64/v8": "ERR",
    "linux/amd64": "linux-amd64", "linux/386": "ERR", "linux/amd64/v3": "ERR",
}
KITCHEN = (
    Entry("no-platform", None, config=None),
    Entry("windows", p("windows", "amd64", **{"os.version": "10.0.17763.5458"})),
    Entry("linux-amd64-v3", p("linux", "amd64", "v3")),
    Entry("linux-amd64", p("linux", "amd64")),
    Entry("attestation", p("unknown", "unknown"), kind="attestation", subject=3),
    Entry("arm-v6", p("linux", "arm", "v6")),
    Entry("arm-v7-a", p("linux", "arm", "v7")),
    Entry("arm-v7-b-dup", p("linux", "arm", "v7")),
    Entry("arm64-v8", p("linux", "arm64", "v8")),
    Entry("linux-386", p("linux", "386")),
    Entry("mismatch", p("linux", "arm64"), config=p("linux", "amd64")),
    Entry("nested", p("linux", "s390x"), kind="index",
          nested=(Entry("nested-s390x", p("linux", "s390x")),)),
)
KITCHEN_2010 = {
    "linux/amd64": "linux-amd64",
    "linux/amd64/v3": "linux-amd64-v3",
    "linux/amd64/v2": "ERR",
    "linux/arm/v7": "arm-v7-a",
    "linux/arm64": "arm64-v8",
    "linux/s390x": ("nested", "unsupported manifest format"),
    "windows/amd64": ("windows", 'image operating system "windows" cannot be used on this '
                                 "platform"),
    "unknown/unknown": ("attestation", "unsupported media type application/vnd.in-toto+json"),
    "linux/riscv64": "ERR",
}
NO_VARIANT = (
    Entry("arm-no-variant", p("linux", "arm")),
    Entry("arm-v6", p("linux", "arm", "v6")),
    Entry("arm64-no-variant", p("linux", "arm64")),
    Entry("amd64-v2", p("linux", "amd64", "v2")),
)
NO_VARIANT_2010 = {
    "linux/arm": "arm-no-variant",
    "linux/arm/v7": "arm-no-variant",
    "linux/arm/v6": "arm-v6",
    "linux/arm/v5": "arm-no-variant",  # partial match: the first linux/arm entry
    "linux/arm64/v8": "arm64-no-variant",
    "linux/amd64": "ERR",
    "linux/amd64/v3": "ERR",
}

ORACLE_2010 = [
    (name, entries, request, expected)
    for name, entries, table in (("demo", DEMO, DEMO_2010), ("armv5", ARMV5, ARMV5_2010),
                                 ("kitchen", KITCHEN, KITCHEN_2010),
                                 ("novariant", NO_VARIANT, NO_VARIANT_2010))
    for request, expected in table.items()
]


@pytest.mark.parametrize("build", ["docker@20.10", "docker@20.10.24", "docker@20.10.24+dfsg1"])
@pytest.mark.parametrize("oci", [True, False], ids=["oci", "docker-list"])
@pytest.mark.parametrize(("name", "entries", "request_", "expected"), ORACLE_2010,
                         ids=[f"{n}-{r}" for n, _, r, _ in ORACLE_2010])
def test_dockerd_2010_oracle(build: str, oci: bool, name: str, entries: tuple[Entry, ...],
                             request_: str, expected: str | tuple[str, str]) -> None:
    image = build_image(f"{name}-{'oci' if oci else 'docker'}", oci, entries, [request_])
    s = ask(build, image, AMD64, request_)
    if expected == "ERR":
        assert s.outcome == "no-match"
        assert s.message == (f"no matching manifest for {request_} in the manifest list "
                             "entries")
    elif isinstance(expected, tuple):
        hint, message = expected
        assert (s.outcome, label(image, s), s.message) == ("failed", hint, message)
    else:
        assert (s.outcome, label(image, s), s.message) == ("selected", expected, "")


def test_dockerd_2010_no_platform_message() -> None:
    """oracle.md: with no --platform on an amd64 host the message names DefaultSpec; on an
    arm64 host DefaultSpec carries v8 (distribution/pull_v2_unix.go@v20.10.24 formatPlatform)."""
    doc = index_doc(p("linux", "s390x"))
    s = engine("docker@20.10").select(doc, AMD64_V3)
    assert s.message == "no matching manifest for linux/amd64 in the manifest list entries"
    s = engine("docker@20.10").select(doc, Platform("linux", "arm64"))
    assert s.message == "no matching manifest for linux/arm64/v8 in the manifest list entries"


def test_dockerd_2010_arm_fallback_uses_raw_fields() -> None:
    """The fallback compares the entries' own os/arch: armhf, Linux or an empty OS do not count
    (pull_v2_unix.go@v20.10.24)."""
    doc = index_doc(p("linux", "armhf"), p("Linux", "arm", "v5"), p("", "arm", "v5"),
                    p("linux", "arm", "v5"))
    s = engine("docker@20.10").select(doc, AMD64, Platform("linux", "arm", "v8"))
    assert chosen_index(doc, s) == 3
    assert any(step.key == "arm-fallback" for step in s.trace)


@pytest.mark.parametrize(("entry", "upstream", "debian"), [
    # the fork leaves amd64/v1 alone and clears x86_64's variant; containerd 1.6.20 does not
    (p("linux", "amd64", "v1"), None, 0),
    (p("linux", "x86_64", "v3"), 0, None),
    (p("linux", "x86_64"), 0, 0),
    (p("linux", "AMD64"), 0, 0),
])
def test_dockerd_2010_fork_vs_debian(entry: dict[str, Any], upstream: int | None,
                                     debian: int | None) -> None:
    doc = index_doc(entry)
    request = Platform("linux", "amd64")
    assert chosen_index(doc, engine("docker@20.10").select(doc, AMD64, request)) == upstream
    assert chosen_index(doc, engine("docker@20.10.24+dfsg1").select(doc, AMD64, request)) == debian


@pytest.mark.parametrize(("config", "message"), [
    # oracle.md "More measured behaviours": only the config's OS is checked
    (p("windows", "amd64"), 'image operating system "windows" cannot be used on this platform'),
    (p("darwin", "amd64"), "operating system is not supported"),
    (p("Windows", "amd64"), "operating system is not supported"),
    # measured with Debian's dockerd 20.10.24: the image store panics on "Linux" (image/store.go
    # Create indexes is.lss by the config's OS), the client reads EOF
    (p("Linux", "amd64"), "unexpected EOF"),
    (p("linux", "s390x"), None),  # the architecture is never checked
    ({"architecture": "amd64"}, None),  # no OS: the daemon's
])
def test_dockerd_2010_config_checks(config: dict[str, Any], message: str | None) -> None:
    image = build_image("cfg", True, [Entry("only", p("linux", "amd64"), config=config)], [])
    s = ask("docker@20.10", image, AMD64)
    assert s.message == (message or "")
    assert s.outcome == ("failed" if message else "selected")
    assert label(image, s) == "only"
    assert ask("docker@20.10.24+dfsg1", image, AMD64).message == (message or "")


def test_dockerd_2010_capital_linux_entry_crashes() -> None:
    """oracle.md: an entry saying "Linux" makes dockerd 20.10's download handler panic."""
    image = build_image("crash", True, [Entry("cap", p("Linux", "amd64"),
                                              config=p("linux", "amd64"))], [])
    s = ask("docker@20.10", image, AMD64)
    assert (s.outcome, s.message, label(image, s)) == ("failed", "unexpected EOF", "cap")
    s = ask("docker@23", image, AMD64)
    assert s.outcome == "selected"


def test_dockerd_2010_nested_index_without_fetch() -> None:
    """The nested index fails whatever it holds: no fetch is needed to say so."""
    image = build_image("nest", True, KITCHEN, [])
    s = ask("docker@20.10", image, AMD64, "linux/s390x", fetch=False)
    assert (s.outcome, s.message) == ("failed", "unsupported manifest format")
    assert s.path == (image.digest, image.by_hint("nested"))


def test_dockerd_2010_single_manifest() -> None:
    """oracle.md: ``docker pull --platform linux/arm64`` of a single amd64 manifest is silent
    (dockerd 20.10 checks <name>:latest, not the pulled tag); ``docker run --platform`` then
    fails with the text below."""
    for oci in (True, False):
        image = build_single("single", oci, p("linux", "amd64"), [])
        s = ask("docker@20.10", image, AMD64, "linux/arm64",
                reference="127.0.0.1:5055/oracle/single:amd64")
        assert (s.outcome, s.digest, s.warnings) == ("single-manifest", image.digest, ())
        run = [t.text for t in s.trace if t.key == "run-platform"]
        assert run == ["docker run --platform linux/arm64 would fail: image with reference "
                       "127.0.0.1:5055/oracle/single:amd64 was found but does not match the "
                       "specified platform: wanted linux/arm64, actual: linux/amd64"]
        s = ask("docker@20.10", image, AMD64, "linux/amd64")
        assert (s.outcome, s.warnings) == ("single-manifest", ())


def test_dockerd_2010_single_manifest_latest_tag_warns() -> None:
    """daemon/images/image_pull.go@v20.10.8: the check of <name>:latest prints the warning
    when the pulled tag is latest (the name is the fromImage the CLI sends)."""
    image = build_single("single", True, p("linux", "amd64"), [])
    s = ask("docker@20.10", image, AMD64, "linux/arm64",
            reference="127.0.0.1:5055/oracle/single")
    assert s.warnings == ("WARNING: image with reference 127.0.0.1:5055/oracle/single was "
                          "found but does not match the specified platform: wanted linux/arm64, "
                          "actual: linux/amd64",)
    s = ask("docker@20.10.7", image, AMD64, "linux/arm64", reference="oracle/single")
    assert s.warnings == ()  # the check came with 20.10.8


@settings(max_examples=200, deadline=None)
@given(
    entries=st.lists(st.sampled_from([
        p("linux", "amd64"), p("linux", "amd64", "v3"), p("linux", "386"), p("linux", "arm"),
        p("linux", "arm", "v5"), p("linux", "arm", "v6"), p("linux", "arm", "v7"),
        p("linux", "arm64"), p("linux", "arm64", "v8"), p("linux", "armhf"),
        p("linux", "aarch64"), p("linux", "s390x"), p("windows", "amd64"), None,
    ]), min_size=1, max_size=8),
    request_=st.sampled_from(["linux/amd64", "linux/amd64/v3", "linux/386", "linux/arm/v5",
                              "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/arm64",
                              "linux/s390x"]),
)
def test_dockerd_2010_takes_the_first_accepted_entry(entries: list[dict[str, Any] | None],
                                                     request_: str) -> None:
    """20.10 never sorts: the choice is the first entry in list order among those it accepts,
    and what it accepts is a subsequence of the list."""
    e = engine("docker@20.10")
    doc = index_doc(*entries)
    requested = e.parse_platform(request_, AMD64)
    platforms = [d.platform or Platform() for d in doc.manifests]
    accepted = e.order(requested, platforms)
    kept = [i for i, pl in enumerate(platforms) if e.matches(requested, pl)]
    s = e.select(doc, AMD64, requested)
    if not accepted:
        assert s.outcome == "no-match"
        return
    first = chosen_index(doc, s)
    assert first is not None and platforms[first] == accepted[0]
    assert first == min(i for i, pl in enumerate(platforms) if pl in accepted)
    assert kept[0] <= first  # an entry accepted alone may only be a fallback in company


# ---------------------------------------------------------------------------------------------
# Classic 23+ (Only of maximumSpec / --platform, stable sort, platform-less entries last)
# ---------------------------------------------------------------------------------------------

# daemon/containerd/platform_matchers_test.go@docker-v29.6.0 TestMatcherOnLinuxAmd64v4 and
# TestMatcherOnLinuxArm64v8, the non-strict (platforms.Only) rows: the same Only(host) or
# Only(request) the classic puller uses from v23.0.0 (distribution/pull_v2_unix.go@v23.0.0)
# and the containerd store's pull from docker-v29.6.0.
L_AMD64, L_V2, L_V3 = p("linux", "amd64"), p("linux", "amd64", "v2"), p("linux", "amd64", "v3")
L_ARMV5, L_ARMV6 = p("linux", "arm", "v5"), p("linux", "arm", "v6")
L_ARM64 = p("linux", "arm64", "v8")
W_AMD64 = p("windows", "amd64", **{"os.version": "10.0.14393"})
HOST_V4 = Platform("linux", "amd64", "v4")
UPSTREAM_MATCHERS = [
    (HOST_V4, (L_AMD64, L_V3), None, 1),
    (HOST_V4, (L_AMD64, L_V3), "linux/amd64", 0),
    (HOST_V4, (L_AMD64, L_V3), "linux/amd64/v3", 1),
    (HOST_V4, (L_V3,), None, 0),
    (HOST_V4, (L_V3,), "linux/amd64", None),
    (HOST_V4, (L_V2, L_V3), None, 1),
    (HOST_V4, (L_V2, L_V3), "linux/amd64/v4", 1),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), None, 3),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), "linux/amd64", 0),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), "windows/amd64", 4),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), "linux/arm", 2),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), "linux/arm/v5", 1),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), "linux/arm/v8", 2),
    (ARM64, (L_AMD64, L_ARMV5, L_ARMV6, L_ARM64, W_AMD64), "linux/s390x", None),
]


@pytest.mark.parametrize("name", ["docker@23", "docker@25", "docker@27", "docker@28",
                                  "docker@29/classic", "docker@29.6/containerd-store"])
@pytest.mark.parametrize(("host", "entries", "request_", "first"), UPSTREAM_MATCHERS)
def test_upstream_matcher_tables(name: str, host: Platform, entries: tuple[dict[str, Any], ...],
                                 request_: str | None, first: int | None) -> None:
    e = engine(name)
    doc = index_doc(*entries)
    requested = e.parse_platform(request_, host) if request_ else None
    s = e.select(doc, host, requested)
    if first is None:
        assert s.outcome == "no-match"
    else:
        assert chosen_index(doc, s) == first
        # a Windows entry is chosen on a Linux daemon; the classic store then refuses its OS
        classic = e.store_for(host) == "classic"
        assert s.outcome == ("failed" if request_ == "windows/amd64" and classic else "selected")


@pytest.mark.parametrize(("name", "entries", "host", "first"), [
    # moby.md A.2: 386 matches after every amd64 entry from v23; 20.10 has no fallback
    ("docker@20.10", (p("linux", "386"),), AMD64_V3, None),
    ("docker@23", (p("linux", "386"),), AMD64_V3, 0),
    ("docker@23", (p("linux", "386"), p("linux", "amd64")), AMD64_V3, 1),
    # maximumSpec: an amd64/v3 host prefers v3, v2, then plain amd64; never v4
    ("docker@23", (L_AMD64, L_V2, L_V3, p("linux", "amd64", "v4")), AMD64_V3, 2),
    ("docker@20.10", (L_AMD64, L_V2, L_V3), AMD64_V3, 0),
    ("docker@28/containerd-store", (L_AMD64, L_V2, L_V3), AMD64_V3, 0),
    ("docker@29.6", (L_AMD64, L_V2, L_V3), AMD64_V3, 2),
    ("docker@23", (p("linux", "amd64", "v4"),), AMD64_V3, None),
    # arm64 hosts fall back to arm v8..v5 from v23
    ("docker@23", (L_ARMV5,), ARM64, 0),
    ("docker@20.10", (L_ARMV5,), ARM64, None),
])
def test_only_vectors_and_defaults(name: str, entries: tuple[dict[str, Any], ...],
                                   host: Platform, first: int | None) -> None:
    doc = index_doc(*entries)
    assert chosen_index(doc, engine(name).select(doc, host)) == first


@pytest.mark.parametrize(("name", "platform", "is_nil"), [
    # toOCIPlatform (distribution/pull_v2.go@v23.0.0): nil only when every field is empty and
    # neither os.features nor features is a list; nil entries are kept and tried last
    ("docker@23", None, True),
    ("docker@23", {}, True),
    ("docker@23", {"os": "", "architecture": ""}, True),
    ("docker@23", {"os.features": []}, False),
    ("docker@23", {"features": ["sse4"]}, False),
    ("docker@23", {"os.features": None}, True),
    ("docker@20.10", None, False),  # 20.10: the zero platform never matches
])
def test_platformless_entries(name: str, platform: dict[str, Any] | None, is_nil: bool) -> None:
    entry: dict[str, Any] = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                             "digest": "sha256:" + "a" * 64, "size": 1}
    if platform is not None:
        entry["platform"] = platform
    other = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
             "digest": "sha256:" + "b" * 64, "size": 1, "platform": p("linux", "s390x")}
    doc = parse_document(json.dumps({"schemaVersion": 2, "manifests": [entry, other]}))
    assert isinstance(doc, Index)
    s = engine(name).select(doc, AMD64)
    assert (s.digest == "sha256:" + "a" * 64) is is_nil
    if not is_nil:
        assert s.outcome == "no-match"


def test_platformless_entries_sort_last() -> None:
    doc = index_doc(None, p("linux", "386"), None, p("linux", "amd64"))
    s = engine("docker@23").select(doc, AMD64)
    assert chosen_index(doc, s) == 3
    assert engine("docker@23").order(Platform("linux", "amd64"), [
        Platform(), Platform("linux", "386"), Platform("linux", "amd64")]) == [
        Platform("linux", "amd64"), Platform("linux", "386"), Platform()]


def test_kitchen_sink_23_plus() -> None:
    """The kitchen sink with dockerd 23+: the platform-less entry is the last resort, nested
    indexes are followed, attestations still fail."""
    image = build_image("ks", True, KITCHEN, [])
    cases = {
        "linux/amd64": ("selected", "linux-amd64", ""),
        "linux/amd64/v2": ("selected", "linux-amd64", ""),
        "linux/s390x": ("selected", "nested-s390x", ""),
        "linux/riscv64": ("selected", "no-platform", ""),
        "windows/amd64": ("failed", "windows", "operating system is not supported"),
        "unknown/unknown": ("failed", "attestation",
                            "unsupported media type application/vnd.in-toto+json"),
    }
    for request_, expected in cases.items():
        s = ask("docker@28", image, AMD64, request_)
        assert (s.outcome, label(image, s), s.message) == expected, request_
    s = ask("docker@28", image, AMD64, "linux/s390x")
    assert s.path == (image.digest, image.by_hint("nested"), image.by_hint("nested-s390x"))


def _nested(first: tuple[Entry, ...], platform: dict[str, Any]) -> tuple[Entry, ...]:
    return (Entry("nested", platform, kind="index", nested=first),
            Entry("direct", p("linux", "amd64")))


def test_nested_no_match_is_returned_at_once() -> None:
    """pullManifestList (distribution/pull_v2.go@v23.0.0): a nested index without a match
    returns noMatchesErr at once; the later direct entry is never tried."""
    image = build_image("n1", True, _nested((Entry("arm", p("linux", "arm64")),),
                                            p("linux", "amd64")), [])
    s = ask("docker@23", image, AMD64)
    assert (s.outcome, s.message) == (
        "no-match", "no matching manifest for linux/amd64 in the manifest list entries")
    assert any(t.key == "nested-no-match" for t in s.trace)
    s = ask("docker@28/containerd-store", image, AMD64)  # containerd: one candidate only
    assert s.outcome == "no-match"


def test_nested_failure_tries_the_next_match() -> None:
    """Any other error from the nested index: ``continue`` with the next match."""
    inner = (Entry("win-config", p("linux", "amd64"), config=p("windows", "amd64")),)
    image = build_image("n2", True, _nested(inner, p("linux", "amd64")), [])
    s = ask("docker@23", image, AMD64)
    assert (s.outcome, label(image, s)) == ("selected", "direct")
    assert any(t.key == "next" for t in s.trace)
    # When the failing nested index is the last match, the error is lost: no matching manifest.
    image = build_image("n3", True, (Entry("nested", p("linux", "amd64"), kind="index",
                                           nested=inner),), [])
    s = ask("docker@23", image, AMD64)
    assert (s.outcome, s.message) == (
        "no-match", "no matching manifest for linux/amd64 in the manifest list entries")


def test_nested_index_not_fetched() -> None:
    image = build_image("n4", True, KITCHEN, [])
    s = ask("docker@23", image, AMD64, "linux/s390x", fetch=False)
    assert (s.outcome, label(image, s)) == ("selected", "nested")
    assert s.warnings and "not fetched" in s.warnings[0]


@pytest.mark.parametrize(("name", "message"), [
    # vendor/github.com/docker/distribution/manifests.go UnmarshalManifest: schema1 registers
    # the "" default up to v28.5.2 (libtrust then finds no signature); docker-v29 links no
    # schema1, so no default exists
    ("docker@20.10", "missing signature key"),
    ("docker@23", "missing signature key"),
    ("docker@28", "missing signature key"),
    ("docker@29/classic", "unsupported manifest media type and no default available: "
                          "application/vnd.example.thing+json"),
])
def test_unknown_manifest_media_type(name: str, message: str) -> None:
    doc = parse_document(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.example.thing+json", "digest": "sha256:" + "c" * 64,
        "size": 1, "platform": p("linux", "amd64")}]}))
    s = engine(name).select(doc, AMD64)
    assert (s.outcome, s.message) == ("failed", message)


@pytest.mark.parametrize(("name", "outcome", "start"), [
    ("docker@25", "selected", ""),
    ("docker@26", "failed", "[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image "
                            "manifest version 2, schema 1 support is disabled by default"),
    ("docker@28.2", "failed", "Docker Image Format v1 and Docker Image manifest version 2, "
                              "schema 1 support has been removed. Suggest the author of "
                              "docker.io/library/old:latest"),
])
def test_schema1_entry(name: str, outcome: str, start: str) -> None:
    """distribution/errors.go DeprecatedSchema1ImageError (v26.0.0, reworded v28.2.0)."""
    doc = parse_document(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "digest": "sha256:" + "d" * 64, "size": 1, "platform": p("linux", "amd64")}]}))
    s = engine(name).select(doc, AMD64, reference="old")
    assert s.outcome == outcome and s.message.startswith(start)
    if outcome == "selected":
        assert s.warnings[0].startswith("[DEPRECATION NOTICE] v2 schema1 manifests in manifest "
                                        "lists are not supported")


@pytest.mark.parametrize(("config", "message"), [
    # distribution/config.go platformFromConfig (v23.0.0 … docker-v29): CheckOS, EqualFold
    (p("windows", "amd64"), 'image operating system "windows" cannot be used on this platform: '
                            "operating system is not supported"),
    (p("Linux", "amd64"), ""),
    (p("linux", "arm64"), ""),
])
def test_config_os_check_23_plus(config: dict[str, Any], message: str) -> None:
    image = build_image("c23", False, [Entry("e", p("linux", "amd64"), config=config)], [])
    s = ask("docker@29/classic", image, AMD64)
    assert s.message == message


def test_post_selection_not_checked_without_fetch() -> None:
    doc = index_doc(p("linux", "amd64"))
    s = engine("docker@28").select(doc, AMD64)
    assert s.outcome == "selected"
    assert any("not fetched" in w for w in s.warnings)
    assert any(t.key == "unchecked" for t in s.trace)


def test_attestation_predicted_without_fetch() -> None:
    image = build_image("att", True, KITCHEN, [])
    s = ask("docker@27", image, AMD64, "unknown/unknown", fetch=False)
    assert (s.outcome, s.message) == ("failed",
                                      "unsupported media type application/vnd.in-toto+json")


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(st.sampled_from([
        p("linux", "amd64"), p("linux", "amd64", "v2"), p("linux", "amd64", "v3"),
        p("linux", "386"), p("linux", "arm", "v5"), p("linux", "arm", "v6"),
        p("linux", "arm", "v7"), p("linux", "arm64", "v8"), p("linux", "s390x"),
    ]), min_size=1, max_size=7, unique_by=lambda d: json.dumps(d, sort_keys=True)),
    host=st.sampled_from([AMD64, AMD64_V3, HOST_V4, ARM64, Platform("linux", "arm", "v7")]),
    data=st.data(),
)
def test_23_plus_choice_ignores_list_order(entries: list[dict[str, Any]], host: Platform,
                                           data: st.DataObject) -> None:
    """v23+ sorts by preference: the chosen platform does not depend on the list order."""
    shuffled = data.draw(st.permutations(entries))
    e = engine("docker@28")
    first = e.select(index_doc(*entries), host)
    second = e.select(index_doc(*shuffled), host)
    assert first.outcome == second.outcome
    assert first.selected_platform == second.selected_platform


# ---------------------------------------------------------------------------------------------
# No-match messages per release
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "host", "request_", "message"), [
    ("docker@23", AMD64_V3, None, "no matching manifest for linux/amd64 in the manifest list "
                                  "entries"),
    ("docker@27", ARM64, None, "no matching manifest for linux/arm64/v8 in the manifest list "
                               "entries"),
    ("docker@28", AMD64, "linux/arm64", "no matching manifest for linux/arm64 in the manifest "
                                        "list entries"),
    # distribution/pull_v2_test.go@v28.5.2 TestNoMatchesErr
    ("docker@28", AMD64, "windows(10.0.17763)/arm64/v8",
     "no matching manifest for windows(10.0.17763)/arm64/v8 in the manifest list entries"),
    ("docker@29/classic", AMD64_V3, None, "no matching manifest for linux/amd64 in the manifest "
                                          "list entries"),
    # containerd store: LimitManifests' text, translated from v27.2.1 (image_pull.go)
    ("docker@24/containerd-store", AMD64, None, "no match for platform in manifest: not found"),
    ("docker@27.2.0/containerd-store", AMD64, "linux/arm64",
     "no match for platform in manifest: not found"),
    ("docker@27.2.1/containerd-store", AMD64, "linux/arm64",
     "no matching manifest for linux/arm64 in the manifest list entries: no match for platform "
     "in manifest: not found"),
    ("docker@28/containerd-store", ARM64, None,
     "no matching manifest for linux/arm64/v8 in the manifest list entries: no match for "
     "platform in manifest: not found"),
    ("docker@29.5", AMD64_V3, None,
     "no matching manifest for linux/amd64 in the manifest list entries: no match for platform "
     "in manifest: not found"),
    # moby.md B.2: docker-v29.6+ prints the host with its amd64 level
    ("docker@29.6", AMD64_V3, None,
     "no matching manifest for linux/amd64/v3 in the manifest list entries: no match for "
     "platform in manifest: not found"),
    ("docker@29.6", AMD64, None,
     "no matching manifest for linux/amd64/v1 in the manifest list entries: no match for "
     "platform in manifest: not found"),
])
def test_no_match_messages(name: str, host: Platform, request_: str | None, message: str) -> None:
    e = engine(name)
    doc = index_doc(p("linux", "s390x"), p("linux", "amd64", "v4"))
    requested = e.parse_platform(request_, host) if request_ else None
    s = e.select(doc, host, requested)
    assert (s.outcome, s.message, s.path) == ("no-match", message, (doc.digest,))
    assert s.trace[-1].key == "no-match"


def test_c8d_v29_5_misses_levelled_entries() -> None:
    """moby.md B.2: up to 29.5 the containerd store pulls with Default() (no amd64 level), so
    an index of amd64/v2 and v3 only gives no match on an amd64/v3 host; 29.6 pulls v3."""
    doc = index_doc(L_V2, L_V3)
    assert engine("docker@29.5").select(doc, AMD64_V3).outcome == "no-match"
    assert chosen_index(doc, engine("docker@29.6").select(doc, AMD64_V3)) == 1
    assert chosen_index(doc, engine("docker@29.5/classic").select(doc, AMD64_V3)) == 1


# ---------------------------------------------------------------------------------------------
# Windows daemon (distribution/pull_v2_windows.go)
# ---------------------------------------------------------------------------------------------

WIN_ENTRIES = (
    p("linux", "amd64"),
    p("windows", "amd64", **{"os.version": "10.0.14393.6897"}),
    p("windows", "amd64", **{"os.version": "10.0.20348.2322"}),
    p("windows", "amd64", **{"os.version": "10.0.17763.5458"}),
    p("windows", "arm64", **{"os.version": "10.0.17763.5458"}),
)


@pytest.mark.parametrize("name", ["docker@20.10", "docker@24", "docker@25", "docker@28",
                                  "docker@29"])
def test_windows_prefers_the_host_build(name: str) -> None:
    doc = index_doc(*WIN_ENTRIES)
    s = engine(name).select(doc, WIN_17763)
    assert chosen_index(doc, s) == 3
    drops = [t.text for t in s.trace if t.key == "drop"]
    assert ("entry 2 windows(10.0.20348.2322)/amd64: skipped, a Windows version "
            "10.0.20348-based image is incompatible with a 10.0.17763 host") in drops
    assert any("entry 4" in d and "'arm64'" in d for d in drops)


def test_windows_exact_build_without_ubr_is_no_version_match() -> None:
    """versionMatch needs the build followed by '.': ``10.0.17763`` alone keeps list order."""
    doc = index_doc(p("windows", "amd64", **{"os.version": "10.0.14393.1"}),
                    p("windows", "amd64", **{"os.version": "10.0.17763"}))
    assert chosen_index(doc, engine("docker@28").select(doc, WIN_17763)) == 0


def test_windows_arch_is_compared_as_is() -> None:
    doc = index_doc(p("windows", "AMD64"), p("windows", "x86_64"))
    assert engine("docker@28").select(doc, WIN_17763).outcome == "no-match"


@pytest.mark.parametrize(("name", "message"), [
    # formatPlatform (pull_v2_windows.go@v20.10.24 … v27): Format + " " + host build;
    # v28+: FormatAll of DefaultSpec, which carries the build on Windows
    ("docker@20.10", "no matching manifest for windows/amd64 10.0.17763 in the manifest list "
                     "entries"),
    ("docker@27", "no matching manifest for windows/amd64 10.0.17763 in the manifest list "
                  "entries"),
    ("docker@28", "no matching manifest for windows(10.0.17763)/amd64 in the manifest list "
                  "entries"),
])
def test_windows_no_match_message(name: str, message: str) -> None:
    # integration-cli/docker_cli_pull_test.go@v28.5.2: "no matching manifest for windows"
    doc = index_doc(p("linux", "amd64"), p("linux", "arm64", "v8"))
    s = engine(name).select(doc, Platform("windows", "amd64", "", "10.0.17763.5458"))
    assert (s.outcome, s.message) == ("no-match", message)


def test_windows_linux_platform_request() -> None:
    doc = index_doc(p("linux", "amd64"), p("windows", "amd64", **{"os.version": "10.0.17763.1"}))
    linux = Platform("linux", "amd64")
    # v20.10 image_routes.go: system.ValidatePlatform refuses a non-windows OS (no LCOW)
    s = engine("docker@20.10").select(doc, WIN_17763, linux)
    assert (s.outcome, s.message) == ("failed", "unsupported os linux")
    # v23/v24: the entry OS must equal the requested one; the pull then fails on the config
    image = build_image("wl", False, [Entry("lin", p("linux", "amd64"))], [])
    s = ask("docker@24", image, WIN_17763, "linux/amd64")
    assert (s.outcome, s.message) == ("failed", 'image operating system "linux" cannot be used '
                                                "on this platform: operating system is not "
                                                "supported")
    # v25+: image.CheckOS(requested OS) refuses every entry
    s = engine("docker@25").select(doc, WIN_17763, linux)
    assert (s.outcome, s.message) == ("no-match", "no matching manifest for linux/amd64 "
                                                  "10.0.17763 in the manifest list entries")


def test_windows_25_does_not_compare_the_entry_os() -> None:
    """pull_v2_windows.go@v25.0.0: with --platform only the requested OS is checked."""
    doc = index_doc(p("linux", "amd64"))
    request = Platform("windows", "amd64")
    assert chosen_index(doc, engine("docker@25").select(doc, WIN_17763, request)) == 0
    assert engine("docker@24").select(doc, WIN_17763, request).outcome == "no-match"


@settings(max_examples=150, deadline=None)
@given(
    entries=st.lists(st.builds(
        lambda os, arch, build, ubr: p(os, arch, **({"os.version": f"10.0.{build}{ubr}"}
                                                    if build else {})),
        st.sampled_from(["windows", "Windows", "linux", ""]),
        st.sampled_from(["amd64", "arm64", "AMD64", "x86_64"]),
        st.sampled_from([0, 14393, 17763, 20348, 26100]),
        st.sampled_from(["", ".1", ".5458"]),
    ), min_size=1, max_size=8),
    build=st.sampled_from([17763, 20348, 26100]),
    name=st.sampled_from(["docker@20.10", "docker@24", "docker@25", "docker@28", "docker@29"]),
)
def test_windows_choice_is_runnable(entries: list[dict[str, Any]], build: int,
                                    name: str) -> None:
    """Whatever the list, the Windows daemon's choice has its exact architecture, a Windows
    OS and a build not newer than the host's; an entry of the host's build wins when present."""
    doc = index_doc(*entries)
    host = Platform("windows", "amd64", "", f"10.0.{build}")
    s = engine(name).select(doc, host)
    picked = chosen_index(doc, s)
    if picked is None:
        assert s.outcome == "no-match"
        return
    entry = entries[picked]
    assert entry["architecture"] == "amd64" and entry["os"].lower() == "windows"
    version = entry.get("os.version", "")
    assert not version or int(version.split(".")[2]) <= build
    same_build = [i for i, e in enumerate(entries) if e["architecture"] == "amd64"
                  and e["os"].lower() == "windows"
                  and e.get("os.version", "").startswith(f"10.0.{build}.")]
    if same_build:
        assert picked == same_build[0]


@pytest.mark.parametrize(("version", "build", "problem"), [
    ("10.0.20348.1", 17763, "a Windows version 10.0.20348-based image is incompatible with a "
                            "10.0.17763 host"),
    ("10.0.17763.1", 20348, ""),  # older builds pass: no LTSC rule in the classic store
    ("10.0.17763", 17763, ""),
    ("10.0", 17763, ""),
    ("10.0.x.1", 17763, ""),
])
def test_check_image_compatibility(version: str, build: int, problem: str) -> None:
    assert windows_image_incompatible(version, build, f"10.0.{build}") == problem


# ---------------------------------------------------------------------------------------------
# Warnings: after a classic pull with --platform, and at create/run without one
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "reference", "warning"), [
    ("docker@20.10", "alpine:3.19", None),  # checks alpine:latest instead
    ("docker@20.10", "alpine", "WARNING: image with reference alpine was found but does not "
                               "match the specified platform: wanted linux/arm64, actual: "
                               "linux/amd64"),
    ("docker@24.0.0", "alpine", "WARNING: image with reference alpine was found but does not "
                                "match the specified platform: wanted linux/arm64, actual: "
                                "linux/amd64"),
    ("docker@24.0.1", "alpine:3.19", "WARNING: image with reference "
                                     "docker.io/library/alpine:3.19 was found but does not match "
                                     "the specified platform: wanted linux/arm64, actual: "
                                     "linux/amd64"),
    ("docker@27.4", "alpine:3.19", "WARNING: image with reference alpine:3.19 was found but its "
                                   "platform (linux/amd64) does not match the specified platform "
                                   "(linux/arm64)"),
    ("docker@28", "127.0.0.1:5055/oracle/single:amd64",
     "WARNING: image with reference 127.0.0.1:5055/oracle/single:amd64 was found but its "
     "platform (linux/amd64) does not match the specified platform (linux/arm64)"),
    ("docker@29/classic", "ghcr.io/x/y@sha256:" + "e" * 64,
     "WARNING: image with reference ghcr.io/x/y@sha256:" + "e" * 64 + " was found but its "
     "platform (linux/amd64) does not match the specified platform (linux/arm64)"),
    ("docker@28/containerd-store", "alpine:3.19", None),  # the containerd store says nothing
])
def test_pull_platform_mismatch_warning(name: str, reference: str, warning: str | None) -> None:
    image = build_single("w", True, p("linux", "amd64"), [])
    s = ask(name, image, AMD64, "linux/arm64", reference=reference)
    assert s.outcome == "single-manifest"
    assert s.warnings == ((warning,) if warning else ())


def test_pull_platform_mismatch_wording_of_the_integration_test() -> None:
    """integration/image/inspect_test.go@docker-v29.7.2: "image with reference
    multiplatform:latest was found but its platform (linux/aarch64) does not match …"."""
    image = build_single("m", True, p("linux", "aarch64"), [])
    s = ask("docker@29/classic", image, AMD64, "linux/amd64", reference="multiplatform")
    assert s.warnings == ("WARNING: image with reference multiplatform:latest was found but its "
                          "platform (linux/aarch64) does not match the specified platform "
                          "(linux/amd64)",)


def test_pull_platform_no_warning_when_config_matches() -> None:
    # OnlyPlatformWithFallback: a config without variant suits any variant of its os/arch
    image = build_single("ok", True, p("linux", "arm"), [])
    assert ask("docker@28", image, AMD64, "linux/arm/v6", reference="x").warnings == ()
    # and a list entry that matched the request clears a config that says otherwise
    image = build_image("mm", True, KITCHEN, [])
    s = ask("docker@28", image, AMD64, "linux/arm64", reference="x")
    assert s.warnings == ()


@pytest.mark.parametrize(("name", "host", "config", "warning"), [
    # daemon/create.go: DefaultSpec + Format (v20.10), maximumSpec (v23), FormatAll (v28.2)
    ("docker@20.10", AMD64_V3, p("linux", "arm64"), "(linux/arm64) does not match the detected "
                                                    "host platform (linux/amd64)"),
    ("docker@23", AMD64_V3, p("linux", "arm64"), "(linux/arm64) does not match the detected "
                                                 "host platform (linux/amd64/v3)"),
    ("docker@28.2", AMD64_V3, p("linux", "arm64"), "(linux/arm64) does not match the detected "
                                                   "host platform (linux/amd64/v3)"),
    ("docker@29", AMD64_V3, p("linux", "arm64"), "(linux/arm64) does not match the detected "
                                                 "host platform (linux/amd64/v3)"),
    ("docker@23", AMD64_V3, p("linux", "amd64", "v4"), "(linux/amd64/v4) does not match the "
                                                       "detected host platform (linux/amd64/v3)"),
    ("docker@23", AMD64_V3, p("linux", "386"), None),  # Only(amd64/v3) takes 386
    ("docker@20.10", AMD64_V3, p("linux", "386"), "(linux/386) does not match the detected host "
                                                  "platform (linux/amd64)"),
    # OnlyPlatformWithFallback from v20.10.4: a variant-less config suits a v6 host
    ("docker@20.10.3", Platform("linux", "arm", "v6"), p("linux", "arm"),
     "(linux/arm) does not match the detected host platform (linux/arm/v6)"),
    ("docker@20.10.4", Platform("linux", "arm", "v6"), p("linux", "arm"), None),
])
def test_create_warning(name: str, host: Platform, config: dict[str, Any],
                        warning: str | None) -> None:
    image = build_single("c", True, config, [])
    s = ask(name, image, host)
    expected = (f"The requested image's platform {warning} and no specific platform was "
                "requested") if warning else None
    assert s.warnings == ((expected,) if expected else ())


def test_create_warning_after_a_list_pull() -> None:
    """20.10's arm fallback pulls an arm/v7 image on an arm/v6 host: docker run warns."""
    image = build_image("fb", True, [Entry("v7", p("linux", "arm", "v7"))], [])
    s = ask("docker@20.10", image, Platform("linux", "arm", "v6"))
    assert s.warnings == ("The requested image's platform (linux/arm/v7) does not match the "
                          "detected host platform (linux/arm/v6) and no specific platform was "
                          "requested",)
    assert ask("docker@23", image, Platform("linux", "arm", "v6")).outcome == "no-match"


def test_single_manifest_os_checks() -> None:
    """--platform windows/amd64 on Linux with a single manifest: the layer store OS check
    (moby.md A.4); without fetch the pull is reported with a warning."""
    image = build_single("s", True, p("linux", "amd64"), [])
    for name in ("docker@20.10", "docker@23", "docker@29/classic"):
        s = ask(name, image, AMD64, "windows/amd64")
        assert (s.outcome, s.message) == ("failed", "operating system is not supported"), name
    s = ask("docker@29/containerd-store", image, AMD64, "windows/amd64")
    assert s.outcome == "single-manifest"
    s = ask("docker@28", image, AMD64, fetch=False)
    assert s.outcome == "single-manifest" and s.warnings


# ---------------------------------------------------------------------------------------------
# containerd store specifics
# ---------------------------------------------------------------------------------------------

def test_c8d_single_candidate_and_platformless_last() -> None:
    image = build_image("c8", True, (Entry("nop", None, config=p("linux", "arm64")),
                                     Entry("amd", p("linux", "amd64"))), [])
    s = ask("docker@29", image, AMD64)
    assert label(image, s) == "amd"
    image = build_image("c9", True, (Entry("nop", None, config=p("linux", "arm64")),), [])
    s = ask("docker@29", image, AMD64)
    assert (s.outcome, label(image, s)) == ("selected", "nop")  # its config is not judged


def test_c8d_follows_nested_and_never_retries() -> None:
    image = build_image("ks8", True, KITCHEN, [])
    s = ask("docker@28/containerd-store", image, AMD64, "linux/s390x")
    assert (s.outcome, label(image, s)) == ("selected", "nested-s390x")
    s = ask("docker@28/containerd-store", image, AMD64, "linux/riscv64")
    assert (s.outcome, label(image, s)) == ("selected", "no-platform")


# ---------------------------------------------------------------------------------------------
# matches / order, small helpers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "request_", "candidate", "accepted"), [
    ("docker@20.10", "linux/arm/v8", Platform("linux", "arm", "v6"), True),  # arm fallback
    ("docker@20.10", "linux/amd64", Platform("linux", "386"), False),
    ("docker@23", "linux/amd64", Platform("linux", "386"), True),
    ("docker@23", "linux/amd64", Platform("linux", "amd64", "v2"), False),
    ("docker@29", "linux/arm64", Platform("linux", "arm", "v7"), True),
])
def test_matches(name: str, request_: str, candidate: Platform, accepted: bool) -> None:
    e = engine(name)
    assert e.matches(e.parse_platform(request_, AMD64), candidate) is accepted


@pytest.mark.parametrize(("media_type", "ok"), [
    ("application/vnd.oci.image.layer.v1.tar+gzip", True),
    ("application/vnd.docker.image.rootfs.diff.tar.gzip", True),
    ("APPLICATION/VND.OCI.IMAGE.CONFIG.V1+JSON", True),
    ("application/vnd.in-toto+json", False),
    ("application/vnd.oci.images_are_fun_yolo", False),  # the "." guard of the prefix rule
    ("", True),
])
def test_media_type_supported(media_type: str, ok: bool) -> None:
    assert media_type_supported(media_type) is ok


@pytest.mark.parametrize(("text", "familiar_name", "full", "familiar"), [
    ("nginx", "nginx", "docker.io/library/nginx:latest", "nginx:latest"),
    ("user/app:1", "user/app", "docker.io/user/app:1", "user/app:1"),
    ("127.0.0.1:5055/oracle/single:amd64", "127.0.0.1:5055/oracle/single",
     "127.0.0.1:5055/oracle/single:amd64", "127.0.0.1:5055/oracle/single:amd64"),
    ("localhost/a", "localhost/a", "localhost/a:latest", "localhost/a:latest"),
])
def test_docker_reference(text: str, familiar_name: str, full: str, familiar: str) -> None:
    ref = parse_docker_reference(text).reference
    assert (ref.familiar_name, ref.full, ref.familiar) == (familiar_name, full, familiar)


def test_trace_explains_every_entry() -> None:
    doc = index_doc(*DEMO_PLATFORMS)
    for name in ("docker@20.10", "docker@23", "docker@29"):
        s = engine(name).select(doc, AMD64)
        decided = [t for t in s.trace if t.key in ("keep", "drop")]
        assert len(decided) == len(doc.manifests), name
        assert s.trace[0].key == "engine"


DEMO_PLATFORMS = tuple(e.platform for e in DEMO)


def test_selection_json() -> None:
    s = engine("docker@28").select(index_doc(p("linux", "amd64")), AMD64_V3)
    out = s.to_json()
    assert out["engine"] == "docker@28" and out["platform"] == "linux/amd64/v3"
    assert isinstance(parse_document(build_single("j", True, p("linux", "amd64"), [])
                                     .index_bytes), Manifest)


def test_missing_local_content_degrades_but_registry_errors_propagate() -> None:
    """An offline source without the child (``file:`` with no siblings) gives the choice with a
    warning; a registry's error (or any other source error) is a real pull failure."""
    from resolver.errors import ChildUnavailable, RegistryError, SourceError

    doc = index_doc(p("linux", "amd64"))

    def missing(_: object) -> bytes:
        raise ChildUnavailable("not among the files")

    def unreadable(_: object) -> bytes:
        raise SourceError("cannot read the layout")

    def refused(_: object) -> bytes:
        raise RegistryError("503 Service Unavailable")

    s = engine("docker@28").select(doc, AMD64, fetch=missing)
    assert s.outcome == "selected"
    assert any("not among the files" in w for w in s.warnings)
    with pytest.raises(RegistryError):
        engine("docker@28").select(doc, AMD64, fetch=refused)
    with pytest.raises(SourceError):
        engine("docker@28").select(doc, AMD64, fetch=unreadable)
