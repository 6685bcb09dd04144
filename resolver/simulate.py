"""Many engines, one question: what each pulls for the same reference and request, and where
they disagree, a one-line reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resolver.engines import get_engine
from resolver.engines.base import Engine
from resolver.lookup import Opened, select_opened
from resolver.platform import Platform, format_all, format_platform
from resolver.selection import Selection


@dataclass(frozen=True, slots=True)
class Row:
    """One (reference, request, engine) answer, and whether every engine of its group agrees."""

    reference: str
    host: Platform
    request: Platform | None
    request_text: str
    selection: Selection
    agree: bool
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"reference": self.reference, "host": format_all(self.host),
                "request": self.request_text or None, **self.selection.to_json(),
                "agree": self.agree, "reason": self.reason or None}


def answer(sel: Selection) -> tuple[str, str | None]:
    """What a user would compare: the outcome and the digest pulled."""
    ok = sel.outcome in ("selected", "single-manifest")
    return ("ok" if ok else sel.outcome), sel.digest


def describe(sel: Selection, wanted: Platform | None, many: bool = False) -> str:
    """A short phrase for what one engine did (``many``: said of several engines)."""

    def verb(one: str, several: str) -> str:
        return several if many else one

    if sel.outcome == "no-match":
        return verb("finds", "find") + " no match"
    if sel.outcome == "single-manifest":
        return verb("pulls", "pull") + " the single manifest as it is"
    chosen = format_platform(sel.selected_platform) if sel.selected_platform else "(no platform)"
    if sel.outcome == "failed":
        return f"{verb('picks', 'pick')} {chosen} and then {verb('fails', 'fail')}"
    if wanted is not None and sel.selected_platform is not None and (
        format_platform(sel.selected_platform) != format_platform(wanted)
    ):
        return f"{verb('falls', 'fall')} back from {format_platform(wanted)} to {chosen}"
    return f"{verb('takes', 'take')} {chosen}"


def reason(selections: Sequence[Selection], wanted: Platform | None) -> str:
    """``containerd@1.6, docker@28 fall back …; podman@4.3 finds no match``."""
    groups: dict[tuple[str, str | None, str], list[Selection]] = {}
    for sel in selections:
        key = (*answer(sel), describe(sel, wanted))
        groups.setdefault(key, []).append(sel)
    return "; ".join(
        f"{', '.join(s.engine for s in sels)} {describe(sels[0], wanted, len(sels) > 1)}"
        for sels in groups.values())


def simulate(
    opened: Opened,
    engines: Sequence[str | Engine],
    host: Platform,
    requests: Sequence[str | None],
    typed: str | None = None,
) -> list[Row]:
    """Every engine for every request (None: no --platform, the host decides); ``typed`` is the
    reference as the user wrote it, which some engines' messages quote."""
    resolved = [get_engine(e) if isinstance(e, str) else e for e in engines]
    rows: list[Row] = []
    for text in requests:
        group = []
        for engine in resolved:
            request = engine.parse_platform(text, host) if text else None
            sel = select_opened(engine, opened, host, request, typed)
            group.append((request, sel))
        agree = len({answer(sel) for _, sel in group}) == 1
        wanted = group[0][0] if text else None
        why = "" if agree else reason([sel for _, sel in group], wanted)
        rows += [Row(str(opened.reference), host, req, text or "", sel, agree, why)
                 for req, sel in group]
    return rows
