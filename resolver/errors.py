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
