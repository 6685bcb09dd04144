"""containerd (and what builds on its client: nerdctl, the Kubernetes CRI plugin, BuildKit).

The pull choice is containerd's ``client.Pull``: ``platforms.Only(request)`` for an explicit
platform, else ``platforms.Default()``; then ``images.Manifest`` / ``LimitManifests``
(containerd ``images/image.go`` and ``images/handlers.go``, 1.6 → 2.3): keep the entries whose
platform matches or that have none, stable-sort them by the matcher's Less with platform-less
entries last, and take the first only. A chosen entry without a platform is judged by its
config's OS and architecture; a chosen nested index is walked the same way. The pull then
unpacks the chosen image, which fails on a layer whose media type containerd has no stream
processor for (an attestation's in-toto layer): see :func:`layer_unpackable`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from resolver import mediatypes as mt
from resolver.engines.base import Fetch, ProfileInfo
from resolver.engines.containerd_platforms import (
    MatchComparer,
    OrderedComparer,
    Platforms,
    accepted_in_order,
)
from resolver.engines.containerd_rules import RULES_TABLE, SERIES, ContainerdRules, rules_for
from resolver.errors import ChildUnavailable, UnknownEngine
from resolver.gosort import slice_stable
from resolver.model import (
    Descriptor,
    Document,
    Index,
    Manifest,
    parse_config,
    read_index,
    read_manifest,
)
from resolver.platform import Platform, format_all, format_platform, parse_platform, this_goos
from resolver.selection import Selection, Step

SOURCE_FILES = ("compare.go, platforms.go, database.go, defaults_*.go, "
                "platform_windows_compat.go; containerd images/image.go Manifest(), "
                "images/handlers.go LimitManifests()")
SOURCE = (
    "containerd/platforms compare.go, platforms.go, defaults_*.go "
    "(containerd 1.6/1.7 in-tree platforms/, platforms v0.2.1 … v1.0.0-rc.4); "
    "containerd images/image.go Manifest(), images/handlers.go LimitManifests()"
)


PULL_PATH = ("client.Pull (nerdctl, CRI, BuildKit): Only(--platform) or Default(); "
             "images.Manifest takes the first of the stable-sorted matches")


def _not_found(text: str) -> str:
    return f"{text}: not found"  # errdefs.ErrNotFound wrapped with %w


# --- unpacking the chosen image -----------------------------------------------------------------
#
# containerd v1.6.20 images/mediatypes.go DiffCompression: the layer media types the default
# stream processor (diff/stream.go compressedHandler) takes; diff/apply/apply.go asks for a
# processor for every layer and fails on any other type. The base is the text before the first
# "+" (parseMediaTypes; parameters are not stripped, so "…v1.tar;x=y" is refused). The same
# list through v1.7.x; containerd v2.0.0 core/images/mediatypes.go adds the Docker zstd layer.
_UNPACKABLE_BASES = (
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.foreign.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
)
_UNPACKABLE_BASES_2_0 = (*_UNPACKABLE_BASES, "application/vnd.docker.image.rootfs.diff.tar.zstd")


def layer_unpackable(media_type: str, version: Version | None = None) -> bool:
    """Can containerd (``version``, default 1.6) unpack a layer of this media type?"""
    bases = _UNPACKABLE_BASES_2_0 if version is not None and version >= Version("2.0.0") else (
        _UNPACKABLE_BASES)
    return media_type.split("+")[0] in bases


def unpack_failure_message(diff_id: str, media_type: str) -> str:
    """The pull's error for a layer containerd cannot unpack, measured with ctr 1.6.20 here
    (shared/reference/oracle.md, "unknown/unknown"). rootfs/apply.go (and unpacker.go) name the
    config's diff_id, not the layer digest: ``failed to extract layer <diff_id>: %w``; the diff
    service's ``failed to get stream processor for <media type>: %w`` wraps diff/stream.go
    ErrNoProcessor, and errdefs.FromGRPC appends ``: unknown`` (containerd v1.6.20
    diff/apply/apply.go, rootfs/apply.go, diff/stream.go, errdefs/grpc.go). Later releases keep
    these texts in pkg/rootfs/apply.go (ctr's path), but from v2.2.0 core/unpack/unpacker.go
    words its own wrapper differently; only 1.6.20's was measured."""
    return (f"failed to extract layer {diff_id}: failed to get stream processor for "
            f"{media_type}: no processor for media-type: unknown")


@dataclass(frozen=True, slots=True)
class ContainerdEngine:
    """containerd at one release."""

    name: str
    version: Version
    rules: ContainerdRules

    # --- the host as this release sees it ------------------------------------------------

    def platforms(self, host: Platform) -> Platforms:
        """The platforms package of this release running on ``host``."""
        goos = host.os or "linux"
        arch = host.architecture
        variant = ""
        if goos == "freebsd" and not self.rules.freebsd_variant:
            variant = ""  # before 1.6.22 cpuVariant() failed on FreeBSD
        elif arch == "arm64":
            variant = "v8"  # cpuinfo "8" on Linux; cpuinfo_other.go on darwin/windows/freebsd
        elif arch == "arm":
            if goos in ("darwin", "windows"):
                variant = "v7"
            elif goos == "freebsd":
                variant = "unknown"
            else:
                variant = host.variant
        version = ".".join(host.os_version.split(".")[:3]) if goos == "windows" else ""
        return Platforms(self.rules, goos, arch, variant, version)

    def detected_platform(self, host: Platform) -> Platform:
        """DefaultSpec(): GOOS/GOARCH and the arm variant; never an amd64 level (containerd.md
        3.4); on Windows ``major.minor.build`` without the UBR."""
        return self.platforms(host).default_spec()

    def parse_platform(self, text: str, host: Platform | None = None) -> Platform:
        """``--platform`` text through this release's Parse."""
        return parse_platform(text, syntax=self.rules.syntax, host=host)

    def _lib(self, host: Platform | None, platform: Platform) -> Platforms:
        return self.platforms(host or Platform(this_goos(), platform.architecture))

    def matches(
        self, platform: Platform, candidate: Platform, host: Platform | None = None
    ) -> bool:
        return self._lib(host, platform).only(platform).match(candidate)

    def order(
        self, platform: Platform, candidates: Sequence[Platform], host: Platform | None = None
    ) -> list[Platform]:
        return accepted_in_order(self._lib(host, platform).only(platform), candidates)

    def vector(self, platform: Platform, host: Platform | None = None) -> list[Platform]:
        """What Only(platform) accepts, most preferred first."""
        lib = self._lib(host, platform)
        return lib.vector(lib.normalize(platform))

    # --- selection ----------------------------------------------------------------------

    def select(
        self,
        doc: Document,
        host: Platform,
        platform: Platform | None = None,
        fetch: Fetch | None = None,
        *,
        reference: str | None = None,
    ) -> Selection:
        lib = self.platforms(host)
        trace: list[Step] = []
        if self.name.startswith("kubernetes/"):
            trace.append(Step("cri", "the kubelet's CRI pull carries no platform: containerd's "
                                     "CRI plugin matches with Default() of the node"))
        if platform is None:
            seen = lib.default_spec()
            matcher = lib.default()
            trace.append(Step("host", f"{self.name} detects the host as "
                                      f"{format_all(seen)} (DefaultSpec)"))
            trace.append(Step("matcher", _describe_matcher("Default()", matcher)))
        else:
            seen = platform
            matcher = lib.only(platform)
            trace.append(Step("request", f"--platform {format_all(platform)} was requested; "
                                         "the host's own platform is not used"))
            trace.append(Step("matcher", _describe_matcher(
                f"Only({format_all(platform)})", matcher)))
        walk = _Walk(self, lib, matcher, seen, platform, doc, fetch, trace)
        return walk.run()


def _matched_platform(matcher: object) -> Platform | None:
    """The platform a NewMatcher was built for, through its Windows wrappers."""
    while not isinstance(getattr(matcher, "platform", None), Platform):
        if not hasattr(matcher, "inner"):
            return None
        matcher = matcher.inner
    found: Platform = matcher.platform  # type: ignore[attr-defined]
    return found


def _describe_matcher(label: str, matcher: MatchComparer) -> str:
    if isinstance(matcher, OrderedComparer):
        names = [format_all(p) for p in map(_matched_platform, matcher.matchers) if p]
        if names:
            return f"{label} accepts, most preferred first: {', '.join(names)}"
    return f"{label} is the matcher ({type(matcher).__name__})"


@dataclass
class _Walk:
    """One run of images.Manifest over a document tree."""

    engine: ContainerdEngine
    lib: Platforms
    matcher: MatchComparer
    seen: Platform
    requested: Platform | None
    top: Document
    fetch: Fetch | None
    trace: list[Step]

    def result(self, outcome: str, **kw: object) -> Selection:
        return Selection(
            engine=self.engine.name, platform=self.seen, outcome=outcome,  # type: ignore[arg-type]
            trace=tuple(self.trace), requested=self.requested, **kw,  # type: ignore[arg-type]
        )

    def no_match(self, warnings: tuple[str, ...] = ()) -> Selection:
        message = _not_found(f"no match for platform in manifest {self.top.digest}")
        self.trace.append(Step("no-match", message))
        return self.result("no-match", message=message, warnings=warnings,
                           path=(self.top.digest,))

    def run(self) -> Selection:
        if isinstance(self.top, Manifest):
            self.trace.append(Step("single-manifest", "the reference is a single manifest, not "
                                   "a list: containerd pulls it as it is, with no platform check"))
            path = (self.top.digest,)
            unpack = self.check_layers(self.top.digest, self.top, ())
            if isinstance(unpack, str):
                return self.result("failed", digest=self.top.digest, path=path, message=unpack)
            return self.result("single-manifest", digest=self.top.digest, path=path,
                               warnings=unpack)
        return self.walk(self.top, (self.top.digest,), ())

    def walk(self, index: Index, path: tuple[str, ...], warnings: tuple[str, ...]) -> Selection:
        kept = []
        for i, desc in enumerate(index.manifests):
            what = _entry_name(i, desc)
            if desc.platform is None:
                kept.append(desc)
                self.trace.append(Step("keep", f"{what}: no platform, kept (sorted last)"))
            elif self.matcher.match(desc.platform):
                kept.append(desc)
                self.trace.append(Step("keep", f"{what}: accepted"))
            else:
                self.trace.append(Step("drop", f"{what}: not accepted"))

        def less(a: Descriptor, b: Descriptor) -> bool:
            if a.platform is None:
                return False
            if b.platform is None:
                return True
            return self.matcher.less(a.platform, b.platform)

        ordered = slice_stable(kept, less)
        if not ordered:
            return self.no_match(warnings)
        self.trace.append(Step("sort", "stable sort by preference, ties keep list order: "
                               + ", ".join(_short(d) for d in ordered)))
        chosen = ordered[0]
        self.trace.append(Step("choose", f"the first is taken, limit 1: {_short(chosen)} "
                                         f"{chosen.digest}"))
        return self.follow(chosen, (*path, chosen.digest), warnings)

    def follow(self, chosen: Descriptor, path: tuple[str, ...],
               warnings: tuple[str, ...]) -> Selection:
        if chosen.media_type in mt.INDEX_TYPES:
            if self.fetch is None:
                note = (f"containerd would follow the nested index {chosen.digest}; "
                        "it was not fetched, so its choice is unknown")
                self.trace.append(Step("nested-unfetched", note))
                return self.result("selected", digest=chosen.digest, path=path,
                                   selected_platform=chosen.platform,
                                   warnings=(*warnings, note))
            child = read_index(self.fetch(chosen), chosen)
            self.trace.append(Step("nested", f"{chosen.digest} is an index: containerd "
                                             "walks into it with the same matcher"))
            return self.walk(child, path, warnings)
        if chosen.media_type not in mt.MANIFEST_TYPES:
            message = _not_found(f"unexpected media type {chosen.media_type} for {chosen.digest}")
            self.trace.append(Step("failed", message))
            return self.result("failed", digest=chosen.digest, path=path, message=message,
                               selected_platform=chosen.platform, warnings=warnings)
        if chosen.platform is None:
            verdict = self.check_config(chosen)
            if verdict is False:
                return self.no_match(warnings)
            if verdict is None:
                note = (f"the entry {chosen.digest} has no platform; containerd checks its "
                        "config's OS and architecture, which was not fetched")
                warnings = (*warnings, note)
        unpack = self.check_layers(chosen.digest, chosen, warnings)
        if isinstance(unpack, str):
            return self.result("failed", digest=chosen.digest, path=path, message=unpack,
                               selected_platform=chosen.platform, warnings=warnings)
        self.trace.append(Step("selected", f"pulls {chosen.digest}"))
        return self.result("selected", digest=chosen.digest, path=path,
                           selected_platform=chosen.platform, warnings=unpack)

    def check_layers(self, digest: str, chosen: Descriptor | Manifest,
                     warnings: tuple[str, ...]) -> str | tuple[str, ...]:
        """The pull unpacks what it chose, layer by layer in order: the first layer whose media
        type containerd cannot unpack fails it (the error text, returned as a str). Otherwise
        ``warnings``, plus a note when the layers could not be read."""
        why = ("containerd fails the pull when a layer has a media type it cannot unpack "
               "(an attestation's in-toto layer)")
        not_checked = f"layers of {digest} not checked (not fetched)"
        if self.fetch is None:
            self.trace.append(Step("layers-unchecked", f"{not_checked}: {why}"))
            return (*warnings, not_checked)
        try:
            manifest = chosen if isinstance(chosen, Manifest) else read_manifest(
                self.fetch(chosen), chosen)
            bad = [(i, layer) for i, layer in enumerate(manifest.layers)
                   if not layer_unpackable(layer.media_type, self.engine.version)]
            if not bad:
                self.trace.append(Step("layers", f"every layer of {digest} has a media type "
                                                 "containerd unpacks"))
                return warnings
            diff_ids = _diff_ids(self.fetch(manifest.config))
        except ChildUnavailable as err:
            note = f"layers not checked: {err}"
            self.trace.append(Step("layers-unchecked", f"{note}; {why}"))
            return (*warnings, note)
        position, layer = bad[0]
        if len(diff_ids) != len(manifest.layers):
            note = (f"layer {position} of {digest} ({layer.media_type}) cannot be unpacked, but "
                    f"its config lists {len(diff_ids)} diff_ids for {len(manifest.layers)} "
                    "layers: containerd fails the pull with an error not modelled here")
            self.trace.append(Step("layers", note))
            return (*warnings, note)
        message = unpack_failure_message(diff_ids[position], layer.media_type)
        self.trace.append(Step("unpack", f"layer {position} of {digest} has media type "
                               f"{layer.media_type or '(none)'}, which containerd has no stream "
                               "processor for: the unpack fails (ctr prints this text; "
                               "client.Pull's callers, nerdctl and CRI, see it after `failed to "
                               "unpack image on snapshotter <name>: ` when no layer of the "
                               "image could be unpacked during the fetch)"))
        self.trace.append(Step("failed", message))
        return message

    def check_config(self, chosen: Descriptor) -> bool | None:
        """images.Manifest: an entry without a platform counts as its config's os/arch."""
        if self.fetch is None:
            self.trace.append(Step("config-unchecked", "no platform and no fetch: the config "
                                                       "check is skipped"))
            return None
        manifest = read_manifest(self.fetch(chosen), chosen)
        config = parse_config(self.fetch(manifest.config))
        judged = self.lib.normalize(Platform(config.os, config.architecture))
        ok = self.matcher.match(judged)
        self.trace.append(Step("config", f"its config says {config.os or '(no os)'}/"
                               f"{config.architecture or '(no arch)'}, judged as "
                               f"{format_platform(judged)} (variant ignored): "
                               + ("accepted" if ok else "not accepted")))
        return ok


def _diff_ids(config: bytes) -> list[str]:
    """rootfs.diff_ids of an image config (empty when it has none or is not readable)."""
    try:
        obj = json.loads(config)
    except (UnicodeDecodeError, ValueError):
        return []
    rootfs = obj.get("rootfs") if isinstance(obj, dict) else None
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    return [str(d) for d in ids] if isinstance(ids, list) else []


def _short(desc: Descriptor) -> str:
    return format_all(desc.platform) if desc.platform else "(no platform)"


def _entry_name(i: int, desc: Descriptor) -> str:
    label = _short(desc)
    if desc.is_attestation:
        label += " [attestation]"
    return f"entry {i} {label}"


# --- profiles ---------------------------------------------------------------------------------


def make(name: str, version_text: str | None) -> ContainerdEngine:
    """``containerd``, ``containerd@1.6`` (the newest 1.6 patch modelled) or ``@1.6.20``;
    ``kubernetes/containerd[@V]`` is the CRI plugin of that release (it pulls for the node)."""
    if name not in ("containerd", "kubernetes/containerd"):
        raise UnknownEngine(f"unknown engine {name!r}")
    if version_text is None:
        series = SERIES[-1]
        return ContainerdEngine(name, Version(series.newest), _rules(Version(series.newest)))
    for series in SERIES:
        if version_text == series.name:
            version = Version(series.newest)
            return ContainerdEngine(f"{name}@{series.name}", version, _rules(version))
    try:
        version = Version(version_text)
    except InvalidVersion:
        raise UnknownEngine(f"containerd@{version_text}: not a version") from None
    if len(version.release) < 3:
        raise UnknownEngine(f"containerd@{version_text}: no such release series is modelled "
                            f"(known: {', '.join(s.name for s in SERIES)})")
    return ContainerdEngine(f"{name}@{version_text}", version, _rules(version))


def _rules(version: Version) -> ContainerdRules:
    rules = rules_for(version)
    if rules is None:
        raise UnknownEngine(f"containerd {version}: not a modelled release (1.6.0 to "
                            f"{SERIES[-1].newest})")
    return rules


def _rule_lines(first: Version, last: Version) -> tuple[str, ...]:
    """Which platform code each patch range of a series links (containerd_rules.RULES_TABLE)."""
    lines = []
    for releases, rules in RULES_TABLE:
        if not releases.overlaps(first, last):
            continue
        low, high = releases.first, releases.before
        shown_low = max(low, first)
        upper = str(last) if high > last else f"<{high}"
        lines.append(f"{shown_low}..{upper}: {rules.platforms_lib}: {rules.note}")
    return tuple(lines)


def profiles() -> list[ProfileInfo]:
    out = []
    for series in SERIES:
        first, last = Version(f"{series.name}.0"), Version(series.newest)
        libs = dict.fromkeys(r.platforms_lib for releases, r in RULES_TABLE
                             if releases.overlaps(first, last))
        out.append(ProfileInfo(
            name=f"containerd@{series.name}", family="containerd",
            versions=f"{first} - {last} (default {last})",
            source=f"{', '.join(libs)}: {SOURCE_FILES}", summary=PULL_PATH,
            rules=_rule_lines(first, last),
        ))
    newest = Version(SERIES[-1].newest)
    out.append(ProfileInfo(
        name="containerd", family="containerd", versions=f"the newest modelled ({newest})",
        source=SOURCE, summary=PULL_PATH, rules=_rule_lines(newest, newest),
    ))
    out.append(ProfileInfo(
        name="kubernetes/containerd", family="containerd",
        versions=f"alias of containerd (the newest, {newest}); kubernetes/containerd@V too",
        source=SOURCE + "; CRI plugin PullImage uses platforms.Default()",
        summary="the kubelet's pull through containerd's CRI plugin: always the node's "
                "Default()", rules=_rule_lines(newest, newest),
    ))
    return out
