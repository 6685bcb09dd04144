"""containerd's platform matchers: NewMatcher, Only, OnlyStrict, Ordered, Any, All, OnlyOS,
the platform vectors behind Only, and Default() per host OS (the Windows os.version rules
and matchers are in :mod:`resolver.engines.containerd_windows`, loaded for Windows only).

Written from containerd/platforms ``compare.go``, ``platforms.go``, ``defaults_*.go`` and
``platform_windows_compat.go`` (v0.2.1 … v1.0.0-rc.4) and containerd 1.6/1.7 in-tree
``platforms/``; each generation's differences are switched by :class:`ContainerdRules`.
A :class:`Platforms` value is that Go package as linked into one containerd release running
on one host (GOOS, GOARCH, the detected variant, the Windows build).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from resolver.engines.containerd_rules import ContainerdRules
from resolver.gotext import go_atoi, go_atoi_checked, go_int_syntax
from resolver.platform import Platform, normalize
from resolver.platform_tables import ARM64_VARIANT_VERSIONS


class Matcher(Protocol):
    def match(self, platform: Platform) -> bool: ...


class MatchComparer(Matcher, Protocol):
    def less(self, p1: Platform, p2: Platform) -> bool: ...


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
        if platform.os != "windows" and self.goos != "windows":
            return matcher
        from resolver.engines.containerd_windows import StripWin32k, WindowsMatchComparer

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
        from resolver.engines.containerd_windows import (
            build_prefix,
            windows_compatible,
            windows_version,
        )

        rules = self.rules
        mine = platform.os_version
        if rule == "prefix":
            prefix = build_prefix(mine)
            return lambda v: v.startswith(prefix) or v == ""
        if rule == "hcs-1.7":
            host = windows_version(build_prefix(mine), rules)
            return lambda v: v == "" or windows_compatible(host, windows_version(v, rules), rules)
        if rule in ("v0.2", "rc0"):
            host = windows_version(build_prefix(mine), rules)
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
        from resolver.engines.containerd_windows import Windows16Default, WindowsMatchComparer

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
    level = go_atoi_checked(variant.removeprefix("v")) or 0  # an Atoi error adds no levels
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
    if go_int_syntax(major_t) and go_atoi(major_t) >= 8:
        major = go_atoi(major_t)
        minor = 0
        if len(variant) == 4 and dot and go_int_syntax(minor_t):  # only "vM.m" forms
            minor = go_atoi(minor_t)
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


def accepted_in_order(comparer: MatchComparer, candidates: Sequence[Platform]) -> list[Platform]:
    """The candidates the comparer matches, stable-sorted by its Less as Go sorts them."""
    from resolver.gosort import slice_stable

    return slice_stable([c for c in candidates if comparer.match(c)], comparer.less)
