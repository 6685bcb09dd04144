"""Ask the real skopeo (1.9.3, Debian 12) which child ``skopeo copy`` takes for a platform.

shared/reference/oracle.md's skopeo method: one ``skopeo copy`` per requested platform,

    skopeo --debug --insecure-policy --override-os OS --override-arch ARCH \\
        [--override-variant VARIANT] copy --src-tls-verify=false docker://REF dir:D

(a flag only for a part the request has: ``linux/arm`` gives no ``--override-variant``, and
skopeo then detects no variant either, because an explicit architecture turns detection off).

The chosen child is the one whose manifest the ``--debug`` log fetches by digest (``GET
http://…/v2/<repo>/manifests/sha256:…``, the first such line: the top document is fetched by
tag). The line is there even when the copy fails afterwards (a nested index: ``Unexpectedly
received a manifest list …``). A copy that succeeds is checked against ``sha256(D/manifest.json)``
(``dir:`` keeps the manifest bytes). A failure's text is the ``level=fatal msg="…"`` line's
message, unquoted: containers/image's own words, e.g. ``choosing an image from manifest list
docker://…: no image found in image index for architecture 386, variant "", OS linux``.

No daemon, no state: the platforms of one image are asked in parallel (a copy takes about
0.05 s here, mostly process start-up).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from resolver import mediatypes as mt

from .answers import OracleAnswer
from .generate import GeneratedImage
from .registry import PushedImage

_GET_BY_DIGEST = re.compile(
    r'level=debug msg="GET https?://[^"]*/manifests/(sha256:[0-9a-f]{64})"'
)
_FATAL = re.compile(r'level=fatal msg="((?:[^"\\]|\\.)*)"')
_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
               "\\": "\\", '"': '"', "'": "'"}


class SkopeoError(RuntimeError):
    """skopeo failed in a way that answers nothing (could not run, unreadable output)."""


def go_unquote(text: str) -> str:
    """The inside of a Go ``%q`` string (what logrus prints for a message with quotes)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 == len(text):
            out.append(char)
            i += 1
            continue
        kind = text[i + 1]
        if kind in _GO_ESCAPES:
            out.append(_GO_ESCAPES[kind])
            i += 2
        elif kind in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[kind]
            out.append(chr(int(text[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(char)
            i += 1
    return "".join(out)


def override_flags(platform: str) -> list[str]:
    """``os/arch[/variant]`` as skopeo's global override flags; an empty part gives no flag."""
    parts = platform.split("/")
    if len(parts) > 3:
        raise ValueError(f"{platform!r}: expected os/arch[/variant]")
    flags: list[str] = []
    for flag, value in zip(("--override-os", "--override-arch", "--override-variant"), parts,
                           strict=False):
        if value:
            flags += [flag, value]
    return flags


class SkopeoOracle:
    """skopeo copy (containers/image) from the loopback registry into a ``dir:``."""

    name = "skopeo@1.9"

    def __init__(self, auth: tuple[str, str] | None = None, skopeo: str = "skopeo",
                 parallel: int = 4, timeout: float = 120.0) -> None:
        self.auth = auth
        self.skopeo = skopeo
        self.parallel = max(1, parallel)
        self.timeout = timeout

    def version(self) -> str:
        done = subprocess.run([self.skopeo, "--version"], capture_output=True, text=True,
                              timeout=self.timeout, check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SkopeoError(f"skopeo --version: {done.stderr.strip()}")
        return done.stdout.strip()

    def command(self, platform: str, reference: str, destination: str) -> list[str]:
        creds = ["--src-creds", f"{self.auth[0]}:{self.auth[1]}"] if self.auth else []
        return [self.skopeo, "--debug", "--insecure-policy", *override_flags(platform), "copy",
                "--src-tls-verify=false", *creds, f"docker://{reference}", f"dir:{destination}"]

    def ask(self, image: GeneratedImage, pushed: PushedImage, platform: str) -> OracleAnswer:
        with tempfile.TemporaryDirectory(prefix="pullsim-skopeo-") as work:
            destination = os.path.join(work, "image")
            done = subprocess.run(
                self.command(platform, pushed.reference, destination), capture_output=True,
                text=True, timeout=self.timeout, check=False, stdin=subprocess.DEVNULL,
                env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"},
            )
            fetched = [d for d in _GET_BY_DIGEST.findall(done.stderr) if d in image.children]
            chosen = fetched[0] if fetched else None
            if image.media_type not in mt.INDEX_TYPES:
                chosen = image.digest  # a single manifest: copied as it is
            if done.returncode == 0:
                with open(os.path.join(destination, "manifest.json"), "rb") as copied:
                    digest = "sha256:" + hashlib.sha256(copied.read()).hexdigest()
                if digest != chosen:
                    return OracleAnswer(None, f"harness: copied {digest} but the debug log "
                                              f"fetched {chosen}")
                return OracleAnswer(digest)
        fatal = _FATAL.findall(done.stderr)
        if not fatal:
            raise SkopeoError(f"skopeo copy {' '.join(override_flags(platform))} "
                              f"docker://{pushed.reference}: rc {done.returncode} without a "
                              f"fatal line\n{done.stderr[-2000:]}")
        return OracleAnswer(chosen, go_unquote(fatal[-1]))

    def answers(self, image: GeneratedImage, pushed: PushedImage) -> dict[str, OracleAnswer]:
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            found = list(pool.map(lambda p: self.ask(image, pushed, p), image.platforms))
        return dict(zip(image.platforms, found, strict=True))
