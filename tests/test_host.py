"""Host detection: containerd's cpuVariant, containers/image's getCPUVariant, go-archvariant's
amd64 level, the Windows build and detect_host, on upstream test vectors and real captures
(fixtures/hosts/, sources in fixtures/hosts/sources.toml)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.host import (
    CONTAINERD_ARM_VARIANTS,
    UNREADABLE,
    amd64_level,
    amd64_level_from_cpuinfo,
    amd64_variant,
    containerd_cpu_variant,
    containerd_cpu_variant_other,
    containerd_variant_from_uname,
    containers_image_cpu_variant,
    cpuinfo_value,
    detect_host,
    goarch_from_machine,
    read_cpuinfo,
    this_goarch,
    windows_build,
)
from resolver.platform import Platform, parse_platform, this_goos

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hosts"
ARM_VARIANTS = ("v8", "v7", "v6", "v5", "v4", "v3")  # TestCPUVariant's accepted results


def capture(name: str) -> str:
    return (FIXTURES / f"{name}.cpuinfo").read_bytes().decode("utf-8", "surrogateescape")


def test_every_capture_says_where_it_came_from():
    sources = tomllib.loads((FIXTURES / "sources.toml").read_text(encoding="utf-8"))
    listed = {entry["file"] for entry in sources.values()}
    on_disk = {path.name for path in FIXTURES.glob("*.cpuinfo")}
    assert listed == on_disk
    for name, entry in sources.items():
        for field in ("device", "kernel", "source", "commit", "license"):
            assert entry.get(field), f"{name} has no {field}"


# --- getCPUInfo ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("CPU architecture: 7\n", "Cpu architecture", "7"),  # EqualFold on the key
        ("processor\t: 0\nCPU architecture: 8\n\nCPU architecture: 7\n", "cpu architecture", "8"),
        ("model name\t: ARMv7 Processor rev 4 (v7l)", "model name", "ARMv7 Processor rev 4 (v7l)"),
        ("model name : a:b:c\n", "model name", "a"),  # split on every ':', second field only
        ("CPU architecture 7\n", "Cpu architecture", None),  # no ':' at all
        ("CPU architecture:\n", "Cpu architecture", ""),  # two fields, the second empty
        ("  CPU architecture \t:\t 7  \n", "Cpu architecture", "7"),
        ("CPU architecture: 7\r\n", "Cpu architecture", "7"),
        ("foo: 1\rCPU architecture: 7\n", "Cpu architecture", None),  # '\r' ends no line
        ("CPU architecture:\xa07\u3000\n", "Cpu architecture", "7"),  # Go's TrimSpace
        ("CPU architecture: \x1c7\n", "Cpu architecture", "\x1c7"),  # ... which keeps U+001C
        ("\u212aey: v\n", "key", "v"),  # KELVIN SIGN folds to k in Go's EqualFold
        ("\u0131d: v\n", "id", None),  # dotless i does not fold to i
        ("Cpu architecture: 7", "CPU ARCHITECTURE ", None),  # the pattern is not trimmed
        ("", "flags", None),
    ],
)
def test_cpuinfo_value(text, key, expected):
    assert cpuinfo_value(text, key) == expected


def test_cpuinfo_value_reads_bytes_and_none():
    assert cpuinfo_value(b"CPU architecture: 6TEJ\n", "cpu architecture") == "6TEJ"
    assert cpuinfo_value(b"model name\t: \xff\xfe\n", "model name") == "\udcff\udcfe"
    assert cpuinfo_value(None, "model name") is None


def test_cpuinfo_value_stops_like_bufio_scanner_on_a_line_over_64k():
    line = "CPU architecture: 7"
    assert cpuinfo_value("x" * 65535 + "\n" + line, "Cpu architecture") == "7"
    assert cpuinfo_value("x" * 65536 + "\n" + line, "Cpu architecture") is None
    assert cpuinfo_value("\u00e9" * 32768 + "\n" + line, "Cpu architecture") is None  # bytes
    assert cpuinfo_value(line + "\n" + "x" * 70000, "Cpu architecture") == "7"


# --- containerd: getCPUVariantFromArch (cpuinfo_linux_test.go TestGetCPUVariantFromArch) -------


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        ("aarch64", "8"),
        ("Armv8", "8"),
        ("armv7", "7"),
        ("armv6", "6"),
        ("armv5", "5"),
        ("armv4", "4"),
        ("armv3", "3"),
        ("armv9", "unknown"),
        ("armxxxx", None),  # errInvalidArgument
        ("armv", None),  # errInvalidArgument: shorter than 5
        # beyond the upstream table
        ("armv7l", "7"),
        ("armv6l", "6"),
        ("armv8l", "8"),  # a 32-bit process under linux32 on an arm64 kernel
        ("armv5tel", "5"),
        ("AARCH64", "8"),
        ("x86_64", None),
        ("arm", None),  # Go panics slicing arch[0:4]; we give no variant
        ("", None),
    ],
)
def test_containerd_variant_from_uname(machine, expected):
    assert containerd_variant_from_uname(machine) == expected


# --- containerd: getCPUVariant's value table ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8", "v8"), ("AArch64", "v8"),
        ("7", "v7"), ("7M", "v7"),
        ("?(12)", "v7"), ("?(13)", "v7"), ("?(14)", "v7"), ("?(15)", "v7"), ("?(16)", "v7"),
        ("?(17)", "v7"),
        ("6", "v6"), ("6TEJ", "v6"),
        ("5", "v5"), ("5T", "v5"), ("5TE", "v5"), ("5TEJ", "v5"),
        ("4", "v4"), ("4T", "v4"),
        ("3", "v3"),
        ("9", "unknown"), ("?(11)", "unknown"), ("", "unknown"), ("v8", "unknown"),
    ],
)  # fmt: skip
def test_containerd_value_table(value, expected):
    text = f"processor\t: 0\nCPU architecture: {value}\n"
    assert containerd_cpu_variant("arm64", text, "aarch64") == expected
    assert containerd_cpu_variant("arm", text, "armv7l") == expected


def test_containerd_table_is_the_upstream_one():
    assert sorted(CONTAINERD_ARM_VARIANTS) == sorted(
        ["8", "aarch64", "7", "7m", "6", "6tej", "5", "5t", "5te", "5tej", "4", "4t", "3"]
        + [f"?({n})" for n in range(12, 18)]
    )


# --- containerd: the rules around the table --------------------------------------------------

PI_ZERO_LIKE = "model name\t: ARMv6-compatible processor rev 7 (v6l)\nCPU architecture: 7\n"


@pytest.mark.parametrize(
    ("goarch", "text", "machine", "fallback", "expected"),
    [
        # only arm and arm64 have a variant (cpuinfo.go isArmArch)
        ("amd64", PI_ZERO_LIKE, "x86_64", True, ""),
        ("riscv64", "CPU architecture: 8\n", "riscv64", True, ""),
        # the ARMv6 model-name rule: GOARCH arm and the raw value exactly "7"
        ("arm", PI_ZERO_LIKE, "armv6l", True, "v6"),
        ("arm64", PI_ZERO_LIKE, "aarch64", True, "v7"),
        ("arm", PI_ZERO_LIKE.replace(": 7", ": 7m"), "armv6l", True, "v7"),
        ("arm", PI_ZERO_LIKE.replace("ARMv6-compatible", "armv6-COMPATIBLE"), "x", True, "v6"),
        ("arm", PI_ZERO_LIKE.replace("model name", "Processor"), "armv6l", True, "v7"),
        # unreadable /proc/cpuinfo: an error, no uname fallback
        ("arm", None, "armv7l", True, ""),
        # "Cpu architecture" not found: uname fallback (1.6.22+/1.7.0+ only)
        ("arm", "processor\t: 0\n", "armv7l", True, "v7"),
        ("arm", "processor\t: 0\n", "armv7l", False, ""),
        ("arm64", "", "aarch64", True, "v8"),
        ("arm", "", "armv9l", True, "unknown"),
        ("arm", "", "x86_64", True, ""),  # getCPUVariantFromArch's error
        ("arm", "", None, True, ""),  # uname failed
        # the fallback's "7" meets the model-name rule too
        ("arm", "model name\t: ARMv6-compatible processor\n", "armv7l", True, "v6"),
        # a scanner error (a line over 64 KiB) is not errNotFound: no fallback
        ("arm", "x" * 70000 + "\nCPU architecture: 7\n", "armv7l", True, ""),
    ],
)
def test_containerd_cpu_variant_rules(goarch, text, machine, fallback, expected):
    assert containerd_cpu_variant(goarch, text, machine, uname_fallback=fallback) == expected


@pytest.mark.parametrize(
    ("os_name", "goarch", "fallback", "expected"),
    [
        # cpuinfo_other.go (containerd 1.6.22+, 1.7, platforms)
        ("windows", "arm64", True, "v8"),
        ("windows", "arm", True, "v7"),
        ("darwin", "arm64", True, "v8"),
        ("darwin", "arm", True, "v7"),
        ("freebsd", "arm64", True, "v8"),
        ("freebsd", "arm", True, "unknown"),
        ("netbsd", "arm64", True, ""),  # "not implemented"
        ("windows", "amd64", True, ""),  # cpuVariant never asks for non-arm
        # containerd 1.6.0-1.6.21 platforms/cpuinfo.go
        ("windows", "arm64", False, "v8"),
        ("darwin", "arm", False, "v7"),
        ("freebsd", "arm64", False, ""),
        ("android", "arm", False, ""),
        # GOOS android builds cpuinfo_linux.go
        ("android", "arm", True, "v6"),
    ],
)
def test_containerd_cpu_variant_per_os(os_name, goarch, fallback, expected):
    variant = containerd_cpu_variant(
        goarch, PI_ZERO_LIKE, "armv6l", os_name=os_name, uname_fallback=fallback
    )
    assert variant == expected


def test_containerd_other_table_without_goarch_filter():
    assert containerd_cpu_variant_other("windows", "amd64") == "unknown"
    assert containerd_cpu_variant_other("plan9", "arm") == ""


# --- real captures ---------------------------------------------------------------------------

# capture, engine GOARCH, uname -m, containerd (1.6.22+), containerd 1.6.0-1.6.21,
# containers/image v5.22 (Debian 12), containers/image v5.30+
CAPTURES = [
    ("rpi-zero", "arm", "armv6l", "v6", "v6", "v7", "v6"),
    ("rpi-1-b-legacy-kernel", "arm", "armv6l", "v7", "v7", "v7", ""),  # no "model name" line
    ("rpi-2-b", "arm", "armv7l", "v7", "v7", "v7", "v7"),
    ("rpi-3-b-32bit-kernel", "arm", "armv7l", "v7", "v7", "v7", "v7"),
    # Raspberry Pi OS 32-bit (armhf engine) on the 64-bit kernel: linux/arm/v8 (hosts.md 0.1)
    ("rpi-4-b-64bit-kernel", "arm", "aarch64", "v8", "v8", "v8", "v8"),
    ("rpi-4-b-64bit-kernel", "arm64", "aarch64", "v8", "v8", "v8", "v8"),
    ("android-arm64-kernel-32bit-process", "arm", "armv8l", "v8", "v8", "v8", "v8"),
    ("cavium-thunderx-scaleway", "arm64", "aarch64", "v8", "v8", "v8", "v8"),
    ("aws-graviton2", "arm64", "aarch64", "v8", "v8", "v8", "v8"),
    ("aws-graviton3", "arm64", "aarch64", "v8", "v8", "v8", "v8"),
    # qemu-user: the host's x86 cpuinfo, no "CPU architecture": only the uname fallback helps
    ("qemu-user-7.2-arm-on-amd64", "arm", "armv7l", "v7", "", "", ""),
    ("qemu-user-7.2-arm-on-amd64", "arm64", "aarch64", "v8", "", "", ""),
]


@pytest.mark.parametrize(
    ("name", "goarch", "machine", "containerd", "containerd_old", "cimage_old", "cimage"),
    CAPTURES,
)
def test_captures(name, goarch, machine, containerd, containerd_old, cimage_old, cimage):
    text = capture(name)
    assert containerd_cpu_variant(goarch, text, machine) == containerd
    assert containerd_cpu_variant(goarch, text, machine, uname_fallback=False) == containerd_old
    assert containers_image_cpu_variant("linux", goarch, text, version=(5, 22)) == cimage_old
    assert containers_image_cpu_variant("linux", goarch, text, version=(5, 30)) == cimage
    assert containers_image_cpu_variant("linux", goarch, text) == cimage


@pytest.mark.parametrize("name", sorted({c[0] for c in CAPTURES}))
def test_cpu_variant_of_arm_captures_is_a_known_one(name):
    """cpuinfo_linux_test.go TestCPUVariant, on every arm capture instead of the build host."""
    for goarch in ("arm", "arm64"):
        assert containerd_cpu_variant(goarch, capture(name), "aarch64") in ARM_VARIANTS


@pytest.mark.skipif(this_goarch() not in ("arm", "arm64"), reason="only relevant on linux/arm")
def test_cpu_variant_of_this_machine():
    assert detect_host().variant in ARM_VARIANTS


# --- containers/image ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("goos", "goarch", "text", "version", "expected"),
    [
        ("windows", "arm64", None, (5, 22), "v8"),
        ("windows", "arm", None, (5, 22), "v7"),
        ("windows", "amd64", None, (5, 39), ""),
        ("darwin", "arm64", None, (5, 30), ""),  # the Linux path, whose getCPUInfo fails
        ("darwin", "arm64", None, (5, 31), "v8"),  # containers/image#2376
        ("freebsd", "arm64", "CPU architecture: 8", (5, 39), ""),
        ("android", "arm64", "CPU architecture: 8", (5, 39), ""),  # GOOS != "linux"
        ("linux", "amd64", "CPU architecture: 8", (5, 39), ""),
        ("linux", "arm64", "CPU architecture: 9", (5, 39), ""),  # containerd: "unknown"
        ("linux", "arm64", "CPU architecture: 8", (5, 2), ""),  # no variants before v5.3.0
        ("linux", "arm64", PI_ZERO_LIKE, (5, 30), "v6"),  # the rule checks no GOARCH
        ("linux", "arm", "CPU architecture: 7", (5, 29), "v7"),
        ("linux", "arm", "CPU architecture: 7", (5, 30), ""),  # no model name: ""
        ("linux", "arm", "CPU architecture: 7m", (5, 30), "v7"),
        ("linux", "arm", "processor: 0", (5, 39), ""),  # no uname fallback
        ("linux", "arm", None, (5, 39), ""),
    ],
)
def test_containers_image_cpu_variant(goos, goarch, text, version, expected):
    assert containers_image_cpu_variant(goos, goarch, text, version=version) == expected


# --- amd64 levels (tonistiigi/go-archvariant v1.0.0 detectVersion) ---------------------------

V2 = {"pni", "ssse3", "cx16", "sse4_1", "sse4_2", "popcnt", "lahf_lm"}
V3 = V2 | {"fma", "movbe", "xsave", "avx", "f16c", "bmi1", "avx2", "bmi2", "abm"}
V4 = V3 | {"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"}


@pytest.mark.parametrize(
    ("flags", "cpuid_level", "expected"),
    [
        (V4, None, 4),
        (V4, 13, 4),
        (V4, 6, 1),  # cpuid(0).eax < 7
        (V4 - {"avx512vl"}, None, 3),
        (V4 - {"avx512f"}, None, 3),
        (V3, None, 3),
        (V3 - {"avx2"}, None, 2),
        (V3 - {"bmi2"}, None, 2),
        (V3 - {"movbe"}, None, 2),
        (V3 - {"f16c"}, None, 2),
        (V3 - {"xsave"}, None, 2),  # XSAVE and OSXSAVE both missing
        ((V3 - {"xsave"}) | {"osxsave"}, None, 2),  # OSXSAVE alone is not XSAVE
        (V3 | {"osxsave"}, None, 3),
        (V4 - {"abm"}, None, 2),
        (V4 - {"lahf_lm"}, None, 1),  # go-archvariant: no LAHF_LM drops to 2, then to 1
        (V2, None, 2),
        (V2 - {"lahf_lm"}, None, 1),
        (V2 - {"popcnt"}, None, 1),
        (V2 - {"pni"}, None, 1),
        (V4 - {"cx16"}, None, 1),
        (set(), None, 1),
    ],
)
def test_amd64_level_follows_go_archvariant(flags, cpuid_level, expected):
    assert amd64_level(sorted(flags), cpuid_level=cpuid_level) == expected
    assert amd64_level(" ".join(sorted(flags)), cpuid_level=cpuid_level) == expected


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("x86-amd-k10-opteron-6136", 1),
        ("x86-intel-ivybridge-e5-2650v2", 2),
        ("x86-amd-piledriver-fx-8350", 2),
        ("x86-intel-haswell-e5-2680v3", 3),
        ("x86-amd-epyc-dev-vm", 3),
        ("qemu-user-7.2-arm-on-amd64", 3),  # the host's flags, seen through qemu-user
        ("x86-intel-skylake-gold-6132", 4),
        ("x86-amd-zen4-epyc-9654", 4),
        ("aws-graviton2", 1),  # no flags line
    ],
)
def test_amd64_level_of_captures(name, level):
    assert amd64_level_from_cpuinfo(capture(name)) == level


def test_amd64_level_of_odd_cpuinfo():
    assert amd64_level_from_cpuinfo(None) == 1
    assert amd64_level_from_cpuinfo("cpuid level\t: \u00b2\nflags\t: " + " ".join(V4)) == 4
    assert amd64_level_from_cpuinfo("cpuid level\t: 5\nflags\t: " + " ".join(V4)) == 1
    assert [amd64_variant(n) for n in (1, 2, 3, 4)] == ["", "v2", "v3", "v4"]


# --- Windows ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ((10, 0, 20348), "10.0.20348"),
        ((10, 0, 0xF0000000 | 20348), "10.0.20348"),  # the free-build flag in the raw value
        ((10, 0, 0xF0000000 | 26100), "10.0.26100"),
        ((10, 0, 17763), "10.0.17763"),
        ((6, 3, 9600), "6.3.9600"),
    ],
)
def test_windows_build(version, expected):
    assert windows_build(version) == expected


@pytest.mark.skipif(sys.platform == "win32", reason="reads the real build on Windows")
def test_windows_build_off_windows_is_empty():
    assert windows_build() == ""


# --- GOARCH ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("machine", "bits", "byteorder", "expected"),
    [
        ("x86_64", 64, "little", "amd64"),
        ("x86_64", 32, "little", "386"),
        ("i686", 32, "little", "386"),
        ("aarch64", 64, "little", "arm64"),
        ("aarch64", 32, "little", "arm"),  # armhf engine on an arm64 kernel
        ("armv8l", 32, "little", "arm"),
        ("armv7l", 32, "little", "arm"),
        ("armv6l", 32, "little", "arm"),
        ("AMD64", 64, "little", "amd64"),  # Windows PROCESSOR_ARCHITECTURE
        ("ARM64", 64, "little", "arm64"),
        ("x86", 32, "little", "386"),
        ("arm64", 64, "little", "arm64"),  # macOS
        ("ppc64le", 64, "little", "ppc64le"),
        ("s390x", 64, "big", "s390x"),
        ("riscv64", 64, "little", "riscv64"),
        ("loongarch64", 64, "little", "loong64"),
        ("mips64", 64, "little", "mips64le"),
        ("mips64", 64, "big", "mips64"),
        ("mips", 32, "little", "mipsle"),
        ("m68k", 32, "big", "m68k"),
    ],
)
def test_goarch_from_machine(machine, bits, byteorder, expected):
    assert goarch_from_machine(machine, pointer_bits=bits, byteorder=byteorder) == expected


# --- detect_host -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("os_name", "arch", "cpuinfo_name", "machine", "expected"),
    [
        ("linux", "arm", "rpi-zero", "armv6l", Platform("linux", "arm", "v6")),
        ("linux", "arm", "rpi-4-b-64bit-kernel", "aarch64", Platform("linux", "arm", "v8")),
        ("linux", "arm64", "rpi-4-b-64bit-kernel", "aarch64", Platform("linux", "arm64", "v8")),
        ("linux", "arm", "qemu-user-7.2-arm-on-amd64", "armv7l", Platform("linux", "arm", "v7")),
        ("linux", "amd64", "x86-amd-k10-opteron-6136", "x86_64", Platform("linux", "amd64")),
        ("linux", "amd64", "x86-intel-ivybridge-e5-2650v2", "x86_64",
         Platform("linux", "amd64", "v2")),
        ("linux", "amd64", "x86-intel-haswell-e5-2680v3", "x86_64",
         Platform("linux", "amd64", "v3")),
        ("linux", "amd64", "x86-intel-skylake-gold-6132", "x86_64",
         Platform("linux", "amd64", "v4")),
        ("linux", "386", "x86-intel-haswell-e5-2680v3", "x86_64", Platform("linux", "386")),
        ("linux", "riscv64", "aws-graviton2", "riscv64", Platform("linux", "riscv64")),
        ("darwin", "arm64", None, "arm64", Platform("darwin", "arm64", "v8")),
        ("freebsd", "arm", None, "armv7", Platform("freebsd", "arm", "unknown")),
    ],
)  # fmt: skip
def test_detect_host_from_captures(os_name, arch, cpuinfo_name, machine, expected):
    text = capture(cpuinfo_name) if cpuinfo_name else UNREADABLE
    host = detect_host(os_name=os_name, engine_arch=arch, cpuinfo=text, uname_machine=machine)
    assert host == expected


def test_detect_host_unreadable_inputs_give_upstream_fallbacks():
    assert detect_host(
        os_name="linux", engine_arch="arm", cpuinfo=UNREADABLE, uname_machine="armv7l"
    ) == Platform("linux", "arm")
    assert detect_host(
        os_name="linux", engine_arch="arm", cpuinfo="", uname_machine=UNREADABLE
    ) == Platform("linux", "arm")
    assert detect_host(
        os_name="linux", engine_arch="amd64", cpuinfo=UNREADABLE, uname_machine=UNREADABLE
    ) == Platform("linux", "amd64")
    assert detect_host(
        os_name="linux", engine_arch="arm64", cpuinfo=b"", uname_machine="aarch64"
    ) == Platform("linux", "arm64", "v8")


@pytest.mark.parametrize(
    ("arch", "version", "expected"),
    [
        ("amd64", (10, 0, 0xF0000000 | 20348), Platform("windows", "amd64", "", "10.0.20348")),
        ("arm64", (10, 0, 26100), Platform("windows", "arm64", "v8", "10.0.26100")),
        ("amd64", "10.0.17763.6659", Platform("windows", "amd64", "", "10.0.17763")),
    ],
)
def test_detect_host_windows(arch, version, expected):
    host = detect_host(
        os_name="windows", engine_arch=arch, cpuinfo=UNREADABLE, uname_machine=UNREADABLE,
        windows_version=version,
    )
    assert host == expected


def test_detect_host_reads_this_machine():
    host = detect_host()
    assert host.os == this_goos()
    assert host.architecture == this_goarch()
    assert host.os_features == ()
    if host.os == "linux" and host.architecture == "amd64":
        text = read_cpuinfo()
        expected = amd64_level_from_cpuinfo(None if text is UNREADABLE else text)
        assert host.variant == amd64_variant(expected)
    if host.os != "windows":
        assert host.os_version == ""


def test_parse_platform_uses_detect_host_lazily():
    assert parse_platform("linux").architecture == this_goarch()
    assert parse_platform("arm64").os == this_goos()


# --- never raises ----------------------------------------------------------------------------

texts = st.text() | st.binary().map(lambda data: data.decode("utf-8", "surrogateescape"))
goarches = st.sampled_from(["arm", "arm64", "amd64", "386", ""])
goos = st.sampled_from(["linux", "android", "windows", "darwin", "freebsd", "plan9", ""])


@given(texts, st.text())
def test_cpuinfo_value_never_raises(text, key):
    value = cpuinfo_value(text, key)
    assert value is None or isinstance(value, str)


@given(st.binary())
def test_cpuinfo_value_on_bytes_matches_its_decoded_text(data):
    text = data.decode("utf-8", "surrogateescape")
    assert cpuinfo_value(data, "Cpu architecture") == cpuinfo_value(text, "Cpu architecture")


@given(goarches, texts | st.none(), texts | st.none(), st.booleans(), goos)
def test_containerd_cpu_variant_never_raises(goarch, text, machine, fallback, os_name):
    variant = containerd_cpu_variant(
        goarch, text, machine, os_name=os_name, uname_fallback=fallback
    )
    assert variant in ("", "unknown", *ARM_VARIANTS)


@given(goarches, texts | st.none(), goos, st.integers(5, 5), st.integers(0, 40))
def test_containers_image_cpu_variant_never_raises(goarch, text, os_name, major, minor):
    variant = containers_image_cpu_variant(os_name, goarch, text, version=(major, minor))
    assert variant in ("", *ARM_VARIANTS)


@given(texts)
def test_amd64_level_never_raises(text):
    assert amd64_level_from_cpuinfo(text) in (1, 2, 3, 4)


@given(goarches, goos, texts, texts)
def test_detect_host_never_raises(goarch, os_name, text, machine):
    host = detect_host(
        os_name=os_name, engine_arch=goarch, cpuinfo=text, uname_machine=machine,
        windows_version=(10, 0, 20348),
    )
    assert (host.os, host.architecture) == (os_name, goarch)
