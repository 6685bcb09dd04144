"""The HTTP cache of the network path: requests-cache over SQLite, written only by hand.

requests-cache would store a response as it arrives, before pullsim has read it within its
caps and checked its digest, and it would read a streamed body whole to do so. So the session
is ``read_only`` for requests-cache's own machinery: it answers from the cache and sends
conditional requests (``If-None-Match`` with the ETag, which a registry sets to the digest) for
entries that have expired, and :meth:`RegistryCachedSession.remember` writes an entry once the
registry client has verified the body (:mod:`resolver.sources.registry` calls it). While the file
does not exist yet there is nothing to read, and the registry client's session is a plain one
that leaves what it keeps in ``pending/`` (:mod:`resolver.httpentries`); the next session opened
here takes those entries in first (:meth:`RegistryCachedSession.take_in`).

Keys: method, URL and the ``Accept`` header (``match_headers``), never ``Authorization``.
Expiry: by-digest manifests and blobs never; tag manifests at once (so every use revalidates).
Only ``200`` answers to ``GET /v2/<name>/manifests/<ref>`` or ``/blobs/<digest>`` on a URL
without credentials or a query are written, with the request's headers cut down to ``Accept``
and ``User-Agent`` and no cookies; token endpoints, pings and redirect targets never are.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests_cache import EXPIRE_IMMEDIATELY, NEVER_EXPIRE, CachedSession
from requests_cache.backends.sqlite import SQLiteCache
from requests_cache.models import AnyResponse
from requests_cache.models.response import CachedResponse
from requests_cache.policy import ExpirationTime
from requests_cache.policy.expiration import utcnow

from resolver import httpentries
from resolver.httpentries import cacheable_url, request_headers, response_headers

_SECRET_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie", "X-Registry-Auth")


class RegistryCachedSession(CachedSession):
    """A requests-cache session that reads and revalidates by itself and stores only what
    :meth:`remember` is handed."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            # no fsync per write (a commit costs ~10 ms on a slow disk): a crash may lose the
            # last entries or damage the file, which is then rebuilt (resolver.cache)
            backend=SQLiteCache(path, fast_save=True),
            read_only=True,  # writes go through remember(), after verification
            allowable_methods=("GET",),
            allowable_codes=(200,),
            match_headers=["Accept"],
            ignored_parameters=list(_SECRET_HEADERS),
            expire_after=EXPIRE_IMMEDIATELY,
            urls_expire_after={"*/manifests/sha256:*": NEVER_EXPIRE,
                               "*/manifests/sha512:*": NEVER_EXPIRE,
                               "*/blobs/*": NEVER_EXPIRE},
            cache_control=False,
            stale_if_error=False,
        )

    def send(self, request: requests.PreparedRequest, expire_after: ExpirationTime = None,
             only_if_cached: bool = False, refresh: bool = False, force_refresh: bool = False,
             **kwargs: Any) -> AnyResponse:
        try:
            response = super().send(request, expire_after, only_if_cached, refresh,
                                    force_refresh, **kwargs)
        except sqlite3.DatabaseError as err:  # damaged after the check at start: go on without
            from resolver.cache import warn

            warn(f"the HTTP cache {self.path} cannot be read ({err}); continuing without it")
            self.settings.disabled = True
            response = super().send(request, expire_after, only_if_cached, refresh,
                                    force_refresh, **kwargs)
        if isinstance(response, CachedResponse) and isinstance(response._content, bytes):
            # a 304 merges its headers into the cached ones, a Content-Length (of nothing)
            # included; the body is what was stored
            response.headers["Content-Length"] = str(len(response._content))
        return response

    def remember(self, response: requests.Response, data: bytes, *, verify: bool) -> None:
        """Store ``response`` with its verified body ``data`` (by digest: for good; by tag: to
        be revalidated on every use)."""
        if isinstance(response, CachedResponse) or response.status_code != 200 or \
                self.settings.disabled:
            return
        request = response.request
        if request.method != "GET" or not request.url or not cacheable_url(request.url) or \
                response.url != request.url:
            return
        key = self.cache.create_key(request, verify=verify)
        response._content = data  # what was read and verified (the stream is consumed)
        expires = None if httpentries.immutable(request.url) else utcnow()
        cached = CachedResponse.from_response(response, expires=expires)
        cached.headers = CaseInsensitiveDict(response_headers(cached.headers))
        cached.raw.headers = urllib3.HTTPHeaderDict(response_headers(cached.raw.headers))
        cached.request.headers = CaseInsensitiveDict(request_headers(request.headers))
        cached.request.cookies = {}  # type: ignore[assignment]
        cached.request.body = b""
        cached.history = []
        try:
            self.cache.responses[key] = cached
        except sqlite3.DatabaseError as err:
            from resolver.cache import warn

            warn(f"the HTTP cache {self.path} cannot be written ({err}); continuing without it")
            self.settings.disabled = True

    def take_in(self, root: str) -> int:
        """Write the entries a cold run left in ``pending/`` (:mod:`resolver.httpentries`),
        each as the answer it was; the number taken in."""
        taken = 0
        for path, record in httpentries.pending(root):
            if self.settings.disabled:
                break
            url = record["url"]
            response = requests.Response()
            response.request = requests.Request("GET", url,
                                                headers=record["headers"]).prepare()
            response.url = url
            response.status_code = 200  # the only answer kept
            response.reason = record["reason"]
            response.headers = CaseInsensitiveDict(record["response"])
            response.raw = urllib3.HTTPResponse(
                body=b"", headers=record["response"], status=200, reason=record["reason"],
                request_url=url, preload_content=False)
            self.remember(response, record["body"], verify=record["verify"])
            if not self.settings.disabled:
                httpentries.done(path)
                taken += 1
        return taken
