"""`ssl-kb quiz`: scripted answers on stdin, exports, the committed bank check, interruption."""

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
from pathlib import Path

import pytest

from ssl_kb.cli.quiz import parse_answer
from ssl_kb.quiz.history import History

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
    assert "Review your mistakes" in out.stdout and questions[1]["prompt"] in out.stdout
    assert "is not an option" in out.stdout
    assert "Traceback" not in out.stderr
    with History(Path(data_dir["SSL_KB_DATA_DIR"]) / "history.sqlite") as history:
        assert history.card(questions[1]["id"]).last_correct is False
        assert history.card(questions[0]["id"]).box == 2


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


def test_review_asks_missed_questions_first(data_dir: dict[str, str]) -> None:
    questions = _answers(3, 3)
    wrong = "abcd"[(questions[0]["answer"] + 1) % 4]
    run(
        "quiz",
        "--kb",
        str(FIXTURE),
        "--topic",
        "masked-predictions",
        "--n",
        "3",
        "--seed",
        "3",
        stdin=f"{wrong}\nq\n",
        env_extra=data_dir,
    )
    out = run(
        "quiz",
        "--kb",
        str(FIXTURE),
        "--topic",
        "masked-predictions",
        "--review",
        "--n",
        "1",
        stdin="a\n",
        env_extra=data_dir,
    )
    assert out.returncode == 0, out.stderr
    assert questions[0]["prompt"] in out.stdout


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
        assert h.card(questions[0]["id"]).right == 1


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
