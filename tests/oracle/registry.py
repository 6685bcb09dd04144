"""Push generated images to the loopback registry over the distribution HTTP API.

Blobs go up with a POST (start an upload) and a monolithic PUT (``?digest=``); manifests are
PUT by digest, children before the indexes that point at them, and the top document last, by
tag. Every document is sent with its own media type as Content-Type, and its bytes are kept
exactly (the registry stores them as sent, so digests computed here are the registry's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

import requests


class PushError(RuntimeError):
    """The registry refused an upload; the text carries its status and body."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One thing to push: a blob (``media_type`` empty) or a manifest/index document."""

    digest: str
    data: bytes
    media_type: str = ""


@dataclass(frozen=True, slots=True)
class PushedImage:
    """Where an image now is: ``reference`` as the engines' CLIs take it."""

    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def reference(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


def _check_loopback(registry: str) -> None:
    host = registry.rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        raise ValueError(f"refusing to push to {registry!r}: only loopback registries are used")


class Registry:
    """A plain-HTTP registry on loopback, with optional basic auth (htpasswd)."""

    def __init__(
        self,
        address: str,
        auth: tuple[str, str] | None = None,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> None:
        _check_loopback(address)
        self.address = address
        self.base = f"http://{address}"
        self.session = session or requests.Session()
        self.session.trust_env = False  # never through a proxy
        if auth is not None:
            self.session.auth = auth
        self.timeout = timeout

    def _fail(self, what: str, response: requests.Response) -> PushError:
        return PushError(f"{what}: HTTP {response.status_code} {response.text[:500]}")

    def ping(self) -> int:
        """The status of ``GET /v2/`` (200 when reachable and authorized)."""
        return self.session.get(f"{self.base}/v2/", timeout=self.timeout).status_code

    def has_blob(self, repository: str, digest: str) -> bool:
        url = f"{self.base}/v2/{repository}/blobs/{digest}"
        response = self.session.head(url, timeout=self.timeout)
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        raise self._fail(f"HEAD {url}", response)

    def push_blob(self, repository: str, digest: str, data: bytes) -> None:
        """Upload a blob (again, if the registry has it: cheaper than asking first)."""
        start = f"{self.base}/v2/{repository}/blobs/uploads/"
        response = self.session.post(start, timeout=self.timeout)
        if response.status_code != 202:
            raise self._fail(f"POST {start}", response)
        location = urljoin(start, response.headers["Location"])
        separator = "&" if "?" in location else "?"
        response = self.session.put(
            f"{location}{separator}digest={digest}",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
            timeout=self.timeout,
        )
        if response.status_code != 201:
            raise self._fail(f"PUT blob {digest}", response)

    def push_manifest(self, repository: str, reference: str, media_type: str, data: bytes) -> str:
        """PUT a manifest or index under ``reference`` (a digest or a tag); return its digest."""
        url = f"{self.base}/v2/{repository}/manifests/{reference}"
        response = self.session.put(
            url, data=data, headers={"Content-Type": media_type}, timeout=self.timeout
        )
        if response.status_code != 201:
            raise self._fail(f"PUT {url}", response)
        return response.headers.get("Docker-Content-Digest", "")

    def push(
        self,
        repository: str,
        tag: str,
        blobs: Iterable[Upload],
        manifests: Iterable[Upload],
        top: Upload,
    ) -> PushedImage:
        """Push ``blobs``, then ``manifests`` by digest (in the order given: leaves first), then
        ``top`` by ``tag``. Checks that the registry computed the same digests."""
        for blob in blobs:
            self.push_blob(repository, blob.digest, blob.data)
        for manifest in manifests:
            got = self.push_manifest(repository, manifest.digest, manifest.media_type,
                                     manifest.data)
            if got and got != manifest.digest:
                raise PushError(f"registry stored {manifest.digest} as {got}")
        got = self.push_manifest(repository, tag, top.media_type, top.data)
        if got and got != top.digest:
            raise PushError(f"registry stored {repository}:{tag} ({top.digest}) as {got}")
        return PushedImage(self.address, repository, tag, top.digest)
