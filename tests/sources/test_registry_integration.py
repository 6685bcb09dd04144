"""The registry source against real registries (Debian's docker-registry 2.8, started by the
fixtures in conftest.py): anonymous, htpasswd Basic, and Bearer tokens; credentials from
DOCKER_CONFIG and from a credential helper; end to end through ``resolver.resolve`` and the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resolver.cli import main
from resolver.errors import EXIT_NETWORK, RegistryError, SourceError
from resolver.lookup import SourceOptions
from resolver.lookup import resolve as library_resolve
from resolver.platform import parse_platform
from resolver.selection import Selection
from tests.sources.conftest import (
    PASSWORD,
    REFRESH_TOKEN,
    USER,
    Registries,
    basic_auth_entry,
    install_helper,
    write_docker_config,
)

ARM_V7 = parse_platform("linux/arm/v7")


def resolve(registries: Registries, address: str, ref: str = "demo/multi:oci",
            platform: str = "linux/arm/v7", options: SourceOptions | None = None) -> Selection:
    return library_resolve(f"docker://{address}/{ref}", host=ARM_V7, platform=platform,
                           engine="containerd@1.6", options=options)


def assert_arm_v7(registries: Registries, selection: Selection,
                  ref: str = "demo/multi:oci") -> None:
    image = registries.images[ref]
    assert selection.outcome == "selected", selection.message
    assert selection.digest == image.children["linux/arm/v7"]
    assert selection.path[0] == image.digest


def use_docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      config: dict[str, object]) -> None:
    write_docker_config(tmp_path / "docker", config)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))


# --- anonymous --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["demo/multi:oci", "demo/multi:docker"])
def test_anonymous(registries, ref):
    assert_arm_v7(registries, resolve(registries, registries.anonymous.address, ref), ref)


def expected_cold(registries: Registries) -> list[str]:
    """A cold resolve: the ping, the tag once, then the chosen child once by digest (containerd
    reads it to check that its layers can be unpacked)."""
    child = registries.images["demo/multi:oci"].children["linux/arm/v7"]
    return ["GET /v2/ HTTP/1.1", "GET /v2/demo/multi/manifests/oci HTTP/1.1",
            f"GET /v2/demo/multi/manifests/{child} HTTP/1.1"]


def test_anonymous_cold_resolve_is_ping_and_one_manifest_get(registries):
    reg = registries.anonymous
    mark = reg.log_mark()
    resolve(registries, reg.address)
    lines = reg.access_lines(mark)
    assert [line.split('"')[1] for line in lines] == expected_cold(registries)


def test_by_digest_and_tag_pinned_by_digest(registries):
    image = registries.images["demo/multi:oci"]
    address = registries.anonymous.address
    assert_arm_v7(registries, resolve(registries, address, f"demo/multi@{image.digest}"))
    # Docker's ParseDockerRef: NAME:TAG@DIGEST fetches the digest (the tag does not exist)
    assert_arm_v7(registries, resolve(registries, address, f"demo/multi:gone@{image.digest}"))


def test_entry_without_platform_fetches_child_manifest_and_config(registries):
    """containerd reads the config of an entry without a platform: the child manifest by
    digest from the manifests endpoint, the config from blobs, both verified."""
    reg = registries.anonymous
    image = registries.images["demo/noplatform:oci"]
    mark = reg.log_mark()
    selection = resolve(registries, reg.address, "demo/noplatform:oci")
    assert selection.digest == image.children["linux/arm/v7 (no platform)"]
    requested = [line.split('"')[1].split()[1] for line in reg.access_lines(mark)]
    assert f"/v2/demo/noplatform/manifests/{selection.digest}" in requested
    assert any(r.startswith("/v2/demo/noplatform/blobs/sha256:") for r in requested)


def test_unknown_tag_and_repository(registries):
    address = registries.anonymous.address
    with pytest.raises(RegistryError) as caught:
        resolve(registries, address, "demo/multi:missing")
    assert caught.value.code == "MANIFEST_UNKNOWN"
    assert str(caught.value) == (f"{address}/demo/multi:missing: manifest unknown (no such tag "
                                 "or digest in this repository) (MANIFEST_UNKNOWN, HTTP 404)")
    with pytest.raises(RegistryError) as caught:
        resolve(registries, address, "demo/absent:1")
    # Registry 2.8 answers a tag in an unknown repository with MANIFEST_UNKNOWN too
    assert caught.value.code == "MANIFEST_UNKNOWN"
    assert caught.value.exit_code == EXIT_NETWORK
    assert str(caught.value).startswith(f"{address}/demo/absent:1: manifest unknown")


# --- htpasswd (Basic) -------------------------------------------------------------------------

def test_basic_auth_from_docker_config(registries, tmp_path, monkeypatch):
    reg = registries.basic
    use_docker_config(tmp_path, monkeypatch, {"auths": {reg.address: basic_auth_entry()}})
    mark = reg.log_mark()
    assert_arm_v7(registries, resolve(registries, reg.address))
    assert [line.split('"')[1] for line in reg.access_lines(mark)] == expected_cold(registries)


def test_basic_auth_from_the_creds_option(registries):
    selection = resolve(registries, registries.basic.address,
                        options=SourceOptions(creds=f"{USER}:{PASSWORD}"))
    assert_arm_v7(registries, selection)


def test_head_manifest_on_a_real_registry(registries, tmp_path, monkeypatch):
    """The call a cache makes to revalidate a tag: HEAD, the digest from the header."""
    from resolver.sources.registry import RegistryClient

    image = registries.images["demo/multi:docker"]
    reg = registries.basic
    fetched = RegistryClient(reg.address, "demo/multi", creds=f"{USER}:{PASSWORD}").get_manifest(
        "docker", head=True)
    assert (fetched.digest, fetched.media_type, fetched.size) == (
        image.digest, image.media_type, len(image.data))


def test_basic_auth_from_a_credential_helper(registries, tmp_path, monkeypatch):
    reg = registries.basic
    calls = install_helper(tmp_path / "bin", monkeypatch, {
        reg.address: {"ServerURL": reg.address, "Username": USER, "Secret": PASSWORD}})
    use_docker_config(tmp_path, monkeypatch, {"credHelpers": {reg.address: "test"}})
    assert_arm_v7(registries, resolve(registries, reg.address))
    assert calls.read_text().splitlines() == [f"get {reg.address}"]


def test_basic_auth_without_credentials(registries):
    reg = registries.basic
    with pytest.raises(SourceError) as caught:
        resolve(registries, reg.address)
    assert caught.value.exit_code == EXIT_NETWORK
    assert str(caught.value).startswith(
        f"{reg.address}/demo/multi:oci: authentication required (UNAUTHORIZED, HTTP 401); "
        f"no credentials for {reg.address}")


def test_basic_auth_with_a_wrong_password(registries, tmp_path, monkeypatch):
    reg = registries.basic
    use_docker_config(tmp_path, monkeypatch, {"auths": {reg.address: basic_auth_entry(
        USER, "not-the-password")}})
    with pytest.raises(SourceError) as caught:
        resolve(registries, reg.address)
    assert "not-the-password" not in str(caught.value)
    assert "(UNAUTHORIZED, HTTP 401); the credentials from " in str(caught.value)


# --- Bearer tokens ----------------------------------------------------------------------------

def test_token_anonymous_cold_resolve_is_ping_token_manifest(registries):
    reg, tokens = registries.token, registries.token_server
    mark, before = reg.log_mark(), len(tokens.requests)
    assert_arm_v7(registries, resolve(registries, reg.address))
    assert [line.split('"')[1] for line in reg.access_lines(mark)] == expected_cold(registries)
    asked = tokens.requests[before:]
    assert len(asked) == 1
    assert (asked[0].method, asked[0].user) == ("GET", "")
    assert asked[0].params["scope"] == ["repository:demo/multi:pull"]


def test_token_private_repository_with_docker_config(registries, tmp_path, monkeypatch):
    reg, tokens = registries.token, registries.token_server
    use_docker_config(tmp_path, monkeypatch, {"auths": {reg.address: basic_auth_entry()}})
    before = len(tokens.requests)
    assert_arm_v7(registries, resolve(registries, reg.address, "private/app:1"), "private/app:1")
    assert [(r.method, r.user) for r in tokens.requests[before:]] == [("GET", USER)]


def test_token_private_repository_with_the_creds_option(registries):
    selection = resolve(registries, registries.token.address, "private/app:1",
                        options=SourceOptions(creds=f"{USER}:{PASSWORD}"))
    assert_arm_v7(registries, selection, "private/app:1")


def test_token_private_repository_with_an_identity_token(registries, tmp_path, monkeypatch):
    reg, tokens = registries.token, registries.token_server
    use_docker_config(tmp_path, monkeypatch, {"auths": {reg.address: {
        "auth": "", "identitytoken": REFRESH_TOKEN}}})
    before = len(tokens.requests)
    assert_arm_v7(registries, resolve(registries, reg.address, "private/app:1"), "private/app:1")
    asked = tokens.requests[before:]
    assert [(r.method, r.user) for r in asked] == [("POST", USER)]
    assert asked[0].params["grant_type"] == ["refresh_token"]


def test_token_private_repository_with_a_creds_store(registries, tmp_path, monkeypatch):
    reg = registries.token
    install_helper(tmp_path / "bin", monkeypatch, {
        reg.address: {"ServerURL": reg.address, "Username": USER, "Secret": PASSWORD}})
    use_docker_config(tmp_path, monkeypatch, {"credsStore": "test"})
    assert_arm_v7(registries, resolve(registries, reg.address, "private/app:1"), "private/app:1")


def test_token_private_repository_anonymously(registries):
    reg = registries.token
    with pytest.raises(SourceError) as caught:
        resolve(registries, reg.address, "private/app:1")
    assert caught.value.exit_code == EXIT_NETWORK
    assert str(caught.value).startswith(
        f"{reg.address}/private/app:1: authentication required (UNAUTHORIZED, HTTP 401)")


# --- the CLI, one case per exit code ----------------------------------------------------------

def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_codes(registries, capsys):
    image = registries.images["demo/multi:oci"]
    base = f"docker://{registries.anonymous.address}"
    common = ("--engine", "containerd@1.6", "--host", "linux/arm/v7")

    code, out, err = cli(capsys, "resolve", f"{base}/demo/multi:oci", "--platform",
                         "linux/arm/v7", *common, "--output", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["digest"] == image.children["linux/arm/v7"]
    assert data["reference"] == f"{base}/demo/multi:oci"

    code, out, err = cli(capsys, "resolve", f"{base}/demo/multi:oci", "--platform",
                         "linux/s390x", *common)
    assert code == 1, err

    code, out, err = cli(capsys, "resolve", f"{base}/Demo/Multi:oci", *common)
    assert code == 2
    assert err.startswith("pullsim: error: invalid reference format: repository name "
                          "(Demo/Multi) must be lowercase")

    code, out, err = cli(capsys, "resolve", f"{base}/demo/multi:missing", *common)
    assert code == 3
    assert err == (f"pullsim: error: {registries.anonymous.address}/demo/multi:missing: "
                   "manifest unknown (no such tag or digest in this repository) "
                   "(MANIFEST_UNKNOWN, HTTP 404)\n")
