"""The cache: where pullsim keeps what registries sent, so that asking again is cheap.

Everything lives in one directory: ``$PULLSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/pullsim``,
else ``~/.cache/pullsim`` (created ``0700``: it may hold private images' manifests).

==================  ==========================================  ===============================
what                where, keyed by                             invalidation
==================  ==========================================  ===============================
HTTP cache          ``http.sqlite`` (requests-cache, SQLite):   by-digest URLs never expire;
(network path)      URL + ``Accept`` (never ``Authorization``)  tag URLs revalidate (ETag,
                                                                ``If-None-Match``)
HTTP cache entries  ``pending/H``: answers a run kept while      written into ``http.sqlite``
waiting             there was no HTTP cache yet (same rules)    by the next network run
documents           ``blobs/ALG/HEX``: verified manifests,      never (content-addressed);
                    indexes and configs, named by digest        re-verified on every read
tags                ``tags/H``, H = sha256(``name:tag``):       a HEAD comparing the digest,
                    digest, HEAD URL, last check time           or none inside ``--max-age``
references          ``refs/H``, H = sha256(the text typed):     follows the tag
                    the normalized name it stands for
answers             ``answers/H``, H = sha256(version, text     never: a new digest is a new
                    typed, engine, host, platform, top digest): key
                    the printed answer in every output format
==================  ==========================================  ===============================

Only verified content is stored: a body is written after its digest was checked and its size
capped, never on an error status. Nothing that authenticates is stored: no ``Authorization``
header, no token answer, no URL with credentials or a query (a signed blob URL); token
endpoints are never cached. Files are written atomically (a temporary file, then a rename), so
readers never see half a file. A damaged record is a miss (and is written anew); a damaged
document is deleted and fetched again, and a corrupt ``http.sqlite`` rebuilt (or, damaged in
use, bypassed), each with a one-line warning on stderr.

This module is on the warm path (:mod:`resolver.warm`): at import it needs only ``os``, ``sys``,
``marshal`` and ``time``; requests-cache is imported by :func:`http_session` alone.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    import requests

FORMAT = "1"  # bump when a record's shape changes: older records are then misses
HTTP_CACHE = "http.sqlite"
MAX_DOCUMENT = 4 * 1024 * 1024  # the registry client's cap for manifests and configs
_KINDS = ("blobs", "tags", "refs", "answers", "pending")  # pending: resolver.httpentries
_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_HEX = frozenset("0123456789abcdef")
_warned: set[str] = set()


def warn(message: str) -> None:
    """One line on stderr, once per process for the same text."""
    if message not in _warned:
        _warned.add(message)
        print(f"pullsim: warning: {message}", file=sys.stderr)


# --- where ------------------------------------------------------------------------------------

def cache_dir(env: Mapping[str, str] | None = None) -> str:
    """``$PULLSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/pullsim``, else ``~/.cache/pullsim``."""
    environ = os.environ if env is None else env
    if environ.get("PULLSIM_CACHE_DIR"):
        return environ["PULLSIM_CACHE_DIR"]
    base = environ.get("XDG_CACHE_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pullsim")


def _sha256_hex(text: str) -> str:
    return str(_hasher("sha256")(text.encode()).hexdigest())


def _hasher(algorithm: str) -> Any:
    """A hash constructor without importing hashlib where the C module is at hand (hashlib
    costs milliseconds at start, and the warm path counts them)."""
    try:
        if algorithm == "sha256":
            from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]

            return sha256
        from _sha512 import sha512  # type: ignore[import-not-found,unused-ignore]

        return sha512
    except ImportError:  # Python 3.12+: _sha2; or a build without them
        import hashlib

        return getattr(hashlib, algorithm)


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{_hasher(algorithm)(data).hexdigest()}"


def _split_digest(digest: str) -> tuple[str, str] | None:
    """``(algorithm, hex)`` of a digest pullsim can verify, else None."""
    algorithm, _, encoded = digest.partition(":")
    if _HEX_LENGTH.get(algorithm) != len(encoded) or not _HEX.issuperset(encoded):
        return None
    return algorithm, encoded


# --- files ------------------------------------------------------------------------------------

def make_dirs(root: str, directory: str = "") -> None:
    """``root`` (its parents as the umask says) and ``directory`` below it, owner-only: the
    cache may hold private images' manifests. (``os.makedirs`` gives ``mode`` to the last
    directory alone.)"""
    os.makedirs(root, mode=0o700, exist_ok=True)
    current = root
    for part in os.path.relpath(directory or root, root).split(os.sep):
        if part not in (".", ""):
            current = os.path.join(current, part)
            if not os.path.isdir(current):
                os.makedirs(current, mode=0o700, exist_ok=True)


def _write_atomic(root: str, path: str, data: bytes) -> bool:
    """Write ``data`` to ``path`` (below ``root``) through a temporary file and a rename; False
    on failure (the cache is best effort: a full disk or a read-only home only costs speed)."""
    directory = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileNotFoundError:  # the first write there
            make_dirs(root, directory)
            fd = os.open(tmp, flags, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return True
    except OSError as err:
        _unlink(tmp)
        warn(f"cannot write the cache in {directory}: {err.strerror or err}")
        return False


def _unlink(path: str) -> bool:
    """Remove a file; False when it could not be (absent included). (No contextlib: the warm
    path does not import it.)"""
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def _read(path: str, cap: int) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(cap + 1)
    except OSError:
        return None


class Store:
    """The files of the cache directory: documents by digest and small records."""

    def __init__(self, root: str | None = None) -> None:
        self.root = root or cache_dir()

    def _path(self, kind: str, name: str) -> str:
        return os.path.join(self.root, kind, name)

    # -- documents by digest --------------------------------------------------------------------

    def get(self, digest: str, cap: int = MAX_DOCUMENT) -> bytes | None:
        """The stored bytes of ``digest``, verified again; None when absent or damaged (a
        damaged file is removed)."""
        split = _split_digest(digest)
        if split is None:
            return None
        path = self._path("blobs", os.path.join(*split))
        data = _read(path, cap)
        if data is None:
            return None
        if len(data) > cap or digest_of(data, split[0]) != digest:
            warn(f"the cached {digest} was damaged; removed (it is fetched again)")
            _unlink(path)
            return None
        return data

    def put(self, digest: str, data: bytes) -> None:
        """Keep ``data`` under ``digest``, only if it really has that digest."""
        split = _split_digest(digest)
        if split is None or len(data) > MAX_DOCUMENT or digest_of(data, split[0]) != digest:
            return
        path = self._path("blobs", os.path.join(*split))
        if not os.path.exists(path):
            _write_atomic(self.root, path, data)

    # -- records --------------------------------------------------------------------------------

    def _record(self, kind: str, key: str) -> dict[str, Any] | None:
        data = _read(self._path(kind, _sha256_hex(key)), 1024 * 1024)
        if data is None:
            return None
        try:
            version, record = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            return None  # damaged or from another Python: a miss, overwritten later
        if version != FORMAT or not isinstance(record, dict) or record.get("key") != key:
            return None
        return record

    def _save(self, kind: str, key: str, record: dict[str, Any]) -> None:
        _write_atomic(self.root, self._path(kind, _sha256_hex(key)),
                      marshal.dumps((FORMAT, {**record, "key": key})))

    def tag(self, name: str) -> dict[str, Any] | None:
        """The tag record of a normalized name (``host/repo:tag`` or ``host/repo@digest``):
        ``digest``, ``url`` (for a HEAD; "" for a pinned digest), ``verify`` (TLS),
        ``anonymous``, ``checked`` (time.time())."""
        record = self._record("tags", name)
        if record is None or not isinstance(record.get("digest"), str) or not isinstance(
                record.get("url"), str) or not isinstance(record.get("checked"), float):
            return None
        return record

    def save_tag(self, name: str, digest: str, url: str, verify: bool, *,
                 anonymous: bool = True, checked: float | None = None) -> None:
        """``anonymous``: the registry served without asking for authentication (else the
        warm path leaves the revalidation to the registry client)."""
        self._save("tags", name, {"digest": digest, "url": url, "verify": verify,
                                  "anonymous": anonymous,
                                  "checked": time.time() if checked is None else checked})

    def name_of(self, typed: str) -> str | None:
        """The normalized name a typed reference stood for when it was last resolved."""
        record = self._record("refs", typed)
        name = record.get("name") if record else None
        return name if isinstance(name, str) else None

    def answer(self, key: str) -> dict[str, Any] | None:
        """An answer: ``exit`` (int) and ``out`` (output format → the text printed)."""
        record = self._record("answers", key)
        if record is None or not isinstance(record.get("exit"), int) or not isinstance(
                record.get("out"), dict):
            return None
        return record

    def save_answer(self, typed: str, name: str, key: str, exit_code: int,
                    outputs: Mapping[str, str]) -> None:
        if self.name_of(typed) != name:
            self._save("refs", typed, {"name": name})
        self._save("answers", key, {"exit": exit_code, "out": dict(outputs)})


# --- keys -------------------------------------------------------------------------------------

_CPUINFO_KEYS = (b"cpu architecture", b"model name", b"flags", b"cpuid level")


def host_key(text: str) -> str | None:
    """What an answer for ``--host text`` depends on. An explicit platform is its text;
    ``detect`` is the facts :func:`resolver.host.detect_host` reads (GOOS, uname's machine, the
    pointer size and byte order of this Python, and the /proc/cpuinfo lines it consults), read
    here without importing it. None where those facts are not cheap to read (off Linux)."""
    if text != "detect":
        return f"platform:{text}"
    if not sys.platform.startswith("linux"):
        return None
    cpuinfo = _read("/proc/cpuinfo", 4 * 1024 * 1024) or b""
    lines = set()
    for line in cpuinfo.split(b"\n"):
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() in _CPUINFO_KEYS:
            lines.add(key.strip().lower() + b":" + b" ".join(value.split()))
    facts = (sys.platform, os.uname().machine, str(sys.maxsize > 2**32), sys.byteorder,
             _hasher("sha256")(b"\n".join(sorted(lines))).hexdigest())
    return "detect:" + "/".join(facts)


def answer_key(typed: str, engine: str, host: str, platform: str | None, digest: str) -> str:
    """The key of a remembered answer (``host`` from :func:`host_key`)."""
    from resolver import __version__

    return "\0".join((__version__, typed, engine, host, platform or "", digest))


def remember_answer(typed: str, name: str, engine: str, host: str, platform: str | None,
                    digest: str, exit_code: int, outputs: Mapping[str, str],
                    store: Store | None = None) -> None:
    """Keep what ``pullsim resolve`` printed, for the warm path to print again."""
    key = host_key(host)
    if key is not None:
        (store or Store()).save_answer(typed, name, answer_key(typed, engine, key, platform,
                                                               digest), exit_code, outputs)


# --- revalidated in this process --------------------------------------------------------------

FRESH_SECONDS = 5.0  # how long a check made by the warm path stands for the network path
_FRESH: dict[tuple[str, str], tuple[str, float]] = {}


def mark_fresh(root: str, name: str, digest: str) -> None:
    """The warm path has just checked that ``name`` is at ``digest``: the network path, which
    answers next when no answer was remembered, need not ask again."""
    _FRESH[(root, name)] = (digest, time.monotonic())


def fresh_digest(root: str, name: str) -> str | None:
    found = _FRESH.get((root, name))
    if found is None or time.monotonic() - found[1] > FRESH_SECONDS:
        return None
    return found[0]


# --- the HTTP cache (requests-cache) ----------------------------------------------------------

def http_cache_path(root: str | None = None) -> str:
    return os.path.join(root or cache_dir(), HTTP_CACHE)


def _sqlite_ok(path: str) -> bool:
    """Whether ``path`` is absent or a readable SQLite database whose tables can be read."""
    if not os.path.exists(path):
        return True
    import sqlite3

    try:
        with sqlite3.connect(path) as db:
            names = [row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            for name in names:
                db.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            db.execute("PRAGMA quick_check").fetchone()
        return True
    except sqlite3.Error:
        return False


def _remove_sqlite(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        _unlink(path + suffix)


def http_session(root: str | None = None) -> requests.Session:
    """A requests-cache session over ``http.sqlite``, or a plain session when the cache
    cannot be used (then a warning says why). A corrupt file is rebuilt."""
    path = http_cache_path(root)
    if not _sqlite_ok(path):
        warn(f"the HTTP cache {path} was corrupt; rebuilt")
        _remove_sqlite(path)
    try:
        make_dirs(os.path.dirname(path))
        from resolver.httpcache import RegistryCachedSession

        session = RegistryCachedSession(path)
        session.take_in(root or cache_dir())  # what cold runs left for it
        return session
    except Exception as err:  # an unusable cache must never stop an answer
        warn(f"the HTTP cache {path} cannot be used ({type(err).__name__}: {err}); "
             "continuing without it")
        import requests

        return requests.Session()


# --- pullsim cache info / clear ---------------------------------------------------------------

def _dir_usage(path: str) -> tuple[int, int]:
    files = size = 0
    for directory, _subdirs, names in os.walk(path):
        for name in names:
            if name.endswith(".tmp"):
                continue
            try:
                size += os.stat(os.path.join(directory, name)).st_size
            except OSError:
                continue
            files += 1
    return files, size


def info(root: str | None = None) -> dict[str, Any]:
    """Where the cache is, its size, and how many entries of each kind it holds."""
    root = root or cache_dir()
    path = http_cache_path(root)
    http: dict[str, Any] = {"path": path, "bytes": 0, "responses": 0, "ok": True}
    if os.path.exists(path):
        http["bytes"] = sum(os.stat(path + s).st_size for s in ("", "-wal")
                            if os.path.exists(path + s))
        import sqlite3

        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                row = db.execute("SELECT count(*) FROM responses").fetchone()
                http["responses"] = int(row[0])
        except sqlite3.Error:
            http["ok"] = False
    out: dict[str, Any] = {"directory": root, "http_cache": http}
    total = http["bytes"]
    for kind in _KINDS:
        files, size = _dir_usage(os.path.join(root, kind))
        out[kind] = {"entries": files, "bytes": size}
        total += size
    out["bytes"] = total
    return out


def clear(root: str | None = None) -> int:
    """Remove every file of the cache (nothing else in the directory); the bytes freed."""
    import shutil

    root = root or cache_dir()
    freed = info(root)["bytes"]
    _remove_sqlite(http_cache_path(root))
    for kind in _KINDS:
        shutil.rmtree(os.path.join(root, kind), ignore_errors=True)
    return int(freed)
