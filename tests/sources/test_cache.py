"""The cache (resolver/cache.py, resolver/httpcache.py, resolver/warm.py) against real registries
(conftest.py) and the misbehaving server: requests counted from the registry's access log, the
SQLite file searched for secrets, verified content only, damaged files rebuilt, the warm path's
imports.

Every test has a cache directory of its own (``PULLSIM_CACHE_DIR``, set by ``clean_env``).
Each ``pullsim`` run in-process forgets its tokens first, as a new process would.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from resolver import cache
from resolver.cli import main
from resolver.lookup import SourceOptions
from resolver.reference import parse_reference
from resolver.sources import registry
from resolver.sources.registry import Limits, RegistryClient, forget_tokens, new_session
from tests.sources.conftest import PASSWORD, USER, Registries, RegistryProcess
from tests.sources.fault_server import FaultServer, Reply, Seen
from tests.sources.images import Pusher, multi_platform, sha256

ARM = ("--host", "linux/arm/v7", "--engine", "containerd@1.6")
FAST = Limits(connect_timeout=2.0, read_timeout=2.0, body_seconds=10.0, attempts=1)


def pullsim(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    forget_tokens()  # a new process holds no token
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def requested(reg: RegistryProcess, mark: int) -> list[str]:
    """``METHOD path`` of pullsim's requests since ``mark``."""
    return [" ".join(line.split('"')[1].split()[:2]) for line in reg.access_lines(mark)]


def cache_root() -> Path:
    return Path(os.environ["PULLSIM_CACHE_DIR"])


def assert_cold(seen: list[str], tag_path: str, unique: bool = True) -> None:
    """A ping, one GET of the tag, and nothing else but GETs by digest (children an engine or
    the config check looks inside), each once when the cache keeps them."""
    assert seen[:2] == ["GET /v2/", f"GET {tag_path}"], seen
    rest = seen[2:]
    assert all(s.startswith("GET ") and "/sha256:" in s for s in rest), seen
    assert len(rest) == len(set(rest)) or not unique, seen


# --- request counts ---------------------------------------------------------------------------

def test_cold_warm_max_age_and_digest_request_counts(registries: Registries, capsys):
    reg = registries.anonymous
    image = registries.images["demo/multi:oci"]
    ref = f"{reg.address}/demo/multi:oci"

    mark = reg.log_mark()
    code, cold_out, err = pullsim(capsys, "resolve", ref, *ARM)
    assert (code, err) == (0, "")
    assert_cold(requested(reg, mark), "/v2/demo/multi/manifests/oci")
    assert image.children["linux/arm/v7"] in cold_out

    mark = reg.log_mark()
    code, warm_out, err = pullsim(capsys, "resolve", ref, *ARM)
    assert (code, warm_out, err) == (0, cold_out, "")
    assert requested(reg, mark) == ["HEAD /v2/demo/multi/manifests/oci"]

    mark = reg.log_mark()
    assert pullsim(capsys, "resolve", ref, *ARM, "--max-age", "600") == (0, cold_out, "")
    assert requested(reg, mark) == []

    # another output format and another engine: the documents come from the store
    mark = reg.log_mark()
    code, out, _ = pullsim(capsys, "resolve", ref, *ARM, "--output", "json")
    assert json.loads(out)["digest"] == image.children["linux/arm/v7"]
    code, out, _ = pullsim(capsys, "resolve", ref, "--host", "linux/arm/v7", "-e", "docker@20.10")
    assert code == 0 and image.children["linux/arm/v7"] in out
    seen = requested(reg, mark)
    assert "GET /v2/demo/multi/manifests/oci" not in seen
    assert all(s.startswith("HEAD ") or s == "GET /v2/" for s in seen), seen

    # a pinned digest: never revalidated; the first time from the store, then remembered
    pinned = f"{reg.address}/demo/multi@{image.digest}"
    mark = reg.log_mark()
    first = pullsim(capsys, "resolve", pinned, *ARM)
    assert first[0] == 0 and requested(reg, mark) == []
    assert pullsim(capsys, "resolve", pinned, *ARM) == first
    assert requested(reg, mark) == []


def test_library_resolve_uses_the_store(registries: Registries):
    """``resolver.resolve`` goes through the same cache: a repeat is one HEAD, a pinned
    digest none, and ``no_cache`` bypasses it (reads nothing, writes nothing)."""
    from resolver.lookup import resolve

    reg = registries.anonymous
    image = registries.images["demo/multi:docker"]
    ref = f"docker://{reg.address}/demo/multi:docker"
    resolve(ref, host=None, platform="linux/arm/v7", engine="containerd@1.6")
    mark = reg.log_mark()
    again = resolve(ref, platform="linux/arm/v7", engine="containerd@1.6")
    assert again.digest == image.children["linux/arm/v7"]
    assert requested(reg, mark) == ["HEAD /v2/demo/multi/manifests/docker"]
    mark = reg.log_mark()
    resolve(f"docker://{reg.address}/demo/multi@{image.digest}", platform="linux/arm/v7")
    assert requested(reg, mark) == []

    before = sorted(p.name for p in cache_root().rglob("*"))
    mark = reg.log_mark()
    resolve(ref, platform="linux/arm/v7", options=SourceOptions(no_cache=True))
    assert "GET /v2/demo/multi/manifests/docker" in requested(reg, mark)
    assert sorted(p.name for p in cache_root().rglob("*")) == before


def test_a_moved_tag_is_fetched_again(registries: Registries, capsys):
    reg = registries.anonymous
    pusher = Pusher(reg.address)
    first, second = multi_platform("moving-1"), multi_platform("moving-2")
    pusher.push("demo/moving", "latest", first)
    ref = f"{reg.address}/demo/moving:latest"
    assert first.children["linux/arm/v7"] in pullsim(capsys, "resolve", ref, *ARM)[1]
    pusher.push("demo/moving", "latest", second)
    mark = reg.log_mark()
    code, out, _ = pullsim(capsys, "resolve", ref, *ARM)
    assert code == 0 and second.children["linux/arm/v7"] in out
    seen = requested(reg, mark)
    assert seen[0] == "HEAD /v2/demo/moving/manifests/latest"
    assert "GET /v2/demo/moving/manifests/latest" in seen
    mark = reg.log_mark()
    assert second.children["linux/arm/v7"] in pullsim(capsys, "resolve", ref, *ARM)[1]
    assert requested(reg, mark) == ["HEAD /v2/demo/moving/manifests/latest"]


def test_token_registry_cold_and_repeat(registries: Registries, capsys):
    """Bearer auth: cold is ping, one token, one GET of the tag; a repeat is a HEAD answered
    401, one token, the HEAD again (the registry asked for a token, so the warm path leaves the
    HEAD to the client, which holds tokens in memory only, and needs no ping: the tag record
    has the scheme)."""
    reg, tokens = registries.token, registries.token_server
    ref = f"{reg.address}/private/app:1"
    creds = ("--creds", f"{USER}:{PASSWORD}")
    mark, before = reg.log_mark(), len(tokens.requests)
    code, cold_out, err = pullsim(capsys, "resolve", ref, *ARM, *creds)
    assert (code, err) == (0, "")
    assert_cold(requested(reg, mark), "/v2/private/app/manifests/1")
    assert len(tokens.requests) - before == 1

    mark, before = reg.log_mark(), len(tokens.requests)
    assert pullsim(capsys, "resolve", ref, *ARM, *creds) == (0, cold_out, "")
    assert requested(reg, mark) == ["HEAD /v2/private/app/manifests/1"] * 2  # 401, then 200
    assert len(tokens.requests) - before == 1

    mark, before = reg.log_mark(), len(tokens.requests)
    assert pullsim(capsys, "resolve", ref, *ARM, *creds, "--max-age", "60") == (0, cold_out, "")
    assert requested(reg, mark) == []
    assert len(tokens.requests) == before


def test_basic_registry_repeat(registries: Registries, capsys):
    reg = registries.basic
    ref = f"{reg.address}/demo/multi:oci"
    creds = ("--creds", f"{USER}:{PASSWORD}")
    mark = reg.log_mark()
    code, cold_out, _ = pullsim(capsys, "resolve", ref, *ARM, *creds)
    assert code == 0
    assert_cold(requested(reg, mark), "/v2/demo/multi/manifests/oci")
    mark = reg.log_mark()
    assert pullsim(capsys, "resolve", ref, *ARM, *creds) == (0, cold_out, "")
    assert requested(reg, mark) == ["HEAD /v2/demo/multi/manifests/oci"] * 2  # 401, then 200


# --- --offline and --no-cache -----------------------------------------------------------------

def test_offline(registries: Registries, capsys):
    reg = registries.anonymous
    ref = f"{reg.address}/demo/noplatform:oci"
    code, _, err = pullsim(capsys, "resolve", ref, *ARM, "--offline")
    assert code == 3
    assert err == (f"pullsim: error: {reg.address}/demo/noplatform:oci: not in the cache "
                   "(--offline); run once without --offline to fetch it\n")
    code, online, _ = pullsim(capsys, "resolve", ref, *ARM)
    assert code == 0
    mark = reg.log_mark()
    assert pullsim(capsys, "resolve", ref, *ARM, "--offline") == (0, online, "")
    # not remembered for this engine: decided from the documents in the store
    code, _, err = pullsim(capsys, "resolve", ref, "--host", "linux/arm/v7", "-e", "crane",
                           "--offline")
    assert (code, err) == (0, "")
    assert requested(reg, mark) == []
    code, _, err = pullsim(capsys, "resolve", f"{reg.address}/demo/multi:nope", "--offline")
    assert code == 3 and err.count("\n") == 1 and "not in the cache (--offline)" in err


def test_no_cache_neither_reads_nor_writes(registries: Registries, capsys):
    reg = registries.anonymous
    ref = f"{reg.address}/demo/multi:oci"
    for _ in range(2):
        mark = reg.log_mark()
        code, _, _ = pullsim(capsys, "resolve", ref, *ARM, "--no-cache")
        assert code == 0
        assert_cold(requested(reg, mark), "/v2/demo/multi/manifests/oci", unique=False)
    assert not cache_root().exists()
    pullsim(capsys, "resolve", ref, *ARM)
    mark = reg.log_mark()
    pullsim(capsys, "resolve", ref, *ARM, "--no-cache")
    assert "GET /v2/demo/multi/manifests/oci" in requested(reg, mark)


# --- nothing secret on disk -------------------------------------------------------------------

def _everything_stored(root: Path) -> bytes:
    """Every byte of every cache file, and every cell of every SQLite table."""
    blob = b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())
    with sqlite3.connect(root / cache.HTTP_CACHE) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    blob += cell if isinstance(cell, bytes) else str(cell).encode()
    return blob


def test_no_credentials_or_tokens_in_the_cache(registries: Registries, capsys, tmp_path,
                                               monkeypatch):
    """Basic auth (htpasswd) and Bearer tokens for a private repository, with --creds and with
    a Docker config: the SQLite file and every other cache file hold none of the secrets,
    no token, no Authorization header, and no token endpoint's answer."""
    from tests.sources.conftest import basic_auth_entry, write_docker_config

    token_reg, basic_reg = registries.token, registries.basic
    creds = ("--creds", f"{USER}:{PASSWORD}")
    assert pullsim(capsys, "resolve", f"{token_reg.address}/private/app:1", *ARM, *creds)[0] == 0
    assert pullsim(capsys, "resolve", f"{basic_reg.address}/demo/multi:oci", *ARM, *creds)[0] == 0
    write_docker_config(tmp_path / "docker", {"auths": {
        token_reg.address: basic_auth_entry(), basic_reg.address: basic_auth_entry()}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    assert pullsim(capsys, "resolve", f"{basic_reg.address}/demo/multi:docker", *ARM)[0] == 0
    assert pullsim(capsys, "resolve", f"{token_reg.address}/private/app:1", *ARM,
                   "--no-cache")[0] == 0
    # a token issued now looks like the ones issued then (JWTs: base64url JSON, "eyJ…")
    token = registries.token_server.signer.token(USER, [("private/app", ["pull"])])

    stored = _everything_stored(cache_root())
    with sqlite3.connect(cache_root() / cache.HTTP_CACHE) as db:
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] >= 4
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode())
    for secret in (PASSWORD.encode(), basic, b"Authorization", b"authorization", b"Bearer",
                   b"Basic ", token.split(".")[0].encode(), b"eyJ", b"/token",
                   b"access_token", b"expires_in", f"{USER}:".encode()):
        assert secret not in stored, secret


# --- only verified content --------------------------------------------------------------------

IMAGE = multi_platform("cache-faults")
TAG_PATH = "/v2/repo/manifests/tag"


@pytest.fixture
def server():
    srv = FaultServer()
    srv.route("GET", "/v2/", Reply.json(200, {}))
    yield srv
    srv.close()


def _open(server: FaultServer) -> object:
    return registry.open_source(parse_reference(f"docker://{server.address}/repo:tag"),
                                SourceOptions())


def _nothing_cached() -> None:
    root = cache_root()
    assert not list((root / "blobs").rglob("*")) if (root / "blobs").exists() else True
    assert not (root / "tags").exists() and not (root / "pending").exists()
    if (root / cache.HTTP_CACHE).exists():
        with sqlite3.connect(root / cache.HTTP_CACHE) as db:
            assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 0


@pytest.mark.parametrize("reply", [
    pytest.param(Reply.manifest(IMAGE.data, digest=sha256(b"other")), id="digest-mismatch"),
    pytest.param(Reply.manifest(IMAGE.data, send_bytes=40), id="truncated"),
    pytest.param(Reply.manifest(b"{" + b" " * (4 * 1024 * 1024) + b"}"), id="oversized"),
    pytest.param(Reply.error(404, "MANIFEST_UNKNOWN", "no such tag"), id="not-found"),
    pytest.param(Reply.error(500, "UNKNOWN", "boom"), id="server-error"),
])
def test_nothing_unverified_is_cached(server, reply):
    server.route("GET", TAG_PATH, reply)
    with pytest.raises(Exception):  # noqa: B017 (each fault has its own error, tested elsewhere)
        registry.open_source(parse_reference(f"docker://{server.address}/repo:tag"),
                             SourceOptions())
    _nothing_cached()


def test_a_verified_tag_is_cached_and_revalidated_conditionally(server):
    """requests-cache on its own (the store bypassed): a tag answer is stored once verified and
    revalidated with If-None-Match (the ETag a registry sets to the digest); a 304 answers."""
    def tag(seen: Seen) -> Reply:
        if seen.headers.get("If-None-Match") == f'"{IMAGE.digest}"':
            return Reply(304, b"", {"ETag": f'"{IMAGE.digest}"'})
        reply = Reply.manifest(IMAGE.data)
        reply.headers["ETag"] = f'"{IMAGE.digest}"'
        return reply

    server.route("GET", TAG_PATH, tag)
    child = IMAGE.children["linux/arm/v7"]
    child_data = next(d for _, dg, d in IMAGE.manifests if dg == child)
    server.route("GET", f"/v2/repo/manifests/{child}", Reply.manifest(
        child_data, "application/vnd.oci.image.manifest.v1+json"))
    for _ in range(2):
        client = RegistryClient(server.address, "repo", limits=FAST,
                                session=new_session(cache=True))
        assert client.document("tag").digest == IMAGE.digest
        assert client.get_manifest(child).digest == child
    assert server.requests() == ["GET /v2/", f"GET {TAG_PATH}", f"GET /v2/repo/manifests/{child}",
                                 "GET /v2/", f"GET {TAG_PATH}"]
    assert server.seen[-1].headers.get("If-None-Match") == f'"{IMAGE.digest}"'
    assert "If-None-Match" not in server.seen[1].headers


def test_a_cold_cache_leaves_its_entries_for_requests_cache(server):
    """No cache file yet, so nothing to read: the requests go out plainly, and every verified
    answer is left in pending/ (requests-cache not imported: a cold answer's cost). The next
    session writes them into the HTTP cache first and reads through it (a by-digest manifest:
    no request); a tag entry stays one to revalidate."""
    from resolver import httpentries
    from resolver.httpcache import RegistryCachedSession

    server.route("GET", TAG_PATH, Reply.manifest(IMAGE.data))
    child = IMAGE.children["linux/arm/v7"]
    child_data = next(d for _, dg, d in IMAGE.manifests if dg == child)
    server.route("GET", f"/v2/repo/manifests/{child}", Reply.manifest(
        child_data, "application/vnd.oci.image.manifest.v1+json"))
    cold = new_session(cache=True, defer_when_cold=True)
    assert not isinstance(cold, RegistryCachedSession)
    client = RegistryClient(server.address, "repo", limits=FAST, session=cold)
    assert client.document("tag").digest == IMAGE.digest
    assert client.get_manifest(child).digest == child
    assert not (cache_root() / cache.HTTP_CACHE).exists()
    waiting = [r for _, r in httpentries.pending(str(cache_root()))]
    assert sorted(r["url"] for r in waiting) == sorted(
        f"{server.url}{p}" for p in (TAG_PATH, f"/v2/repo/manifests/{child}"))
    assert all(set(r["headers"]) == {"Accept", "User-Agent"} for r in waiting)

    warm = new_session(cache=True, defer_when_cold=True)
    assert isinstance(warm, RegistryCachedSession)
    assert httpentries.count(str(cache_root())) == 0
    with sqlite3.connect(cache_root() / cache.HTTP_CACHE) as db:
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 2
    client = RegistryClient(server.address, "repo", limits=FAST, session=warm)
    assert client.get_manifest(child).digest == child
    assert client.document("tag").digest == IMAGE.digest
    assert server.requests() == ["GET /v2/", f"GET {TAG_PATH}", f"GET /v2/repo/manifests/{child}",
                                 "GET /v2/", f"GET {TAG_PATH}"]


def test_damaged_waiting_entries_are_dropped(tmp_path, capsys):
    from resolver import httpentries

    root = str(tmp_path)
    url = "http://127.0.0.1:5000/v2/r/manifests/sha256:" + "a" * 64
    assert httpentries.keep(root, method="GET", url=url, headers={"Accept": "x", "Cookie": "c",
                            "Authorization": "Basic eA=="}, status=200, reason="OK",
                            response={"Set-Cookie": "s", "Content-Type": "t"}, body=b"{}",
                            verify=True)
    for method, status, where in (("HEAD", 200, url), ("GET", 404, url),
                                  ("GET", 200, url.replace("http://", "http://u:p@")),
                                  ("GET", 200, url + "?sig=1"), ("GET", 200, "http://h/token")):
        assert not httpentries.keep(root, method=method, url=where, headers={}, status=status,
                                    reason="", response={}, body=b"{}", verify=True)
    [(path, record)] = list(httpentries.pending(root))
    assert record["headers"] == {"Accept": "x"} and record["response"] == {"Content-Type": "t"}
    Path(path).write_bytes(Path(path).read_bytes().replace(b"{}", b"[]"))
    assert list(httpentries.pending(root)) == [] and not Path(path).exists()
    assert "was damaged; removed" in capsys.readouterr().err


# --- damaged cache files ----------------------------------------------------------------------

def test_a_corrupt_sqlite_file_is_rebuilt_with_a_warning(registries: Registries, capsys):
    reg = registries.anonymous
    root = cache_root()
    root.mkdir(parents=True)
    (root / cache.HTTP_CACHE).write_bytes(b"this is not a database\x00" * 500)
    code, out, err = pullsim(capsys, "resolve", f"{reg.address}/demo/multi:oci", *ARM)
    assert code == 0
    assert registries.images["demo/multi:oci"].children["linux/arm/v7"] in out
    assert err == (f"pullsim: warning: the HTTP cache {root / cache.HTTP_CACHE} was corrupt; "
                   "rebuilt\n")
    info = cache.info()
    assert info["http_cache"]["ok"] and info["http_cache"]["responses"] >= 1


def test_a_damaged_document_is_removed_and_fetched_again(registries: Registries, capsys):
    reg = registries.anonymous
    image = registries.images["demo/multi:oci"]
    ref = f"{reg.address}/demo/multi@{image.digest}"
    assert pullsim(capsys, "resolve", ref, "--no-cache", *ARM)[0] == 0  # nothing stored
    from resolver.lookup import open_reference

    open_reference(ref)  # stores the index
    stored = cache_root() / "blobs" / "sha256" / image.digest.split(":")[1]
    stored.write_bytes(stored.read_bytes().replace(b"linux", b"Linux", 1))
    opened = open_reference(ref)  # from the HTTP cache, where it never expires
    assert opened.document.digest == image.digest
    assert stored.read_bytes() == image.data
    assert "was damaged; removed" in capsys.readouterr().err
    stored.write_bytes(b"")
    (cache_root() / cache.HTTP_CACHE).unlink()
    mark = reg.log_mark()
    assert open_reference(ref).document.digest == image.digest
    assert stored.read_bytes() == image.data
    assert requested(reg, mark) == ["GET /v2/", f"GET /v2/demo/multi/manifests/{image.digest}"]


def test_damaged_records_are_misses(tmp_path):
    store = cache.Store(str(tmp_path))
    store.save_tag("h/r:t", "sha256:" + "a" * 64, "http://h/v2/r/manifests/t", True)
    assert store.tag("h/r:t") is not None
    for path in (tmp_path / "tags").iterdir():
        path.write_bytes(b"\xff garbage")
    assert store.tag("h/r:t") is None
    assert not [p for p in tmp_path.rglob("*.tmp")]


# --- pullsim cache info / clear ---------------------------------------------------------------

def test_cache_info_and_clear(registries: Registries, capsys):
    code, out, _ = pullsim(capsys, "cache", "info", "--output", "json")
    empty = json.loads(out)
    assert empty["directory"] == str(cache_root())
    assert empty["http_cache"]["responses"] == 0 and empty["answers"]["entries"] == 0
    assert pullsim(capsys, "resolve", f"{registries.anonymous.address}/demo/multi:oci",
                   *ARM)[0] == 0
    code, out, _ = pullsim(capsys, "cache", "info")
    assert code == 0
    assert str(cache_root() / cache.HTTP_CACHE) in out
    assert "http cache, waiting" in out
    found = cache.info()
    assert found["http_cache"]["responses"] == 0 and found["pending"]["entries"] >= 2
    assert found["blobs"]["entries"] >= 2 and found["answers"]["entries"] == 1
    assert found["tags"]["entries"] == 1 and found["refs"]["entries"] == 1
    # another engine: no answer remembered, so a network run, which writes the waiting entries
    assert pullsim(capsys, "resolve", f"{registries.anonymous.address}/demo/multi:oci",
                   "--host", "linux/arm/v7", "-e", "docker@20.10")[0] == 0
    found = cache.info()
    assert found["http_cache"]["responses"] >= 2 and found["pending"]["entries"] == 0
    code, out, _ = pullsim(capsys, "cache", "clear")
    assert code == 0 and out.startswith(f"cleared {cache_root()} (")
    cleared = cache.info()
    assert cleared["bytes"] == 0 and cleared["http_cache"]["responses"] == 0
    assert cleared["pending"]["entries"] == 0


def test_cache_dir_follows_the_environment():
    assert cache.cache_dir({"PULLSIM_CACHE_DIR": "/x/y", "XDG_CACHE_HOME": "/c"}) == "/x/y"
    assert cache.cache_dir({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == "/c/pullsim"
    assert cache.cache_dir({"HOME": "/h"}) == "/h/.cache/pullsim"


# --- the warm path ----------------------------------------------------------------------------

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pullsim"


@pytest.mark.parametrize("command", [[str(SCRIPT)], ["-m", "resolver"]], ids=["script", "-m"])
def test_the_warm_path_imports_next_to_nothing(registries: Registries, capsys, command):
    """Measured with ``python -X importtime`` in a new process, through the installed script
    and ``python -m resolver``: no requests, requests-cache, argparse, tabulate, engines,
    typing, json, or even re on a repeat answer; one HEAD."""
    reg = registries.anonymous
    ref = f"{reg.address}/demo/multi:oci"
    assert pullsim(capsys, "resolve", ref, *ARM)[0] == 0
    mark = reg.log_mark()
    # -S: without site-packages, and so without the dev install's editable-import hook (it
    # imports re); the warm path needs nothing from there
    repo = str(SCRIPT.parents[1])
    done = subprocess.run([sys.executable, "-S", "-X", "importtime", *command, "resolve", ref,
                           *ARM], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": repo})
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "resolver.warm" in imported
    for heavy in ("requests", "requests_cache", "urllib3", "argparse", "tabulate", "typing",
                  "json", "http.client", "socket", "dataclasses", "resolver.engines",
                  "resolver.sources.registry", "resolver.host", "resolver.platform", "re",
                  "enum"):
        assert heavy not in imported, heavy
    assert requested(reg, mark) == ["HEAD /v2/demo/multi/manifests/oci"]


def test_the_quick_reading_knows_every_resolve_option():
    """The warm path reads resolve's options without argparse: the two must not drift."""
    from resolver.cli import _QUICK_OPTIONS, build_parser

    parser = build_parser()
    resolve = next(a for a in parser._subparsers._group_actions[0].choices.items()  # type: ignore[union-attr]
                   if a[0] == "resolve")[1]
    options = {s for a in resolve._actions for s in a.option_strings} - {"-h", "--help"}
    assert options == set(_QUICK_OPTIONS)


@pytest.mark.parametrize("argv", [
    ["resolve", "r", "--help"], ["resolve", "r", "--plat", "x"], ["resolve", "r", "s"],
    ["resolve", "r", "--no-cache"], ["resolve", "r", "-o", "yaml"], ["resolve", "r", "--host"],
    ["resolve", "r", "--max-age", "soon"], ["resolve", "r", "--offline=1"], ["inspect", "r"],
    ["resolve", "r", "--platform", "--offline"], ["resolve"],
])
def test_the_quick_reading_leaves_the_unusual_to_argparse(argv):
    from resolver.cli import _quick_question

    assert _quick_question(argv) is None


def test_the_quick_reading(tmp_path):
    from resolver.cli import _quick_question

    q = _quick_question(["resolve", "--host=linux/arm64", "r", "-e", "docker", "--offline",
                         "--max-age", "30", "-o", "json", "--creds", "u:p", "--insecure"])
    assert q is not None
    assert (q.reference, q.host, q.engine, q.offline, q.max_age, q.output, q.platform) == (
        "r", "linux/arm64", "docker", True, 30.0, "json", None)


def test_head_digest_falls_back_on_anything_unusual(server):
    from resolver.warm import head_digest

    url = f"{server.url}{TAG_PATH}"
    server.route("GET", TAG_PATH, Reply.manifest(IMAGE.data))
    assert head_digest(url) == IMAGE.digest
    assert server.seen[-1].method == "HEAD"
    assert server.seen[-1].headers["User-Agent"].startswith("pullsim/")
    server.route("GET", TAG_PATH, Reply.error(401, "UNAUTHORIZED", "no",
                                              **{"WWW-Authenticate": 'Basic realm="x"'}))
    assert head_digest(url) is None
    server.route("GET", TAG_PATH, Reply(200, b"x", {"Content-Type": "text/html"}))
    assert head_digest(url) is None
    assert head_digest(f"http://127.0.0.1:{_closed_port()}/v2/r/manifests/t") is None
    assert head_digest("ftp://127.0.0.1/x") is None


def _closed_port() -> int:
    from tests.sources.conftest import free_port

    return free_port()


def test_the_detected_host_is_remembered_too(registries: Registries, capsys):
    """``--host detect`` (the default) keys answers by what detection reads, not by the word."""
    reg = registries.anonymous
    ref = f"{reg.address}/demo/multi:oci"
    code, cold_out, _ = pullsim(capsys, "resolve", ref)
    assert code == 0
    mark = reg.log_mark()
    assert pullsim(capsys, "resolve", ref, "--host", "detect") == (0, cold_out, "")
    assert requested(reg, mark) == ["HEAD /v2/demo/multi/manifests/oci"]
    assert cache.host_key("detect") == cache.host_key("detect")
    assert cache.host_key("linux/arm/v7") == "platform:linux/arm/v7"


def test_the_cache_is_owner_only(registries: Registries, capsys):
    assert pullsim(capsys, "resolve", f"{registries.anonymous.address}/demo/multi:oci",
                   *ARM)[0] == 0
    root = cache_root()
    assert root.stat().st_mode & 0o777 == 0o700
    for path in root.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode & 0o077 == 0 or (path.is_file() and path.name.startswith(cache.HTTP_CACHE)
                                     ), (path, oct(mode))


def test_a_cache_damaged_in_use_is_bypassed(server, capsys):
    """The file checked at start and damaged afterwards (another process, a full disk): the
    answer still comes, with one warning, from the registry."""
    server.route("GET", TAG_PATH, Reply.manifest(IMAGE.data))
    session = new_session(cache=True)
    path = cache_root() / cache.HTTP_CACHE
    assert path.exists()
    path.write_bytes(b"garbage, not a database\x00" * 4096)
    client = RegistryClient(server.address, "repo", limits=FAST, session=session)
    assert client.document("tag").digest == IMAGE.digest
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "continuing without it" in err, err
