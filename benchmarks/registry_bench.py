"""pullsim against skopeo and docker, on one local registry: requests made and wall time.

Starts Debian's ``docker-registry`` on 127.0.0.1 (an ephemeral port, state in a temporary
directory), pushes a multi-platform image, and times, side by side in one run:

- ``pullsim resolve REF --host linux/arm/v7``: cold (the cache emptied before every run), warm
  (the answer cached: one HEAD), and warm inside ``--max-age`` (no request);
- ``skopeo inspect --override-arch arm --override-variant v7 --tls-verify=false docker://REF``;
- ``docker manifest inspect --insecure REF``, where the docker CLI exists.

Requests are counted from the registry's access log; times are the median of ``--runs`` runs.
pullsim is run the way a user's ``pip install`` lays it out (byte-compiled, with its
``scripts/pullsim``), not through the dev virtualenv's editable install, whose import hook alone
costs more than 20 ms at every start (``--editable`` measures that one instead).

Run it from the dev virtualenv: ``.venv/bin/python benchmarks/registry_bench.py [--runs N]``.
Loopback only; the registry is stopped and the temporary directory removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.sources.images import Pusher, multi_platform  # noqa: E402

REGISTRY_BINARY = "/usr/bin/docker-registry"
DOCKER_CANDIDATES = ("/usr/local/bin/docker", "/usr/bin/docker")
REPOSITORY, TAG = "bench/multi", "v1"
# --- the registry -----------------------------------------------------------------------------

@dataclass
class Registry:
    address: str
    log: Path
    process: subprocess.Popen[bytes]

    def mark(self) -> int:
        return self.log.stat().st_size

    def requests_since(self, mark: int) -> list[str]:
        """``METHOD path`` of the requests logged after ``mark`` (the access log)."""
        time.sleep(0.05)  # the registry writes its log line after answering
        with self.log.open("rb") as handle:
            handle.seek(mark)
            text = handle.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            parts = line.split('"')
            if len(parts) > 1 and parts[1].split(" ")[0] in ("GET", "HEAD", "POST", "PUT"):
                out.append(" ".join(parts[1].split(" ")[:2]))
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_registry(state: Path) -> Registry:
    storage = state / "storage"
    storage.mkdir()
    port = _free_port()
    config = state / "registry.yml"
    config.write_text(
        "version: 0.1\nlog: {level: warn}\n"
        f"storage: {{filesystem: {{rootdirectory: {storage}}}}}\n"
        f"http: {{addr: '127.0.0.1:{port}'}}\n"
        "health: {storagedriver: {enabled: false}}\n")
    log = state / "registry.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([REGISTRY_BINARY, "serve", str(config)], stdout=handle,
                                   stderr=subprocess.STDOUT,
                                   env={k: v for k, v in os.environ.items()
                                        if not k.startswith("REGISTRY_")})
    registry = Registry(f"127.0.0.1:{port}", log, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return registry
        except OSError:
            time.sleep(0.05)
    registry.stop()
    raise SystemExit(f"docker-registry did not start:\n{log.read_text(errors='replace')}")


# --- pullsim as a user installs it --------------------------------------------------------------

def install_pullsim(target: Path, python: str) -> Path:
    """A virtualenv holding a byte-compiled copy of ``resolver`` and the ``pullsim`` script as
    pip installs it (``scripts/pullsim``, its first line pointed at the interpreter); its
    dependencies come from this interpreter's site-packages (a ``.pth`` line)."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(target)], check=True)
    purelib = subprocess.run(
        [str(target / "bin" / "python"), "-c", "import sysconfig; "
         "print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True,
        text=True).stdout.strip()
    site = Path(purelib)
    shutil.copytree(REPO / "resolver", site / "resolver",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (site / "pullsim-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(target / "bin" / "python"), "-m", "compileall", "-q",
                    str(site / "resolver")], check=True)
    script = target / "bin" / "pullsim"
    _, _, body = (REPO / "scripts" / "pullsim").read_text().partition("\n")
    script.write_text(f"#!{target / 'bin' / 'python'}\n{body}")
    script.chmod(0o755)
    return script


# --- timing -----------------------------------------------------------------------------------

@dataclass
class Case:
    """One command to time; ``before`` runs untimed ahead of each run (emptying the cache)."""

    tool: str
    argv: Sequence[str]
    before: Callable[[], None] = lambda: None


@dataclass
class Row:
    tool: str
    requests: float
    median_ms: float
    min_ms: float
    shape: str


def measure(cases: Sequence[Case], runs: int, registry: Registry,
            env: dict[str, str]) -> list[Row]:
    """Run the cases in rounds (each case once per round, in order), so that a machine busy
    for a while slows every tool alike; the requests each run made, from the access log."""
    times: dict[str, list[float]] = {c.tool: [] for c in cases}
    counts: dict[str, list[int]] = {c.tool: [] for c in cases}
    shapes: dict[str, str] = {}
    for _ in range(runs):
        for case in cases:
            case.before()
            mark = registry.mark()
            start = time.perf_counter()
            done = subprocess.run(case.argv, capture_output=True, env=env, check=False)
            times[case.tool].append((time.perf_counter() - start) * 1000)
            if done.returncode != 0:
                raise SystemExit(f"{case.tool} failed ({done.returncode}): "
                                 f"{done.stderr.decode(errors='replace')[-400:]}")
            seen = registry.requests_since(mark)
            counts[case.tool].append(len(seen))
            shapes[case.tool] = ", ".join(seen)
    return [Row(c.tool, statistics.mean(counts[c.tool]), statistics.median(times[c.tool]),
                min(times[c.tool]), shapes[c.tool]) for c in cases]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per tool (default 10)")
    parser.add_argument("--editable", action="store_true",
                        help="time the dev virtualenv's own pullsim (editable install)")
    parser.add_argument("--shapes", action="store_true", help="print each tool's requests")
    args = parser.parse_args(argv)
    if not Path(REGISTRY_BINARY).exists():
        raise SystemExit(f"{REGISTRY_BINARY} is needed (apt-get install docker-registry)")
    skopeo = shutil.which("skopeo")
    docker = next((d for d in DOCKER_CANDIDATES if Path(d).exists()), shutil.which("docker"))

    with tempfile.TemporaryDirectory(prefix="pullsim-bench.") as tmp:
        state = Path(tmp)
        registry = start_registry(state)
        try:
            image = multi_platform("bench")
            Pusher(registry.address).push(REPOSITORY, TAG, image)
            ref = f"{registry.address}/{REPOSITORY}:{TAG}"
            pullsim = (str(Path(sys.executable).parent / "pullsim") if args.editable
                       else str(install_pullsim(state / "venv", sys.executable)))
            cache = state / "cache"
            env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
            env.update(PULLSIM_CACHE_DIR=str(cache), DOCKER_CONFIG=str(state / "docker"),
                       HOME=str(state / "home"))
            (state / "home").mkdir()
            resolve = [pullsim, "resolve", ref, "--host", "linux/arm/v7"]
            cases = [
                Case("pullsim resolve (cold)", resolve,
                     lambda: shutil.rmtree(cache, ignore_errors=True)),
                Case("pullsim resolve (warm)", resolve),
                Case("pullsim resolve (warm, --max-age 600)", [*resolve, "--max-age", "600"]),
            ]
            if skopeo:
                cases.append(Case("skopeo inspect", [
                    skopeo, "inspect", "--override-os", "linux", "--override-arch", "arm",
                    "--override-variant", "v7", "--tls-verify=false", f"docker://{ref}"]))
            if docker:
                cases.append(Case("docker manifest inspect", [
                    docker, "manifest", "inspect", "--insecure", ref]))
            rows = measure(cases, args.runs, registry, env)
        finally:
            registry.stop()
    report(rows, args.runs, args.shapes)
    return 0


def report(rows: list[Row], runs: int, shapes: bool) -> None:
    width = max(len(r.tool) for r in rows)
    print(f"{'tool':{width}}  requests/run  median ms  min ms   (runs: {runs})")
    for r in rows:
        print(f"{r.tool:{width}}  {r.requests:12.1f}  {r.median_ms:9.1f}  {r.min_ms:6.1f}")
        if shapes:
            print(f"{'':{width}}    {r.shape}")
    by_tool = {r.tool: r for r in rows}
    cold, warm = by_tool["pullsim resolve (cold)"], by_tool["pullsim resolve (warm)"]
    skopeo, docker = by_tool.get("skopeo inspect"), by_tool.get("docker manifest inspect")
    print()
    if skopeo:
        print(f"pullsim warm / skopeo inspect:          {warm.median_ms / skopeo.median_ms:5.2f}"
              f"  (target <= 1.00)  requests {warm.requests:g} vs {skopeo.requests:g}")
    if docker:
        print(f"pullsim cold / docker manifest inspect: {cold.median_ms / docker.median_ms:5.2f}"
              f"  (target <= 5.00)  requests {cold.requests:g} vs {docker.requests:g}")


if __name__ == "__main__":
    sys.exit(main())
