"""containerd's Windows rules: os.version parsing and the build-compatibility check per
generation, and the Windows-only matchers (windowsmatcher, windowsMatchComparer, rc.4's win32k
stripping, 1.6's Default()).

Written from containerd/platforms ``platform_windows_compat.go``, ``defaults_windows.go`` and
``compare.go`` (v0.2.1 … v1.0.0-rc.4), containerd 1.6/1.7 in-tree ``platforms/`` and hcsshim
``osversion``. Apart from :mod:`resolver.engines.containerd_platforms` so that a pull for a
Linux host never loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from resolver.engines.containerd_platforms import MatchComparer, Matcher
from resolver.engines.containerd_rules import ContainerdRules
from resolver.gotext import go_atoi, go_atoi_checked, go_parse_uint
from resolver.platform import Platform

if TYPE_CHECKING:
    from resolver.engines.containerd_platforms import Platforms

LTSC2022 = 20348
LTSC2025 = 26100


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
        major, ok1 = go_parse_uint(major_t, 8)
        minor, ok2 = go_parse_uint(minor_t, 8)
        build, ok3 = go_parse_uint(build_t, 16)
        if not (ok1 and ok2 and ok3):
            return WinVersion()
        return WinVersion(major, minor, build)
    parts = text.split(".")
    if len(parts) < 3:
        return WinVersion()
    if rules.windows_match == "rc0":
        # rc.0: ParseUint with the error ignored (0 on syntax errors, the maximum on overflow).
        return WinVersion(go_parse_uint(parts[0], 8)[0], go_parse_uint(parts[1], 8)[0],
                          go_parse_uint(parts[2], 16)[0])
    # hcsshim osversion era: Atoi, errors ignored, then uint8/uint16 conversions wrap.
    return WinVersion(go_atoi(parts[0]) & 0xFF, go_atoi(parts[1]) & 0xFF,
                      go_atoi(parts[2]) & 0xFFFF)


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


def build_prefix(version: str) -> str:
    """The first three dotted fields (``prefix()`` of the 1.6/1.7 Windows matchers)."""
    parts = version.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else version


def windows_revision(version: str) -> int:
    """The 4th field (UBR); 0 when absent or when Atoi fails (revision() / winRevision())."""
    parts = version.split(".")
    value = go_atoi_checked(parts[3]) if len(parts) >= 4 else None
    return value if value is not None else 0


# --- the matchers -----------------------------------------------------------------------------


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
class Windows16Default:
    """containerd 1.6 Default() on Windows (defaults_windows.go matchComparer)."""

    lib: Platforms
    defaults: MatchComparer
    host_version: str
    rule: str

    def match(self, platform: Platform) -> bool:
        if not self.defaults.match(platform):
            return False
        prefix = build_prefix(self.host_version)
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
