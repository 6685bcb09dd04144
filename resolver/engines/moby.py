"""Docker Engine (moby) 20.10 … 29: both image stores, Linux and Windows daemons.

How dockerd picks a manifest from a manifest list / OCI index, per release (the rules of each
release are data, in :mod:`resolver.engines.moby_rules`; upstream paths are moby/moby's):

- Classic store, Linux (``distribution/pull_v2_unix.go``; ``daemon/internal/distribution/`` from
  docker-v29). 20.10: exact NewMatcher after normalising both sides, list order, no sort, then
  the deprecated arm fallback; only the first match is pulled. 23+: ``Only(maximumSpec())``
  (or ``Only(--platform)``), stable sort, platform-less entries last; every match is tried in
  order while a nested index fails with an error other than "no match".
- Classic store, Windows daemon (``pull_v2_windows.go``): the entry's architecture must equal
  the daemon's, builds newer than the host are skipped, entries with the host's build prefix
  (and Windows entries) move to the front.
- After choosing, the classic puller reads the manifest and config and checks media types and
  the OS only (``pull_v2.go pullSchema2Layers``, ``config.go``).
- containerd store (``daemon/containerd/image_pull.go`` → containerd ``client.Pull``): one
  candidate, the first of the sorted matches, nested indexes followed; ``platforms.Default()``
  without ``--platform`` until 29.5, the host with its amd64 level from 29.6.
- Warnings: ``WARNING: image with reference … was found but …`` after a classic pull with
  ``--platform`` (``daemon/images/image_pull.go``, ``image.go``) and ``The requested image's
  platform (…) does not match the detected host platform (…)`` at create/run
  (``daemon/create.go``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from packaging.version import InvalidVersion, Version

from resolver import mediatypes as mt
from resolver.engines.base import Fetch, ProfileInfo
from resolver.engines.containerd_platforms import (
    MatchComparer,
    Matcher,
    OrderedComparer,
    Platforms,
)
from resolver.engines.moby_platforms import (
    DaemonPlatforms,
    ForkPlatforms,
    parse_with,
    syntax_of,
)
from resolver.engines.moby_rules import (
    CHANGES,
    SERIES,
    VENDORED,
    MobyRules,
    Series,
    Vendored,
    is_release,
    newest_of_minor,
    rules_at,
    series_of,
    upstream_tag,
    vendored_for,
)
from resolver.errors import ChildUnavailable, PlatformError, UnknownEngine
from resolver.gosort import slice_stable
from resolver.gotext import go_quote
from resolver.model import (
    Descriptor,
    Document,
    Index,
    Manifest,
    parse_config,
    read_index,
    read_manifest,
)
from resolver.platform import Platform, format_all, format_platform, parse_platform
from resolver.selection import Outcome, Selection, Step

SOURCE = (
    "moby/moby distribution/pull_v2.go, pull_v2_unix.go, pull_v2_windows.go, config.go "
    "(daemon/internal/distribution/ from docker-v29), daemon/containerd/image_pull.go, "
    "daemon/images/image_pull.go, daemon/images/image.go, daemon/create.go; the containerd "
    "platforms code from vendor.conf / vendor.mod / go.mod (v20.10.0 … docker-v29.7.2)"
)

Store = Literal["classic", "containerd-store"]
StoreChoice = Literal["default", "classic", "containerd-store"]
STORES: tuple[Store, ...] = ("classic", "containerd-store")

# distribution/registry.go supportedMediaTypes (v20.10.22 … docker-v29.7.2): exact, or a prefix
# followed by "." ("" therefore also admits any type that starts with ".").
SUPPORTED_MEDIA_TYPES = (
    "application/vnd.oci.image", "application/vnd.docker", "application/octet-stream",
    "application/json", "text/html", "",
)
NOT_SUPPORTED_OS = "operating system is not supported"  # ErrNotSupportedOperatingSystem/CheckOS
UNKNOWN_IMAGE = "<image>"  # stands for the image reference when select() is not told it


def _equal_fold(a: str, b: str) -> bool:
    """strings.EqualFold for the short ASCII names compared here (simple case folding)."""
    return len(a) == len(b) and all(
        x == y or x.lower() == y.lower() or x.upper() == y.upper()
        for x, y in zip(a, b, strict=True)
    )


def media_type_supported(media_type: str) -> bool:
    """checkSupportedMediaType (distribution/pull_v2.go, v20.10.22+)."""
    lowered = media_type.lower()
    return any(lowered == s or lowered.startswith(s + ".") for s in SUPPORTED_MEDIA_TYPES)


# --- image references, as far as the warning texts print them ---------------------------------


@dataclass(frozen=True, slots=True)
class DockerReference:
    """A Docker image reference with the normalisation of distribution/reference."""

    domain: str
    path: str
    tag: str = ""
    digest: str = ""

    @property
    def familiar_name(self) -> str:
        """reference.FamiliarName: docker.io/ and library/ left out."""
        if self.domain != "docker.io":
            return f"{self.domain}/{self.path}"
        return self.path.removeprefix("library/")

    def _suffix(self) -> str:
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    @property
    def full(self) -> str:
        """ref.String(): the canonical form, e.g. docker.io/library/nginx:latest."""
        return f"{self.domain}/{self.path}{self._suffix()}"

    @property
    def familiar(self) -> str:
        """reference.FamiliarString."""
        return self.familiar_name + self._suffix()


def parse_docker_reference(text: str, *, default_tag: bool = True) -> DockerRefResult:
    """ParseNormalizedNamed (+ TagNameOnly when ``default_tag``): enough for the texts here."""
    name, _, digest = text.partition("@")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = "docker.io", name
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if default_tag and not tag and not digest:
        tag = "latest"
    canonical = text == f"{domain}/{path}" + (f":{tag}" if tag else "") + (
        f"@{digest}" if digest else "") and sep != ""
    return DockerRefResult(DockerReference(domain, path, tag, digest), canonical)


@dataclass(frozen=True, slots=True)
class DockerRefResult:
    reference: DockerReference
    canonical: bool  # the text was already fully qualified (reference.ParseNamed accepts it)


# --- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MobyEngine:
    """dockerd at one release, with one image-store choice."""

    name: str
    version: Version
    rules: MobyRules
    vendored: Vendored
    store_choice: StoreChoice = "default"

    # --- what this release links and detects ---------------------------------------------

    def store_for(self, host: Platform) -> Store:
        """The image store a pull uses on ``host``: the containerd store is the default from 29
        on Linux only (daemon/image_store_choice.go@docker-v29.0.0; Windows keeps graphdrivers)."""
        if self.store_choice != "default":
            return self.store_choice
        if self.rules.containerd_store == "default" and host.os != "windows":
            return "containerd-store"
        return "classic"

    def daemon_platforms(self, host: Platform) -> DaemonPlatforms:
        """The platforms package linked into this dockerd, running on ``host``."""
        goos = host.os or "linux"
        arch = host.architecture
        variant = ""
        if arch == "arm64":
            variant = "v8"  # cpuinfo "8"; cpuinfo_other.go on windows/darwin
        elif arch == "arm":
            variant = "v7" if goos in ("windows", "darwin") else host.variant
        rules = self.vendored.rules
        if rules is None:
            if arch == "arm" and variant == "v8":
                variant = "v7"  # the fork: a 32-bit dockerd on an arm64 kernel reports v7
            return ForkPlatforms(goos, arch, variant)
        build = ".".join(host.os_version.split(".")[:3]) if goos == "windows" else ""
        return Platforms(rules, goos, arch, variant, build)

    def default_spec(self, host: Platform) -> Platform:
        """platforms.DefaultSpec() of the linked code (on Windows with the host build, which
        the Windows filter compares against)."""
        spec = self.daemon_platforms(host).default_spec()
        if spec.os == "windows" and not spec.os_version:
            spec = replace(spec, os_version=".".join(host.os_version.split(".")[:3]))
        return spec

    def maximum_spec(self, host: Platform) -> Platform:
        """maximumSpec() (distribution/pull_v2.go, daemon/create.go v23.0.0+; hostPlatformSpec
        in daemon/containerd/platform_matchers.go docker-v29.6.0+): DefaultSpec with the
        go-archvariant amd64 level, ``v1`` when the CPU has no higher one."""
        spec = self.default_spec(host)
        if spec.architecture == "amd64":
            spec = replace(spec, variant=host.variant if host.architecture == "amd64"
                           and host.variant else "v1")
        return spec

    def detected_platform(self, host: Platform) -> Platform:
        """What this dockerd matches with when no ``--platform`` is given."""
        if self.store_for(host) == "containerd-store":
            if self.rules.c8d_no_match == "host-variant":
                return self.maximum_spec(host)
            return self.default_spec(host)
        if self.rules.classic_filter == "only" and host.os != "windows":
            return self.maximum_spec(host)
        return self.default_spec(host)

    def _runtime(self, host: Platform) -> Platform:
        lib = self.daemon_platforms(host)
        spec = lib.default_spec()
        return replace(spec, os_version=".".join(host.os_version.split(".")[:3]))

    def parse_platform(self, text: str, host: Platform | None = None) -> Platform:
        """``--platform`` as the daemon's API route parses it (``platforms.Parse`` of the linked
        code; api/server/router/image/image_routes.go)."""
        if host is None:
            lib: DaemonPlatforms = self.daemon_platforms(Platform("linux", "amd64"))
            return parse_with(lib, text, Platform("linux", "amd64"))
        return parse_with(self.daemon_platforms(host), text, self._runtime(host))

    # --- matches / order (the pull matcher asked for ``platform``) ------------------------

    def _host_for(self, platform: Platform, host: Platform | None) -> Platform:
        return host if host is not None else Platform("linux", platform.architecture or "amd64")

    def order(
        self, platform: Platform, candidates: Sequence[Platform], host: Platform | None = None
    ) -> list[Platform]:
        """The candidates a pull with ``--platform`` keeps, in the order it tries them."""
        host = self._host_for(platform, host)
        descs = [Descriptor(mt.OCI_MANIFEST, f"sha256:{i:064x}", 0, c)
                 for i, c in enumerate(candidates)]
        kept = _Matching(self, host, platform).ordered(descs)
        return [candidates[int(d.digest.partition(":")[2], 16)] for d in kept]

    def matches(
        self, platform: Platform, candidate: Platform, host: Platform | None = None
    ) -> bool:
        """Would a pull asked for ``platform`` take ``candidate`` if it were the only entry."""
        return bool(self.order(platform, [candidate], host))

    # --- selection ------------------------------------------------------------------------

    def select(
        self,
        doc: Document,
        host: Platform,
        platform: Platform | None = None,
        fetch: Fetch | None = None,
        *,
        reference: str | None = None,
    ) -> Selection:
        """What this dockerd pulls from ``doc`` on ``host``. ``reference``: the image name as
        the user typed it, printed in warnings (``<image>`` when not given)."""
        run = _Pull(self, host, platform, fetch, reference)
        return run.run(doc)


# --- the matching half (filters and orders), shared by select() and order() --------------------


@dataclass
class _Matching:
    """Which entries a pull keeps and in which order it tries them, with the reasons."""

    engine: MobyEngine
    host: Platform
    requested: Platform | None
    trace: list[Step] = field(default_factory=list)
    raw_platforms: dict[int, object] = field(default_factory=dict)

    @property
    def rules(self) -> MobyRules:
        return self.engine.rules

    @property
    def lib(self) -> DaemonPlatforms:
        return self.engine.daemon_platforms(self.host)

    @property
    def store(self) -> Store:
        return self.engine.store_for(self.host)

    @property
    def windows(self) -> bool:
        return self.host.os == "windows"

    def step(self, key: str, text: str) -> None:
        self.trace.append(Step(key, text))

    def fmt(self, platform: Platform) -> str:
        return format_all(platform, syntax=syntax_of(self.lib))

    # --- containerd store ---------------------------------------------------------------

    def c8d_matcher(self) -> tuple[MatchComparer, Platform]:
        """The matcher client.Pull gets, and the platform printed in the no-match error
        (daemon/containerd/image_pull.go@v24.0.0: WithPlatform(Format(p)) or none, so the
        client's platforms.Default(); @v28.2.0 FormatAll; @docker-v29.6.0 always
        WithPlatform(FormatAll(p or hostPlatformSpec())))."""
        lib = self.lib
        assert isinstance(lib, Platforms)
        if self.requested is not None:
            text = (format_all(self.requested, syntax=lib.rules.syntax)
                    if self.rules.c8d_request_format_all else format_platform(self.requested))
            parsed = parse_platform(text, syntax=lib.rules.syntax,
                                    host=self.engine._runtime(self.host))
            return lib.only(parsed), self.requested
        if self.rules.c8d_no_match == "host-variant":
            spec = self.engine.maximum_spec(self.host)
            parsed = parse_platform(format_all(spec, syntax=lib.rules.syntax),
                                    syntax=lib.rules.syntax, host=self.engine._runtime(self.host))
            return lib.only(parsed), spec
        return lib.default(), lib.default_spec()

    def c8d_filter(self, entries: Sequence[Descriptor], matcher: MatchComparer,
                   label: str) -> list[Descriptor]:
        """images.FilterPlatforms + LimitManifests(…, 1) (containerd images/handlers.go, as
        vendored at moby v24.0.9 … docker-v29.7.2): keep, stable-sort nil-last, take one."""
        kept = []
        for i, desc in enumerate(entries):
            what = _entry_name(i, desc)
            if desc.platform is None:
                kept.append(desc)
                self.step("keep", f"{what}: no platform, kept (sorted after every entry "
                                  "that has one)")
            elif matcher.match(desc.platform):
                kept.append(desc)
                self.step("keep", f"{what}: accepted by {label}")
            else:
                self.step("drop", f"{what}: not accepted by {label}")

        def less(a: Descriptor, b: Descriptor) -> bool:
            if a.platform is None:
                return False
            if b.platform is None:
                return True
            return matcher.less(a.platform, b.platform)

        return slice_stable(kept, less)

    # --- classic, Linux -------------------------------------------------------------------

    def with_default(self, spec: Platform) -> Platform:
        """withDefault (distribution/pull_v2_unix.go@v20.10.24 with DefaultSpec, @v23.0.0 with
        maximumSpec): OS from the spec when empty; architecture *and* variant from the spec
        only when the architecture is empty."""
        p = self.requested or Platform()
        if p.os == "":
            p = replace(p, os=spec.os)
        if p.architecture == "":
            p = replace(p, architecture=spec.architecture, variant=spec.variant)
        return p

    def classic_exact(self, entries: Sequence[Descriptor]) -> list[Descriptor]:
        """filterManifests (distribution/pull_v2_unix.go@v20.10.24, the same v20.10.0 …
        v20.10.27): exact NewMatcher, list order; then the deprecated arm fallback on the
        entries' raw os/arch."""
        lib = self.lib
        p = lib.normalize(self.with_default(self.engine.default_spec(self.host)))
        wanted = format_platform(p)
        self.step("matcher", f"looking for {wanted}: an exact os/arch/variant match after "
                             "normalising both sides (NewMatcher); no fallback list, no sort")
        matcher = lib.new_matcher(p)
        kept = []
        for i, desc in enumerate(entries):
            what = _entry_name(i, desc)
            candidate = desc.platform or Platform()
            seen = format_platform(lib.normalize(candidate)) if desc.platform else "nothing"
            if matcher.match(candidate):
                kept.append(desc)
                self.step("keep", f"{what}: normalises to {seen}, equal to {wanted}")
            else:
                self.step("drop", f"{what}: normalises to {seen}, not {wanted}")
        if kept or p.architecture != "arm":
            return kept
        self.step("arm-fallback", f"nothing equals {wanted}: the deprecated arm fallback keeps "
                  f"every entry whose own (un-normalised) os and architecture are "
                  f"{p.os}/{p.architecture}, whatever its variant")
        for i, desc in enumerate(entries):
            pl = desc.platform
            if pl is not None and pl.os == p.os and pl.architecture == p.architecture:
                kept.append(desc)
                self.step("keep", f"{_entry_name(i, desc)}: partial match (os/arch only)")
        return kept

    def classic_only(self, entries: Sequence[Descriptor]) -> list[Descriptor]:
        """filterManifests (distribution/pull_v2_unix.go@v23.0.0 … docker-v29.7.2):
        Only(Normalize(withDefault(p))), platform-less entries kept and sorted last, a stable
        sort by the Only vector."""
        lib = self.lib
        spec = self.engine.maximum_spec(self.host)
        p = lib.normalize(self.with_default(spec))
        matcher = lib.only(p)
        label = f"Only({self.fmt(p)})"
        self.step("matcher", _describe_only(label, lib, p))
        kept = []
        for i, desc in enumerate(entries):
            what = _entry_name(i, desc)
            if self.no_platform(i, desc):
                kept.append(desc)
                self.step("keep", f"{what}: no platform, kept and tried after every entry "
                                  "that has one")
            elif desc.platform is not None and matcher.match(desc.platform):
                kept.append(desc)
                self.step("keep", f"{what}: accepted by {label}")
            else:
                self.step("drop", f"{what}: not accepted by {label}")

        def less(a: Descriptor, b: Descriptor) -> bool:
            if self.no_platform(-1, a) or a.platform is None:
                return False
            if self.no_platform(-1, b) or b.platform is None:
                return True
            return matcher.less(a.platform, b.platform)

        return slice_stable(kept, less)

    def no_platform(self, index: int, desc: Descriptor) -> bool:
        """toOCIPlatform == nil (v23+): no platform object, or one whose every field is empty
        and which carries neither an ``os.features`` nor a ``features`` list (even empty)."""
        if desc.platform is None:
            return True
        pl = desc.platform
        if pl.os or pl.architecture or pl.variant or pl.os_version or pl.os_features:
            return False
        raw = self.raw_platforms.get(index) if index >= 0 else None
        if isinstance(raw, dict):
            return raw.get("os.features") is None and raw.get("features") is None
        return True

    # --- classic, Windows daemon ----------------------------------------------------------

    def classic_windows(self, entries: Sequence[Descriptor]) -> list[Descriptor]:
        """filterManifests (distribution/pull_v2_windows.go@v20.10.24; restructured @v25.0.0,
        where image.CheckOS of the requested OS replaces the entry OS comparison)."""
        goarch = self.host.architecture
        build = self.engine.default_spec(self.host).os_version
        wanted_os = self.requested.os if self.requested else ""
        self.step("matcher", f"Windows daemon {goarch}, build {build}: an entry must have "
                  f"architecture exactly {goarch!r}; "
                  + (f"the OS {wanted_os!r} was requested" if wanted_os else
                     "its OS must be one the daemon runs (windows)"))
        kept = []
        found_windows = False
        for i, desc in enumerate(entries):
            what = _entry_name(i, desc)
            pl = desc.platform or Platform()
            if pl.architecture != goarch:
                self.step("drop", f"{what}: architecture {pl.architecture!r} is not the "
                                  f"daemon's {goarch!r} (compared as is, not normalised)")
                continue
            reason = self.windows_os_refusal(pl)
            if reason:
                self.step("drop", f"{what}: {reason}")
                continue
            if _equal_fold("windows", pl.os):
                problem = windows_image_incompatible(pl.os_version, self.host_build())
                if problem:
                    self.step("drop", f"{what}: skipped, {problem}")
                    continue
                found_windows = True
            kept.append(desc)
            self.step("keep", f"{what}: kept")
        if not found_windows:
            return kept
        ordered = slice_stable(kept, lambda a, b: _windows_less(a, b, build))
        self.step("sort", "stable sort: Windows entries first, then entries whose os.version "
                  f"starts with {build}.; otherwise list order: "
                  + ", ".join(_short(d) for d in ordered))
        return ordered

    def windows_os_refusal(self, pl: Platform) -> str:
        if self.rules.windows_filter == "check-os":
            os_name = self.requested.os if self.requested and self.requested.os else pl.os
            if not _equal_fold("windows", os_name):
                return f"operating system {os_name!r} is not supported (image.CheckOS)"
            return ""
        if self.requested and self.requested.os:
            if pl.os != self.requested.os:
                return f"OS {pl.os!r} is not the requested {self.requested.os!r} (exact)"
            return ""
        if not _equal_fold("windows", pl.os):
            return f"OS {pl.os!r} is not supported by a Windows daemon"
        return ""

    def host_build(self) -> int:
        parts = self.engine.default_spec(self.host).os_version.split(".")
        return int(parts[2]) if len(parts) >= 3 and parts[2].isdigit() else 0

    # --- dispatch -------------------------------------------------------------------------

    def ordered(self, entries: Sequence[Descriptor]) -> list[Descriptor]:
        """The entries this pull keeps, in the order it tries them (trace recorded)."""
        if self.store == "containerd-store":
            matcher, _ = self.c8d_matcher()
            return self.c8d_filter(entries, matcher, "the pull matcher")
        if self.windows:
            return self.classic_windows(entries)
        if self.rules.classic_filter == "exact":
            return self.classic_exact(entries)
        return self.classic_only(entries)


def windows_image_incompatible(os_version: str, host_build: int, host_version: str = "") -> str:
    """checkImageCompatibility (pull_v2_windows.go, identical v20.10 … docker-v29): a
    ``major.minor.build`` image newer than the host build is refused; anything else passes."""
    parts = os_version.split(".")
    if len(parts) < 3 or not parts[2].lstrip("+-").isdigit() or not _is_go_int(parts[2]):
        return ""
    if int(parts[2]) > host_build:
        host_text = host_version or f"10.0.{host_build}"
        return (f"a Windows version {parts[0]}.{parts[1]}.{parts[2]}-based image is "
                f"incompatible with a {host_text} host")
    return ""


def _is_go_int(text: str) -> bool:
    """strconv.Atoi accepts it (an optional sign, digits, within int64)."""
    body = text[1:] if text[:1] in "+-" else text
    return body.isascii() and body.isdigit() and -(2**63) <= int(text) < 2**63


def _windows_less(a: Descriptor, b: Descriptor, build: str) -> bool:
    """manifestsByVersion.Less: Windows before non-Windows, or build-prefix match first."""
    pa, pb = a.platform or Platform(), b.platform or Platform()
    win_a, win_b = _equal_fold("windows", pa.os), _equal_fold("windows", pb.os)
    ver_a = pa.os_version.startswith(build + ".")
    ver_b = pb.os_version.startswith(build + ".")
    return (win_a and not win_b) or (ver_a and not ver_b)


def _describe_only(label: str, lib: DaemonPlatforms, p: Platform) -> str:
    if isinstance(lib, Platforms):
        vector = lib.vector(lib.normalize(p))
    else:
        only = lib.only(p)
        assert isinstance(only, OrderedComparer)
        vector = [m.platform for m in only.matchers if hasattr(m, "platform")]
    names = ", ".join(format_all(v) for v in vector) or "nothing (an unknown arm64 variant)"
    return f"{label} accepts, most preferred first: {names}"


def _short(desc: Descriptor) -> str:
    return format_all(desc.platform) if desc.platform else "(no platform)"


def _entry_name(i: int, desc: Descriptor) -> str:
    label = _short(desc)
    if desc.is_attestation:
        label += " [attestation]"
    return f"entry {i} {label}"


def _raw_platforms(index: Index) -> dict[int, object]:
    """Each entry's raw ``platform`` object, to tell ``"os.features": []`` from no list."""
    import json

    if not index.raw:
        return {}
    try:
        obj = json.loads(index.raw)
    except ValueError:
        return {}
    entries = obj.get("manifests") if isinstance(obj, dict) else None
    if not isinstance(entries, list):
        return {}
    return {i: e.get("platform") for i, e in enumerate(entries) if isinstance(e, dict)}


# --- one pull -----------------------------------------------------------------------------------


@dataclass
class _Result:
    outcome: Outcome
    digest: str | None = None
    path: tuple[str, ...] = ()
    platform: Platform | None = None
    message: str = ""
    entry: Descriptor | None = None
    config: Platform | None = None  # the pulled image's config platform, when it was read
    nested_error: bool = False  # an error from a nested index other than "no match"


class _Pull(_Matching):
    """One ``docker pull``: choose, then what the puller does with the choice."""

    def __init__(self, engine: MobyEngine, host: Platform, requested: Platform | None,
                 fetch: Fetch | None, reference: str | None) -> None:
        super().__init__(engine, host, requested)
        self.fetch = fetch
        self.reference = reference
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # --- entry point ----------------------------------------------------------------------

    def run(self, doc: Document) -> Selection:
        store = self.store
        where = "Windows daemon" if self.windows else "Linux daemon"
        self.step("engine", f"{self.engine.name}: Docker Engine {self.engine.version}, "
                            f"{store.replace('-', ' ')}, {where}; platforms code: "
                            f"{self.engine.vendored.label}")
        seen = self.requested or self.engine.detected_platform(self.host)
        if self.requested is None and self.windows and store == "classic":
            self.step("host", f"no --platform: the Windows daemon matches entries against its "
                              f"own architecture and build ({self.fmt(seen)})")
        elif self.requested is None:
            self.step("host", f"no --platform: dockerd matches with {self.fmt(seen)} "
                      + ("(DefaultSpec)" if seen == self.engine.default_spec(self.host)
                         else "(maximumSpec: DefaultSpec with the CPU's amd64 level)"))
        else:
            self.step("request", f"--platform {self.fmt(self.requested)} was requested; the "
                                 "host's own platform is not used to match")
        refused = self.windows_refuses_request()
        if refused:
            return self.selection(seen, _Result("failed", message=refused))
        if isinstance(doc, Manifest):
            result = self.single(doc)
        elif store == "containerd-store":
            result = self.c8d_index(doc, (doc.digest,))
        else:
            result = self.classic_index(doc, (doc.digest,))
        if result.outcome == "no-match":
            result.path = (doc.digest,)
        if result.outcome in ("selected", "single-manifest"):
            self.after_pull(result)
        return self.selection(seen, result)

    def selection(self, seen: Platform, result: _Result) -> Selection:
        if result.outcome == "no-match":
            self.step("no-match", result.message)
        elif result.outcome == "failed":
            self.step("failed", result.message or "the pull fails")
        return Selection(
            engine=self.engine.name, platform=seen, outcome=result.outcome,
            digest=result.digest, path=result.path, selected_platform=result.platform,
            message=result.message, warnings=tuple(self.warnings), trace=tuple(self.trace),
            requested=self.requested,
        )

    def windows_refuses_request(self) -> str:
        """v20.10 image_routes.go: system.ValidatePlatform → ``unsupported os <os>`` on a
        Windows daemon without LCOW."""
        req = self.requested
        if (self.windows and req is not None and self.store == "classic"
                and self.rules.windows_validates_request and not _equal_fold("windows", req.os)):
            self.step("validate", f"the API route rejects --platform {format_platform(req)}: "
                                  "a Windows daemon without LCOW only runs windows")
            return f"unsupported os {req.os}"
        return ""

    # --- documents ------------------------------------------------------------------------

    def kind_of(self, desc: Descriptor) -> Literal["index", "manifest", "schema1", "unknown"]:
        media = desc.media_type
        if media in mt.INDEX_TYPES:
            return "index"
        if media in mt.MANIFEST_TYPES:
            return "manifest"
        if media in mt.SCHEMA1_TYPES:
            return "schema1"
        return "unknown"

    def read(self, desc: Descriptor) -> bytes | None:
        """The bytes behind ``desc``, or None without ``fetch`` or when an offline source lacks
        them (noted; any other source error is a real pull failure and propagates)."""
        if self.fetch is None:
            return None
        try:
            return self.fetch(desc)
        except ChildUnavailable as err:
            self.warn(f"could not read {desc.digest}: {err}")
            return None

    def fetch_manifest(self, desc: Descriptor) -> Manifest | None:
        data = self.read(desc)
        return None if data is None else read_manifest(data, desc)

    def fetch_index(self, desc: Descriptor) -> Index | None:
        data = self.read(desc)
        return None if data is None else read_index(data, desc)

    def fetch_config(self, manifest: Manifest) -> Platform | None:
        data = self.read(manifest.config)
        return None if data is None else parse_config(data)

    # --- classic --------------------------------------------------------------------------

    def classic_index(self, index: Index, path: tuple[str, ...]) -> _Result:
        """pullManifestList (distribution/pull_v2.go@v20.10.24: matches[0] only;
        @v23.0.0 … docker-v29.7.2: every match in order, ``continue`` after a nested index that
        fails with anything but noMatchesErr)."""
        self.raw_platforms = _raw_platforms(index)
        matches = self.ordered(index.manifests)
        if not matches:
            return _Result("no-match", path=path, message=self.classic_no_match())
        if len(matches) > 1 and not self.windows:
            self.step("sort", "matches in the order they are tried: "
                      + ", ".join(_short(d) for d in matches))
        if self.rules.classic_filter == "exact":
            chosen = matches[0]
            if len(matches) > 1:
                self.step("choose", "found multiple matches in manifest list, choosing best "
                                    f"match {chosen.digest} (the first in list order)")
            return self.classic_entry(chosen, path)
        for chosen in matches:
            self.step("try", f"tries {_short(chosen)} {chosen.digest}")
            result = self.classic_entry(chosen, path)
            if result.nested_error:
                self.step("next", f"the nested index failed ({result.message}); "
                                  "dockerd tries the next match")
                continue
            return result
        self.step("exhausted", "every match was tried")
        return _Result("no-match", path=path, message=self.classic_no_match())

    def classic_no_match(self) -> str:
        """The v20.10 error and noMatchesErr (distribution/pull_v2.go; Format until v27.5.1,
        FormatAll from v28.0.0; Windows appends the host build until v27): the *requested*
        platform as parsed, or DefaultSpec (no amd64 level) when none was."""
        p = self.requested if self.requested and self.requested.os else (
            self.engine.default_spec(self.host))
        if self.rules.classic_format_all:
            text = self.fmt(p)
        else:
            text = format_platform(p)
            if self.windows:
                text += " " + self.engine.default_spec(self.host).os_version
        return f"no matching manifest for {text} in the manifest list entries"

    def classic_entry(self, desc: Descriptor, path: tuple[str, ...]) -> _Result:
        here = (*path, desc.digest)
        kind = self.kind_of(desc)
        if kind == "index":
            return self.classic_nested(desc, here)
        if kind == "schema1":
            return self.classic_schema1(desc, here)
        if kind == "unknown":
            return self.classic_unknown(desc, here)
        los = desc.platform.os if desc.platform else ""
        return self.pull_image(desc, here, desc, los, "selected")

    def classic_nested(self, desc: Descriptor, here: tuple[str, ...]) -> _Result:
        if self.rules.classic_filter == "exact":
            self.step("nested", f"{desc.digest} is a manifest list / index: dockerd 20.10 does "
                                "not follow nested indexes")
            return _Result("failed", desc.digest, here, desc.platform,
                           "unsupported manifest format", desc)
        child = self.fetch_index(desc)
        if child is None:
            note = (f"dockerd would look into the nested index {desc.digest} with the same "
                    "request; it was not fetched, so its choice is unknown")
            self.step("nested-unfetched", note)
            self.warn(note)
            return _Result("selected", desc.digest, here, desc.platform, entry=desc)
        self.step("nested", f"{desc.digest} is an index: dockerd filters it with the original "
                            "request")
        result = self.classic_index(child, here)
        if result.outcome == "failed":
            result.nested_error = True
        elif result.outcome == "no-match":
            self.step("nested-no-match", "the nested index has no match: dockerd returns that "
                                         "error at once, later matches are not tried")
        return result

    def classic_schema1(self, desc: Descriptor, here: tuple[str, ...]) -> _Result:
        ref = self.full_reference()
        rule = self.rules.schema1_in_list
        if self.rules.unknown_manifest == "no-default":
            return self.classic_unknown(desc, here)
        if rule == "notice":
            self.warn(f"[DEPRECATION NOTICE] v2 schema1 manifests in manifest lists are not "
                      f"supported and will break in a future release. Suggest author of {ref} "
                      "to upgrade to v2 schema2. More information at "
                      "https://docs.docker.com/registry/spec/deprecated-schema-v1/")
            self.step("schema1", f"{desc.digest} is a schema1 manifest: pulled after a "
                                 "deprecation notice")
            return _Result("selected", desc.digest, here, desc.platform, entry=desc)
        if rule == "disabled":
            head = ("[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest "
                    "version 2, schema 1 support is disabled by default and will be removed in "
                    "an upcoming release.")
        else:
            head = ("Docker Image Format v1 and Docker Image manifest version 2, schema 1 "
                    "support has been removed.")
        message = (f"{head} Suggest the author of {ref} to upgrade the image to the OCI Format "
                   "or Docker Image manifest v2, schema 2. More information at "
                   "https://docs.docker.com/go/deprecated-image-specs/")
        return _Result("failed", desc.digest, here, desc.platform, message, desc)

    def classic_unknown(self, desc: Descriptor, here: tuple[str, ...]) -> _Result:
        """The manifest of an unregistered media type: the distribution client's Get fails
        before pullManifestList's "skip unknown types" branch is reached."""
        if self.rules.unknown_manifest == "schema1-default":
            message = "missing signature key"  # the schema1 default unmarshaller (libtrust)
            how = ("the registry client unmarshals an unregistered type with the schema1 "
                   "default, which finds no signature")
        else:
            message = ("unsupported manifest media type and no default available: "
                       f"{desc.media_type.partition(';')[0].strip().lower()}")
            how = "no unmarshaller is registered for it (schema1 is gone)"
        self.step("media-type", f"{desc.digest} has media type {desc.media_type!r}: {how} "
                                "(assuming the registry serves it with that Content-Type)")
        return _Result("failed", desc.digest, here, desc.platform, message, desc)

    # --- what the classic puller does with the chosen image -------------------------------

    def pull_image(self, desc: Descriptor, here: tuple[str, ...], entry: Descriptor | None,
                   layer_os: str, outcome: Outcome) -> _Result:
        """pullSchema2 / pullOCI → pullSchema2Layers (distribution/pull_v2.go@v20.10.24,
        @v23.0.0, @v28.5.2): media types, then the OS checks; the architecture never."""
        manifest = self.fetch_manifest(desc)
        config = self.fetch_config(manifest) if manifest is not None else None
        result = _Result(outcome, desc.digest, here, entry.platform if entry else None,
                         entry=entry, config=config)
        problem = self.media_type_problem(manifest, entry)
        if not problem:
            problem = self.os_problem(config, layer_os)
        if problem:
            result.outcome, result.message = "failed", problem
            return result
        if manifest is None:
            self.step("unchecked", "the manifest and its config were not fetched: their media "
                                   "types and the config's OS are not checked")
            self.warn(f"{desc.digest}: the manifest and config were not fetched, so dockerd's "
                      "media type and OS checks after choosing it were not made")
        self.step("selected", f"pulls {desc.digest}")
        return result

    def media_type_problem(self, manifest: Manifest | None, entry: Descriptor | None) -> str:
        if not self.rules.checks_media_types:
            return ""
        if manifest is not None:
            for blob in (manifest.config, *manifest.layers):
                if not media_type_supported(blob.media_type):
                    self.step("media-type", f"blob {blob.digest} has media type "
                                            f"{blob.media_type}, which dockerd does not pull")
                    return f"unsupported media type {blob.media_type}"
            return ""
        if entry is not None and entry.is_attestation:
            self.step("media-type", "an attestation manifest (by its annotations): its layer "
                      "is application/vnd.in-toto+json, which dockerd does not pull (predicted; "
                      "the manifest was not fetched)")
            return f"unsupported media type {mt.IN_TOTO}"
        return ""

    def os_problem(self, config: Platform | None, layer_os: str) -> str:
        """The OS checks of pullSchema2Layers, in the order the release makes them: v20.10
        fetches the config while xfer.Download fails (the config error wins); v23+ checks the
        layer store OS first on Linux; Windows reads the config first."""
        goos = self.host.os or "linux"
        checks: list[Callable[[], str]]
        if self.windows:
            checks = [lambda: self.config_os(config, goos), lambda: self.config_build(config),
                      lambda: self.layer_store_os(layer_os, goos)]
        elif self.rules.config_os_check == "v20":
            checks = [lambda: self.layer_store_crash(layer_os, goos),
                      lambda: self.config_os(config, goos),
                      lambda: self.layer_store_os(layer_os, goos)]
        else:
            checks = [lambda: self.layer_store_os(layer_os, goos),
                      lambda: self.config_os(config, goos)]
        for check in checks:
            problem = check()
            if problem:
                return problem
        return ""

    def config_os(self, config: Platform | None, goos: str) -> str:
        if config is None:
            return ""
        os_name = config.os
        if self.rules.config_os_check == "v20":
            # config.go PlatformFromConfig (v20.10): the foreign OS by name, exactly
            foreign = "linux" if goos == "windows" else "windows"
            if os_name == foreign:
                self.step("config", f"the config says OS {os_name!r}")
                return f"image operating system {go_quote(os_name)} cannot be used on this platform"
            if not _equal_fold(goos, os_name or goos):
                self.step("config", f"the config says OS {os_name!r}, not {goos}")
                return NOT_SUPPORTED_OS
            if os_name and os_name != goos:
                # v20.10.24 image/store.go Create: is.lss[img.OperatingSystem()] is nil for
                # "Linux" and is dereferenced; the handler panics and the client reads EOF
                # (measured here with Debian's dockerd 20.10.24).
                self.step("config", f"the config says OS {os_name!r}, not spelled {goos!r}: "
                                    "the image store finds no layer store for it and "
                                    "dockerd 20.10's handler panics")
                return "unexpected EOF"
            self.step("config", f"the config's OS {os_name or '(empty: ' + goos + ')'} passes; "
                                "its architecture is not checked")
            return ""
        os_name = os_name or goos
        if not _equal_fold(goos, os_name):
            self.step("config", f"the config says OS {os_name!r}, not {goos}")
            return (f"image operating system {go_quote(os_name)} cannot be used on this "
                    f"platform: {NOT_SUPPORTED_OS}")
        self.step("config", f"the config's OS {os_name} passes; its architecture is not checked")
        return ""

    def config_build(self, config: Platform | None) -> str:
        if config is None or config.os != "windows":
            return ""
        return windows_image_incompatible(config.os_version, self.host_build(),
                                          self.engine.default_spec(self.host).os_version)

    def layer_store_os(self, layer_os: str, goos: str) -> str:
        """The layer store's OS (the entry's or requested OS, else the daemon's) must be one
        the daemon runs (v20.10 xfer Download; v23+ pullSchema2Layers)."""
        if layer_os and not _equal_fold(goos, layer_os):
            self.step("layer-store", f"the image is stored for OS {layer_os!r}, which this "
                                     f"{goos} daemon does not run")
            return NOT_SUPPORTED_OS
        return ""

    def layer_store_crash(self, layer_os: str, goos: str) -> str:
        """v20.10: an OS that equals GOOS only case-insensitively indexes a missing layer store
        and the download handler panics (oracle.md: the client sees ``unexpected EOF``)."""
        if layer_os and layer_os != goos and _equal_fold(goos, layer_os):
            self.step("layer-store", f"the entry's OS {layer_os!r} is not spelled {goos!r}: "
                                     "dockerd 20.10's download handler panics")
            return "unexpected EOF"
        return ""

    # --- a single manifest ----------------------------------------------------------------

    def single(self, doc: Manifest) -> _Result:
        self.step("single-manifest", "the reference is a single manifest, not a list: no "
                                     "platform selection, the manifest is pulled as it is")
        here = (doc.digest,)
        if self.store == "containerd-store":
            config = self.fetch_config(doc)
            self.step("selected", f"pulls {doc.digest} (the containerd store checks no "
                                  "platform and prints no warning)")
            return _Result("single-manifest", doc.digest, here, config=config)
        layer_os = self.requested.os if self.requested else ""
        config = self.fetch_config(doc)
        result = _Result("single-manifest", doc.digest, here, config=config)
        problem = self.media_type_problem(doc, None)
        if not problem:
            problem = self.os_problem(config, layer_os)
        if problem:
            result.outcome, result.message = "failed", problem
            return result
        if config is None:
            self.warn(f"{doc.digest}: the config was not fetched, so dockerd's OS check and "
                      "the platform warnings could not be worked out")
        self.step("selected", f"pulls {doc.digest}")
        return result

    # --- containerd store -----------------------------------------------------------------

    def c8d_index(self, index: Index, path: tuple[str, ...]) -> _Result:
        try:
            matcher, shown = self.c8d_matcher()
        except PlatformError as err:  # the containerd client re-parses the formatted request
            assert self.requested is not None
            return _Result("failed", message=f"invalid platform "
                           f"{format_platform(self.requested)}: {err}")
        label = "the pull matcher"
        if self.requested is not None:
            label = f"Only({self.fmt(self.requested)})"
            self.step("matcher", _describe_only(label, self.lib, self.requested))
        elif self.rules.c8d_no_match == "host-variant":
            label = f"Only({self.fmt(shown)})"
            self.step("matcher", _describe_only(label, self.lib, shown) + " (the host with "
                      "its amd64 level, moby#52751)")
        else:
            label = "platforms.Default()"
            lib = self.lib
            windows_rules = f"{label} of a Windows host ({self.engine.vendored.label})"
            self.step("matcher", windows_rules if lib.default_spec().os == "windows"
                      else _describe_only(label, lib, lib.default_spec()))
        return self.c8d_walk(index, path, matcher, label, shown)

    def c8d_walk(self, index: Index, path: tuple[str, ...], matcher: MatchComparer,
                 label: str, shown: Platform) -> _Result:
        ordered = self.c8d_filter(index.manifests, matcher, label)
        if not ordered:
            return _Result("no-match", path=path, message=self.c8d_no_match(shown))
        self.step("sort", "stable sort by preference, ties keep list order: "
                  + ", ".join(_short(d) for d in ordered))
        chosen = ordered[0]
        self.step("choose", f"the first is taken (limit 1; no other is ever tried): "
                            f"{_short(chosen)} {chosen.digest}")
        here = (*path, chosen.digest)
        kind = self.kind_of(chosen)
        if kind == "index":
            child = self.fetch_index(chosen)
            if child is None:
                note = (f"the containerd store would walk into the nested index "
                        f"{chosen.digest}; it was not fetched, so its choice is unknown")
                self.step("nested-unfetched", note)
                self.warn(note)
                return _Result("selected", chosen.digest, here, chosen.platform, entry=chosen)
            self.step("nested", f"{chosen.digest} is an index: walked with the same matcher")
            return self.c8d_walk(child, here, matcher, label, shown)
        if kind != "manifest":
            note = (f"{chosen.digest} has media type {chosen.media_type!r}: the containerd "
                    "store chose it; how its unpack then fails is not modelled")
            self.step("media-type", note)
            self.warn(note)
            return _Result("failed", chosen.digest, here, chosen.platform, entry=chosen)
        if chosen.is_attestation:
            self.warn(f"{chosen.digest} is an attestation manifest: whether the containerd "
                      "store's unpack then fails on its in-toto layer is not modelled")
        if chosen.platform is None:
            self.step("no-platform", "the chosen entry has no platform: the pull does not judge "
                                     "its config (containerd's unpacker checks a platform only "
                                     "with CheckPlatformSupported, which moby does not set)")
        manifest = self.fetch_manifest(chosen)
        config = self.fetch_config(manifest) if manifest is not None else None
        self.step("selected", f"pulls {chosen.digest}")
        return _Result("selected", chosen.digest, here, chosen.platform, entry=chosen,
                       config=config)

    def c8d_no_match(self, shown: Platform) -> str:
        """containerd LimitManifests' error, and moby's translation
        (daemon/containerd/image_pull.go@v27.2.1: the platform or DefaultString(); @v28.2.0
        FormatAll; @docker-v29.6.0 FormatAll(pullPlatform))."""
        raw = "no match for platform in manifest: not found"
        rule = self.rules.c8d_no_match
        if rule == "raw":
            return raw
        lib = self.lib
        syntax = syntax_of(lib)
        if rule == "host-variant" or self.requested is not None:
            text = (format_all(shown, syntax=syntax) if rule == "host-variant"
                    or self.rules.c8d_request_format_all else format_platform(shown))
        else:
            text = format_all(lib.default_spec(), syntax=syntax)  # platforms.DefaultString()
        return f"no matching manifest for {text} in the manifest list entries: {raw}"

    # --- after the pull: warnings ---------------------------------------------------------

    def after_pull(self, result: _Result) -> None:
        image = result.config
        proxy = False
        if image is None and result.platform is not None:
            image, proxy = result.platform, True
        if self.requested is None:
            self.create_warning(image, proxy)
        elif self.store == "classic":
            self.platform_mismatch(image, proxy, result.entry)

    def fallback_matcher(self, p: Platform) -> Matcher:
        """OnlyPlatformWithFallback (daemon/images/image.go@v20.10.4 … docker-v29.7.2):
        Only(p), or a config without a variant whose os/arch equal p's."""
        return _FallbackMatcher(self.lib, p, self.lib.only(p))

    def create_warning(self, image: Platform | None, proxy: bool) -> None:
        """daemon/create.go (v20.10.0: Only(DefaultSpec); v20.10.4: with fallback; v23.0.0:
        maximumSpec; v28.2.0: FormatAll): ``docker create/run`` without ``--platform``."""
        if image is None:
            self.step("create-unchecked", "the image's config was not read: the create-time "
                                          "platform warning was not worked out")
            return
        host_spec = (self.engine.maximum_spec(self.host) if self.rules.classic_filter == "only"
                     else self.engine.default_spec(self.host))
        img = Platform(image.os, image.architecture, image.variant)
        matcher: Matcher = (self.fallback_matcher(host_spec) if self.rules.create_uses_fallback
                            else self.lib.only(host_spec))
        what = "the chosen entry's platform (config not read)" if proxy else "the config"
        if matcher.match(img):
            self.step("create", f"docker run: {what} {format_platform(img)} suits the host "
                                f"{self.warn_fmt(host_spec)}: no warning")
            return
        text = (f"The requested image's platform ({self.warn_fmt(img)}) does not match the "
                f"detected host platform ({self.warn_fmt(host_spec)}) and no specific platform "
                "was requested")
        self.step("create", f"docker create/run without --platform warns: {text}")
        self.warn(text)

    def warn_fmt(self, p: Platform) -> str:
        if self.rules.warnings_format_all:
            return self.fmt(p)
        return format_platform(p)

    def platform_mismatch(self, image: Platform | None, proxy: bool,
                          entry: Descriptor | None) -> None:
        """daemon/images/image_pull.go PullImage → GetImage(…, platform) after a classic pull
        with ``--platform`` (@v20.10.8: of <name>:latest; @v24.0.1: of the pulled reference;
        image.go@v27.4.0 rewords it, @v28.2.0 FormatAll); the same text fails ``docker run
        --platform`` later."""
        p = self.requested
        assert p is not None
        if image is None or proxy:
            self.step("mismatch-unchecked", "the image's config was not read: the platform "
                                            "mismatch check after the pull was not worked out")
            return
        img = Platform(image.os, image.architecture, image.variant)
        if self.fallback_matcher(p).match(img):
            return
        if entry is not None and entry.platform is not None and self.lib.only(p).match(
                entry.platform):
            self.step("mismatch", f"the config says {format_platform(img)}, but the list entry "
                                  "it came from matches the request: no warning")
            return
        check = self.rules.pull_platform_check
        run_text = self.mismatch_text(self.reference or UNKNOWN_IMAGE, p, img, typed=True)
        self.step("run-platform", f"docker run --platform {format_platform(p)} would fail: "
                                  f"{run_text}")
        if check == "none":
            self.step("mismatch", "this release prints no warning after the pull")
            return
        if check == "name-latest":
            ref = self.parsed_reference()
            if ref is None or ref.tag != "latest" or ref.digest:
                self.step("mismatch", "dockerd checks <name>:latest, not the pulled reference: "
                          "the warning appears only when the pulled tag is latest"
                          + (" (the reference was not given)" if ref is None else ""))
                return
            name = ref.familiar_name
        elif self.rules.mismatch_wording == "its-platform":
            ref = self.parsed_reference()
            name = ref.familiar if ref else UNKNOWN_IMAGE
        else:
            ref = self.parsed_reference()
            name = ref.full if ref else UNKNOWN_IMAGE
        text = "WARNING: " + self.mismatch_text(name, p, img, typed=False)
        self.step("mismatch", f"the pulled image's config does not suit the request; the pull "
                              f"succeeds and prints: {text}")
        self.warn(text)

    def mismatch_text(self, name: str, wanted: Platform, actual: Platform, *, typed: bool) -> str:
        if self.rules.mismatch_wording == "wanted-actual":
            return (f"image with reference {name} was found but does not match the specified "
                    f"platform: wanted {format_platform(wanted)}, actual: "
                    f"{format_platform(actual)}")
        if typed:  # GetImage(refOrID): FamiliarString only when refOrID parses as canonical
            parsed = parse_docker_reference(name, default_tag=False) if name != UNKNOWN_IMAGE \
                else None
            if parsed is not None and parsed.canonical:
                name = parsed.reference.familiar
        return (f"image with reference {name} was found but its platform "
                f"({self.warn_fmt(actual)}) does not match the specified platform "
                f"({self.warn_fmt(wanted)})")

    def parsed_reference(self) -> DockerReference | None:
        if self.reference is None:
            return None
        return parse_docker_reference(self.reference).reference

    def full_reference(self) -> str:
        ref = self.parsed_reference()
        return ref.full if ref else UNKNOWN_IMAGE


@dataclass(frozen=True, slots=True)
class _FallbackMatcher:
    lib: DaemonPlatforms
    platform: Platform
    only: MatchComparer

    def match(self, other: Platform) -> bool:
        if self.only.match(other):
            return True
        if other.variant:
            return False
        mine, theirs = self.lib.normalize(self.platform), self.lib.normalize(other)
        return mine.os == theirs.os and mine.architecture == theirs.architecture


# --- profiles -----------------------------------------------------------------------------------

PULL_PATHS = {
    "classic": "classic store: 20.10 exact match + arm fallback, first in list order; 23+ "
               "Only(maximumSpec or --platform), sorted, every match tried; Windows: same "
               "arch, build not newer, host build first",
    "containerd-store": "containerd store: client.Pull, Default() (29.6+: host with amd64 "
                        "level) or Only(--platform); the first of the sorted matches only",
    "default": "default store: classic before 29; containerd store from 29 on Linux (classic "
               "on Windows)",
}


def make(name: str, version_text: str | None) -> MobyEngine:
    """``docker``, ``docker@28`` (newest 28.x modelled), ``docker@28.2.2``, ``docker@29/classic``,
    ``docker@24/containerd-store``, ``docker@20.10.24+dfsg1`` (Debian's build)."""
    base, _, name_store = name.partition("/")
    text = version_text or ""
    text, _, store_text = text.partition("/")
    store_text = store_text or name_store
    store = _store(store_text, name)
    version, label = _resolve_version(base, text)
    rules = rules_at(version)
    vendored = vendored_for(version)
    if vendored is None:  # pragma: no cover - every modelled series has a row
        raise UnknownEngine(f"{base}@{label}: no platforms code is recorded for {version}")
    if store == "containerd-store" and rules.containerd_store == "none":
        raise UnknownEngine(
            f"{base}@{label}/containerd-store: Docker Engine {version} has no containerd image "
            "store (it first appeared in 24.0.0, opt-in through the containerd-snapshotter "
            "feature, and is the default from 29.0.0)")
    full = f"{base}@{label}" if label else base
    if store_text:
        full += f"/{store}"
    return MobyEngine(full, version, rules, vendored, store)


def _store(text: str, name: str) -> StoreChoice:
    if not text:
        return "default"
    if text == "classic":
        return "classic"
    if text == "containerd-store":
        return "containerd-store"
    raise UnknownEngine(f"{name}/{text}: unknown image store (known: classic, containerd-store)")


def _resolve_version(base: str, text: str) -> tuple[Version, str]:
    if not text:
        return Version(SERIES[-1].newest), ""
    for named in SERIES:
        if text == named.name:
            return Version(named.newest), text
    try:
        version = Version(text)
    except InvalidVersion:
        raise UnknownEngine(f"{base}@{text}: not a version") from None
    known = ", ".join(s.name for s in SERIES)
    if len(version.release) == 2 and not version.local:
        newest = newest_of_minor(text)
        if newest is not None:
            return newest, text
    series = series_of(version)
    if series is None or not is_release(version):
        raise UnknownEngine(f"{base}@{text}: not a modelled Docker Engine release (series "
                            f"{known}, a feature release such as 28.2, or an exact release "
                            f"such as 28.2.2; newest {SERIES[-1].newest})")
    if version.local and not (version.local.startswith("dfsg") and series.name == "20.10"):
        raise UnknownEngine(f"{base}@{text}: the only modelled distribution build is Debian's "
                            "20.10.x+dfsgN")
    return version, text


def _series_rules(series: Series, vendored_only: bool = False) -> tuple[str, ...]:
    """The platforms code and the behaviour changes inside one series, for `pullsim engines`."""
    first, last = Version(series.first), Version(series.newest)
    lines = []
    for releases, vendored in VENDORED:
        if releases.overlaps(first, last):
            lines.append(f"{releases}: {vendored.label}")
    if vendored_only:
        return tuple(lines)
    for change in CHANGES:
        if first <= Version(change.since) <= last:
            lines.append(f"{change.since}+: {change.note} ({change.source})")
    return tuple(lines)


def profiles() -> list[ProfileInfo]:
    out = []
    for series in SERIES:
        rules = rules_at(Version(series.newest))
        versions = f"{series.first} - {series.newest} (default {series.newest})"
        source = f"{SOURCE}; newest tag {upstream_tag(Version(series.newest))}"
        out.append(ProfileInfo(f"docker@{series.name}", "moby", versions, source,
                               PULL_PATHS["default"] + "; " + (
                                   PULL_PATHS["containerd-store"]
                                   if rules.containerd_store == "default"
                                   else PULL_PATHS["classic"]),
                               _series_rules(series)))
        if rules.containerd_store == "opt-in":
            out.append(ProfileInfo(f"docker@{series.name}/containerd-store", "moby", versions,
                                   source, PULL_PATHS["containerd-store"],
                                   _series_rules(series)))
        if rules.containerd_store == "default":
            out.append(ProfileInfo(f"docker@{series.name}/classic", "moby", versions, source,
                                   PULL_PATHS["classic"], _series_rules(series)))
    debian = SERIES[0]
    out.append(ProfileInfo(
        "docker@20.10.24+dfsg1", "moby", "20.10.24+dfsg1 (Debian 12 docker.io)",
        f"{SOURCE}; built by Debian against golang-github-containerd-containerd-dev 1.6.20",
        "Debian's dockerd 20.10.24 (the project's oracle): upstream 20.10 code linked with "
        "containerd 1.6.20's platforms (amd64/v1 equals amd64; x86_64 keeps its variant)",
        _series_rules(debian, vendored_only=True)))
    newest = SERIES[-1]
    out.append(ProfileInfo("docker", "moby", f"the newest modelled ({newest.newest})", SOURCE,
                           PULL_PATHS["default"], _series_rules(newest)))
    return out
