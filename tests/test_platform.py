"""containerd's Parse, Format, FormatAll and Normalize, generation by generation.

Every table below is copied from an upstream test or read from upstream source, and says which
file at which tag; nothing expected here is computed by ``resolver``. The generations:

======  =======================================================  =====================
name    upstream                                                 containerd releases
======  =======================================================  =====================
1.6     containerd v1.6.39 platforms/ (same Parse since v1.6.0)  1.6.x
1.7     containerd v1.7.18 platforms/ = platforms v0.1.x         1.7.0 - 1.7.18
v0.2    containerd/platforms v0.2.1 (v0.2.0 parses the same)     1.7.19+
rc.0    containerd/platforms v1.0.0-rc.0                         2.0.0, 2.0.1
rc.1    containerd/platforms v1.0.0-rc.1                         2.0.2 - 2.1.5
rc.2    containerd/platforms v1.0.0-rc.2                         2.1.6 - 2.2.x
rc.3    containerd/platforms v1.0.0-rc.3                         (none)
rc.4    containerd/platforms v1.0.0-rc.4                         2.3.x
======  =======================================================  =====================

Go's ``runtime.GOOS``/``GOARCH``/``cpuVariant()`` (what the one-part forms fill in) are the
``host`` passed to ``parse_platform``; upstream tests write them ``defaultOS`` etc.
"""

from __future__ import annotations

import contextlib
import string
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from resolver.engines.containerd_platforms import Platforms
from resolver.engines.containerd_rules import ContainerdRules, rules_for
from resolver.errors import PlatformError
from resolver.platform import (
    SYNTAX_INTREE,
    SYNTAX_INTREE_WINFILL,
    SYNTAX_RC0,
    SYNTAX_RC1,
    SYNTAX_RC3,
    SYNTAX_RC4,
    SYNTAX_V0_2,
    Platform,
    PlatformSyntax,
    format_all,
    format_platform,
    normalize,
    normalize_arch,
    parse_platform,
)

# --- generations ------------------------------------------------------------------------------

SYNTAXES: dict[str, PlatformSyntax] = {
    "1.6": SYNTAX_INTREE,
    "1.7": SYNTAX_INTREE_WINFILL,
    "v0.2": SYNTAX_V0_2,
    "rc.0": SYNTAX_RC0,
    "rc.1": SYNTAX_RC1,
    "rc.2": SYNTAX_RC1,
    "rc.3": SYNTAX_RC3,
    "rc.4": SYNTAX_RC4,
}
GENS = tuple(SYNTAXES)
# A containerd release that links each generation (containerd.md section 0).
RELEASES = {
    "1.6": "1.6.39", "1.7": "1.7.18", "v0.2": "1.7.19", "rc.0": "2.0.0", "rc.1": "2.0.2",
    "rc.2": "2.1.6", "rc.4": "2.3.0",
}


def rules_of(gen: str) -> ContainerdRules:
    """The matcher rules of a generation; rc.3 (no containerd release) is rc.4 without the
    win32k stripping that rc.4 added (platforms v1.0.0-rc.3..rc.4 diff of platforms.go)."""
    if gen == "rc.3":
        rc4 = rules_for(Version("2.3.0"))
        assert rc4 is not None
        return replace(rc4, platforms_lib="containerd/platforms v1.0.0-rc.3",
                       syntax=SYNTAX_RC3, strip_win32k=False)
    rules = rules_for(Version(RELEASES[gen]))
    assert rules is not None
    return rules


def lib_of(gen: str, host: Platform) -> Platforms:
    return Platforms(rules_of(gen), host.os, host.architecture, host.variant)


def expand(groups: dict[str, Any]) -> dict[str, Any]:
    """``{"1.6 1.7": a, "v0.2 rc.0 ...": b}`` -> one entry per generation; every generation once."""
    out: dict[str, Any] = {}
    for names, value in groups.items():
        for name in names.split():
            assert name in SYNTAXES and name not in out, name
            out[name] = value
    assert set(out) == set(GENS), sorted(set(GENS) - set(out))
    return out


LEGACY = "1.6 1.7"
V02 = "v0.2"
DOTS = "rc.0 rc.1 rc.2"
FEATURES = "rc.3 rc.4"
ALL = " ".join(GENS)


def P(os: str = "", arch: str = "", variant: str = "", osv: str = "",
      features: tuple[str, ...] = ()) -> Platform:
    return Platform(os, arch, variant, osv, features)


@dataclass(frozen=True)
class Err:
    """Parse fails with exactly this message."""

    message: str


LINUX_AMD64 = P("linux", "amd64")
LINUX_ARM_V6 = P("linux", "arm", "v6")
LINUX_ARM_V7 = P("linux", "arm", "v7")
DARWIN_ARM64 = P("darwin", "arm64", "v8")
HOSTS = {"linux-amd64": LINUX_AMD64, "linux-arm-v6": LINUX_ARM_V6, "linux-arm-v7": LINUX_ARM_V7,
         "darwin-arm64": DARWIN_ARM64}


# --- error messages (platforms.go Parse, fmt.Errorf with %q) ----------------------------------

def q(text: str) -> str:
    """Go %q for the plain texts used here (ASCII, newline, printable Unicode)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# The regexps as %q prints them (platforms.go specifierRe, osAndVersionRe, osRe).
RE_LEGACY = r'"^[A-Za-z0-9_-]+$"'
RE_DOTS = r'"^[A-Za-z0-9_.-]+$"'
RE_OS_VERSION = r'"^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.-]*)\\))?$"'
RE_OS_FEATURES = r'"^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.%-]*)((?:\\+[A-Za-z0-9_.%-]+)*)\\))?$"'


def component(part: str, spec: str, regexp: str) -> Err:
    return Err(f"{q(part)} is an invalid component of {q(spec)}: platform specifier component "
               f"must match {regexp}: invalid argument")


def os_component(part: str, spec: str, regexp: str) -> Err:
    return Err(f"{q(part)} is an invalid OS component of {q(spec)}: OSAndVersion specifier "
               f"component must match {regexp}: invalid argument")


def unknown(spec: str) -> Err:
    return Err(f"{q(spec)}: unknown operating system or architecture: invalid argument")


def cannot(spec: str) -> Err:
    return Err(f"{q(spec)}: cannot parse platform specifier: invalid argument")


def wildcard(spec: str) -> Err:
    return Err(f"{q(spec)}: wildcards not yet supported: invalid argument")


def bad_os(part: str, spec: str) -> dict[str, Err]:
    """Part 0 fails: the in-tree component error, then the OSAndVersion error (two regexps)."""
    return {LEGACY: component(part, spec, RE_LEGACY),
            f"{V02} {DOTS}": os_component(part, spec, RE_OS_VERSION),
            FEATURES: os_component(part, spec, RE_OS_FEATURES)}


def bad_part(part: str, spec: str) -> dict[str, Err]:
    """A later part fails specifierRe: no dot before rc.0."""
    return {f"{LEGACY} {V02}": component(part, spec, RE_LEGACY),
            f"{DOTS} {FEATURES}": component(part, spec, RE_DOTS)}


def only_features(spec: str, ok: Platform | Err) -> dict[str, Any]:
    """Valid only in the rc.3+ ``os(version+feature)`` grammar; the part 0 error before."""
    part = spec.split("/")[0]
    return {**{k: v for k, v in bad_os(part, spec).items() if k != FEATURES}, FEATURES: ok}


def only_os_version(spec: str, ok: Platform | Err) -> dict[str, Any]:
    """Valid from v0.2.0's ``os(version)`` grammar on (part 0 error in the in-tree parser)."""
    part = spec.split("/")[0]
    return {LEGACY: component(part, spec, RE_LEGACY), f"{V02} {DOTS} {FEATURES}": ok}


def only_dots(spec: str, part: str, ok: Platform | Err) -> dict[str, Any]:
    """A ``.`` in arch/variant is valid from rc.0 on."""
    return {f"{LEGACY} {V02}": component(part, spec, RE_LEGACY), f"{DOTS} {FEATURES}": ok}


# --- TestParseSelector -------------------------------------------------------------------------
# platforms_test.go TestParseSelector: containerd v1.6.39 and v1.7.18 (= platforms v0.1.0) have
# the first 16 cases; platforms v0.2.0 .. v1.0.0-rc.2 add "windows", "windows()",
# "windows(10.0.17763)"; v1.0.0-rc.3 and rc.4 add the os.features and %-escape cases. The three
# wildcard cases are skipped upstream ("not yet supported"); they are in PARSE_ROWS as errors.
# (input, expected(host), matches, formatted(host), useV2Format, first generation)


def _default_variant(host: Platform) -> str:
    # platforms_test.go: defaultVariant = cpuVariant() if GOARCH == "arm" and it is not "v7"
    return host.variant if host.architecture == "arm" and host.variant != "v7" else ""


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


SELECTOR_CASES: list[tuple[str, Any, list[Platform], Any, bool, str]] = [
    ("linux/arm64", lambda h: P("linux", "arm64"),
     [P("linux", "aarch64"), P("linux", "aarch64", "v8"), P("linux", "arm64", "v8")],
     lambda h: "linux/arm64", False, "1.6"),
    ("linux/arm64/v8", lambda h: P("linux", "arm64", "v8"),
     [P("linux", "aarch64"), P("linux", "aarch64", "v8"), P("linux", "arm64")],
     lambda h: "linux/arm64/v8", False, "1.6"),
    ("linux/arm", lambda h: P("linux", "arm"),
     [P("linux", "arm", "v7"), P("linux", "armhf"), P("linux", "arm", "7")],
     lambda h: "linux/arm", False, "1.6"),
    ("linux/arm/v6", lambda h: P("linux", "arm", "v6"), [P("linux", "armel")],
     lambda h: "linux/arm/v6", False, "1.6"),
    ("linux/arm/v7", lambda h: P("linux", "arm", "v7"), [P("linux", "arm"), P("linux", "armhf")],
     lambda h: "linux/arm/v7", False, "1.6"),
    ("arm", lambda h: P(h.os, "arm"), [], lambda h: f"{h.os}/arm", False, "1.6"),
    ("armel", lambda h: P(h.os, "arm", "v6"), [], lambda h: f"{h.os}/arm/v6", False, "1.6"),
    ("armhf", lambda h: P(h.os, "arm"), [], lambda h: f"{h.os}/arm", False, "1.6"),
    ("Aarch64", lambda h: P(h.os, "arm64"), [], lambda h: f"{h.os}/arm64", False, "1.6"),
    ("x86_64", lambda h: P(h.os, "amd64"), [], lambda h: f"{h.os}/amd64", False, "1.6"),
    ("Linux/x86_64", lambda h: P("linux", "amd64"), [], lambda h: "linux/amd64", False, "1.6"),
    ("i386", lambda h: P(h.os, "386"), [], lambda h: f"{h.os}/386", False, "1.6"),
    ("linux", lambda h: P("linux", h.architecture, _default_variant(h)), [],
     lambda h: _join("linux", h.architecture, _default_variant(h)), False, "1.6"),
    ("s390x", lambda h: P(h.os, "s390x"), [], lambda h: f"{h.os}/s390x", False, "1.6"),
    ("linux/s390x", lambda h: P("linux", "s390x"), [], lambda h: "linux/s390x", False, "1.6"),
    ("macOS", lambda h: P("darwin", h.architecture, _default_variant(h)), [],
     lambda h: _join("darwin", h.architecture, _default_variant(h)), False, "1.6"),
    ("windows", lambda h: P("windows", h.architecture, _default_variant(h)), [],
     lambda h: _join("windows", h.architecture, _default_variant(h)), False, "v0.2"),
    ("windows()", lambda h: P("windows", h.architecture, _default_variant(h)), [],
     lambda h: _join("windows", h.architecture, _default_variant(h)), True, "v0.2"),
    ("windows(10.0.17763)",
     lambda h: P("windows", h.architecture, _default_variant(h), "10.0.17763"), [],
     lambda h: _join("windows(10.0.17763)", h.architecture, _default_variant(h)), True, "v0.2"),
    ("windows(10.0.17763+win32k)",
     lambda h: P("windows", h.architecture, _default_variant(h), "10.0.17763", ("win32k",)), [],
     lambda h: _join("windows(10.0.17763+win32k)", h.architecture, _default_variant(h)), True,
     "rc.3"),
    ("linux(+gpu)", lambda h: P("linux", h.architecture, _default_variant(h), "", ("gpu",)), [],
     lambda h: _join("linux(+gpu)", h.architecture, _default_variant(h)), True, "rc.3"),
    ("linux(+gpu+simd)",
     lambda h: P("linux", h.architecture, _default_variant(h), "", ("gpu", "simd")), [],
     lambda h: _join("linux(+gpu+simd)", h.architecture, _default_variant(h)), True, "rc.3"),
    ("linux(+unsorted+erofs)",
     lambda h: P("linux", h.architecture, _default_variant(h), "", ("unsorted", "erofs")), [],
     lambda h: _join("linux(+erofs+unsorted)", h.architecture, _default_variant(h)), True,
     "rc.3"),
    ("windows(10.0.17763%2Bbuild.42)",
     lambda h: P("windows", h.architecture, _default_variant(h), "10.0.17763+build.42"), [],
     lambda h: _join("windows(10.0.17763%2Bbuild.42)", h.architecture, _default_variant(h)),
     True, "rc.3"),
    ("windows(10.0.17763%2Bbuild.42+win32k)",
     lambda h: P("windows", h.architecture, _default_variant(h), "10.0.17763+build.42",
                 ("win32k",)), [],
     lambda h: _join("windows(10.0.17763%2Bbuild.42+win32k)", h.architecture,
                     _default_variant(h)), True, "rc.3"),
    ("windows(50%25done)",
     lambda h: P("windows", h.architecture, _default_variant(h), "50%done"), [],
     lambda h: _join("windows(50%25done)", h.architecture, _default_variant(h)), True, "rc.3"),
]


def _selector_params() -> list[Any]:
    out: list[Any] = []
    for case in SELECTOR_CASES:
        for gen in GENS[GENS.index(case[5]):]:
            for host_name in HOSTS:
                out.append(pytest.param(gen, host_name, *case[:5],
                                        id=f"{gen}-{host_name}-{case[0]}"))
    return out


@pytest.mark.parametrize(("gen", "host_name", "text", "expected", "matches", "formatted", "v2"),
                         _selector_params())
def test_parse_selector(gen: str, host_name: str, text: str, expected: Any,
                        matches: list[Platform], formatted: Any, v2: bool) -> None:
    host = HOSTS[host_name]
    syntax = SYNTAXES[gen]
    want = expected(host)
    p = parse_platform(text, syntax=syntax, host=host)
    assert p == want
    m = lib_of(gen, host).new_matcher(p)
    assert m.match(want)
    for candidate in matches:
        assert m.match(candidate), candidate
    out = format_all(p, syntax=syntax) if v2 else format_platform(p)
    assert out == formatted(host)
    reparsed = parse_platform(out, syntax=syntax, host=host)
    again = format_all(reparsed, syntax=syntax) if v2 else format_platform(reparsed)
    assert again == out


def test_selector_table_sizes() -> None:
    # 16 cases in containerd v1.6.39/v1.7.18 and v0.1.0, 19 in v0.2.0-rc.2, 26 in rc.3/rc.4
    # (plus 3 skipped wildcard cases in every version).
    def count(gen: str) -> int:
        return sum(1 for c in SELECTOR_CASES if GENS.index(c[5]) <= GENS.index(gen))

    assert [count(g) for g in GENS] == [16, 16, 19, 19, 19, 19, 26, 26]


# --- Parse across generations: grammar and exact errors ---------------------------------------
# TestParseSelectorInvalid (platforms_test.go, unchanged from containerd v1.6.0 to rc.4) is the
# first six rows; the rest are read from Parse in containerd v1.6.39/v1.7.18 platforms.go,
# platforms v0.2.1, rc.0, rc.2, rc.3 and rc.4 platforms.go and database.go (containerd.md 1.3,
# 1.4). Host: linux/amd64.

PARSE_ROWS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    # TestParseSelectorInvalid
    ("", bad_os("", ""), {}),
    ("/linux/arm", bad_os("", "/linux/arm"), {}),
    ("linux/arm/", bad_part("", "linux/arm/"), {}),
    ("linux /arm", bad_os("linux ", "linux /arm"), {}),
    ("linux/&arm", bad_part("&arm", "linux/&arm"), {}),
    ("linux/arm/foo/bar", {ALL: cannot("linux/arm/foo/bar")}, {}),
    # the skipped wildcard cases of TestParseSelector
    ("*", {ALL: wildcard("*")}, {}),
    ("linux/*", {ALL: wildcard("linux/*")}, {}),
    ("*/arm64", {ALL: wildcard("*/arm64")}, {}),
    # split: strings.Split (in-tree) vs SplitN(4) (v0.2.0+)
    ("a/b/c/d/e", {LEGACY: cannot("a/b/c/d/e"), V02: component("d/e", "a/b/c/d/e", RE_LEGACY),
                   f"{DOTS} {FEATURES}": component("d/e", "a/b/c/d/e", RE_DOTS)}, {}),
    ("linux/amd64/v2/extra/more",
     {LEGACY: cannot("linux/amd64/v2/extra/more"),
      V02: component("extra/more", "linux/amd64/v2/extra/more", RE_LEGACY),
      f"{DOTS} {FEATURES}": component("extra/more", "linux/amd64/v2/extra/more", RE_DOTS)}, {}),
    # one part: a known OS, else an architecture, else an error
    ("i686", {ALL: unknown("i686")}, {}),
    ("armv7l", {ALL: unknown("armv7l")}, {}),
    ("foo", {ALL: unknown("foo")}, {}),
    ("amd64(1.0)", {LEGACY: component("amd64(1.0)", "amd64(1.0)", RE_LEGACY),
                    f"{V02} {DOTS} {FEATURES}": unknown("amd64(1.0)")}, {}),
    ("Windows", {ALL: P("windows", "amd64")}, {}),
    ("MacOS", {ALL: P("darwin", "amd64")}, {}),
    ("x86-64", {ALL: P("linux", "amd64")}, {}),
    ("linux()", only_os_version("linux()", P("linux", "amd64")), {}),
    ("linux(10.0)", only_os_version("linux(10.0)", P("linux", "amd64", "", "10.0")), {}),
    ("windows(10.0.17763)",
     only_os_version("windows(10.0.17763)", P("windows", "amd64", "", "10.0.17763")), {}),
    # normalizeArch through Parse; 2 parts strip arm v7, 3 parts restore arm64 v8
    ("linux/arm64", {ALL: P("linux", "arm64")}, {}),
    ("linux/aarch64/8", {ALL: P("linux", "arm64", "v8")}, {}),
    ("linux/amd64/v1", {ALL: P("linux", "amd64")}, {}),
    ("Linux/X86_64/V2", {ALL: P("linux", "amd64", "v2")}, {}),
    ("LINUX/ARM/V7", {ALL: P("linux", "arm", "v7")}, {}),
    ("linux/arm/7", {ALL: P("linux", "arm", "v7")}, {}),
    ("linux/armhf", {ALL: P("linux", "arm")}, {}),
    ("linux/Armhf", {ALL: P("linux", "arm")}, {}),
    ("linux/armhf/v6", {ALL: P("linux", "arm", "v7")}, {}),
    ("linux/armel", {ALL: P("linux", "arm", "v6")}, {}),
    ("linux/armel/v7", {ALL: P("linux", "arm", "v6")}, {}),
    ("linux/i386/v2", {ALL: P("linux", "386")}, {}),
    ("linux/386/V2", {ALL: P("linux", "386", "v2")}, {}),
    ("linux/x86-64", {ALL: P("linux", "amd64")}, {}),
    ("foo/bar", {ALL: P("foo", "bar")}, {}),
    ("linux/arm/v8", {ALL: P("linux", "arm", "v8")}, {}),
    ("linux/arm/4", {ALL: P("linux", "arm", "4")}, {}),
    ("macos/arm64", {ALL: P("darwin", "arm64")}, {}),
    # arm64 variants: legacy keeps 9/foo, rc.0 is algorithmic, rc.1+ a table
    ("linux/arm64/9", {f"{LEGACY} {V02}": P("linux", "arm64", "9"),
                       f"{DOTS} {FEATURES}": P("linux", "arm64", "v9")}, {}),
    ("linux/arm64/foo", {f"{LEGACY} {V02}": P("linux", "arm64", "foo"),
                         "rc.0": P("linux", "arm64", "vfoo"),
                         "rc.1 rc.2 rc.3 rc.4": P("linux", "arm64", "foo")}, {}),
    ("linux/arm64/v8.1", only_dots("linux/arm64/v8.1", "v8.1", P("linux", "arm64", "v8.1")), {}),
    ("linux/arm64/v8.0", only_dots("linux/arm64/v8.0", "v8.0", P("linux", "arm64", "v8")), {}),
    ("linux/arm64/9.0", only_dots("linux/arm64/9.0", "9.0", P("linux", "arm64", "v9")), {}),
    ("linux/arm64/8.1", {f"{LEGACY} {V02}": component("8.1", "linux/arm64/8.1", RE_LEGACY),
                         "rc.0": P("linux", "arm64", "v8.1"),
                         "rc.1 rc.2 rc.3 rc.4": P("linux", "arm64", "8.1")}, {}),
    ("linux/arm/v7.1", only_dots("linux/arm/v7.1", "v7.1", P("linux", "arm", "v7.1")), {}),
    # os(version), os(version+features), %-escapes
    ("windows(10.0.17763)/amd64", only_os_version(
        "windows(10.0.17763)/amd64", P("windows", "amd64", "", "10.0.17763")), {}),
    ("windows(10.0.17763+win32k)/amd64", only_features(
        "windows(10.0.17763+win32k)/amd64",
        P("windows", "amd64", "", "10.0.17763", ("win32k",))), {}),
    ("linux(+gpu+simd)/arm64/v8", only_features(
        "linux(+gpu+simd)/arm64/v8", P("linux", "arm64", "v8", "", ("gpu", "simd"))), {}),
    ("linux(1+2)/amd64", only_features("linux(1+2)/amd64", P("linux", "amd64", "", "1", ("2",))),
     {}),
    ("linux(+b+a+b)/amd64", only_features(
        "linux(+b+a+b)/amd64", P("linux", "amd64", "", "", ("b", "a", "b"))), {}),
    ("linux(+)", bad_os("linux(+)", "linux(+)"), {}),
    ("linux(++)/amd64", bad_os("linux(++)", "linux(++)/amd64"), {}),
    ("linux(1.0)(2.0)/amd64", bad_os("linux(1.0)(2.0)", "linux(1.0)(2.0)/amd64"), {}),
    ("linux(a b)/amd64", bad_os("linux(a b)", "linux(a b)/amd64"), {}),
    ("windows(50%25done)/amd64", only_features(
        "windows(50%25done)/amd64", P("windows", "amd64", "", "50%done")), {}),
    ("windows(10.0.17763%2Bbuild.42+win32k)/amd64", only_features(
        "windows(10.0.17763%2Bbuild.42+win32k)/amd64",
        P("windows", "amd64", "", "10.0.17763+build.42", ("win32k",))), {}),
    ("linux(%41+%2b)/amd64", only_features(
        "linux(%41+%2b)/amd64", P("linux", "amd64", "", "A", ("+",))), {}),
    ("windows(50%zz)/amd64", only_features("windows(50%zz)/amd64", Err(
        '"windows(50%zz)/amd64" has an invalid OS version "50%zz": invalid URL escape "%zz"')),
     {}),
    ("windows(50%)", only_features("windows(50%)", Err(
        '"windows(50%)" has an invalid OS version "50%": invalid URL escape "%"')), {}),
    ("windows(%zzz)/amd64", only_features("windows(%zzz)/amd64", Err(
        '"windows(%zzz)/amd64" has an invalid OS version "%zzz": invalid URL escape "%zz"')),
     {}),
    ("linux(1%zz+2%zz)/amd64", only_features("linux(1%zz+2%zz)/amd64", Err(
        '"linux(1%zz+2%zz)/amd64" has an invalid OS version "1%zz": invalid URL escape "%zz"')),
     {}),
    ("linux(+50%zz)/amd64",
     {**{k: v for k, v in bad_os("linux(+50%zz)", "linux(+50%zz)/amd64").items()
         if k != FEATURES},
      "rc.3": Err('"linux(+50%zz)/amd64" has an invalid OS feature "50%zz": '
                  'invalid URL escape "%zz"'),
      "rc.4": Err('"linux(+50%zz)/amd64" has invalid OS features: invalid os feature "50%zz": '
                  'invalid URL escape "%zz"')},
     {}),
    ("linux(+a+b%2)/amd64",
     {**{k: v for k, v in bad_os("linux(+a+b%2)", "linux(+a+b%2)/amd64").items()
         if k != FEATURES},
      "rc.3": Err('"linux(+a+b%2)/amd64" has an invalid OS feature "b%2": '
                  'invalid URL escape "%2"'),
      "rc.4": Err('"linux(+a+b%2)/amd64" has invalid OS features: invalid os feature "b%2": '
                  'invalid URL escape "%2"')},
     {}),
    # parts are checked in order: part 0 (with its decoding) first
    ("linux(%zz)/&amd64", {
        LEGACY: component("linux(%zz)", "linux(%zz)/&amd64", RE_LEGACY),
        f"{V02} {DOTS}": os_component("linux(%zz)", "linux(%zz)/&amd64", RE_OS_VERSION),
        FEATURES: Err('"linux(%zz)/&amd64" has an invalid OS version "%zz": '
                      'invalid URL escape "%zz"')}, {}),
    ("windows(10.0.17763)/amd64/&", {
        LEGACY: component("windows(10.0.17763)", "windows(10.0.17763)/amd64/&", RE_LEGACY),
        V02: component("&", "windows(10.0.17763)/amd64/&", RE_LEGACY),
        f"{DOTS} {FEATURES}": component("&", "windows(10.0.17763)/amd64/&", RE_DOTS)}, {}),
    # Go's `$` is the end of the text: a trailing newline is an error
    ("linux/amd64\n", bad_part("amd64\n", "linux/amd64\n"), {}),
    ("linux\n", bad_os("linux\n", "linux\n"), {}),
    # %q keeps printable Unicode
    ("línux/amd64", bad_os("línux", "línux/amd64"), {}),
]


def _parse_params() -> list[Any]:
    out: list[Any] = []
    for text, groups, xfails in PARSE_ROWS:
        for gen, expected in expand(groups).items():
            marks = [pytest.mark.xfail(strict=True, reason=xfails[gen])] if gen in xfails else []
            out.append(pytest.param(gen, text, expected, marks=marks, id=f"{gen}-{text!r}"))
    return out


@pytest.mark.parametrize(("gen", "text", "expected"), _parse_params())
def test_parse(gen: str, text: str, expected: Platform | Err) -> None:
    syntax = SYNTAXES[gen]
    if isinstance(expected, Err):
        with pytest.raises(PlatformError) as info:
            parse_platform(text, syntax=syntax, host=LINUX_AMD64)
        assert str(info.value) == expected.message
    else:
        assert parse_platform(text, syntax=syntax, host=LINUX_AMD64) == expected


# containerd v1.7.6 .. v1.7.18 platforms.go Parse (and platforms v0.1.x): on a Windows host every
# result with OS windows gets OSVersion = GetWindowsOsVersion() ("M.m.b", no UBR), except the
# one-part architecture form, which returns before; GetWindowsOsVersion is "" off Windows
# (platforms_other.go). v1.7.5 and v0.2.x do not fill it.
WINDOWS_HOST = P("windows", "amd64", "", "10.0.20348.2113")
FILL_ROWS = [
    # (syntax, host, input, expected)
    (SYNTAX_INTREE_WINFILL, WINDOWS_HOST, "windows", P("windows", "amd64", "", "10.0.20348")),
    (SYNTAX_INTREE_WINFILL, WINDOWS_HOST, "windows/amd64",
     P("windows", "amd64", "", "10.0.20348")),
    (SYNTAX_INTREE_WINFILL, WINDOWS_HOST, "Windows/amd64",
     P("windows", "amd64", "", "10.0.20348")),
    (SYNTAX_INTREE_WINFILL, WINDOWS_HOST, "windows/arm64/v8",
     P("windows", "arm64", "v8", "10.0.20348")),
    (SYNTAX_INTREE_WINFILL, WINDOWS_HOST, "linux/amd64", P("linux", "amd64")),
    (SYNTAX_INTREE_WINFILL, WINDOWS_HOST, "amd64", P("windows", "amd64")),
    (SYNTAX_INTREE_WINFILL, LINUX_AMD64, "windows/amd64", P("windows", "amd64")),
    (SYNTAX_INTREE, WINDOWS_HOST, "windows/amd64", P("windows", "amd64")),
    (SYNTAX_V0_2, WINDOWS_HOST, "windows/amd64", P("windows", "amd64")),
    (SYNTAX_RC4, WINDOWS_HOST, "windows", P("windows", "amd64")),
]


@pytest.mark.parametrize(("syntax", "host", "text", "expected"), FILL_ROWS,
                         ids=[f"{r[0].name}-{r[1].os}-{r[2]}" for r in FILL_ROWS])
def test_parse_fills_windows_host_version(syntax: PlatformSyntax, host: Platform, text: str,
                                          expected: Platform) -> None:
    assert parse_platform(text, syntax=syntax, host=host) == expected


# --- Format ------------------------------------------------------------------------------------
# platforms.go Format (same from containerd v1.6.0 to rc.4): "unknown" without an OS, else
# path.Join(os, arch, variant); Go's path.Join drops empty elements and cleans.
FORMAT_ROWS = [
    (P(), "unknown"),
    (P("", "amd64"), "unknown"),
    (P("linux"), "linux"),
    (P("linux", "amd64"), "linux/amd64"),
    (P("linux", "arm", "v7"), "linux/arm/v7"),
    (P("linux", "", "v7"), "linux/v7"),
    (P("linux", ".."), "."),
    (P("linux", "amd64", ".."), "linux"),
    (P("linux", "a/../b"), "linux/b"),
    (P("linux", "amd64", "./v2"), "linux/amd64/v2"),
    (P("linux", "//amd64"), "linux/amd64"),
    (P("/linux", "amd64"), "/linux/amd64"),
    (P("windows", "amd64", "", "10.0.17763", ("win32k",)), "windows/amd64"),
]


@pytest.mark.parametrize(("platform", "expected"), FORMAT_ROWS,
                         ids=[r[1] + "-" + repr(r[0]) for r in FORMAT_ROWS])
def test_format(platform: Platform, expected: str) -> None:
    assert format_platform(platform) == expected


# --- FormatAll ---------------------------------------------------------------------------------
# FormatAll does not exist in containerd 1.6/1.7 or platforms v0.1.x: DefaultString and
# matcher.String use Format there. platforms v0.2.1 .. rc.2 platforms.go FormatAll:
# "os(version)" only for a non-empty version, unencoded, features ignored. rc.3: encodes
# % + ( ) / (single-pass strings.NewReplacer), appends "+feature" for every sorted feature
# (empty ones too); rc.4: skips empty and duplicate features, no parentheses when nothing is left.
# The rows marked "encoding" are rc.3/rc.4 platforms_test.go TestFormatAllEncoding; "skips" is
# rc.4 TestFormatAllSkipsEmptyOSFeatures.
W = "windows"
FORMAT_ALL_ROWS: list[tuple[str, Platform, dict[str, str]]] = [
    ("encoding", P(W, "amd64", "", "10.0.17763+build.42"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(10.0.17763+build.42)/amd64",
        FEATURES: "windows(10.0.17763%2Bbuild.42)/amd64"}),
    ("encoding", P(W, "amd64", "", "10.0.17763+build.42", ("win32k",)), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(10.0.17763+build.42)/amd64",
        FEATURES: "windows(10.0.17763%2Bbuild.42+win32k)/amd64"}),
    ("encoding", P(W, "amd64", "", "50%done"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(50%done)/amd64",
        FEATURES: "windows(50%25done)/amd64"}),
    ("encoding", P(W, "amd64", "", "1.0(beta)"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(1.0(beta))/amd64",
        FEATURES: "windows(1.0%28beta%29)/amd64"}),
    ("encoding", P(W, "amd64", "", "a/b"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(a/b)/amd64",
        FEATURES: "windows(a%2Fb)/amd64"}),
    ("encoding", P(W, "amd64", "", "10.0.17763"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS} {FEATURES}": "windows(10.0.17763)/amd64"}),
    ("encoding", P("linux", "amd64", "", "", ("feat+v2",)), {
        f"{LEGACY} {V02} {DOTS}": "linux/amd64", FEATURES: "linux(+feat%2Bv2)/amd64"}),
    ("encoding", P("linux", "amd64", "", "", ("100%gpu",)), {
        f"{LEGACY} {V02} {DOTS}": "linux/amd64", FEATURES: "linux(+100%25gpu)/amd64"}),
    ("encoding", P(W, "amd64", "", "10.0+build", ("feat+1",)), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(10.0+build)/amd64",
        FEATURES: "windows(10.0%2Bbuild+feat%2B1)/amd64"}),
    ("skips", P("linux", "amd64", "", "", ("", "gpu", "", "simd")), {
        f"{LEGACY} {V02} {DOTS}": "linux/amd64", "rc.3": "linux(+++gpu+simd)/amd64",
        "rc.4": "linux(+gpu+simd)/amd64"}),
    ("sorted", P("linux", "amd64", "", "", ("simd", "gpu", "simd")), {
        f"{LEGACY} {V02} {DOTS}": "linux/amd64", "rc.3": "linux(+gpu+simd+simd)/amd64",
        "rc.4": "linux(+gpu+simd)/amd64"}),
    ("sorted", P("linux", "arm", "v7", "", ("b", "a")), {
        f"{LEGACY} {V02} {DOTS}": "linux/arm/v7", FEATURES: "linux(+a+b)/arm/v7"}),
    ("empty feature", P("linux", "amd64", "", "", ("",)), {
        f"{LEGACY} {V02} {DOTS}": "linux/amd64", "rc.3": "linux(+)/amd64",
        "rc.4": "linux/amd64"}),
    ("empty features", P("linux", "amd64", "", "", ("", "")), {
        f"{LEGACY} {V02} {DOTS}": "linux/amd64", "rc.3": "linux(++)/amd64",
        "rc.4": "linux/amd64"}),
    ("empty feature", P("linux", "amd64", "", "1", ("",)), {
        LEGACY: "linux/amd64", f"{V02} {DOTS}": "linux(1)/amd64", "rc.3": "linux(1+)/amd64",
        "rc.4": "linux(1)/amd64"}),
    ("no os", P("", "amd64", "", "1.0", ("x",)), {ALL: "unknown"}),
    ("no version", P("linux", "amd64", "v2"), {ALL: "linux/amd64/v2"}),
    ("single pass", P(W, "amd64", "", "%2B"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS}": "windows(%2B)/amd64",
        FEATURES: "windows(%252B)/amd64"}),
    ("only % + ( ) /", P(W, "amd64", "", "a b&c"), {
        LEGACY: "windows/amd64", f"{V02} {DOTS} {FEATURES}": "windows(a b&c)/amd64"}),
    ("path.Join", P(W, "", "", "10.0"), {LEGACY: "windows", f"{V02} {DOTS} {FEATURES}":
                                          "windows(10.0)"}),
    ("path.Join", P("linux", "..", "", "1"), {LEGACY: ".", f"{V02} {DOTS} {FEATURES}": "."}),
]


def _format_all_params() -> list[Any]:
    out: list[Any] = []
    for label, platform, groups in FORMAT_ALL_ROWS:
        for gen, expected in expand(groups).items():
            out.append(pytest.param(gen, platform, expected, id=f"{gen}-{label}-{expected}"))
    return out


@pytest.mark.parametrize(("gen", "platform", "expected"), _format_all_params())
def test_format_all(gen: str, platform: Platform, expected: str) -> None:
    assert format_all(platform, syntax=SYNTAXES[gen]) == expected


@pytest.mark.parametrize("gen", ["rc.3", "rc.4"])
@pytest.mark.parametrize("platform", [r[1] for r in FORMAT_ALL_ROWS if r[0] == "encoding"],
                         ids=lambda p: repr(p))
def test_format_all_encoding_round_trip(gen: str, platform: Platform) -> None:
    # TestFormatAllEncoding: Parse(FormatAll(p)) gives back p's OSVersion and OSFeatures.
    reparsed = parse_platform(format_all(platform, syntax=SYNTAXES[gen]), syntax=SYNTAXES[gen],
                              host=LINUX_AMD64)
    assert reparsed.os_version == platform.os_version
    assert reparsed.os_features == platform.os_features


@pytest.mark.parametrize("gen", ["rc.3", "rc.4"])
def test_format_all_documented_limit(gen: str) -> None:
    # containerd.md 1.1: only % + ( ) / are encoded, so a space cannot be parsed back.
    text = format_all(P(W, "amd64", "", "a b"), syntax=SYNTAXES[gen])
    with pytest.raises(PlatformError):
        parse_platform(text, syntax=SYNTAXES[gen], host=LINUX_AMD64)


# --- Normalize -----------------------------------------------------------------------------------
# database.go normalizeOS / normalizeArch and platforms.go Normalize per generation: containerd
# v1.6.39 and v1.7.18 platforms/database.go, platforms v0.2.1, v1.0.0-rc.0 (algorithmic arm64),
# rc.1 .. rc.4 (table); rc.3+ Normalize also sorts and compacts OSFeatures. The host GOOS is
# "linux" (an empty OS becomes it).

def _arch_rows() -> list[tuple[str, str, str, str]]:
    # (arch, variant) -> (arch, variant): the same in every generation
    return [
        ("i386", "", "386", ""), ("i386", "v2", "386", ""), ("I386", "", "386", ""),
        ("x86_64", "", "amd64", ""), ("x86-64", "", "amd64", ""), ("AMD64", "", "amd64", ""),
        ("amd64", "v1", "amd64", ""), ("amd64", "V1", "amd64", ""), ("amd64", "v2", "amd64", "v2"),
        ("amd64", "v3", "amd64", "v3"), ("amd64", "v4", "amd64", "v4"),
        ("amd64", "v5", "amd64", "v5"),
        ("amd64", "1", "amd64", "1"), ("amd64", "x", "amd64", "x"),
        ("x86_64", "v1", "amd64", ""), ("aarch64", "", "arm64", ""), ("AArch64", "v8", "arm64", ""),
        ("armhf", "", "arm", "v7"), ("armhf", "v6", "arm", "v7"), ("ARMHF", "", "arm", "v7"),
        ("armel", "", "arm", "v6"), ("armel", "v7", "arm", "v6"),
        ("arm", "", "arm", "v7"), ("arm", "7", "arm", "v7"), ("arm", "5", "arm", "v5"),
        ("arm", "6", "arm", "v6"), ("arm", "8", "arm", "v8"), ("arm", "v7", "arm", "v7"),
        ("arm", "V6", "arm", "v6"), ("arm", "v4", "arm", "v4"), ("arm", "4", "arm", "4"),
        ("arm", "3", "arm", "3"), ("arm", "9", "arm", "9"), ("arm", "v9", "arm", "v9"),
        ("arm", "v7l", "arm", "v7l"), ("arm", "unknown", "arm", "unknown"),
        ("386", "V2", "386", "v2"), ("i686", "", "i686", ""), ("x86", "", "x86", ""),
        ("armv7l", "", "armv7l", ""), ("riscv64", "", "riscv64", ""),
        ("ppc64le", "", "ppc64le", ""), ("s390x", "", "s390x", ""), ("RISCV64", "", "riscv64", ""),
    ]


# arm64 variant -> (1.6/1.7/v0.x, rc.0, rc.1+)
ARM64_VARIANTS = [
    ("", "", "", ""),
    ("8", "", "", ""),
    ("v8", "", "", ""),
    ("V8", "", "", ""),
    ("v8.0", "v8.0", "", ""),
    ("8.0", "8.0", "", "8.0"),
    ("v8.1", "v8.1", "v8.1", "v8.1"),
    ("8.1", "8.1", "v8.1", "8.1"),
    ("v8.00", "v8.00", "v8.00", "v8.00"),
    ("8.", "8.", "v8.", "8."),
    ("9", "9", "v9", "v9"),
    ("9.0", "9.0", "v9", "v9"),
    ("v9.0", "v9.0", "v9", "v9"),
    ("V9.0", "v9.0", "v9", "v9"),
    ("v9", "v9", "v9", "v9"),
    ("v9.7", "v9.7", "v9.7", "v9.7"),
    ("v10", "v10", "v10", "v10"),
    ("foo", "foo", "vfoo", "foo"),
    ("v", "v", "", "v"),
    ("v8.1.0", "v8.1.0", "v8.1.0", "v8.1.0"),
]


def _normalize_params() -> list[Any]:
    out: list[Any] = []
    for gen in GENS:
        for arch, variant, want_arch, want_variant in _arch_rows():
            out.append(pytest.param(gen, P("linux", arch, variant), P("linux", want_arch,
                                                                       want_variant),
                                    id=f"{gen}-{arch}/{variant}"))
        column = {"rc.0": 2}.get(gen, 3 if gen in ("rc.1", "rc.2", "rc.3", "rc.4") else 1)
        for row in ARM64_VARIANTS:
            for arch in ("arm64", "aarch64"):
                out.append(pytest.param(gen, P("linux", arch, row[0]),
                                        P("linux", "arm64", row[column]),
                                        id=f"{gen}-{arch}/{row[0]}"))
    return out


@pytest.mark.parametrize(("gen", "platform", "expected"), _normalize_params())
def test_normalize_arch(gen: str, platform: Platform, expected: Platform) -> None:
    assert normalize(platform, syntax=SYNTAXES[gen], host_os="linux") == expected


OS_ROWS = [
    ("", "linux"), ("linux", "linux"), ("Linux", "linux"), ("LINUX", "linux"),
    ("macos", "darwin"), ("MacOS", "darwin"), ("DARWIN", "darwin"), ("Windows", "windows"),
    ("osx", "osx"), ("win", "win"), ("mac", "mac"), ("FreeBSD", "freebsd"),
]


@pytest.mark.parametrize("gen", GENS)
@pytest.mark.parametrize(("os_name", "expected"), OS_ROWS)
def test_normalize_os(gen: str, os_name: str, expected: str) -> None:
    assert normalize(P(os_name, "amd64"), syntax=SYNTAXES[gen], host_os="linux").os == expected


@pytest.mark.parametrize("host_os", ["linux", "windows", "darwin", "freebsd"])
def test_normalize_empty_os_is_host_goos(host_os: str) -> None:
    # database.go normalizeOS: `if os == "" { return runtime.GOOS }`
    assert normalize(P("", "amd64"), host_os=host_os).os == host_os


@pytest.mark.parametrize(("os_name", "expected"), [
    # database.go lower-cases with Go strings.ToLower: rune by rune, Unicode *simple* mappings
    # (unicode.ToLower), unlike Python's str.lower (SpecialCasing, final sigma).
    ("L\u0130NUX", "linux"),  # U+0130 -> "i", not "i" + U+0307
    ("\u0391\u03a3", "\u03b1\u03c3"),  # no word-final sigma in Go
])
def test_normalize_lowercases_like_go(os_name: str, expected: str) -> None:
    assert normalize(P(os_name, "amd64"), host_os="linux").os == expected


FEATURE_ROWS = [
    # (features, rc.0 - rc.2 and earlier: untouched, rc.3+: sorted, compacted)
    (("b", "a", "b"), ("b", "a", "b"), ("a", "b")),
    (("win32k",), ("win32k",), ("win32k",)),
    (("", "gpu", ""), ("", "gpu", ""), ("", "gpu")),
    ((), (), ()),
]


@pytest.mark.parametrize("gen", GENS)
@pytest.mark.parametrize(("features", "before", "after"), FEATURE_ROWS)
def test_normalize_features(gen: str, features: tuple[str, ...], before: tuple[str, ...],
                            after: tuple[str, ...]) -> None:
    got = normalize(P("linux", "amd64", "", "", features), syntax=SYNTAXES[gen], host_os="linux")
    assert got.os_features == (after if gen in ("rc.3", "rc.4") else before)


@pytest.mark.parametrize("gen", GENS)
def test_normalize_keeps_os_version(gen: str) -> None:
    # Normalize never changes OSVersion (containerd d749de6, before 1.6.0); not lower-cased.
    got = normalize(P("Windows", "AMD64", "", "10.0.17763.1234ABC"), syntax=SYNTAXES[gen],
                    host_os="linux")
    assert got == P("windows", "amd64", "", "10.0.17763.1234ABC")


# --- asymmetries (containerd.md section 8) --------------------------------------------------------

@pytest.mark.parametrize("gen", GENS)
def test_parse_strips_arm_v7_but_keeps_three_part(gen: str) -> None:
    s = SYNTAXES[gen]
    two, three = (parse_platform(t, syntax=s, host=LINUX_AMD64) for t in ("linux/arm",
                                                                          "linux/arm/v7"))
    assert (two.variant, three.variant) == ("", "v7")
    assert normalize(two, syntax=s) == normalize(three, syntax=s) == P("linux", "arm", "v7")
    lib = lib_of(gen, LINUX_AMD64)
    assert lib.only(two).match(three) and lib.only(three).match(two)


@pytest.mark.parametrize("gen", GENS)
def test_parse_restores_arm64_v8_for_three_parts_only(gen: str) -> None:
    s = SYNTAXES[gen]
    two, three = (parse_platform(t, syntax=s, host=LINUX_AMD64) for t in ("linux/arm64",
                                                                          "linux/arm64/v8"))
    assert (two.variant, three.variant) == ("", "v8")
    assert normalize(two, syntax=s) == normalize(three, syntax=s) == P("linux", "arm64")
    lib = lib_of(gen, LINUX_AMD64)
    assert lib.only(two).match(three) and lib.only(three).match(two)


@pytest.mark.parametrize("gen", GENS)
def test_one_part_os_on_arm64_host_has_no_variant(gen: str) -> None:
    # platforms.go Parse: only GOARCH "arm" takes cpuVariant(); DefaultSpec() has v8.
    host = P("linux", "arm64", "v8")
    assert parse_platform("linux", syntax=SYNTAXES[gen], host=host) == P("linux", "arm64")


@pytest.mark.parametrize("gen", GENS)
def test_one_part_arch_takes_host_os(gen: str) -> None:
    host = P("windows", "amd64", "", "10.0.17763")
    assert parse_platform("arm64", syntax=SYNTAXES[gen], host=host) == P("windows", "arm64")


# --- properties ----------------------------------------------------------------------------------

LEGACY_CHARS = string.ascii_letters + string.digits + "_-"
DOT_CHARS = LEGACY_CHARS + "."
SPECIAL = "%+()/"  # what FormatAll encodes (rc.3+)
KNOWN_OS_NAMES = ["linux", "Linux", "windows", "darwin", "macOS", "freebsd", "solaris", "aix"]
ONE_PART_ARCHES = ["amd64", "386", "arm", "arm64", "aarch64", "armhf", "armel", "x86_64",
                   "x86-64", "i386", "riscv64", "s390x", "ppc64le", "AMD64", "wasm"]
ARCHES = [*ONE_PART_ARCHES, "armv7l", "i686", "foo"]
VARIANTS = ["v1", "v2", "v3", "v5", "v6", "v7", "v8", "7", "8", "9", "9.0", "v8.0", "v8.1",
            "v9.5", "8.1", "foo", "V7", "x.0", "v.", "..."]


def _component(chars: str) -> st.SearchStrategy[str]:
    # "." and ".." are cleaned away by path.Join, so they cannot come back (upstream too).
    return st.text(chars, min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))


@st.composite
def _escaped(draw: st.DrawFn, min_size: int) -> str:
    """Text of the os(...) grammar: plain characters and %-escapes of characters that survive a
    FormatAll round trip (the grammar's own and % + ( ) /)."""
    tokens = draw(st.lists(st.one_of(
        st.sampled_from(DOT_CHARS),
        st.sampled_from(DOT_CHARS + SPECIAL).map(
            lambda c: "%" + (format(ord(c), "02X") if ord(c) % 2 else format(ord(c), "02x")))),
        min_size=min_size, max_size=6))
    return "".join(tokens)


@st.composite
def specifiers(draw: st.DrawFn, gen: str) -> str:
    grammar = SYNTAXES[gen].grammar
    chars = LEGACY_CHARS if grammar in ("legacy", "os-version") else DOT_CHARS
    options = ""
    if grammar != "legacy" and draw(st.booleans()):
        if grammar == "features":
            version = draw(_escaped(0))
            features = draw(st.lists(_escaped(1), max_size=3))
            options = "(" + version + "".join("+" + f for f in features) + ")"
        else:
            options = "(" + draw(st.text(DOT_CHARS, max_size=8)) + ")"
    parts = draw(st.integers(1, 3))
    if parts == 1:
        if options or draw(st.booleans()):
            return draw(st.sampled_from(KNOWN_OS_NAMES)) + options
        return draw(st.sampled_from(ONE_PART_ARCHES))
    os_name = draw(st.one_of(st.sampled_from(KNOWN_OS_NAMES), _component(LEGACY_CHARS)))
    arch = draw(st.one_of(st.sampled_from(ARCHES), _component(chars)))
    out = f"{os_name}{options}/{arch}"
    if parts == 3:
        out += "/" + draw(st.one_of(st.sampled_from(
            [v for v in VARIANTS if set(v) <= set(chars)]), _component(chars)))
    return out


@pytest.mark.parametrize("gen", GENS)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_format_all_round_trips(gen: str, data: st.DataObject) -> None:
    """FormatAll(Parse(x)) parses back to the same platform and is a fixed point (the re-parse
    check of TestParseSelector), for x from the generation's grammar."""
    syntax = SYNTAXES[gen]
    host = data.draw(st.sampled_from(list(HOSTS.values())))
    text = data.draw(specifiers(gen))
    p = parse_platform(text, syntax=syntax, host=host)
    formatted = format_all(p, syntax=syntax)
    again = parse_platform(formatted, syntax=syntax, host=host)
    assert format_all(again, syntax=syntax) == formatted
    assert (again.os, again.architecture, again.variant) == (p.os, p.architecture, p.variant)
    if syntax.format_all == "none":
        assert again.os_version == ""
    else:
        assert again.os_version == p.os_version
    if gen == "rc.4":
        assert again.os_features == tuple(sorted(set(p.os_features)))
    elif gen == "rc.3":
        assert again.os_features == tuple(sorted(p.os_features))
    else:
        assert again.os_features == p.os_features == ()


platforms_st = st.builds(
    Platform,
    os=st.one_of(st.sampled_from(["", "Linux", "macos", "windows"]), st.text(max_size=6)),
    architecture=st.one_of(st.sampled_from(ARCHES), st.text(max_size=6)),
    variant=st.one_of(st.sampled_from([*VARIANTS, "", "v8.0", "V9", "v9.0"]),
                      st.text(max_size=6)),
    os_version=st.text(max_size=8),
    os_features=st.lists(st.sampled_from(["", "win32k", "gpu", "a"]), max_size=4).map(tuple),
)


@pytest.mark.parametrize("gen", GENS)
@given(p=platforms_st)
def test_normalize_is_idempotent(gen: str, p: Platform) -> None:
    once = normalize(p, syntax=SYNTAXES[gen], host_os="linux")
    assert normalize(once, syntax=SYNTAXES[gen], host_os="linux") == once


@pytest.mark.parametrize("gen", GENS)
@settings(max_examples=300)
@given(text=st.one_of(st.text(), st.text("linux/amd64arm()+%.-_ 7v8WwinZz*\n", max_size=24)))
def test_parse_raises_only_platform_error(gen: str, text: str) -> None:
    with contextlib.suppress(PlatformError):
        parse_platform(text, syntax=SYNTAXES[gen], host=LINUX_AMD64)


# moby v20.10.24 vendor/github.com/containerd/containerd/platforms/database.go (moby's fork):
# x86_64/x86-64 clear the variant, amd64 keeps it (amd64/v1 is not plain amd64).
@pytest.mark.parametrize(("arch", "variant", "expected"), [
    ("x86_64", "v3", ("amd64", "")), ("x86-64", "v1", ("amd64", "")),
    ("amd64", "v1", ("amd64", "v1")), ("amd64", "v3", ("amd64", "v3")),
    ("AMD64", "", ("amd64", "")),
    ("aarch64", "8", ("arm64", "")), ("arm", "", ("arm", "v7")),
])
def test_normalize_arch_moby_2010_fork(arch: str, variant: str,
                                       expected: tuple[str, str]) -> None:
    from resolver.engines.moby_platforms import SYNTAX_FORK

    assert normalize_arch(arch, variant, SYNTAX_FORK) == expected
