"""Which containerd release carries which platform rules: a data table, apart from the logic.

Sources: ../shared/reference/engines/containerd.md sections 0 and 7, from the containerd
(v1.6.0-v1.7.18 in-tree ``platforms/``) and ``containerd/platforms`` (v0.2.1, v1.0.0-rc.0 …
rc.4) git histories; the go.mod of each containerd tag says which platforms module it vendors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from packaging.version import Version

from resolver.platform import (
    SYNTAX_INTREE,
    SYNTAX_INTREE_WINFILL,
    SYNTAX_RC0,
    SYNTAX_RC1,
    SYNTAX_RC4,
    SYNTAX_V0_2,
    PlatformSyntax,
)
from resolver.releases import Releases, between

# How NewMatcher checks a Windows candidate's os.version (containerd.md 5.1-5.3):
#   none      1.6 in-tree: NewMatcher ignores os.version
#   prefix    1.7.0-1.7.5 windowsmatcher: HasPrefix(build prefix) or empty candidate
#   hcs-1.7   1.7.6-1.7.18: empty candidate, else hcsshim compat (empty matcher = 0.0.0)
#   v0.2      platforms v0.2.1 (1.7.19+): empty matcher or candidate, else compat (Atoi)
#   rc0       rc.0: as v0.2, versions parsed with ParseUint (0 on error, max on overflow)
#   rc1       rc.1+: windowsVersionMatcher (any parse error gives a zero version)
WindowsMatch = Literal["none", "prefix", "hcs-1.7", "v0.2", "rc0", "rc1"]
# The LTSC floor of the compat check: hcsshim ([20348], largest <= host) or rc.2-rc.4
# ([20348, 26100], latest strictly below host).
LtscFloor = Literal["hcsshim", "rc2"]
# Default() on a Windows host: the 1.6 matchComparer in three generations, Only(DefaultSpec)
# for 1.7 - rc.1, windowsMatchComparer from rc.2.
WindowsDefault = Literal["1.6-prefix", "1.6-prefix-or-empty", "1.6-hcs", "only", "comparer"]
Arm64Vector = Literal["legacy", "algorithmic", "table"]


@dataclass(frozen=True, slots=True)
class ContainerdRules:
    """Everything about platform handling that differs between containerd releases."""

    platforms_lib: str
    syntax: PlatformSyntax
    arm64_vector: Arm64Vector
    windows_match: WindowsMatch
    windows_everywhere: bool  # rc.1+: the os.version check runs on every host, not only Windows
    ltsc_floor: LtscFloor
    windows_default: WindowsDefault
    features: bool = False  # rc.3+: os.features subset matching and feature tie-breaks
    strip_win32k: bool = False  # rc.4+: win32k is removed from a Windows candidate's features
    uname_fallback: bool = True  # 1.6.22+/1.7.0+: cpu variant from uname when cpuinfo lacks it
    freebsd_variant: bool = True  # 1.6.22+: cpuinfo_other.go knows FreeBSD (before: "")
    freebsd_ordered: bool = True  # 1.7.0+: FreeBSD Default() is Ordered(spec, linux/arch)
    note: str = ""  # what this release range changed, for `pullsim engines`


_INTREE_16 = ContainerdRules(
    platforms_lib="containerd 1.6 in-tree platforms", syntax=SYNTAX_INTREE, arm64_vector="legacy",
    windows_match="none", windows_everywhere=False, ltsc_floor="hcsshim",
    windows_default="1.6-hcs", freebsd_ordered=False,
)
_INTREE_17 = replace(
    _INTREE_16, platforms_lib="containerd 1.7 in-tree platforms", windows_match="prefix",
    windows_default="only", freebsd_ordered=True,
)
_V0_2 = replace(
    _INTREE_17, platforms_lib="containerd/platforms v0.2.1", syntax=SYNTAX_V0_2,
    windows_match="v0.2",
)
_RC1 = replace(
    _V0_2, platforms_lib="containerd/platforms v1.0.0-rc.1", syntax=SYNTAX_RC1,
    arm64_vector="table", windows_match="rc1", windows_everywhere=True,
)
_RC2 = replace(
    _RC1, platforms_lib="containerd/platforms v1.0.0-rc.2", ltsc_floor="rc2",
    windows_default="comparer",
)

# (versions, rules), first match wins.
RULES_TABLE: tuple[tuple[Releases, ContainerdRules], ...] = (
    (between("1.6.0", "1.6.18"), replace(
        _INTREE_16, windows_default="1.6-prefix", uname_fallback=False, freebsd_variant=False,
        note="amd64 vN and arm64->arm fallbacks; Windows Default(): os.version string prefix")),
    (between("1.6.18", "1.6.22"), replace(
        _INTREE_16, windows_default="1.6-prefix-or-empty", uname_fallback=False,
        freebsd_variant=False,
        note="Windows Default(): an empty os.version matches too")),
    (between("1.6.22", "1.6.23"), replace(
        _INTREE_16, windows_default="1.6-prefix-or-empty",
        note="arm variant falls back to uname when cpuinfo lacks it")),
    (between("1.6.23", "1.7.0"), replace(
        _INTREE_16, note="Windows Default(): hcsshim build compatibility (ltsc2022 window)")),
    (between("1.7.0", "1.7.6"), replace(
        _INTREE_17, note="Windows: Only(DefaultSpec) with a build-prefix matcher; "
                         "FreeBSD Default() is Ordered")),
    (between("1.7.6", "1.7.19"), replace(
        _INTREE_17, syntax=SYNTAX_INTREE_WINFILL, windows_match="hcs-1.7",
        note="Windows: hcsshim compatibility; Parse fills the host build")),
    (between("1.7.19", "2.0.0"), replace(
        _V0_2, note="os(version) grammar; an empty matcher os.version matches every build")),
    (between("2.0.0", "2.0.2"), replace(
        _V0_2, platforms_lib="containerd/platforms v1.0.0-rc.0", syntax=SYNTAX_RC0,
        arm64_vector="algorithmic", windows_match="rc0",
        note="'.' allowed in arch/variant; arm64 minor variants worked out from the text")),
    (between("2.0.2", "2.1.6"), replace(
        _RC1, note="arm64 variant table (unknown variants match nothing); os.version checked "
                   "on every host")),
    (between("2.1.6", "2.3.0"), replace(
        _RC2, note="ltsc2025 in the compat list; Windows Default() orders by os.version string, "
                   "no 386 fallback")),
    (between("2.3.0", "2.4.0"), replace(
        _RC2, platforms_lib="containerd/platforms v1.0.0-rc.4", syntax=SYNTAX_RC4,
        features=True, strip_win32k=True,
        note="os.features in grammar and matching (subset; win32k stripped on Windows)")),
)


@dataclass(frozen=True, slots=True)
class Series:
    """A release series users name (``containerd@1.6``) and its newest modelled patch."""

    name: str
    newest: str
    released: str


SERIES: tuple[Series, ...] = (
    Series("1.6", "1.6.39", "2022-02-15"),
    Series("1.7", "1.7.34", "2023-03-10"),
    Series("2.0", "2.0.11", "2024-11-05"),
    Series("2.1", "2.1.9", "2025-05-07"),
    Series("2.2", "2.2.7", "2025-11-05"),
    Series("2.3", "2.3.4", "2026-04-30"),
)


def rules_for(version: Version) -> ContainerdRules | None:
    """The rules of one containerd release, or None when no modelled release matches."""
    for releases, rules in RULES_TABLE:
        if version in releases:
            return rules
    return None
