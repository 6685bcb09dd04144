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
    normalize_arch,
    normalize_os,
    parse_platform,
)

# Parse's grammar is containerd 1.6's; only normalizeArch's amd64 rule differs.
SYNTAX_FORK = replace(SYNTAX_INTREE, name="moby 20.10 fork of containerd platforms",
                      amd64="moby-2010-fork")


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
        return SYNTAX_FORK

    def normalize(self, platform: Platform) -> Platform:
        arch, variant = normalize_arch(platform.architecture, platform.variant, SYNTAX_FORK)
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
        return parse_platform(text, syntax=SYNTAX_FORK, host=host)


DaemonPlatforms = Platforms | ForkPlatforms


def syntax_of(lib: DaemonPlatforms) -> PlatformSyntax:
    return lib.syntax if isinstance(lib, ForkPlatforms) else lib.rules.syntax


def parse_with(lib: DaemonPlatforms, text: str, runtime: Platform) -> Platform:
    """``platforms.Parse`` of the linked code; ``runtime`` is dockerd's GOOS/GOARCH/variant."""
    if isinstance(lib, ForkPlatforms):
        return lib.parse(text, runtime)
    return parse_platform(text, syntax=lib.rules.syntax, host=runtime)


__all__ = [
    "SYNTAX_FORK",
    "DaemonPlatforms",
    "ForkMatcher",
    "ForkPlatforms",
    "parse_with",
    "syntax_of",
]
