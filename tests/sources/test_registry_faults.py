"""The registry client against a server that misbehaves on purpose (tests/sources/fault_server.py).

Each fault gives the documented exit code (3 for delivery failures, 2 for content that cannot
be used) and a one-line message naming the registry, repository and reference.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest

from resolver import mediatypes as mt
from resolver.errors import (
    EXIT_NETWORK,
    EXIT_USAGE,
    DigestMismatch,
    DocumentError,
    InvalidReference,
    PullsimError,
    RegistryError,
)
from resolver.lookup import SourceOptions
from resolver.model import Descriptor, Index, compute_digest
from resolver.reference import parse_reference
from resolver.sources import registry
from resolver.sources.registry import Limits, RegistryClient
from tests.sources.conftest import free_port
from tests.sources.fault_server import FaultServer, Reply, Seen
from tests.sources.images import multi_platform, sha256

FAST = Limits(connect_timeout=2.0, read_timeout=2.0, body_seconds=10.0)
IMAGE = multi_platform("fault")
CONFIG_DIGEST, CONFIG = next(iter(IMAGE.blobs.items()))
MANIFEST_PATH = "/v2/repo/manifests/tag"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    srv = FaultServer()
    srv.route("GET", "/v2/", Reply.json(200, {}))
    yield srv
    srv.close()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(server: FaultServer, limits: Limits = FAST, **kwargs: object) -> RegistryClient:
    kwargs.setdefault("sleep", Sleeps())
    return RegistryClient(server.address, "repo", limits=limits, **kwargs)  # type: ignore[arg-type]


def fails(call: object, error: type[PullsimError] = RegistryError) -> PullsimError:
    with pytest.raises(error) as caught:
        call()  # type: ignore[operator]
    err = caught.value
    assert "\n" not in str(err)
    return err


# --- counting ---------------------------------------------------------------------------------

def test_anonymous_tag_is_ping_and_one_manifest_get(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data))
    opened = registry.open_source(parse_reference(f"docker://{server.address}/repo:tag"),
                                  SourceOptions())
    assert isinstance(opened.document, Index)
    assert opened.document.digest == IMAGE.digest
    assert server.requests() == ["GET /v2/", f"GET {MANIFEST_PATH}"]
    accept = server.seen[-1].headers["Accept"]
    for media_type in (mt.OCI_INDEX, mt.DOCKER_MANIFEST_LIST, mt.DOCKER_MANIFEST,
                       mt.OCI_MANIFEST):
        assert media_type in accept


def bearer_registry(server: FaultServer, expires_in: int = 300) -> list[str]:
    """/v2/ asks for a Bearer token from /token; manifests need it. Returns the tokens issued."""
    issued: list[str] = []
    challenge = (f'Bearer realm="{server.url}/token",service="fault-registry"')
    server.route("GET", "/v2/", Reply.error(401, "UNAUTHORIZED", "authentication required",
                                            **{"WWW-Authenticate": challenge}))

    def token(seen: Seen) -> Reply:
        issued.append(f"tok-{len(issued)}")
        return Reply.json(200, {"token": issued[-1], "expires_in": expires_in})

    def manifest(seen: Seen) -> Reply:
        if seen.headers.get("Authorization") not in [f"Bearer {t}" for t in issued]:
            return Reply.error(401, "UNAUTHORIZED", "authentication required", **{
                "WWW-Authenticate": challenge + ',scope="repository:repo:pull"'})
        return Reply.manifest(IMAGE.data)

    server.route("GET", "/token", token)
    server.route("GET", MANIFEST_PATH, manifest)
    return issued


def test_bearer_tag_is_ping_token_and_one_manifest_get(server):
    bearer_registry(server)
    client(server).document("tag")
    assert server.requests() == [
        "GET /v2/", "GET /token?service=fault-registry&scope=repository%3Arepo%3Apull",
        f"GET {MANIFEST_PATH}"]


def test_tokens_are_reused_within_their_lifetime(server):
    issued = bearer_registry(server)
    client(server).document("tag")
    client(server).document("tag")  # a new client: same registry, same scope, no credential
    assert issued == ["tok-0"]
    assert [r.partition("?")[0] for r in server.requests()] == [
        "GET /v2/", "GET /token", f"GET {MANIFEST_PATH}", "GET /v2/", f"GET {MANIFEST_PATH}"]


def test_an_expired_token_is_asked_for_again(server, monkeypatch):
    monkeypatch.setattr(registry, "_MIN_TOKEN_LIFETIME", 0.0)
    monkeypatch.setattr(registry, "_TOKEN_MARGIN", 0.0)
    issued = bearer_registry(server, expires_in=0)
    client(server).document("tag")
    client(server).document("tag")
    assert issued == ["tok-0", "tok-1"]


def test_basic_auth_sends_the_credentials_to_the_registry(server):
    server.route("GET", "/v2/", Reply.error(401, "UNAUTHORIZED", "authentication required",
                                            **{"WWW-Authenticate": 'Basic realm="fault"'}))
    expected = "Basic " + base64.b64encode(b"bob:hunter2:x").decode()

    def manifest(seen: Seen) -> Reply:
        if seen.headers.get("Authorization") != expected:
            return Reply.error(401, "UNAUTHORIZED", "authentication required",
                               **{"WWW-Authenticate": 'Basic realm="fault"'})
        return Reply.manifest(IMAGE.data)

    server.route("GET", MANIFEST_PATH, manifest)
    client(server, creds="bob:hunter2:x").document("tag")
    assert server.requests() == ["GET /v2/", f"GET {MANIFEST_PATH}"]


# --- verification -----------------------------------------------------------------------------

def test_wrong_docker_content_digest_for_a_tag(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data, digest=sha256(b"other")))
    err = fails(lambda: client(server).document("tag"), DigestMismatch)
    assert err.exit_code == EXIT_NETWORK
    assert str(err).startswith(f"{server.address}/repo:tag: digest mismatch: "
                               f"Docker-Content-Digest says {sha256(b'other')}")


def test_content_that_is_not_the_digest_asked_for(server):
    wanted = sha256(b"the real thing")
    server.route("GET", f"/v2/repo/manifests/{wanted}", Reply.manifest(IMAGE.data))
    err = fails(lambda: client(server).document(wanted), DigestMismatch)
    assert err.exit_code == EXIT_NETWORK
    assert f"{server.address}/repo@{wanted}: digest mismatch" in str(err)
    assert IMAGE.digest in str(err)


def test_sha512_digests_are_verified(server):
    wanted = compute_digest(IMAGE.data, "sha512")
    server.route("GET", f"/v2/repo/manifests/{wanted}", Reply.manifest(IMAGE.data, digest=wanted))
    assert client(server).document(wanted).digest == wanted


def test_a_digest_that_cannot_be_verified_is_refused(server):
    wanted = "sha384:" + "a" * 96
    err = fails(lambda: client(server).document(wanted))
    assert "cannot verify a sha384 digest" in str(err)
    assert server.requests() == []


def test_blob_with_the_wrong_content(server):
    server.route("GET", f"/v2/repo/blobs/{CONFIG_DIGEST}", Reply(200, b"{}"))
    desc = Descriptor(mt.OCI_CONFIG, CONFIG_DIGEST, len(CONFIG))
    err = fails(lambda: client(server).fetch(desc), DigestMismatch)
    assert "digest mismatch" in str(err)


def test_child_whose_size_is_not_its_descriptors(server):
    server.route("GET", f"/v2/repo/blobs/{CONFIG_DIGEST}", Reply(200, CONFIG))
    desc = Descriptor(mt.OCI_CONFIG, CONFIG_DIGEST, len(CONFIG) + 1)
    err = fails(lambda: client(server).fetch(desc), DigestMismatch)
    assert f"says {len(CONFIG) + 1} bytes, the content has {len(CONFIG)}" in str(err)


# --- sizes and bodies -------------------------------------------------------------------------

def test_truncated_body(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data, send_bytes=10))
    err = fails(lambda: client(server).document("tag"))
    assert err.exit_code == EXIT_NETWORK
    assert f"{server.address}/repo:tag: the manifest was cut short after" in str(err)


def test_oversized_body_declared_is_refused_before_reading(server):
    big = b" " * (4 * 1024 * 1024 + 1)
    server.route("GET", MANIFEST_PATH, Reply.manifest(big))
    err = fails(lambda: client(server).document("tag"))
    assert f"the manifest is {len(big)} bytes, more than the 4194304 byte cap" in str(err)


def test_oversized_body_streamed_is_refused_while_reading(server):
    """No Content-Length, and the server keeps the connection open after the cap: the client
    stops at the cap instead of waiting for the end."""
    big = b" " * (4 * 1024 * 1024 + 64 * 1024)
    server.route("GET", MANIFEST_PATH, Reply.manifest(big, no_length=True, stall_after=5.0))
    start = time.monotonic()
    err = fails(lambda: client(server).document("tag"))
    assert time.monotonic() - start < 3.0
    assert "larger than the 4194304 byte cap; refused while reading" in str(err)


def test_config_cap(server):
    limits = Limits(config_bytes=100)
    desc = Descriptor(mt.OCI_CONFIG, CONFIG_DIGEST, 1000)
    err = fails(lambda: client(server, limits).fetch(desc))
    assert "more than the 100 byte cap for a config" in str(err)
    assert server.requests() == []


def test_malformed_json_is_a_content_error(server):
    body = b'{"schemaVersion": 2, "manifests": ['
    server.route("GET", MANIFEST_PATH, Reply.manifest(body))
    err = fails(lambda: client(server).document("tag"), DocumentError)
    assert err.exit_code == EXIT_USAGE
    assert str(err).startswith(f"{server.address}/repo:tag: malformed JSON")


def test_wrong_content_type(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(b"<html></html>", media_type="text/html"))
    err = fails(lambda: client(server).document("tag"))
    assert err.exit_code == EXIT_NETWORK
    assert "the registry sent Content-Type 'text/html' for a manifest" in str(err)


def test_generic_json_content_type_lets_the_body_decide(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data, media_type="application/json"))
    assert client(server).document("tag").media_type == mt.OCI_INDEX


def test_schema1_is_refused(server):
    body = b'{"schemaVersion": 1, "name": "repo", "tag": "tag", "fsLayers": []}'
    server.route("GET", MANIFEST_PATH, Reply.manifest(body, media_type=mt.DOCKER_SCHEMA1_SIGNED))
    err = fails(lambda: client(server).document("tag"), DocumentError)
    assert "unsupported (deprecated) schema1 manifest" in str(err)


# --- errors from the registry -----------------------------------------------------------------

def test_404_manifest_unknown(server):
    server.route("GET", MANIFEST_PATH, Reply.error(404, "MANIFEST_UNKNOWN", "manifest unknown"))
    err = fails(lambda: client(server).document("tag"))
    assert err.exit_code == EXIT_NETWORK
    assert str(err) == (f"{server.address}/repo:tag: manifest unknown (no such tag or digest "
                        "in this repository) (MANIFEST_UNKNOWN, HTTP 404)")
    assert isinstance(err, RegistryError) and err.code == "MANIFEST_UNKNOWN"


def test_404_name_unknown(server):
    server.route("GET", MANIFEST_PATH, Reply.error(404, "NAME_UNKNOWN",
                                                   "repository name not known to registry"))
    err = fails(lambda: client(server).document("tag"))
    assert str(err) == (f"{server.address}/repo:tag: repository name not known to registry "
                        "(NAME_UNKNOWN, HTTP 404)")


def test_401_then_403_denied(server):
    bearer_registry(server)
    server.route("GET", MANIFEST_PATH, Reply.error(403, "DENIED", "access to repo denied"))
    err = fails(lambda: client(server).document("tag"))
    assert err.exit_code == EXIT_NETWORK
    assert str(err) == (f"{server.address}/repo:tag: requested access to the resource is "
                        "denied: access to repo denied (DENIED, HTTP 403)")


def test_401_without_credentials_says_how_to_give_them(server):
    basic = {"WWW-Authenticate": 'Basic realm="fault"'}
    server.route("GET", "/v2/", Reply.error(401, "UNAUTHORIZED", "authentication required",
                                            **basic))
    server.route("GET", MANIFEST_PATH, Reply.error(401, "UNAUTHORIZED",
                                                   "authentication required", **basic))
    err = fails(lambda: client(server).document("tag"))
    assert str(err).startswith(f"{server.address}/repo:tag: authentication required "
                               "(UNAUTHORIZED, HTTP 401); no credentials for")
    assert server.requests() == ["GET /v2/", f"GET {MANIFEST_PATH}"]


def test_rejected_credentials_never_show_the_secret(server):
    basic = {"WWW-Authenticate": 'Basic realm="fault"'}
    server.route("GET", "/v2/", Reply.error(401, "UNAUTHORIZED", "authentication required",
                                            **basic))
    server.route("GET", MANIFEST_PATH, Reply.error(401, "UNAUTHORIZED", "bad", **basic))
    c = client(server, creds="bob:S3cret-Value")
    err = fails(lambda: c.document("tag"))
    assert "the credentials from --creds were not accepted" in str(err)
    for text in (str(err), repr(err), repr(c), repr(c.credential()), str(c.credential())):
        assert "S3cret-Value" not in text
        assert base64.b64encode(b"bob:S3cret-Value").decode() not in text


def test_token_server_refusing_credentials(server):
    challenge = f'Bearer realm="{server.url}/token",service="svc"'
    server.route("GET", "/v2/", Reply.error(401, "UNAUTHORIZED", "x",
                                            **{"WWW-Authenticate": challenge}))
    server.route("GET", "/token", Reply.json(401, {"details": "incorrect username or password"}))
    err = fails(lambda: client(server, creds="bob:wrong").document("tag"))
    assert str(err) == (f"{server.address}/repo:tag: the token server {server.address} refused "
                        "a token for repository:repo:pull: the credentials from --creds were "
                        "refused (HTTP 401)")


# --- retries and timeouts ---------------------------------------------------------------------

def test_429_honours_retry_after(server):
    server.route("GET", MANIFEST_PATH,
                 Reply.error(429, "TOOMANYREQUESTS", "slow down", **{"Retry-After": "2"}),
                 Reply.manifest(IMAGE.data))
    sleeps = Sleeps()
    client(server, sleep=sleeps).document("tag")
    assert sleeps == [2.0]
    assert server.requests() == ["GET /v2/", f"GET {MANIFEST_PATH}", f"GET {MANIFEST_PATH}"]


def test_429_with_a_retry_after_past_the_cap_fails_at_once(server):
    server.route("GET", MANIFEST_PATH,
                 Reply.error(429, "TOOMANYREQUESTS", "slow down", **{"Retry-After": "3600"}))
    sleeps = Sleeps()
    err = fails(lambda: client(server, sleep=sleeps).document("tag"))
    assert sleeps == []
    assert err.exit_code == EXIT_NETWORK
    assert str(err).startswith(f"{server.address}/repo:tag: too many requests (rate limited): "
                               "slow down (TOOMANYREQUESTS, HTTP 429)")
    assert str(err).endswith("(TOOMANYREQUESTS, HTTP 429); the registry asks to retry after "
                             "3600 s (more than the 20 s pullsim waits)")


def test_429_until_the_attempts_run_out(server):
    server.route("GET", MANIFEST_PATH, Reply.error(429, "TOOMANYREQUESTS", "slow down"))
    sleeps = Sleeps()
    err = fails(lambda: client(server, sleep=sleeps).document("tag"))
    assert sleeps == [0.5, 1.0]
    assert "(TOOMANYREQUESTS, HTTP 429); gave up after 3 attempts" in str(err)
    assert server.requests().count(f"GET {MANIFEST_PATH}") == 3


def test_500_then_success(server):
    server.route("GET", MANIFEST_PATH, Reply(500, b"oops"), Reply.manifest(IMAGE.data))
    sleeps = Sleeps()
    assert client(server, sleep=sleeps).document("tag").digest == IMAGE.digest
    assert sleeps == [0.5]


def test_503_until_the_attempts_run_out(server):
    server.route("GET", MANIFEST_PATH, Reply(503, b"busy"))
    sleeps = Sleeps()
    err = fails(lambda: client(server, sleep=sleeps).document("tag"))
    assert str(err) == (f"{server.address}/repo:tag: HTTP 503 Service Unavailable; gave up "
                        "after 3 attempts")
    assert sleeps == [0.5, 1.0]


def test_slow_response_past_the_read_timeout(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data, delay=3.0))
    start = time.monotonic()
    err = fails(lambda: client(server, Limits(read_timeout=0.3)).document("tag"))
    assert time.monotonic() - start < 2.0
    assert err.exit_code == EXIT_NETWORK
    assert str(err) == f"{server.address}/repo:tag: {server.address} did not answer within 0.3 s"


def test_unreachable_registry():
    address = f"127.0.0.1:{free_port()}"
    err = fails(lambda: RegistryClient(address, "repo", limits=FAST).document("tag"))
    assert err.exit_code == EXIT_NETWORK
    assert str(err) == f"{address}/repo: cannot connect to {address}: Connection refused"


# --- redirects --------------------------------------------------------------------------------

@pytest.fixture
def other_host() -> Iterator[FaultServer]:
    try:
        srv = FaultServer("127.0.0.2")
    except OSError as err:  # pragma: no cover (127.0.0.0/8 is all loopback on Linux)
        pytest.skip(f"cannot listen on 127.0.0.2: {err}")
    yield srv
    srv.close()


def test_blob_redirect_to_another_host_gets_no_authorization(server, other_host):
    basic = {"WWW-Authenticate": 'Basic realm="fault"'}
    server.route("GET", "/v2/", Reply.error(401, "UNAUTHORIZED", "x", **basic))
    server.route("GET", f"/v2/repo/blobs/{CONFIG_DIGEST}",
                 Reply(307, headers={"Location": f"{other_host.url}/store/config?sig=1"}))
    other_host.route("GET", "/store/config", Reply(200, CONFIG))
    desc = Descriptor(mt.OCI_CONFIG, CONFIG_DIGEST, len(CONFIG))
    assert client(server, creds="bob:pw").fetch(desc) == CONFIG
    assert server.seen[-1].headers.get("Authorization", "").startswith("Basic ")
    assert other_host.requests() == ["GET /store/config?sig=1"]
    assert "Authorization" not in other_host.seen[0].headers


def test_too_many_redirects(server):
    server.route("GET", MANIFEST_PATH, Reply(302, headers={"Location": MANIFEST_PATH}))
    err = fails(lambda: client(server).document("tag"))
    assert str(err) == f"{server.address}/repo:tag: more than 5 redirects"


def test_a_downgrade_from_https_to_http_is_refused_off_loopback():
    c = RegistryClient("registry.invalid", "repo")
    with pytest.raises(RegistryError, match="redirected from https to plain http"):
        c._check_redirect("https://registry.invalid/v2/x", "http://cdn.invalid/x", "where")
    c._check_redirect("https://registry.invalid/v2/x", "https://cdn.invalid/x", "where")
    c._check_redirect("https://registry.invalid/v2/x", "http://127.0.0.1:9/x", "where")
    RegistryClient("registry.invalid", "repo", insecure=True)._check_redirect(
        "https://registry.invalid/v2/x", "http://cdn.invalid/x", "where")


# --- proxies ----------------------------------------------------------------------------------

def test_http_proxy_from_the_environment_is_used(monkeypatch):
    """``--insecure`` to a non-loopback name through HTTP_PROXY/HTTPS_PROXY: the HTTPS attempt
    fails at the proxy (no CONNECT), plain HTTP goes through it; the name is never resolved."""
    proxy = FaultServer()
    try:
        host = "registry.invalid:5000"
        proxy.route("GET", f"http://{host}/v2/", Reply.json(200, {}))
        proxy.route("GET", f"http://{host}/v2/repo/manifests/tag", Reply.manifest(IMAGE.data))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        doc = RegistryClient(host, "repo", insecure=True, limits=FAST).document("tag")
        assert doc.digest == IMAGE.digest
        assert proxy.requests("GET") == [f"GET http://{host}/v2/",
                                         f"GET http://{host}/v2/repo/manifests/tag"]
    finally:
        proxy.close()


def test_plain_http_needs_insecure_off_loopback(monkeypatch):
    """Without --insecure a non-loopback registry is only tried over HTTPS (here: through a
    proxy that cannot CONNECT), and the message says what to do."""
    proxy = FaultServer()
    try:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        err = fails(lambda: RegistryClient("registry.invalid", "repo", limits=FAST).document("t"))
        assert "use --insecure" in str(err)
        assert proxy.requests("GET") == []
    finally:
        proxy.close()


def test_loopback_detection():
    for host in ("localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000", "::1"):
        assert registry.is_loopback(host), host
    for host in ("example.com", "10.0.0.1:5000", "[fe80::1]:5000", "localhost.example.com"):
        assert not registry.is_loopback(host), host


def test_loopback_is_never_proxied(server, monkeypatch):
    """As Go's ProxyFromEnvironment: a proxy in the environment is not used for loopback."""
    proxy = FaultServer()
    try:
        server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        client(server).document("tag")
        assert proxy.requests() == []
        assert server.requests() == ["GET /v2/", f"GET {MANIFEST_PATH}"]
    finally:
        proxy.close()


def test_a_name_without_a_valid_registry_host_is_bad_input():
    with pytest.raises(InvalidReference) as caught:
        registry.open_source(parse_reference("0.0_0/x"), SourceOptions())
    assert caught.value.exit_code == EXIT_USAGE
    assert "no registry host: '0.0_0' is read as one but is not a valid host[:port]" in str(
        caught.value)


def test_head_manifest_gives_digest_type_and_size(server):
    server.route("GET", MANIFEST_PATH, Reply.manifest(IMAGE.data))
    fetched = client(server).get_manifest("tag", head=True)
    assert (fetched.data, fetched.media_type, fetched.digest, fetched.size) == (
        b"", mt.OCI_INDEX, IMAGE.digest, len(IMAGE.data))
    assert server.requests() == ["GET /v2/", f"HEAD {MANIFEST_PATH}"]
