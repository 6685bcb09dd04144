"""The fixed images of shared/reference/oracle.md's demonstration matrix and its "more shapes"
tables, with the ``ctr-pull``, ``skopeo`` and ``dockerd 20.10`` columns as published (containerd
1.6.20, skopeo 1.9.3, dockerd 20.10.24+dfsg1, Debian 12); and one image measured for this
harness (:func:`measured_unpack_cases`, containerd only).

They check each oracle harness itself (does it reproduce the published answers?) and join the
generated images in the differential tests. Expected values: a child's hint (selected),
``NO_MATCH`` (the engine's no-match error), or ``failed(hint)`` (it chose that child, then the
pull failed; with ``error``, with exactly that text).
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver.mediatypes import IN_TOTO

from .generate import Entry, GeneratedImage, Layer, PlatformDict, build_image, build_single

OCI_TAR = "application/vnd.oci.image.layer.v1.tar"


def _p(os: str, arch: str, variant: str = "") -> PlatformDict:
    out: PlatformDict = {"architecture": arch, "os": os}
    if variant:
        out["variant"] = variant
    return out


@dataclass(frozen=True, slots=True)
class Failed:
    hint: str
    error: str = ""  # the exact error text, when the published table gives it


NO_MATCH = None
Expected = str | Failed | None


def failed(hint: str, error: str = "") -> Failed:
    return Failed(hint, error)


@dataclass(frozen=True, slots=True)
class PublishedCase:
    image: GeneratedImage
    expected: dict[str, Expected]  # platform text -> expected ctr-pull answer
    # The skopeo copy and dockerd 20.10 columns, where oracle.md publishes them.
    skopeo: dict[str, Expected] | None = None
    dockerd: dict[str, Expected] | None = None


_DEMO = (
    Entry("linux-amd64", _p("linux", "amd64")),
    Entry("linux-arm-v6", _p("linux", "arm", "v6")),
    Entry("linux-arm-v7", _p("linux", "arm", "v7")),
    Entry("linux-arm64-v8", _p("linux", "arm64", "v8")),
    Entry("linux-386", _p("linux", "386")),
)
_DEMO_EXPECTED: dict[str, Expected] = {
    "linux/arm/v8": "linux-arm-v7",
    "linux/arm/v7": "linux-arm-v7",
    "linux/arm/v6": "linux-arm-v6",
    "linux/arm64": "linux-arm64-v8",
    "linux/arm64/v8": "linux-arm64-v8",
    "linux/amd64": "linux-amd64",
    "linux/386": "linux-386",
    "linux/amd64/v3": "linux-amd64",
}

_DEMO_SKOPEO = dict(_DEMO_EXPECTED)
_DEMO_DOCKERD = {**_DEMO_EXPECTED, "linux/arm/v8": "linux-arm-v6", "linux/amd64/v3": NO_MATCH}

_ARMV5 = (
    Entry("linux-arm-v5", _p("linux", "arm", "v5")),
    Entry("linux-amd64", _p("linux", "amd64")),
)
_ARMV5_EXPECTED: dict[str, Expected] = {
    "linux/arm/v8": "linux-arm-v5",
    "linux/arm/v7": "linux-arm-v5",
    "linux/arm/v6": "linux-arm-v5",
    "linux/arm64": "linux-arm-v5",
    "linux/arm64/v8": "linux-arm-v5",
    "linux/amd64": "linux-amd64",
    "linux/386": NO_MATCH,
    "linux/amd64/v3": "linux-amd64",
}

_ARMV5_SKOPEO: dict[str, Expected] = {**_ARMV5_EXPECTED, "linux/arm64": NO_MATCH,
                                       "linux/arm64/v8": NO_MATCH}
_ARMV5_DOCKERD: dict[str, Expected] = {**_ARMV5_SKOPEO, "linux/amd64/v3": NO_MATCH}

# "More shapes": the kitchen-sink index.
_KITCHEN = (
    Entry("no-platform", None, config=None),
    Entry("windows", {**_p("windows", "amd64"), "os.version": "10.0.17763.5458"}),
    Entry("linux-amd64-v3", _p("linux", "amd64", "v3")),
    Entry("linux-amd64", _p("linux", "amd64")),
    Entry("attestation", _p("unknown", "unknown"), kind="attestation", subject=3),
    Entry("arm-v6", _p("linux", "arm", "v6")),
    Entry("arm-v7-a", _p("linux", "arm", "v7")),
    Entry("arm-v7-b-dup", _p("linux", "arm", "v7")),
    Entry("arm64-v8", _p("linux", "arm64", "v8")),
    Entry("linux-386", _p("linux", "386")),
    Entry("mismatch", _p("linux", "arm64"), config=_p("linux", "amd64")),
    Entry("nested", _p("linux", "s390x"), kind="index",
          nested=(Entry("nested-s390x", _p("linux", "s390x")),)),
)
_KITCHEN_EXPECTED: dict[str, Expected] = {
    "linux/amd64": "linux-amd64",
    "linux/amd64/v3": "linux-amd64-v3",
    "linux/amd64/v2": "linux-amd64",
    "linux/arm/v7": "arm-v7-a",
    "linux/arm64": "arm64-v8",
    "linux/s390x": "nested-s390x",
    "windows/amd64": "windows",
    "unknown/unknown": failed("attestation"),
    "linux/riscv64": NO_MATCH,
}

_NESTED_FAILURE = ("copying system image from manifest list: Unexpectedly received a manifest "
                   "list instead of a manifest for a single image")


def _kitchen_skopeo(oci: bool) -> dict[str, Expected]:
    return {
        "linux/amd64": "linux-amd64",
        "linux/amd64/v3": "linux-amd64-v3",
        "linux/amd64/v2": "linux-amd64",
        "linux/arm/v7": "arm-v7-a",
        "linux/arm64": "mismatch",  # the exact "" variant beats v8
        "linux/s390x": failed("nested", _NESTED_FAILURE),
        "windows/amd64": "windows",
        "unknown/unknown": "attestation",
        "linux/riscv64": "no-platform" if oci else NO_MATCH,
    }


_KITCHEN_DOCKERD: dict[str, Expected] = {
    "linux/amd64": "linux-amd64",
    "linux/amd64/v3": "linux-amd64-v3",
    "linux/amd64/v2": NO_MATCH,
    "linux/arm/v7": "arm-v7-a",
    "linux/arm64": "arm64-v8",
    "linux/s390x": failed("nested", "unsupported manifest format"),
    "windows/amd64": failed("windows",
                            'image operating system "windows" cannot be used on this platform'),
    "unknown/unknown": failed("attestation", "unsupported media type application/vnd.in-toto+json"),
    "linux/riscv64": NO_MATCH,
}

_NO_VARIANT = (
    Entry("arm-no-variant", _p("linux", "arm")),
    Entry("arm-v6", _p("linux", "arm", "v6")),
    Entry("arm64-no-variant", _p("linux", "arm64")),
    Entry("amd64-v2", _p("linux", "amd64", "v2")),
)
_NO_VARIANT_EXPECTED: dict[str, Expected] = {
    "linux/arm": "arm-no-variant",
    "linux/arm/v7": "arm-no-variant",
    "linux/arm/v6": "arm-v6",
    "linux/arm/v5": NO_MATCH,
    "linux/arm64/v8": "arm64-no-variant",
    "linux/amd64": NO_MATCH,
    "linux/amd64/v3": "amd64-v2",
}

_NO_VARIANT_SKOPEO: dict[str, Expected] = {
    "linux/arm": "arm-no-variant",
    "linux/arm/v7": "arm-v6",  # "" is tried last
    "linux/arm/v6": "arm-v6",
    "linux/arm/v5": "arm-no-variant",
    "linux/arm64/v8": "arm64-no-variant",
    "linux/amd64": NO_MATCH,
    "linux/amd64/v3": NO_MATCH,
}
_NO_VARIANT_DOCKERD: dict[str, Expected] = {**_NO_VARIANT_SKOPEO, "linux/arm/v7": "arm-no-variant"}

# "More measured behaviours": an entry without a platform whose config says linux/arm/v6
# counts as arm/v7 (normalised from the config's os/arch only).
_CONFIG_ARMV6 = (
    Entry("linux-amd64", _p("linux", "amd64")),
    Entry("config-arm-v6", None, config=_p("linux", "arm", "v6")),
)
_CONFIG_ARMV6_EXPECTED: dict[str, Expected] = {
    "linux/arm/v7": "config-arm-v6",
    "linux/arm64": "config-arm-v6",
    "linux/arm/v6": NO_MATCH,
    "linux/amd64": "linux-amd64",
}

_SINGLE_EXPECTED: dict[str, Expected] = {"linux/arm64": "single", "linux/amd64": "single"}


def published_cases() -> list[PublishedCase]:
    cases: list[PublishedCase] = []
    for oci in (True, False):
        kind = "oci" if oci else "docker"
        table: tuple[tuple[str, tuple[Entry, ...], dict[str, Expected],
                           dict[str, Expected] | None, dict[str, Expected] | None], ...] = (
            ("demo", _DEMO, _DEMO_EXPECTED, _DEMO_SKOPEO, _DEMO_DOCKERD),
            ("armv5", _ARMV5, _ARMV5_EXPECTED, _ARMV5_SKOPEO, _ARMV5_DOCKERD),
            ("kitchen", _KITCHEN, _KITCHEN_EXPECTED, _kitchen_skopeo(oci), _KITCHEN_DOCKERD),
            ("novariant", _NO_VARIANT, _NO_VARIANT_EXPECTED, _NO_VARIANT_SKOPEO,
             _NO_VARIANT_DOCKERD),
            ("configarmv6", _CONFIG_ARMV6, _CONFIG_ARMV6_EXPECTED, None, None),
        )
        for name, entries, expected, skopeo, dockerd in table:
            image = build_image(f"pub-{name}-{kind}", oci, entries, list(expected))
            cases.append(PublishedCase(image, expected, skopeo, dockerd))
        single = build_single(f"pub-single-{kind}", oci, _p("linux", "amd64"),
                              list(_SINGLE_EXPECTED))
        cases.append(PublishedCase(single, _SINGLE_EXPECTED, _SINGLE_EXPECTED, _SINGLE_EXPECTED))
    return cases


# Measured for this harness with ctr 1.6.20 (`ctr images pull --platform P` after a full
# prefetch, one namespace): which layer media types containerd 1.6 unpacks. Its diff applier
# asks images.DiffCompression (containerd v1.6.20 images/mediatypes.go, through the default
# stream processor of diff/stream.go) and fails on anything else with `failed to extract layer
# <diff_id>: failed to get stream processor for <layer media type>: no processor for
# media-type: unknown` (rootfs/apply.go names the config's diff_id, not the layer digest: the
# in-toto entry below has a diff_id that is not its layer's, and the error names the diff_id).
def _unpack_failure(media_type: str) -> str:
    return (f"failed to get stream processor for {media_type}: no processor for media-type: "
            "unknown")


_UNPACK = (
    Entry("in-toto", _p("unknown", "unknown"),
          layer=Layer(IN_TOTO, body="in-toto", wrong_diff_id=True)),
    Entry("oci-tar-plus-foo", _p("linux", "s390x"), layer=Layer(f"{OCI_TAR}+foo")),
    Entry("docker-tar-gzip-body", _p("linux", "ppc64le"),
          layer=Layer("application/vnd.docker.image.rootfs.diff.tar", gzip=True)),
    Entry("octet-stream", _p("linux", "riscv64"), layer=Layer("application/octet-stream")),
    Entry("nondistributable-gzip", _p("linux", "386"),
          layer=Layer("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                      gzip=True)),
    Entry("parameter", _p("linux", "arm", "v7"), layer=Layer(f"{OCI_TAR};x=y")),
    Entry("docker-gzip-wrapped", _p("linux", "arm", "v5"),
          layer=Layer("application/vnd.docker.image.rootfs.diff.tar.gzip+foo")),
    Entry("oci-tar", _p("linux", "arm64"), layer=Layer(OCI_TAR)),
    Entry("foreign-gzip", _p("linux", "amd64"),
          layer=Layer("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", gzip=True)),
)


def measured_unpack_cases() -> list[PublishedCase]:
    """One OCI index whose children differ only in their layer's media type (containerd's
    unpack); the failures are checked with their exact text."""
    image = build_image("measured-unpack", True, _UNPACK, [
        "unknown/unknown", "linux/s390x", "linux/ppc64le", "linux/riscv64", "linux/386",
        "linux/arm/v7", "linux/arm/v5", "linux/arm64", "linux/amd64"])
    expected: dict[str, Expected] = {
        "linux/s390x": "oci-tar-plus-foo",
        "linux/ppc64le": "docker-tar-gzip-body",
        "linux/386": "nondistributable-gzip",
        "linux/arm/v5": "docker-gzip-wrapped",
        "linux/arm64": "oci-tar",
        "linux/amd64": "foreign-gzip",
    }
    for platform, hint, media_type in (("unknown/unknown", "in-toto", IN_TOTO),
                                       ("linux/riscv64", "octet-stream",
                                        "application/octet-stream"),
                                       ("linux/arm/v7", "parameter", f"{OCI_TAR};x=y")):
        child = image.children[image.by_hint(hint)]
        expected[platform] = failed(hint, f"failed to extract layer {child.chain_id}: "
                                          + _unpack_failure(media_type))
    return [PublishedCase(image, expected)]
