"""containerd's platform matchers: NewMatcher, Only, OnlyStrict, Ordered, Any, All, OnlyOS,
the platform vectors behind Only, the Windows os.version rules and Default() per host OS.

Written from containerd/platforms ``compare.go``, ``platforms.go``, ``defaults_*.go`` and
``platform_windows_compat.go`` (v0.2.1 … v1.0.0-rc.4) and containerd 1.6/1.7 in-tree
``platforms/``; each generation's differences are switched by :class:`ContainerdRules`.
A :class:`Platforms` value is that Go package as linked into one containerd release running
on one host (GOOS, GOARCH, the detected variant, the Windows build).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from resolver.engines.containerd_rules import ContainerdRules
from resolver.platform import Platform, normalize
from resolver.platform_tables import ARM64_VARIANT_VERSIONS

LTSC2022 = 20348
LTSC2025 = 26100


class Matcher(Protocol):
    def match(self, platform: Platform) -> bool: ...


class MatchComparer(Matcher, Protocol):
    def less(self, p1: Platform, p2: Platform) -> bool: ...


# --- Go integer parsing, as each generation used it -------------------------------------------

_INT_RE = re.compile(r"[+-]?[0-9]+")
_UINT_RE = re.compile(r"[0-9]+")


def _go_atoi(text: str) -> int:
    """strconv.Atoi with the error ignored: 0 on a syntax error, clamped to int64 on overflow."""
    if not _INT_RE.fullmatch(text):
        return 0
    return max(-(2**63), min(2**63 - 1, int(text)))


def _go_atoi_checked(text: str) -> int | None:
    """strconv.Atoi where the caller checks the error: None on a syntax error or overflow."""
    if not _INT_RE.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _go_parse_uint(text: str, bits: int) -> tuple[int, bool]:
    """strconv.ParseUint: (value, ok); on overflow the maximum and not ok."""
    if not _UINT_RE.fullmatch(text):
        return 0, False
    value = int(text)
    if value >= 1 << bits:
        return (1 << bits) - 1, False
    return value, True


@dataclass(frozen=True, slots=True)
class WinVersion:
    major: int = 0
    minor: int = 0
    build: int = 0

    @property
    def is_zero(self) -> bool:
        return self.major == 0 and self.minor == 0 and self.build == 0


def windows_version(text: str, rules: ContainerdRules) -> WinVersion:
    """Parse ``major.minor.build[.ubr]`` the way the release does (the UBR never counts)."""
    if rules.windows_match == "rc1":
        # rc.1+ getWindowsOSVersion: fewer than 2 dots or any ParseUint error -> zero.
        if text.count(".") < 2:
            return WinVersion()
        major_t, minor_t, build_t = [*text.split(".", 3), ""][:3]
        major, ok1 = _go_parse_uint(major_t, 8)
        minor, ok2 = _go_parse_uint(minor_t, 8)
        build, ok3 = _go_parse_uint(build_t, 16)
        if not (ok1 and ok2 and ok3):
            return WinVersion()
        return WinVersion(major, minor, build)
    parts = text.split(".")
    if len(parts) < 3:
        return WinVersion()
    if rules.windows_match == "rc0":
        # rc.0: ParseUint with the error ignored (0 on syntax errors, the maximum on overflow).
        return WinVersion(_go_parse_uint(parts[0], 8)[0], _go_parse_uint(parts[1], 8)[0],
                          _go_parse_uint(parts[2], 16)[0])
    # hcsshim osversion era: Atoi, errors ignored, then uint8/uint16 conversions wrap.
    return WinVersion(_go_atoi(parts[0]) & 0xFF, _go_atoi(parts[1]) & 0xFF,
                      _go_atoi(parts[2]) & 0xFFFF)


def windows_compatible(host: WinVersion, ctr: WinVersion, rules: ContainerdRules) -> bool:
    """checkWindowsHostAndContainerCompat (platform_windows_compat.go; hcsshim osversion)."""
    if host.major != ctr.major or host.minor != ctr.minor:
        return False
    if host.build < LTSC2022:  # before ltsc2022 only the exact build runs
        return host.build == ctr.build
    if rules.ltsc_floor == "rc2":
        # rc.2-rc.4: the latest LTSC strictly below the host; a host past 26100 loses ltsc2022.
        floor = LTSC2022
        for release in (LTSC2025, LTSC2022):
            if host.build > release:
                floor = release
                break
    else:
        floor = LTSC2022  # hcsshim and rc.0/rc.1: [20348], the largest not above the host
    return floor <= ctr.build <= host.build


def _build_prefix(version: str) -> str:
    """The first three dotted fields (``prefix()`` of the 1.6/1.7 Windows matchers)."""
    parts = version.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else version


def windows_revision(version: str) -> int:
    """The 4th field (UBR); 0 when absent or when Atoi fails (revision() / winRevision())."""
    parts = version.split(".")
    value = _go_atoi_checked(parts[3]) if len(parts) >= 4 else None
    return value if value is not None else 0


# --- the matchers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Platforms:
    """The platforms package of one containerd release, running on one host."""

    rules: ContainerdRules
    goos: str = "linux"
    goarch: str = "amd64"
    cpu_variant: str = ""
    host_os_version: str = ""  # "M.m.b" on Windows

    def normalize(self, platform: Platform) -> Platform:
        return normalize(platform, syntax=self.rules.syntax, host_os=self.goos)

    # NewMatcher ---------------------------------------------------------------------------

    def new_matcher(self, platform: Platform) -> Matcher:
        """NewMatcher(p): normalized os/arch/variant equality, plus the generation's Windows
        os.version check and (rc.3+) the os.features subset rule."""
        version_check = self._version_check(platform)
        matcher: Matcher = EqualityMatcher(self, self.normalize(platform), version_check)
        if platform.os == "windows" and self.rules.strip_win32k:
            matcher = StripWin32k(matcher)
        if self.goos != "windows":
            return matcher
        rule = self.rules.windows_match
        if rule in ("prefix", "hcs-1.7", "v0.2", "rc0"):
            # 1.7 in-tree .. rc.0 defaults_windows.go: every matcher on a Windows host is a
            # windowsmatcher, whose Less ranks a larger revision (UBR) first.
            return WindowsMatchComparer(matcher, "revision")
        if rule == "rc1" and platform.os == "windows":
            # rc.1+ NewMatcher: windowsMatchComparer for windows platforms; rc.1 ranks by
            # revision, rc.2+ by the os.version string.
            if self.rules.windows_default == "comparer":
                return WindowsMatchComparer(matcher, "string")
            return WindowsMatchComparer(matcher, "revision")
        return matcher

    def _version_check(self, platform: Platform) -> Callable[[str], bool] | None:
        rule = self.rules.windows_match
        if rule == "none":
            return None
        if platform.os != "windows":  # the raw OS (m.OS of the un-normalized platform)
            return None
        if rule != "rc1" and self.goos != "windows":
            return None  # before rc.1 only a Windows host builds the windows matcher
        rules = self.rules
        mine = platform.os_version
        if rule == "prefix":
            prefix = _build_prefix(mine)
            return lambda v: v.startswith(prefix) or v == ""
        if rule == "hcs-1.7":
            host = windows_version(_build_prefix(mine), rules)
            return lambda v: v == "" or windows_compatible(host, windows_version(v, rules), rules)
        if rule in ("v0.2", "rc0"):
            host = windows_version(_build_prefix(mine), rules)
            return lambda v: mine == "" or v == "" or windows_compatible(
                host, windows_version(v, rules), rules)
        host = windows_version(mine, rules)
        return lambda v: host.is_zero or v == "" or windows_compatible(
            host, windows_version(v, rules), rules)

    # Constructors --------------------------------------------------------------------------

    def vector(self, platform: Platform) -> list[Platform]:
        """platformVector: the platforms Only(p) accepts, most preferred first."""
        return platform_vector(platform, self.rules)

    def only(self, platform: Platform) -> MatchComparer:
        """Only(p) = Ordered(platformVector(Normalize(p))...)."""
        return self.ordered(*self.vector(self.normalize(platform)))

    def only_strict(self, platform: Platform) -> MatchComparer:
        return self.ordered(self.normalize(platform))

    def ordered(self, *platforms: Platform) -> MatchComparer:
        return OrderedComparer(tuple(self.new_matcher(p) for p in platforms), self.rules.features)

    def any_of(self, *platforms: Platform) -> MatchComparer:
        return AnyComparer(tuple(self.new_matcher(p) for p in platforms), self.rules.features)

    def only_os(self, platform: Platform) -> MatchComparer:
        """OnlyOS(p) (rc.4+): same OS (and Windows version, features); any architecture."""
        if not self.rules.strip_win32k:
            raise ValueError(f"OnlyOS does not exist in {self.rules.platforms_lib}")
        norm = self.normalize(platform)
        return OnlyOSComparer(self, norm, self._version_check(norm),
                              OrderedComparer((self.new_matcher(norm),), True))

    # Host defaults -------------------------------------------------------------------------

    def default_spec(self) -> Platform:
        """DefaultSpec(): GOOS, GOARCH, the detected variant; the build on Windows."""
        return Platform(self.goos, self.goarch, self.cpu_variant,
                        self.host_os_version if self.goos == "windows" else "")

    def default(self) -> MatchComparer:
        """Default(): what a pull without ``--platform`` (and CRI) matches with."""
        spec = self.default_spec()
        if self.goos == "darwin":
            return self.ordered(spec, Platform("linux", self.goarch))
        if self.goos == "freebsd" and self.rules.freebsd_ordered:
            return self.ordered(spec, Platform("linux", self.goarch, self.cpu_variant))
        if self.goos != "windows":
            return self.only(spec)
        rule = self.rules.windows_default
        if rule == "only":
            return self.only(spec)
        if rule == "comparer":
            return WindowsMatchComparer(self.new_matcher(spec), "string")
        return Windows16Default(self, self.ordered(spec, Platform("linux", self.goarch)),
                                self.host_os_version, rule)


def platform_vector(platform: Platform, rules: ContainerdRules) -> list[Platform]:
    """compare.go platformVector (per generation): amd64 vN..v1 then 386; arm vN..v5;
    arm64 by the rc.1+ table (or the older algorithm) then arm v8..v5."""
    arch, variant = platform.architecture, platform.variant
    level = _go_atoi_checked(variant.removeprefix("v")) or 0  # an Atoi error adds no levels
    if arch == "amd64":
        out = [platform]
        for n in range(level - 1, 0, -1):
            out.append(replace(platform, variant=f"v{n}"))
        out.append(replace(platform, architecture="386", variant=""))
        return out
    if arch == "arm":
        out = [platform]
        for n in range(level - 1, 4, -1):
            out.append(replace(platform, variant=f"v{n}"))
        return out
    if arch == "arm64":
        return _arm64_vector(platform, rules)
    return [platform]


def _arm64_vector(platform: Platform, rules: ContainerdRules) -> list[Platform]:
    variant = platform.variant or "v8"
    if rules.arm64_vector == "legacy":
        # 1.6/1.7, platforms v0.x: [p] + arm/<variant>..v5 (so arm64/v9 also takes arm/v9).
        arm = replace(platform, architecture="arm", variant=variant)
        return [platform, *platform_vector(arm, rules)]
    if rules.arm64_vector == "algorithmic":
        return _arm64_vector_rc0(platform, variant, rules)
    steps = ARM64_VARIANT_VERSIONS.get(variant)
    if steps is None:  # rc.1+: a variant outside the table matches nothing, not even itself
        return []
    out = []
    for major, first_minor in steps:
        for minor in range(first_minor, -1, -1):
            name = f"v{major}" if minor == 0 else f"v{major}.{minor}"
            out.append(replace(platform, variant=name))
    arm_variant = "v8" if variant.startswith(("v8", "v9")) else variant
    return out + platform_vector(replace(platform, architecture="arm", variant=arm_variant), rules)


def _arm64_vector_rc0(platform: Platform, variant: str, rules: ContainerdRules) -> list[Platform]:
    """platforms v1.0.0-rc.0 compare.go: minor steps worked out from the variant text."""
    out = [platform]
    major_t, dot, minor_t = variant.partition(".")
    major_t = major_t.removeprefix("v")
    if _INT_RE.fullmatch(major_t) and _go_atoi(major_t) >= 8:
        major = _go_atoi(major_t)
        minor = 0
        if len(variant) == 4 and dot and _INT_RE.fullmatch(minor_t):  # only "vM.m" forms
            minor = _go_atoi(minor_t)
        if major == 9:
            out += [replace(platform, variant="v9" if m == 0 else f"v9.{m}")
                    for m in range(minor - 1, -1, -1)]
            minor, major = min(minor + 5, 9), 8
            out.append(replace(platform, variant=f"v8.{minor}"))
        out += [replace(platform, variant=f"v{major}" if m == 0 else f"v{major}.{m}")
                for m in range(minor - 1, -1, -1)]
    arm_variant = "v8" if variant.startswith(("v8.", "v9.")) else variant
    return out + platform_vector(replace(platform, architecture="arm", variant=arm_variant), rules)


def _features_subset(candidate: tuple[str, ...], allowed: tuple[str, ...]) -> bool:
    """rc.3+: the candidate's (sorted, deduped) features must all be among the matcher's."""
    return set(candidate) <= set(allowed)


@dataclass(frozen=True, slots=True)
class EqualityMatcher:
    """The matcher NewMatcher builds."""

    lib: Platforms
    platform: Platform  # normalized
    version_check: Callable[[str], bool] | None = field(default=None, compare=False)

    def match(self, platform: Platform) -> bool:
        n = self.lib.normalize(platform)
        mine = self.platform
        if (mine.os, mine.architecture, mine.variant) != (n.os, n.architecture, n.variant):
            return False
        if self.version_check is not None and not self.version_check(platform.os_version):
            return False
        if self.lib.rules.features and n.os_features:
            return _features_subset(n.os_features, mine.os_features)
        return True


@dataclass(frozen=True, slots=True)
class StripWin32k:
    """rc.4+ windowsStripFeaturesMatcher: drop the first ``win32k`` from the candidate."""

    inner: Matcher

    def match(self, platform: Platform) -> bool:
        features = list(platform.os_features)
        if "win32k" in features:
            features.remove("win32k")
        return self.inner.match(replace(platform, os_features=tuple(features)))


@dataclass(frozen=True, slots=True)
class WindowsMatchComparer:
    """Windows matchers with a Less: matched first; when both match, the larger revision (UBR,
    1.7 windowsmatcher .. rc.1) or the larger os.version *string* (rc.2+)."""

    inner: Matcher
    by: Literal["revision", "string"] = "string"

    def match(self, platform: Platform) -> bool:
        return self.inner.match(platform)

    def less(self, p1: Platform, p2: Platform) -> bool:
        m1, m2 = self.match(p1), self.match(p2)
        if m1 and m2:
            if self.by == "revision":
                return windows_revision(p1.os_version) > windows_revision(p2.os_version)
            # Go compares strings byte-wise: compare UTF-8 bytes, not code points
            return p1.os_version.encode("utf-8", "surrogateescape") > p2.os_version.encode(
                "utf-8", "surrogateescape")
        return m1 and not m2


@dataclass(frozen=True, slots=True)
class OrderedComparer:
    """Ordered(...): rank by the first matcher that matches (rc.3+: feature tie-breaks)."""

    matchers: tuple[Matcher, ...]
    features: bool = False

    def match(self, platform: Platform) -> bool:
        return any(m.match(platform) for m in self.matchers)

    def less(self, p1: Platform, p2: Platform) -> bool:
        for m in self.matchers:
            a, b = m.match(p1), m.match(p2)
            if a and not b:
                return True
            if a or b:
                if self.features and a and b and len(p1.os_features) != len(p2.os_features):
                    return len(p1.os_features) > len(p2.os_features)
                return False
        if self.features and (p1.os_features or p2.os_features):
            return self.less(replace(p1, os_features=()), replace(p2, os_features=()))
        return False


@dataclass(frozen=True, slots=True)
class AnyComparer:
    """Any(...): matched before unmatched, nothing else (rc.3+: feature tie-breaks)."""

    matchers: tuple[Matcher, ...]
    features: bool = False

    def match(self, platform: Platform) -> bool:
        return any(m.match(platform) for m in self.matchers)

    def less(self, p1: Platform, p2: Platform) -> bool:
        a = b = False
        for m in self.matchers:
            a = a or m.match(p1)
            b = b or m.match(p2)
            if a and b:
                if self.features and len(p1.os_features) != len(p2.os_features):
                    return len(p1.os_features) > len(p2.os_features)
                break
        if self.features and not a and not b and (p1.os_features or p2.os_features):
            return self.less(replace(p1, os_features=()), replace(p2, os_features=()))
        return a and not b


@dataclass(frozen=True, slots=True)
class AllComparer:
    """All: matches everything, orders nothing."""

    def match(self, platform: Platform) -> bool:
        return True

    def less(self, p1: Platform, p2: Platform) -> bool:
        return False


ALL = AllComparer()


@dataclass(frozen=True, slots=True)
class OnlyOSComparer:
    """rc.4+ OnlyOS: the OS (Windows version, features) must match; the arch only orders."""

    lib: Platforms
    platform: Platform
    version_check: Callable[[str], bool] | None
    arch_order: OrderedComparer

    def match(self, platform: Platform) -> bool:
        n = self.lib.normalize(platform)
        if n.os != self.platform.os:
            return False
        if self.version_check is not None and not self.version_check(platform.os_version):
            return False
        return not n.os_features or _features_subset(n.os_features, self.platform.os_features)

    def less(self, p1: Platform, p2: Platform) -> bool:
        a, b = self.match(p1), self.match(p2)
        if a and not b:
            return True
        if not a:
            return False
        return self.arch_order.less(p1, p2)


@dataclass(frozen=True, slots=True)
class Windows16Default:
    """containerd 1.6 Default() on Windows (defaults_windows.go matchComparer)."""

    lib: Platforms
    defaults: MatchComparer
    host_version: str
    rule: str

    def match(self, platform: Platform) -> bool:
        if not self.defaults.match(platform):
            return False
        prefix = _build_prefix(self.host_version)
        if self.rule == "1.6-prefix":  # 1.6.0-1.6.17: string prefix only
            return platform.os_version.startswith(prefix)
        if platform.os != "windows":  # 1.6.18+: only windows candidates
            return False
        if platform.os_version == "":  # HPC images carry no os.version
            return True
        if self.rule == "1.6-prefix-or-empty":
            return platform.os_version.startswith(prefix)
        rules = self.lib.rules
        return windows_compatible(windows_version(prefix, rules),
                                  windows_version(platform.os_version, rules), rules)

    def less(self, p1: Platform, p2: Platform) -> bool:
        m1, m2 = self.match(p1), self.match(p2)
        if m1 and m2:
            return windows_revision(p1.os_version) > windows_revision(p2.os_version)
        return m1 and not m2


def accepted_in_order(comparer: MatchComparer, candidates: Sequence[Platform]) -> list[Platform]:
    """The candidates the comparer matches, stable-sorted by its Less as Go sorts them."""
    from resolver.gosort import slice_stable

    return slice_stable([c for c in candidates if comparer.match(c)], comparer.less)
