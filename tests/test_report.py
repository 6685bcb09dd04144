"""resolver/report.py: a record laid out without tabulate is byte for byte tabulate's layout.

``render_rows`` always goes through tabulate, so it is the reference: every record rendered by
``render_pairs`` must equal it in every output, whether ``_text_table`` laid it out or gave it
up to tabulate.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.report import _cell, _text_table, render_pairs, render_rows

HEADERS = ("field", "value")
FORMATS = ("table", "markdown", "html")


def tabulated(pairs: list[tuple[str, Any]], output: str) -> str:
    return render_rows([(k, _cell(v)) for k, v in pairs], HEADERS, output)


def outcome(render: Any, *args: Any) -> str:
    """The text, or the error (tabulate fails on a float column holding "False", and so must
    render_pairs then)."""
    try:
        return str(render(*args))
    except ValueError as err:
        return f"ValueError: {err}"


# what `pullsim resolve` prints: a selected image, a failed pull with warnings, a mislabeled one
RESOLVE_RECORDS: list[list[tuple[str, Any]]] = [
    [("reference", "docker://127.0.0.1:5000/bench/multi:v1"), ("engine", "containerd"),
     ("host", "linux/arm/v7"), ("platform", "linux/arm/v7"), ("outcome", "selected"),
     ("digest", "sha256:" + "27" * 32), ("selected platform", "linux/arm/v7"),
     ("config says", "linux/arm/v7")],
    [("reference", "file:fixtures/golang-alpine.json"), ("engine", "docker@20.10"),
     ("host", "windows(10.0.20348)/amd64"), ("platform", "linux/riscv64"),
     ("outcome", "no-match"), ("digest", None), ("selected platform", None),
     ("message", "no matching manifest for linux/riscv64 in the manifest list entries"),
     ("warnings", ["a platform-less entry was skipped", "an attestation <x> & 'y' was skipped"])],
    [("reference", "docker://ghcr.io/org/app:1.2"), ("engine", "podman@4.3"),
     ("outcome", "selected"), ("config says", "linux/amd64"),
     ("findings", ["mislabeled image: the index says linux/arm64 but its config says "
                   "linux/amd64"])],
    [("reference", "x"), ("tags", 3), ("answers", 0), ("total", "1.5 KiB")],  # cache info
]


@pytest.mark.parametrize("output", FORMATS)
@pytest.mark.parametrize("pairs", RESOLVE_RECORDS)
def test_resolve_records_are_tabulates_layout_without_tabulate(pairs, output):
    rows = [(k, _cell(v)) for k, v in pairs]
    if output == "markdown":
        rows = [(k, v.replace("\n", "<br>")) for k, v in rows]
    plain = _text_table(rows, HEADERS, output)
    multiline_html = output == "html" and any("\n" in v for _, v in rows)
    assert (plain is None) == multiline_html  # only an HTML cell with a newline is left over
    assert render_pairs(pairs, output) == tabulated(pairs, output)


# cells in the reproduced case: printable ASCII, newlines, spaces at the edges, and text that
# tabulate reads as a number or a bool (which decides a column's alignment)
_ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
_NUMBERS = st.sampled_from(["3", "0", "-7", " 12 ", "1_000", "1.5", ".5", "+2e3", "1e999",
                            "inf", "-inf", "nan", "NaN", "Infinity", "True", "False", "true",
                            "1,000", "0x1f", "", " ", "9" * 400])
_PLAIN_CELL = st.one_of(_ASCII, _NUMBERS, st.lists(st.one_of(_ASCII, _NUMBERS), max_size=4))
# anything else: wide and combining characters, tabs, ANSI colours, other line breaks
_ODD = st.text(st.sampled_from(list("ab 1.\n\t\r\x1b[31m\u00e9\u4e2d\u0301\u2028\x0b")),
               max_size=8)
_VALUE = st.one_of(_PLAIN_CELL, _ODD, st.none(), st.integers(), st.floats(), st.booleans())


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(st.one_of(_ASCII, _NUMBERS), _PLAIN_CELL), min_size=1,
                      max_size=6),
       output=st.sampled_from(FORMATS))
def test_plain_records_are_tabulates_layout(pairs, output):
    assert outcome(render_pairs, pairs, output) == outcome(tabulated, pairs, output)


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(st.one_of(_ASCII, _ODD), _VALUE), min_size=1, max_size=6),
       output=st.sampled_from(FORMATS))
def test_any_record_is_tabulates_layout(pairs, output):
    assert outcome(render_pairs, pairs, output) == outcome(tabulated, pairs, output)


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(_ASCII.filter(lambda s: any(c.isalpha() for c in s)),
                                st.one_of(_ASCII, st.lists(_ASCII, max_size=4))),
                      min_size=1, max_size=6))
def test_plain_text_is_laid_out_here(pairs):
    """Text with a letter in each column (never a number) is the case reproduced, lists (lines)
    included, except in HTML: no tabulate."""
    rows = [(k, _cell(v)) for k, v in [*pairs, ("field", "value")]]
    assert _text_table(rows, HEADERS, "table") is not None
    markdown = [(k, v.replace("\n", "<br>")) for k, v in rows]
    assert _text_table(markdown, HEADERS, "markdown") is not None
    if not any("\n" in v for _, v in rows):
        assert _text_table(rows, HEADERS, "html") is not None


@pytest.mark.parametrize("rows", [
    [("a", "1"), ("b", "2.5")],  # a numeric column: tabulate aligns it on the point
    [("a", "True"), ("b", "False")],
    [("a", "\u4e2d")],  # wide
    [("a", "\x1b[31mred\x1b[0m")],  # ANSI colour
    [("a", "x\ty")],
    [],
])
def test_the_rest_is_left_to_tabulate(rows):
    for output in FORMATS:
        assert _text_table(rows, HEADERS, output) is None
