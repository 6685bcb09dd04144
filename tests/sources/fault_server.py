"""A small HTTP server on a loopback address that misbehaves on purpose, and counts requests.

Routes map ``(method, path)`` to a list of replies given in turn (the last one repeats). A reply
can delay, declare a length it does not send, send more than a cap, redirect, or stall.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from resolver import mediatypes as mt
from tests.sources.images import sha256


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    send_bytes: int | None = None  # send only this much of the body (Content-Length says all)
    no_length: bool = False  # no Content-Length: the body ends when the connection closes
    stall_after: float = 0.0  # keep the connection open this long after sending

    @classmethod
    def json(cls, status: int, obj: object, **headers: str) -> Reply:
        return cls(status, json.dumps(obj).encode(),
                   {"Content-Type": "application/json", **headers})

    @classmethod
    def error(cls, status: int, code: str, message: str, **headers: str) -> Reply:
        return cls.json(status, {"errors": [{"code": code, "message": message}]}, **headers)

    @classmethod
    def manifest(cls, data: bytes, media_type: str = mt.OCI_INDEX, digest: str | None = None,
                 **kwargs: object) -> Reply:
        headers = {"Content-Type": media_type, "Docker-Content-Digest": digest or sha256(data)}
        return cls(200, data, headers, **kwargs)  # type: ignore[arg-type]


Handler = Callable[[Seen], Reply]


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up on purpose (the tests' whole point) are not errors to print."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FaultServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[tuple[str, str], list[Reply | Handler]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                path = self.path
                seen = Seen(self.command, path, {k: v for k, v in self.headers.items()})
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with owner._lock:
                    owner.seen.append(seen)
                    replies = owner.routes.get((self.command, path.split("?")[0]))
                    if replies is None and self.command == "HEAD":
                        replies = owner.routes.get(("GET", path.split("?")[0]))
                    if replies is None:
                        reply: Reply | Handler = Reply.error(404, "NOT_FOUND", "no route")
                    else:
                        reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if not isinstance(reply, Reply):
                    reply = reply(seen)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.no_length:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                body = reply.body if reply.send_bytes is None else reply.body[:reply.send_bytes]
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                    if reply.stall_after:
                        time.sleep(reply.stall_after)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if reply.send_bytes is not None:
                    self.close_connection = True

            do_GET = do_HEAD = do_POST = _handle

        self.server = QuietServer((host, 0), _Handler)
        self.address = f"{host}:{self.server.server_address[1]}"
        self.url = f"http://{self.address}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def route(self, method: str, path: str, *replies: Reply | Handler) -> None:
        with self._lock:
            self.routes[(method, path)] = list(replies)

    def requests(self, method: str | None = None) -> list[str]:
        """``"METHOD path"`` of every request seen, in order."""
        return [f"{s.method} {s.path}" for s in self.seen if method in (None, s.method)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
