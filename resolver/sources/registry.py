"""``docker://``: a registry, over the distribution HTTP API v2 (the OCI distribution spec).

The auth dance (distribution's ``docs/spec/auth/token.md``): ``GET /v2/`` (the ping); a ``401``
carries ``WWW-Authenticate``. ``Bearer realm=…,service=…`` → ``GET realm?service=…&scope=
repository:NAME:pull`` (with HTTP Basic when there are credentials; a ``POST`` OAuth2
``grant_type=refresh_token`` form for an identity token) → JSON ``token`` or ``access_token``
and ``expires_in``; ``Basic realm=…`` → the credentials on every request to the registry.
Credentials are looked up (:mod:`resolver.credentials`) only when a registry asks. Tokens live in
memory only, shared within the process and reused until ``expires_in`` (60 s when not given or
shorter, as Docker does) minus a 10 s margin; nothing here is ever written to disk.

A cold resolve of a tag costs: the ping, a token request (only for Bearer registries), one
manifest ``GET``. Children (a nested index, a config) are fetched only when an engine asks.

Manifests are asked for with ``Accept`` naming the OCI index, the Docker manifest list, the
Docker schema2 manifest and the OCI manifest. A schema1 manifest is refused as unsupported
(deprecated); a ``Content-Type`` that is none of those (``application/json`` and none at all
excepted: then the body's ``mediaType`` or shape decides) is a registry error.

Verification: content fetched by digest is hashed (sha256 or sha512; other algorithms are
refused) and refused unless it matches; ``Docker-Content-Digest`` is checked whenever present,
also for tags. A child's size must match its descriptor.

Limits (:class:`Limits`, all configurable; bodies are streamed and cut off at the cap, never
read whole first; a ``Content-Length`` above the cap is refused before reading):

- manifests and indexes 4 MiB (distribution's own limit; containers/image ``iolimits``),
  image configs 4 MiB (containers/image ``MaxConfigBodySize``), token answers 1 MiB, error
  bodies 64 KiB (read only to word the message).
- timeouts: connect 10 s, read 30 s (each wait for bytes), a whole body 60 s (checked between
  chunks, so at most 60 + 30 s).
- retries: a request is tried at most 3 times, again only after ``429`` or ``500``/``502``/
  ``503``/``504``; the wait is ``Retry-After`` (seconds or an HTTP date) when given, at most
  20 s (a longer ``Retry-After`` fails at once, saying so), else 0.5 s then 1 s. Connection
  errors and timeouts are not retried. Worst case for one request: 3 * (10 + 30 + 60) s of
  transfer plus 40 s of waiting.
- redirects: at most 5 hops, followed by hand so that ``Authorization`` is sent only to the
  registry's own origin (scheme, host, port), never to a blob store or CDN on another host,
  and an ``https`` → ``http`` hop is refused unless the target is loopback or ``--insecure``.

Transport: ``https`` with verified TLS. Loopback registries (``localhost``, 127.0.0.0/8,
``::1``: Docker treats them as insecure by default) are tried over plain ``http`` first, then
``https`` without verification (containerd's order for localhost); ``--insecure`` allows any
registry to be reached over ``https`` without verification, then plain ``http`` (Docker's order
for insecure registries). Host names are not resolved to decide what is loopback.
``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` are honoured (the session
trusts the environment), except that loopback is never proxied (Go's ``ProxyFromEnvironment``
rule, which every engine follows); ``~/.netrc`` is not read.

Exit codes (:mod:`resolver.errors`): every delivery failure — unreachable, timeout, an HTTP or
distribution error (``MANIFEST_UNKNOWN``, ``NAME_UNKNOWN``, ``UNAUTHORIZED``, ``DENIED``,
``TOOMANYREQUESTS``…), a wrong ``Content-Type``, a body too large or cut short, a digest
mismatch — is a :class:`RegistryError` (exit 3), one line naming the registry, repository and
tag or digest. Content that arrives intact but cannot be used (malformed JSON, an invalid
manifest, schema1) is a :class:`DocumentError` (exit 2), as from a file. Unreadable
credentials are a :class:`CredentialsError` (exit 2).

For a cache: every request goes through :meth:`RegistryClient.request`; the session comes from
:func:`new_session`; :meth:`RegistryClient.get_manifest` (``GET``/``HEAD`` by tag or digest) and
:meth:`RegistryClient.get_blob` are the two content calls.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import ipaddress
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from resolver import httpentries
from resolver import mediatypes as mt
from resolver.errors import (
    ChildUnavailable,
    DigestMismatch,
    DocumentError,
    InvalidReference,
    RegistryError,
    SourceError,
)
from resolver.model import Descriptor, Document, compute_digest, parse_document

if TYPE_CHECKING:
    from resolver.cache import Store
    from resolver.credentials import Credential
    from resolver.lookup import Opened, SourceOptions
    from resolver.reference import ImageName, Reference

KIB = 1024
MIB = 1024 * KIB

MANIFEST_TYPES = (mt.OCI_INDEX, mt.DOCKER_MANIFEST_LIST, mt.DOCKER_MANIFEST, mt.OCI_MANIFEST)
MANIFEST_ACCEPT = ", ".join(MANIFEST_TYPES)
_GENERIC_TYPES = frozenset({"", "application/json"})
_VERIFIABLE = ("sha256", "sha512")
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TOKEN_MARGIN = 10.0  # seconds before expiry a token is no longer handed out
_MIN_TOKEN_LIFETIME = 60.0  # Docker's minimumTokenLifetimeSeconds


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps, timeouts and the retry policy (the numbers the module docstring gives)."""

    manifest_bytes: int = 4 * MIB
    config_bytes: int = 4 * MIB
    token_bytes: int = 1 * MIB
    error_bytes: int = 64 * KIB
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    body_seconds: float = 60.0
    attempts: int = 3
    backoff: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 20.0
    redirects: int = 5


DEFAULT_LIMITS = Limits()


# --- distribution error codes -----------------------------------------------------------------
# distribution registry/api/v2/errors.go and registry/api/errcode/register.go; TOOMANYREQUESTS
# and DENIED are the spec's. What each means, in words a user can act on.
ERROR_CODES = {
    "BLOB_UNKNOWN": "blob unknown to registry",
    "DIGEST_INVALID": "provided digest did not match uploaded content",
    "MANIFEST_BLOB_UNKNOWN": "manifest references a blob the registry does not have",
    "MANIFEST_INVALID": "manifest invalid",
    "MANIFEST_UNKNOWN": "manifest unknown (no such tag or digest in this repository)",
    "MANIFEST_UNVERIFIED": "manifest failed signature verification",
    "NAME_INVALID": "invalid repository name",
    "NAME_UNKNOWN": "repository name not known to registry",
    "SIZE_INVALID": "provided length did not match content length",
    "TAG_INVALID": "manifest tag did not match URI",
    "UNAUTHORIZED": "authentication required",
    "DENIED": "requested access to the resource is denied",
    "UNSUPPORTED": "the operation is unsupported",
    "TOOMANYREQUESTS": "too many requests (rate limited)",
    "UNKNOWN": "unknown error",
}
_STATUS_CODES = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ``::1`` (``host`` may carry a port, IPv6 in brackets)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        hostname = urlsplit(f"//{host}").hostname or ""
    except ValueError:
        return False
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


class _NoNetrc(requests.auth.AuthBase):
    """A session-wide auth that adds nothing: with it set, requests never reads ~/.netrc (we
    alone decide which host gets an ``Authorization`` header)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


def new_session(cache: bool = False, *, defer_when_cold: bool = False) -> requests.Session:
    """The one place sessions are made: with ``cache``, a requests-cache session over the HTTP
    cache (:func:`resolver.cache.http_session`), else a plain one. ``defer_when_cold``: while
    there is no HTTP cache yet (no file, no entries waiting), a plain session that leaves what
    it keeps for the next one to write (:class:`_ColdCache`), so that a cold answer does not
    import requests-cache."""
    from resolver import __version__
    from resolver.cache import cache_dir, http_cache_path

    root = cache_dir()
    if cache and defer_when_cold and not os.path.exists(http_cache_path(root)) and \
            not httpentries.count(root):
        session: requests.Session = _ColdCache(root)
    elif cache:
        from resolver.cache import http_session

        session = http_session(root)
    else:
        session = requests.Session()
    session.trust_env = True  # HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE
    session.auth = _NoNetrc()
    session.headers["User-Agent"] = f"pullsim/{__version__}"
    return session


class _ColdCache(requests.Session):
    """A session for an HTTP cache that has nothing to read yet: requests go out plainly, and
    each verified answer the registry client keeps is left in ``pending/`` under the HTTP
    cache's own rules (:mod:`resolver.httpentries`), for the next session to write."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def remember(self, response: requests.Response, data: bytes, *, verify: bool) -> None:
        request = response.request
        if request.method and request.url and response.url == request.url:
            httpentries.keep(self.root, method=request.method, url=request.url,
                             headers=request.headers, status=response.status_code,
                             reason=response.reason or "", response=response.headers,
                             body=data, verify=verify)


# --- WWW-Authenticate -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header: its scheme (lower case) and params."""

    scheme: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str:
        return dict(self.params).get(key, "")


_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_SCHEME_RE = re.compile(rf"[\s,]*({_TOKEN})")
_FIRST_PARAM_RE = re.compile(rf"\s+({_TOKEN})\s*=\s*")
_NEXT_PARAM_RE = re.compile(rf"\s*,\s*({_TOKEN})\s*=\s*")
_QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_BARE_RE = re.compile(_TOKEN)
_TOKEN68_RE = re.compile(r"\s+[A-Za-z0-9\-._~+/]+=*(?=\s*(?:,|$))")


def parse_challenges(header: str) -> list[Challenge]:
    """RFC 7235 challenges: ``Scheme k=v, k="v", Scheme2 …`` (token68 forms are skipped)."""
    out: list[Challenge] = []
    pos = 0
    while match := _SCHEME_RE.match(header, pos):
        scheme, pos = match.group(1).lower(), match.end()
        params: list[tuple[str, str]] = []
        if token68 := _TOKEN68_RE.match(header, pos):
            pos = token68.end()
        else:
            param = _FIRST_PARAM_RE.match(header, pos)
            while param:
                value_pos = param.end()
                if quoted := _QUOTED_RE.match(header, value_pos):
                    value, pos = re.sub(r"\\(.)", r"\1", quoted.group(1)), quoted.end()
                elif bare := _BARE_RE.match(header, value_pos):
                    value, pos = bare.group(0), bare.end()
                else:
                    value, pos = "", value_pos
                params.append((param.group(1).lower(), value))
                param = _NEXT_PARAM_RE.match(header, pos)
        out.append(Challenge(scheme, tuple(params)))
    return out


# --- tokens (memory only) ---------------------------------------------------------------------

@dataclass(slots=True)
class _Token:
    value: str = field(repr=False)
    expires: float  # time.monotonic() seconds

    def __repr__(self) -> str:
        return "_Token(<hidden>)"


_TOKENS: dict[tuple[str, str, str, str], _Token] = {}
_TOKENS_LOCK = threading.Lock()


def _credential_key(credential: Credential | None) -> str:
    """An in-memory key telling credentials apart without keeping them in the key."""
    if credential is None:
        return ""
    material = f"{credential.username}\0{credential.secret}\0{credential.identity_token}"
    return hashlib.sha256(material.encode()).hexdigest()


def forget_tokens() -> None:
    """Drop every token held in memory."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


# --- the client -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Fetched:
    """A manifest as the registry sent it: bytes (empty for HEAD), media type (the
    Content-Type, or "" when generic), digest (verified), and size."""

    data: bytes = field(repr=False)
    media_type: str
    digest: str
    size: int


class RegistryClient:
    """One repository of one registry: ping, auth, manifests and blobs, all verified.

    ``registry`` is the host[:port] to contact (``registry-1.docker.io`` for Docker Hub);
    ``domain`` the name the reference used (``docker.io``), for credentials and messages.
    """

    def __init__(
        self,
        registry: str,
        repository: str,
        *,
        domain: str | None = None,
        insecure: bool = False,
        creds: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.registry = registry
        self.repository = repository
        self.domain = domain or registry
        self.insecure = insecure
        self.limits = limits
        self.session = session or new_session()
        self._creds = creds
        self._sleep = sleep
        self._env = env
        self._base = ""  # scheme://host[:port], once the ping has chosen the scheme
        self._verify = True
        self._challenge: Challenge | None = None
        self._credential: Credential | None = None
        self._credential_looked_up = False
        self._token: _Token | None = None
        self._tokens_fetched = 0
        self._scope = f"repository:{repository}:pull"

    def __repr__(self) -> str:
        return f"RegistryClient({self.registry!r}, {self.repository!r})"

    # -- naming ---------------------------------------------------------------------------------

    def where(self, ref: str = "") -> str:
        """``domain/repository[:tag|@digest]``, as messages name it."""
        name = f"{self.domain}/{self.repository}"
        if not ref:
            return name
        return f"{name}@{ref}" if ":" in ref else f"{name}:{ref}"

    # -- content --------------------------------------------------------------------------------

    def get_manifest(self, ref: str, *, head: bool = False,
                     accept: str = MANIFEST_ACCEPT) -> Fetched:
        """``GET`` (or ``HEAD``) ``/v2/<repository>/manifests/<ref>``, ``ref`` a tag or digest.

        The body is capped and verified: against ``ref`` when it is a digest, and against
        ``Docker-Content-Digest`` when the registry sends one."""
        where = self.where(ref)
        by_digest = ":" in ref
        if by_digest:
            _check_algorithm(ref, where)
        url = f"{self.base()}/v2/{self.repository}/manifests/{ref}"
        response = self.request("HEAD" if head else "GET", url, where, accept=accept)
        with response:
            if response.status_code != 200:
                raise self._http_error(response, where, "manifest")
            media_type = _content_type(response)
            header_digest = response.headers.get("Docker-Content-Digest", "").strip()
            if media_type in mt.SCHEMA1_TYPES:
                raise DocumentError(f"{where}: unsupported (deprecated) schema1 manifest "
                                    f"({media_type}); the image must be pushed again in the "
                                    "Docker schema2 or OCI format")
            if media_type not in MANIFEST_TYPES and media_type not in _GENERIC_TYPES:
                raise RegistryError(f"{where}: the registry sent Content-Type {media_type!r} for "
                                    "a manifest; expected one of " + ", ".join(MANIFEST_TYPES),
                                    status=response.status_code)
            if head:
                digest = ref if by_digest else header_digest
                return Fetched(b"", media_type, digest, _content_length(response) or 0)
            data = self._read(response, self.limits.manifest_bytes, where, "manifest")
        digest = self._verify_digests(data, ref if by_digest else "", header_digest, where)
        self._remember(response, data)
        return Fetched(data, media_type if media_type in MANIFEST_TYPES else "", digest, len(data))

    def get_blob(self, digest: str, cap: int | None = None) -> bytes:
        """``GET /v2/<repository>/blobs/<digest>`` (redirects followed), capped (configs by
        default) and verified against ``digest``."""
        where = self.where(digest)
        _check_algorithm(digest, where)
        url = f"{self.base()}/v2/{self.repository}/blobs/{digest}"
        response = self.request("GET", url, where)
        with response:
            if response.status_code != 200:
                raise self._http_error(response, where, "blob")
            data = self._read(response, self.limits.config_bytes if cap is None else cap, where,
                              "blob")
        self._verify_digests(data, digest, "", where)
        self._remember(response, data)
        return data

    def _remember(self, response: requests.Response, data: bytes) -> None:
        """Hand a verified body to the HTTP cache, when the session is one."""
        remember = getattr(self.session, "remember", None)
        if remember is not None:
            remember(response, data, verify=self._verify)

    def fetch(self, desc: Descriptor) -> bytes:
        """An engine's ``fetch(descriptor) -> bytes``: manifests and indexes from the manifests
        endpoint, anything else (a config) from blobs; digest and size verified."""
        where = self.where(desc.digest)
        is_manifest = desc.media_type in mt.INDEX_TYPES | mt.MANIFEST_TYPES | mt.SCHEMA1_TYPES
        cap = self.limits.manifest_bytes if is_manifest else self.limits.config_bytes
        if desc.size > cap:
            raise RegistryError(f"{where}: the descriptor says {desc.size} bytes, more than the "
                                f"{cap} byte cap for a {'manifest' if is_manifest else 'config'}")
        if is_manifest:
            accept = MANIFEST_ACCEPT
            if desc.media_type and desc.media_type not in MANIFEST_TYPES:
                accept += f", {desc.media_type}"
            data = self.get_manifest(desc.digest, accept=accept).data
        else:
            data = self.get_blob(desc.digest, cap)
        if desc.size and len(data) != desc.size:
            raise DigestMismatch(f"{where}: the descriptor says {desc.size} bytes, the content "
                                 f"has {len(data)}")
        return data

    def document(self, ref: str) -> Document:
        """The manifest at ``ref`` (tag or digest), fetched, verified and parsed."""
        fetched = self.get_manifest(ref)
        try:
            return parse_document(fetched.data, fetched.media_type or None, fetched.digest)
        except DocumentError as err:
            raise DocumentError(f"{self.where(ref)}: {err}") from None

    # -- HTTP -----------------------------------------------------------------------------------

    @property
    def verify_tls(self) -> bool:
        """Whether TLS certificates are verified (False for loopback https and --insecure)."""
        return self._verify

    @property
    def pinged(self) -> bool:
        """Whether the scheme is chosen (by a ping, or assumed)."""
        return bool(self._base)

    @property
    def challenged(self) -> bool:
        """Whether the registry has asked for authentication."""
        return self._challenge is not None

    def assume(self, base: str, verify: bool) -> None:
        """Take the scheme an earlier ping chose (``base``, ``scheme://host``, remembered by the
        cache) instead of pinging; a 401 is then answered as it comes."""
        if not self._base:
            self._base, self._verify = base, verify

    def forget_base(self) -> None:
        """Ping again before the next request (an assumed scheme did not work)."""
        self._base, self._verify, self._challenge = "", True, None

    def base(self) -> str:
        """``scheme://host``, chosen by the ping (done once per client)."""
        if not self._base:
            self.ping()
        return self._base

    def ping(self) -> None:
        """``GET /v2/``: picks the scheme and remembers the auth challenge. Any answer counts
        as reachable (a registry may refuse /v2/ and still serve); only 401 is acted on."""
        if self._base:
            return
        loopback = is_loopback(self.registry)
        if loopback:
            schemes = [("http", True), ("https", False)]
        elif self.insecure:
            schemes = [("https", False), ("http", True)]
        else:
            schemes = [("https", True)]
        failure: RegistryError | None = None
        for scheme, verify in schemes:
            base = f"{scheme}://{self.registry}"
            self._verify = verify
            try:
                response = self._send("GET", f"{base}/v2/", self.where(), {})
            except RegistryError as err:
                failure = failure or err
                continue
            with response:
                if scheme == "http" and response.status_code == 400 and _wants_https(response):
                    failure = failure or RegistryError(f"{self.registry} serves only HTTPS")
                    continue
                if response.status_code in _RETRY_STATUSES:
                    raise self._http_error(response, self.where(), "")
                self._base = base
                if response.status_code == 401:
                    self._challenge = _pick(response)
            return
        if failure is not None and not loopback and not self.insecure:
            raise RegistryError(f"{failure}; if {self.registry} serves plain HTTP or has no "
                                "valid certificate, use --insecure")
        raise failure or RegistryError(f"cannot reach {self.registry}")

    def request(self, method: str, url: str, where: str, *,
                accept: str = "") -> requests.Response:
        """One request to the registry: auth added, redirects followed by hand (no
        ``Authorization`` off the registry's origin), 429/5xx retried. A 401 is answered once
        more, when its challenge is new (another scheme or scope) or the token came from
        memory; the caller closes the response."""
        self.ping()
        headers = {"Accept": accept} if accept else {}
        fetched = self._tokens_fetched
        used = self._challenge
        response = self._follow(method, url, where, headers, fresh=False)
        if response.status_code != 401:
            return response
        challenge = _pick(response)
        if challenge is None:
            return response
        changed = used is None or _challenge_key(challenge) != _challenge_key(used)
        from_memory = challenge.scheme == "bearer" and self._tokens_fetched == fetched
        if not changed and not from_memory:
            return response
        if challenge.scheme == "basic" and self.credential() is None:
            self._challenge = challenge
            return response  # nothing to answer with; the 401 becomes the error
        response.close()
        self._challenge = challenge
        self._token = None
        return self._follow(method, url, where, headers, fresh=True)

    def _follow(self, method: str, url: str, where: str, headers: dict[str, str],
                fresh: bool) -> requests.Response:
        origin = _origin(self.base())
        for _hop in range(self.limits.redirects + 1):
            hop_headers = dict(headers)
            if _origin(url) == origin:
                authorization = self._authorization(where, fresh)
                fresh = False
                if authorization:
                    hop_headers["Authorization"] = authorization
            response = self._send(method, url, where, hop_headers)
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECT_STATUSES or not location:
                return response
            response.close()
            target = urljoin(url, location)
            self._check_redirect(url, target, where)
            if response.status_code == 303:
                method = "GET"
            url = target
        raise RegistryError(f"{where}: more than {self.limits.redirects} redirects")

    def _check_redirect(self, source: str, target: str, where: str) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{where}: the registry redirected to an unusable URL")
        if parts.scheme == "http" and urlsplit(source).scheme == "https" and not (
                self.insecure or is_loopback(parts.netloc)):
            raise RegistryError(f"{where}: the registry redirected from https to plain http "
                                f"({parts.netloc}); refused (use --insecure to allow)")

    def _send(self, method: str, url: str, where: str, headers: dict[str, str],
              data: Mapping[str, str] | None = None) -> requests.Response:
        """One HTTP exchange with retries on 429/5xx; network failures become RegistryError
        (``status`` None)."""
        limits = self.limits
        host = urlsplit(url).netloc
        for attempt in range(1, limits.attempts + 1):
            try:
                response = self.session.request(
                    method, url, headers=headers, data=data, stream=True,
                    allow_redirects=False, verify=self._verify, proxies=_proxies_for(host),
                    timeout=(limits.connect_timeout, limits.read_timeout))
            except requests.exceptions.RequestException as err:
                raise RegistryError(f"{where}: {_network_failure(err, host, limits)}") from None
            if response.status_code not in _RETRY_STATUSES or attempt == limits.attempts:
                return response
            try:
                wait = self._retry_wait(response, attempt, where)
            finally:
                response.close()
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_wait(self, response: requests.Response, attempt: int, where: str) -> float:
        limits = self.limits
        retry_after = _retry_after(response.headers.get("Retry-After", ""))
        if retry_after is None:
            return float(min(limits.backoff * 2 ** (attempt - 1), limits.backoff_max))
        if retry_after > limits.retry_after_max:
            error = self._http_error(response, where, "", retried=False)
            raise RegistryError(f"{error}; the registry asks to retry after {retry_after:g} s "
                                f"(more than the {limits.retry_after_max:g} s pullsim waits)",
                                error.code, error.status)
        return retry_after

    def _read(self, response: requests.Response, cap: int, where: str, what: str) -> bytes:
        """The body, streamed: refused past ``cap`` bytes or ``body_seconds``."""
        length = _content_length(response)
        if length is not None and length > cap:
            raise RegistryError(f"{where}: the {what} is {length} bytes, more than the {cap} "
                                "byte cap; refused", status=response.status_code)
        deadline = time.monotonic() + self.limits.body_seconds
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(64 * KIB):
                total += len(chunk)
                if total > cap:
                    raise RegistryError(f"{where}: the {what} is larger than the {cap} byte cap; "
                                        "refused while reading", status=response.status_code)
                if time.monotonic() > deadline:
                    raise RegistryError(f"{where}: the {what} took longer than "
                                        f"{self.limits.body_seconds:g} s to arrive",
                                        status=response.status_code)
                chunks.append(chunk)
        except requests.exceptions.RequestException as err:
            if _is_timeout(err):
                raise RegistryError(f"{where}: the {what} stopped arriving (no data for "
                                    f"{self.limits.read_timeout:g} s)",
                                    status=response.status_code) from None
            raise RegistryError(f"{where}: the {what} was cut short after {total} bytes"
                                + (f" of {length}" if length is not None else ""),
                                status=response.status_code) from None
        if length is not None and total != length and not response.headers.get(
                "Content-Encoding"):
            raise RegistryError(f"{where}: the {what} was cut short after {total} bytes of "
                                f"{length}", status=response.status_code)
        return b"".join(chunks)

    def _verify_digests(self, data: bytes, expected: str, declared: str, where: str) -> str:
        """Check ``data`` against the digest asked for and the one the registry declared."""
        if expected:
            actual = compute_digest(data, expected.partition(":")[0])
            if actual != expected:
                raise DigestMismatch(f"{where}: digest mismatch: the registry sent content "
                                     f"whose digest is {actual}; refused")
        if declared:
            algorithm = declared.partition(":")[0]
            if algorithm in _VERIFIABLE:
                actual = compute_digest(data, algorithm)
                if actual != declared:
                    raise DigestMismatch(f"{where}: digest mismatch: Docker-Content-Digest says "
                                         f"{declared}, the content is {actual}; refused")
                return expected or declared
        return expected or compute_digest(data)

    def _http_error(self, response: requests.Response, where: str, what: str,
                    retried: bool = True) -> RegistryError:
        """A one-line error from a non-2xx answer, with the distribution error code."""
        status = response.status_code
        code, message = "", ""
        if response.request.method != "HEAD":
            code, message = _distribution_error(response, self.limits.error_bytes)
        if not code:
            code = _STATUS_CODES.get(status, "")
            if status == 404:
                code = {"manifest": "MANIFEST_UNKNOWN", "blob": "BLOB_UNKNOWN"}.get(what, "")
        text = ERROR_CODES.get(code, "") if code else ""
        if not text:
            text = f"HTTP {status} {response.reason or ''}".strip()
        if message and message.lower() not in text.lower():
            text += f": {message}"
        label = f" ({code}, HTTP {status})" if code else ""
        hint = ""
        if code == "UNAUTHORIZED":
            hint = self._auth_hint()
        elif status in _RETRY_STATUSES and retried:
            hint = f"; gave up after {self.limits.attempts} attempts"
        return RegistryError(f"{where}: {text}{label}{hint}", code, status)

    def _auth_hint(self) -> str:
        if self._credential is not None:
            return f"; the credentials from {self._credential.source} were not accepted"
        return (f"; no credentials for {self.domain} (give --creds USER:PASS, log in with "
                "docker login / podman login, or set REGISTRY_AUTH_FILE)")

    # -- auth -----------------------------------------------------------------------------------

    def _authorization(self, where: str, fresh: bool) -> str:
        """The ``Authorization`` value for the registry's origin ("" when anonymous); a new
        token is asked for when ``fresh``."""
        challenge = self._challenge
        if challenge is None:
            return ""
        if challenge.scheme == "basic":
            credential = self.credential()
            if credential is None or credential.identity_token:
                return ""  # the request goes out anonymously; its 401 then says why
            pair = f"{credential.username}:{credential.secret}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        if challenge.scheme == "bearer":
            if fresh or self._token is None or self._token.expires <= time.monotonic():
                self._token = self._bearer_token(challenge, where, fresh)
            return f"Bearer {self._token.value}"
        return ""

    def credential(self) -> Credential | None:
        """The credential for this registry, looked up once, when first needed."""
        if not self._credential_looked_up:
            from resolver.credentials import lookup

            self._credential = lookup(self.domain, self.repository, self._creds, self._env)
            self._credential_looked_up = True
        return self._credential

    def _bearer_token(self, challenge: Challenge, where: str, fresh: bool) -> _Token:
        realm, service = challenge.get("realm"), challenge.get("service")
        scope = challenge.get("scope") or self._scope
        if not realm:
            raise RegistryError(f"{where}: the registry's Bearer challenge has no realm",
                                "UNAUTHORIZED", 401)
        credential = self.credential()
        key = (realm, service, scope, _credential_key(credential))
        now = time.monotonic()
        with _TOKENS_LOCK:
            cached = _TOKENS.get(key)
        if cached is not None and not fresh and cached.expires > now:
            return cached
        token = self._request_token(realm, service, scope, credential, where)
        self._tokens_fetched += 1
        with _TOKENS_LOCK:
            _TOKENS[key] = token
        return token

    def _request_token(self, realm: str, service: str, scope: str,
                       credential: Credential | None, where: str) -> _Token:
        parts = urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{where}: the token realm {realm!r} is not an http(s) URL",
                                "UNAUTHORIZED", 401)
        if (credential is not None and parts.scheme == "http" and not self.insecure
                and not is_loopback(parts.netloc)):
            raise RegistryError(f"{where}: the token realm {parts.netloc} is plain http; "
                                "refusing to send credentials there (use --insecure to allow)",
                                "UNAUTHORIZED", 401)
        params = {"service": service, "scope": scope} if service else {"scope": scope}
        headers: dict[str, str] = {"Accept": "application/json"}
        if credential is not None and credential.identity_token:
            form = {"grant_type": "refresh_token", "refresh_token": credential.secret,
                    "client_id": "pullsim", **params}
            response = self._send("POST", realm, where, headers, data=form)
        else:
            if credential is not None:
                pair = f"{credential.username}:{credential.secret}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            separator = "&" if parts.query else "?"
            response = self._send("GET", realm + separator + urlencode(params), where, headers)
        with response:
            if response.status_code in (401, 403):
                who = (f"the credentials from {credential.source} were refused"
                       if credential is not None else "it wants credentials")
                raise RegistryError(f"{where}: the token server {parts.netloc} refused a token "
                                    f"for {scope}: {who} (HTTP {response.status_code})",
                                    "UNAUTHORIZED", response.status_code)
            if response.status_code != 200:
                raise self._http_error(response, where, "token")
            body = self._read(response, self.limits.token_bytes, where, "token answer")
        return _parse_token(body, where, parts.netloc)


# --- helpers ----------------------------------------------------------------------------------

def _challenge_key(challenge: Challenge) -> tuple[str, str, str, str]:
    return (challenge.scheme, challenge.get("realm"), challenge.get("service"),
            challenge.get("scope"))


def _pick(response: requests.Response) -> Challenge | None:
    """The challenge to answer: Bearer before Basic."""
    challenges = parse_challenges(response.headers.get("WWW-Authenticate", ""))
    for scheme in ("bearer", "basic"):
        for challenge in challenges:
            if challenge.scheme == scheme:
                return challenge
    return None


def _parse_token(body: bytes, where: str, server: str) -> _Token:
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise RegistryError(f"{where}: the token server {server} answered with malformed "
                            "JSON") from None
    if not isinstance(answer, dict):
        raise RegistryError(f"{where}: the token server {server} answered with no token")
    value = answer.get("token") or answer.get("access_token")
    if not isinstance(value, str) or not value:
        raise RegistryError(f"{where}: the token server {server} answered with no token")
    expires_in = answer.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) and not isinstance(
        expires_in, bool) else 0.0
    lifetime = max(lifetime, _MIN_TOKEN_LIFETIME)
    return _Token(value, time.monotonic() + lifetime - _TOKEN_MARGIN)


def _distribution_error(response: requests.Response, cap: int) -> tuple[str, str]:
    """``(code, message)`` of the first error in a distribution error body."""
    try:
        raw = response.raw.read(cap + 1, decode_content=True) if response.raw else b""
    except Exception:  # a broken error body still gets the status-based message
        return "", ""
    if len(raw) > cap:
        return "", ""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return "", ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return "", ""
    code, message = errors[0].get("code", ""), errors[0].get("message", "")
    code = code.upper() if isinstance(code, str) and re.fullmatch(r"[A-Za-z_]{1,64}", code) else ""
    message = " ".join(message.split())[:200] if isinstance(message, str) else ""
    return code, message


def _retry_after(value: str) -> float | None:
    """``Retry-After``: delay seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").partition(";")[0].strip().lower()


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def _wants_https(response: requests.Response) -> bool:
    """Go's answer to plain HTTP on a TLS port: 400 "Client sent an HTTP request to an HTTPS
    server."."""
    try:
        return b"HTTPS server" in (response.raw.read(512) if response.raw else b"")
    except Exception:
        return False


def _proxies_for(host: str) -> dict[str, str]:
    """No proxy for loopback (Go's ``http.ProxyFromEnvironment`` never proxies localhost or
    loopback addresses, and every engine is Go); else the environment's (empty = merged in by
    requests from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY)."""
    return dict.fromkeys(("http", "https", "all"), "") if is_loopback(host) else {}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _check_algorithm(digest: str, where: str) -> None:
    algorithm = digest.partition(":")[0]
    if algorithm not in _VERIFIABLE:
        raise RegistryError(f"{where}: cannot verify a {algorithm} digest (pullsim verifies "
                            "sha256 and sha512); refused")


def _is_timeout(err: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, requests.exceptions.Timeout | TimeoutError) or \
                type(current).__name__ in ("ReadTimeoutError", "ConnectTimeoutError"):
            return True
        args = current.args
        nested = args[0] if args and isinstance(args[0], BaseException) else None
        current = nested or current.__cause__ or current.__context__
    return False


def _network_failure(err: requests.exceptions.RequestException, host: str,
                     limits: Limits) -> str:
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return f"timed out connecting to {host} (after {limits.connect_timeout:g} s)"
    if isinstance(err, requests.exceptions.ReadTimeout) or _is_timeout(err):
        return f"{host} did not answer within {limits.read_timeout:g} s"
    if isinstance(err, requests.exceptions.SSLError):
        return f"TLS failed with {host}: {_reason(err)}"
    if isinstance(err, requests.exceptions.ProxyError):
        return f"the proxy refused the connection to {host}: {_reason(err)}"
    if isinstance(err, requests.exceptions.ConnectionError):
        return f"cannot connect to {host}: {_reason(err)}"
    return f"request to {host} failed: {_reason(err)}"


def _reason(err: BaseException) -> str:
    """The innermost reason, on one line, without URLs (they may carry a query)."""
    text = str(err)
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if match:
        return match.group(1).strip()
    text = re.sub(r"https?://\S+", "", text)
    return " ".join(text.split())[:200] or type(err).__name__


# --- the source -------------------------------------------------------------------------------

def client_for(name: ImageName, options: SourceOptions, **kwargs: Any) -> RegistryClient:
    """A client for the repository ``name`` names, with the CLI's options."""
    return RegistryClient(name.registry, name.repository, domain=name.domain,
                          insecure=options.insecure, creds=options.creds, **kwargs)


def open_source(reference: Reference, options: SourceOptions) -> Opened:
    """``docker://NAME``: the top document at the tag (or pinned digest), verified, with a
    ``fetch`` that gets children from the same repository.

    Through the cache (:mod:`resolver.cache`) unless ``options.no_cache``: documents by digest
    come from the store without a request; a tag known to the cache costs one ``HEAD`` (none
    inside ``options.max_age``), a new one a ``GET``, both through the HTTP cache.
    ``options.offline`` answers from the cache alone, and fails on a miss."""
    from resolver.lookup import Opened

    name = reference.image
    if name is None:
        raise SourceError(f"{reference}: not a registry reference")
    if not name.domain:
        raise InvalidReference(f"{name}: no registry host: {name.path.partition('/')[0]!r} is "
                               "read as one but is not a valid host[:port]")
    if options.no_cache:
        client = client_for(name, options)
        return Opened(reference, client.document(name.identifier), client.fetch)
    from resolver.cache import Store

    store = Store()
    if options.offline:
        return _open_offline(reference, name, store)
    session = new_session(cache=True, defer_when_cold=True)
    repository = CachedRepository(client_for(name, options, session=session), store)
    return Opened(reference, repository.document(name, options.max_age), repository.fetch)


def _parse(where: str, data: bytes, media_type: str, digest: str) -> Document:
    try:
        return parse_document(data, media_type or None, digest)
    except DocumentError as err:
        raise DocumentError(f"{where}: {err}") from None


class CachedRepository:
    """A repository seen through the cache: documents by digest from the store (verified
    again), tags revalidated with one ``HEAD``, everything fetched kept."""

    def __init__(self, client: RegistryClient, store: Store) -> None:
        self.client = client
        self.store = store

    def document(self, name: ImageName, max_age: float | None = None) -> Document:
        """The top document of ``name`` (a tag or a pinned digest)."""
        from resolver import cache

        ref, key = name.identifier, str(name)
        where = self.client.where(ref)
        if name.digest:  # pinned: never revalidated, so no URL to remember
            data = self.store.get(ref)
            if data is None:
                data = self.client.get_manifest(ref).data
                self.store.put(ref, data)
            if self.store.tag(key) is None:
                self.store.save_tag(key, ref, "", self.client.verify_tls)
            return _parse(where, data, "", ref)
        record = self.store.tag(key)
        known = record["digest"] if record else None
        fresh = cache.fresh_digest(self.store.root, key)
        if fresh is None and record and max_age is not None and \
                time.time() - record["checked"] <= max_age:
            fresh = known
        if fresh and (data := self.store.get(fresh)) is not None:
            return _parse(where, data, "", fresh)
        if record and known and (data := self.store.get(known)) is not None:
            head = self._head(ref, record["url"], record["verify"])
            if head.digest == known:
                self._save_tag(key, ref, known)
                return _parse(where, data, head.media_type, known)
        fetched = self.client.get_manifest(ref)
        self.store.put(fetched.digest, fetched.data)
        self._save_tag(key, ref, fetched.digest)
        return _parse(where, fetched.data, fetched.media_type, fetched.digest)

    def _head(self, ref: str, url: str, verify: bool) -> Fetched:
        """``HEAD`` the tag at the scheme the last ping chose (no ping: the tag record holds
        it); when that fails to connect, ping and try once more."""
        base = url.partition("/v2/")[0]
        assumed = bool(base) and not self.client.pinged
        if assumed:
            self.client.assume(base, verify)
        try:
            return self.client.get_manifest(ref, head=True)
        except RegistryError as err:
            if not assumed or err.status is not None:
                raise
        self.client.forget_base()
        return self.client.get_manifest(ref, head=True)

    def _save_tag(self, key: str, tag: str, digest: str) -> None:
        """Remember that ``tag`` was at ``digest`` just now, and where to ``HEAD`` it."""
        client = self.client
        url = f"{client.base()}/v2/{client.repository}/manifests/{tag}"
        self.store.save_tag(key, digest, url, client.verify_tls, anonymous=not client.challenged)

    def fetch(self, desc: Descriptor) -> bytes:
        """The engine's ``fetch``: from the store when it holds the digest, else fetched and
        kept."""
        data = self.store.get(desc.digest)
        if data is not None and (not desc.size or len(data) == desc.size):
            return data
        data = self.client.fetch(desc)
        self.store.put(desc.digest, data)
        return data


def _open_offline(reference: Reference, name: ImageName, store: Store) -> Opened:
    """``--offline``: the top document and its children from the cache, or a clear miss."""
    from resolver.lookup import Opened

    digest = name.digest
    if not digest:
        record = store.tag(str(name))
        digest = record["digest"] if record else ""
    data = store.get(digest) if digest else None
    if data is None:
        raise SourceError(f"{name}: not in the cache (--offline); run once without --offline "
                          "to fetch it")

    def fetch(desc: Descriptor) -> bytes:
        child = store.get(desc.digest)
        if child is None or (desc.size and len(child) != desc.size):
            raise ChildUnavailable(f"{desc.digest} is not in the cache (--offline)")
        return child

    return Opened(reference, _parse(str(name), data, "", digest), fetch)
