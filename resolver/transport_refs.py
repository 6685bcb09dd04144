"""The ``:REF`` of skopeo's local transports, read as containers/image reads it.

- ``oci:DIR[:REF]`` (``oci/layout/oci_transport.go`` ``ParseReference``, ``oci/internal/
  oci_util.go`` ``ParseReferenceIntoElements``/``parseOCIReferenceName``/``ValidateImageName``,
  v5.34.0+): ``@N`` is the N-th entry of index.json; any other ``REF`` must match the OCI
  ``ref.name`` grammar.
- ``oci-archive:FILE[:REF]`` (``oci/archive/oci_transport.go``): the same grammar, no ``@N``
  (``@0`` is an "Invalid image").
- ``docker-archive:FILE[:REF]`` (``docker/archive/transport.go`` ``ParseReference`` and
  ``newReference``): ``@N``, or a docker name read by containers/image's own copy of
  ``docker/reference``, given ``:latest`` when it has neither tag nor digest, and refused with a
  digest.

Each message is upstream's. :mod:`resolver.reference` checks these when it parses a reference;
the sources use the same functions when they open one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from resolver.errors import InvalidReference
from resolver.gotext import go_atoi_error
from resolver.reference import ImageName, parse_normalized_named, tag_name_only

# oci/internal/oci_util.go refRegexp (the image-spec org.opencontainers.image.ref.name grammar)
_SEPARATOR = r"(?:[-._:@+]|--)"
_ALPHANUM = r"(?:[A-Za-z0-9]+)"
_COMPONENT = rf"(?:{_ALPHANUM}(?:{_SEPARATOR}{_ALPHANUM})*)"
_REF_NAME_RE = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*", re.ASCII)


@dataclass(frozen=True, slots=True)
class LayoutRef:
    """The ``:REF`` of ``oci:``/``oci-archive:``: an image name, or an index (``@N``), or
    neither (the only image)."""

    name: str = ""
    index: int | None = None

    def __str__(self) -> str:
        return f"@{self.index}" if self.index is not None else self.name


@dataclass(frozen=True, slots=True)
class ArchiveRef:
    """The ``:REF`` of ``docker-archive:``: a tagged name, or an index (``@N``), or neither."""

    image: ImageName | None = None
    index: int | None = None

    @property
    def tag(self) -> str:
        """The normalized ``NAME:TAG`` (``reference.String()``), or ""."""
        return str(self.image) if self.image is not None else ""


def split_path(transport: str, target: str) -> tuple[str, str, bool]:
    """``PATH[:REF]`` cut at the first ``:`` (``SplitPathAndImage``, ``strings.Cut``, as on a
    non-Windows host): the path, the ref, and whether there was a colon. An empty path is
    refused here, for every transport alike."""
    path, colon, ref = target.partition(":")
    if not path:
        raise InvalidReference(f"invalid reference '{transport}:{target}': {transport}: needs a "
                               "path before the ':'")
    return path, ref, bool(colon)


def parse_layout_ref(text: str, *, allow_index: bool = True) -> LayoutRef:
    """An ``oci:`` (``allow_index``) or ``oci-archive:`` ``REF``."""
    if not text:
        return LayoutRef()
    if allow_index and text.startswith("@"):
        number = text[1:]
        err = go_atoi_error(number)
        if err:
            raise InvalidReference(f"Invalid source index @{number}: not an integer: {err}")
        index = int(number)
        if index < 0:
            raise InvalidReference(f"Invalid source index @{index}: must not be negative")
        return LayoutRef(index=index)
    if not _REF_NAME_RE.fullmatch(text):
        hint = " (oci-archive: takes an image name; @INDEX is for oci:)" if text.startswith(
            "@") else ""
        raise InvalidReference(f"Invalid image {text}{hint}")
    return LayoutRef(name=text)


def parse_archive_ref(text: str | None) -> ArchiveRef:
    """A ``docker-archive:`` ``REF`` (None: no colon at all)."""
    if text is None:
        return ArchiveRef()
    if text.startswith("@"):
        err = go_atoi_error(text[1:])
        if err:
            raise InvalidReference(f"Invalid source index {text}: {err}")
        index = int(text[1:])
        if index < 0:
            raise InvalidReference(f"Invalid source index @{index}: must not be negative")
        return ArchiveRef(index=index)
    try:
        name = tag_name_only(parse_normalized_named(text, containers_image=True))
    except InvalidReference as err:
        raise InvalidReference(f"docker-archive parsing reference: {err}") from None
    if not name.tag:  # a digest alone: TagNameOnly leaves it untagged
        raise InvalidReference(f"reference does not include a tag: {name}")
    if name.digest:
        raise InvalidReference(f"docker-archive doesn't support digest references: {name}")
    return ArchiveRef(image=name)


def normalized_repo_tag(text: str) -> str:
    """A ``RepoTags`` entry of ``manifest.json`` as ``ChooseManifestItem`` compares it:
    ``ParseNormalizedNamed(tag).String()`` (no default tag)."""
    return str(parse_normalized_named(text, containers_image=True))
