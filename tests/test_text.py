"""Text: the characters record strings may not hold, and how diagnostics show record text."""

from __future__ import annotations

import pytest

from ssl_kb.diagnostics import make
from ssl_kb.text import problems, visible


@pytest.mark.parametrize(
    ("text", "identifying", "codes"),
    [
        ("MAE 😀 掩码 مرحبا e\u0301 \t\n\r", True, []),
        ("👩🏽\u200d🔬 \u200f prose keeps ZWJ and RLM", False, []),
        ("a\ud83d", False, ["KB110"]),
        ("\ufffe \ufdd0 \U0010ffff", False, ["KB111"]),
        ("\x00 \x1b \x7f \x85 \x9f", False, ["KB112"]),
        ("\u202e \u2066 \u200e \u061c", True, ["KB113"]),
        ("\u200b \u2060 \ufeff \U000e0041", True, ["KB114"]),
        ("\u202e\u200b\x01", False, ["KB112"]),
        ("\u202e\u200b\x01", True, ["KB112", "KB113", "KB114"]),
    ],
)
def test_problems(text: str, identifying: bool, codes: list[str]) -> None:
    assert [p.code for p in problems(text, identifying=identifying)] == codes


def test_a_json_surrogate_pair_gets_the_character_to_write() -> None:
    (problem,) = problems("MAE \ud83d\ude00")
    assert problem.position == 4 and "U+D83D" in problem.message
    assert '"\\U0001F600"' in problem.message and "😀" in problem.message


def test_diagnostics_show_record_text_escaped() -> None:
    assert visible("MAE 😀 掩码") == "MAE 😀 掩码"
    assert visible("a\x1b[2J\nb\ud800\u202e") == "a\\x1b[2J\\nb\\ud800\\u202e"
    diagnostic = make("kb/x.yaml", (1, 1), "KB100", "col\x1b[0mour\nkb/y.yaml:1:1: KB000", "unknown field")
    assert "\x1b" not in diagnostic.to_text() and len(diagnostic.to_text().splitlines()) == 2
    diagnostic.to_text().encode("utf-8")  # no lone surrogate reaches the report
