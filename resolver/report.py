"""Render results for people (table, Markdown, HTML) and for scripts (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

OUTPUTS = ("table", "json", "markdown", "html")
_TABULATE_FORMAT = {"table": "simple", "markdown": "github", "html": "html"}


def render_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False)


def render_rows(rows: Sequence[Sequence[Any]], headers: Sequence[str], output: str) -> str:
    """A table of rows in the chosen output; JSON gives a list of objects keyed by header."""
    if output == "json":
        return render_json([dict(zip(headers, row, strict=True)) for row in rows])
    from tabulate import tabulate

    if output == "markdown":  # a Markdown table cell cannot hold a newline
        rows = [[str(c).replace("\n", "<br>") if c is not None else "" for c in r] for r in rows]
    return tabulate(rows, headers=list(headers), tablefmt=_TABULATE_FORMAT[output])


def render_pairs(pairs: Sequence[tuple[str, Any]], output: str) -> str:
    """One record as ``field | value`` rows."""
    if output == "json":
        return render_json(dict(pairs))
    rows = [(k, _cell(v)) for k, v in pairs]
    return render_rows(rows, ("field", "value"), output)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return str(value)
