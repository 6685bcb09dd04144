"""Which rules each Docker Engine (moby) release follows: data tables, apart from the logic.

Two tables:

- :data:`VENDORED`: the containerd ``platforms`` code each release links (``vendor.conf`` at
  v20.10.x, ``vendor.mod`` v23.0.0 … v28.5.2, ``go.mod`` docker-v29.x). Its Normalize, Only and
  Parse are reused from :mod:`resolver.engines.containerd_rules` through a containerd release
  that carries the same platforms code; 20.10 links moby's own pre-1.6 fork, described by
  :data:`FORK_2010`.
- :data:`CHANGES`: every behaviour that changed between releases, as "from release X, field F
  is V", with the upstream file and tag where the new behaviour first appears. The rules of a
  release are the defaults (v20.10.0) with every change up to it applied, so ``pullsim
  engines`` can print the same lines.

Sources: the moby/moby git history (tags v20.10.0 … v28.5.2, docker-v29.0.0 … docker-v29.7.2),
summarised in ../shared/reference/engines/moby.md; the first tag of each change was found by
reading the file at every release tag.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from packaging.version import Version

from resolver.engines.containerd_rules import ContainerdRules, rules_for
from resolver.releases import Releases, between

# --- the platforms code a release links --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vendored:
    """The containerd platforms package linked into one dockerd build."""

    label: str
    containerd: str | None  # a containerd release with the same platforms code; None: the fork

    @property
    def rules(self) -> ContainerdRules | None:
        """That release's rules (None for the 20.10 fork, which predates containerd 1.6)."""
        if self.containerd is None:
            return None
        rules = rules_for(Version(self.containerd))
        if rules is None:  # pragma: no cover - the table below only names modelled releases
            raise ValueError(f"containerd {self.containerd} is not modelled")
        return rules


FORK_2010 = Vendored(
    "moby's containerd fork (docker-20.10 branch, pre-1.6 platforms: exact NewMatcher, "
    "x86_64 variants cleared, amd64/v1 kept, Only only steps arm v8>v7>v6>v5)", None)

# (releases, linked platforms code); from vendor.conf / vendor.mod / go.mod at each tag.
VENDORED: tuple[tuple[Releases, Vendored], ...] = (
    (between("20.10.0", "21"), FORK_2010),
    (between("23.0.0", "23.0.2"), Vendored("containerd v1.6.16 platforms", "1.6.16")),
    (between("23.0.2", "23.0.6"), Vendored("containerd v1.6.19 platforms", "1.6.19")),
    (between("23.0.6", "23.0.7"), Vendored("containerd v1.6.21 platforms", "1.6.21")),
    (between("23.0.7", "24"), Vendored("containerd v1.6.22 platforms", "1.6.22")),
    (between("24.0.0", "24.0.6"), Vendored("containerd v1.6.21 platforms", "1.6.21")),
    (between("24.0.6", "25"), Vendored("containerd v1.6.22 platforms", "1.6.22")),
    (between("25.0.0", "25.0.17"), Vendored("containerd v1.7.12 platforms", "1.7.12")),
    (between("25.0.17", "26"), Vendored("containerd/platforms v0.2.1", "1.7.33")),
    (between("26.0.0", "26.0.1"), Vendored("containerd v1.7.14 platforms", "1.7.14")),
    (between("26.0.1", "26.1.1"), Vendored("containerd v1.7.15 platforms", "1.7.15")),
    (between("26.1.1", "26.1.4"), Vendored("containerd v1.7.16 platforms", "1.7.16")),
    (between("26.1.4", "27.1.0"), Vendored("containerd v1.7.18 platforms", "1.7.18")),
    (between("27.1.0", "28"), Vendored("containerd/platforms v0.2.1", "1.7.20")),
    (between("28.0.0", "29"), Vendored("containerd/platforms v1.0.0-rc.1", "2.0.2")),
    (between("29.0.0", "29.6.0"), Vendored("containerd/platforms v1.0.0-rc.2", "2.2.0")),
    (between("29.6.0", "30"), Vendored("containerd/platforms v1.0.0-rc.4", "2.3.0")),
)

# Debian 12's docker.io 20.10.24+dfsg1 (the project's dockerd oracle) is built against Debian's
# golang-github-containerd-containerd-dev 1.6.20, not moby's fork: its binary has the
# platforms.platformVector symbol, which the fork lacks.
DEBIAN_2010 = Vendored("Debian's containerd 1.6.20 platforms (docker.io 20.10.24+dfsg1)",
                       "1.6.20")


def vendored_for(version: Version) -> Vendored | None:
    """The platforms code release ``version`` links; Debian's for a ``+dfsg`` 20.10 build."""
    if version.local and version.local.startswith("dfsg") and version.release[:2] == (20, 10):
        return DEBIAN_2010
    plain = Version(version.base_version)
    for releases, vendored in VENDORED:
        if plain in releases:
            return vendored
    return None


# --- behaviour that changed between releases ---------------------------------------------------

ClassicFilter = Literal["exact", "only"]
PullPlatformCheck = Literal["none", "name-latest", "full-ref"]
ConfigOsCheck = Literal["v20", "v23"]
WindowsFilter = Literal["os-equal", "check-os"]
StoreAvailability = Literal["none", "opt-in", "default"]
Schema1 = Literal["notice", "disabled", "removed"]
UnknownManifest = Literal["schema1-default", "no-default"]
C8dNoMatch = Literal["raw", "prefixed", "host-variant"]


@dataclass(frozen=True, slots=True)
class MobyRules:
    """Everything about platform selection that differs between Docker Engine releases.

    The defaults are v20.10.0; :data:`CHANGES` moves them release by release.
    """

    # classic store, Linux (distribution/pull_v2_unix.go, pull_v2.go)
    classic_filter: ClassicFilter = "exact"  # NewMatcher + arm fallback, matches[0] only
    classic_format_all: bool = False  # noMatchesErr prints FormatAll (else Format)
    checks_media_types: bool = False  # checkSupportedMediaType on config and layers
    config_os_check: ConfigOsCheck = "v20"
    schema1_in_list: Schema1 = "notice"
    unknown_manifest: UnknownManifest = "schema1-default"
    # classic store, Windows daemon (distribution/pull_v2_windows.go)
    windows_filter: WindowsFilter = "os-equal"
    windows_validates_request: bool = True  # API route: system.ValidatePlatform
    # after the pull / at create (daemon/images/image_pull.go, image.go, daemon/create.go)
    create_uses_fallback: bool = False  # OnlyPlatformWithFallback (else plain Only)
    pull_platform_check: PullPlatformCheck = "none"
    mismatch_wording: Literal["wanted-actual", "its-platform"] = "wanted-actual"
    warnings_format_all: bool = False
    # containerd image store (daemon/containerd/image_pull.go)
    containerd_store: StoreAvailability = "none"
    c8d_request_format_all: bool = False  # WithPlatform(FormatAll(p)) (else Format)
    c8d_no_match: C8dNoMatch = "raw"


@dataclass(frozen=True, slots=True)
class Change:
    """From release ``since`` on, ``field`` is ``value`` (``source``: where upstream says so)."""

    since: str
    field: str
    value: Any
    source: str
    note: str


CHANGES: tuple[Change, ...] = (
    Change("20.10.4", "create_uses_fallback", True, "daemon/create.go@v20.10.4",
           "create warning: OnlyPlatformWithFallback (a config without variant matches any "
           "variant of its os/arch)"),
    Change("20.10.8", "pull_platform_check", "name-latest", "daemon/images/image_pull.go@v20.10.8",
           "pull --platform: checks <name>:latest (not the pulled tag) and prints "
           "'WARNING: image with reference … was found but does not match …'"),
    Change("20.10.22", "checks_media_types", True, "distribution/pull_v2.go@v20.10.22",
           "config and layer media types checked: 'unsupported media type …' "
           "(attestation manifests)"),
    Change("23.0.0", "classic_filter", "only", "distribution/pull_v2_unix.go@v23.0.0",
           "classic: Only(maximumSpec or --platform), stable sort, platform-less entries last, "
           "next match tried after a failed nested index; the arm fallback is gone"),
    Change("23.0.0", "config_os_check", "v23", "distribution/pull_v2.go@v23.0.0",
           "OS check: the requested/entry OS before the config; 'image operating system %q "
           "cannot be used on this platform: operating system is not supported'"),
    Change("23.0.0", "windows_validates_request", False,
           "api/server/router/image/image_routes.go@v23.0.0",
           "Windows: --platform no longer validated by system.ValidatePlatform"),
    Change("24.0.0", "containerd_store", "opt-in", "daemon/containerd/image_pull.go@v24.0.0",
           "containerd image store available (features: containerd-snapshotter)"),
    Change("24.0.1", "pull_platform_check", "full-ref", "daemon/images/image_pull.go@v24.0.1",
           "pull --platform: checks the pulled reference itself"),
    Change("25.0.0", "windows_filter", "check-os", "distribution/pull_v2_windows.go@v25.0.0",
           "Windows: with --platform only the requested OS is checked (image.CheckOS), not "
           "the entry's"),
    Change("26.0.0", "schema1_in_list", "disabled", "distribution/errors.go@v26.0.0",
           "schema1 entries fail unless DOCKER_ENABLE_DEPRECATED_PULL_SCHEMA_1_IMAGE is set"),
    Change("27.2.1", "c8d_no_match", "prefixed", "daemon/containerd/image_pull.go@v27.2.1",
           "containerd store: 'no matching manifest for … in the manifest list entries: …'"),
    Change("27.4.0", "mismatch_wording", "its-platform", "daemon/images/image.go@v27.4.0",
           "'… was found but its platform (…) does not match the specified platform (…)'"),
    Change("28.0.0", "classic_format_all", True, "distribution/pull_v2.go@v28.0.0",
           "no-match message with FormatAll (commit e7e555f573; Windows: os(version))"),
    Change("28.2.0", "warnings_format_all", True, "daemon/create.go@v28.2.0",
           "platform mismatch and create warnings with FormatAll"),
    Change("28.2.0", "c8d_request_format_all", True, "daemon/containerd/image_pull.go@v28.2.0",
           "containerd store: the request is passed as FormatAll(p)"),
    Change("28.2.0", "schema1_in_list", "removed", "distribution/errors.go@v28.2.0",
           "schema1: 'support has been removed'"),
    Change("29.0.0", "containerd_store", "default",
           "daemon/image_store_choice.go@docker-v29.0.0",
           "containerd store is the default on Linux for new installs (classic kept on Windows "
           "and on data roots with a prior graphdriver)"),
    Change("29.0.0", "unknown_manifest", "no-default",
           "vendor/github.com/docker/distribution/manifests.go@docker-v29.0.0",
           "schema1 no longer linked: a manifest of an unregistered type fails with 'unsupported "
           "manifest media type and no default available'"),
    Change("29.6.0", "c8d_no_match", "host-variant",
           "daemon/containerd/image_pull.go@docker-v29.6.0",
           "containerd store: without --platform Only(host + amd64 level) (commit d98515d91d; "
           "moby#52751)"),
)

_FIELDS = {f.name for f in fields(MobyRules)}
if any(change.field not in _FIELDS for change in CHANGES):  # pragma: no cover - table typo
    raise ValueError("CHANGES names a field MobyRules lacks")


def rules_at(version: Version) -> MobyRules:
    """The rules of release ``version``: the defaults with every change up to it applied."""
    plain = Version(version.base_version)
    rules = MobyRules()
    for change in CHANGES:
        if plain >= Version(change.since):
            rules = replace(rules, **{change.field: change.value})
    return rules


# --- release series users name -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """A series users name (``docker@28``) and its first and newest modelled releases."""

    name: str
    first: str
    newest: str
    tag: str  # the upstream tag of the newest release


SERIES: tuple[Series, ...] = (
    Series("20.10", "20.10.0", "20.10.27", "v20.10.27"),
    Series("23", "23.0.0", "23.0.18", "v23.0.18"),
    Series("24", "24.0.0", "24.0.9", "v24.0.9"),
    Series("25", "25.0.0", "25.0.17", "v25.0.17"),
    Series("26", "26.0.0", "26.1.5", "v26.1.5"),
    Series("27", "27.0.1", "27.5.1", "v27.5.1"),
    Series("28", "28.0.0", "28.5.2", "v28.5.2"),
    Series("29", "29.0.0", "29.7.2", "docker-v29.7.2"),
)


# Every feature release tagged upstream: "major.minor" -> (first patch, newest patch).
RELEASES: dict[str, tuple[int, int]] = {
    "20.10": (0, 27), "23.0": (0, 18), "24.0": (0, 9), "25.0": (0, 17), "26.0": (0, 2),
    "26.1": (0, 5), "27.0": (1, 3), "27.1": (0, 2), "27.2": (0, 1), "27.3": (0, 1),
    "27.4": (0, 1), "27.5": (0, 1), "28.0": (0, 4), "28.1": (0, 1), "28.2": (0, 2),
    "28.3": (0, 3), "28.4": (0, 0), "28.5": (0, 2), "29.0": (0, 4), "29.1": (0, 5),
    "29.2": (0, 1), "29.3": (0, 1), "29.4": (0, 3), "29.5": (0, 3), "29.6": (0, 2),
    "29.7": (0, 2),
}  # fmt: skip


def is_release(version: Version) -> bool:
    """Whether ``version`` (its base) was tagged upstream as a release."""
    if len(version.release) != 3 or version.is_prerelease or version.is_devrelease:
        return False
    major, minor, patch = version.release
    span = RELEASES.get(f"{major}.{minor}")
    return span is not None and span[0] <= patch <= span[1]


def newest_of_minor(text: str) -> Version | None:
    """``28.2`` -> 28.2.2, the newest tagged patch of that feature release."""
    span = RELEASES.get(text)
    return Version(f"{text}.{span[1]}") if span else None


def series_of(version: Version) -> Series | None:
    """The modelled series holding ``version`` (None: outside every series)."""
    plain = Version(version.base_version)
    for series in SERIES:
        if Version(series.first) <= plain <= Version(series.newest):
            return series
    return None


def upstream_tag(version: Version) -> str:
    """The moby git tag of a release (``docker-vX.Y.Z`` from 29 on)."""
    plain = version.base_version
    return f"docker-v{plain}" if version.release[0] >= 29 else f"v{plain}"
