"""HTTP-cache entries: which registry answers may be kept, in what shape, and those a cold run
leaves for requests-cache to take in later.

Importing requests-cache costs about as much as the rest of a cold answer (benchmarks/README.md),
and with no ``http.sqlite`` yet there is nothing in it to read. So a run that finds no HTTP cache
does not open it: each answer the registry client keeps is written to ``pending/`` instead (one
small file per answer: the same filtered request and response headers requests-cache would
store, and the verified body). The next run that goes to the network opens the HTTP cache and
writes these entries into it first (:func:`resolver.httpcache.RegistryCachedSession.take_in`).

This module is on the cold path: it must not import requests or requests-cache.
"""

from __future__ import annotations

import marshal
import os
import re
from urllib.parse import urlsplit

from resolver.cache import (
    MAX_DOCUMENT,
    _read,
    _sha256_hex,
    _unlink,
    _write_atomic,
    digest_of,
    warn,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

PENDING = "pending"
FORMAT = "1"  # bump when a record's shape changes: older records are then dropped
_CONTENT_PATH = re.compile(r"/v2/(?:[^/?#]+/)+(?:manifests|blobs)/[^/?#]+")
_BY_DIGEST = re.compile(r"/(?:manifests|blobs)/sha(?:256|512):[0-9a-f]+$")
_KEPT_REQUEST_HEADERS = frozenset({"accept", "user-agent"})
_DROPPED_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2", "www-authenticate",
                                       "authorization", "proxy-authenticate"})
_RECORD_CAP = MAX_DOCUMENT + 64 * 1024  # a body and its headers


def cacheable_url(url: str) -> bool:
    """A registry content URL that carries nothing secret: no user info, no query."""
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https") and not parts.username and not parts.password
            and not parts.query and not parts.fragment
            and _CONTENT_PATH.fullmatch(parts.path) is not None)


def immutable(url: str) -> bool:
    """A by-digest URL: its answer never changes, so its entry never expires."""
    return _BY_DIGEST.search(urlsplit(url).path) is not None


def request_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers kept with an entry: ``Accept`` (part of the key) and
    ``User-Agent``; never ``Authorization`` or cookies."""
    return {k: v for k, v in headers.items() if k.lower() in _KEPT_REQUEST_HEADERS}


def response_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS}


def _pending_dir(root: str) -> str:
    return os.path.join(root, PENDING)


def keep(root: str, *, method: str, url: str, headers: Mapping[str, str], status: int,
         reason: str, response: Mapping[str, str], body: bytes, verify: bool) -> bool:
    """Leave the verified answer to ``method url`` for requests-cache; False when it may not
    be kept (the same rules as the HTTP cache's own writes: a ``200`` to a ``GET``, which is
    all a record stands for)."""
    if method != "GET" or status != 200 or not cacheable_url(url) or len(body) > MAX_DOCUMENT:
        return False
    kept = request_headers(headers)
    record = {"url": url, "headers": kept, "reason": reason,
              "response": response_headers(response), "body": body, "digest": digest_of(body),
              "verify": verify}
    name = _sha256_hex("\0".join((url, kept.get("Accept", ""), str(verify))))
    return _write_atomic(root, os.path.join(_pending_dir(root), name),
                         marshal.dumps((FORMAT, record)))


def pending(root: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path, record)`` of each entry waiting, its body verified again; a damaged or foreign
    file is removed, with a warning."""
    directory = _pending_dir(root)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        if name.endswith(".tmp"):
            continue
        data = _read(path, _RECORD_CAP)
        if data is None:  # taken in by another run meanwhile
            continue
        record = _load(data)
        if record is None:
            warn(f"a waiting HTTP-cache entry ({path}) was damaged; removed")
            _unlink(path)
            continue
        yield path, record


def _load(data: bytes) -> dict[str, Any] | None:
    if len(data) > _RECORD_CAP:
        return None
    try:
        version, record = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    if version != FORMAT or not isinstance(record, dict):
        return None
    body, url = record.get("body"), record.get("url")
    if not isinstance(body, bytes) or not isinstance(url, str) or not cacheable_url(url) or \
            record.get("digest") != digest_of(body):
        return None
    return record


def count(root: str) -> int:
    """How many entries wait for requests-cache (not verified: ``pullsim cache info``)."""
    try:
        return sum(1 for n in os.listdir(_pending_dir(root)) if not n.endswith(".tmp"))
    except OSError:
        return 0


def done(path: str) -> None:
    _unlink(path)
