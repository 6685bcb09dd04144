"""Credentials from --creds, Docker's config.json (auths, credsStore, credHelpers) and containers'
auth.json; secrets never in texts."""

from __future__ import annotations

import base64
import json

import pytest

from resolver.credentials import (
    Credential,
    auth_files,
    lookup,
    parse_creds,
    run_helper,
    server_keys,
)
from resolver.errors import EXIT_USAGE, CredentialsError
from tests.sources.conftest import basic_auth_entry, install_helper, write_docker_config

SECRET = "Tr0ub4dor&3-secret"


def test_creds_option():
    cred = parse_creds(f"bob:{SECRET}:with-colon")
    assert (cred.username, cred.secret, cred.source) == ("bob", f"{SECRET}:with-colon", "--creds")
    for bad in ("bob", ":pw", ""):
        with pytest.raises(CredentialsError) as caught:
            parse_creds(bad)
        assert caught.value.exit_code == EXIT_USAGE


def test_secrets_are_hidden_from_repr_and_str():
    cred = Credential("bob", SECRET, "somewhere")
    token = Credential("", SECRET, "helper", identity_token=True)
    for text in (repr(cred), str(cred), repr(token), f"{cred}", repr([cred])):
        assert SECRET not in text
    assert "<hidden>" in repr(cred)


def test_docker_config_auths(tmp_path, monkeypatch):
    write_docker_config(tmp_path / "docker", {"auths": {
        "127.0.0.1:5000": basic_auth_entry("bob", SECRET),
        "https://index.docker.io/v1/": basic_auth_entry("hubber", "hubpw"),
        "http://legacy.example.com/v1/": {"username": "old", "password": "oldpw"},
    }})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    cred = lookup("127.0.0.1:5000", "repo")
    assert cred is not None and (cred.username, cred.secret) == ("bob", SECRET)
    assert "config.json" in cred.source and "127.0.0.1:5000" in cred.source
    hub = lookup("docker.io", "library/nginx")
    assert hub is not None and hub.username == "hubber"
    legacy = lookup("legacy.example.com", "x")  # found through ConvertToHostname
    assert legacy is not None and legacy.username == "old"
    assert lookup("127.0.0.1:5001", "repo") is None


def test_identity_token(tmp_path, monkeypatch):
    write_docker_config(tmp_path / "d", {"auths": {"reg.example": {
        "auth": base64.b64encode(b"bob:").decode(), "identitytoken": SECRET}}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "d"))
    cred = lookup("reg.example")
    assert cred is not None and cred.identity_token and cred.secret == SECRET


def test_auth_json_first_and_namespaced_keys(tmp_path, monkeypatch):
    auth_file = tmp_path / "auth.json"
    auth_file.write_text(json.dumps({"auths": {
        "reg.example/team/app": basic_auth_entry("app-bot", "p1"),
        "reg.example/team": basic_auth_entry("team-bot", "p2"),
        "reg.example": basic_auth_entry("anyone", "p3"),
    }}))
    write_docker_config(tmp_path / "docker", {"auths": {"reg.example": basic_auth_entry("d", "x")}})
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth_file))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))

    def user(repository: str) -> str:
        cred = lookup("reg.example", repository)
        assert cred is not None
        return cred.username

    assert user("team/app") == "app-bot"
    assert user("team/other") == "team-bot"
    assert user("elsewhere/x") == "anyone"
    assert server_keys("reg.example", "team/app") == [
        "reg.example/team/app", "reg.example/team", "reg.example"]


def test_xdg_runtime_dir_auth_json(tmp_path, monkeypatch):
    (tmp_path / "run" / "containers").mkdir(parents=True)
    (tmp_path / "run" / "containers" / "auth.json").write_text(json.dumps(
        {"auths": {"docker.io": basic_auth_entry("podman-user", "pw")}}))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    cred = lookup("docker.io", "library/alpine")
    assert cred is not None and cred.username == "podman-user"


def test_file_order(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": "/run/user/1"}
    assert [str(p) for p in auth_files(env)] == [
        "/run/user/1/containers/auth.json", f"{tmp_path}/.config/containers/auth.json",
        f"{tmp_path}/.docker/config.json"]
    env["REGISTRY_AUTH_FILE"] = "/x/auth.json"
    assert str(auth_files(env)[0]) == "/x/auth.json"


def test_creds_option_wins(tmp_path, monkeypatch):
    write_docker_config(tmp_path / "d", {"auths": {"reg.example": basic_auth_entry("d", "x")}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "d"))
    cred = lookup("reg.example", creds="cli:pw")
    assert cred is not None and cred.username == "cli"


def test_cred_helpers_and_store(tmp_path, monkeypatch):
    calls = install_helper(tmp_path / "bin", monkeypatch, {
        "127.0.0.1:5000": {"ServerURL": "127.0.0.1:5000", "Username": "helped",
                           "Secret": SECRET},
        "https://index.docker.io/v1/": {"Username": "<token>", "Secret": "idtok"},
    })
    write_docker_config(tmp_path / "d", {"credHelpers": {"127.0.0.1:5000": "test"},
                                         "auths": {"127.0.0.1:5000": basic_auth_entry("no", "no")}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "d"))
    cred = lookup("127.0.0.1:5000", "repo")
    assert cred is not None and (cred.username, cred.secret) == ("helped", SECRET)
    assert cred.source == "docker-credential-test"
    write_docker_config(tmp_path / "d", {"credsStore": "test",
                                         "auths": {"docker.io": basic_auth_entry("no", "no")}})
    hub = lookup("docker.io", "library/nginx")
    assert hub is not None and hub.identity_token and hub.secret == "idtok"
    assert lookup("127.0.0.1:6000") is None  # the store has nothing: anonymous
    assert calls.read_text().splitlines() == [
        "get 127.0.0.1:5000", "get https://index.docker.io/v1/", "get 127.0.0.1:6000"]


def test_helper_failures_are_one_line(tmp_path, monkeypatch):
    install_helper(tmp_path / "bin", monkeypatch, {"__fail__": "keychain locked\nmore"})
    with pytest.raises(CredentialsError) as caught:
        run_helper("test", "reg.example", named_by="credsStore in x")
    assert str(caught.value) == ("docker-credential-test (credsStore in x): get for reg.example "
                                 "failed with exit status 1: keychain locked")
    with pytest.raises(CredentialsError, match="docker-credential-absent: not found on PATH"):
        run_helper("absent", "reg.example")


def test_helper_timeout(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    slow = bin_dir / "docker-credential-slow"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    with pytest.raises(CredentialsError, match=r"docker-credential-slow: no answer within 0.2 s"):
        run_helper("slow", "reg.example", timeout=0.2)


def test_helper_with_malformed_output_does_not_echo_it(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    bad = bin_dir / "docker-credential-bad"
    bad.write_text(f"#!/bin/sh\necho 'Secret: {SECRET}'\n")
    bad.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    with pytest.raises(CredentialsError) as caught:
        run_helper("bad", "reg.example")
    assert SECRET not in str(caught.value)
    assert "malformed JSON" in str(caught.value)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "malformed JSON"),
    ("[]", "the top level must be a JSON object"),
    ('{"auths": {"reg.example": {"auth": "%%%"}}}', "auth is not valid base64"),
    ('{"auths": {"reg.example": {"auth": "bm9jb2xvbg=="}}}', "does not decode to USER:PASSWORD"),
    ('{"auths": []}', "auths must be an object"),
])
def test_malformed_config_names_the_file_not_the_content(tmp_path, monkeypatch, content, message):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "config.json").write_text(content)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "d"))
    with pytest.raises(CredentialsError) as caught:
        lookup("reg.example")
    assert message in str(caught.value)
    assert str(tmp_path / "d" / "config.json") in str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE
