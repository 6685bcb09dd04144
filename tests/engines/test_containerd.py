"""containerd's matchers, platform vectors, Windows rules and Default(), release by release.

Each table names the upstream file and tag it comes from: containerd's in-tree ``platforms/``
(v1.6.0 .. v1.7.18, read with git from github.com/containerd/containerd) and
github.com/containerd/platforms v0.2.1 .. v1.0.0-rc.4. Expected values are upstream's own test
data, or worked out by hand from the upstream Go source named next to the table; none is
computed by ``resolver``. Releases used for each generation (containerd.md section 0):

- 1.6.0 .. 1.6.39: in-tree (Windows Default() rules change at 1.6.18 and 1.6.23)
- 1.7.0 .. 1.7.18: in-tree (Windows matcher: prefix until 1.7.5, hcsshim from 1.7.6)
- 1.7.19: platforms v0.2.1; 2.0.0: rc.0; 2.0.2: rc.1; 2.1.6: rc.2; 2.3.0: rc.4
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from resolver import get_engine
from resolver.engines.containerd import ContainerdEngine
from resolver.engines.containerd_platforms import (
    ALL,
    MatchComparer,
    Platforms,
    accepted_in_order,
    platform_vector,
)
from resolver.engines.containerd_rules import ContainerdRules, rules_for
from resolver.engines.containerd_windows import (
    Windows16Default,
    WindowsMatchComparer,
    WinVersion,
    windows_compatible,
    windows_version,
)
from resolver.gosort import slice_stable
from resolver.platform import SYNTAX_RC3, Platform, format_all, parse_platform

T = TypeVar("T")

# --- helpers -------------------------------------------------------------------------------------


def rules(version: str) -> ContainerdRules:
    if version == "rc.3":  # no containerd release used rc.3: rc.4 minus the win32k stripping
        return replace(rules("2.3.0"), platforms_lib="containerd/platforms v1.0.0-rc.3",
                       syntax=SYNTAX_RC3, strip_win32k=False)
    found = rules_for(Version(version))
    assert found is not None, version
    return found


def P(os: str = "", arch: str = "", variant: str = "", osv: str = "",
      features: tuple[str, ...] = ()) -> Platform:
    return Platform(os, arch, variant, osv, features)


LINUX_AMD64 = P("linux", "amd64")
WIN_BUILD = "10.0.17763"  # upstream's `buildStr` (RtlGetNtVersionNumbers) on an ltsc2019 host
WINDOWS_AMD64 = P("windows", "amd64", "", WIN_BUILD)


def lib(version: str, host: Platform = LINUX_AMD64) -> Platforms:
    """The platforms package of ``version`` on ``host`` (GOOS, GOARCH, cpuVariant(), build)."""
    return Platforms(rules(version), host.os, host.architecture, host.variant, host.os_version)


def parse(version: str, text: str, host: Platform = LINUX_AMD64) -> Platform:
    return parse_platform(text, syntax=rules(version).syntax, host=host)


def containerd(name: str) -> ContainerdEngine:
    engine = get_engine(name)
    assert isinstance(engine, ContainerdEngine)
    return engine


def short(p: Platform) -> str:
    return "/".join(x for x in (p.architecture, p.variant) if x)


def ordered_labels(comparer: MatchComparer, candidates: Sequence[Platform]) -> list[str]:
    return [format_all(p) for p in accepted_in_order(comparer, candidates)]


def by_version(groups: Mapping[str, T]) -> list[tuple[str, T]]:
    """``{"1.6.0 1.6.39": x, ...}`` -> ``[("1.6.0", x), ("1.6.39", x), ...]``."""
    return [(v, value) for names, value in groups.items() for v in names.split()]


IN_TREE = "1.6.0 1.6.39 1.7.0 1.7.18"  # compare_test.go identical from v1.6.0 to v1.7.18
V021 = "1.7.19"
RCS = "2.0.0 2.0.2 2.1.6 2.3.0"
EVERY = f"{IN_TREE} {V021} {RCS}"
HOSTS = {"linux": LINUX_AMD64, "windows": WINDOWS_AMD64}

# --- TestOnly / TestOnlyStrict --------------------------------------------------------------------
# compare_test.go TestOnly: containerd v1.6.0 .. v1.7.18 (= platforms v0.1.0, v0.2.0);
# platforms v0.2.1 adds "windows(10.0.17763)/amd64" to the windows/amd64 matches; v1.0.0-rc.0
# (unchanged through rc.4) adds linux/arm64/v9.6, v9 and v8.1.
ONLY_IN_TREE: list[tuple[str, list[str], list[str]]] = [
    ("linux/amd64", ["linux/amd64", "linux/386"],
     ["linux/amd64/v2", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/amd64/v2", ["linux/amd64", "linux/amd64/v1", "linux/amd64/v2", "linux/386"],
     ["linux/amd64/v3", "linux/amd64/v4", "linux/arm/v7", "linux/arm64", "windows/amd64",
      "windows/arm"]),
    ("linux/386", ["linux/386"],
     ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"]),
    ("windows/amd64", ["windows/amd64"],
     ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"]),
    ("linux/arm/v8", ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8"],
     ["linux/amd64", "linux/arm/v4", "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm/v7", ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7"],
     ["linux/amd64", "linux/arm/v4", "linux/arm/v8", "linux/arm64", "windows/amd64",
      "windows/arm"]),
    ("linux/arm/v6", ["linux/arm/v5", "linux/arm/v6"],
     ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v7", "linux/arm/v8", "linux/arm64",
      "windows/amd64", "windows/arm"]),
    ("linux/arm/v5", ["linux/arm/v5"],
     ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm/v4", ["linux/arm/v4"],
     ["linux/amd64", "linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm64",
     ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/arm64",
      "linux/arm64/v8"],
     ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "windows/amd64",
      "windows/arm"]),
]
ONLY_V021 = [
    ("windows/amd64", ["windows/amd64", "windows(10.0.17763)/amd64"], row[2])
    if row[0] == "windows/amd64" else row for row in ONLY_IN_TREE
]
ONLY_RC = [*ONLY_V021[:-1], (
    "linux/arm64/v9.6",
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/arm64",
     "linux/arm64/v8", "linux/arm64/v8.1", "linux/arm64/v8.2", "linux/arm64/v8.3",
     "linux/arm64/v8.4", "linux/arm64/v8.5", "linux/arm64/v8.6", "linux/arm64/v8.7",
     "linux/arm64/v8.8", "linux/arm64/v8.9", "linux/arm64/v9", "linux/arm64/v9.0",
     "linux/arm64/v9.1", "linux/arm64/v9.2", "linux/arm64/v9.3", "linux/arm64/v9.4",
     "linux/arm64/v9.5", "linux/arm64/v9.6"],
    ["linux/amd64", "linux/arm/v4", "windows/amd64", "windows/arm", "linux/arm64/v8.10"],
), (
    "linux/arm64/v9",
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/arm64",
     "linux/arm64/v8", "linux/arm64/v8.1", "linux/arm64/v8.2", "linux/arm64/v8.3",
     "linux/arm64/v8.4", "linux/arm64/v8.5", "linux/arm64/v9", "linux/arm64/v9.0"],
    ["linux/amd64", "linux/arm/v4", "windows/amd64", "windows/arm", "linux/arm64/v8.6"],
), (
    "linux/arm64/v8.1",
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/arm64",
     "linux/arm64/v8", "linux/arm64/v8.1"],
    ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "windows/amd64",
     "windows/arm"],
), ONLY_V021[-1]]

# compare_test.go TestOnlyStrict, same three generations.
ONLY_STRICT_IN_TREE: list[tuple[str, list[str], list[str]]] = [
    ("linux/amd64", ["linux/amd64"],
     ["linux/386", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/386", ["linux/386"],
     ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"]),
    ("windows/amd64", ["windows/amd64"],
     ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"]),
    ("linux/arm/v8", ["linux/arm/v8"],
     ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/amd64", "linux/arm/v4",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm/v7", ["linux/arm", "linux/arm/v7"],
     ["linux/arm/v5", "linux/arm/v6", "linux/amd64", "linux/arm/v4", "linux/arm/v8",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm/v6", ["linux/arm/v6"],
     ["linux/arm/v5", "linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v7", "linux/arm/v8",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm/v5", ["linux/arm/v5"],
     ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm/v4", ["linux/arm/v4"],
     ["linux/amd64", "linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8",
      "linux/arm64", "windows/amd64", "windows/arm"]),
    ("linux/arm64", ["linux/arm64", "linux/arm64/v8"],
     ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/amd64",
      "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "windows/amd64", "windows/arm"]),
]
_WIN_STRICT = (["windows/amd64", "windows(10.0.17763)/amd64"],
               ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"])
ONLY_STRICT_V021 = [
    *ONLY_STRICT_IN_TREE[:2], ("windows/amd64", *_WIN_STRICT),
    ("windows(10.0.17763)/amd64", *_WIN_STRICT), *ONLY_STRICT_IN_TREE[3:],
]
ONLY_STRICT_RC = [*ONLY_STRICT_V021[:-1], (
    "linux/arm64/v9.5", ["linux/arm64/v9.5"],
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/amd64",
     "linux/arm/v4", "linux/arm64/v8", "linux/arm64/v8.1", "linux/arm64/v9", "linux/arm64/v9.1",
     "linux/arm64/v9.4", "windows/amd64", "windows/arm"],
), (
    "linux/arm64/v9", ["linux/arm64/v9", "linux/arm64/v9.0"],
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/amd64",
     "linux/arm/v4", "linux/arm/v9", "linux/arm64/v8", "linux/arm64/v8.1", "windows/amd64",
     "windows/arm"],
), (
    "linux/arm64/v8.1", ["linux/arm64/v8.1"],
    ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8", "linux/amd64",
     "linux/arm/v4", "linux/arm/v9", "linux/arm64/v8", "linux/arm64/v9", "windows/amd64",
     "windows/arm"],
), ONLY_STRICT_V021[-1]]


def _match_params(tables: dict[str, list[tuple[str, list[str], list[str]]]]) -> list[Any]:
    out: list[Any] = []
    for versions, table in tables.items():
        for version in versions.split():
            for host in HOSTS:
                for platform, yes, no in table:
                    out.extend(
                        pytest.param(version, host, platform, candidate, want,
                                     id=f"{version}-{host}-{platform}-{candidate}-{want}")
                        for want, candidates in ((True, yes), (False, no))
                        for candidate in candidates)
    return out


@pytest.mark.parametrize(("version", "host", "platform", "candidate", "want"), _match_params(
    {IN_TREE: ONLY_IN_TREE, V021: ONLY_V021, RCS: ONLY_RC}))
def test_only(version: str, host: str, platform: str, candidate: str, want: bool) -> None:
    h = HOSTS[host]
    m = lib(version, h).only(parse(version, platform, h))
    assert m.match(parse(version, candidate, h)) is want


@pytest.mark.parametrize(("version", "host", "platform", "candidate", "want"), _match_params(
    {IN_TREE: ONLY_STRICT_IN_TREE, V021: ONLY_STRICT_V021, RCS: ONLY_STRICT_RC}))
def test_only_strict(version: str, host: str, platform: str, candidate: str, want: bool) -> None:
    h = HOSTS[host]
    m = lib(version, h).only_strict(parse(version, platform, h))
    assert m.match(parse(version, candidate, h)) is want


def test_only_table_sizes() -> None:
    assert [len(t) for t in (ONLY_IN_TREE, ONLY_V021, ONLY_RC)] == [10, 10, 13]
    assert [len(t) for t in (ONLY_STRICT_IN_TREE, ONLY_STRICT_V021, ONLY_STRICT_RC)] == [9, 10, 13]


# --- OnlyOS (platforms v1.0.0-rc.4 compare_test.go TestOnlyOS, TestOnlyOSLess) --------------------

ONLY_OS = [
    ("linux/amd64", ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386"],
     ["windows/amd64", "darwin/arm64"]),
    ("windows(10.0.17763)/amd64",
     ["windows/amd64", "windows/arm64", "windows(10.0.17763)/amd64", "windows(10.0.17763)/arm64"],
     ["linux/amd64"]),
    ("linux(+gpu)/amd64", ["linux/arm64", "linux(+gpu)/amd64"],
     ["windows/amd64", "linux(+gpu+simd)/amd64"]),
]


@pytest.mark.parametrize(("version", "host", "platform", "candidate", "want"),
                         _match_params({"2.3.0": ONLY_OS}))
def test_only_os(version: str, host: str, platform: str, candidate: str, want: bool) -> None:
    h = HOSTS[host]
    m = lib(version, h).only_os(parse(version, platform, h))
    assert m.match(parse(version, candidate, h)) is want


ONLY_OS_LESS = [
    # Exact architecture match ranks first, others are unordered but before non-OS matches
    ("linux/amd64", ["linux/arm64", "linux/386", "linux/amd64", "windows/amd64"],
     ["linux/amd64", "linux/arm64", "linux/386", "windows/amd64"]),
    # Strict: only exact arch/variant match is preferred
    ("linux/arm64", ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm64"],
     ["linux/arm64", "linux/amd64", "linux/arm/v7", "windows/arm64"]),
    # Non-matching OS should always sort last
    ("linux/amd64", ["windows/amd64", "darwin/amd64", "linux/arm64", "linux/amd64"],
     ["linux/amd64", "linux/arm64", "windows/amd64", "darwin/amd64"]),
]


@pytest.mark.parametrize(("platform", "platforms", "expected"), ONLY_OS_LESS)
def test_only_os_less(platform: str, platforms: list[str], expected: list[str]) -> None:
    # Upstream sorts with sort.Slice; for 4 elements that is Go's insertion sort, which is what
    # slice_stable runs for fewer than 20 elements.
    mc = lib("2.3.0").only_os(parse("2.3.0", platform))
    got = slice_stable([parse("2.3.0", s) for s in platforms], mc.less)
    assert [format_all(p) for p in got] == expected


@pytest.mark.parametrize("version", ["1.6.39", "1.7.19", "2.0.2", "2.2.0"])
def test_only_os_does_not_exist_before_rc4(version: str) -> None:
    with pytest.raises(ValueError, match="OnlyOS"):
        lib(version).only_os(LINUX_AMD64)


# --- TestCompareOSFeatures (platforms rc.3 and rc.4 compare_test.go) ------------------------------

COMPARE_OS_FEATURES = [
    ("linux/amd64",
     ["windows/amd64", "linux/amd64", "linux(+other)/amd64", "linux/arm64"],
     ["linux/amd64", "linux(+other)/amd64", "windows/amd64", "linux/arm64"]),
    ("linux(+none)/amd64",
     ["windows/amd64", "linux/amd64", "linux/arm64", "linux(+other)/amd64"],
     ["linux/amd64", "linux(+other)/amd64", "windows/amd64", "linux/arm64"]),
    ("linux(+other)/amd64",
     ["windows/amd64", "linux/amd64", "linux/arm64", "linux(+other)/amd64"],
     ["linux(+other)/amd64", "linux/amd64", "windows/amd64", "linux/arm64"]),
    ("linux(+af+other+zf)/amd64",
     ["windows/amd64", "linux/amd64", "linux/arm64", "linux(+other)/amd64"],
     ["linux(+other)/amd64", "linux/amd64", "windows/amd64", "linux/arm64"]),
    ("linux(+f1+f2)/amd64",
     ["linux/amd64", "linux(+f2)/amd64", "linux(+f1)/amd64", "linux(+f1+f2)/amd64"],
     ["linux(+f1+f2)/amd64", "linux(+f2)/amd64", "linux(+f1)/amd64", "linux/amd64"]),
    # This test should likely fail and be updated when os version is considered for linux
    ("linux(7.2+other)/amd64",
     ["linux/amd64", "linux(+other)/amd64", "linux(7.1)/amd64", "linux(7.2+other)/amd64"],
     ["linux(+other)/amd64", "linux(7.2+other)/amd64", "linux/amd64", "linux(7.1)/amd64"]),
]


@pytest.mark.parametrize("version", ["rc.3", "2.3.0"])
@pytest.mark.parametrize("kind", ["only", "only strict", "ordered", "any"])
@pytest.mark.parametrize(("platform", "platforms", "expected"), COMPARE_OS_FEATURES)
def test_compare_os_features(version: str, kind: str, platform: str, platforms: list[str],
                             expected: list[str]) -> None:
    pkg = lib(version)
    p = parse(version, platform)
    makers: dict[str, Callable[[Platform], MatchComparer]] = {
        "only": pkg.only, "only strict": pkg.only_strict, "ordered": pkg.ordered,
        "any": pkg.any_of}
    mc = makers[kind](p)
    got = slice_stable([parse(version, s) for s in platforms], mc.less)  # sort.Slice, n=4
    assert [format_all(x, syntax=pkg.rules.syntax) for x in got] == expected


# --- Ordered / Any / All (compare.go; all generations) --------------------------------------------
# Ordered ranks by the first matcher that accepts and has no platformVector fallback; Any accepts
# the same but leaves order alone; All accepts everything (compare.go, v1.6.0 .. rc.4).
MIXED = [P("linux", "amd64"), P("linux", "386"), P("linux", "arm64", "v8"), P("windows", "amd64"),
         P("linux", "arm", "v7"), P("linux", "aarch64")]


@pytest.mark.parametrize("version", EVERY.split())
def test_ordered_ranks_by_matcher_without_fallback(version: str) -> None:
    mc = lib(version).ordered(P("linux", "arm64"), P("linux", "amd64"))
    assert accepted_in_order(mc, MIXED) == [MIXED[2], MIXED[5], MIXED[0]]


@pytest.mark.parametrize("version", EVERY.split())
def test_any_keeps_index_order(version: str) -> None:
    mc = lib(version).any_of(P("linux", "arm64"), P("linux", "amd64"))
    assert accepted_in_order(mc, MIXED) == [MIXED[0], MIXED[2], MIXED[5]]


def test_all_matches_everything_in_order() -> None:
    assert all(ALL.match(p) for p in MIXED)
    assert accepted_in_order(ALL, MIXED) == MIXED


# --- what Only() accepts, best first (worked out from compare.go platformVector) ------------------

SORT_ROWS: list[tuple[str, str, list[Platform], dict[str, list[Platform]]]] = [
    ("amd64 levels", "linux/amd64/v3",
     [P("linux", "386"), P("linux", "amd64"), P("linux", "amd64", "v2"), P("linux", "amd64", "v3"),
      P("linux", "amd64", "v4"), P("linux", "arm64"), P("windows", "amd64")],
     {EVERY: [P("linux", "amd64", "v3"), P("linux", "amd64", "v2"), P("linux", "amd64"),
              P("linux", "386")]}),
    ("arm v7 and aliases", "linux/arm/v7",
     [P("linux", "arm", "v5"), P("linux", "arm", "v8"), P("linux", "arm"), P("linux", "arm", "v6"),
      P("linux", "armhf"), P("linux", "arm64")],
     {EVERY: [P("linux", "arm"), P("linux", "armhf"), P("linux", "arm", "v6"),
              P("linux", "arm", "v5")]}),
    ("arm64", "linux/arm64",
     [P("linux", "arm", "v5"), P("linux", "arm64", "v8.2"), P("linux", "arm", "v7"),
      P("linux", "arm64"), P("linux", "arm", "v9"), P("linux", "arm64", "v9")],
     {EVERY: [P("linux", "arm64"), P("linux", "arm", "v7"), P("linux", "arm", "v5")]}),
    ("arm64/v9", "linux/arm64/v9",
     [P("linux", "arm", "v9"), P("linux", "arm64", "v8.5"), P("linux", "arm64"),
      P("linux", "arm64", "v9"), P("linux", "arm", "v7"), P("linux", "arm64", "v8.6")],
     {f"{IN_TREE} {V021}": [P("linux", "arm64", "v9"), P("linux", "arm", "v9"),
                            P("linux", "arm", "v7")],
      "2.0.0": [P("linux", "arm64", "v9"), P("linux", "arm64", "v8.5"), P("linux", "arm64"),
                P("linux", "arm", "v9"), P("linux", "arm", "v7")],
      "2.0.2 2.1.6 2.3.0": [P("linux", "arm64", "v9"), P("linux", "arm64", "v8.5"),
                            P("linux", "arm64"), P("linux", "arm", "v7")]}),
    ("ties keep index order", "linux/amd64",
     [P("linux", "386", "", "a"), P("linux", "amd64", "", "b"), P("linux", "386", "", "c"),
      P("linux", "amd64", "", "d"), P("linux", "amd64", "v2", "e")],
     {EVERY: [P("linux", "amd64", "", "b"), P("linux", "amd64", "", "d"),
              P("linux", "386", "", "a"), P("linux", "386", "", "c")]}),
    ("more than 20 entries (SymMerge)", "linux/amd64",
     [P("linux", "386" if i % 3 else "amd64", "", str(i)) for i in range(45)],
     {EVERY: [P("linux", "amd64", "", str(i)) for i in range(0, 45, 3)]
      + [P("linux", "386", "", str(i)) for i in range(45) if i % 3]}),
]


def _sort_params() -> list[Any]:
    return [pytest.param(version, platform, candidates, expected, id=f"{version}-{label}")
            for label, platform, candidates, groups in SORT_ROWS
            for version, expected in by_version(groups)]


@pytest.mark.parametrize(("version", "platform", "candidates", "expected"), _sort_params())
def test_only_order(version: str, platform: str, candidates: list[Platform],
                    expected: list[Platform]) -> None:
    assert accepted_in_order(lib(version).only(parse(version, platform)), candidates) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("containerd@1.6", ["linux/arm64/v9", "linux/arm/v9", "linux/arm/v7"]),
    ("containerd@2.0.0", ["linux/arm64/v9", "linux/arm64", "linux/arm/v9", "linux/arm/v7"]),
    ("containerd@2.2", ["linux/arm64/v9", "linux/arm64", "linux/arm/v7"]),
])
def test_engine_order(name: str, expected: list[str]) -> None:
    engine = containerd(name)
    host = P("linux", "arm64")
    request = engine.parse_platform("linux/arm64/v9", host)
    candidates = [P("linux", "arm", "v9"), P("linux", "arm64"), P("linux", "arm64", "v9"),
                  P("linux", "arm", "v7")]
    assert [format_all(p) for p in engine.order(request, candidates, host=host)] == expected
    assert engine.matches(request, P("linux", "arm", "v9"), host=host) is (
        "linux/arm/v9" in expected)


@pytest.mark.parametrize(("name", "expected"), [
    # an explicit windows/amd64 has no os.version, so from platforms v0.2.1 on its matcher takes
    # every build and index order decides (containerd.md 5.3) ...
    ("containerd@1.6", ["10.0.17763.1", "10.0.26100.1", "10.0.20348.1"]),  # no version check
    ("containerd@1.7.5", ["10.0.17763.1", "10.0.26100.1", "10.0.20348.1"]),  # prefix ""
    # ... but containerd v1.7.6 .. v1.7.18 Parse fills in the host's build (platforms.go)
    ("containerd@1.7.18", ["10.0.20348.1"]),
    ("containerd@1.7", ["10.0.17763.1", "10.0.26100.1", "10.0.20348.1"]),
    ("containerd@2.0", ["10.0.17763.1", "10.0.26100.1", "10.0.20348.1"]),
    ("containerd", ["10.0.17763.1", "10.0.26100.1", "10.0.20348.1"]),
])
def test_explicit_windows_platform_on_windows_host(name: str, expected: list[str]) -> None:
    engine = containerd(name)
    host = P("windows", "amd64", "", "10.0.20348.1234")
    request = engine.parse_platform("windows/amd64", host)
    candidates = [W("10.0.17763.1"), W("10.0.26100.1"), W("10.0.20348.1")]
    assert [p.os_version for p in engine.order(request, candidates, host=host)] == expected


@pytest.mark.parametrize("version", EVERY.split())
def test_empty_os_is_the_host_goos_on_both_sides(version: str) -> None:
    # database.go normalizeOS: "" -> runtime.GOOS, for the matcher and for candidates
    darwin = lib(version, P("darwin", "arm64", "v8"))
    assert darwin.only(P("", "arm64")).match(P("darwin", "arm64"))
    assert darwin.only(P("darwin", "arm64")).match(P("", "arm64"))
    assert not darwin.only(P("", "arm64")).match(P("linux", "arm64"))
    assert lib(version).only(P("", "arm64")).match(P("linux", "arm64"))


# --- platformVector per generation (compare.go) ---------------------------------------------------
# amd64 and arm: the same from containerd v1.6.0 (af83e9af1) to rc.4. arm64: in-tree and v0.x
# append arm/<variant or v8> ..v5 (so arm64/v9 takes arm/v9); rc.0 works minors out from the text;
# rc.1+ looks the variant up in arm64variantToVersion and gives nothing for unknown variants.
ARM_TAIL = ["arm/v8", "arm/v7", "arm/v6", "arm/v5"]
LEGACY_V = f"{IN_TREE} {V021}"
TABLE_V = "2.0.2 2.1.6 2.3.0"
VECTOR_ROWS: list[tuple[str, str, dict[str, list[str]]]] = [
    ("amd64", "", {EVERY: ["amd64", "386"]}),
    ("amd64", "v1", {EVERY: ["amd64/v1", "386"]}),
    ("amd64", "v2", {EVERY: ["amd64/v2", "amd64/v1", "386"]}),
    ("amd64", "v3", {EVERY: ["amd64/v3", "amd64/v2", "amd64/v1", "386"]}),
    ("amd64", "v4", {EVERY: ["amd64/v4", "amd64/v3", "amd64/v2", "amd64/v1", "386"]}),
    ("amd64", "3", {EVERY: ["amd64/3", "amd64/v2", "amd64/v1", "386"]}),
    ("amd64", "v+3", {EVERY: ["amd64/v+3", "amd64/v2", "amd64/v1", "386"]}),
    ("amd64", "x", {EVERY: ["amd64/x", "386"]}),
    ("386", "", {EVERY: ["386"]}),
    ("arm", "v8", {EVERY: ARM_TAIL}),
    ("arm", "v7", {EVERY: ARM_TAIL[1:]}),
    ("arm", "v6", {EVERY: ARM_TAIL[2:]}),
    ("arm", "v5", {EVERY: ["arm/v5"]}),
    ("arm", "v4", {EVERY: ["arm/v4"]}),
    ("arm", "unknown", {EVERY: ["arm/unknown"]}),
    ("arm", "", {EVERY: ["arm"]}),
    ("arm", "9", {EVERY: ["arm/9", *ARM_TAIL]}),
    ("arm", "v9", {EVERY: ["arm/v9", *ARM_TAIL]}),
    ("riscv64", "", {EVERY: ["riscv64"]}),
    ("arm64", "", {f"{LEGACY_V} 2.0.0": ["arm64", *ARM_TAIL], TABLE_V: ["arm64/v8", *ARM_TAIL]}),
    ("arm64", "v8", {f"{LEGACY_V} 2.0.0 {TABLE_V}": ["arm64/v8", *ARM_TAIL]}),
    ("arm64", "v8.1", {LEGACY_V: ["arm64/v8.1", "arm/v8.1"],
                       f"2.0.0 {TABLE_V}": ["arm64/v8.1", "arm64/v8", *ARM_TAIL]}),
    ("arm64", "v8.9", {LEGACY_V: ["arm64/v8.9", "arm/v8.9"],
                       f"2.0.0 {TABLE_V}": [f"arm64/v8.{n}" for n in range(9, 0, -1)]
                       + ["arm64/v8", *ARM_TAIL]}),
    ("arm64", "v9", {LEGACY_V: ["arm64/v9", "arm/v9", *ARM_TAIL],
                     "2.0.0": ["arm64/v9", "arm64/v8.5", "arm64/v8.4", "arm64/v8.3", "arm64/v8.2",
                               "arm64/v8.1", "arm64/v8", "arm/v9", *ARM_TAIL],
                     TABLE_V: ["arm64/v9", "arm64/v8.5", "arm64/v8.4", "arm64/v8.3",
                               "arm64/v8.2", "arm64/v8.1", "arm64/v8", *ARM_TAIL]}),
    ("arm64", "v9.1", {LEGACY_V: ["arm64/v9.1", "arm/v9.1"],
                       f"2.0.0 {TABLE_V}": ["arm64/v9.1", "arm64/v9", "arm64/v8.6", "arm64/v8.5",
                                            "arm64/v8.4", "arm64/v8.3", "arm64/v8.2",
                                            "arm64/v8.1", "arm64/v8", *ARM_TAIL]}),
    ("arm64", "v9.6", {LEGACY_V: ["arm64/v9.6", "arm/v9.6"],
                       f"2.0.0 {TABLE_V}": [f"arm64/v9.{n}" for n in range(6, 0, -1)]
                       + ["arm64/v9"] + [f"arm64/v8.{n}" for n in range(9, 0, -1)]
                       + ["arm64/v8", *ARM_TAIL]}),
    ("arm64", "v9.7", {LEGACY_V: ["arm64/v9.7", "arm/v9.7"],
                       f"2.0.0 {TABLE_V}": [f"arm64/v9.{n}" for n in range(7, 0, -1)]
                       + ["arm64/v9"] + [f"arm64/v8.{n}" for n in range(9, 0, -1)]
                       + ["arm64/v8", *ARM_TAIL]}),
    ("arm64", "v9.8", {LEGACY_V: ["arm64/v9.8", "arm/v9.8"],
                       "2.0.0": [f"arm64/v9.{n}" for n in range(8, 0, -1)]
                       + ["arm64/v9"] + [f"arm64/v8.{n}" for n in range(9, 0, -1)]
                       + ["arm64/v8", *ARM_TAIL],
                       TABLE_V: []}),
    ("arm64", "v8.10", {LEGACY_V: ["arm64/v8.10", "arm/v8.10"],
                        "2.0.0": ["arm64/v8.10", *ARM_TAIL], TABLE_V: []}),
    ("arm64", "v10", {f"{LEGACY_V} 2.0.0": ["arm64/v10", "arm/v10", "arm/v9", *ARM_TAIL],
                      TABLE_V: []}),
    ("arm64", "8.1", {f"{LEGACY_V} 2.0.0": ["arm64/8.1", "arm/8.1"], TABLE_V: []}),
    ("arm64", "foo", {f"{LEGACY_V} 2.0.0": ["arm64/foo", "arm/foo"], TABLE_V: []}),
]


def _vector_params() -> list[Any]:
    return [pytest.param(version, arch, variant, expected, id=f"{version}-{arch}/{variant}")
            for arch, variant, groups in VECTOR_ROWS
            for version, expected in by_version(groups)]


@pytest.mark.parametrize(("version", "arch", "variant", "expected"), _vector_params())
def test_platform_vector(version: str, arch: str, variant: str, expected: list[str]) -> None:
    vector = platform_vector(P("linux", arch, variant), rules(version))
    assert [short(p) for p in vector] == expected
    assert all(p.os == "linux" for p in vector)


@pytest.mark.parametrize(("arch", "expected"), [("amd64", ["amd64/v99999999999999999999", "386"]),
                                                ("arm", ["arm/v99999999999999999999"])])
def test_platform_vector_level_overflow(arch: str, expected: list[str]) -> None:
    vector = platform_vector(P("linux", arch, "v99999999999999999999"), rules("2.3.0"))
    assert [short(p) for p in vector] == expected


@pytest.mark.parametrize("version", ["1.6.39", "2.0.0", "2.3.0"])
def test_vector_copies_os_version_and_features(version: str) -> None:
    # Every derived entry copies OS, OSVersion and OSFeatures (compare.go platformVector).
    p = P("windows", "arm64", "v8", "10.0.17763", ("f",))
    for entry in platform_vector(p, rules(version)):
        assert (entry.os, entry.os_version, entry.os_features) == ("windows", "10.0.17763", ("f",))
    amd = platform_vector(P("windows", "amd64", "v2", "10.0.1", ("g",)), rules(version))
    assert amd[-1] == P("windows", "386", "", "10.0.1", ("g",))


@pytest.mark.parametrize(("version", "want"), [("1.6.0", True), ("1.6.39", True), ("1.7.18", True),
                                               ("1.7.19", True), ("2.0.0", True),
                                               ("2.0.2", False), ("2.3.0", False)])
def test_only_arm64_v9_takes_arm_v9(version: str, want: bool) -> None:
    # In-tree/v0.x: [p] + platformVector(arm/v9); rc.0: the arm fallback maps to v8 only for
    # "v8."/"v9." prefixes; rc.1+: always arm/v8 for v8*/v9* (compare.go of each tag).
    assert lib(version).only(P("linux", "arm64", "v9")).match(P("linux", "arm", "v9")) is want


@pytest.mark.parametrize("variant", ["v8.10", "v9.8", "v10", "8.1", "foo"])
@pytest.mark.parametrize("version", TABLE_V.split())
def test_only_unknown_arm64_variant_matches_nothing(version: str, variant: str) -> None:
    p = P("linux", "arm64", variant)
    assert not lib(version).only(p).match(p)


@pytest.mark.parametrize(("name", "platform", "expected"), [
    ("containerd@1.6", P("linux", "aarch64", "8"), ["arm64", *ARM_TAIL]),
    ("containerd@1.6", P("linux", "arm64", "v9"), ["arm64/v9", "arm/v9", *ARM_TAIL]),
    ("containerd@2.0.0", P("linux", "arm64", "9.0"),
     ["arm64/v9", "arm64/v8.5", "arm64/v8.4", "arm64/v8.3", "arm64/v8.2", "arm64/v8.1",
      "arm64/v8", "arm/v9", *ARM_TAIL]),
    ("containerd@2.3", P("linux", "aarch64", "9"),
     ["arm64/v9", "arm64/v8.5", "arm64/v8.4", "arm64/v8.3", "arm64/v8.2", "arm64/v8.1",
      "arm64/v8", *ARM_TAIL]),
    ("containerd@2.3", P("linux", "armhf"), ARM_TAIL[1:]),
    ("containerd@2.3", P("linux", "x86_64", "v3"), ["amd64/v3", "amd64/v2", "amd64/v1", "386"]),
])
def test_engine_vector_normalizes_first(name: str, platform: Platform,
                                        expected: list[str]) -> None:
    # Only(p) = Ordered(platformVector(Normalize(p))...)
    assert [short(p) for p in containerd(name).vector(platform, host=LINUX_AMD64)] == expected


# --- Windows: Test_PlatformCompat -----------------------------------------------------------------
# hcsshim osversion CheckHostAndContainerCompat (vendored by containerd v1.6.23 .. v1.6.39 and
# v1.7.6 .. v1.7.18: hcsshim v0.9.10 .. v0.11.5, compatLTSCReleases = [20348]), its copy in
# platforms v0.2.1 / rc.0 (platform_compat_windows.go) and rc.1: the first six rows are platforms
# v0.2.1 platform_compat_windows_test.go Test_PlatformCompat; the others are the rows of rc.4's
# table (and containerd.md 5.3) under the one-entry list, floor = largest entry <= host.
HCS_COMPAT = [
    (17763, 17763, True), (17763, 20348, False), (20348, 17763, False), (20348, 20348, True),
    (22621, 17763, False), (22621, 20348, True),
    (25398, 17763, False), (25398, 20348, True), (26100, 20348, True), (20348, 26100, False),
    (20348, 22621, False), (26100, 22621, True), (26200, 20348, True), (26200, 26100, True),
    (26200, 22621, True), (26200, 17763, False),
]
# platforms rc.2 .. rc.4 platform_windows_compat_test.go Test_PlatformCompat (12 rows), then the
# host-past-2025 rows of containerd.md 5.3 worked out from rc.4 checkWindowsHostAndContainerCompat
# (compatLTSCReleases [20348, 26100], floor = the latest entry strictly below the host, so a 26200
# host has floor 26100 and rejects ltsc2022 *and* 22621; containerd.md's ✓ for 26200/22621 is
# rc.5's answer).
RC2_COMPAT = [
    (17763, 17763, True), (17763, 20348, False), (20348, 17763, False), (20348, 20348, True),
    (22621, 17763, False), (22621, 20348, True), (25398, 17763, False), (25398, 20348, True),
    (26100, 20348, True), (20348, 26100, False), (20348, 22621, False), (26100, 22621, True),
    (26200, 20348, False), (26200, 26100, True), (26200, 22621, False), (26200, 17763, False),
]


def _compat_params() -> list[Any]:
    out: list[Any] = []
    for versions, table in (("1.6.39 1.7.18 1.7.19 2.0.0 2.0.2", HCS_COMPAT),
                            ("2.1.6 2.3.0", RC2_COMPAT)):
        for version in versions.split():
            out.extend(pytest.param(version, host, ctr, want, id=f"{version}-{host}-{ctr}")
                       for host, ctr, want in table)
    return out


@pytest.mark.parametrize(("version", "host", "ctr", "want"), _compat_params())
def test_platform_compat(version: str, host: int, ctr: int, want: bool) -> None:
    r = rules(version)
    assert windows_compatible(WinVersion(10, 0, host), WinVersion(10, 0, ctr), r) is want


@pytest.mark.parametrize("version", ["1.6.39", "1.7.19", "2.0.2", "2.3.0"])
@pytest.mark.parametrize("ctr", [WinVersion(6, 3, 20348), WinVersion(10, 1, 20348)])
def test_platform_compat_needs_same_major_minor(version: str, ctr: WinVersion) -> None:
    assert not windows_compatible(WinVersion(10, 0, 20348), ctr, rules(version))


# --- Windows: parsing os.version ------------------------------------------------------------------
# rc.1+ platform_windows_compat.go getWindowsOSVersion: fewer than 2 dots or any ParseUint(x, 10,
# 8/8/16) error gives zero; the 4th field onward is ignored. rc.0 platforms_windows.go getOSVersion:
# ParseUint with the error ignored (0 on syntax errors, the maximum on overflow). containerd
# v1.6.23+/v1.7.6+ getOSVersion/GetOsVersion and platforms v0.2.1: strconv.Atoi with the error
# ignored, then uint8/uint16 conversions that wrap.
Z = WinVersion()
WINVER_ROWS: list[tuple[str, dict[str, WinVersion]]] = [
    ("10.0.17763", {"hcs rc0 rc1": WinVersion(10, 0, 17763)}),
    ("10.0.17763.1234", {"hcs rc0 rc1": WinVersion(10, 0, 17763)}),
    ("10.0.17763.abc", {"hcs rc0 rc1": WinVersion(10, 0, 17763)}),
    ("10.0.17763.1.2", {"hcs rc0 rc1": WinVersion(10, 0, 17763)}),
    ("010.000.017763", {"hcs rc0 rc1": WinVersion(10, 0, 17763)}),
    ("255.255.65535", {"hcs rc0 rc1": WinVersion(255, 255, 65535)}),
    ("", {"hcs rc0 rc1": Z}),
    ("10", {"hcs rc0 rc1": Z}),
    ("10.0", {"hcs rc0 rc1": Z}),
    ("10.0.x", {"hcs rc0": WinVersion(10, 0, 0), "rc1": Z}),
    ("10..17763", {"hcs rc0": WinVersion(10, 0, 17763), "rc1": Z}),
    ("10.0.70000", {"hcs": WinVersion(10, 0, 4464), "rc0": WinVersion(10, 0, 65535), "rc1": Z}),
    ("10.0.83299", {"hcs": WinVersion(10, 0, 17763), "rc0": WinVersion(10, 0, 65535), "rc1": Z}),
    ("256.0.1", {"hcs": WinVersion(0, 0, 1), "rc0": WinVersion(255, 0, 1), "rc1": Z}),
    ("-1.0.1", {"hcs": WinVersion(255, 0, 1), "rc0": WinVersion(0, 0, 1), "rc1": Z}),
    ("+10.0.1", {"hcs": WinVersion(10, 0, 1), "rc0": WinVersion(0, 0, 1), "rc1": Z}),
    ("99999999999999999999.0.1",
     {"hcs": WinVersion(255, 0, 1), "rc0": WinVersion(255, 0, 1), "rc1": Z}),
    ("10.0.17763 ", {"hcs rc0": WinVersion(10, 0, 0), "rc1": Z}),
]
WINVER_GENS = {"hcs": "1.6.39 1.7.18 1.7.19", "rc0": "2.0.0", "rc1": "2.0.2 2.1.6 2.3.0"}


def _winver_params() -> list[Any]:
    out: list[Any] = []
    for text, groups in WINVER_ROWS:
        for gens, want in groups.items():
            for gen in gens.split():
                out.extend(pytest.param(version, text, want, id=f"{version}-{text!r}")
                           for version in WINVER_GENS[gen].split())
    return out


@pytest.mark.parametrize(("version", "text", "expected"), _winver_params())
def test_windows_version(version: str, text: str, expected: WinVersion) -> None:
    assert windows_version(text, rules(version)) == expected


# --- Windows: NewMatcher's os.version check, generation by generation -----------------------------
# Worked out from: containerd v1.6.39 platforms.go (NewMatcher ignores os.version); v1.7.0 ..
# v1.7.5 defaults_windows.go windowsmatcher (HasPrefix(build prefix) || empty candidate);
# v1.7.6 .. v1.7.18 (empty candidate, else hcsshim compat of GetOsVersion(prefix): an empty
# matcher is 0.0.0); platforms v0.2.1 and rc.0 platforms_windows.go (empty matcher or candidate,
# else compat); rc.1+ windowsVersionMatcher (zero matcher or empty candidate, else compat);
# rc.2+ LTSC floor. Before rc.1 the check is only built on a Windows host, and only when the
# matcher's *raw* OS is "windows" (`m.OS == "windows"`, Platform not normalized); from rc.1
# NewMatcher tests the raw `platform.OS == "windows"`.
WIN_VERSIONS = ["1.6.39", "1.7.0", "1.7.6", "1.7.19", "2.0.0", "2.0.2", "2.1.6", "2.3.0"]


def W(osv: str, arch: str = "amd64", os: str = "windows",
      features: tuple[str, ...] = ()) -> Platform:
    return P(os, arch, "", osv, features)


#  (label, matcher, candidate, host GOOS, expected per WIN_VERSIONS, versions expected to differ)
WIN_MATCH_ROWS: list[tuple[str, Platform, Platform, str, str, set[str]]] = [
    ("same build", W("10.0.17763"), W("10.0.17763.1"), "windows", "TTTTTTTT", set()),
    ("empty candidate", W("10.0.17763"), W(""), "windows", "TTTTTTTT", set()),
    ("other build", W("10.0.17763"), W("10.0.17762.1"), "windows", "TFFFFFFF", set()),
    ("prefix accident", W("10.0.17763"), W("10.0.177631"), "windows", "TTFFFFFF", set()),
    ("uint16 wrap", W("10.0.17763"), W("10.0.83299"), "windows", "TFTTFFFF", set()),
    ("empty matcher", W(""), W("10.0.17763"), "windows", "TTFTTTTT", set()),
    ("revision ignored", W("10.0.20348.1"), W("10.0.20348.2"), "windows", "TTTTTTTT", set()),
    ("win11 runs ltsc2022", W("10.0.22621"), W("10.0.20348.1"), "windows", "TFTTTTTT", set()),
    ("26200 and ltsc2022", W("10.0.26200"), W("10.0.20348"), "windows", "TFTTTTFF", set()),
    ("26200 and ltsc2025", W("10.0.26200"), W("10.0.26100.1"), "windows", "TFTTTTTT", set()),
    ("newer image", W("10.0.20348"), W("10.0.26100"), "windows", "TFFFFFFF", set()),
    ("two-field matcher", W("10.0"), W("10.0.17763"), "windows", "TTFFFTTT", set()),
    ("garbage candidate", W("10.0.17763"), W("abc"), "windows", "TFFFFFFF", set()),
    ("other arch", W("10.0.17763"), W("10.0.17763", "arm64"), "windows", "FFFFFFFF", set()),
    ("raw OS Windows", W("10.0.17763", os="Windows"), W("10.0.20348"), "windows", "TTTTTTTT",
     {"1.7.0", "1.7.6", "1.7.19", "2.0.0"}),
    ("raw OS empty", W("10.0.17763", os=""), W("10.0.20348"), "windows", "TTTTTTTT",
     {"1.7.0", "1.7.6", "1.7.19", "2.0.0"}),
    ("linux host: other build", W("10.0.17763"), W("10.0.17762.1"), "linux", "TTTTTFFF", set()),
    ("linux host: 26200", W("10.0.26200"), W("10.0.20348"), "linux", "TTTTTTFF", set()),
]


def _win_match_params() -> list[Any]:
    out: list[Any] = []
    for label, matcher, candidate, goos, wants, _differ in WIN_MATCH_ROWS:
        for version, want in zip(WIN_VERSIONS, wants, strict=True):
            out.append(pytest.param(version, matcher, candidate, goos, want == "T",
                                    id=f"{version}-{label}"))
    return out


@pytest.mark.parametrize(("version", "matcher", "candidate", "goos", "want"), _win_match_params())
def test_windows_new_matcher(version: str, matcher: Platform, candidate: Platform, goos: str,
                             want: bool) -> None:
    host = P(goos, "amd64", "", "10.0.20348" if goos == "windows" else "")
    assert lib(version, host).new_matcher(matcher).match(candidate) is want


# os.features and Windows: ignored before rc.3 (no OSFeatures in matcher.Match); rc.3 requires a
# subset of the matcher's features; rc.4 windowsStripFeaturesMatcher drops the first "win32k" of
# a candidate of a windows matcher (platforms rc.3 / rc.4 platforms.go,
# platform_windows_compat.go).
FEATURE_VERSIONS = ["1.7.19", "2.1.6", "rc.3", "2.3.0"]
FEATURE_ROWS: list[tuple[Platform, Platform, str]] = [
    (W("10.0.20348"), W("10.0.20348.1", features=("win32k",)), "TTFT"),
    (W("10.0.20348"), W("10.0.20348.1", features=("win32k", "win32k")), "TTFF"),
    (W("10.0.20348"), W("10.0.20348.1", features=("gpu",)), "TTFF"),
    (W("10.0.20348"), W("10.0.20348.1", features=("win32k", "gpu")), "TTFF"),
    (W("10.0.20348", features=("gpu",)), W("10.0.20348.1", features=("win32k", "gpu")), "TTFT"),
    (P("linux", "amd64"), P("linux", "amd64", "", "", ("win32k",)), "TTFF"),
    (P("linux", "amd64", "", "", ("a", "b")), P("linux", "amd64", "", "", ("b", "b")), "TTTT"),
    (P("linux", "amd64", "", "", ("a",)), P("linux", "amd64", "", "", ("a", "b")), "TTFF"),
]


@pytest.mark.parametrize("goos", ["linux", "windows"])
@pytest.mark.parametrize(("matcher", "candidate", "wants"), FEATURE_ROWS)
def test_features_and_win32k(goos: str, matcher: Platform, candidate: Platform,
                             wants: str) -> None:
    host = P(goos, "amd64", "", "10.0.20348" if goos == "windows" else "")
    got = "".join("T" if lib(v, host).new_matcher(matcher).match(candidate) else "F"
                  for v in FEATURE_VERSIONS)
    assert got == wants


# --- Windows: containerd 1.6 Default() matchComparer (defaults_windows.go) ------------------------
# v1.6.0 .. v1.6.17: Match = defaults.Match(p) && HasPrefix(p.OSVersion, "M.m.b");
# v1.6.18 .. v1.6.22: p.OS == "windows" (raw) && (prefix || p.OSVersion == "");
# v1.6.23 .. v1.6.39: p.OS == "windows" && (p.OSVersion == "" || hcsshim compat).
# The first six rows are defaults_windows_test.go TestMatchComparerMatch (defaults =
# Only(windows/amd64), buildStr = the host build; "" flips to true in v1.6.18); the rest are
# worked out from the source above. Columns: 1.6.0, 1.6.17, 1.6.18, 1.6.22, 1.6.23, 1.6.39.
V16 = ["1.6.0", "1.6.17", "1.6.18", "1.6.22", "1.6.23", "1.6.39"]
MATCH16_ROWS: list[tuple[Platform, str]] = [
    (W(WIN_BUILD), "TTTTTT"),
    (W(WIN_BUILD + ".1"), "TTTTTT"),
    (W(WIN_BUILD + ".2"), "TTTTTT"),
    (W("10.0.17762.1"), "FFFFFF"),
    (W("10.0.17764.1"), "FFFFFF"),
    (W(""), "FFTTTT"),
    (W("10.0.177631"), "TTTTFF"),
    (W("10.0.83299"), "FFFFTT"),
    (W("10.0.17763.1", os="Windows"), "TTFFFF"),
    (W("10.0.17763.1", "386"), "TTTTTT"),  # defaults = Only(windows/amd64) takes 386 here
    (W("10.0.17763.1", "arm64"), "FFFFFF"),
]


@pytest.mark.parametrize(("candidate", "wants"), MATCH16_ROWS)
def test_1_6_match_comparer(candidate: Platform, wants: str) -> None:
    got = ""
    for version in V16:
        pkg = lib(version, WINDOWS_AMD64)
        m = Windows16Default(pkg, pkg.only(W("")), WIN_BUILD, pkg.rules.windows_default)
        got += "T" if m.match(candidate) else "F"
    assert got == wants


@pytest.mark.parametrize(("candidate", "wants"), [
    (W(WIN_BUILD + ".1"), "TTTTTT"),
    (P("linux", "amd64"), "FFFFFF"),
    (P("linux", "amd64", "", "10.0.17763.1"), "TTFFFF"),  # 1.6.0-17 only tests the prefix
    (W("10.0.17763.1", "386"), "FFFFFF"),  # defaults = Ordered(DefaultSpec(), linux/GOARCH)
])
def test_1_6_default(candidate: Platform, wants: str) -> None:
    got = "".join("T" if lib(v, WINDOWS_AMD64).default().match(candidate) else "F" for v in V16)
    assert got == wants


LESS_INPUT = [W("10.0.17764.1"), W(""), W("10.0.17763.1"), W("10.0.17763.2"), W("10.0.17762.1")]


@pytest.mark.parametrize(("version", "expected"), [
    # defaults_windows_test.go TestMatchComparerLess, containerd v1.6.0 .. v1.6.17
    ("1.6.0", [W("10.0.17763.2"), W("10.0.17763.1"), W("10.0.17764.1"), W(""),
               W("10.0.17762.1")]),
    # ... v1.6.18 .. v1.6.39
    ("1.6.18", [W("10.0.17763.2"), W("10.0.17763.1"), W(""), W("10.0.17764.1"),
                W("10.0.17762.1")]),
    ("1.6.39", [W("10.0.17763.2"), W("10.0.17763.1"), W(""), W("10.0.17764.1"),
                W("10.0.17762.1")]),
])
def test_1_6_match_comparer_less(version: str, expected: list[Platform]) -> None:
    pkg = lib(version, WINDOWS_AMD64)
    m = Windows16Default(pkg, pkg.only(W("")), "10.0.17763", pkg.rules.windows_default)
    assert slice_stable(LESS_INPUT, m.less) == expected


def test_1_6_revision_overflow_is_zero() -> None:
    pkg = lib("1.6.39", WINDOWS_AMD64)
    m = pkg.default()
    big, one = W("10.0.17763.99999999999999999999"), W("10.0.17763.1")
    assert m.match(big) and m.match(one)
    assert slice_stable([big, one], m.less) == [one, big]


# --- Windows: the matcher tests of containerd 1.7 / platforms v0.x and rc.x -----------------------
# defaults_windows_test.go TestMatchComparerMatch_WCOW and _LCOW (containerd v1.7.0 .. v1.7.18,
# platforms v0.1.0 .. rc.4; Windows only): NewMatcher(DefaultSpec()) and NewMatcher(linux/amd64)
# on a host whose build is buildStr.
WCOW = [
    (WINDOWS_AMD64, True), (W(WIN_BUILD + ".1"), True), (W(WIN_BUILD + ".2"), True),
    (W("10.0.17762.1"), False), (W("10.0.17764.1"), False), (W(""), True),
    (P("linux", "amd64"), False),
]
LCOW = [
    (WINDOWS_AMD64, False), (W(""), False), (W(WIN_BUILD + ".2"), False),
    (W("10.0.17762.1"), False), (P("linux", "amd64"), True),
]
V17_PLUS = ["1.7.0", "1.7.6", "1.7.18", "1.7.19", "2.0.0", "2.0.2", "2.1.6", "2.3.0"]


@pytest.mark.parametrize("version", V17_PLUS)
@pytest.mark.parametrize(("candidate", "want"), WCOW)
def test_match_wcow(version: str, candidate: Platform, want: bool) -> None:
    assert lib(version, WINDOWS_AMD64).new_matcher(WINDOWS_AMD64).match(candidate) is want


@pytest.mark.parametrize("version", ["1.6.39", *V17_PLUS])
@pytest.mark.parametrize(("candidate", "want"), LCOW)
def test_match_lcow(version: str, candidate: Platform, want: bool) -> None:
    assert lib(version, WINDOWS_AMD64).new_matcher(LINUX_AMD64).match(candidate) is want


@pytest.mark.parametrize("version", V17_PLUS)
def test_fallback_on_os_version(version: str) -> None:
    # platforms_windows_test.go TestFallbackOnOSVersion (containerd v1.7.0+, platforms v0.1.0+)
    m = lib(version, WINDOWS_AMD64).new_matcher(W("99.99.99.99"))
    assert m.match(W(""))


# TestMatchComparerMatch_ABICheckWCOW: containerd v1.7.6 .. v1.7.18 defaults_windows_test.go (the
# first six rows), platforms v0.2.1 / rc.0 defaults_windows_test.go and rc.1 .. rc.4
# defaults_test.go (all nine rows; rc.1+ runs on every host). The 1.7.0 .. 1.7.5 column (prefix
# rule) and the 1.7.6 .. 1.7.18 "no version" rows (empty matcher = 0.0.0) are worked out from
# those releases' defaults_windows.go.
WS2019, WS2022, WIN11, NOVER = W("10.0.17763"), W("10.0.20348"), W("10.0.22621"), W("")
ABI_VERSIONS = ["1.7.0", "1.7.6", "1.7.18", "1.7.19", "2.0.0", "2.0.2", "2.1.6", "2.3.0"]
ABI_ROWS: list[tuple[str, Platform, Platform, str]] = [
    ("2019-2019", WS2019, W("10.0.17763"), "TTTTTTTT"),
    ("2019-2022", WS2019, W("10.0.20348"), "FFFFFFFF"),
    ("2022-2019", WS2022, W("10.0.17763"), "FFFFFFFF"),
    ("2022-2022", WS2022, W("10.0.20348"), "TTTTTTTT"),
    ("win11-2019", WIN11, W("10.0.17763"), "FFFFFFFF"),
    ("win11-2022", WIN11, W("10.0.20348"), "FTTTTTTT"),
    ("nover-2019", NOVER, WS2019, "TFFTTTTT"),
    ("nover-nover", NOVER, NOVER, "TTTTTTTT"),
    ("nover-win11", NOVER, WIN11, "TFFTTTTT"),
]


@pytest.mark.parametrize(("label", "host", "candidate", "wants"), ABI_ROWS,
                         ids=[r[0] for r in ABI_ROWS])
def test_match_abi_check_wcow(label: str, host: Platform, candidate: Platform,
                              wants: str) -> None:
    got = "".join("T" if lib(v, WINDOWS_AMD64).new_matcher(host).match(candidate) else "F"
                  for v in ABI_VERSIONS)
    assert got == wants
    # rc.1+ (defaults_test.go) gives the same answers on a Linux host.
    assert "".join("T" if lib(v).new_matcher(host).match(candidate) else "F"
                   for v in ("2.0.2", "2.1.6", "2.3.0")) == wants[-3:]


@pytest.mark.parametrize("version", ["1.7.0", "1.7.6", "1.7.19", "2.0.0", "2.0.2"])
def test_new_matcher_less_by_revision(version: str) -> None:
    m = lib(version, WINDOWS_AMD64).new_matcher(W("10.0.17763.1"))
    less = getattr(m, "less", None)
    assert less is not None
    assert slice_stable(LESS_INPUT, less) == [W("10.0.17763.2"), W("10.0.17763.1"), W(""),
                                              W("10.0.17764.1"), W("10.0.17762.1")]
    # revision is an integer: .3091 before .900
    assert slice_stable([W("10.0.17763.900"), W("10.0.17763.3091")], less) == [
        W("10.0.17763.3091"), W("10.0.17763.900")]


@pytest.mark.parametrize("goos", ["linux", "windows"])
@pytest.mark.parametrize("version", ["2.1.6", "2.3.0"])
def test_windows_match_comparer_less(version: str, goos: str) -> None:
    # rc.2 .. rc.4 defaults_test.go TestWindowsMatchComparerLess: off Windows the test wraps
    # NewMatcher in windowsMatchComparer; on Windows NewMatcher returns one.
    host = WINDOWS_AMD64 if goos == "windows" else LINUX_AMD64
    m = lib(version, host).new_matcher(W("10.0.17763.1"))
    comparer = m if goos == "windows" else WindowsMatchComparer(m)
    assert isinstance(comparer, WindowsMatchComparer)
    assert slice_stable(LESS_INPUT, comparer.less) == [
        W("10.0.17763.2"), W("10.0.17763.1"), W(""), W("10.0.17764.1"), W("10.0.17762.1")]
    # os.version compared as a string from rc.2 on: .900 before .3091
    assert slice_stable([W("10.0.17763.3091"), W("10.0.17763.900")], comparer.less) == [
        W("10.0.17763.900"), W("10.0.17763.3091")]


LINUX_P = P("linux", "amd64")
WS2022_P, WS2025_P, WS2025_3000 = W("10.0.20348.3091"), W("10.0.26100.2894"), W("10.0.26100.3000")


@pytest.mark.parametrize("version", ["2.1.6", "2.3.0"])
@pytest.mark.parametrize(("host", "platforms", "expected"), [
    # rc.2 .. rc.4 platform_windows_compat_test.go Test_PlatformOrder (upstream checks the first
    # entry; the rest of the order is worked out from windowsMatchComparer.Less)
    (WS2022_P, [LINUX_P, WS2022_P, WS2025_P], [WS2022_P, LINUX_P, WS2025_P]),
    (WS2025_P, [LINUX_P, WS2022_P, WS2025_P], [WS2025_P, WS2022_P, LINUX_P]),
    (WS2025_P, [LINUX_P, WS2022_P, WS2025_3000], [WS2025_3000, WS2022_P, LINUX_P]),
], ids=["2022 selects 2022", "2025 selects 2025", "2025 selects latest revision"])
def test_platform_order(version: str, host: Platform, platforms: list[Platform],
                        expected: list[Platform]) -> None:
    comparer = WindowsMatchComparer(lib(version).new_matcher(host))
    assert slice_stable(platforms, comparer.less) == expected


# --- Default() per host OS ------------------------------------------------------------------------
# defaults_unix.go: Only(DefaultSpec()); defaults_darwin.go: Ordered(DefaultSpec(), linux/GOARCH);
# defaults_freebsd.go (containerd v1.7.0+, platforms v0.x+): Ordered(DefaultSpec(),
# linux/GOARCH/cpuVariant()), while containerd v1.6.x builds defaults_unix.go on FreeBSD;
# defaults_windows.go: containerd 1.6 matchComparer, 1.7 .. rc.1 Only(DefaultSpec()), rc.2+
# windowsMatchComparer{NewMatcher(DefaultSpec())}. Orders worked out from compare.go.
AFTER_16 = f"1.7.0 1.7.18 {V021} {RCS}"
DEFAULT_ROWS: list[tuple[str, Platform, list[Platform], dict[str, list[Platform]]]] = [
    ("linux/amd64", P("linux", "amd64"),
     [P("linux", "386"), P("linux", "amd64", "v2"), P("linux", "amd64"), P("darwin", "amd64"),
      P("windows", "amd64")],
     {EVERY: [P("linux", "amd64"), P("linux", "386")]}),
    ("linux/arm64", P("linux", "arm64", "v8"),
     [P("linux", "arm", "v7"), P("linux", "arm64", "v8.1"), P("linux", "arm64"),
      P("linux", "amd64"), P("linux", "arm64", "v9")],
     {EVERY: [P("linux", "arm64"), P("linux", "arm", "v7")]}),
    ("linux/arm/v6", P("linux", "arm", "v6"),
     [P("linux", "arm", "v7"), P("linux", "arm", "v5"), P("linux", "arm"), P("linux", "arm", "v6")],
     {EVERY: [P("linux", "arm", "v6"), P("linux", "arm", "v5")]}),
    ("darwin/arm64", P("darwin", "arm64", "v8"),
     [P("linux", "arm64", "v8"), P("darwin", "arm64"), P("linux", "arm", "v7"),
      P("linux", "amd64"), P("darwin", "amd64")],
     {EVERY: [P("darwin", "arm64"), P("linux", "arm64", "v8")]}),
    ("darwin/amd64", P("darwin", "amd64"),
     [P("linux", "386"), P("linux", "amd64"), P("darwin", "386")],
     {EVERY: [P("linux", "amd64")]}),
    ("freebsd/amd64", P("freebsd", "amd64"),
     [P("linux", "amd64"), P("freebsd", "386"), P("freebsd", "amd64")],
     {"1.6.0 1.6.39": [P("freebsd", "amd64"), P("freebsd", "386")],
      AFTER_16: [P("freebsd", "amd64"), P("linux", "amd64")]}),
    ("freebsd/arm64", P("freebsd", "arm64", "v8"),
     [P("linux", "arm64"), P("freebsd", "arm", "v7"), P("freebsd", "arm64")],
     {"1.6.39": [P("freebsd", "arm64"), P("freebsd", "arm", "v7")],
      AFTER_16: [P("freebsd", "arm64"), P("linux", "arm64")]}),
    ("windows 10.0.20348", P("windows", "amd64", "", "10.0.20348"),
     [W("10.0.20348.900"), W("10.0.20348.3091"), W(""), W("10.0.17763.1"), P("linux", "amd64"),
      W("10.0.20348.1", "386"), W("10.0.22621.1"), W("10.0.26100.1")],
     {"1.6.0": [W("10.0.20348.3091"), W("10.0.20348.900")],
      "1.6.18 1.6.23 1.6.39": [W("10.0.20348.3091"), W("10.0.20348.900"), W("")],
      "1.7.0 1.7.6 1.7.18 1.7.19 2.0.0 2.0.2": [W("10.0.20348.900"), W("10.0.20348.3091"), W(""),
                                                W("10.0.20348.1", "386")],
      "2.1.6 2.3.0": [W("10.0.20348.900"), W("10.0.20348.3091"), W("")]}),
    ("windows 10.0.26200", P("windows", "amd64", "", "10.0.26200"),
     [W("10.0.20348.1"), W("10.0.26100.5"), W("10.0.26200.1")],
     {"1.6.0 1.7.0": [W("10.0.26200.1")],
      "1.6.23 1.6.39": [W("10.0.26100.5"), W("10.0.20348.1"), W("10.0.26200.1")],
      "1.7.6 1.7.19 2.0.0 2.0.2": [W("10.0.20348.1"), W("10.0.26100.5"), W("10.0.26200.1")],
      "2.1.6 2.3.0": [W("10.0.26200.1"), W("10.0.26100.5")]}),
    ("windows win32k", P("windows", "amd64", "", "10.0.20348"),
     [W("10.0.20348.1", features=("win32k",)), W("10.0.20348.2"),
      W("10.0.20348.3", features=("gpu",))],
     {"2.1.6": [W("10.0.20348.3", features=("gpu",)), W("10.0.20348.2"),
                W("10.0.20348.1", features=("win32k",))],
      "2.3.0": [W("10.0.20348.2"), W("10.0.20348.1", features=("win32k",))]}),
    ("linux os.features", P("linux", "amd64"),
     [P("linux", "amd64", "", "", ("gpu",)), P("linux", "amd64")],
     {"2.1.6": [P("linux", "amd64", "", "", ("gpu",)), P("linux", "amd64")],
      "2.3.0": [P("linux", "amd64")]}),
]


def _default_params() -> list[Any]:
    return [pytest.param(version, host, candidates, expected, id=f"{version}-{label}")
            for label, host, candidates, groups in DEFAULT_ROWS
            for version, expected in by_version(groups)]


@pytest.mark.parametrize(("version", "host", "candidates", "expected"), _default_params())
def test_default(version: str, host: Platform, candidates: list[Platform],
                 expected: list[Platform]) -> None:
    assert accepted_in_order(lib(version, host).default(), candidates) == expected


@pytest.mark.parametrize("version", ["1.6.39", *V17_PLUS])
def test_default_match_comparer_windows(version: str) -> None:
    # defaults_windows_test.go TestDefaultMatchComparer (containerd v1.7.0+, platforms v0.1.0+):
    # Default() matches DefaultSpec() and never linux/GOARCH.
    m = lib(version, WINDOWS_AMD64).default()
    assert m.match(WINDOWS_AMD64)
    assert not m.match(P("linux", "amd64"))


# --- DefaultSpec() (defaults_*.go, cpuinfo_*.go) --------------------------------------------------
# No amd64 level is ever detected; arm64 is v8 (cpuinfo "8" on Linux, cpuinfo_other.go elsewhere);
# 32-bit arm is the cpuinfo variant on Linux, v7 on darwin/windows, "unknown" on FreeBSD; Windows
# adds "M.m.b" from RtlGetNtVersionNumbers (no revision).
DEFAULT_SPEC_ROWS = [
    ("containerd@1.6", P("linux", "amd64", "v3"), P("linux", "amd64")),
    ("containerd", P("linux", "amd64", "v3"), P("linux", "amd64")),
    ("containerd@1.6", P("linux", "arm64"), P("linux", "arm64", "v8")),
    ("containerd", P("linux", "arm64", "v8.2"), P("linux", "arm64", "v8")),
    ("containerd", P("linux", "arm", "v6"), P("linux", "arm", "v6")),
    ("containerd", P("linux", "arm", "v7"), P("linux", "arm", "v7")),
    ("containerd", P("darwin", "arm64"), P("darwin", "arm64", "v8")),
    ("containerd", P("darwin", "arm"), P("darwin", "arm", "v7")),
    ("containerd", P("windows", "arm64", "", "10.0.26100.1"),
     P("windows", "arm64", "v8", "10.0.26100")),
    ("containerd@1.7", P("windows", "amd64", "", "10.0.20348.2113"),
     P("windows", "amd64", "", "10.0.20348")),
    ("containerd@1.6", P("windows", "amd64", "", "10.0.17763.5000"),
     P("windows", "amd64", "", "10.0.17763")),
    ("containerd@1.6.22", P("freebsd", "arm64"), P("freebsd", "arm64", "v8")),
    ("containerd@1.7", P("freebsd", "arm"), P("freebsd", "arm", "unknown")),
]
@pytest.mark.parametrize(("name", "host", "expected"), [
    *DEFAULT_SPEC_ROWS,
    # containerd v1.6.0-v1.6.21 cpuinfo.go: off Linux only windows/darwin were known, so
    # cpuVariant() is "" on FreeBSD; cpuinfo_other.go's FreeBSD branch came in v1.6.22.
    ("containerd@1.6.21", P("freebsd", "arm64"), P("freebsd", "arm64")),
    ("containerd@1.6.21", P("freebsd", "arm"), P("freebsd", "arm")),
])
def test_default_spec(name: str, host: Platform, expected: Platform) -> None:
    assert get_engine(name).detected_platform(host) == expected


@pytest.mark.parametrize("version", ["1.6.39", "1.7.18", "2.3.0"])
def test_default_amd64_never_takes_a_level(version: str) -> None:
    # containerd.md 3.4: an amd64 host's Default() is Only(linux/amd64) and fails on v3-only
    engine_spec = get_engine(f"containerd@{version}").detected_platform(P("linux", "amd64", "v3"))
    assert engine_spec == P("linux", "amd64")
    m = lib(version, engine_spec).default()
    assert not m.match(P("linux", "amd64", "v3"))
    assert accepted_in_order(m, [P("linux", "amd64", "v3"), P("linux", "amd64", "v2")]) == []


# --- properties -----------------------------------------------------------------------------------

VERSIONS = ["1.6.0", "1.6.18", "1.6.39", "1.7.0", "1.7.6", "1.7.19", "2.0.0", "2.0.2", "2.1.6",
            "2.3.0"]
OSES = ["linux", "windows", "darwin", "", "Linux", "freebsd"]
ARCHES = ["amd64", "386", "arm", "arm64", "aarch64", "armhf", "armel", "x86_64", "riscv64"]
VARIANTS = ["", "v1", "v2", "v3", "v5", "v6", "v7", "v8", "8", "9", "9.0", "v8.0", "v8.1",
            "v8.6", "v9", "v9.1", "v9.5", "v8.10", "v10", "foo", "unknown"]
OS_VERSIONS = ["", "10.0.17763", "10.0.17763.1", "10.0.20348.900", "10.0.20348.3091",
               "10.0.26100.1", "10.0", "abc", "10.0.83299", "10.0.177631"]
FEATURES = st.lists(st.sampled_from(["win32k", "gpu", "a"]), max_size=3).map(tuple)

platforms_st = st.builds(
    Platform, os=st.sampled_from(OSES), architecture=st.sampled_from(ARCHES),
    variant=st.one_of(st.sampled_from(VARIANTS), st.text("v0123456789.", max_size=4)),
    os_version=st.one_of(st.sampled_from(OS_VERSIONS), st.text("0123456789.", max_size=12)),
    os_features=FEATURES,
)
hosts_st = st.sampled_from([P("linux", "amd64"), P("linux", "arm64", "v8"), P("linux", "arm", "v6"),
                            P("windows", "amd64", "", "10.0.20348"),
                            P("windows", "amd64", "", "10.0.17763"),
                            P("darwin", "arm64", "v8"), P("freebsd", "amd64")])


@settings(max_examples=400, deadline=None)
@given(version=st.sampled_from(VERSIONS), host=hosts_st, p=platforms_st)
def test_only_matches_itself(version: str, host: Platform, p: Platform) -> None:
    pkg = lib(version, host)
    assume(pkg.vector(pkg.normalize(p)))  # rc.1+: an unknown arm64 variant matches nothing
    assert pkg.only(p).match(p)


def _comparers(pkg: Platforms, a: Platform, b: Platform) -> list[MatchComparer]:
    out = [pkg.only(a), pkg.only_strict(a), pkg.ordered(a, b), pkg.any_of(a, b), pkg.default()]
    if pkg.rules.strip_win32k:
        out.append(pkg.only_os(a))
    return out


@settings(max_examples=300, deadline=None)
@given(version=st.sampled_from(VERSIONS), host=hosts_st, a=platforms_st, b=platforms_st,
       candidates=st.lists(platforms_st, max_size=8), which=st.integers(0, 5))
def test_accepted_order_is_a_consistent_preorder(version: str, host: Platform, a: Platform,
                                                 b: Platform, candidates: list[Platform],
                                                 which: int) -> None:
    pkg = lib(version, host)
    comparers = _comparers(pkg, a, b)
    mc = comparers[which % len(comparers)]
    candidates = [replace(c) for c in candidates]  # distinct objects: positions by id()
    position = {id(c): i for i, c in enumerate(candidates)}
    accepted = [c for c in candidates if mc.match(c)]
    less = mc.less
    for x, y in itertools.product(accepted, repeat=2):
        # never both; when neither, x and y stand in the same relation to everything else
        assert not (less(x, y) and less(y, x))
        if not less(x, y) and not less(y, x):
            for z in accepted:
                assert less(x, z) == less(y, z) and less(z, x) == less(z, y)
    for x, y, z in itertools.product(accepted, repeat=3):
        if less(x, y) and less(y, z):
            assert less(x, z)
    out = accepted_in_order(mc, candidates)
    assert sorted(map(id, out)) == sorted(map(id, accepted))
    for i, j in itertools.combinations(range(len(out)), 2):
        assert not less(out[j], out[i])  # sorted
        if not less(out[i], out[j]):  # ties keep input order (stable)
            assert position[id(out[i])] < position[id(out[j])]
