"""Which containers/image release each tool ships, and what changed between releases: data only.

Podman, Buildah, CRI-O and skopeo all choose from a manifest list with containers/image
(``github.com/containers/image/v5``, since 2025 ``go.podman.io/image/v5`` in
containers/container-libs). Each row of :data:`RELEASES` says which containers/image (and, for
Podman and Buildah, which containers/common ``libimage``) a range of tool releases requires in
its ``go.mod`` at the tag; every row was read with ``git show vX.Y.Z:go.mod`` in
containers/podman, containers/skopeo, containers/buildah and cri-o/cri-o (the version shown is
the one at the range's last tag). Pseudo-versions are kept as Go prints them: CRI-O and the
RHEL backport branches of Buildah pin commits of containers/image release branches.

The behaviour differences come from ../shared/reference/engines/containers-image.md section 5,
re-read in containers/image v5.22.1 … v5.36.1 and container-libs ``image/v5.39.2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from resolver.platform import SYNTAX_INTREE, SYNTAX_V0_2, PlatformSyntax


@dataclass(frozen=True, slots=True)
class ImageRules:
    """What one range of containers/image releases does differently."""

    since: str  # the first containers/image minor release with these rules
    # v5.25.0 (commits f6ca2793, 030d369c, internal/manifest/oci_index.go): an OCI index is
    # ranked in one pass (wanted position, then the zstd annotation, then list order); before,
    # wanted-major/list-minor first match, then the first entry without a platform.
    oci_ranked: bool
    # v5.28.0 (commit 3a26748d, copy/single.go): the containers-storage "Image operating system
    # mismatch" Info log compares the variant too.
    storage_check_variant: bool
    # v5.30.0 (commit da7e6b90, containers/image#2086): "CPU architecture: 7" with a model name
    # "ARMv6-compatible…" (Raspberry Pi Zero/1) is v6, not v7.
    armv6_model_name: bool
    # v5.31.0 (commit 44324c2d, containers/image#2376): darwin reports arm64 → v8, arm → v7 like
    # windows; before, it took the Linux path, could not read /proc/cpuinfo and reported "".
    darwin_variant: bool
    # v5.31.0 (commit cebe6477): "no image found …" quotes architecture and OS with %q.
    quoted_messages: bool
    note: str


RULES: tuple[ImageRules, ...] = (
    ImageRules("5.22", False, False, False, False, False,
               "wanted-major, list-minor first match; an OCI index falls back to its first "
               "entry without a platform; arch and OS unquoted in the no-match text"),
    ImageRules("5.25", True, False, False, False, False,
               "OCI index ranked in one pass: a zstd-annotated instance wins a tie"),
    ImageRules("5.28", True, True, False, False, False,
               "the containers-storage OS mismatch Info log compares the variant too"),
    ImageRules("5.30", True, True, True, False, False,
               "Raspberry Pi Zero/1 (cpuinfo 7 + ARMv6-compatible) detected as arm/v6"),
    ImageRules("5.31", True, True, True, True, True,
               "darwin reports arm64/v8 (arm/v7) without cpuinfo; no-match text quotes every "
               "field"),
)


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def rules_for(image_version: str) -> ImageRules:
    """The rules of a containers/image version (``5.23.1``, or a Go pseudo-version).

    Every change above landed in an x.y.0 release and release branches only take fixes, so the
    major.minor decides (checked with ``git merge-base --is-ancestor`` for the pseudo-versions
    in :data:`RELEASES`, e.g. CRI-O 1.30's crio-1.30 branch of 5.29 lacks da7e6b90).
    """
    found = RULES[0]
    for rules in RULES:
        if _minor(image_version) >= _minor(rules.since):
            found = rules
    return found


@dataclass(frozen=True, slots=True)
class ToolRelease:
    """A range of one tool's releases that pin the same containers/image (and common) minor."""

    tool: str
    first: str
    last: str
    image: str  # containers/image required in go.mod at `last` (the same minor all along)
    common: str = ""  # containers/common (libimage) at `last`: Podman and Buildah only

    def covers(self, version: Version) -> bool:
        return Version(self.first) <= version <= Version(self.last)


def _rows(tool: str, *rows: tuple[str, str, str, str]) -> tuple[ToolRelease, ...]:
    return tuple(ToolRelease(tool, first, last, image, common)
                 for first, last, image, common in rows)


# go.mod of containers/podman at each tag (v4.2.0 … v5.8.2).
PODMAN = _rows(
    "podman",
    ("4.2.0", "4.2.1", "5.22.0", "0.49.1"),
    ("4.3.0", "4.3.1", "5.23.1", "0.50.1"),  # Debian 12 (bookworm) ships 4.3.1
    ("4.4.0", "4.4.4", "5.24.1", "0.51.1"),
    ("4.5.0", "4.5.1", "5.25.0", "0.52.0"),
    ("4.6.0", "4.6.2", "5.26.1", "0.55.3"),
    ("4.7.0", "4.7.2", "5.28.0", "0.56.0"),
    ("4.8.0", "4.8.3", "5.29.0", "0.57.1"),
    ("4.9.0", "4.9.5", "5.29.3", "0.57.5"),
    ("5.0.0", "5.0.3", "5.30.1", "0.58.3"),
    ("5.1.0", "5.1.2", "5.31.1", "0.59.1"),
    ("5.2.0", "5.2.5", "5.32.2", "0.60.4"),
    ("5.3.0", "5.3.2", "5.33.1", "0.61.1"),
    ("5.4.0", "5.4.2", "5.34.3", "0.62.3"),
    ("5.5.0", "5.5.2", "5.35.0", "0.63.1"),
    ("5.6.0", "5.6.2", "5.36.2", "0.64.2"),
    ("5.7.0", "5.7.1", "5.38.0", "0.66.1"),
    ("5.8.0", "5.8.2", "5.39.2", "0.67.1"),
)

# go.mod of containers/skopeo at each tag (v1.9.0 … v1.22.2). 1.9.0 pins a 5.22 pre-release
# commit (29aec5f7, 2022-07-12) whose selection code equals v5.22.1's.
SKOPEO = _rows(
    "skopeo",
    ("1.9.0", "1.9.0", "5.21.2-0.20220712113758-29aec5f7bbbf", ""),
    ("1.9.1", "1.9.5", "5.22.1", ""),  # Debian 12 ships 1.9.3 (oracle.md measured it)
    ("1.10.0", "1.10.0", "5.23.0", ""),
    ("1.11.0", "1.11.4", "5.24.3", ""),
    ("1.12.0", "1.12.0", "5.25.0", ""),
    ("1.13.0", "1.13.3", "5.26.2", ""),
    ("1.14.0", "1.14.6", "5.29.4", ""),
    ("1.15.0", "1.15.2", "5.30.2", ""),
    ("1.16.0", "1.16.1", "5.32.2", ""),
    ("1.17.0", "1.17.0", "5.33.0", ""),
    ("1.18.0", "1.18.2", "5.34.0", ""),
    ("1.19.0", "1.19.0", "5.35.0", ""),
    ("1.20.0", "1.20.1", "5.36.0", ""),
    ("1.21.0", "1.21.0", "5.38.0", ""),
    ("1.22.0", "1.22.2", "5.39.2", ""),
)

# go.mod of containers/buildah at each tag (v1.27.0 … v1.44.0). Late patches of old series
# (1.27.7, 1.29.6-1.29.8) were rebuilt on containers/image 5.29.4 for RHEL: a patch release can
# select differently from the .0 of its series.
BUILDAH = _rows(
    "buildah",
    ("1.27.0", "1.27.6", "5.22.1", "0.49.1"),
    ("1.27.7", "1.27.7", "5.29.4", "0.57.7"),
    ("1.28.0", "1.28.2", "5.23.0", "0.50.1"),  # Debian 12 ships 1.28.2
    ("1.29.0", "1.29.5", "5.24.1", "0.51.2"),
    ("1.29.6", "1.29.8", "5.29.4", "0.57.7"),
    ("1.30.0", "1.30.0", "5.25.0", "0.52.0"),
    ("1.31.0", "1.31.5", "5.26.2", "0.55.4"),
    ("1.32.0", "1.32.3", "5.28.0", "0.56.0"),
    ("1.33.0", "1.33.15", "5.29.4", "0.57.7"),
    ("1.34.0", "1.34.3", "5.29.1-0.20231120202631-293b00ba7166",
     "0.57.1-0.20231130092720-630c929caef9"),
    ("1.35.0", "1.35.5", "5.30.1", "0.58.3"),
    ("1.36.0", "1.36.0", "5.31.0", "0.59.0"),
    ("1.37.0", "1.37.8", "5.32.2", "0.60.4"),
    ("1.38.0", "1.38.1", "5.33.1", "0.61.1"),
    ("1.39.0", "1.39.9", "5.34.3", "0.62.3"),
    ("1.40.0", "1.40.1", "5.35.0", "0.63.1"),
    ("1.41.0", "1.41.9", "5.36.2", "0.64.2"),
    ("1.42.0", "1.42.2", "5.38.0", "0.66.0"),
    ("1.43.0", "1.43.1", "5.39.2", "0.67.1"),
    # 5.40.0 is newer than the container-libs snapshot read (image/v5.39.2); its selection code
    # is assumed unchanged (unverified).
    ("1.44.0", "1.44.0", "5.40.0", "0.68.0"),
)

# go.mod of cri-o/cri-o at each tag (v1.25.0 … v1.36.3). From 1.27 CRI-O pins commits of its own
# crio-1.N branches of containers/image (e.g. 1.30.x: crio-1.30, based on 5.29.2, without the
# ARMv6 fix da7e6b90).
CRIO = _rows(
    "cri-o",
    ("1.25.0", "1.25.1", "5.22.0", ""),
    ("1.25.2", "1.25.4", "5.23.1", ""),
    ("1.25.5", "1.25.5", "5.25.0", ""),
    ("1.26.0", "1.26.1", "5.23.1-0.20221101011818-2f770d6d5a0c", ""),
    ("1.26.2", "1.26.4", "5.24.2", ""),
    ("1.27.0", "1.27.0", "5.25.0", ""),
    ("1.27.1", "1.27.8", "5.25.1-0.20240528123133-cbfda54ba579", ""),
    ("1.28.0", "1.28.11", "5.27.1-0.20240528120211-942a2226c1cd", ""),
    ("1.29.0", "1.29.13", "5.29.1-0.20240528081619-b99fb79fee83", ""),
    ("1.30.0", "1.30.14", "5.29.3-0.20250101212958-64440ba01d29", ""),
    ("1.31.0", "1.31.13", "5.32.3-0.20250321090242-db55860a7cf9", ""),
    ("1.32.0", "1.32.2", "5.33.1-0.20250109021632-8b4e15e0e60a", ""),
    ("1.32.3", "1.32.13", "5.34.1", ""),
    ("1.33.0", "1.33.13", "5.35.0", ""),
    ("1.34.0", "1.34.11", "5.36.2", ""),
    ("1.35.0", "1.36.3", "5.38.0", ""),
)

RELEASES: dict[str, tuple[ToolRelease, ...]] = {
    "podman": PODMAN, "skopeo": SKOPEO, "buildah": BUILDAH, "cri-o": CRIO,
}

GO_MOD_SOURCE = {
    "podman": "containers/podman go.mod at v4.2.0 … v5.8.2",
    "skopeo": "containers/skopeo go.mod at v1.9.0 … v1.22.2",
    "buildah": "containers/buildah go.mod at v1.27.0 … v1.44.0",
    "cri-o": "cri-o/cri-o go.mod at v1.25.0 … v1.36.3",
}

# The profiles `pullsim engines` lists: one per behaviour each tool shipped (containers/image
# rules, plus the containers/common warning format for Podman and Buildah), named by a release
# people run: Debian 12's podman 4.3 / skopeo 1.9 / buildah 1.28, then the newest series of each
# behaviour (buildah 1.29.5: the last 1.29 before the 5.29.4 rebuilds). Every other release
# still resolves by name (``podman@4.7``, ``buildah@1.29.7``).
CATALOG: dict[str, tuple[str, ...]] = {
    "podman": ("4.3", "4.4", "4.6", "4.9", "5.0", "5"),
    "skopeo": ("1.9", "1.13", "1.14", "1.15"),
    "buildah": ("1.28", "1.29.5", "1.31", "1.34", "1.35"),
    "cri-o": ("1.26", "1.28", "1.30"),
}

# containers/common's libimage warning after a pull (libimage/image.go matchesPlatform):
# v0.50.x prints Go structs, v0.51.0 (commit 67294c20) platforms.Format.
COMMON_FORMATTED_WARNING = Version("0.51.0")


def common_syntax(common: str) -> PlatformSyntax:
    """The containerd Parse/Normalize that a containers/common release vendors (its go.mod):
    containerd 1.6/1.7 in-tree ``platforms`` up to v0.60, ``containerd/platforms`` v0.2.1 from
    v0.61."""
    return SYNTAX_V0_2 if _minor(common) >= (0, 61) else SYNTAX_INTREE


def common_formats_warning(common: str) -> bool:
    return Version(common.split("-")[0]) >= COMMON_FORMATTED_WARNING
