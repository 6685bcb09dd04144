"""The local transports' ``:REF`` errors (resolver/transport_refs.py) against the real skopeo
(Debian's 1.9.3, containers/image 5.22): skopeo parses the reference before touching any file,
so each bad reference gives its message at once (the oci transports first check
that the path's directory exists), after ``Error parsing image name "…": ``.

``oci:…:@N`` is left out: containers/image reads ``@N`` only from v5.34 (skopeo 1.18), which
pullsim models; 1.9.3 still calls it an invalid image name. Skips without skopeo, fails in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from resolver.errors import InvalidReference
from resolver.reference import parse_reference
from tests.oracle.skopeo import go_unquote

DIGEST = "sha256:" + "a" * 64
REFS = [
    "docker-archive:{file}:busybox@" + DIGEST,
    "docker-archive:{file}:busybox:1@" + DIGEST,
    "docker-archive:{file}:@x",
    "docker-archive:{file}:@-1",
    "docker-archive:{file}:@99999999999999999999",
    "docker-archive:{file}:Foo/bar:1",
    "docker-archive:{file}:Busybox",
    "docker-archive:{file}:[::1]/bar:1",
    "docker-archive:{file}:" + "a" * 64,
    "docker-archive:{file}:bad..name",
    "oci-archive:{file}:@0",
    "oci-archive:{file}:-x",
    "oci:{dir}:a b",
]


@pytest.fixture(scope="module")
def skopeo() -> str:
    found = shutil.which("skopeo")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but skopeo is not installed (apt-get install skopeo)")
        pytest.skip("skopeo is not installed")
    return found


@pytest.mark.parametrize("template", REFS)
def test_the_same_message_as_skopeo(skopeo: str, template: str, tmp_path) -> None:
    """pullsim may add why after upstream's text (``invalid reference format: path component
    …``), never change it. The paths exist (the oci transports resolve them first)."""
    text = template.format(file=tmp_path / "x.tar", dir=tmp_path)
    done = subprocess.run([skopeo, "inspect", text], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode != 0
    line = done.stderr.strip().splitlines()[-1]
    prefix = 'msg="Error parsing image name '
    assert prefix in line, line
    quoted = line[line.index(prefix) + len(prefix) - 1:].removesuffix('"')
    theirs = go_unquote(quoted).split('": ', 1)[1]
    with pytest.raises(InvalidReference) as err:
        parse_reference(text)
    ours = str(err.value).removesuffix(f" (in {text!r})")
    ours = ours.removesuffix(" (oci-archive: takes an image name; @INDEX is for oci:)")
    assert ours == theirs or ours.startswith(theirs + ": "), (ours, theirs)
