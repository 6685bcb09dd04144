"""Error types, one per cause; each carries the text a user needs to act on.

Every error a user can provoke is a subclass of :class:`PullsimError`, so the CLI can turn it into
one line and an exit code (see ``EXIT_*``) without a traceback.
"""

from __future__ import annotations

EXIT_YES = 0
EXIT_NO = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3


class PullsimError(Exception):
    """Base of every error pullsim reports to a user."""

    exit_code = EXIT_USAGE


class PlatformError(PullsimError, ValueError):
    """A platform specifier that the engine's parser rejects (the text says why)."""


class UnknownEngine(PullsimError, ValueError):
    """An engine name that no profile matches."""


class DocumentError(PullsimError, ValueError):
    """A manifest or index that is malformed, of an unknown media type, or otherwise unusable."""


class InvalidReference(PullsimError, ValueError):
    """An image reference or transport that cannot be parsed."""


class SourceError(PullsimError):
    """A source (file, registry, layout) could not deliver a document."""

    exit_code = EXIT_NETWORK


class ChildUnavailable(SourceError):
    """A child an engine wants to look inside is not held by an offline source (a bare list
    file without its children): the engine then decides without it, and says so."""


class CredentialsError(PullsimError):
    """Credentials that cannot be read: a malformed ``--creds``, Docker config or auth.json, or a
    credential helper that fails. The text names the file or helper, never a secret."""


class RegistryError(SourceError):
    """A registry answered with an error or misbehaved (unreachable, an HTTP error, a rate limit,
    a wrong Content-Type, a body too large or cut short). ``code`` is the distribution error code
    (``MANIFEST_UNKNOWN``, ``UNAUTHORIZED``…) when there is one; ``status`` the HTTP status."""

    def __init__(self, message: str, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class DigestMismatch(RegistryError):
    """Content whose digest is not the one asked for (or the one the registry declared)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="DIGEST_MISMATCH")
