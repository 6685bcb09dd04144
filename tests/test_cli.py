"""The CLI contract: outputs, exit codes, one-line errors (DESIGN.md "CLI contract")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLANG_ALPINE = FIXTURES / "golang-alpine.json"
ARM_V7 = "sha256:2945c46e26c9787da884b4065d1de64cf93a3b81ead1b949843dda1fcd458bae"
I386 = "sha256:607b43f1d91144f82a9433764e85eb3ccf83f73569552a49bc9788c31b4338de"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("platform", "digest"), [("linux/arm/v7", ARM_V7), ("linux/386", I386)])
def test_resolve_seed_fixture(capsys, platform, digest):
    code, out, err = run(capsys, "resolve", f"file:{GOLANG_ALPINE}", "--platform", platform,
                         "--engine", "containerd", "--output", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["digest"] == digest
    assert data["outcome"] == "selected"
    assert data["engine"] == "containerd"
    for key in ("reference", "platform", "selected_platform", "message", "warnings", "trace"):
        assert key in data


def test_resolve_no_match_exits_1_with_containerd_text(capsys):
    code, out, _err = run(capsys, "resolve", f"file:{GOLANG_ALPINE}", "--platform",
                         "linux/riscv64", "--engine", "containerd", "--output", "json")
    assert code == 1
    data = json.loads(out)
    assert data["outcome"] == "no-match"
    assert data["message"].startswith("no match for platform in manifest sha256:")
    assert data["message"].endswith(": not found")


def test_resolve_table_output(capsys):
    code, out, _ = run(capsys, "resolve", str(GOLANG_ALPINE), "--host", "linux/arm64/v8")
    assert code == 0
    assert "sha256:87fff60114fd3402d0c1a7ddf1eea1ded658f171749b57dc782fd33ee2d47b2d" in out


@pytest.mark.parametrize("output", ["markdown", "html"])
def test_other_outputs(capsys, output):
    code, out, _ = run(capsys, "resolve", str(GOLANG_ALPINE), "--host", "linux/amd64",
                       "--output", output)
    assert code == 0
    assert ("|" in out) if output == "markdown" else ("<table>" in out)


@pytest.mark.parametrize("argv", [
    ["resolve", str(GOLANG_ALPINE), "--platform", "linux/&arm"],
    ["resolve", str(GOLANG_ALPINE), "--platform", "linux/arm64/v8.2", "--engine",
     "containerd@1.6"],  # no dots in 1.6's grammar
    ["resolve", str(GOLANG_ALPINE), "--engine", "dockerd-ish"],
    ["resolve", str(GOLANG_ALPINE), "--engine", "containerd@0.9"],
    ["resolve", str(GOLANG_ALPINE), "--host", "*"],
    ["resolve", "--bogus"],
    ["nonsense"],
])
def test_bad_input_exits_2_with_one_line(capsys, argv):
    code, _out, err = run_catching_exit(capsys, argv)
    assert code == 2
    assert err.startswith("pullsim: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def run_catching_exit(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err.splitlines()[-1] + "\n" if err else err


@pytest.mark.parametrize("content", [
    b"{not json", b"[]", b'{"schemaVersion": 1, "name": "x", "fsLayers": []}',
    b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", '
    b'"manifests": [{"mediaType": "x", "size": 1}]}',
    b'{"schemaVersion": 2, "manifests": "no"}',
    b'{"mediaType": "text/plain"}',
    b"\xff\xfe",
])
def test_malformed_documents_exit_2(capsys, tmp_path, content):
    path = tmp_path / "doc.json"
    path.write_bytes(content)
    code, out, err = run(capsys, "resolve", f"file:{path}", "--platform", "linux/amd64")
    assert code == 2, (out, err)
    assert err.startswith("pullsim: error: ") and err.count("\n") == 1


def test_missing_file_is_a_source_error(capsys, tmp_path):
    code, _, err = run(capsys, "resolve", f"file:{tmp_path / 'nope.json'}")
    assert code == 3
    assert "no such file" in err


def test_engines_json_lists_every_profile(capsys):
    code, out, _ = run(capsys, "engines", "--output", "json")
    assert code == 0
    names = {p["name"] for p in json.loads(out)}
    assert {"containerd", "containerd@1.6", "containerd@1.7", "containerd@2.0", "containerd@2.1",
            "containerd@2.2", "containerd@2.3"} <= names


def test_host_lists_engines(capsys):
    code, out, _ = run(capsys, "host", "--host", "linux/arm64/v8", "--engine", "containerd@1.6",
                       "--output", "json")
    assert code == 0
    assert json.loads(out)["engines"] == [{"engine": "containerd@1.6",
                                           "reports": "linux/arm64/v8"}]


SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pullsim"


@pytest.mark.parametrize("command", [["-m", "resolver"], [str(SCRIPT)]], ids=["-m", "script"])
def test_the_command_runs_and_exits_with_main_s_code(command):
    """``python -m resolver`` and the installed launcher: main()'s output and exit code, the
    final garbage collection skipped (cli.launch) without losing a byte."""
    proc = subprocess.run([sys.executable, *command, "resolve", str(GOLANG_ALPINE),
                           "--platform", "linux/s390x", "-o", "json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["selected_platform"] == "linux/s390x"
    proc = subprocess.run([sys.executable, *command, "resolve", str(GOLANG_ALPINE),
                           "--platform", "linux/s390x/x/y"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("pullsim: error: ") and proc.stderr.count("\n") == 1


DEBIAN = FIXTURES / "debian-bullseye-20230109.json"
FIVE = "docker@20.10,docker@28,containerd,podman@4.3,crane"


def test_simulate_marks_disagreements_with_a_reason(capsys):
    code, out, _ = run(capsys, "simulate", str(DEBIAN), "--platform", "linux/arm/v8",
                       "--engines", FIVE, "--output", "json")
    assert code == 1  # crane finds no match
    rows = {r["engine"]: r for r in json.loads(out)}
    assert set(rows) == set(FIVE.split(","))
    assert rows["docker@20.10"]["selected_platform"] == "linux/arm/v5"  # first arm entry
    for name in ("docker@28", "containerd", "podman@4.3"):
        assert rows[name]["selected_platform"] == "linux/arm/v7"
    assert rows["crane"]["outcome"] == "no-match"
    assert all(not r["agree"] for r in rows.values())
    reason = rows["crane"]["reason"]
    assert "docker@20.10 falls back from linux/arm/v8 to linux/arm/v5" in reason
    assert "docker@28, containerd, podman@4.3 fall back from linux/arm/v8 to linux/arm/v7" in reason
    assert "crane finds no match" in reason


def test_simulate_table_agreement(capsys):
    code, out, _ = run(capsys, "simulate", str(DEBIAN), "--platform", "linux/arm64",
                       "--engines", FIVE)
    assert code == 0
    assert "DIFFERS" not in out


def test_explain_numbers_every_step(capsys):
    code, out, _ = run(capsys, "explain", str(GOLANG_ALPINE), "--host", "linux/arm64/v8",
                       "--engine", "containerd@1.6")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].strip().startswith("1. ")
    assert "Default() accepts, most preferred first: linux/arm64, linux/arm/v8" in out
    assert lines[-1] == ("=> selected: pulls sha256:87fff60114fd3402d0c1a7ddf1eea1ded658f171749b"
                         "57dc782fd33ee2d47b2d")


def test_inspect_marks_attestations(capsys):
    code, out, _ = run(capsys, "inspect", str(FIXTURES / "alpine-3.23.4.json"), "-o", "json")
    assert code == 0
    data = json.loads(out)
    kinds = [r["kind"] for r in data["rows"]]
    assert kinds.count("attestation") == kinds.count("image") == 8


@pytest.mark.parametrize("argv", [
    ["resolve", "r"],
    ["resolve", "docker://127.0.0.1:5000/a/b:1", "--host", "linux/arm/v7"],
    ["resolve", "--host=linux/arm64", "r", "-e", "docker", "--offline", "--max-age", "30", "-o",
     "json", "--creds", "u:p", "--insecure"],
    ["resolve", "r", "--no-cache", "--platform", "linux/amd64", "--engine=podman@4.3",
     "--output=html", "-o=markdown", "-e=crane"],
    ["resolve", "r", "--host", "a", "--host", "b", "--max-age", "inf", "--max-age", " 2.5 "],
    ["resolve", ""],
])
def test_the_quick_reading_is_argparses(argv):
    """``pullsim resolve`` is read without argparse (cold answers have no time for it): the
    same namespace argparse gives."""
    from resolver.cli import _quick_reading, build_parser

    assert _quick_reading(argv) == vars(build_parser().parse_args(argv))


def test_a_cold_resolve_runs_without_argparse_or_tabulate():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "resolver", "resolve",
                           str(GOLANG_ALPINE), "--host", "linux/arm/v7"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ARM_V7 in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "resolver.report" in imported
    assert not {"argparse", "tabulate"} & imported
