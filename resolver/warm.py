"""The warm path: ``pullsim resolve`` answered again from the cache, at the cost of one ``HEAD``.

A repeat answer must be as quick as ``skopeo inspect`` (about 25 ms on a small machine), and a
bare Python start takes 20 ms of it; importing requests and requests-cache alone takes ten times
that. So this module imports next to nothing (``os``, ``sys``, ``time``, ``marshal``, the C
socket module) and never the engines, requests, argparse or tabulate:

1. the reference as typed → the normalized name it stood for (``refs``);
2. the name → its tag record: the top digest, and the URL to ``HEAD`` (``tags``);
3. the tag is revalidated with one ``HEAD`` (a minimal HTTP/1.1 exchange; stdlib ``http.client``
   alone costs 50 ms of imports here, more than skopeo's whole answer) and its
   ``Docker-Content-Digest`` compared — or not at all for a pinned digest, inside
   ``--max-age``, or ``--offline``;
4. (reference, engine, host, platform, top digest) → the answer printed last time, in every
   output format (``answers``).

Anything else — no record, a changed digest, a registry that wants authentication (a ``401``:
the registry client then does the token or Basic dance, and tokens stay in memory), a proxy in
the environment, a TLS or network failure — is not an error here: :func:`answer` returns None
and the network path (:mod:`resolver.sources.registry`) answers, and reports errors, as usual.
"""

from __future__ import annotations

import os
import sys
import time

from resolver import cache
from resolver import mediatypes as mt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MANIFEST_ACCEPT = ", ".join((mt.OCI_INDEX, mt.DOCKER_MANIFEST_LIST, mt.DOCKER_MANIFEST,
                             mt.OCI_MANIFEST))  # the registry client's Accept
_MANIFEST_TYPES = frozenset({mt.OCI_INDEX, mt.DOCKER_MANIFEST_LIST, mt.DOCKER_MANIFEST,
                             mt.OCI_MANIFEST, "application/json", ""})
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                    "all_proxy")
TIMEOUT = 10.0  # seconds to connect, and to wait for the answer
_MAX_HEAD = 64 * 1024  # bytes of status line and headers


class Question:
    """What ``pullsim resolve`` was asked (the CLI's text, as typed)."""

    __slots__ = ("engine", "host", "max_age", "offline", "output", "platform", "reference")

    def __init__(self, reference: str, *, engine: str = "containerd", host: str = "detect",
                 platform: str | None = None, output: str = "table", offline: bool = False,
                 max_age: float | None = None) -> None:
        self.reference = reference
        self.engine = engine
        self.host = host
        self.platform = platform
        self.output = output
        self.offline = offline
        self.max_age = max_age


def answer(question: Question, store: cache.Store | None = None) -> tuple[int, str] | None:
    """``(exit code, text)`` remembered for ``question`` once its tag is known to still point
    at the same digest; None when the network path has to answer."""
    store = store or cache.Store()
    name = store.name_of(question.reference)
    record = store.tag(name) if name else None
    host = cache.host_key(question.host)
    if name is None or record is None or host is None:
        return None
    digest: str = record["digest"]
    if not _trusted(name, record, question):
        if not record.get("anonymous") or head_digest(record["url"], record["verify"]) != digest:
            return None
        store.save_tag(name, digest, record["url"], record["verify"])
        cache.mark_fresh(store.root, name, digest)
    remembered = store.answer(cache.answer_key(question.reference, question.engine, host,
                                               question.platform, digest))
    text = remembered["out"].get(question.output) if remembered else None
    if remembered is None or not isinstance(text, str):
        return None
    return remembered["exit"], text


def _trusted(name: str, record: dict[str, Any], question: Question) -> bool:
    """Whether the recorded digest stands without asking: a pinned digest, ``--offline``, or
    a check younger than ``--max-age``."""
    if "@" in name or question.offline:
        return True
    return question.max_age is not None and time.time() - record["checked"] <= question.max_age


# --- one HEAD ---------------------------------------------------------------------------------

def head_digest(url: str, verify: bool = True, timeout: float = TIMEOUT) -> str | None:
    """``HEAD url`` with the manifest ``Accept``; the ``Docker-Content-Digest`` of a ``200``
    answer with a manifest Content-Type, else None (whatever went wrong)."""
    scheme, _, rest = url.partition("://")
    authority, _, path = rest.partition("/")
    host, port = _host_port(authority, 443 if scheme == "https" else 80)
    if scheme not in ("http", "https") or not host or port is None or _proxied(host):
        return None
    request = (f"HEAD /{path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {_user_agent()}\r\n"
               f"Accept: {MANIFEST_ACCEPT}\r\nConnection: close\r\n\r\n").encode("latin-1")
    try:
        status, headers = _exchange(scheme, host, port, request, verify, timeout)
    except (OSError, ValueError, UnicodeError):  # ssl.SSLError is an OSError
        return None
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    digest = headers.get("docker-content-digest", "").strip()
    if status != 200 or media_type not in _MANIFEST_TYPES or not digest:
        return None
    return digest


def _user_agent() -> str:
    from resolver import __version__

    return f"pullsim/{__version__}"


def _host_port(authority: str, default: int) -> tuple[str, int | None]:
    if authority.startswith("["):  # [IPv6]:port
        host, _, rest = authority[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = authority.partition(":")
    if not port_text:
        return host, default
    return host, int(port_text) if port_text.isdigit() else None


def _is_loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _proxied(host: str) -> bool:
    """A proxy may be meant for this host: leave it to requests, which reads NO_PROXY (loopback
    is never proxied, as in Go)."""
    return not _is_loopback(host) and any(os.environ.get(v) for v in _PROXY_VARIABLES)


def _exchange(scheme: str, host: str, port: int, request: bytes, verify: bool,
              timeout: float) -> tuple[int, dict[str, str]]:
    """Send ``request`` and read the status line and headers of the answer."""
    if scheme == "https":
        import socket
        import ssl

        context = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE")
                                             or os.environ.get("CURL_CA_BUNDLE") or None)
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection((host, port), timeout=timeout)
        conn: Any = context.wrap_socket(raw, server_hostname=host)
    else:
        conn = _connect(host, port, timeout)
    try:
        conn.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(8192)
            if not chunk:
                break
            head += chunk
            if len(head) > _MAX_HEAD:
                raise ValueError("headers too long")
    finally:
        conn.close()
    return _parse_head(head)


def _connect(host: str, port: int, timeout: float) -> Any:
    """A TCP connection through the C socket module (``socket`` itself costs 15 ms to import
    here, for enums this needs none of)."""
    import _socket

    failure: OSError | None = None
    # the name as bytes: a str would be encoded with the idna codec, itself 3 ms of imports
    for family, kind, proto, _name, address in _socket.getaddrinfo(
            host.encode("ascii"), port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as err:
            sock.close()
            failure = err
            continue
        return sock
    raise failure or OSError(f"cannot resolve {host}")


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError("not an HTTP/1 answer")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().lower()] = value.strip()
    return status, headers


def main_answer(question: Question) -> int | None:
    """Print the remembered answer and return its exit code; None when there is none."""
    found = answer(question)
    if found is None:
        return None
    code, text = found
    sys.stdout.write(text)
    sys.stdout.flush()
    return code
