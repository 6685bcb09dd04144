"""Platform data as plain tables, apart from the logic that reads them.

Source: containerd/platforms ``database.go`` (the same lists in containerd 1.6 in-tree through
platforms v1.0.0-rc.5; generated from Go's ``go/build/syslist.go``).
"""

from __future__ import annotations

KNOWN_OS = frozenset({
    "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
    "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos",
})

KNOWN_ARCH = frozenset({
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64",
    "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64",
    "s390", "s390x", "sparc", "sparc64", "wasm",
})

# OS aliases after lower-casing (database.go normalizeOS): only macos.
OS_ALIASES = {"macos": "darwin"}

# The arm64 variant table of platforms v1.0.0-rc.1+ (compare.go arm64variantToVersion):
# variant -> ((major, first minor), ...); a variant not in it gives an empty vector.
ARM64_VARIANT_VERSIONS: dict[str, tuple[tuple[int, int], ...]] = {
    "v8": ((8, 0),),
    "v8.0": ((8, 0),),
    **{f"v8.{n}": ((8, n),) for n in range(1, 10)},
    "v9": ((9, 0), (8, 5)),
    "v9.0": ((9, 0), (8, 5)),
    **{f"v9.{n}": ((9, n), (8, min(n + 5, 9))) for n in range(1, 8)},
}

# Windows build numbers (platforms platform_windows_compat.go, hcsshim osversion).
WINDOWS_BUILDS = {
    "ltsc2016": 14393,
    "ltsc2019": 17763,
    "ltsc2022": 20348,
    "win11-22h2": 22621,
    "23h2": 25398,
    "ltsc2025": 26100,
}
