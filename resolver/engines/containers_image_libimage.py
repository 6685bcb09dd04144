"""containers/common ``libimage``: what Podman and Buildah do around containers/image.

Before a pull, libimage normalizes the user's ``--os/--arch/--variant/--platform`` through
containerd's Normalize and Parse (NormalizePlatform: ``libimage/platform.go`` in common v0.50,
``libimage/platform/platform.go`` later); after it, libimage checks the stored image's config
with containerd's exact matcher and warns (``libimage/image.go`` matchesPlatform, called from
``libimage/pull.go``). containers/image itself normalizes nothing
(:mod:`resolver.engines.containers_image`). The containerd code is the release each
containers/common vendors (:func:`~resolver.engines.containers_image_rules.common_syntax`).
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver.engines.containers_image_rules import common_formats_warning, common_syntax
from resolver.errors import PlatformError
from resolver.platform import Platform, PlatformSyntax, format_platform, normalize, parse_platform


@dataclass(frozen=True, slots=True)
class Choices:
    """``SystemContext.OSChoice/ArchitectureChoice/VariantChoice``; "" means not set."""

    os: str = ""
    architecture: str = ""
    variant: str = ""

    @classmethod
    def of(cls, platform: Platform | None) -> Choices:
        if platform is None:
            return cls()
        return cls(platform.os, platform.architecture, platform.variant)

    @property
    def empty(self) -> bool:
        return not (self.os or self.architecture or self.variant)


def _to_platform_string(os_name: str, arch: str, variant: str, goos: str, goarch: str) -> str:
    """libimage toPlatformString (platform.ToString): empty OS/arch are GOOS/GOARCH."""
    os_name = os_name or goos
    arch = arch or goarch
    return f"{os_name}/{arch}/{variant}" if variant else f"{os_name}/{arch}"


def libimage_normalize(
    choices: Choices, goos: str, goarch: str, syntax: PlatformSyntax
) -> Choices:
    """libimage NormalizePlatform (common libimage/platform.go; platform/platform.go later): the
    user's --os/--arch/--variant through containerd's Normalize and Parse before they become the
    SystemContext choices. An empty field stays empty, except that a variant Parse fills in
    (``--arch arm`` → v7) is kept; on a parse error the raw values are used."""
    host = Platform(goos, goarch)
    spec = normalize(Platform(choices.os, choices.architecture, choices.variant),
                     syntax=syntax, host_os=goos)
    variant = spec.variant or choices.variant
    text = _to_platform_string(spec.os, spec.architecture, variant, goos, goarch)
    try:
        parsed = parse_platform(text, syntax=syntax, host=host)
    except PlatformError:
        return choices
    return Choices(
        parsed.os if choices.os else "",
        parsed.architecture if choices.architecture else "",
        parsed.variant if (choices.variant or parsed.variant) else choices.variant,
    )


def _go_struct(p: Platform) -> str:
    """``%s`` of an image-spec v1.Platform struct {Architecture OS OSVersion OSFeatures Variant}."""
    return f"{{{p.architecture} {p.os} {p.os_version} [{' '.join(p.os_features)}] {p.variant}}}"


def libimage_platform_warning(
    config: Platform, request: Choices, goos: str, goarch: str, common: str
) -> str | None:
    """libimage Image.matchesPlatform after a pull: the stored image's config against the
    request (empty fields are GOOS/GOARCH; the host variant is never detected), both through
    containerd's Parse, compared with containerd's exact NewMatcher (Normalize on both sides).
    The text is what Podman writes to stderr (``WARNING: …``); common < 0.51 prints structs.
    Raises PlatformError when containerd cannot parse one side (the pull then fails, after
    the copy)."""
    syntax = common_syntax(common)
    host = Platform(goos, goarch)
    try:
        expected = parse_platform(
            _to_platform_string(request.os, request.architecture, request.variant, goos, goarch),
            syntax=syntax, host=host)
    except PlatformError as err:
        raise PlatformError(f"parsing host platform: {err}") from None
    try:
        from_image = parse_platform(
            _to_platform_string(config.os, config.architecture, config.variant, goos, goarch),
            syntax=syntax, host=host)
    except PlatformError as err:
        raise PlatformError(f"parsing image platform: {err}") from None
    want = normalize(expected, syntax=syntax, host_os=goos)
    have = normalize(from_image, syntax=syntax, host_os=goos)
    if (want.os, want.architecture, want.variant) == (have.os, have.architecture, have.variant):
        return None
    if common_formats_warning(common):
        shown_image, shown_expected = format_platform(from_image), format_platform(expected)
    else:
        shown_image, shown_expected = _go_struct(from_image), _go_struct(expected)
    return (f"WARNING: image platform ({shown_image}) does not match the expected platform "
            f"({shown_expected})")
