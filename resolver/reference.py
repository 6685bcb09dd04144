"""Image references and transports, named the way skopeo names them.

Transports (``TRANSPORT:REST``, as containers/image's ``transports/alltransports`` splits them):

- ``docker://NAME`` — a registry; the default, so a plain ``NAME`` means the same. ``docker:dind``
  (no ``//``) is Docker's own image ``docker.io/library/docker:dind``, as ``docker pull`` reads it.
- ``oci:DIR[:REF]``, ``oci-archive:FILE[:REF]`` — an OCI layout (directory or tar); the text is cut
  at its first ``:`` (containers/image ``oci/internal/oci_util.go`` ``SplitPathAndImage``) and
  ``REF`` is an OCI ``ref.name`` or, for ``oci:``, ``@N`` (the N-th image).
- ``docker-archive:FILE[:REF]`` — a ``docker save`` tar; ``REF`` is a tagged docker name or
  ``@N``, the N-th image in the archive (containers/image ``docker/archive/transport.go``).

  Both ``REF`` grammars, with containers/image's messages, are :mod:`resolver.transport_refs`.
- ``file:PATH`` — a bare manifest or index JSON document (what ``docker manifest inspect``
  prints); a plain path to an existing file means the same.

Docker names follow distribution/reference (github.com/distribution/reference): the grammar is
``regexp.go``, ``Parse`` and its errors are ``reference.go``, and the familiar-name rules
(``nginx`` → ``docker.io/library/nginx:latest``, ``index.docker.io`` → ``docker.io``) are
``normalize.go``'s ``ParseNormalizedNamed``/``splitDockerDomain`` plus ``TagNameOnly``. Whether a
name is accepted is decided by that grammar alone; each error starts with upstream's text
(``invalid reference format``, ``repository name must be lowercase``…) and then names the part
that is wrong. ``NAME:TAG@DIGEST`` is accepted and the digest is what gets fetched (Docker's
``ParseDockerRef`` pins the digest and drops the tag); the tag is kept for display.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from resolver.errors import InvalidReference
from resolver.gotext import go_lower

TRANSPORTS = ("docker", "oci", "oci-archive", "docker-archive", "file")

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
DOCKER_HUB_REGISTRY = "registry-1.docker.io"  # where docker.io is really served
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255  # reference.go RepositoryNameTotalLengthMax (of the path)

# --- distribution/reference regexp.go, verbatim (Go's RE2 syntax maps one to one) --------------
_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_NAME_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_OPTIONAL_PORT = r"(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_IDENTIFIER = r"[a-f0-9]{64}"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_NAME = _DOMAIN_NAME_COMPONENT + r"(?:\." + _DOMAIN_NAME_COMPONENT + r")*"
_HOST = r"(?:" + _DOMAIN_NAME + "|" + _IPV6 + ")"
_DOMAIN_AND_PORT = _HOST + _OPTIONAL_PORT
_PATH_COMPONENT = _ALPHANUMERIC + r"(?:" + _SEPARATOR + _ALPHANUMERIC + r")*"
_REMOTE_NAME = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_NAME = r"(?:" + _DOMAIN_AND_PORT + r"/)?" + _REMOTE_NAME

# re.ASCII: Go's \w is [0-9A-Za-z_]; fullmatch: Go's ^…$ never matches before a final newline.
_REFERENCE_RE = re.compile(
    r"(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?", re.ASCII)
_ANCHORED_NAME_RE = re.compile(r"(?:(" + _DOMAIN_AND_PORT + r")/)?(" + _REMOTE_NAME + r")",
                               re.ASCII)
_IDENTIFIER_RE = re.compile(_IDENTIFIER, re.ASCII)
_TAG_RE = re.compile(_TAG, re.ASCII)
_DIGEST_RE = re.compile(_DIGEST, re.ASCII)
_DOMAIN_AND_PORT_RE = re.compile(_DOMAIN_AND_PORT, re.ASCII)
_PATH_COMPONENT_RE = re.compile(_PATH_COMPONENT, re.ASCII)

# go-digest (opencontainers/go-digest algorithm.go): algorithms Docker links in, hex lengths.
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}



@dataclass(frozen=True, slots=True)
class ImageName:
    """A normalized docker reference: ``domain/path[:tag][@digest]``."""

    domain: str
    path: str
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        """``domain/path``, e.g. ``docker.io/library/nginx`` (just the path when the domain is
        empty: a first component with a '.' that is no valid host, such as ``a.b_c/x``, leaves
        the whole name as the path, as upstream's Parse does)."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def registry(self) -> str:
        """The host[:port] to talk to: Docker Hub's ``docker.io`` is served at
        ``registry-1.docker.io``."""
        return DOCKER_HUB_REGISTRY if self.domain == DEFAULT_DOMAIN else self.domain

    @property
    def repository(self) -> str:
        """The repository path in the registry's API (``/v2/<repository>/…``)."""
        return self.path

    @property
    def identifier(self) -> str:
        """What is fetched: the digest when there is one (it pins the content), else the tag."""
        return self.digest or self.tag

    def familiar(self) -> str:
        """The short form Docker prints (``nginx:latest``, ``user/app:1``)."""
        name = self.name
        if self.domain == DEFAULT_DOMAIN:
            name = self.path
            rest = name.removeprefix(OFFICIAL_REPO_PREFIX)
            if rest != name and "/" not in rest:
                name = rest
        return name + (f":{self.tag}" if self.tag else "") + (
            f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return self.name + (f":{self.tag}" if self.tag else "") + (
            f"@{self.digest}" if self.digest else "")


@dataclass(frozen=True, slots=True)
class Reference:
    """A transport and what follows it.

    ``target`` is the text after ``TRANSPORT:`` (for ``docker``, the normalized name);
    ``image`` the docker name (``docker``; ``docker-archive`` when one is given); ``path`` the
    file or directory (``file``, ``oci``, ``oci-archive``, ``docker-archive``); ``ref`` the image
    within a layout or archive (an OCI ref name, or ``@N`` in a docker archive), else ``""``.
    """

    transport: str
    target: str
    image: ImageName | None = None
    path: str = ""
    ref: str = ""

    def __str__(self) -> str:
        if self.transport == "docker":
            return f"docker://{self.target}"
        return f"{self.transport}:{self.target}"


def parse_reference(text: str) -> Reference:
    """Parse ``[TRANSPORT:]REST``; a plain existing file is ``file:``, anything else ``docker``.

    Raises :class:`InvalidReference` (and nothing else) naming the part that is wrong.
    """
    if not isinstance(text, str) or not text or text != text.strip():
        raise InvalidReference(f"invalid reference {text!r}: empty or surrounded by spaces")
    if text.startswith("docker://"):
        return _docker(text.removeprefix("docker://"), text)
    transport, sep, rest = text.partition(":")
    if sep and transport in TRANSPORTS and transport != "docker":
        if not rest:
            raise InvalidReference(f"invalid reference {text!r}: nothing after {transport}:")
        if transport == "file":
            return Reference("file", rest, path=rest)
        if transport == "docker-archive":
            return _docker_archive(rest, text)
        return _oci(transport, rest, text)
    if _is_file(text):
        return Reference("file", text, path=text)
    return _docker(text, text)


def parse_image_name(text: str) -> ImageName:
    """A docker name, normalized as ``docker pull`` does (``ParseNormalizedNamed`` +
    ``TagNameOnly``): ``nginx`` → ``docker.io/library/nginx:latest``."""
    return tag_name_only(parse_normalized_named(text))


def tag_name_only(name: ImageName) -> ImageName:
    """normalize.go ``TagNameOnly``: ``:latest`` for a name with neither tag nor digest."""
    if name.tag or name.digest:
        return name
    return ImageName(name.domain, name.path, DEFAULT_TAG)


def parse_normalized_named(text: str, *, containers_image: bool = False) -> ImageName:
    """normalize.go ``ParseNormalizedNamed`` (no default tag). ``containers_image``: the copy
    containers/image vendors as ``docker/reference`` (skopeo's ``docker-archive:`` reads names
    with it): a first component is a host only with a '.' or ':' or as ``localhost`` (no
    upper-case rule), no IPv6 hosts, and the older lower-case message."""
    if _IDENTIFIER_RE.fullmatch(text):
        raise InvalidReference(f"invalid repository name ({text}), cannot specify 64-byte "
                               "hexadecimal strings")
    domain, remainder = _split_docker_domain(text, upper_case_host=not containers_image)
    remote = remainder.partition(":")[0]
    if go_lower(remote) != remote:
        if containers_image:
            raise InvalidReference("invalid reference format: repository name must be lowercase")
        raise InvalidReference(f"invalid reference format: repository name ({remote}) must be "
                               "lowercase")
    name = _parse(f"{domain}/{remainder}")
    if containers_image and name.domain.startswith("["):  # its domain grammar has no IPv6
        raise InvalidReference("invalid reference format" + _why(text))
    return name


def _is_file(text: str) -> bool:
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):
        return False


def _docker(rest: str, text: str) -> Reference:
    try:
        name = parse_image_name(rest)
    except InvalidReference as err:
        raise InvalidReference(f"{err} (in {text!r})") from None
    return Reference("docker", str(name), image=name)


def _oci(transport: str, rest: str, text: str) -> Reference:
    from resolver.transport_refs import parse_layout_ref, split_path

    path, ref, _ = split_path(transport, rest)
    try:
        parse_layout_ref(ref, allow_index=transport == "oci")
    except InvalidReference as err:
        raise InvalidReference(f"{err} (in {text!r})") from None
    return Reference(transport, rest, path=path, ref=ref)


def _docker_archive(rest: str, text: str) -> Reference:
    from resolver.transport_refs import parse_archive_ref, split_path

    path, ref, colon = split_path("docker-archive", rest)
    try:
        parsed = parse_archive_ref(ref if colon else None)
    except InvalidReference as err:
        raise InvalidReference(f"{err} (in {text!r})") from None
    return Reference("docker-archive", rest, image=parsed.image, path=path,
                     ref=ref if parsed.index is not None else "")


def _split_docker_domain(name: str, *, upper_case_host: bool = True) -> tuple[str, str]:
    """normalize.go ``splitDockerDomain`` (``upper_case_host``: distribution v3's rule that a
    first component with an upper-case letter is a host)."""
    maybe_domain, sep, maybe_remote = name.partition("/")
    if not sep:
        return DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name
    if maybe_domain == "localhost":
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == LEGACY_DEFAULT_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain or (
            upper_case_host and go_lower(maybe_domain) != maybe_domain):
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = OFFICIAL_REPO_PREFIX + remote
    return domain, remote


def _parse(text: str) -> ImageName:
    """reference.go ``Parse``, for a name that has a domain (as ParseNormalizedNamed builds)."""
    if not text:
        raise InvalidReference("repository name must have at least one component")
    match = _REFERENCE_RE.fullmatch(text)
    if match is None:
        lowered = go_lower(text)
        if lowered != text and _REFERENCE_RE.fullmatch(lowered):
            raise InvalidReference("repository name must be lowercase")
        raise InvalidReference("invalid reference format" + _why(text))
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    name_match = _ANCHORED_NAME_RE.fullmatch(name)
    domain, path = (name_match.group(1) or "", name_match.group(2)) if name_match else ("", name)
    if len(path) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} "
                               f"characters (the path has {len(path)})")
    if digest:
        _check_digest(digest)
    return ImageName(domain, path, tag, digest)


def _check_digest(digest: str) -> None:
    """go-digest ``Digest.Validate`` for the algorithms Docker links in."""
    algorithm, _, encoded = digest.partition(":")
    length = _DIGEST_HEX_LENGTH.get(algorithm)
    if length is None:
        raise InvalidReference(f"unsupported digest algorithm {algorithm!r} in {digest}")
    if len(encoded) != length:
        raise InvalidReference(f"invalid checksum digest length: {algorithm} needs {length} hex "
                               f"digits, {digest} has {len(encoded)}")
    if not re.fullmatch(r"[a-f0-9]+", encoded):
        raise InvalidReference(f"invalid checksum digest format: {digest} (lowercase hex only)")


def _why(text: str) -> str:
    """Which part of a rejected reference breaks the grammar (only to word the message: the
    decision is the grammar's)."""
    rest, at, digest = text.partition("@")
    if at and not _DIGEST_RE.fullmatch(digest):
        return (f": digest {digest!r} is not ALGORITHM:HEX with at least 32 hex digits"
                if "@" not in digest else ": more than one '@'")
    name, tag = rest, ""
    colon, slash = rest.rfind(":"), rest.rfind("/")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1:]
        if not _TAG_RE.fullmatch(tag):
            return (f": tag {tag!r} must be 1 to 128 of letters, digits, '_', '.', '-', "
                    "not starting with '.' or '-'")
    domain, _, path = name.partition("/")
    if not _DOMAIN_AND_PORT_RE.fullmatch(domain):
        return f": registry {domain!r} is not a valid host[:port]"
    for component in path.split("/"):
        if not _PATH_COMPONENT_RE.fullmatch(component):
            if not component:
                return ": empty path component (a '/' too many)"
            return (f": path component {component!r} must be lowercase letters and digits "
                    "separated by '.', '_', '__' or dashes")
    return ""
