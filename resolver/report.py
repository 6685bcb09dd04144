"""Render results for people (table, Markdown, HTML) and for scripts (JSON).

Tables are tabulate's ``simple``, ``github`` and ``html`` formats. A record of plain text — what
``pullsim resolve`` prints — is laid out here instead, byte for byte as tabulate 0.9 lays it
out (``tests/test_report.py`` compares the two over generated records): importing tabulate is a
noticeable part of a cold answer. Anything outside that plain case goes to tabulate.
"""

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
        rows = [_markdown_cells(r) for r in rows]
    return tabulate(rows, headers=list(headers), tablefmt=_TABULATE_FORMAT[output])


def render_pairs(pairs: Sequence[tuple[str, Any]], output: str) -> str:
    """One record as ``field | value`` rows."""
    if output == "json":
        return render_json(dict(pairs))
    rows = [(k, _cell(v)) for k, v in pairs]
    headers = ("field", "value")
    plain = _text_table([_markdown_cells(r) for r in rows] if output == "markdown" else rows,
                        headers, output)
    return plain if plain is not None else render_rows(rows, headers, output)


def _markdown_cells(row: Sequence[Any]) -> list[str]:
    return [str(c).replace("\n", "<br>") if c is not None else "" for c in row]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return str(value)


# --- tabulate's layout of a table of text, without tabulate -----------------------------------
#
# tabulate 0.9.0 (tabulate/__init__.py), for string cells: a column is "text" unless every cell
# reads as a bool ("True"/"False"), an int or a float (_column_type; a numeric column is aligned
# on the decimal point instead); text cells are stripped and padded on the right (_align_column)
# to the column's width: its widest line, at least the header's width plus MIN_PADDING (2).
# "simple" joins cells with two spaces, rules the header off with dashes and strips each line
# on the right; a cell with a newline spreads its row over several lines (multiline_formats).
# "github" is the same with "|" separators and one space of padding. "html" escapes each padded
# cell (html.escape). Outside printable ASCII (wide characters, ANSI codes, tabs, other line
# breaks) or with newlines outside "simple", this gives up and tabulate lays the table out.

_PRINTABLE = frozenset(map(chr, range(0x20, 0x7F)))
_MIN_PADDING = 2
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "'": "&#x27;"})


def _text_table(rows: Sequence[Sequence[str]], headers: Sequence[str], output: str) -> str | None:
    """``rows`` laid out as tabulate lays them out for ``output``, or None when they are not
    the plain text this reproduces."""
    if not rows or any(len(row) != len(headers) for row in rows):
        return None
    multiline_ok = output == "table"
    for header in headers:
        if not _PRINTABLE.issuperset(header):
            return None
    for row in rows:
        for cell in row:
            if not _PRINTABLE.issuperset(cell.replace("\n", "") if multiline_ok else cell):
                return None
    columns = list(zip(*rows, strict=True))
    if not all(any(_is_text(cell) for cell in column) for column in columns):
        return None
    multiline = any("\n" in cell for row in rows for cell in row)
    cells = [[cell.strip() for cell in row] for row in rows]
    widths = [max(len(header) + _MIN_PADDING,
                  *(len(line) for row in cells for line in row[i].split("\n")))
              for i, header in enumerate(headers)]
    head = [h.ljust(w) for h, w in zip(headers, widths, strict=True)]
    if output == "table":
        return _simple(head, cells, widths, multiline)
    padded = [[cell.ljust(w) for cell, w in zip(row, widths, strict=True)] for row in cells]
    return _github(head, padded, widths) if output == "markdown" else _html(head, padded)


def _is_text(cell: str) -> bool:
    """Whether tabulate takes ``cell`` for text: not a bool, an int or a float (its _type)."""
    if cell in ("True", "False"):
        return False
    try:
        int(cell)
    except ValueError:
        pass
    else:
        return False
    try:
        number = float(cell)
    except ValueError:
        return True
    if number != number or abs(number) == float("inf"):  # nan or infinite: only these spellings
        return cell.lower() not in ("inf", "-inf", "nan")
    return False


def _simple(head: list[str], rows: list[list[str]], widths: list[int], multiline: bool) -> str:
    lines = ["  ".join(head).rstrip(), "  ".join("-" * w for w in widths).rstrip()]
    for row in rows:
        if not multiline:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            continue
        # a row of several lines: each cell's lines padded, short cells filled with blank lines
        # (a row whose cells are all empty has no line at all, as in tabulate)
        cell_lines = [[line.ljust(w) for line in cell.splitlines()]
                      for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(c) for c in cell_lines)):
            lines.append("  ".join(c[n] if n < len(c) else " " * w
                                   for c, w in zip(cell_lines, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _github(head: list[str], rows: list[list[str]], widths: list[int]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _html(head: list[str], rows: list[list[str]]) -> str:
    lines = ["<table>\n<thead>\n<tr>" + "".join(f"<th>{_escape(h)}</th>" for h in head)
             + "</tr>\n</thead>\n<tbody>"]
    lines += ["<tr>" + "".join(f"<td>{_escape(c)}</td>" for c in row) + "</tr>" for row in rows]
    lines.append("</tbody>\n</table>")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.translate(_HTML_ESCAPES)
