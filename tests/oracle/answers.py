"""What every oracle returns, and how the tests find the services (shared by all oracles).

An oracle is a real engine asked, for one pushed image, which child it chooses for each
requested platform. Each oracle module (``containerd``, ``dockerd``, ``skopeo``) offers a
class with a ``name`` (the pullsim engine it is compared with) and
``answers(image, pushed) -> dict[platform text, OracleAnswer]``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from .generate import GeneratedImage
from .registry import PushedImage


@dataclass(frozen=True, slots=True)
class OracleAnswer:
    """A real engine's answer: the chosen manifest (the leaf, for a nested index), and its error
    text without the CLI's prefix. Both set: it chose ``digest`` and then failed (for example
    while unpacking an attestation). Only ``error``: it chose nothing."""

    digest: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.digest is not None and self.error is None


class Oracle(Protocol):
    @property
    def name(self) -> str:
        """The pullsim engine name this oracle is the reference for, e.g. ``containerd@1.6``."""
        ...

    def answers(self, image: GeneratedImage, pushed: PushedImage) -> dict[str, OracleAnswer]:
        """Ask the engine for each of ``image.platforms``; ``pushed`` says where it is."""
        ...


@dataclass(frozen=True, slots=True)
class Services:
    """The addresses that ``tests/oracle/services.sh`` wrote to its env file."""

    registry: str
    auth_registry: str | None
    auth: tuple[str, str] | None
    containerd_sock: str | None
    dockerd_sock: str | None
    dockerd_log: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Services | None:
        """None when the registry is not configured (no services started)."""
        env = os.environ if env is None else env
        registry = env.get("PULLSIM_ORACLE_REGISTRY")
        if not registry:
            return None
        user = env.get("PULLSIM_ORACLE_AUTH_USER")
        password = env.get("PULLSIM_ORACLE_AUTH_PASSWORD")
        return cls(
            registry=registry,
            auth_registry=env.get("PULLSIM_ORACLE_AUTH_REGISTRY") or None,
            auth=(user, password) if user and password else None,
            containerd_sock=env.get("PULLSIM_ORACLE_CONTAINERD_SOCK") or None,
            dockerd_sock=env.get("PULLSIM_ORACLE_DOCKERD_SOCK") or None,
            dockerd_log=env.get("PULLSIM_ORACLE_DOCKERD_LOG") or None,
        )
