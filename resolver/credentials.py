"""Registry credentials, looked up the way Docker and containers/image look them up.

Order (the first source that has an answer for the registry wins):

1. ``--creds USER:PASS`` (``SourceOptions.creds``).
2. containers' auth files: ``$REGISTRY_AUTH_FILE`` if set, else ``$XDG_RUNTIME_DIR/containers/
   auth.json``; then ``$XDG_CONFIG_HOME/containers/auth.json`` (``~/.config/…``).
3. Docker's ``config.json`` in ``$DOCKER_CONFIG`` (else ``~/.docker``).

Within one file (Docker's ``credentials.NewStore`` rules): ``credHelpers[registry]`` names a
helper, else ``credsStore`` names one for every registry (its ``auths`` are then not read), else
``auths``: ``auth`` (base64 ``user:password``), ``username``/``password``, or ``identitytoken``
(an OAuth2 refresh token, Docker's ``docker login`` with SSO). Keys are matched exactly, most
specific first (``host/ns/repo``, ``host/ns``, ``host``, as containers/image's auth.json allows),
then as Docker's ``ConvertToHostname`` reads them (scheme and path dropped). Docker Hub is
``https://index.docker.io/v1/`` to Docker and ``docker.io`` to containers; both are tried.

A helper is run as ``docker-credential-NAME get`` with the server URL on stdin and answers
JSON ``{"ServerURL", "Username", "Secret"}`` (``Username`` ``<token>`` means ``Secret`` is an
identity token); "credentials not found" is no answer, anything else a one-line
:class:`CredentialsError`. It gets ``HELPER_TIMEOUT`` seconds.

Secrets are never printed: :class:`Credential` hides them from ``repr``, and no error text
carries a secret, a token, a config value or a helper's stdout.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolver.errors import CredentialsError

HELPER_TIMEOUT = 10.0  # seconds a docker-credential-* helper may take
MAX_CONFIG_SIZE = 4 * 1024 * 1024  # a config.json / auth.json larger than this is refused
MAX_HELPER_OUTPUT = 64 * 1024

DOCKER_HUB_KEYS = ("https://index.docker.io/v1/", "docker.io", "index.docker.io",
                   "registry-1.docker.io")
DOCKER_HUB_SERVER = "https://index.docker.io/v1/"  # what Docker hands its helpers for the Hub
_DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
# docker-credential-helpers credentials.ErrCredentialsNotFound
_NOT_FOUND = "credentials not found in native keychain"


@dataclass(frozen=True, slots=True)
class Credential:
    """A user name and a secret (a password, or an identity token when ``identity_token``).

    ``source`` says where it came from (a file and key, a helper, ``--creds``), for messages.
    """

    username: str
    secret: str = field(repr=False)
    source: str = ""
    identity_token: bool = False

    def __repr__(self) -> str:
        kind = "identity token" if self.identity_token else "password"
        return f"Credential(username={self.username!r}, {kind}=<hidden>, source={self.source!r})"

    __str__ = __repr__


def parse_creds(text: str) -> Credential:
    """``--creds USER:PASS`` (skopeo's form; a password may contain ':')."""
    user, sep, secret = text.partition(":")
    if not sep or not user:
        raise CredentialsError("--creds must be USER:PASSWORD (user name and password joined "
                               "by ':')")
    return Credential(user, secret, "--creds")


def lookup(registry: str, repository: str = "", creds: str | None = None,
           env: Mapping[str, str] | None = None) -> Credential | None:
    """The credential for ``registry`` (``host[:port]`` as in the reference, ``docker.io`` for
    Docker Hub) and ``repository``, or None for anonymous access."""
    if creds is not None:
        return parse_creds(creds)
    environ = os.environ if env is None else env
    for path in auth_files(environ):
        found = _from_file(path, registry, repository, environ)
        if found is not None:
            return found
    return None


def auth_files(env: Mapping[str, str]) -> list[Path]:
    """The files consulted, in order (whether they exist or not)."""
    home = Path(env.get("HOME") or Path.home())
    files: list[Path] = []
    if env.get("REGISTRY_AUTH_FILE"):
        files.append(Path(env["REGISTRY_AUTH_FILE"]))
    elif env.get("XDG_RUNTIME_DIR"):
        files.append(Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    config_home = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    files.append(config_home / "containers" / "auth.json")
    docker_dir = Path(env["DOCKER_CONFIG"]) if env.get("DOCKER_CONFIG") else home / ".docker"
    files.append(docker_dir / "config.json")
    return files


def server_keys(registry: str, repository: str = "") -> list[str]:
    """Keys that name ``registry`` in a file's ``auths``/``credHelpers``, most specific first."""
    hub = registry in _DOCKER_HUB_HOSTS
    host = "docker.io" if hub else registry
    keys = []
    parts = [p for p in repository.split("/") if p]
    for end in range(len(parts), 0, -1):
        keys.append(f"{host}/{'/'.join(parts[:end])}")
    keys.extend(DOCKER_HUB_KEYS if hub else (registry,))
    return keys


def convert_to_hostname(key: str) -> str:
    """Docker's ``registry.ConvertToHostname``: drop ``http(s)://`` and any path."""
    stripped = key
    for scheme in ("http://", "https://"):
        if stripped.startswith(scheme):
            stripped = stripped[len(scheme):]
            break
    return stripped.partition("/")[0]


def _from_file(path: Path, registry: str, repository: str,
               env: Mapping[str, str]) -> Credential | None:
    config = _read_config(path)
    if config is None:
        return None
    keys = server_keys(registry, repository)
    helpers = config.get("credHelpers")
    helpers = {} if helpers is None else helpers
    if not isinstance(helpers, Mapping):
        raise CredentialsError(f"{path}: credHelpers must be an object")
    for key in keys:
        name = helpers.get(key)
        if name:
            return run_helper(str(name), _server_url(registry), env, f"credHelpers in {path}")
    store = config.get("credsStore")
    if store:
        return run_helper(str(store), _server_url(registry), env, f"credsStore in {path}")
    auths = config.get("auths")
    auths = {} if auths is None else auths
    if not isinstance(auths, Mapping):
        raise CredentialsError(f"{path}: auths must be an object")
    for key, entry in _matching_entries(auths, keys):
        found = _decode_entry(entry, f"{path} (auths {key!r})")
        if found is not None:
            return found
    return None


def _matching_entries(auths: Mapping[str, Any], keys: list[str]) -> Iterator[tuple[str, Any]]:
    """Exact keys first (most specific first), then keys naming the same host once Docker's
    ``ConvertToHostname`` has dropped their scheme and path (``https://host/v1/`` → ``host``)."""
    for key in keys:
        if key in auths:
            yield key, auths[key]
    hosts = {convert_to_hostname(k) for k in keys if "/" not in _bare(k)}
    for key, entry in auths.items():
        if key not in keys and convert_to_hostname(key) in hosts:
            yield key, entry


def _bare(key: str) -> str:
    """A key without its scheme and Docker Hub's ``/v1/`` suffix."""
    return key.removeprefix("https://").removeprefix("http://").removesuffix("/v1/")


def _read_config(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_SIZE + 1)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise CredentialsError(f"cannot read {path}: {err.strerror or err}") from None
    if len(data) > MAX_CONFIG_SIZE:
        raise CredentialsError(f"{path}: larger than {MAX_CONFIG_SIZE} bytes, refused")
    if not data.strip():
        return None
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CredentialsError(f"{path}: malformed JSON") from None
    if not isinstance(obj, dict):
        raise CredentialsError(f"{path}: the top level must be a JSON object")
    return obj


def _decode_entry(entry: Any, where: str) -> Credential | None:
    if not isinstance(entry, Mapping):
        raise CredentialsError(f"{where}: each entry must be an object")
    token = entry.get("identitytoken")
    username = entry.get("username") or ""
    password = entry.get("password") or ""
    encoded = entry.get("auth")
    if encoded:
        if not isinstance(encoded, str):
            raise CredentialsError(f"{where}: auth must be a base64 string")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise CredentialsError(f"{where}: auth is not valid base64 of USER:PASSWORD") from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise CredentialsError(f"{where}: auth does not decode to USER:PASSWORD")
    if not isinstance(username, str) or not isinstance(password, str):
        raise CredentialsError(f"{where}: username and password must be strings")
    if token:
        if not isinstance(token, str):
            raise CredentialsError(f"{where}: identitytoken must be a string")
        return Credential(username, token, where, identity_token=True)
    if username or password:
        return Credential(username, password, where)
    return None


def _server_url(registry: str) -> str:
    return DOCKER_HUB_SERVER if registry in _DOCKER_HUB_HOSTS else registry


def run_helper(name: str, server: str, env: Mapping[str, str] | None = None,
               named_by: str = "", timeout: float = HELPER_TIMEOUT) -> Credential | None:
    """``docker-credential-NAME get`` for ``server``; None when it has no credentials."""
    program = f"docker-credential-{name}"
    where = f"{program}" + (f" ({named_by})" if named_by else "")
    if not name or "/" in name or name != name.strip():
        raise CredentialsError(f"{where}: invalid credential helper name {name!r}")
    import subprocess  # only here: most pulls run no helper, and a cold answer counts the ms

    try:
        proc = subprocess.run(
            [program, "get"], input=server.encode(), capture_output=True, timeout=timeout,
            env=dict(env) if env is not None else None, check=False)
    except FileNotFoundError:
        raise CredentialsError(f"{where}: not found on PATH") from None
    except subprocess.TimeoutExpired:
        raise CredentialsError(f"{where}: no answer within {timeout:g} s") from None
    except OSError as err:
        raise CredentialsError(f"{where}: cannot run: {err.strerror or err}") from None
    out = proc.stdout[:MAX_HELPER_OUTPUT]
    if proc.returncode != 0:
        text = out.decode("utf-8", "replace")
        if _NOT_FOUND in text or "credentials not found" in text.lower():
            return None
        # stderr is the helper's own message (never its stdout, which could hold a secret)
        reason = _first_line(proc.stderr.decode("utf-8", "replace")) or "no message"
        raise CredentialsError(f"{where}: get for {server} failed with exit status "
                               f"{proc.returncode}: {reason}")
    try:
        answer = json.loads(out)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CredentialsError(f"{where}: answered with malformed JSON") from None
    if not isinstance(answer, Mapping):
        raise CredentialsError(f"{where}: answered with something other than a JSON object")
    username, secret = answer.get("Username", ""), answer.get("Secret", "")
    if not isinstance(username, str) or not isinstance(secret, str):
        raise CredentialsError(f"{where}: Username and Secret must be strings")
    if not username and not secret:
        return None
    if username == "<token>":
        return Credential("", secret, program, identity_token=True)
    return Credential(username, secret, program)


def _first_line(text: str, limit: int = 200) -> str:
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[:limit] + "…"
    return ""
