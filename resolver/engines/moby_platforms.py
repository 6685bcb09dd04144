"""The platforms code linked into dockerd: moby's 20.10 fork, or a containerd release's.

Docker Engine 20.10 vendors moby's own fork of containerd's ``platforms`` package (moby/containerd,
``docker-20.10`` branch, pre-1.6). It differs from every containerd release we model:

- ``normalizeArch``: ``x86_64``/``x86-64`` clear the variant; ``amd64`` is not touched (an
  ``amd64/v1`` entry does not equal plain ``amd64``); arm64 ``8``/``v8`` become "";
- ``Normalize`` clears os.version and os.features;
- ``Only`` only steps arm down (v8 > v7 > v6 > v5); every other platform matches itself alone
  (no amd64 levels, no 386 fallback, no arm64 to arm);
- ``cpuVariant`` reports ``v7`` for a 32-bit arm dockerd on an arm64 kernel (cpuinfo "8").

Source: ``vendor/github.com/containerd/containerd/platforms/{database,compare,platforms,
cpuinfo}.go`` at moby v20.10.24 (identical from v20.10.0 to v20.10.27). Later releases link
containerd's code, modelled by :class:`resolver.engines.containerd_platforms.Platforms`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from resolver.engines.containerd_platforms import (
    MatchComparer,
    Matcher,
    OrderedComparer,
    Platforms,
)
from resolver.platform import (
    SYNTAX_INTREE,
    Platform,
    PlatformSyntax,
    normalize_os,
    parse_platform,
)


def fork_normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    """database.go normalizeArch of the 20.10 fork."""
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64"):
        return "amd64", ""
    if arch in ("aarch64", "arm64"):
        return "arm64", "" if variant in ("8", "v8") else variant
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


@dataclass(frozen=True, slots=True)
class ForkMatcher:
    """The fork's NewMatcher: os/arch/variant equal after normalizing both sides."""

    lib: ForkPlatforms
    platform: Platform  # normalized

    def match(self, platform: Platform) -> bool:
        n = self.lib.normalize(platform)
        mine = self.platform
        return (mine.os, mine.architecture, mine.variant) == (n.os, n.architecture, n.variant)


@dataclass(frozen=True, slots=True)
class ForkPlatforms:
    """The 20.10 fork of containerd's platforms package, running on one host."""

    goos: str = "linux"
    goarch: str = "amd64"
    cpu_variant: str = ""

    @property
    def syntax(self) -> PlatformSyntax:
        return SYNTAX_INTREE  # Parse's grammar is containerd 1.6's; only normalizeArch differs

    def normalize(self, platform: Platform) -> Platform:
        arch, variant = fork_normalize_arch(platform.architecture, platform.variant)
        return Platform(normalize_os(platform.os, self.goos), arch, variant)

    def new_matcher(self, platform: Platform) -> Matcher:
        return ForkMatcher(self, self.normalize(platform))

    def only(self, platform: Platform) -> MatchComparer:
        """compare.go Only: arm v8/v7/v6 step down to v5; anything else is itself alone."""
        p = self.normalize(platform)
        steps = {"v8": ("v8", "v7", "v6", "v5"), "v7": ("v7", "v6", "v5"), "v6": ("v6", "v5")}
        variants = steps.get(p.variant, ()) if p.architecture == "arm" else ()
        wanted = [replace(p, variant=v) for v in variants] or [p]
        return OrderedComparer(tuple(self.new_matcher(w) for w in wanted))

    def default_spec(self) -> Platform:
        return Platform(self.goos, self.goarch, self.cpu_variant)

    def parse(self, text: str, host: Platform | None = None) -> Platform:
        """The fork's Parse: containerd 1.6's grammar, with the fork's normalizeArch."""
        parsed = parse_platform(text, syntax=SYNTAX_INTREE, host=host)
        parts = text.split("/")
        if len(parts) == 3:  # only the 3-part form can carry a variant the two tables treat apart
            arch, variant = fork_normalize_arch(parts[1], parts[2])
            if arch == "arm64" and variant == "":
                variant = "v8"
            parsed = replace(parsed, architecture=arch, variant=variant)
        return parsed


DaemonPlatforms = Platforms | ForkPlatforms


def syntax_of(lib: DaemonPlatforms) -> PlatformSyntax:
    return lib.syntax if isinstance(lib, ForkPlatforms) else lib.rules.syntax


def parse_with(lib: DaemonPlatforms, text: str, runtime: Platform) -> Platform:
    """``platforms.Parse`` of the linked code; ``runtime`` is dockerd's GOOS/GOARCH/variant."""
    if isinstance(lib, ForkPlatforms):
        return lib.parse(text, runtime)
    return parse_platform(text, syntax=lib.rules.syntax, host=runtime)


__all__ = [
    "DaemonPlatforms",
    "ForkMatcher",
    "ForkPlatforms",
    "fork_normalize_arch",
    "parse_with",
    "syntax_of",
]
