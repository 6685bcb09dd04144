"""Does the chosen image say what its index entry says? (pain point H: mislabeled images)

After an engine has chosen, :func:`check_config` fetches the chosen manifest and its image
config through the source's ``fetch`` and compares the platform the config declares with the
platform of the index entry that led to it. Engines pull without this check: containerd's
``images.Manifest`` reads a config only for entries *without* a platform; Docker 20.10+ compares
the config with a ``--platform`` request afterwards (moby ``daemon/images/image.go``
``GetImage`` with ``OnlyPlatformWithFallback``), which is how users meet the mismatch
(docker/for-linux#1170). Mislabeled images are common: ``--platform=$BUILDPLATFORM`` stages
that label amd64 content arm64 (moby/buildkit#5677), configs with a wrong or no architecture
(estesp/mquery#9, coredns/coredns#5691).

What counts as a mismatch (both sides through containerd's ``Normalize``, ``platform.normalize``
with the newest syntax, an empty OS kept empty), index entry vs config:

- ``linux/arm64`` vs ``linux/amd64``: *architecture*; ``linux/amd64`` vs ``windows/amd64``: *os*.
- ``linux/arm64`` vs ``arm64`` or ``arm64/v8``, ``linux/arm64/v8`` vs ``aarch64``,
  ``linux/amd64`` vs ``x86_64``: none (aliases and default variants).
- ``linux/arm/v6`` vs ``arm`` with no variant: none; vs ``arm/v7``: *variant*; ``linux/arm``
  (no variant, which containerd reads as v7) vs ``arm/v6``: *variant*.
- ``linux/amd64`` vs ``amd64/v3``: *variant* (hosts below v3 pick the entry and cannot run it).
- ``windows/amd64`` os.version ``10.0.20348.…`` vs ``10.0.17763.…``: *os.version*.
- a config with no ``architecture`` or no ``os``: *unstated* (not counted as mislabeled).

The variant is compared only when the config states one: the image-spec config had no
``variant`` field until 1.1 and classic Docker never wrote it, so a missing variant claims
nothing (moby's ``OnlyPlatformWithFallback`` makes the same allowance). os.version is compared
only when both sides state it. Unlike moby's runtime check, compatibility is not a match here:
an ``arm/v6`` config behind an ``arm/v7`` entry runs on a v7 CPU, but it is still mislabeled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from resolver import mediatypes as mt
from resolver.errors import PullsimError
from resolver.model import Descriptor, Index, Manifest, parse_config, parse_document
from resolver.platform import Platform, format_all, normalize

if TYPE_CHECKING:
    from resolver.engines.base import Fetch
    from resolver.lookup import Opened
    from resolver.selection import Selection

FindingKind = Literal["os", "architecture", "variant", "os.version", "unstated"]
IMAGE_CONFIG_TYPES = frozenset({mt.DOCKER_CONFIG, mt.OCI_CONFIG})


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement between the index entry and the image config."""

    kind: FindingKind
    text: str


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    """What the chosen image's config says, next to what its index entry says.

    ``index_platform`` is None for a single manifest or an entry without a platform (nothing to
    compare); ``config_platform`` is None when the config could not be read, and ``skipped``
    then says why (``""`` when the config was read).
    """

    manifest: str | None = None
    config: str | None = None
    index_platform: Platform | None = None
    config_platform: Platform | None = None
    findings: tuple[Finding, ...] = ()
    skipped: str = ""

    @property
    def mislabeled(self) -> bool:
        """The config names another platform than the index entry does."""
        return any(f.kind != "unstated" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "config": self.config,
            "index_platform": format_all(self.index_platform) if self.index_platform else None,
            "config_platform": _shown(self.config_platform) if self.config_platform else None,
            "mislabeled": self.mislabeled,
            "findings": [{"kind": f.kind, "text": f.text} for f in self.findings],
            "skipped": self.skipped,
        }


def _shown(platform: Platform) -> str:
    """A platform as written (containerd FormatAll; a config without OS still shows its arch)."""
    if platform.os:
        return format_all(platform)
    return "/".join(p for p in ("(no os)", platform.architecture, platform.variant) if p)


def compare_platforms(index: Platform, config: Platform) -> tuple[Finding, ...]:
    """The findings for a config ``config`` behind an index entry ``index`` (see the table)."""
    missing = [name for name, value in (("os", config.os), ("architecture", config.architecture))
               if not value]
    if missing:
        return (Finding("unstated", f"its config states no {' and no '.join(missing)} "
                                    f"(the index says {_shown(index)})"),)
    said, found = normalize(index, host_os=""), normalize(config, host_os="")
    kind: FindingKind | None = None
    if said.os != found.os:
        kind = "os"
    elif said.architecture != found.architecture:
        kind = "architecture"
    elif config.variant and said.variant != found.variant:
        kind = "variant"
    elif index.os_version and config.os_version and index.os_version != config.os_version:
        kind = "os.version"
    if kind is None:
        return ()
    return (Finding(kind, f"mislabeled image: the index says {_shown(index)} but its config "
                          f"says {_shown(config)}"),)


def _leaf(selection: Selection, opened: Opened) -> tuple[Descriptor | None, Platform | None]:
    """The descriptor of the chosen manifest (None: the top document itself) and the nearest
    platform an index entry on the way gave it."""
    top = opened.document
    path = selection.path or (top.digest,)
    if path[0] != top.digest:
        raise _Skip(f"the selection starts at {path[0]}, not at {top.digest}")
    current: Index | Manifest = top
    chosen: Descriptor | None = None
    platform: Platform | None = None
    for digest in path[1:]:
        if not isinstance(current, Index):
            raise _Skip(f"{current.digest} is a manifest, yet the selection goes on to {digest}")
        chosen = next((d for d in current.manifests if d.digest == digest), None)
        if chosen is None:
            raise _Skip(f"{digest} is not an entry of {current.digest}")
        platform = chosen.platform or platform
        if chosen.media_type in mt.INDEX_TYPES:
            current = parse_document(opened.fetch(chosen), chosen.media_type, chosen.digest)
    return chosen, platform


class _Skip(Exception):
    """The check cannot go on; the text says why."""


def _read_config(manifest: Manifest, fetch: Fetch) -> Platform:
    if manifest.config.media_type not in IMAGE_CONFIG_TYPES:
        raise _Skip(f"its config is {manifest.config.media_type or 'untyped'}, not an image "
                    "config")
    try:
        return parse_config(fetch(manifest.config))
    except PullsimError as err:
        raise _Skip(f"cannot read its config {manifest.config.digest}: {err}") from None


def check_config(selection: Selection, opened: Opened) -> ConfigCheck:
    """Compare the chosen image's config with its index entry (see the module's table)."""
    if not selection.ok or selection.digest is None:
        return ConfigCheck(skipped=f"nothing was chosen ({selection.outcome})")
    chosen = selection.digest
    try:
        leaf, index_platform = _leaf(selection, opened)
        if leaf is None:
            manifest = opened.document
        else:
            try:
                manifest = parse_document(opened.fetch(leaf), leaf.media_type, leaf.digest)
            except PullsimError as err:
                raise _Skip(f"cannot read the manifest {leaf.digest}: {err}") from None
        if not isinstance(manifest, Manifest):
            raise _Skip(f"{manifest.digest} is an index, not an image manifest")
        if manifest.digest != chosen:
            raise _Skip(f"the selection chose {chosen}, the walk reached "
                        f"{manifest.digest}")
        config = _read_config(manifest, opened.fetch)
    except _Skip as why:
        return ConfigCheck(manifest=chosen, skipped=str(why))
    except PullsimError as err:
        return ConfigCheck(manifest=chosen, skipped=f"cannot follow the selection: {err}")
    findings = compare_platforms(index_platform, config) if index_platform else ()
    return ConfigCheck(chosen, manifest.config.digest, index_platform, config, findings)
