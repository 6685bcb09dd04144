"""The fixed images of shared/reference/oracle.md's demonstration matrix and its "more shapes"
tables, with the ``ctr-pull`` column as published (containerd 1.6.20, Debian 12).

They check the oracle harness itself (does our ctr-pull reproduce the published answers?) and
join the generated images in the differential test. Expected values: a child's hint (selected),
``NO_MATCH`` (``no match for platform in manifest <top>: not found``), or ``failed(hint)`` (it
chose that child, then the pull failed).
"""

from __future__ import annotations

from dataclasses import dataclass

from .generate import Entry, GeneratedImage, PlatformDict, build_image, build_single


def _p(os: str, arch: str, variant: str = "") -> PlatformDict:
    out: PlatformDict = {"architecture": arch, "os": os}
    if variant:
        out["variant"] = variant
    return out


@dataclass(frozen=True, slots=True)
class Failed:
    hint: str


NO_MATCH = None
Expected = str | Failed | None


def failed(hint: str) -> Failed:
    return Failed(hint)


@dataclass(frozen=True, slots=True)
class PublishedCase:
    image: GeneratedImage
    expected: dict[str, Expected]  # platform text -> expected ctr-pull answer


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
        for name, entries, expected in (
            ("demo", _DEMO, _DEMO_EXPECTED),
            ("armv5", _ARMV5, _ARMV5_EXPECTED),
            ("kitchen", _KITCHEN, _KITCHEN_EXPECTED),
            ("novariant", _NO_VARIANT, _NO_VARIANT_EXPECTED),
            ("configarmv6", _CONFIG_ARMV6, _CONFIG_ARMV6_EXPECTED),
        ):
            image = build_image(f"pub-{name}-{kind}", oci, entries, list(expected))
            cases.append(PublishedCase(image, expected))
        single = build_single(f"pub-single-{kind}", oci, _p("linux", "amd64"),
                              list(_SINGLE_EXPECTED))
        cases.append(PublishedCase(single, _SINGLE_EXPECTED))
    return cases
