"""containers/image: how Podman, Buildah, CRI-O and skopeo choose from a manifest list.

containers/image does **no normalization** of any kind: its wanted platforms are raw GOOS/GOARCH
strings (or the user's overrides, verbatim), and an index entry matches one only when os,
architecture and variant are the same strings (``aarch64`` never equals ``arm64``, and a plain
``arm64`` entry is not ``arm64/v8``). This module therefore never calls
:func:`resolver.platform.normalize` on what it matches; only Podman and Buildah's front end
(containers/common ``libimage``, :mod:`resolver.engines.containers_image_libimage`) normalizes
the user's request through containerd's code before it reaches containers/image, and checks the
pulled image with containerd's matcher afterwards.

Rules, each where upstream keeps it (containers/image v5.22.1 … v5.36.1, then container-libs
``image/v5.39.2``; version differences in :mod:`resolver.engines.containers_image_rules`):

- ``internal/pkg/platform/platform_matcher.go``: ``getCPUVariant`` (the host's variant) and
  ``WantedPlatforms`` (the ordered wanted list), ``MatchesPlatform`` (exact equality);
- ``manifest/docker_schema2_list.go`` (v5.22) / ``internal/manifest/docker_schema2_list.go``:
  a Docker list is searched wanted-major, list-minor;
- ``manifest/oci_index.go`` (v5.22-v5.24) / ``internal/manifest/oci_index.go`` (v5.25+): an OCI
  index, with its fallback to an entry without a platform;
- ``copy/copy.go`` and ``copy/single.go``: what a pull (skopeo copy, podman/buildah pull, CRI-O)
  does with the choice; ``internal/image/*.go`` ``FromUnparsedImage``: what skopeo inspect does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from packaging.version import InvalidVersion, Version

from resolver import mediatypes as mt
from resolver.engines.base import Fetch, ProfileInfo
from resolver.engines.containers_image_libimage import (
    Choices,
    libimage_normalize,
    libimage_platform_warning,
)
from resolver.engines.containers_image_rules import (
    CATALOG,
    GO_MOD_SOURCE,
    RELEASES,
    ImageRules,
    ToolRelease,
    common_formats_warning,
    common_syntax,
    rules_for,
)
from resolver.errors import DocumentError, PlatformError, UnknownEngine
from resolver.gotext import go_quote
from resolver.model import (
    Descriptor,
    Document,
    Index,
    Manifest,
    parse_config,
    parse_document,
    read_index,
)
from resolver.platform import (
    Platform,
    format_all,
    format_platform,
    parse_platform,
    this_goos,
)
from resolver.selection import Outcome, Selection, Step

SOURCE = (
    "containers/image internal/pkg/platform/platform_matcher.go, "
    "internal/manifest/{docker_schema2_list,oci_index}.go, copy/copy.go, copy/single.go "
    "(v5.22.1 … v5.36.1; container-libs image/v5.39.2); containers/common libimage "
    "(pull.go, platform.go, image.go matchesPlatform)"
)

# --- WantedPlatforms ---------------------------------------------------------------------------

# platform_matcher.go `compatibility`, unchanged from v5.11.0 to the newest: for each arch, its
# variants from most capable to most compatible. Nothing else has a ladder: no amd64 levels, no
# arm64 v8.x/v9, no fallback from arm64 to 32-bit arm or from amd64 to 386.
COMPATIBILITY: dict[str, tuple[str, ...]] = {
    "arm": ("v8", "v7", "v6", "v5"),
    "arm64": ("v8",),
}

# getCPUVariantArm's value table (lower-cased "CPU architecture" → variant): the variants a Linux
# arm host can report. Variants outside it ("" included) mean cpuinfo gave nothing usable.
_ARM_CPUINFO_VARIANTS = frozenset({"v8", "v7", "v6", "v5", "v4", "v3"})


def cpu_variant(host: Platform, rules: ImageRules) -> tuple[str, str]:
    """getCPUVariant(runtime.GOOS, runtime.GOARCH) on ``host``: the variant and why.

    ``host`` is the machine at finest grain; its os/architecture are the engine binary's
    GOOS/GOARCH (a 32-bit engine on a 64-bit kernel is ``linux/arm/v8``: cpuinfo says 8).
    """
    goos, goarch = host.os or "linux", host.architecture
    if goos == "windows" or (goos == "darwin" and rules.darwin_variant):
        # getCPUVariantWindows (and, from v5.31.0, darwin): arm64 → v8, arm → v7, no cpuinfo.
        variant = {"arm64": "v8", "arm": "v7"}.get(goarch, "")
        return variant, f"{goos}: {goarch} is reported as {variant or 'no variant'} without cpuinfo"
    if goarch not in ("arm", "arm64"):
        return "", f"{goarch} has no variant detection"
    if goos != "linux":
        why = ("before containers/image 5.31 darwin read /proc/cpuinfo like Linux and failed"
               if goos == "darwin" else f"getCPUInfo is not implemented on {goos}")
        return "", why
    if goarch == "arm64":
        return "v8", "an arm64 kernel's cpuinfo says CPU architecture: 8"
    variant = host.variant
    if variant == "v6" and not rules.armv6_model_name:
        # A Raspberry Pi Zero/1 (ARM1176) reports "CPU architecture: 7"; only from v5.30.0
        # (da7e6b90) does a model name "ARMv6-compatible…" turn that into v6.
        return "v7", ("cpuinfo says CPU architecture: 7 (ARMv6 Raspberry Pi); before "
                      "containers/image 5.30 the ARMv6-compatible model name is not read")
    if variant in _ARM_CPUINFO_VARIANTS:
        return variant, f"cpuinfo CPU architecture of a {variant} CPU"
    return "", "no usable CPU architecture line in cpuinfo"


def cpu_variant_error(host: Platform, rules: ImageRules) -> str:
    """The error getCPUVariant logs (logrus.Errorf, shown at the default level) from v5.30.0 when
    it cannot read cpuinfo off Linux (darwin only until v5.31.0). On Linux the cause of an
    unusable line (missing, unreadable, or an unknown value, which logs nothing) cannot be told
    from ``host``, so nothing is claimed there."""
    goos, goarch = host.os or "linux", host.architecture
    if not rules.armv6_model_name or goarch not in ("arm", "arm64"):
        return ""
    if goos in ("linux", "windows") or (goos == "darwin" and rules.darwin_variant):
        return ""
    return f"Couldn't get cpu architecture: getCPUInfo for OS {goos} not implemented"


def wanted_platforms(
    goos: str, goarch: str, detected_variant: str, choices: Choices
) -> tuple[Platform, ...]:
    """platform_matcher.go WantedPlatforms: the wanted list, most preferred first.

    An explicit architecture turns variant detection off (commit d85425de, v5.3.1), even when
    it equals GOARCH; an explicit variant wins either way. A known variant walks down its
    ladder and ends with ""; an unknown one is tried alone, then ""; no variant tries "" first,
    then the whole ladder.
    """
    arch = choices.architecture or goarch
    variant = "" if choices.architecture else detected_variant
    if choices.variant:
        variant = choices.variant
    os_name = choices.os or goos
    ladder = COMPATIBILITY.get(arch, ())
    if variant:
        variants = ladder[ladder.index(variant):] if variant in ladder else (variant,)
        variants = (*variants, "")
    else:
        variants = ("", *ladder)
    return tuple(Platform(os_name, arch, v) for v in variants)


def matches_platform(image: Platform, wanted: Platform) -> bool:
    """platform_matcher.go MatchesPlatform: the same os, architecture and variant strings;
    os.version and os.features are deliberately ignored (comment since v5.28.0)."""
    return (image.architecture == wanted.architecture and image.os == wanted.os
            and image.variant == wanted.variant)


def wanted_position(image: Platform, wanted: Sequence[Platform]) -> int | None:
    for i, w in enumerate(wanted):
        if matches_platform(image, w):
            return i
    return None


# --- ChooseInstance ----------------------------------------------------------------------------

ZSTD_ANNOTATION = "io.github.containers.compression.zstd"  # OCI1InstanceAnnotationCompressionZSTD

# Nobody sets copy.Options.PreferGzipInstances (skopeo, containers/common libimage and CRI-O do
# not), and ChooseInstance passes OptionalBoolFalse: zstd-annotated instances win ties.
PREFER_GZIP = False


@dataclass(frozen=True, slots=True)
class Choice:
    """What ChooseInstance picked: the entry's list position, and its wanted position (None
    for an entry without a platform, the OCI "matches anything" fallback)."""

    position: int
    wanted: int | None
    how: str


def _zero(platform: Platform | None) -> Platform:
    # A schema2 entry's platform is a struct, not a pointer: absent means all fields empty.
    return platform if platform is not None else Platform()


def choose_from_docker_list(
    manifests: Sequence[Descriptor], wanted: Sequence[Platform]
) -> Choice | None:
    """Schema2List.ChooseInstance: for each wanted platform in order, the first entry in list
    order that matches. An entry without a platform never matches (its os/arch are "")."""
    for w_index, w in enumerate(wanted):
        for position, desc in enumerate(manifests):
            if matches_platform(_zero(desc.platform), w):
                return Choice(position, w_index, f"first entry equal to wanted #{w_index + 1}")
    return None


def choose_from_oci_index_first_match(
    manifests: Sequence[Descriptor], wanted: Sequence[Platform]
) -> Choice | None:
    """OCI1Index.ChooseInstance in v5.22-v5.24: as a Docker list, skipping entries without a
    platform; when nothing matches, the first entry without a platform."""
    for w_index, w in enumerate(wanted):
        for position, desc in enumerate(manifests):
            if desc.platform is not None and matches_platform(desc.platform, w):
                return Choice(position, w_index, f"first entry equal to wanted #{w_index + 1}")
    for position, desc in enumerate(manifests):
        if desc.platform is None:
            return Choice(position, None, "no entry matched: the first entry without a platform")
    return None


def is_zstd(desc: Descriptor) -> bool:
    return desc.annotation_map.get(ZSTD_ANNOTATION) == "true"


def choose_from_oci_index_ranked(
    manifests: Sequence[Descriptor], wanted: Sequence[Platform], prefer_gzip: bool = PREFER_GZIP
) -> Choice | None:
    """OCI1Index chooseInstance from v5.25.0: one pass, keeping the best candidate by (wanted
    position, an entry without a platform ranking after all of them; then the zstd annotation,
    preferred unless prefer_gzip; then list position)."""
    best: tuple[int, int, int] | None = None
    choice: Choice | None = None
    for position, desc in enumerate(manifests):
        rank = len(wanted)  # math.MaxInt in Go: after every wanted platform
        if desc.platform is not None:
            found = wanted_position(desc.platform, wanted)
            if found is None:
                continue
            rank = found
        compression = 0 if is_zstd(desc) != prefer_gzip else 1
        key = (rank, compression, position)
        if best is None or key < best:
            best = key
            w_index = rank if desc.platform is not None else None
            how = (f"best rank: wanted #{rank + 1}" if w_index is not None
                   else "no entry matched: an entry without a platform")
            if is_zstd(desc):
                how += ", zstd-annotated (zstd wins a tie)"
            choice = Choice(position, w_index, how)
    return choice


def choose_instance(
    index: Index, wanted: Sequence[Platform], rules: ImageRules
) -> Choice | None:
    """ChooseInstance / ChooseInstanceByCompression for this index's type and release."""
    if index.is_docker:
        return choose_from_docker_list(index.manifests, wanted)
    if rules.oci_ranked:
        return choose_from_oci_index_ranked(index.manifests, wanted)
    return choose_from_oci_index_first_match(index.manifests, wanted)


def no_image_found(index: Index, wanted: Sequence[Platform], rules: ImageRules) -> str:
    """The no-match error, describing wanted[0]: arch and OS ``%s`` before v5.31.0 (cebe6477),
    ``%q`` after; the variant always ``%q``; "manifest list" or "image index" by type."""
    first = wanted[0]
    kind = "manifest list" if index.is_docker else "image index"
    arch, os_name = first.architecture, first.os
    if rules.quoted_messages:
        arch, os_name = go_quote(arch), go_quote(os_name)
    return (f"no image found in {kind} for architecture {arch}, variant "
            f"{go_quote(first.variant)}, OS {os_name}")


# --- image names as containers/image prints them ----------------------------------------------

_OTHER_TRANSPORTS = ("oci:", "oci-archive:", "docker-archive:", "dir:", "containers-storage:",
                     "docker-daemon:")


def image_name(reference: str) -> str:
    """transports.ImageName of a docker reference: ``docker://`` + the familiar name with the
    default tag added (docker/docker_transport.go StringWithinTransport uses
    reference.FamiliarString after TagNameOnly), e.g. ``docker.io/library/busybox`` →
    ``docker://busybox:latest``. Other transports are returned as given."""
    if reference.startswith(_OTHER_TRANSPORTS):
        return reference
    text = reference.removeprefix("docker://")
    name, _, digest = text.partition("@")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    first, sep, rest = name.partition("/")
    if not sep or ("." not in first and ":" not in first and first != "localhost"
                   and first.lower() == first):
        domain, remainder = "docker.io", name
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io":
        if remainder.startswith("library/") and "/" not in remainder[len("library/"):]:
            remainder = remainder[len("library/"):]
        familiar = remainder
    else:
        familiar = f"{domain}/{remainder}"
    if not tag and not digest:
        tag = "latest"
    return "docker://" + familiar + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


IMAGE_PLACEHOLDER = "<image>"

def storage_mismatch_log(config: Platform, wanted: Sequence[Platform], rules: ImageRules) -> str:
    """copy checkImageDestinationForCurrentRuntime (copy.go; copy/single.go from v5.25) for a
    containers-storage destination: an Info-level log, never an error. "" when it matches."""
    options: list[str] = []
    if rules.storage_check_variant:  # v5.28.0, commit 3a26748d
        for w in wanted:
            if matches_platform(config, w):
                return ""
            option = f"{w.os}+{w.architecture}+{go_quote(w.variant)}"
            if option not in options:
                options.append(option)
        return (f"Image operating system mismatch: image uses OS {go_quote(config.os)}"
                f"+architecture {go_quote(config.architecture)}+{go_quote(config.variant)}, "
                f"expecting one of {go_quote(', '.join(options))}")
    for w in wanted:
        if w.os == config.os and w.architecture == config.architecture:
            return ""
        option = f"{w.os}+{w.architecture}"
        if option not in options:
            options.append(option)
    return (f"Image operating system mismatch: image uses OS {go_quote(config.os)}"
            f"+architecture {go_quote(config.architecture)}, expecting one of "
            f"{go_quote(', '.join(options))}")


# --- front ends --------------------------------------------------------------------------------

FrontEnd = Literal["skopeo-copy", "skopeo-inspect", "libimage", "cri-o"]

_FRONT_END_TEXT = {
    "skopeo-copy": "skopeo copy: copy.Image, one instance (CopySystemImage)",
    "skopeo-inspect": "skopeo inspect: image.FromUnparsedImage (follows nested indexes)",
    "libimage": "pull through containers/common libimage: copy.Image into containers-storage",
    "cri-o": "CRI-O PullImage: copy.Image into containers-storage",
}

# copy.go (v5.22.1 … image/v5.39.2): what a pull says when the chosen instance is itself a list.
NESTED_INDEX_FAILURE = ("copying system image from manifest list: Unexpectedly received a "
                        "manifest list instead of a manifest for a single image")


def _entry(i: int, desc: Descriptor) -> str:
    label = format_all(desc.platform) if desc.platform is not None else "(no platform)"
    if desc.platform is not None and not desc.platform.os and not desc.platform.architecture:
        label = "(empty platform)"
    if desc.is_attestation:
        label += " [attestation]"
    if is_zstd(desc):
        label += " [zstd]"
    return f"entry {i} {label}"


def _variants(wanted: Sequence[Platform]) -> str:
    return ", ".join(format_platform(w) if w.variant else f"{format_platform(w)} (no variant)"
                     for w in wanted)


@dataclass(frozen=True, slots=True)
class ContainersImageEngine:
    """One tool (podman, buildah, cri-o, skopeo) at one release."""

    name: str
    tool: str
    tool_version: str
    release: ToolRelease
    front_end: FrontEnd

    @property
    def rules(self) -> ImageRules:
        return rules_for(self.release.image)

    @property
    def normalizes_request(self) -> bool:
        return self.front_end == "libimage"

    # --- requests and the host --------------------------------------------------------------

    def parse_platform(self, text: str, host: Platform | None = None) -> Platform:
        """A request as this tool's CLI takes it (raw fields; "" = not given).

        skopeo has ``--override-os/--override-arch/--override-variant`` (taken verbatim): the
        text is ``os/arch[/variant]``, an empty field meaning that flag is not given. CRI-O has no
        request (the CRI carries none); it is read the same way. Podman 4.x splits
        ``--platform`` in two (cmd/podman/images/pull.go SplitN, so ``linux/arm/v7`` is arch
        ``arm/v7``), Podman 5 in three. Buildah < 1.31 splits it (pkg/parse Platform), later
        releases run containerd's Parse.
        """
        if not isinstance(text, str) or not text:
            raise PlatformError("empty platform")
        if self.tool == "podman":
            if Version(self.tool_version) < Version("5.0.0"):
                os_name, _, arch = text.partition("/")
                return Platform(os_name, arch)
            return _three(text.split("/"))
        if self.tool == "buildah":
            return self._buildah_platform(text, host)
        parts = text.split("/")
        if len(parts) > 3:
            raise PlatformError(f"{text!r}: expected os/arch[/variant] (the --override-os, "
                                "--override-arch and --override-variant values)")
        return _three(parts)

    def _buildah_platform(self, text: str, host: Platform | None) -> Platform:
        runtime = host or Platform(this_goos(), "amd64")
        if Version(self.tool_version) < Version("1.31.0"):
            parts = text.split("/")
            if len(parts) in (2, 3):
                return _three(parts)
            if text == "local":
                return _containerd_default(runtime)
            raise PlatformError(f"invalid platform syntax for {go_quote(text)} "
                                "(use OS/ARCH[/VARIANT][,...])")
        trimmed = text.strip("/")
        if trimmed in ("local", ""):
            return _containerd_default(runtime)
        try:
            return parse_platform(trimmed, syntax=common_syntax(self.release.common),
                                  host=runtime)
        except PlatformError as err:
            raise PlatformError(f"invalid platform syntax for --platform={go_quote(trimmed)}: "
                                f"{err}") from None

    def detected_platform(self, host: Platform) -> Platform:
        """wanted[0] with no request: GOOS/GOARCH and getCPUVariant's answer."""
        variant, _ = cpu_variant(host, self.rules)
        return Platform(host.os or "linux", host.architecture, variant)

    def choices(self, host: Platform, platform: Platform | None) -> Choices:
        """The SystemContext choices a request becomes (libimage normalizes; others don't)."""
        raw = Choices.of(platform)
        if not self.normalizes_request:
            return raw
        return libimage_normalize(raw, host.os or "linux", host.architecture,
                                  common_syntax(self.release.common))

    def wanted(self, host: Platform, platform: Platform | None = None) -> tuple[Platform, ...]:
        """WantedPlatforms for ``host`` with the request ``platform`` (None: no flags)."""
        variant, _ = cpu_variant(host, self.rules)
        return wanted_platforms(host.os or "linux", host.architecture, variant,
                                self.choices(host, platform))

    def _host_for(self, platform: Platform, host: Platform | None) -> Platform:
        return host or Platform(platform.os or this_goos(), platform.architecture)

    def matches(
        self, platform: Platform, candidate: Platform, host: Platform | None = None
    ) -> bool:
        wanted = self.wanted(self._host_for(platform, host), platform)
        return wanted_position(candidate, wanted) is not None

    def order(
        self, platform: Platform, candidates: Sequence[Platform], host: Platform | None = None
    ) -> list[Platform]:
        wanted = self.wanted(self._host_for(platform, host), platform)
        ranked = [(pos, i, c) for i, c in enumerate(candidates)
                  if (pos := wanted_position(c, wanted)) is not None]
        return [c for _, _, c in sorted(ranked, key=lambda t: (t[0], t[1]))]

    # --- selection ---------------------------------------------------------------------------

    def select(
        self,
        doc: Document,
        host: Platform,
        platform: Platform | None = None,
        fetch: Fetch | None = None,
        *,
        reference: str | None = None,
    ) -> Selection:
        """What this tool pulls from ``doc``. ``reference`` is the image as the user named it
        (e.g. ``docker.io/library/busybox``), used in the error texts; without it they show
        ``<image>``."""
        return _Run(self, doc, host, platform, fetch, reference).run()


def _three(parts: Sequence[str]) -> Platform:
    """os, arch and variant from split text; missing parts are empty, extra ones ignored."""
    padded = [*parts, "", "", ""]
    return Platform(padded[0], padded[1], padded[2])


def _containerd_default(host: Platform) -> Platform:
    """platforms.DefaultString() (buildah's ``--platform local``), roughly: GOOS/GOARCH and the
    arm variant (containerd reports v8 on arm64)."""
    variant = "v8" if host.architecture == "arm64" else (
        host.variant if host.architecture == "arm" else "")
    return Platform(host.os or "linux", host.architecture, variant)


@dataclass
class _Run:
    """One pull (or inspect) by one engine."""

    engine: ContainersImageEngine
    top: Document
    host: Platform
    requested: Platform | None
    fetch: Fetch | None
    reference: str | None
    trace: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    wanted: tuple[Platform, ...] = ()
    choices: Choices = field(default_factory=Choices)

    # --- helpers -----------------------------------------------------------------------------

    def result(self, outcome: Outcome, *, digest: str | None = None,
               path: tuple[str, ...] = (), selected: Platform | None = None,
               message: str = "") -> Selection:
        return Selection(
            engine=self.engine.name, platform=self.wanted[0], outcome=outcome, digest=digest,
            path=path, selected_platform=selected, message=message,
            warnings=tuple(self.warnings), trace=tuple(self.trace), requested=self.requested,
        )

    def step(self, key: str, text: str) -> None:
        self.trace.append(Step(key, text))

    @property
    def goos(self) -> str:
        return self.host.os or "linux"

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> Selection:
        engine = self.engine
        rules = engine.rules
        self.step("engine", f"{engine.name}: containers/image {engine.release.image}"
                  + (f", containers/common {engine.release.common}"
                     if engine.release.common else "")
                  + f"; {_FRONT_END_TEXT[engine.front_end]}")
        variant, why = cpu_variant(self.host, rules)
        self.choices = engine.choices(self.host, self.requested)
        error = cpu_variant_error(self.host, rules)
        if error and not self.choices.architecture:
            self.warnings.append(error)
            self.step("cpuinfo", f"logged at error level: {error}")
        self.describe_request(variant, why)
        self.wanted = wanted_platforms(self.goos, self.host.architecture, variant, self.choices)
        self.step("wanted", "WantedPlatforms, most preferred first: " + _variants(self.wanted))
        if isinstance(self.top, Manifest):
            return self.single_manifest(self.top)
        return self.choose(self.top, (self.top.digest,))

    def describe_request(self, variant: str, why: str) -> None:
        raw = Choices.of(self.requested)
        if raw.empty:
            self.step("host", f"no request: GOOS/GOARCH {self.goos}/{self.host.architecture}, "
                              f"variant {variant or '(none)'} ({why})")
            return
        self.step("request", f"requested os={raw.os or '(unset)'} arch="
                             f"{raw.architecture or '(unset)'} variant="
                             f"{raw.variant or '(unset)'}, taken verbatim"
                  if not self.engine.normalizes_request else
                  f"requested os={raw.os or '(unset)'} arch={raw.architecture or '(unset)'} "
                  f"variant={raw.variant or '(unset)'}; libimage NormalizePlatform makes it "
                  f"os={self.choices.os or '(unset)'} arch="
                  f"{self.choices.architecture or '(unset)'} variant="
                  f"{self.choices.variant or '(unset)'}")
        if self.engine.tool == "cri-o":
            self.step("request-note", "the CRI has no platform field: the request is modelled "
                                      "as SystemContext overrides")
        if self.choices.architecture:
            self.step("detection", "an explicit architecture turns variant detection off")
        else:
            self.step("host", f"GOOS/GOARCH {self.goos}/{self.host.architecture}, variant "
                              f"{variant or '(none)'} ({why})")

    def choose(self, index: Index, path: tuple[str, ...]) -> Selection:
        rules = self.engine.rules
        kind = ("Docker manifest list: entries without a platform never match"
                if index.is_docker else
                ("OCI index, ranked (wanted position, zstd, list order); an entry without a "
                 "platform matches anything, last" if rules.oci_ranked else
                 "OCI index: first match, else the first entry without a platform"))
        self.step("list", kind)
        for i, desc in enumerate(index.manifests):
            if desc.platform is None:
                fate = ("no platform, never matches" if index.is_docker
                        else "no platform, a fallback")
            else:
                pos = wanted_position(desc.platform, self.wanted)
                fate = "equals no wanted platform" if pos is None else f"equals wanted #{pos + 1}"
            self.step("entry", f"{_entry(i, desc)}: {fate}")
        choice = choose_instance(index, self.wanted, rules)
        if choice is None:
            return self.no_match(index, path)
        chosen = index.manifests[choice.position]
        self.step("choose", f"{_entry(choice.position, chosen)} {chosen.digest} ({choice.how})")
        return self.after_choice(chosen, (*path, chosen.digest))

    def no_match(self, index: Index, path: tuple[str, ...]) -> Selection:
        inner = no_image_found(index, self.wanted, self.engine.rules)
        if self.engine.front_end == "skopeo-inspect":
            message = f"Error parsing manifest for image: choosing image instance: {inner}"
        else:
            name = image_name(self.reference) if self.reference else IMAGE_PLACEHOLDER
            message = f"choosing an image from manifest list {name}: {inner}"
            if self.engine.tool == "cri-o" and Version(self.engine.tool_version) >= Version(
                    "1.33.0"):
                self.step("cri-o-artifact", "CRI-O 1.33+ then retries the reference as an OCI "
                          "artifact and reports `unable to pull image or OCI artifact: pull "
                          "image err: …; artifact err: …` (the artifact part is not modelled)")
        self.step("no-match", message)
        return self.result("no-match", message=message, path=path)

    def after_choice(self, chosen: Descriptor, path: tuple[str, ...]) -> Selection:
        if chosen.media_type in mt.INDEX_TYPES:
            return self.nested(chosen, path)
        if chosen.media_type not in mt.MANIFEST_TYPES:
            note = (f"the chosen entry {chosen.digest} has media type "
                    f"{chosen.media_type or '(none)'}: containers/image reads it by the type the "
                    "registry serves; what happens next is not modelled")
            self.warnings.append(note)
            self.step("media-type", note)
        failure = self.post_pull(self.config_of(chosen), chosen)
        if failure:
            return self.result("failed", digest=chosen.digest, path=path,
                               selected=chosen.platform, message=failure)
        self.step("selected", f"pulls {chosen.digest}")
        return self.result("selected", digest=chosen.digest, path=path,
                           selected=chosen.platform)

    def nested(self, chosen: Descriptor, path: tuple[str, ...]) -> Selection:
        if self.engine.front_end != "skopeo-inspect":
            self.step("failed", f"{chosen.digest} is itself a list; copy.Image copies one "
                                "single image and fails: " + NESTED_INDEX_FAILURE)
            return self.result("failed", digest=chosen.digest, path=path,
                               selected=chosen.platform, message=NESTED_INDEX_FAILURE)
        if self.fetch is None:
            note = (f"skopeo inspect would choose again inside the nested index {chosen.digest}; "
                    "it was not fetched, so its choice is unknown")
            self.warnings.append(note)
            self.step("nested-unfetched", note)
            return self.result("selected", digest=chosen.digest, path=path,
                               selected=chosen.platform)
        child = read_index(self.fetch(chosen), chosen)
        self.step("nested", f"{chosen.digest} is a list: manifestInstanceFromBlob chooses again "
                            "in it with the same wanted platforms")
        return self.choose(child, path)

    def single_manifest(self, manifest: Manifest) -> Selection:
        self.step("single-manifest", "a single manifest, not a list: containers/image copies it "
                                     "with no platform selection and no error")
        failure = self.post_pull(self.config_of(None), None)
        if failure:
            return self.result("failed", digest=manifest.digest, path=(manifest.digest,),
                               message=failure)
        return self.result("single-manifest", digest=manifest.digest, path=(manifest.digest,))

    # --- after the copy ----------------------------------------------------------------------

    def config_of(self, chosen: Descriptor | None) -> tuple[Platform, str] | None:
        """The os/arch/variant of the copied image's config, and the config's digest (the
        image's ID in containers-storage), when they can be read."""
        if self.engine.front_end in ("skopeo-copy", "skopeo-inspect"):
            return None  # skopeo copies to dir:/registries: no check reads the config
        if self.fetch is None:
            return None
        try:
            if chosen is None:
                top = self.top
                assert isinstance(top, Manifest)
                manifest = top
            else:
                document = parse_document(self.fetch(chosen), chosen.media_type, chosen.digest)
                if not isinstance(document, Manifest):
                    return None
                manifest = document
            return parse_config(self.fetch(manifest.config)), manifest.config.digest
        except DocumentError as err:
            self.step("config-unread", f"the config could not be read: {err}")
            return None

    def post_pull(
        self, read: tuple[Platform, str] | None, chosen: Descriptor | None
    ) -> str | None:
        """What happens after the copy into containers-storage: containers/image's Info log,
        then (Podman, Buildah) libimage's platform check. Returns the failure text, if any."""
        if self.engine.front_end in ("skopeo-copy", "skopeo-inspect"):
            return None
        config = read[0] if read is not None else None
        if config is not None:
            log = storage_mismatch_log(config, self.wanted, self.engine.rules)
            if log:
                where = ("CRI-O logs it at its default level (info)"
                         if self.engine.tool == "cri-o" else "hidden at the default log level")
                self.step("storage-check", f"Info log: {log} ({where})")
        if self.engine.front_end != "libimage":
            return None
        if config is None:
            if chosen is None or chosen.platform is None:
                note = (f"the image config was not fetched: {self.engine.tool}'s post-pull "
                        "platform check (containerd's matcher) could not be run")
                self.warnings.append(note)
                self.step("config-unchecked", note)
                return None
            config = chosen.platform
            note = (f"the config of {chosen.digest} was not fetched: {self.engine.tool}'s "
                    "post-pull platform check is judged from the index entry's platform")
            self.warnings.append(note)
            self.step("config-unchecked", note)
        return self.libimage_check(config, read[1] if read is not None else "")

    def libimage_check(self, config: Platform, config_digest: str) -> str | None:
        try:
            warning = libimage_platform_warning(
                config, Choices.of(self.requested), self.goos, self.host.architecture,
                self.engine.release.common)
        except PlatformError as err:
            # libimage/pull.go: "checking platform of image %s: %w", named by the image ID
            image_id = config_digest.partition(":")[2] or IMAGE_PLACEHOLDER
            message = f"checking platform of image {image_id}: {err}"
            self.step("failed", f"containerd's Parse rejects a platform: {message}")
            return message
        if warning:
            self.warnings.append(warning)
            self.step("post-pull", "libimage checks the stored image with containerd's matcher "
                                   f"(no variant detection): {warning}")
        else:
            self.step("post-pull", "libimage's containerd check of the stored image passes")
        return None


# --- profiles ----------------------------------------------------------------------------------

TOOLS = ("podman", "skopeo", "buildah", "cri-o")
ALIASES = {"kubernetes/cri-o": "cri-o"}
SKOPEO_MODES: dict[str, FrontEnd] = {"copy": "skopeo-copy", "inspect": "skopeo-inspect"}


def find_release(tool: str, version_text: str | None) -> tuple[ToolRelease, str]:
    """The go.mod row and the exact tool release a version text names: none (the newest),
    ``MAJOR`` or ``MAJOR.MINOR`` (its newest patch), or ``MAJOR.MINOR.PATCH``."""
    rows = RELEASES[tool]
    if version_text is None:
        return rows[-1], rows[-1].last
    parts = version_text.split(".")
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
        raise UnknownEngine(f"{tool}@{version_text}: not a version")
    if len(parts) < 3:
        matching = [r for r in rows if r.last.split(".")[:len(parts)] == parts]
        if not matching:
            raise UnknownEngine(f"{tool}@{version_text}: no such release is modelled "
                                f"({rows[0].first} … {rows[-1].last})")
        newest = max(matching, key=lambda r: Version(r.last))
        return newest, newest.last
    try:
        version = Version(version_text)
    except InvalidVersion:
        raise UnknownEngine(f"{tool}@{version_text}: not a version") from None
    for row in rows:
        if row.covers(version):
            return row, version_text
    raise UnknownEngine(f"{tool}@{version_text}: not a modelled release ({rows[0].first} … "
                        f"{rows[-1].last})")


def make(name: str, version_text: str | None) -> ContainersImageEngine:
    """``podman``, ``podman@4.3``, ``buildah@1.29.7``, ``cri-o@1.30``, ``kubernetes/cri-o``,
    ``skopeo@1.9``; skopeo also takes ``/copy`` (the default) or ``/inspect`` after the name or
    the version (``skopeo@1.9/inspect``)."""
    base = name.strip().lower()
    mode = ""
    if version_text is not None and "/" in version_text:
        version_text, _, mode = version_text.partition("/")
    if base in ALIASES:
        tool = ALIASES[base]
    else:
        tool, _, name_mode = base.partition("/")
        mode = mode or name_mode
    if tool not in TOOLS:
        raise UnknownEngine(f"unknown engine {name!r}: containers/image engines are "
                            f"{', '.join(TOOLS)} and {', '.join(ALIASES)}")
    front_end: FrontEnd = "cri-o" if tool == "cri-o" else "libimage"
    if tool == "skopeo":
        if mode and mode not in SKOPEO_MODES:
            raise UnknownEngine(f"skopeo/{mode}: skopeo is modelled as /copy or /inspect")
        front_end = SKOPEO_MODES[mode or "copy"]
    elif mode:
        raise UnknownEngine(f"{tool}/{mode}: {tool} has no variants")
    release, tool_version = find_release(tool, version_text or None)
    shown = base.partition("/")[0] if base not in ALIASES else base
    label = shown + (f"@{version_text}" if version_text else "") + (f"/{mode}" if mode else "")
    return ContainersImageEngine(label, tool, tool_version, release, front_end)


def _profile(name: str, tool: str, release: ToolRelease, front_end: FrontEnd,
             versions: str) -> ProfileInfo:
    rules = rules_for(release.image)
    lines = [f"containers/image {release.image} (>= {rules.since} rules): {rules.note}"]
    if release.common:
        warning = ("image platform (os/arch) text" if common_formats_warning(release.common)
                   else "image platform ({arch os  [] variant}) Go-struct text")
        lines.append(f"containers/common {release.common}: request normalized through "
                     f"containerd; post-pull warning with the {warning}")
    return ProfileInfo(
        name=name, family="containers/image", versions=versions,
        source=f"{SOURCE}; {GO_MOD_SOURCE[tool]}", summary=_FRONT_END_TEXT[front_end],
        rules=tuple(lines),
    )


def profiles() -> list[ProfileInfo]:
    out: list[ProfileInfo] = []
    for tool in TOOLS:
        front_end: FrontEnd = ("skopeo-copy" if tool == "skopeo" else
                               "cri-o" if tool == "cri-o" else "libimage")
        for series in CATALOG[tool]:
            engine = make(tool, series)
            release = engine.release
            out.append(_profile(
                f"{tool}@{series}", tool, release, front_end,
                f"{tool} {release.first} - {release.last} (default {engine.tool_version}) → "
                f"containers/image {release.image}"))
        newest = RELEASES[tool][-1]
        out.append(_profile(tool, tool, newest, front_end,
                            f"the newest modelled ({tool} {newest.last} → containers/image "
                            f"{newest.image})"))
    newest_skopeo = RELEASES["skopeo"][-1]
    out.append(_profile("skopeo/inspect", "skopeo", newest_skopeo, "skopeo-inspect",
                        f"skopeo {newest_skopeo.last}; any skopeo name takes /inspect"))
    newest_crio = RELEASES["cri-o"][-1]
    out.append(_profile("kubernetes/cri-o", "cri-o", newest_crio, "cri-o",
                        f"alias of cri-o (the newest, {newest_crio.last})"))
    return out
