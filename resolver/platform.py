"""The platform value, and containerd's Parse, Format, FormatAll and Normalize.

One implementation of the OCI/containerd platform syntax, with each generation of the
containerd platforms code as a :class:`PlatformSyntax` value, since the grammar and the
normalization changed across releases (upstream ``containerd/platforms`` ``platforms.go`` and
``database.go``; containerd 1.6/1.7 in-tree ``platforms/``). Engines that do not normalize
(containers/image) say so in their own module.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from resolver.errors import PlatformError
from resolver.gotext import go_lower, go_path_join, go_quote
from resolver.platform_tables import KNOWN_ARCH, KNOWN_OS, OS_ALIASES


@dataclass(frozen=True, slots=True, order=True)
class Platform:
    """An OCI platform: os, architecture, variant, os.version and os.features."""

    os: str = ""
    architecture: str = ""
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = field(default=())

    @classmethod
    def from_oci(cls, data: Mapping[str, Any]) -> Platform:
        """The ``platform`` object of an index entry or the fields of an image config."""
        features = data.get("os.features") or ()
        if not isinstance(features, list | tuple) or not all(isinstance(f, str) for f in features):
            raise ValueError("os.features must be a list of strings")
        values = {}
        for key in ("os", "architecture", "variant", "os.version"):
            value = data.get(key, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValueError(f"{key} must be a string, not {type(value).__name__}")
            values[key] = value
        return cls(
            values["os"], values["architecture"], values["variant"], values["os.version"],
            tuple(features),
        )

    def to_oci(self) -> dict[str, Any]:
        """The OCI JSON form, with empty fields left out as the spec's omitempty does."""
        out: dict[str, Any] = {"architecture": self.architecture, "os": self.os}
        if self.os_version:
            out["os.version"] = self.os_version
        if self.os_features:
            out["os.features"] = list(self.os_features)
        if self.variant:
            out["variant"] = self.variant
        return out

    def __str__(self) -> str:
        return format_all(self)


Grammar = Literal["legacy", "os-version", "dots", "features"]
Arm64Rule = Literal["legacy", "algorithmic", "table"]


@dataclass(frozen=True, slots=True)
class PlatformSyntax:
    """One generation of containerd's platform syntax and normalization.

    ``grammar``: legacy (1.6/1.7 in-tree: ``[A-Za-z0-9_-]`` parts, no os.version), os-version
    (platforms v0.2.x: ``os(version)``), dots (rc.0-rc.2: ``.`` allowed in arch/variant),
    features (rc.3+: ``os(version+feature)`` with %-escaping).
    ``arm64``: how arm64 variants normalize: legacy (only 8/v8 dropped), algorithmic (rc.0),
    table (rc.1+: v8.0 dropped, 9/9.0/v9.0 become v9).
    """

    name: str
    grammar: Grammar
    arm64: Arm64Rule
    format_all: Literal["none", "version", "escaped"]
    features: bool = False  # rc.3+: Normalize sorts and dedupes os.features
    format_skips_empty_features: bool = False  # rc.4+
    fills_windows_host_version: bool = False  # 1.7.6-1.7.18, v0.1.x: Parse on a Windows host
    feature_errors: Literal["rc3", "rc4"] = "rc4"  # rc.3 decoded features inline in Parse
    # amd64 variants: containerd drops v1; moby's 20.10 fork clears x86_64's variant and leaves
    # amd64's as it is (vendor/.../platforms/database.go at moby v20.10.24)
    amd64: Literal["drop-v1", "moby-2010-fork"] = "drop-v1"


SYNTAX_INTREE = PlatformSyntax("containerd 1.6/1.7 in-tree platforms", "legacy", "legacy", "none")
SYNTAX_INTREE_WINFILL = replace(SYNTAX_INTREE, fills_windows_host_version=True)
SYNTAX_V0_2 = PlatformSyntax("containerd/platforms v0.2.x", "os-version", "legacy", "version")
SYNTAX_RC0 = PlatformSyntax("containerd/platforms v1.0.0-rc.0", "dots", "algorithmic", "version")
SYNTAX_RC1 = PlatformSyntax("containerd/platforms v1.0.0-rc.1/rc.2", "dots", "table", "version")
SYNTAX_RC3 = PlatformSyntax(
    "containerd/platforms v1.0.0-rc.3", "features", "table", "escaped", features=True,
    feature_errors="rc3",
)
SYNTAX_RC4 = replace(
    SYNTAX_RC3, name="containerd/platforms v1.0.0-rc.4+", format_skips_empty_features=True,
    feature_errors="rc4",
)
NEWEST = SYNTAX_RC4

_SPECIFIER_RE = {
    "legacy": re.compile(r"[A-Za-z0-9_-]+"),
    "os-version": re.compile(r"[A-Za-z0-9_-]+"),
    "dots": re.compile(r"[A-Za-z0-9_.-]+"),
    "features": re.compile(r"[A-Za-z0-9_.-]+"),
}
_SPECIFIER_RE_TEXT = {g: f"^{r.pattern}$" for g, r in _SPECIFIER_RE.items()}
_OS_RE_TEXT = {
    "os-version": r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$",
    "dots": r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$",
    "features": r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$",
}
# Go's `$` is end of text: fullmatch, never Python's `$` (which accepts a trailing newline).
_OS_RE = {g: re.compile(t[1:-1]) for g, t in _OS_RE_TEXT.items()}
_INVALID = ": invalid argument"


def this_goos() -> str:
    """GOOS of the running machine, the default for an empty OS."""
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "win32":
        return "windows"
    if sys.platform.startswith("freebsd"):
        return "freebsd"
    return sys.platform


def normalize_os(os_name: str, host_os: str | None = None) -> str:
    """database.go normalizeOS: empty is the host GOOS; lower-case; macos is darwin."""
    if os_name == "":
        return host_os if host_os is not None else this_goos()
    lowered = go_lower(os_name)
    return OS_ALIASES.get(lowered, lowered)


def _normalize_arm64_variant(variant: str, rule: Arm64Rule) -> str:
    if rule == "legacy":  # containerd 1.6/1.7, platforms v0.x
        return "" if variant in ("8", "v8") else variant
    if rule == "algorithmic":  # platforms rc.0 (database.go)
        major, dot, minor = variant.partition(".")
        major = major.removeprefix("v")
        if minor == "0":
            minor, dot = "", ""
        if major in ("", "8") and not dot:
            return ""
        return "v" + major + (("." + minor) if dot else "")
    if variant in ("8", "v8", "v8.0"):  # rc.1+ (database.go)
        return ""
    if variant in ("9", "9.0", "v9.0"):
        return "v9"
    return variant


def normalize_arch(arch: str, variant: str, syntax: PlatformSyntax = NEWEST) -> tuple[str, str]:
    """database.go normalizeArch: the architecture aliases and variant defaults."""
    arch, variant = go_lower(arch), go_lower(variant)
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        if syntax.amd64 == "moby-2010-fork":
            return "amd64", variant if arch == "amd64" else ""
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", _normalize_arm64_variant(variant, syntax.arm64)
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return "arm", "v7"
        if variant in ("5", "6", "8"):
            return "arm", "v" + variant
    return arch, variant


def normalize(
    platform: Platform, *, syntax: PlatformSyntax = NEWEST, host_os: str | None = None
) -> Platform:
    """containerd Normalize: OS and arch aliases; rc.3+ also sorts and dedupes os.features.

    os.version is never changed. An empty OS becomes the host's GOOS (``host_os``, by default
    this machine's).
    """
    arch, variant = normalize_arch(platform.architecture, platform.variant, syntax)
    features = platform.os_features
    if syntax.features and features:
        features = tuple(sorted(set(features)))
    return Platform(
        normalize_os(platform.os, host_os), arch, variant, platform.os_version, features
    )


def _path_unescape(specifier: str, raw: str, what: str) -> str:
    """Go url.PathUnescape, only when the text holds a ``%`` (platforms.go decodeOSOption)."""
    if "%" not in raw:
        return raw
    out = bytearray()
    i = 0
    data = raw.encode("utf-8", "surrogateescape")
    while i < len(data):
        if data[i] == 0x25:  # '%'
            hexpart = data[i + 1 : i + 3]
            if len(hexpart) < 2 or not all(chr(c) in "0123456789abcdefABCDEF" for c in hexpart):
                bad = data[i : i + 3].decode("utf-8", "surrogateescape")
                raise PlatformError(what + f"invalid URL escape {go_quote(bad)}")
            out.append(int(hexpart.decode(), 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def _parse_features(specifier: str, text: str, syntax: PlatformSyntax) -> tuple[str, ...]:
    """platforms.go parseOSFeatures (rc.4): split on ``+``, trim, decode, skip empty results.

    rc.3 decoded each raw item inline, with its own error text; the grammar's regexp already
    rules out the empty and space-padded items that rc.4's extra checks catch.
    """
    if syntax.feature_errors == "rc3":
        return tuple(
            _path_unescape(specifier, raw, f"{go_quote(specifier)} has an invalid OS feature "
                                           f"{go_quote(raw)}: ")
            for raw in text.split("+")
        )
    features = []
    for raw in text.split("+"):
        item = raw.strip()
        if item == "":
            raise PlatformError(f"{go_quote(specifier)} has invalid OS features: empty os feature"
                                + _INVALID)
        prefix = (f"{go_quote(specifier)} has invalid OS features: invalid os feature "
                  f"{go_quote(item)}: ")
        decoded = _path_unescape(specifier, item, prefix)
        if decoded:
            features.append(decoded)
    return tuple(features)


def _component_error(part: str, specifier: str, grammar: Grammar) -> PlatformError:
    return PlatformError(
        f"{go_quote(part)} is an invalid component of {go_quote(specifier)}: platform specifier "
        f"component must match {go_quote(_SPECIFIER_RE_TEXT[grammar])}{_INVALID}"
    )


def _parse_os_part(specifier: str, part: str, syntax: PlatformSyntax) -> Platform:
    grammar = syntax.grammar
    if grammar == "legacy":
        if not _SPECIFIER_RE[grammar].fullmatch(part):
            raise _component_error(part, specifier, grammar)
        return Platform(os=normalize_os(part))
    match = _OS_RE[grammar].fullmatch(part)
    if match is None:
        raise PlatformError(
            f"{go_quote(part)} is an invalid OS component of {go_quote(specifier)}: "
            f"OSAndVersion specifier component must match {go_quote(_OS_RE_TEXT[grammar])}"
            + _INVALID
        )
    version = match.group(2) or ""
    features: tuple[str, ...] = ()
    if grammar == "features":
        version = _path_unescape(
            specifier, version,
            f"{go_quote(specifier)} has an invalid OS version {go_quote(version)}: ",
        )
        if match.group(3):
            features = _parse_features(specifier, match.group(3)[1:], syntax)
    return Platform(os=normalize_os(match.group(1)), os_version=version, os_features=features)


def parse_platform(
    specifier: str, *, syntax: PlatformSyntax = NEWEST, host: Platform | None = None
) -> Platform:
    """containerd Parse: ``os``, ``arch``, ``os/arch``, ``os/arch/variant``, ``os(ver+feat)/...``.

    ``host`` supplies what Go takes from the running binary (GOOS, GOARCH, the arm variant,
    the Windows build) for the one-part forms; by default this machine. Raises
    :class:`PlatformError` with containerd's own message.
    """
    if not isinstance(specifier, str):
        raise PlatformError(f"platform must be text, not {type(specifier).__name__}")
    quoted = go_quote(specifier)
    if "*" in specifier:
        raise PlatformError(f"{quoted}: wildcards not yet supported{_INVALID}")
    legacy = syntax.grammar == "legacy"
    parts = specifier.split("/") if legacy else specifier.split("/", 3)
    if legacy:
        for part in parts:  # the in-tree Parse checks every part before anything else
            if not _SPECIFIER_RE["legacy"].fullmatch(part):
                raise _component_error(part, specifier, "legacy")
    parsed = _parse_os_part(specifier, parts[0], syntax)
    for part in parts[1:]:
        if not _SPECIFIER_RE[syntax.grammar].fullmatch(part):
            raise _component_error(part, specifier, syntax.grammar)

    if len(parts) == 1:
        return _parse_one_part(specifier, parts[0], parsed, syntax, host)
    if len(parts) == 2:
        arch, variant = normalize_arch(parts[1], "", syntax)
        if arch == "arm" and variant == "v7":
            variant = ""
        result = replace(parsed, architecture=arch, variant=variant)
    elif len(parts) == 3:
        arch, variant = normalize_arch(parts[1], parts[2], syntax)
        if arch == "arm64" and variant == "":
            variant = "v8"
        result = replace(parsed, architecture=arch, variant=variant)
    else:
        raise PlatformError(f"{quoted}: cannot parse platform specifier{_INVALID}")
    return _fill_windows_version(result, syntax, host)


def _runtime(host: Platform | None) -> Platform:
    if host is not None:
        return host
    from resolver.host import detect_host  # lazily: reads /proc and the CPU

    return detect_host()


def _parse_one_part(
    specifier: str, part: str, parsed: Platform, syntax: PlatformSyntax, host: Platform | None
) -> Platform:
    if parsed.os in KNOWN_OS:
        runtime = _runtime(host)
        variant = ""
        if runtime.architecture == "arm" and runtime.variant != "v7":
            variant = runtime.variant
        result = replace(parsed, architecture=runtime.architecture, variant=variant)
        return _fill_windows_version(result, syntax, host)
    arch, variant = normalize_arch(part, "", syntax)  # the whole raw part, "(...)" included
    if arch == "arm" and variant == "v7":
        variant = ""
    if arch in KNOWN_ARCH:
        return Platform(os=_runtime(host).os, architecture=arch, variant=variant)
    raise PlatformError(f"{go_quote(specifier)}: unknown operating system or architecture"
                        + _INVALID)


def _fill_windows_version(
    result: Platform, syntax: PlatformSyntax, host: Platform | None
) -> Platform:
    """containerd 1.7.6-1.7.18: Parse gives every windows result the Windows host's version."""
    if not syntax.fills_windows_host_version or result.os != "windows":
        return result
    runtime = _runtime(host)
    if runtime.os != "windows":
        return result
    return replace(result, os_version=".".join(runtime.os_version.split(".")[:3]))


def format_platform(platform: Platform) -> str:
    """containerd Format: ``os/arch/variant`` through Go's path.Join; no OS gives ``unknown``."""
    if platform.os == "":
        return "unknown"
    return go_path_join(platform.os, platform.architecture, platform.variant)


_ENCODE = str.maketrans({"%": "%25", "+": "%2B", "(": "%28", ")": "%29", "/": "%2F"})


def format_all(platform: Platform, *, syntax: PlatformSyntax = NEWEST) -> str:
    """containerd FormatAll: Format plus ``(os.version+features)``, per syntax generation."""
    if platform.os == "":
        return "unknown"
    if syntax.format_all == "none" or (not platform.os_version and not platform.os_features):
        return format_platform(platform)
    if syntax.format_all == "version":  # v0.2 - rc.2: os(version), no features, no escaping
        if not platform.os_version:
            return format_platform(platform)
        os_part = f"{platform.os}({platform.os_version})"
        return go_path_join(os_part, platform.architecture, platform.variant)
    version = platform.os_version.translate(_ENCODE)
    features = sorted(platform.os_features)
    if syntax.format_skips_empty_features:
        features = [f for i, f in enumerate(features) if f and (i == 0 or f != features[i - 1])]
    feature_text = "+".join(f.translate(_ENCODE) for f in features)
    os_part = platform.os
    if version or feature_text or (features and not syntax.format_skips_empty_features):
        os_part += "(" + version + ("+" + feature_text if features else "") + ")"
    return go_path_join(os_part, platform.architecture, platform.variant)
