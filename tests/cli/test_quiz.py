"""`ssl-kb quiz`: scripted answers on stdin, exports, the committed bank check, interruption, and the
screen: lines wrapped at the terminal width with hanging indents, piped answers echoed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fsrs import Rating, State
from rich.cells import cell_len

from ssl_kb.cli.quiz import parse_answer, parse_reply, wrap
from ssl_kb.quiz.history import History

from .invoke import run as in_process

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "kb"


def run(
    *args: str, stdin: str = "", env_extra: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "ssl_kb", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> dict[str, str]:
    return {"SSL_KB_DATA_DIR": str(tmp_path / "data")}


def test_parse_answer_accepts_letters_and_numbers() -> None:
    assert parse_answer("b", 4) == 1
    assert parse_answer(" C \n", 4) == 2
    assert parse_answer("4", 4) == 3
    assert parse_answer("a)", 4) == 0
    assert parse_answer("5", 4) is None
    assert parse_answer("e", 4) is None
    assert parse_answer("", 4) is None
    assert parse_answer("²", 4) is None  # a digit to str.isdigit, not to int()


def test_a_mark_after_the_answer_says_easy_or_hard() -> None:
    assert parse_reply("b+", 4) == (1, "+") and parse_reply(" C- ", 4) == (2, "-")
    assert parse_reply("2", 4) == (1, "") and parse_reply("a)+", 4) == (0, "+")
    assert parse_reply("+", 4) is None and parse_reply("e+", 4) is None and parse_reply("b*", 4) is None


def _answers(seed: int, n: int) -> list[dict[str, object]]:
    out = run(
        "quiz",
        "--kb",
        str(FIXTURE),
        "--topic",
        "masked-predictions",
        "--n",
        str(n),
        "--seed",
        str(seed),
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["questions"]


def test_scripted_quiz_scores_right_answers(data_dir: dict[str, str]) -> None:
    questions = _answers(7, 4)
    letters = "abcd"
    # right, wrong, an invalid line then right, right
    lines = [
        letters[questions[0]["answer"]],
        letters[(questions[1]["answer"] + 1) % 4],
        "zz",
        str(questions[2]["answer"] + 1),
        letters[questions[3]["answer"]],
    ]
    out = run(
        "quiz",
        "--kb",
        str(FIXTURE),
        "--topic",
        "masked-predictions",
        "--n",
        "4",
        "--seed",
        "7",
        stdin="\n".join(lines) + "\n",
        env_extra=data_dir,
    )
    assert out.returncode == 0, out.stderr
    assert "Score: 3/4" in out.stdout
    assert "Review your mistakes" in out.stdout and _flat(questions[1]["prompt"]) in _flat(out.stdout)
    assert "is not an option" in out.stdout
    assert "Traceback" not in out.stderr
    with History(Path(data_dir["SSL_KB_DATA_DIR"]) / "history.sqlite") as history:
        assert [r.rating for r in history.reviews(questions[1]["id"])] == [Rating.Again]
        assert [r.rating for r in history.reviews(questions[0]["id"])] == [Rating.Good]
        assert history.card(questions[0]["id"]).state is State.Review


def test_feedback_points_at_the_command_and_the_built_page(data_dir: dict[str, str], tmp_path: Path) -> None:
    out = run("quiz", "--kb", str(FIXTURE), "-n", "3", "--seed", "2", stdin="a\na\na\n", env_extra=data_dir)
    assert out.returncode == 0, out.stderr
    pages = re.findall(
        r"read more: `ssl-kb show ([a-z0-9-]+)` \(site: ([a-z]+/[a-z0-9-]+\.html)\)", out.stdout
    )
    assert len(pages) == 3, out.stdout
    shutil.copytree(FIXTURE, tmp_path / "kb")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    build = run("build", "--kb", str(tmp_path / "kb"), cwd=tmp_path, env_extra=data_dir)
    assert build.returncode == 0, build.stderr
    for rid, page in pages:
        assert page.endswith(f"/{rid}.html") and (tmp_path / "site" / page).is_file(), page


def test_review_asks_a_missed_question_once_it_is_due_again(data_dir: dict[str, str]) -> None:
    questions = _answers(3, 3)
    wrong = "abcd"[(questions[0]["answer"] + 1) % 4]
    quiz = ("quiz", "--kb", str(FIXTURE), "--topic", "masked-predictions")
    first = run(
        *quiz, "--n", "3", "--seed", "3", stdin=f"{wrong}\nq\n", env_extra={**data_dir, NOW_ENV: DAY_1}
    )
    assert first.returncode == 0 and "next review: in 1 minute" in first.stdout, first.stderr
    hour_later = {**data_dir, NOW_ENV: "2025-03-01T10:00:00+00:00"}
    out = run(*quiz, "--review", "--n", "1", stdin="a\n", env_extra=hour_later)  # --n: --limit's alias
    assert out.returncode == 0, out.stderr
    assert "review of 1 questions (1 due, 0 new)" in out.stderr
    assert _flat(questions[0]["prompt"]) in _flat(out.stdout)


NOW_ENV = "SSL_KB_NOW"
DAY_1, DAY_2 = "2025-03-01T09:00:00+00:00", "2025-03-02T09:00:00+00:00"
REVIEW = (
    "quiz",
    "--kb",
    str(FIXTURE),
    "--topic",
    "masked-predictions",
    "--deck",
    "all",
    "--review",
    "--seed",
    "5",
)


def _asked(history_file: Path, day: str) -> list[tuple[str, bool]]:
    """The questions answered at ``day`` (SSL_KB_NOW fixes the time of each), in order, and
    whether each answer was right."""
    at = datetime.fromisoformat(day)
    with History(history_file) as h:
        return [(r.question_id, r.correct) for r in h.reviews() if r.at == at]


def test_review_over_two_simulated_days(data_dir: dict[str, str]) -> None:
    """Day 1: six new questions, some answered right, some wrong. Day 2: the missed ones are due
    and asked first; the right ones are not due (FSRS gives them two days); then new ones."""
    env1, env2 = {**data_dir, NOW_ENV: DAY_1}, {**data_dir, NOW_ENV: DAY_2}
    day1 = in_process(*REVIEW, "--limit", "6", stdin="a\nb\na\nb\na\nb\n", env=env1)  # valid for any question
    assert "review of 6 questions (0 due, 6 new)" in day1.stderr
    history_file = Path(data_dir["SSL_KB_DATA_DIR"]) / "history.sqlite"
    asked1 = _asked(history_file, DAY_1)
    missed = [q for q, right in asked1 if not right]
    known = {q for q, right in asked1 if right}
    assert len(asked1) == 6 and missed and known  # the seed gives both: the test would say if not
    assert "next review: in 2 days" in day1.stdout and "next review: in 1 minute" in day1.stdout

    same_day = in_process(*REVIEW, "--limit", "6", stdin="q\n", env=env1)
    assert "(0 due, 6 new)" in same_day.stderr  # a minute has not passed: nothing is due yet

    day2 = in_process(*REVIEW, "--limit", "8", stdin="a\n" * 8, env=env2)
    assert f"review of 8 questions ({len(missed)} due, {8 - len(missed)} new)" in day2.stderr
    asked2 = [q for q, _ in _asked(history_file, DAY_2)]
    assert sorted(asked2[: len(missed)]) == sorted(missed)  # due first (since the same minute: in bank order)
    assert not set(asked2) & known and not set(asked2[len(missed) :]) & set(missed)
    assert len(asked2) == len(set(asked2)) == 8


def test_limit_caps_the_session_and_goes_with_review(data_dir: dict[str, str]) -> None:
    env = {**data_dir, NOW_ENV: DAY_1}
    out = in_process(*REVIEW, "--limit", "2", stdin="a\n" * 5, env=env)
    assert "review of 2 questions" in out.stderr and out.stdout.count("Question ") == 2
    assert "Question 2/2" in out.stdout
    bad = in_process("quiz", "--kb", str(FIXTURE), "--limit", "2", code=2, env=env)
    assert "--limit caps a --review session" in bad.stderr


def test_marks_rate_a_right_answer_easy_or_hard(data_dir: dict[str, str]) -> None:
    questions = _answers(7, 4)
    letters = ["abcd"[q["answer"]] for q in questions]
    wrong = "abcd"[(questions[3]["answer"] + 1) % 4]
    stdin = f"{letters[0]}+\n{letters[1]}-\n{letters[2]}\n{wrong}+\n"
    args = ("quiz", "--kb", str(FIXTURE), "--topic", "masked-predictions", "--n", "4", "--seed", "7")
    out = in_process(*args, stdin=stdin, env={**data_dir, NOW_ENV: DAY_1})
    assert "add + if it was easy or - if it was hard (b+, b-)" in out.stderr
    with History(Path(data_dir["SSL_KB_DATA_DIR"]) / "history.sqlite") as h:
        ratings = [h.reviews(q["id"])[0].rating for q in questions]
        cards = [h.card(q["id"]) for q in questions]
    assert ratings == [Rating.Easy, Rating.Hard, Rating.Good, Rating.Again]  # wrong is Again, mark or not
    assert cards[0].due > cards[2].due > cards[1].due


def test_a_bad_now_is_a_usage_error(data_dir: dict[str, str]) -> None:
    out = in_process(*REVIEW, stdin="a\n", env={**data_dir, NOW_ENV: "tomorrow"}, code=2)
    assert "$SSL_KB_NOW is 'tomorrow', not an ISO date-time" in out.stderr and "tests and demos" in out.stderr
    assert not (Path(data_dir["SSL_KB_DATA_DIR"]) / "history.sqlite").exists()


def test_nothing_due_and_nothing_new_says_when_to_come_back(data_dir: dict[str, str]) -> None:
    env = {**data_dir, NOW_ENV: DAY_1}
    args = ("quiz", "--kb", str(FIXTURE), "--topic", "masked-predictions", "--deck", "all")
    everything = in_process(*args, "--review", "--limit", "1000", stdin="a\n" * 1000, env=env)
    total = len(_exported("--kb", str(FIXTURE), "--topic", "masked-predictions", "--deck", "all", "--all"))
    assert (
        f"review of {total} questions (0 due, {total} new)" in everything.stderr
    )  # the whole topic, answered
    out = in_process(*args, "--review", stdin="", env={**data_dir, NOW_ENV: "2025-03-01T09:00:30+00:00"})
    assert (
        "nothing is due for review and every question has been seen (the next is due in 1 minute)"
        in out.stderr
    )


def _answered(history_file: Path, question_id: str) -> bool:
    """Whether the quiz has saved an answer to the question, read without a lock and without
    creating anything (opening a History would, racing the quiz that creates the file)."""
    try:
        db = sqlite3.connect(f"file:{history_file}?mode=ro", uri=True)
        try:
            return (
                db.execute("SELECT 1 FROM card WHERE question_id = ?", (question_id,)).fetchone() is not None
            )
        finally:
            db.close()
    except sqlite3.Error:  # not created yet, or its tables not yet
        return False


# `python -m` this module: the quiz, with SIGINT raised inside the first code that runs from a
# string (``exec``) after the first answer: a dataclass built while the feedback's modules are
# imported. CPython then killed `python -m` by SIGINT at exit despite the handled interrupt.
SIGINT_IN_EXEC = """
import builtins, sys
from ssl_kb.cli import main
from ssl_kb.quiz import history

answered, fired = [], []
real_record, real_exec = history.History.record, builtins.exec
def record(self, *args, **kwargs):
    real_record(self, *args, **kwargs)
    answered.append(True)
def exec_(source, *args, **kwargs):
    if answered and not fired and isinstance(source, str):
        fired.append(True)
        source = "__import__('os').kill(__import__('os').getpid(), 2)\\n" + source
    return real_exec(source, *args, **kwargs)
history.History.record, builtins.exec = record, exec_
main(sys.argv[1:])
"""


QUIZ_11 = ("--topic", "masked-predictions", "--n", "3", "--seed", "11")


def test_ctrl_c_inside_code_run_from_a_string_still_exits_130(
    data_dir: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "sigint_in_exec.py").write_text(SIGINT_IN_EXEC, encoding="utf-8")
    questions = _answers(11, 3)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-m", "sigint_in_exec", "quiz", "--kb", str(FIXTURE), *QUIZ_11],
        input="abcd"[questions[0]["answer"]] + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **data_dir, "PYTHONPATH": path},
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 130, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr and "saved" in out.stderr


def test_ctrl_c_keeps_answers_already_given(data_dir: dict[str, str]) -> None:
    questions = _answers(11, 3)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ssl_kb",
            "quiz",
            "--kb",
            str(FIXTURE),
            "--topic",
            "masked-predictions",
            "--n",
            "3",
            "--seed",
            "11",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **data_dir},
        cwd=ROOT,
    )
    assert proc.stdin is not None
    proc.stdin.write("abcd"[questions[0]["answer"]] + "\n")
    proc.stdin.flush()
    history_file = Path(data_dir["SSL_KB_DATA_DIR"]) / "history.sqlite"
    deadline = time.time() + 60
    while time.time() < deadline and not _answered(history_file, str(questions[0]["id"])):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in stderr and "saved" in stderr
    with History(history_file) as h:
        assert [r.correct for r in h.reviews(questions[0]["id"])] == [True]


@pytest.mark.parametrize("fmt", ["json", "md", "gift"])
def test_text_exports_to_stdout_are_deterministic(fmt: str) -> None:
    a = run("quiz", "--kb", str(FIXTURE), "--topic", "masked-predictions", "--format", fmt, "--n", "5")
    b = run("quiz", "--kb", str(FIXTURE), "--topic", "masked-predictions", "--format", fmt, "--n", "5")
    assert a.returncode == 0 and a.stdout == b.stdout and a.stdout


def test_binary_exports_need_out(tmp_path: Path) -> None:
    out = run("quiz", "--kb", str(FIXTURE), "--format", "qti")
    assert out.returncode == 2 and "--out" in out.stderr
    out = run("quiz", "--kb", str(FIXTURE), "--format", "qti", "--out", str(tmp_path / "q.zip"), "--all")
    assert out.returncode == 0 and (tmp_path / "q.zip").stat().st_size > 0


def test_bad_usage_is_exit_2_and_unknown_topic_exit_1() -> None:
    assert run("quiz", "--kb", str(FIXTURE), "--kinds", "nope").returncode == 2
    out = run("quiz", "--kb", str(FIXTURE), "--topic", "no-such-topic")
    assert out.returncode == 1 and "masked-predictions" in out.stderr and "Traceback" not in out.stderr


def test_check_detects_a_stale_bank(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "kb")
    kb = str(tmp_path / "kb")
    assert run("quiz", "--kb", kb, "--check").returncode == 1  # no bank yet
    assert run("quiz", "--kb", kb, "--write-bank").returncode == 0
    assert run("quiz", "--kb", kb, "--check").returncode == 0
    simclr = tmp_path / "kb" / "methods" / "simclr.yaml"
    simclr.write_text(simclr.read_text().replace("value: 76.5", "value: 74.2"))
    out = run("quiz", "--kb", kb, "--check")
    assert out.returncode == 1 and "contrastive.json" in out.stderr


def test_committed_bank_is_up_to_date() -> None:
    out = run("quiz", "--check")
    assert out.returncode == 0, out.stderr[-2000:]


# ---------------------------------------------------------------------------- the screen: wrapping and echo

NARROW = 40
# "why" questions of the real kb/ have options of a sentence or two: long enough to wrap
LONG_OPTIONS = ("--kinds", "why", "--n", "3", "--seed", "5")
OPTION = re.compile(r"^  ([a-j])\) (\S.*)$")


def _piped(*args: str, stdin: str, tmp_path: Path, columns: str | None = str(NARROW)) -> list[str]:
    """The quiz's stdout lines, answers piped in (not a terminal), run in-process."""
    env = {"COLUMNS": columns, "SSL_KB_DATA_DIR": str(tmp_path / "data")}
    return in_process("quiz", *args, stdin=stdin, env=env).stdout.splitlines()


def _exported(*args: str) -> list[dict[str, Any]]:
    return json.loads(in_process("quiz", *args, "--format", "json").stdout)["questions"]


def _hanging(lines: list[str], start: int, indent: int, stop: str = "\0") -> tuple[str, int]:
    """The text of the block at ``lines[start]``: its first line after ``indent`` cells, joined with
    the lines that follow it and start with exactly ``indent`` spaces (up to one starting with
    ``stop``); and how many of those there are."""
    parts, end = [lines[start][indent:]], start + 1
    while end < len(lines) and re.match(rf" {{{indent}}}\S", lines[end]) and not lines[end].startswith(stop):
        parts.append(lines[end][indent:])
        end += 1
    return " ".join(parts), end - start - 1


def _flat(text: str) -> str:
    return " ".join(text.split())


def _longest_wrong(q: dict[str, Any]) -> int:
    return max((i for i in range(len(q["options"])) if i != q["answer"]), key=lambda i: len(q["options"][i]))


def test_wrap_hangs_continuation_lines_under_the_text() -> None:
    lines = [t.plain for t in wrap("one two three four five six seven eight", 30, first="  a) ", indent=5)]
    assert lines == ["  a) one two three four five", "     six seven eight"]


def test_wrap_cuts_only_a_word_longer_than_a_line() -> None:
    word = "x" * 50
    lines = [t.plain for t in wrap(f"short {word} end", 25, first="- ", indent=2)]
    assert all(len(line) <= 25 for line in lines), lines
    assert lines[0].startswith("- short x") and all(line.startswith("  ") for line in lines[1:])
    assert "".join(line[2:] for line in lines) == f"short {word} end"  # cut pieces join back up
    assert [t.plain for t in wrap("aaaa bbbb", 24, first="- ", indent=2)] == ["- aaaa bbbb"]
    first = "Not quite: the answer is a) "  # a long first part: the word goes whole to the next line
    assert [t.plain for t in wrap("Transformer encoder", 30, first=first, indent=2)] == [
        first.rstrip(),
        "  Transformer encoder",
    ]


def test_wrap_measures_cells_and_keeps_no_break_spaces() -> None:
    wide = [t.plain for t in wrap("日本語の文章 " * 3, 26, indent=2)]  # 12 cells a word, 6 characters
    assert wide == ["日本語の文章 日本語の文章", "  日本語の文章"]
    kept = [t.plain for t in wrap("word 75\u00a0% ratio", 21, first="x" * 14)]
    assert kept == ["x" * 14 + "word", "75\u00a0% ratio"]


def test_wrap_keeps_some_text_on_a_tiny_terminal_and_line_breaks() -> None:
    lines = [t.plain for t in wrap("alpha beta gamma delta epsilon zeta", 3, first="  a) ", indent=5)]
    assert len(lines) > 1 and all(line.startswith("     ") for line in lines[1:])
    assert _flat(" ".join(lines)) == "a) alpha beta gamma delta epsilon zeta"
    assert [t.plain for t in wrap("first\nsecond", 40, first="- ", indent=2)] == ["- first", "  second"]


def test_narrow_terminal_wraps_options_with_a_hanging_indent(tmp_path: Path) -> None:
    questions = _exported(*LONG_OPTIONS)
    answers = "".join("abcd"[_longest_wrong(q)] + "\n" for q in questions)
    lines = _piped(*LONG_OPTIONS, stdin=answers, tmp_path=tmp_path)
    assert lines and all(cell_len(line) <= NARROW for line in lines), [x for x in lines if len(x) > NARROW]
    shown, wrapped = [], 0
    for i, line in enumerate(lines):
        if OPTION.match(line):
            text, continued = _hanging(lines, i, 5)
            shown.append(text)
            wrapped += continued
    assert shown == [option for q in questions for option in q["options"]]
    assert wrapped > 0  # some option is longer than a line: the test shows a wrapped one
    flat = _flat("\n".join(lines))
    for q in questions:  # no word cut: each text reads whole once the line breaks are undone
        assert _flat(q["prompt"]) in flat and _flat(q["explanation"]) in flat


def test_piped_answers_are_echoed_after_the_options(tmp_path: Path) -> None:
    questions = _exported(*LONG_OPTIONS)
    first = "abcd"[questions[0]["answer"]]
    lines = _piped(*LONG_OPTIONS, stdin=f"zz\n{first.upper()}\nq\n", tmp_path=tmp_path)
    echoes = [i for i, line in enumerate(lines) if line.startswith(">")]
    assert [lines[i] for i in echoes] == ["> zz", f"> {first.upper()}", "> q"]
    assert OPTION.match(lines[echoes[0] - 1]) or lines[echoes[0] - 1].startswith("     ")
    assert "'zz' is not an option" in lines[echoes[0] + 1]
    assert lines[echoes[1] + 1].startswith("Right.")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_answers_typed_at_a_terminal_follow_the_prompt(data_dir: dict[str, str]) -> None:
    questions = _exported(*LONG_OPTIONS)
    answer = "abcd"[questions[0]["answer"]]
    leader, follower = os.openpty()  # stdin is a terminal, stdout a pipe
    try:
        os.write(leader, f"{answer}\nq\n".encode())
        out = subprocess.run(
            [sys.executable, "-m", "ssl_kb", "quiz", *LONG_OPTIONS],
            stdin=follower,
            capture_output=True,
            text=True,
            env={**os.environ, **data_dir, "COLUMNS": str(NARROW)},
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert not any(line.startswith(">") for line in lines)
    # the brackets are text, not rich markup; the answer typed at the terminal completes its line
    assert f"answer [a-d, q to stop]: {answer}" in lines and "answer [a-d, q to stop]: q" in lines
    assert all(cell_len(line) <= NARROW for line in lines)


def test_the_review_wraps_the_same_way(tmp_path: Path) -> None:
    questions = _exported(*LONG_OPTIONS)
    wrong = [_longest_wrong(q) for q in questions]
    lines = _piped(*LONG_OPTIONS, stdin="".join("abcd"[w] + "\n" for w in wrong), tmp_path=tmp_path)
    review = lines[lines.index("Review your mistakes:") + 1 :]
    assert review and all(cell_len(line) <= NARROW for line in review), review
    starts = [i for i, line in enumerate(review) if line.startswith("- ")]
    assert len(starts) == len(questions)
    wrapped = 0
    for q, chose, start in zip(questions, wrong, starts, strict=True):
        prompt, n = _hanging(review, start, 2, stop="  you chose: ")
        assert prompt == _flat(q["prompt"])
        at = start + 1 + n
        assert review[at].startswith(f"  you chose: {'abcd'[chose]}) ")
        text, n = _hanging(review, at, 16)
        assert text == q["options"][chose]
        wrapped += n
        at += 1 + n
        assert review[at].startswith(f"  answer:    {'abcd'[q['answer']]}) ")
        text, n = _hanging(review, at, 16)
        assert text == q["answer_text"]
        at += 1 + n
        explanation, _ = _hanging(review, at, 2)
        assert explanation == _flat(q["explanation"])
    assert wrapped > 0


def test_a_pipe_without_columns_wraps_at_80(tmp_path: Path) -> None:
    """Not a terminal and no COLUMNS: 80 columns, whatever terminal the test runs from."""
    args = ("--kb", str(FIXTURE), "--deck", "recall", "--kinds", "claim", "--n", "2", "--seed", "1")
    questions = _exported(*args)
    answers = "".join("ab"[1 - q["answer"]] + "\n" for q in questions)
    lines = _piped(*args, stdin=answers, tmp_path=tmp_path, columns=None)
    assert all(cell_len(line) <= 80 for line in lines)
    assert max(map(cell_len, lines)) > 60  # the long claims fill the lines


# ---------------------------------------------------------------------------- decks


def test_decks_choose_the_kinds_of_every_export() -> None:
    from ssl_kb.quiz.kinds import KINDS

    default = _exported("--topic", "vision-transformers", "--all")
    recall = _exported("--topic", "vision-transformers", "--all", "--deck", "recall")
    everything = _exported("--topic", "vision-transformers", "--all", "--deck", "all")
    assert default and recall
    assert {q["kind"] for q in default} <= {k for k, v in KINDS.items() if v.deck == "understanding"}
    assert {q["kind"] for q in recall} <= {k for k, v in KINDS.items() if v.deck == "recall"}
    assert {q["id"] for q in recall} | {q["id"] for q in default} <= {q["id"] for q in everything}
    understanding = [q for q in default if q["level"] != "remember"]
    assert len(understanding) >= 0.6 * len(default)
    for fmt in ("md", "gift"):
        out = in_process("quiz", "--topic", "vision-transformers", "--deck", "recall", "--format", fmt)
        assert out.stdout


def test_an_unknown_deck_is_a_usage_error() -> None:
    out = in_process("quiz", "--deck", "trivia", "--format", "json", code=2)
    assert "--deck must be one of understanding, recall, all" in out.stderr


def test_list_kinds_names_the_deck_and_level() -> None:
    out = in_process("quiz", "--list-kinds")
    rows = {line.split()[0]: line.split()[1:3] for line in out.stdout.splitlines()}
    assert rows["mechanism"] == ["understanding", "understand"]
    assert rows["year"] == ["recall", "remember"]
