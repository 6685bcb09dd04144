"""This machine as each engine detects it: GOOS/GOARCH, the CPU variant, the Windows build.

Engines read the same few facts (the GOOS and GOARCH of their own binary, ``/proc/cpuinfo``,
``uname(2)``'s machine field, the Windows build) and differ in the rules they apply to them.
Every rule here is a pure function of those facts, so tests feed real captures
(``fixtures/hosts/``); only the ``read_*`` functions and :func:`detect_host`'s defaults touch the
machine, and nothing here raises on odd input: an unreadable file gives what upstream gives.

Sources, each cited beside its rule:
- containerd/platforms ``cpuinfo.go``, ``cpuinfo_linux.go``, ``cpuinfo_other.go`` (v0.1.0 to
  v1.0.0-rc.4 behave alike) and containerd 1.6.0 to 1.6.21's in-tree ``platforms/cpuinfo.go``;
- containers/image ``internal/pkg/platform/platform_matcher.go`` (v5.3.0 to v5.36.1, and
  container-libs image/v5.39.x);
- tonistiigi/go-archvariant v1.0.0 ``amd64variant.go`` (the amd64 level moby reports);
- golang.org/x/sys/windows ``RtlGetNtVersionNumbers`` (containerd's Windows ``DefaultSpec``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Final, Literal

from resolver.platform import Platform, this_goos


class Unreadable(Enum):
    """A machine fact that could not be read (``os.Open`` or ``uname(2)`` failed)."""

    UNREADABLE = "unreadable"


UNREADABLE: Final = Unreadable.UNREADABLE

# ---------------------------------------------------------------------------------------------
# Go's text rules, as far as cpuinfo parsing depends on them
# ---------------------------------------------------------------------------------------------

# unicode.IsSpace, which strings.TrimSpace uses: ASCII white space, U+0085, U+00A0 and the
# other Unicode White_Space characters. Not Python's str.strip(), which also strips
# U+001C..U+001F.
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)

# bufio.Scanner's default buffer (bufio.MaxScanTokenSize = 64 KiB): a line that does not fit,
# newline included, stops the scan with ErrTooLong, an error that is not errNotFound.
_GO_SCANNER_MAX_LINE_BYTES: Final = 64 * 1024 - 1


def _go_trim_space(text: str) -> str:
    return text.strip(_GO_SPACE)


def _go_lower(text: str) -> str:
    """strings.ToLower: the simple (one-to-one) lower-case mapping; İ (U+0130) becomes i."""
    if text.isascii():
        return text.lower()
    return "".join("i" if ch == "\u0130" else _simple_lower(ch) for ch in text)


def _simple_lower(ch: str) -> str:
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


# The only non-ASCII runes whose unicode.SimpleFold orbit holds an ASCII letter.
_FOLDS_TO_ASCII: Final = {"\u212a": "k", "\u017f": "s"}  # KELVIN SIGN, LATIN SMALL LONG S


def _rune_fold_key(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    if "\udc80" <= ch <= "\udcff":  # a raw byte (surrogateescape): Go decodes it as U+FFFD
        return "\ufffd"
    if ch in _FOLDS_TO_ASCII:
        return _FOLDS_TO_ASCII[ch]
    # Beyond ASCII an approximation of the fold orbit; it never lands on ASCII (U+0131 is not i).
    upper = ch.upper()
    key = _simple_lower(upper) if len(upper) == 1 else _simple_lower(ch)
    return ch if key.isascii() else key


def _go_equal_fold(a: str, b: str) -> bool:
    """strings.EqualFold: rune by rune under Unicode simple case folding."""
    if a == b:
        return True
    if len(a) != len(b):
        return False
    return all(x == y or _rune_fold_key(x) == _rune_fold_key(y) for x, y in zip(a, b, strict=True))


def _as_text(data: str | bytes) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "surrogateescape")
    return data


def _go_bytes(text: str) -> bytes:
    """The bytes Go would hold: surrogateescape'd raw bytes go back to themselves."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no byte stands for
        return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------------------------
# /proc/cpuinfo, the way getCPUInfo reads it
# ---------------------------------------------------------------------------------------------


class _ScanFailed(Enum):
    TOO_LONG = "bufio.Scanner: token too long"


def _get_cpu_info(cpuinfo_text: str | bytes, pattern: str) -> str | _ScanFailed | None:
    """getCPUInfo (containerd/platforms cpuinfo_linux.go; the same code in containers/image
    platform_matcher.go): scan line by line; split each line on *every* ':'; the first line
    whose trimmed first field EqualFolds ``pattern`` gives its trimmed *second* field, so text
    after a second ':' is lost. None is errNotFound."""
    for line in _as_text(cpuinfo_text).split("\n"):  # bufio.ScanLines splits on '\n' only
        if (
            len(line) > _GO_SCANNER_MAX_LINE_BYTES // 4
            and len(_go_bytes(line)) > _GO_SCANNER_MAX_LINE_BYTES
        ):
            return _ScanFailed.TOO_LONG
        fields = line.split(":")
        if len(fields) > 1 and _go_equal_fold(_go_trim_space(fields[0]), pattern):
            return _go_trim_space(fields[1])
    return None


def cpuinfo_value(cpuinfo_text: str | bytes | None, key: str) -> str | None:
    """The value of ``key`` in cpuinfo text with containerd's getCPUInfo semantics.

    Case-insensitive key (Go's EqualFold on the trimmed text before the first ':'), first
    matching line (the first core), the trimmed text between the first and second ':'. None
    when the key is absent, the text is None (unreadable), or the scan fails as Go's does on a
    line of 64 KiB or more.
    """
    if cpuinfo_text is None:
        return None
    found = _get_cpu_info(cpuinfo_text, key)
    return found if isinstance(found, str) else None


def read_cpuinfo(path: str = "/proc/cpuinfo") -> str | Unreadable:
    """The text of ``path`` (raw bytes kept through surrogateescape), or UNREADABLE."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except (OSError, ValueError):
        return UNREADABLE


def read_uname_machine() -> str | Unreadable:
    """uname(2)'s machine field for this process (what Go's unix.Uname returns)."""
    try:
        if hasattr(os, "uname"):
            return os.uname().machine
        import platform  # Windows: no uname(2); PROCESSOR_ARCHITECTURE

        return platform.machine() or UNREADABLE
    except OSError:
        return UNREADABLE


# ---------------------------------------------------------------------------------------------
# containerd: cpuVariant()
# ---------------------------------------------------------------------------------------------

# cpuinfo_linux.go getCPUVariant: the lower-cased "CPU architecture" value (or the uname
# fallback's digit) to the variant; anything else is "unknown". The kernel prints the ARM
# memory-model architecture, "?(12)".."?(17)" for CPUID-scheme values it has no name for.
CONTAINERD_ARM_VARIANTS: Final[Mapping[str, str]] = {
    "8": "v8", "aarch64": "v8",
    "7": "v7", "7m": "v7",
    "?(12)": "v7", "?(13)": "v7", "?(14)": "v7", "?(15)": "v7", "?(16)": "v7", "?(17)": "v7",
    "6": "v6", "6tej": "v6",
    "5": "v5", "5t": "v5", "5te": "v5", "5tej": "v5",
    "4": "v4", "4t": "v4",
    "3": "v3",
}  # fmt: skip

# cpuinfo_linux.go getCPUVariantFromArch: "armvX..." keyed by bytes [3:5] of the machine name.
_UNAME_ARM_DIGITS: Final = {"v8": "8", "v7": "7", "v6": "6", "v5": "5", "v4": "4", "v3": "3"}

# The kernel reports "CPU architecture: 7" on ARMv6 boards such as the Raspberry Pi Zero and 1
# (https://www.raspberrypi.org/forums/viewtopic.php?t=12614); their "model name" says the truth.
_ARMV6_MODEL_PREFIX: Final = "armv6-compatible"


def containerd_variant_from_uname(machine: str) -> str | None:
    """getCPUVariantFromArch (containerd/platforms cpuinfo_linux.go, containerd 1.6.22+/1.7.0+):
    the raw variant digit from uname's machine field; None where Go returns an error."""
    arch = _go_lower(machine)
    if arch == "aarch64":
        return "8"
    raw = _go_bytes(arch)
    if len(raw) < 4:
        # Go slices arch[0:4] before checking the length and panics here; no arm machine has
        # so short a name, and a caller that could reach this gets no variant.
        return None
    if raw[:4] == b"armv" and len(raw) >= 5:
        return _UNAME_ARM_DIGITS.get(raw[3:5].decode("ascii", "replace"), "unknown")
    return None


def containerd_cpu_variant_other(os_name: str, goarch: str) -> str:
    """getCPUVariant on non-Linux hosts (containerd/platforms cpuinfo_other.go; containerd
    1.6.22+/1.7.0+): fixed per GOOS, no file read; "" where Go returns "not implemented"."""
    if os_name in ("windows", "darwin"):  # only v7 for ARM32 and v8 for ARM64 exist there
        return {"arm64": "v8", "arm": "v7"}.get(goarch, "unknown")
    if os_name == "freebsd":  # FreeBSD's ARMv4-v7 variants are not detected upstream
        return "v8" if goarch == "arm64" else "unknown"
    return ""


def _containerd_linux_variant(
    goarch: str,
    cpuinfo_text: str | bytes | None,
    uname_machine: str | None,
    uname_fallback: bool,
) -> str:
    if cpuinfo_text is None:  # os.Open failed: an error, and no fallback
        return ""
    raw = _get_cpu_info(cpuinfo_text, "Cpu architecture")
    if isinstance(raw, _ScanFailed):  # a scanner error is not errNotFound: no fallback either
        return ""
    if raw is None:
        # errNotFound, e.g. qemu-user on x86, where /proc/cpuinfo is the host's: fall back to
        # uname's machine field (containerd#7636: containerd 1.6.22, 1.7.0, all of platforms).
        if not uname_fallback or uname_machine is None:
            return ""
        raw = containerd_variant_from_uname(uname_machine)
        if raw is None:
            return ""
    if goarch == "arm" and raw == "7":  # ARMv6 boards (containerd#4530); GOARCH arm only
        model = _get_cpu_info(cpuinfo_text, "model name")
        if isinstance(model, str) and _go_lower(model).startswith(_ARMV6_MODEL_PREFIX):
            raw = "6"
    return CONTAINERD_ARM_VARIANTS.get(_go_lower(raw), "unknown")


def containerd_cpu_variant(
    goarch: str,
    cpuinfo_text: str | bytes | None,
    uname_machine: str | None,
    *,
    os_name: str = "linux",
    uname_fallback: bool = True,
) -> str:
    """containerd's ``cpuVariant()``: the variant its DefaultSpec carries.

    ``goarch`` is the engine binary's GOARCH; only ``arm`` and ``arm64`` get a variant
    (cpuinfo.go). ``cpuinfo_text`` is /proc/cpuinfo (None: unreadable, which gives ""),
    ``uname_machine`` uname(2)'s machine field (None: uname failed).

    ``uname_fallback=False`` is containerd 1.6.0 to 1.6.21 (in-tree ``platforms/cpuinfo.go``):
    no uname fallback; and, off Linux, only windows and darwin have a table (GOOS android and
    freebsd fail, giving ""). True is containerd 1.6.22+, 1.7.x and containerd/platforms.
    Failures give "", as upstream logs the error and keeps the empty value.
    """
    if goarch not in ("arm", "arm64"):  # cpuinfo.go: isArmArch(runtime.GOARCH)
        return ""
    if uname_fallback:
        if os_name in ("linux", "android"):  # Go builds cpuinfo_linux.go for android too
            return _containerd_linux_variant(goarch, cpuinfo_text, uname_machine, True)
        return containerd_cpu_variant_other(os_name, goarch)
    # containerd 1.6.0-1.6.21 platforms/cpuinfo.go getCPUVariant
    if os_name in ("windows", "darwin"):
        return {"arm64": "v8", "arm": "v7"}.get(goarch, "unknown")
    if os_name != "linux":  # getCPUInfo: isLinuxOS(GOOS) is GOOS == "linux"; not implemented
        return ""
    return _containerd_linux_variant(goarch, cpuinfo_text, uname_machine, False)


# ---------------------------------------------------------------------------------------------
# containers/image: getCPUVariant(runtime.GOOS, runtime.GOARCH)
# ---------------------------------------------------------------------------------------------


def containers_image_cpu_variant(
    goos: str,
    goarch: str,
    cpuinfo_text: str | bytes | None,
    *,
    version: tuple[int, int] = (5, 39),
) -> str:
    """containers/image's ``getCPUVariant`` (internal/pkg/platform/platform_matcher.go) as of
    ``version`` = (5, minor): the variant podman, skopeo, buildah and CRI-O want by default.

    Differences from containerd: no uname fallback; an unknown value gives ""; the ARMv6 rule
    (containers/image#2086, v5.30.0) applies on arm64 too, and when "model name" is missing it
    gives "" (logged "it may be the corner case where variant is 6"); darwin is fixed like
    windows only from v5.31.0 (before, it took the Linux path, whose getCPUInfo fails off
    Linux); variant detection exists from v5.3.0.
    """
    if version < (5, 3):
        return ""
    if goos == "windows" or (goos == "darwin" and version >= (5, 31)):
        return {"arm64": "v8", "arm": "v7"}.get(goarch, "")  # getCPUVariantDarwinWindows
    if goarch not in ("arm", "arm64"):
        return ""
    if goos != "linux" or cpuinfo_text is None:  # getCPUInfo: not implemented / open failed
        return ""
    raw = _get_cpu_info(cpuinfo_text, "Cpu architecture")
    if not isinstance(raw, str):
        return ""
    lowered = _go_lower(raw)
    if lowered == "7" and version >= (5, 30):
        model = _get_cpu_info(cpuinfo_text, "model name")
        if not isinstance(model, str):
            return ""
        return "v6" if _go_lower(model).startswith(_ARMV6_MODEL_PREFIX) else "v7"
    # getCPUVariantArm's switch has containerd's cases; its default is "", not "unknown".
    return CONTAINERD_ARM_VARIANTS.get(lowered, "")


# ---------------------------------------------------------------------------------------------
# amd64 micro-architecture level: tonistiigi/go-archvariant v1.0.0 AMD64Variant()
# ---------------------------------------------------------------------------------------------
# go-archvariant reads CPUID and XGETBV; here the same checks read the flag names Linux prints
# in /proc/cpuinfo (arch/x86/include/asm/cpufeatures.h), which are the kernel's view of CPUID:
# - SSE3 is printed "pni"; LZCNT (leaf 0x80000001 ECX bit 5) is "abm" on Intel and AMD alike.
# - OSXSAVE (leaf 1 ECX bit 27) is a hidden flag that kernels since 2.6.3x never print. The
#   kernel sets CR4.OSXSAVE, the bit CPUID mirrors, exactly when it uses XSAVE, which is when it
#   prints "xsave" ("noxsave" clears both), so "xsave" stands for both bits; an "osxsave" flag
#   (older kernels printed one) counts as well.
# - The XGETBV checks (XCR0 bits 1+2 for v3; 5+6+7 for v4) need no flag of their own: the kernel
#   enables in XCR0 the register state of each feature it keeps (fpu/xstate.c), and it drops
#   avx, avx2 and avx512* when it runs without XSAVE (cpuid-deps.c), so a flag set that passes
#   the CPUID checks below passes those too.
# - cpuid(0).eax < 7 is the "cpuid level" line; without it the check is skipped (Linux reads
#   leaf 7 only when it exists, so its flags are absent then anyway). A max extended leaf below
#   0x80000001 shows as a missing lahf_lm, which already gives v1.

_V2_LEAF1: Final = ("pni", "ssse3", "cx16", "sse4_1", "sse4_2", "popcnt")
_V3_LEAF1: Final = (*_V2_LEAF1, "fma", "movbe", "xsave", "osxsave", "avx", "f16c")
_V3_LEAF7: Final = ("bmi1", "avx2", "bmi2")
_V4_LEAF7: Final = (*_V3_LEAF7, "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl")
_V2_EXT: Final = ("lahf_lm",)
_V3_EXT: Final = (*_V2_EXT, "abm")


def amd64_level(flags: str | Iterable[str], *, cpuid_level: int | None = None) -> int:
    """The x86-64 micro-architecture level 1..4 that go-archvariant's ``detectVersion`` gives
    for a CPU with these Linux ``flags`` (the /proc/cpuinfo line's value or its words).

    ``cpuid_level``: the "cpuid level" line (highest basic CPUID leaf); below 7 gives 1.
    The checks keep go-archvariant's order, quirks included: a CPU with every v4 feature but
    no lahf_lm is level 1.
    """
    have = set(flags.split()) if isinstance(flags, str) else set(flags)
    if "xsave" in have:
        have.add("osxsave")
    if cpuid_level is not None and cpuid_level < 7:
        return 1
    level = 4
    if not have.issuperset(_V3_LEAF1):
        level = 2
        if not have.issuperset(_V2_LEAF1):
            return 1
    if level == 4 and not have.issuperset(_V4_LEAF7):
        level = 3
    if level == 3 and not have.issuperset(_V3_LEAF7):
        level = 2
    if level >= 3 and not have.issuperset(_V3_EXT):
        level = 2
    if level == 2 and not have.issuperset(_V2_EXT):
        return 1
    return level


def amd64_level_from_cpuinfo(cpuinfo_text: str | bytes | None) -> int:
    """:func:`amd64_level` of the first core's ``flags`` and ``cpuid level`` lines; 1 when the
    text is unreadable or has no flags line (as go-archvariant on a non-amd64 build)."""
    flags = cpuinfo_value(cpuinfo_text, "flags")
    if flags is None:
        return 1
    level_text = cpuinfo_value(cpuinfo_text, "cpuid level")
    digits = level_text is not None and level_text.isascii() and level_text.isdigit()
    cpuid_level = int(level_text) if digits and level_text is not None else None
    return amd64_level(flags, cpuid_level=cpuid_level)


def amd64_variant(level: int) -> str:
    """The OCI variant for a level: "" for v1 (normalized away), else "v2".."v4"."""
    return f"v{level}" if level > 1 else ""


# ---------------------------------------------------------------------------------------------
# Windows build
# ---------------------------------------------------------------------------------------------


def windows_build(version: tuple[int, int, int] | None = None) -> str:
    """containerd's Windows os.version: ``fmt.Sprintf("%d.%d.%d", RtlGetNtVersionNumbers())``.

    golang.org/x/sys/windows masks the build with 0xffff (the raw value carries 0xF0000000 on
    free builds); there is no UBR. ``version`` is (major, minor, raw build); None reads this
    machine, and gives "" off Windows or when the call fails.
    """
    if version is None:
        read = read_windows_version()
        if read is None:
            return ""
        version = read
    major, minor, build = version
    return f"{major & 0xFFFFFFFF}.{minor & 0xFFFFFFFF}.{build & 0xFFFF}"


def read_windows_version() -> tuple[int, int, int] | None:
    """ntdll's RtlGetNtVersionNumbers on Windows (the real version, no compatibility shim);
    else sys.getwindowsversion(); None off Windows."""
    if sys.platform != "win32":
        return None
    try:
        import ctypes

        major, minor, build = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_ulong()
        ctypes.WinDLL("ntdll").RtlGetNtVersionNumbers(
            ctypes.byref(major), ctypes.byref(minor), ctypes.byref(build)
        )
        return major.value, minor.value, build.value
    except (OSError, AttributeError, ValueError):
        try:
            info = sys.getwindowsversion()
            return info.major, info.minor, info.build
        except (OSError, AttributeError):
            return None


# ---------------------------------------------------------------------------------------------
# The engine binary's GOARCH
# ---------------------------------------------------------------------------------------------

# uname machine names (and Windows PROCESSOR_ARCHITECTURE values) to Go's GOARCH for a 64-bit,
# little-endian process; arm* names are handled apart.
_GOARCH_BY_MACHINE: Final[Mapping[str, str]] = {
    "x86_64": "amd64", "amd64": "amd64", "x64": "amd64", "em64t": "amd64",
    "i386": "386", "i486": "386", "i586": "386", "i686": "386", "x86": "386",
    "aarch64": "arm64", "arm64": "arm64", "aarch64_be": "arm64be",
    "ppc64le": "ppc64le", "ppc64": "ppc64", "ppc": "ppc",
    "s390x": "s390x", "s390": "s390",
    "riscv64": "riscv64", "riscv32": "riscv",
    "loongarch64": "loong64",
    "mips64": "mips64", "mips": "mips",
    "sparc64": "sparc64", "sparc": "sparc",
}  # fmt: skip

# A 32-bit process on a 64-bit kernel (an armhf engine on an arm64 kernel, say).
_GOARCH_32BIT: Final[Mapping[str, str]] = {
    "amd64": "386", "arm64": "arm", "ppc64": "ppc", "ppc64le": "ppc", "s390x": "s390",
    "mips64": "mips", "mips64le": "mipsle", "riscv64": "riscv", "sparc64": "sparc",
}  # fmt: skip

_GOARCH_LITTLE_ENDIAN: Final[Mapping[str, str]] = {
    "mips64": "mips64le", "mips": "mipsle", "ppc64": "ppc64le",
}


def goarch_from_machine(
    machine: str, *, pointer_bits: int = 64, byteorder: Literal["little", "big"] = "little"
) -> str:
    """Go's GOARCH for a process of ``pointer_bits`` on a machine uname calls ``machine``."""
    name = machine.strip().lower()
    goarch = "arm" if name.startswith("arm") and name != "arm64" else _GOARCH_BY_MACHINE.get(name)
    if goarch is None:
        return name
    if byteorder == "little":
        goarch = _GOARCH_LITTLE_ENDIAN.get(goarch, goarch)
    if pointer_bits == 32:
        goarch = _GOARCH_32BIT.get(goarch, goarch)
    return goarch


def this_goarch() -> str:
    """GOARCH for this Python process, the stand-in for the engine binary on this machine."""
    if sys.platform == "win32":
        import sysconfig  # the interpreter's own build: win-amd64, win32, win-arm64, win-arm32

        build = sysconfig.get_platform()
        return {"win-amd64": "amd64", "win32": "386", "win-arm64": "arm64",
                "win-arm32": "arm"}.get(build, goarch_from_machine(build.removeprefix("win-")))
    machine = read_uname_machine()
    if isinstance(machine, Unreadable):
        return ""
    bits = 64 if sys.maxsize > 2**32 else 32
    return goarch_from_machine(machine, pointer_bits=bits, byteorder=sys.byteorder)


# ---------------------------------------------------------------------------------------------
# The host
# ---------------------------------------------------------------------------------------------


def detect_host(
    *,
    os_name: str | None = None,
    engine_arch: str | None = None,
    cpuinfo: str | bytes | Unreadable | None = None,
    uname_machine: str | Unreadable | None = None,
    windows_version: tuple[int, int, int] | str | None = None,
) -> Platform:
    """This machine at the finest grain: what engines start from (DESIGN.md, "host").

    - os: GOOS; architecture: the engine binary's GOARCH (default: this Python's);
    - variant: for arm and arm64 containerd's cpuVariant() (so an armhf engine on an arm64
      kernel is ``linux/arm/v8``, a Pi Zero ``linux/arm/v6``); for amd64 the go-archvariant
      level from the cpuinfo flags (``v2``..``v4``; v1 is ""); else "";
    - os_version: on Windows ``major.minor.build`` (a string is cut to its first three fields).

    Each input defaults to this machine (None); pass UNREADABLE for a fact that cannot be read.
    """
    goos = os_name if os_name is not None else this_goos()
    goarch = engine_arch if engine_arch is not None else this_goarch()

    def cpuinfo_text() -> str | bytes | None:
        if cpuinfo is None:
            read = read_cpuinfo() if goos in ("linux", "android") else UNREADABLE
            return None if isinstance(read, Unreadable) else read
        return None if isinstance(cpuinfo, Unreadable) else cpuinfo

    variant = ""
    if goarch in ("arm", "arm64"):
        machine = uname_machine if uname_machine is not None else read_uname_machine()
        variant = containerd_cpu_variant(
            goarch,
            cpuinfo_text(),
            None if isinstance(machine, Unreadable) else machine,
            os_name=goos,
        )
    elif goarch == "amd64":
        variant = amd64_variant(amd64_level_from_cpuinfo(cpuinfo_text()))

    os_version = ""
    if goos == "windows":
        if isinstance(windows_version, str):
            os_version = ".".join(windows_version.split(".")[:3])
        else:
            os_version = windows_build(windows_version)
    return Platform(goos, goarch, variant, os_version)
