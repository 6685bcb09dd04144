"""``oci-archive:FILE[:REF]``: an OCI image layout inside a tar file.

skopeo's ``oci-archive:`` (containers/image ``oci/archive/oci_transport.go``) untars the file into
a temporary directory and reads it as an ``oci:`` layout; ``REF`` is only an image name there
(``ParseReference`` → ``ValidateImageName``: no ``@N``, unlike ``oci:``). The archive may be
compressed (gzip, bzip2, xz; zstd where Python has it), as containers/storage's ``Untar``
decompresses automatically.

pullsim extracts nothing: it reads the tar's headers once (:class:`TarMembers`), then reads the
few members it needs (oci-layout, index.json, manifests, configs) straight from the archive,
each under a size cap, and verifies them like a directory layout (``oci_layout``). The archive
is refused, in one line, when it is not a tar, is truncated, has more than ``MAX_MEMBERS``
entries, or holds a member or link that points outside it (containers/storage
``pkg/archive/archive.go`` ``Unpack``: ``breakoutError("%q is outside of %q")``, and
``createTarFile``: "invalid symlink" / "invalid hardlink"). Two regular members with the same
name are refused as ambiguous (extraction would keep the last, containers/image's
``findTarComponent`` reads the first).

:class:`TarMembers` also serves ``docker-archive:``.
"""

from __future__ import annotations

import lzma
import posixpath
import tarfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from resolver.errors import DocumentError, SourceError
from resolver.sources.oci_layout import open_layout
from resolver.transport_refs import parse_layout_ref, split_path

if TYPE_CHECKING:
    from resolver.lookup import Opened, SourceOptions
    from resolver.reference import Reference

MAX_MEMBERS = 100_000  # far above any docker save / OCI archive; bounds the header index
MAX_LINK_HOPS = 8  # containers/image follows one symlink; extraction follows chains

# Leading bytes of the compressed streams containers/image's AutoDecompress recognizes
# (pkg/compression/compression.go).
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


def sniff_compression(head: bytes) -> str:
    """``gzip``, ``bzip2``, ``xz``, ``zstd``, or ``""`` for an uncompressed stream."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return ""


def zstd_supported() -> bool:
    """Python 3.14 added ``compression.zstd`` (and zstd support in ``tarfile``)."""
    try:
        import compression.zstd  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0].rstrip(":")


@dataclass(frozen=True)
class TarMembers:
    """The members of a tar file by cleaned name (regular files and links); read on demand."""

    path: Path
    where: str
    entries: Mapping[str, tarfile.TarInfo]
    compression: str = ""

    @classmethod
    def scan(cls, path: Path, where: str) -> TarMembers:
        """Read every header once and check the archive is whole and safe."""
        if not path.is_file():
            raise SourceError(f"{where}: no such file")
        try:
            with path.open("rb") as handle:
                head = handle.read(6)
            size = path.stat().st_size
        except OSError as err:
            raise SourceError(f"{where}: cannot read: {err.strerror or err}") from None
        compression = sniff_compression(head)
        if compression == "zstd" and not zstd_supported():
            raise DocumentError(f"{where}: a zstd-compressed archive, which this Python "
                                "(before 3.14) cannot read; decompress it first")
        entries: dict[str, tarfile.TarInfo] = {}
        try:
            with tarfile.open(path, "r:*") as archive:
                for count, info in enumerate(archive, start=1):
                    if count > MAX_MEMBERS:
                        raise DocumentError(f"{where}: more than {MAX_MEMBERS} members, refused")
                    _add_member(entries, info, where)
                if compression:
                    _drain(archive)
                else:
                    _check_tail(path, archive.offset, size, where)
        except DocumentError:
            raise
        except _READ_ERRORS as err:
            raise DocumentError(f"{where}: not a readable tar archive ({_first_line(err)})") \
                from None
        return cls(path, where, entries, compression)

    def resolve(self, name: str) -> tarfile.TarInfo | None:
        """The regular member ``name`` is, following symlinks and hard links inside the
        archive; None when there is none."""
        info = self.entries.get(name)
        hops = 0
        while info is not None and (info.issym() or info.islnk()):
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise DocumentError(f"{self.where}: {name}: too many levels of links")
            name = _link_target(name, info, self.where)
            info = self.entries.get(name)
        return info

    def header(self, name: str) -> tarfile.TarInfo | None:
        """The member ``name`` itself (a link is not followed)."""
        return self.entries.get(name)

    def exists(self, name: str) -> bool:
        return self.resolve(name) is not None

    @contextmanager
    def open_member(self, name: str) -> Iterator[IO[bytes]]:
        """A stream over the bytes of ``name`` (links followed)."""
        info = self.resolve(name)
        if info is None:
            raise SourceError(f"{self.where}: {name} is missing")
        try:
            with tarfile.open(self.path, "r:*") as archive:
                stream = archive.extractfile(info)
                if stream is None:  # pragma: no cover - resolve() returns regular files only
                    raise SourceError(f"{self.where}: {name} is not a regular file")
                yield stream
        except (DocumentError, SourceError):
            raise
        except _READ_ERRORS as err:
            raise DocumentError(f"{self.where}: {name}: cannot read it from the archive "
                                f"({_first_line(err)})") from None

    def read(self, name: str, cap: int) -> bytes:
        info = self.resolve(name)
        if info is None:
            raise SourceError(f"{self.where}: {name} is missing")
        if info.size > cap:
            raise DocumentError(f"{self.where}: {name} is larger than {cap} bytes, refused")
        with self.open_member(name) as stream:
            try:
                data = stream.read(cap + 1)
            except _READ_ERRORS as err:
                raise DocumentError(f"{self.where}: {name}: cannot read it from the archive "
                                    f"({_first_line(err)})") from None
        if len(data) != info.size:
            raise DocumentError(f"{self.where}: {name}: truncated ({len(data)} of "
                                f"{info.size} bytes)")
        return data


def member_name(name: str) -> str:
    """A member name as extraction places it (Go ``filepath.Join`` under the target
    directory: a leading ``/`` stays inside); ``.`` is the root, ``..``… is outside."""
    stripped = name.lstrip("/")
    return posixpath.normpath(stripped) if stripped else "."


def is_outside(cleaned: str) -> bool:
    """Whether a cleaned member name leaves the archive root."""
    return cleaned == ".." or cleaned.startswith("../")


def _link_target(name: str, info: tarfile.TarInfo, where: str) -> str:
    """Where a link member points, as a member name; outside the archive is refused."""
    kind = "symlink" if info.issym() else "hardlink"
    if info.issym():  # relative to the link's directory; absolute would leave the archive
        target = "/" if info.linkname.startswith("/") else member_name(
            posixpath.join(posixpath.dirname(name), info.linkname))
    else:  # hard links name a member from the archive root
        target = member_name(info.linkname)
    if target in (".", "/") or is_outside(target):
        raise DocumentError(f"{where}: invalid {kind} {info.name!r} -> {info.linkname!r} "
                            "(outside of the archive), refused")
    return target


def _add_member(entries: dict[str, tarfile.TarInfo], info: tarfile.TarInfo, where: str) -> None:
    name = member_name(info.name)
    if is_outside(name):
        raise DocumentError(f"{where}: member {info.name!r} is outside of the archive, refused")
    if name == "." or not (info.isreg() or info.issym() or info.islnk()):
        return  # the root, directories, devices, FIFOs: nothing pullsim reads
    if info.issym() or info.islnk():
        _link_target(name, info, where)
    if name in entries:
        raise DocumentError(f"{where}: member {name!r} appears twice, ambiguous, refused")
    entries[name] = info


def _drain(archive: tarfile.TarFile) -> None:
    """Read a compressed stream to its end, so a truncated one fails here, not later."""
    stream = archive.fileobj
    assert stream is not None
    while stream.read(1 << 20):
        pass


def _check_tail(path: Path, offset: int, size: int, where: str) -> None:
    """A partial block after the last member means the file was cut inside a header (Go's
    archive/tar fails with "unexpected EOF"; Python's tarfile stops quietly there, while it
    does report data cut short: "unexpected end of data")."""
    if offset >= size:
        return
    with path.open("rb") as handle:
        handle.seek(offset)
        tail = handle.read(512)
    if len(tail) < 512:
        raise DocumentError(f"{where}: truncated tar archive (a partial header at the end)")


def open_source(reference: Reference, options: SourceOptions) -> Opened:
    """``oci-archive:FILE[:REF]``; the options do not apply to local files."""
    file, ref_text, _ = split_path("oci-archive", reference.target)
    ref = parse_layout_ref(ref_text, allow_index=False)
    members = TarMembers.scan(Path(file), f"oci-archive:{file}")
    return open_layout(reference, members, ref, index_syntax=False)
