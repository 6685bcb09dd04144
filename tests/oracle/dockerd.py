"""Ask the real dockerd (Debian's 20.10.24+dfsg1) which child it pulls for a platform.

shared/reference/oracle.md's dockerd method, per requested platform and one after another for
one image (they share its tag):

1. ``docker rmi -f REF`` (a failed pull would leave the previous answer's tag in place);
2. ``docker pull --platform P REF``;
3. ``docker image inspect REF``: ``.Id`` is the pulled child's config digest, which names the
   child (every generated child has its own config).

The three are sent as the Engine API requests the docker CLI makes for them (``DELETE
/images/REF?force=1``, ``POST /images/create?fromImage=…&tag=…&platform=P`` with the progress
stream, ``GET /images/REF/json``) over the daemon's unix socket: the same daemon code runs, the
error is the daemon's own text without the CLI's ``Error response from daemon:`` prefix, and no
CLI process is started (a query takes about 0.15 s here instead of 0.3 s).

When a pull fails after choosing (a nested index, an attestation's in-toto layer, a Windows
config), the stream's error does not say which child was chosen; dockerd's ``--debug`` log does:
``found match for linux/arm/v7 with media type …, digest sha256:…`` (and ``found deprecated
partial match …``), one line per kept entry in list order, and 20.10 takes the first
(``distribution/pull_v2_unix.go`` filterManifests, ``pull_v2.go`` pullManifestList
``manifestMatches[0]``). The log is read from where it was before the pull; lines of other images
asked at the same time name other digests (every child digest is unique to its image) and are
skipped. A successful pull is checked against its log line too.

dockerd 20.10 cannot survive an entry whose OS is ``Linux`` (capital L): give it images from
``Generator(seed, dockerd_safe=True)``. Should the daemon die anyway, the oracle stops with an
error instead of answering.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from resolver import mediatypes as mt

from .answers import OracleAnswer
from .generate import GeneratedImage
from .registry import PushedImage

API = "v1.41"  # dockerd 20.10's API version (the 20.10 CLI's default)
_CHOSEN = re.compile(
    r'msg="found (?:deprecated partial )?match for \S+ with media type \S+, '
    r'digest (sha256:[0-9a-f]{64})"'
)


class DockerdError(RuntimeError):
    """dockerd did something the oracle cannot answer with (died, bad API reply)."""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


class DockerdOracle:
    """dockerd 20.10 on the socket ``services.sh start --with-dockerd`` started."""

    name = "docker@20.10.24+dfsg1"

    def __init__(self, socket_path: str, log_path: str, auth: tuple[str, str] | None = None,
                 timeout: float = 120.0) -> None:
        self.socket_path = socket_path
        self.log_path = log_path
        self.auth = auth
        self.timeout = timeout

    # --- the Engine API -------------------------------------------------------------------

    def _request(self, method: str, path: str,
                 headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = _UnixConnection(self.socket_path, self.timeout)
        try:
            connection.request(method, f"/{API}{path}", headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError) as err:
            raise self._died(f"{method} {path}: {type(err).__name__}: {err}") from err
        finally:
            connection.close()

    def _died(self, what: str) -> DockerdError:
        alive = "still answers _ping" if self.ping() else "no longer answers (it died?)"
        return DockerdError(f"dockerd dropped the connection ({what}); the daemon {alive}; "
                            f"see {self.log_path}")

    def ping(self) -> bool:
        connection = _UnixConnection(self.socket_path, 5.0)
        try:
            connection.request("GET", "/_ping")
            return connection.getresponse().status == 200
        except (http.client.HTTPException, OSError):
            return False
        finally:
            connection.close()

    def version(self) -> str:
        """The daemon's version (``docker version``'s Server line), which proves it answers."""
        status, body = self._request("GET", "/version")
        if status != 200:
            raise DockerdError(f"GET /version: HTTP {status} {body[:300]!r}")
        return str(json.loads(body)["Version"])

    def _auth_header(self, registry: str) -> dict[str, str]:
        if self.auth is None:
            return {}
        config = {"username": self.auth[0], "password": self.auth[1], "serveraddress": registry}
        return {"X-Registry-Auth": base64.urlsafe_b64encode(json.dumps(config).encode()).decode()}

    def remove(self, reference: str) -> None:
        """``docker rmi -f REF``; an image that is not there is fine."""
        status, body = self._request("DELETE", f"/images/{quote(reference, safe='')}?force=1")
        if status not in (200, 404):
            raise DockerdError(f"rmi -f {reference}: HTTP {status} {body[:300]!r}")

    def pull(self, pushed: PushedImage, platform: str) -> str | None:
        """``docker pull --platform P REF``: None when it succeeded, else the daemon's error."""
        query = urlencode({"fromImage": f"{pushed.registry}/{pushed.repository}",
                           "tag": pushed.tag, "platform": platform})
        status, body = self._request("POST", f"/images/create?{query}",
                                     self._auth_header(pushed.registry))
        if status != 200:
            try:
                return str(json.loads(body)["message"])
            except (ValueError, KeyError, TypeError):
                raise DockerdError(
                    f"pull {pushed.reference}: HTTP {status} {body[:300]!r}") from None
        error = None
        complete = False
        for message in _json_lines(body):
            if "error" in message:
                detail = message.get("errorDetail") or {}
                error = str(detail.get("message") or message["error"])
            elif str(message.get("status", "")).startswith("Status: "):
                complete = True
        if error is None and not complete:
            # A panic in the pull handler ends the stream early (net/http recovers it).
            raise self._died(f"pull --platform {platform} {pushed.reference}: the progress "
                             "stream ended without a status or an error")
        return error

    def image_id(self, reference: str) -> str | None:
        """``docker image inspect REF`` .Id, or None when there is no such image."""
        status, body = self._request("GET", f"/images/{quote(reference, safe='')}/json")
        if status == 404:
            return None
        if status != 200:
            raise DockerdError(f"inspect {reference}: HTTP {status} {body[:300]!r}")
        return str(json.loads(body)["Id"])

    # --- the debug log --------------------------------------------------------------------

    def log_offset(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def chosen_in_log(self, image: GeneratedImage, offset: int) -> str | None:
        """The first child of ``image`` that a ``found match`` line names after ``offset``."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return None
        for match in _CHOSEN.finditer(text):
            if match.group(1) in image.children:
                return match.group(1)
        return None

    # --- the oracle -----------------------------------------------------------------------

    def ask(self, image: GeneratedImage, pushed: PushedImage, platform: str) -> OracleAnswer:
        reference = pushed.reference
        self.remove(reference)
        offset = self.log_offset()
        error = self.pull(pushed, platform)
        logged = self.chosen_in_log(image, offset)
        if image.media_type not in mt.INDEX_TYPES:
            logged = image.digest  # a single manifest: nothing to choose, it is pulled as is
        if error is not None:
            return OracleAnswer(logged, error)
        image_id = self.image_id(reference)
        child = image.child_by_config(image_id) if image_id else None
        if child is None:
            return OracleAnswer(None, f"harness: the pull succeeded but image {image_id} is no "
                                      "child's config")
        if logged != child.digest:
            return OracleAnswer(None, f"harness: .Id names {child.label} ({child.digest}) but the "
                                      f"debug log chose {logged}")
        return OracleAnswer(child.digest)

    def answers(self, image: GeneratedImage, pushed: PushedImage) -> dict[str, OracleAnswer]:
        try:
            return {platform: self.ask(image, pushed, platform) for platform in image.platforms}
        finally:
            self.remove(pushed.reference)


def _json_lines(body: bytes) -> Iterator[dict[str, Any]]:
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            yield message
