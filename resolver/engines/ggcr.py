"""go-containerregistry: ``crane pull`` (and every tool that calls ``remote.Image``).

Modelled command: ``crane pull IMAGE out.tar`` with the default tarball format, which calls
``remote.Get(ref, WithPlatform(--platform)…).Image()`` (cmd/crane/cmd/pull.go). Without
``--platform`` (or with ``--platform all``, crane's flag default, which means "no option")
go-containerregistry's own default platform applies, **linux/amd64, whatever the host**
(pkg/v1/remote/options.go ``defaultPlatform``). ``crane pull --format oci``, ``crane copy`` and
``crane manifest`` without ``--platform`` take the whole index and choose nothing, so they are
not modelled.

The rule (pkg/v1/remote/index.go ``childByPlatform`` and ``matchesPlatform``, unchanged since
commit 6991786f, 2019): the **first** entry in list order whose architecture and OS equal the
request's wins; the variant and os.version must be equal only when the request gives them; the
request's os.features and features must be a subset of the entry's. An entry without a platform
counts as linux/amd64. No normalization, no fallback, no ranking. A chosen nested index is
walked with the same request (pkg/v1/remote/descriptor.go ``Image``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from resolver import mediatypes as mt
from resolver.engines.base import Fetch, ProfileInfo
from resolver.errors import PlatformError, UnknownEngine
from resolver.model import Descriptor, Document, Index, Manifest, read_index
from resolver.platform import Platform, format_all
from resolver.selection import Outcome, Selection, Step

SOURCE = ("google/go-containerregistry pkg/v1/remote/index.go (childByPlatform, matchesPlatform), "
          "pkg/v1/remote/options.go (defaultPlatform), pkg/v1/remote/descriptor.go (Image), "
          "pkg/v1/platform.go (String, ParsePlatform), cmd/crane/cmd/{root,pull,util}.go")

SUMMARY = ("crane pull (tarball): the first entry whose os/arch equal the request, variant and "
           "os.version only when requested; no --platform means linux/amd64, not the host")

# pkg/v1/remote/options.go: the platform of remote.Image without WithPlatform, and the platform
# an index entry without one is assumed to have (index.go childByPlatform).
DEFAULT_PLATFORM = Platform("linux", "amd64")


def matches_platform(given: Platform, required: Platform) -> bool:
    """index.go matchesPlatform(given = the entry, required = the request)."""
    if given.architecture != required.architecture or given.os != required.os:
        return False
    if required.os_version and given.os_version != required.os_version:
        return False
    if required.variant and given.variant != required.variant:
        return False
    # features (non-standard) are not in our Platform value; crane's parser never sets them.
    return set(required.os_features) <= set(given.os_features)


def entry_platform(desc: Descriptor) -> Platform:
    """The platform childByPlatform compares: an entry without one is linux/amd64."""
    return desc.platform if desc.platform is not None else DEFAULT_PLATFORM


def first_match(manifests: Sequence[Descriptor], required: Platform) -> int | None:
    for position, desc in enumerate(manifests):
        if matches_platform(entry_platform(desc), required):
            return position
    return None


def platform_string(p: Platform) -> str:
    """v1.Platform.String (pkg/v1/platform.go, v0.9.0+): ``os[/arch][/variant][:os.version]``;
    "" without an OS."""
    if not p.os:
        return ""
    text = p.os + (f"/{p.architecture}" if p.architecture else "")
    text += f"/{p.variant}" if p.variant else ""
    return text + (f":{p.os_version}" if p.os_version else "")


def platform_struct(p: Platform) -> str:
    """``%+v`` of v1.Platform before it had a String method (v0.7.0-v0.8.x)."""
    return (f"{{Architecture:{p.architecture} OS:{p.os} OSVersion:{p.os_version} "
            f"OSFeatures:[{' '.join(p.os_features)}] Variant:{p.variant} Features:[]}}")


# --- references as go-containerregistry prints them --------------------------------------------

_DEFAULT_REGISTRY = "index.docker.io"


def repository_name(reference: str) -> str:
    """name.Repository.Name() of a reference: the registry (``index.docker.io`` by default and
    for ``docker.io``), then the repository with ``library/`` for a one-part Docker Hub name
    (pkg/name/repository.go, registry.go)."""
    text = reference.partition("@")[0]
    colon, slash = text.rfind(":"), text.rfind("/")
    if colon > slash:
        text = text[:colon]
    first, sep, rest = text.partition("/")
    if sep and (first == "localhost" or "." in first or ":" in first):
        registry, repo = first, rest
    else:
        registry, repo = "", text
    if registry in ("", "docker.io"):
        registry = _DEFAULT_REGISTRY
    if registry == _DEFAULT_REGISTRY and "/" not in repo:
        repo = f"library/{repo}"
    return f"{registry}/{repo}"


REFERENCE_PLACEHOLDER = "<image>"


# --- releases ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CraneRelease:
    """A range of go-containerregistry releases with the same texts and flag parsing."""

    series: str  # the name people use: crane@0.8
    first: str
    last: str
    message: str  # "os/arch", "struct", "string": how the no-match text prints the platform
    parser: str  # "split" (<0.8), "split-version" (0.8-0.13), "v1" (v1.ParsePlatform, 0.14+)
    note: str


# The choice itself never changed; the no-match text (index.go) and --platform parsing
# (cmd/crane/cmd/util.go, pkg/v1/platform.go) did. Read at v0.5.0 … v0.21.9 and HEAD (2026-08);
# 0.22.x is past that snapshot and assumed unchanged.
RELEASES: tuple[CraneRelease, ...] = (
    CraneRelease("0.6", "0.5.0", "0.6.1", "os/arch", "split",
                 "no-match text prints os/arch only; --platform os/arch[/variant]"),
    CraneRelease("0.7", "0.7.0", "0.7.0", "struct", "split",
                 "no-match text prints the Go struct (%+v, commit 6cb23fb1)"),
    CraneRelease("0.8", "0.8.0", "0.8.0", "struct", "split-version",
                 "--platform takes :os.version"),
    CraneRelease("0.13", "0.9.0", "0.13.0", "string", "split-version",
                 "no-match text prints v1.Platform.String (commit ad908861)"),
    CraneRelease("0.21", "0.14.0", "0.22.1", "string", "v1",
                 "--platform parsed by v1.ParsePlatform (commit 2ceebaaf): one part is an OS"),
)


def _parse_split(text: str, with_version: bool) -> Platform:
    """crane's own parsePlatform (cmd/crane/cmd/util.go before v0.14.0)."""
    os_version = ""
    if with_version:
        text, _, os_version = text.partition(":")
    parts = text.split("/")
    shown = text if not os_version else f"{text}:{os_version}"
    if len(parts) < 2:
        raise PlatformError(f"failed to parse platform '{shown}': expected format "
                            "os/arch[/variant]")
    if len(parts) > 3:
        raise PlatformError(f"failed to parse platform '{shown}': too many slashes")
    variant = parts[2] if len(parts) > 2 else ""
    return Platform(parts[0], parts[1], variant, os_version)


def _parse_v1(text: str) -> Platform:
    """v1.ParsePlatform (pkg/v1/platform.go, crane v0.14.0+)."""
    pieces = text.strip().split(":")
    os_version = pieces[1] if len(pieces) == 2 else ""
    parts = pieces[0].split("/")
    if len(parts) > 3:
        raise PlatformError(f"too many slashes in platform spec: {text}")
    padded = [*parts, "", ""]
    return Platform(padded[0], padded[1], padded[2], os_version)


@dataclass(frozen=True, slots=True)
class CraneEngine:
    """crane pull at one release."""

    name: str
    release: CraneRelease

    def parse_platform(self, text: str, host: Platform | None = None) -> Platform:
        """``--platform`` as this crane parses it; ``all`` (the flag's default) is no option,
        i.e. linux/amd64."""
        if not isinstance(text, str):
            raise PlatformError(f"platform must be text, not {type(text).__name__}")
        if text == "all":
            return DEFAULT_PLATFORM
        if self.release.parser == "v1":
            return _parse_v1(text)
        return _parse_split(text, self.release.parser == "split-version")

    def detected_platform(self, host: Platform) -> Platform:
        """crane does not look at the host: without --platform it asks for linux/amd64."""
        return DEFAULT_PLATFORM

    def matches(self, platform: Platform, candidate: Platform) -> bool:
        return matches_platform(candidate, platform)

    def order(self, platform: Platform, candidates: Sequence[Platform]) -> list[Platform]:
        """Every accepted candidate in list order: crane takes the first, with no ranking."""
        return [c for c in candidates if matches_platform(c, platform)]

    def no_child_text(self, required: Platform, where: str) -> str:
        """index.go: ``no child with platform %+v in index %s``, as each release prints it."""
        if self.release.message == "os/arch":
            shown = f"{required.os}/{required.architecture}"
        elif self.release.message == "struct":
            shown = platform_struct(required)
        else:
            shown = platform_string(required)
        return f"no child with platform {shown} in index {where}"

    def select(
        self,
        doc: Document,
        host: Platform,
        platform: Platform | None = None,
        fetch: Fetch | None = None,
        *,
        reference: str | None = None,
    ) -> Selection:
        """``reference`` is the image as typed (crane prints it as given: name.Tag keeps the
        original text); without it the no-match text shows ``<image>``."""
        return _Walk(self, doc, platform, fetch, reference).run()


@dataclass
class _Walk:
    engine: CraneEngine
    top: Document
    requested: Platform | None
    fetch: Fetch | None
    reference: str | None
    trace: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def required(self) -> Platform:
        return self.requested if self.requested is not None else DEFAULT_PLATFORM

    def result(self, outcome: Outcome, **kw: object) -> Selection:
        return Selection(
            engine=self.engine.name, platform=self.required, outcome=outcome,
            trace=tuple(self.trace), warnings=tuple(self.warnings), requested=self.requested,
            **kw,  # type: ignore[arg-type]
        )

    def run(self) -> Selection:
        if self.requested is None:
            self.trace.append(Step("default", "no --platform: remote's default platform "
                                              "linux/amd64 is asked for, whatever the host"))
        else:
            self.trace.append(Step("request", f"--platform {format_all(self.requested)}: "
                                              "os and arch must be equal; variant and "
                                              "os.version only because they are given"
                                   if self.requested.variant or self.requested.os_version else
                                   f"--platform {format_all(self.requested)}: os and arch must "
                                   "be equal; any variant and os.version are accepted"))
        if isinstance(self.top, Manifest):
            self.trace.append(Step("single-manifest", "a single manifest: Image() returns it "
                                                      "with no platform check"))
            return self.result("single-manifest", digest=self.top.digest, path=(self.top.digest,))
        where = self.reference if self.reference is not None else REFERENCE_PLACEHOLDER
        return self.walk(self.top, (self.top.digest,), where)

    def walk(self, index: Index, path: tuple[str, ...], where: str) -> Selection:
        position = first_match(index.manifests, self.required)
        for i, desc in enumerate(index.manifests):
            label = (format_all(desc.platform) if desc.platform is not None
                     else "(no platform: taken as linux/amd64)")
            verdict = "matches" if matches_platform(entry_platform(desc), self.required) else \
                "does not match"
            self.trace.append(Step("entry", f"entry {i} {label}: {verdict}"))
            if i == position:
                break
        if position is None:
            message = self.engine.no_child_text(self.required, where)
            self.trace.append(Step("no-match", message))
            return self.result("no-match", message=message, path=path)
        chosen = index.manifests[position]
        self.trace.append(Step("choose", f"the first match wins: entry {position} "
                                         f"{chosen.digest}"))
        return self.follow(chosen, (*path, chosen.digest), where)

    def follow(self, chosen: Descriptor, path: tuple[str, ...], where: str) -> Selection:
        if chosen.media_type in mt.INDEX_TYPES:
            nested_ref = f"{repository_name(self.reference)}@{chosen.digest}" \
                if self.reference is not None else f"{REFERENCE_PLACEHOLDER}@{chosen.digest}"
            if self.fetch is None:
                note = (f"crane would choose again inside the nested index {chosen.digest}; it "
                        "was not fetched, so its choice is unknown")
                self.warnings.append(note)
                self.trace.append(Step("nested-unfetched", note))
                return self.result("selected", digest=chosen.digest, path=path,
                                   selected_platform=chosen.platform)
            child = read_index(self.fetch(chosen), chosen)
            self.trace.append(Step("nested", f"{chosen.digest} is an index: Image() asks it "
                                             "for the same platform"))
            return self.walk(child, path, nested_ref)
        if chosen.media_type in mt.SCHEMA1_TYPES:
            message = (f'unsupported MediaType: "{chosen.media_type}", see '
                       "https://github.com/google/go-containerregistry/issues/377")
            self.trace.append(Step("failed", message))
            return self.result("failed", digest=chosen.digest, path=path, message=message,
                               selected_platform=chosen.platform)
        if chosen.media_type not in mt.MANIFEST_TYPES:
            # descriptor.go Image(): logged through logs.Warn, which crane sends to stderr.
            warning = f"Unexpected media type for Image(): {chosen.media_type}"
            self.warnings.append(warning)
            self.trace.append(Step("media-type", warning))
        self.trace.append(Step("selected", f"pulls {chosen.digest}"))
        return self.result("selected", digest=chosen.digest, path=path,
                           selected_platform=chosen.platform)


# --- profiles ----------------------------------------------------------------------------------


def make(name: str, version_text: str | None) -> CraneEngine:
    """``crane`` (the newest), ``crane@0.8`` (a series), ``crane@0.19.1``. Tools built on the
    library (ko, Trivy, …) are not separate profiles: they choose their own platform."""
    base = name.strip().lower()
    if base not in ("crane", "ggcr", "go-containerregistry"):
        raise UnknownEngine(f"unknown engine {name!r}: the go-containerregistry engine is crane")
    if version_text is None:
        return CraneEngine(base, RELEASES[-1])
    try:
        version = Version(version_text)
    except InvalidVersion:
        raise UnknownEngine(f"{base}@{version_text}: not a version") from None
    if len(version.release) == 1 and version == Version("0"):
        return CraneEngine(f"{base}@{version_text}", RELEASES[-1])
    if len(version.release) == 2:
        version = Version(f"{version_text}.0")  # a series: judged by its .0
    for release in RELEASES:
        if Version(release.first) <= version <= Version(release.last):
            return CraneEngine(f"{base}@{version_text}", release)
    raise UnknownEngine(f"{base}@{version_text}: not a modelled release "
                        f"({RELEASES[0].first} … {RELEASES[-1].last})")


def profiles() -> list[ProfileInfo]:
    out = []
    for release in RELEASES[:-1]:
        out.append(ProfileInfo(
            name=f"crane@{release.series}", family="go-containerregistry",
            versions=f"{release.first} - {release.last}", source=SOURCE, summary=SUMMARY,
            rules=(f"{release.first}..{release.last}: {release.note}",)))
    newest = RELEASES[-1]
    out.append(ProfileInfo(
        name="crane", family="go-containerregistry",
        versions=f"{newest.first} - {newest.last} (the newest modelled)", source=SOURCE,
        summary=SUMMARY, rules=(f"{newest.first}..: {newest.note}",)))
    return out
