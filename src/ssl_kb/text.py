"""Text: which characters a record's strings may hold, and how to name the ones they may not.

Every output (HTML pages, build/mkdocs.yml, the SQLite store, JSON, YAML, BibTeX, GraphML/QTI XML,
GIFT, CSV) carries any Unicode text except a few code points; those are refused here, before the
store, instead of crashing or being silently changed by one writer. Two classes of problem:

- in any string (every value and every key): lone surrogates (KB110: not text; UTF-8 cannot
  encode them), noncharacters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF (KB111: XML cannot carry
  U+FFFE/U+FFFF), and control characters other than tab, newline and carriage return, i.e. C0,
  DEL and C1 (KB112: XML 1.0 refuses C0, and terminals act on them);
- in identifying text, the fields a reader compares by eye (ids, ``name``, ``full_name``,
  ``aliases``, ``heading``, paper ``title``, ``authors`` and ``venue``): bidirectional controls
  (KB113: U+061C ALM, U+200E LRM, U+200F RLM, U+202A-U+202E embeddings and overrides,
  U+2066-U+2069 isolates), which reorder what is displayed, and invisible characters (KB114:
  U+200B-U+200D zero-width space, non-joiner and joiner, U+2060-U+2064 word joiner and
  invisible operators, U+FEFF, and the tag characters U+E0000-U+E007F), which make two
  different strings look the same. Prose (summaries, notes, claims) may keep them: a ZWJ joins
  emoji sequences and RLM/LRM order mixed-direction sentences.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)

#: Code -> the characters it refuses, for any string.
ANY_STRING = {
    "KB110": re.compile("[\ud800-\udfff]"),
    "KB111": re.compile(f"[{_NONCHARACTERS}]"),
    "KB112": re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"),
}
#: Code -> the characters it refuses, in identifying text (ids and names) only.
IDENTIFYING = {
    "KB113": re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"),
    "KB114": re.compile("[\u200b-\u200d\u2060-\u2064\ufeff\U000e0000-\U000e007f]"),
}
_WHAT = {
    "KB110": "a lone surrogate, half of a UTF-16 pair, which is not text",
    "KB111": "a noncharacter, which is not text",
    "KB112": "a control character",
    "KB113": "a bidirectional control, which reorders how the text is displayed",
    "KB114": "an invisible character, which makes different names look the same",
}


class Problem(NamedTuple):
    code: str
    position: int  # index of the first offending character in the string
    message: str


def describe(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE`` (the code point, and its name where it has one)."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _message(code: str, text: str, index: int) -> str:
    ch = text[index]
    message = f"character {index + 1} is {describe(ch)}, {_WHAT[code]}"
    following = text[index + 1 : index + 2]
    if code == "KB110" and "\ud800" <= ch <= "\udbff" and "\udc00" <= following <= "\udfff":
        pair = (ord(ch) - 0xD800) * 0x400 + (ord(following) - 0xDC00) + 0x10000
        message += (
            f"; \\u{ord(ch):04x}\\u{ord(following):04x} is JSON's way to write one character: "
            f'in YAML write "\\U{pair:08X}" or {chr(pair)} itself'
        )
    return message


def problems(text: str, *, identifying: bool = False) -> list[Problem]:
    """What is wrong with the characters of ``text``: one problem per class, at its first character."""
    classes = {**ANY_STRING, **IDENTIFYING} if identifying else ANY_STRING
    out = []
    for code, pattern in classes.items():
        found = pattern.search(text)
        if found is not None:
            out.append(Problem(code, found.start(), _message(code, text, found.start())))
    return out


def visible(text: str) -> str:
    """``text`` with every non-printable character (controls, surrogates, bidi and invisible
    characters, line breaks) written as an escape, so it is safe to show in a terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
