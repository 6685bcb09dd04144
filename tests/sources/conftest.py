"""Fixtures for the registry source: real registries (Debian's ``docker-registry``) started here,
a token server, and an environment with no credentials or proxies of the machine's own.

Three registries on 127.0.0.1 ephemeral ports share one storage directory: ``anonymous`` (no
auth; the test images are pushed through it first), ``basic`` (htpasswd) and ``token`` (Bearer
tokens from :class:`TokenServer`, checked by the registry against ``auth.token.rootcertbundle``).
Without ``/usr/bin/docker-registry`` (or ``htpasswd``/``openssl``) the tests that need them are
skipped, except under ``CI=true``, where they fail: CI must install ``docker-registry`` and
``apache2-utils``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from tests.sources.fault_server import QuietServer
from tests.sources.images import Image, Pusher, multi_platform

REGISTRY_BINARY = Path("/usr/bin/docker-registry")
SERVICE = "pullsim-test-registry"
ISSUER = "pullsim-test-issuer"
USER, PASSWORD = "alice", "wonderland-Pa55:word"  # a ':' in the password on purpose
REFRESH_TOKEN = "refresh-7f3a9c-secret"

_ENV_CLEARED = ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
                "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                "all_proxy", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials, proxies, tokens or cache from the machine or an earlier test: HOME is
    empty, and the cache is the test's own."""
    from resolver.sources.registry import forget_tokens

    for name in _ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PULLSIM_CACHE_DIR", str(tmp_path / "cache"))  # resolver.cache
    forget_tokens()
    return home


def _missing(what: str) -> None:
    message = f"{what} is needed for the registry integration tests"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: install docker-registry, apache2-utils and openssl)")
    pytest.skip(message)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


# --- JWTs signed with openssl ---------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Signer:
    """An RSA key and a self-signed certificate for it (openssl CLI), signing RS256 JWTs with
    the certificate in ``x5c`` (what Registry 2.8 checks against its rootcertbundle)."""

    key: Path
    cert: Path

    @classmethod
    def create(cls, directory: Path) -> Signer:
        key, cert = directory / "token.key", directory / "token.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
             "-out", str(cert), "-days", "2", "-subj", "/CN=pullsim test token issuer"],
            check=True, capture_output=True, timeout=60)
        return cls(key, cert)

    @property
    def cert_der_b64(self) -> str:
        pem = self.cert.read_text()
        body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
        return "".join(body.split())

    def jwt(self, claims: dict[str, object]) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.cert_der_b64]}
        signing_input = (b64url(json.dumps(header).encode()) + "."
                         + b64url(json.dumps(claims).encode()))
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key)],
            input=signing_input.encode(), check=True, capture_output=True, timeout=30).stdout
        return signing_input + "." + b64url(signature)

    def token(self, subject: str, repositories: list[tuple[str, list[str]]],
              lifetime: int = 300) -> str:
        now = int(time.time())
        return self.jwt({
            "iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + lifetime,
            "nbf": now - 30, "iat": now, "jti": f"{subject}-{time.monotonic_ns()}",
            "access": [{"type": "repository", "name": name, "actions": actions}
                       for name, actions in repositories],
        })


# --- the token server -----------------------------------------------------------------------

@dataclass
class TokenRequest:
    method: str
    params: dict[str, list[str]]
    user: str  # "" anonymous; "?" wrong credentials


@dataclass
class TokenServer:
    """``GET /token`` (Basic auth optional) and ``POST /token`` (OAuth2 refresh_token).

    Policy: ``private/*`` needs an authenticated user (``alice``, or the refresh token); other
    repositories are readable anonymously. Wrong credentials get 401.
    """

    signer: Signer
    requests: list[TokenRequest] = field(default_factory=list)
    server: QuietServer | None = None

    @property
    def realm(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/token"

    def grant(self, user: str, scopes: list[str]) -> list[tuple[str, list[str]]]:
        granted = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository":
                continue
            if name.startswith("private/") and user != USER:
                continue
            granted.append((name, [a for a in actions.split(",") if a == "pull"]))
        return granted

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(url.query)
                user = ""
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    name, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                    user = name if (name, secret) == (USER, PASSWORD) else "?"
                owner.requests.append(TokenRequest("GET", params, user))
                if user == "?":
                    self._answer(401, {"details": "incorrect username or password"})
                    return
                token = owner.signer.token(user, owner.grant(user, params.get("scope", [])))
                self._answer(200, {"token": token, "expires_in": 300})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                params = urllib.parse.parse_qs(self.rfile.read(length).decode())
                ok = params.get("grant_type") == ["refresh_token"] and params.get(
                    "refresh_token") == [REFRESH_TOKEN]
                owner.requests.append(TokenRequest("POST", params, USER if ok else "?"))
                if not ok:
                    self._answer(401, {"error": "invalid_grant"})
                    return
                token = owner.signer.token(USER, owner.grant(USER, params.get("scope", [])))
                self._answer(200, {"access_token": token, "expires_in": 300})

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


# --- the registries -------------------------------------------------------------------------

@dataclass
class RegistryProcess:
    name: str
    address: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_mark(self) -> int:
        return self.log.stat().st_size

    def access_lines(self, since: int = 0, agent: str = "pullsim/") -> list[str]:
        """Access-log lines (gorilla combined format) of requests by ``agent`` after ``since``."""
        with self.log.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if '"GET ' in line or '"HEAD ' in line
                if agent in line]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _registry_config(storage: Path, port: int, auth: str) -> str:
    return (
        "version: 0.1\n"
        "log: {level: warn, fields: {service: registry}}\n"
        f"storage: {{filesystem: {{rootdirectory: {storage}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: '127.0.0.1:{port}', headers: {{X-Content-Type-Options: [nosniff]}}}}\n"
        "health: {storagedriver: {enabled: false}}\n"
        + auth
    )


def start_registry(name: str, state: Path, storage: Path, auth: str = "") -> RegistryProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    last_log = ""
    for _attempt in range(3):  # the ephemeral port may be taken between picking and binding
        port = free_port()
        config = state / f"{name}.yml"
        config.write_text(_registry_config(storage, port, auth))
        log = state / f"{name}.log"
        handle = log.open("wb")
        process = subprocess.Popen([str(REGISTRY_BINARY), "serve", str(config)],
                                   stdout=handle, stderr=subprocess.STDOUT, env=env)
        handle.close()
        entry = RegistryProcess(name, f"127.0.0.1:{port}", log, process)
        deadline = time.monotonic() + 30
        probe = requests.Session()
        probe.trust_env = False  # never through a proxy of the machine's
        while time.monotonic() < deadline and process.poll() is None:
            try:
                probe.get(f"http://{entry.address}/v2/", timeout=1).close()
                return entry
            except requests.ConnectionError:
                time.sleep(0.05)
        entry.stop()
        last_log = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"docker-registry {name} did not start:\n{last_log}")


@dataclass
class Registries:
    anonymous: RegistryProcess
    basic: RegistryProcess
    token: RegistryProcess
    token_server: TokenServer
    images: dict[str, Image]
    state: Path


TEST_IMAGES = {
    "demo/multi:oci": lambda: multi_platform("multi-oci"),
    "demo/multi:docker": lambda: multi_platform("multi-docker", oci=False),
    "demo/noplatform:oci": lambda: multi_platform("noplat", ("linux/amd64",),
                                                  without_platform="linux/arm/v7"),
    "private/app:1": lambda: multi_platform("private-app"),
}


@pytest.fixture(scope="session")
def registries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registries]:
    if not REGISTRY_BINARY.exists():
        _missing(str(REGISTRY_BINARY))
    for tool in ("htpasswd", "openssl"):
        if shutil.which(tool) is None:
            _missing(tool)
    state = tmp_path_factory.mktemp("registries")
    storage = state / "storage"
    storage.mkdir()
    started: list[RegistryProcess] = []
    token_server: TokenServer | None = None
    try:
        anonymous = start_registry("anonymous", state, storage)
        started.append(anonymous)
        images = {ref: build() for ref, build in TEST_IMAGES.items()}
        pusher = Pusher(anonymous.address)
        for ref, image in images.items():
            repository, tag = ref.split(":")
            pusher.push(repository, tag, image)
        htpasswd = state / "htpasswd"
        htpasswd.write_text(subprocess.run(
            ["htpasswd", "-Bbn", USER, PASSWORD], check=True, capture_output=True,
            text=True, timeout=60).stdout)
        basic = start_registry("basic", state, storage,
                               f"auth: {{htpasswd: {{realm: pullsim-test, path: {htpasswd}}}}}\n")
        started.append(basic)
        signer = Signer.create(state)
        token_server = TokenServer(signer)
        token_server.start()
        token = start_registry("token", state, storage, (
            "auth:\n  token:\n"
            f"    realm: {token_server.realm}\n    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n    rootcertbundle: {signer.cert}\n"))
        started.append(token)
        yield Registries(anonymous, basic, token, token_server, images, state)
    finally:
        for process in started:
            process.stop()
        if token_server is not None:
            token_server.stop()


# --- credentials on disk --------------------------------------------------------------------

def write_docker_config(directory: Path, config: dict[str, object]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


def basic_auth_entry(user: str = USER, password: str = PASSWORD) -> dict[str, str]:
    return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}


HELPER_SCRIPT = """#!{python}
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent
server = sys.stdin.read().strip()
with open(here / "helper-calls.log", "a") as log:
    log.write(" ".join(sys.argv[1:]) + " " + server + "\\n")
store = json.loads((here / "helper-store.json").read_text())
if sys.argv[1:] != ["get"]:
    sys.exit(2)
if store.get("__fail__"):
    print(store["__fail__"], file=sys.stderr)
    sys.exit(1)
if server not in store:
    print("credentials not found in native keychain")
    sys.exit(1)
print(json.dumps(store[server]))
"""


def install_helper(bin_dir: Path, monkeypatch: pytest.MonkeyPatch,
                   store: dict[str, object], name: str = "test") -> Path:
    """A fake ``docker-credential-NAME`` on PATH answering from ``store`` (server → answer)."""
    import sys

    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / f"docker-credential-{name}"
    script.write_text(HELPER_SCRIPT.format(python=sys.executable))
    script.chmod(0o755)
    (bin_dir / "helper-store.json").write_text(json.dumps(store))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return bin_dir / "helper-calls.log"
