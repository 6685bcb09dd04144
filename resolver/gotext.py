"""Go's text helpers that engines' messages and platform strings depend on.

Engines print values with Go's ``%q`` (``strconv.Quote``), build platform strings with
``path.Join`` and read numbers out of them with ``strconv.Atoi``/``ParseUint``; reproducing their
exact output needs their exact rules, not Python's look-alikes.
"""

from __future__ import annotations

import re

_INT_RE = re.compile(r"[+-]?[0-9]+")
_UINT_RE = re.compile(r"[0-9]+")

_SIMPLE_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": r"\\",
    '"': r"\"",
}


def go_quote(text: str) -> str:
    """``strconv.Quote``: double quotes, Go escapes, printable Unicode kept as it is."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif 0xDC80 <= code <= 0xDCFF:  # a raw byte kept by surrogateescape: Go prints \xNN
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_path_clean(path: str) -> str:
    """``path.Clean``: lexical cleaning with Go's rules (``//x`` becomes ``/x``, unlike Python)."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def go_path_join(*elems: str) -> str:
    """``path.Join``: empty elements are dropped, the result cleaned; all empty gives ``""``."""
    kept = [e for e in elems if e]
    if not kept:
        return ""
    return go_path_clean("/".join(kept))


def go_lower(text: str) -> str:
    """``strings.ToLower``: rune by rune with Unicode's *simple* mappings.

    Python's ``str.lower`` applies SpecialCasing (U+0130 becomes two runes); Go does not.
    """
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        low = ch.lower()
        out.append(low if len(low) == 1 else _SIMPLE_LOWER.get(ch, ch))
    return "".join(out)


# The only rune whose full lower-case mapping differs from its simple one (SpecialCasing.txt).
_SIMPLE_LOWER = {"\u0130": "i"}


# --- strconv ----------------------------------------------------------------------------------

def go_int_syntax(text: str) -> bool:
    """Whether ``strconv.Atoi`` would parse ``text`` (sign, ASCII digits; range aside)."""
    return _INT_RE.fullmatch(text) is not None


def go_atoi_error(text: str) -> str:
    """The error ``strconv.Atoi(text)`` returns, as Go prints it; "" when there is none."""
    if not _INT_RE.fullmatch(text):
        return f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax"
    if not -(2**63) <= int(text) < 2**63:
        return f"strconv.Atoi: parsing {go_quote(text)}: value out of range"
    return ""


def go_atoi(text: str) -> int:
    """strconv.Atoi with the error ignored: 0 on a syntax error, clamped to int64 on overflow."""
    if not _INT_RE.fullmatch(text):
        return 0
    return max(-(2**63), min(2**63 - 1, int(text)))


def go_atoi_checked(text: str) -> int | None:
    """strconv.Atoi where the caller checks the error: None on a syntax error or overflow."""
    return None if go_atoi_error(text) else int(text)


def go_parse_uint(text: str, bits: int) -> tuple[int, bool]:
    """strconv.ParseUint: (value, ok); on overflow the maximum and not ok."""
    if not _UINT_RE.fullmatch(text):
        return 0, False
    value = int(text)
    if value >= 1 << bits:
        return (1 << bits) - 1, False
    return value, True
