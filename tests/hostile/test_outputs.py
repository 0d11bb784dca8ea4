"""Output folders are not the user's folders, and permissions follow the user's umask.

``--out`` of every command may replace only what ssl-kb made: the KB, the project, any folder
that holds them and any folder or file that ssl-kb did not write are refused with a located
message (exit 1, no traceback), and nothing changes.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from .conftest import output_hashes, ssl_kb


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def refused(proc, *words: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "error: " in proc.stderr and "hint: " in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("out", "words"),
    [
        ("kb", ["--out kb", "is the knowledge base"]),
        (".", ["is the project folder"]),
        ("..", ["contains the project"]),
        ("/", ["contains the project"]),
        ("kb/methods", ["inside the knowledge base"]),
        ("kb/new-folder", ["inside the knowledge base"]),
        ("build/docs", ["overlaps another output"]),
        ("quizzes", ["overlaps another output"]),
    ],
)
def test_build_out_never_replaces_the_kb_or_the_project(project: Path, out: str, words: list[str]) -> None:
    kb_before = tree_hashes(project / "kb")
    before = output_hashes(project)
    proc = ssl_kb("build", "--kb", "kb", "--out", out, cwd=project)
    refused(proc, *words)
    assert tree_hashes(project / "kb") == kb_before
    assert output_hashes(project) == before
    assert not (project / "kb" / "new-folder").exists()
    check = ssl_kb("check", "--kb", "kb", cwd=project)
    assert check.returncode == 0 and "21 records" in check.stderr, check.stderr


def test_build_out_refuses_a_folder_of_the_users_files(project: Path) -> None:
    mine = project / "mydocs"
    mine.mkdir()
    (mine / "thesis.tex").write_text("my work", encoding="utf-8")
    proc = ssl_kb("build", "--kb", "kb", "--out", "mydocs", cwd=project)
    refused(proc, "--out mydocs", "did not write")
    assert tree_hashes(mine) == {"thesis.tex": hashlib.sha256(b"my work").hexdigest()}


def test_build_out_refuses_a_file_and_a_mount_point(project: Path) -> None:
    (project / "notes.txt").write_text("keep", encoding="utf-8")
    refused(ssl_kb("build", "--kb", "kb", "--out", "notes.txt", cwd=project), "is not a folder")
    assert (project / "notes.txt").read_text(encoding="utf-8") == "keep"
    mount = Path("/proc")  # always a mount point
    refused(ssl_kb("build", "--kb", "kb", "--out", str(mount), cwd=project), "mount point")


def test_build_out_replaces_its_own_earlier_output_and_an_empty_folder(project: Path) -> None:
    (project / "public").mkdir()
    first = ssl_kb("build", "--kb", "kb", "--out", "public", cwd=project)
    assert first.returncode == 0, first.stderr
    assert (project / "public" / "index.html").is_file()
    assert (project / "public" / ".ssl-kb-output").is_file()
    again = ssl_kb("build", "--kb", "kb", "--out", "public", cwd=project)
    assert again.returncode == 0, again.stderr


def test_an_output_folder_of_an_older_ssl_kb_without_marker_is_still_replaced(project: Path) -> None:
    (project / "site" / ".ssl-kb-output").unlink()
    (project / "quizzes" / ".ssl-kb-output").unlink()
    proc = ssl_kb("build", "--kb", "kb", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "site" / ".ssl-kb-output").is_file()
    assert (project / "quizzes" / ".ssl-kb-output").is_file()


@pytest.mark.parametrize("fmt", ["json", "md", "gift", "qti", "qti21", "anki"])
def test_quiz_out_refuses_folders_records_and_foreign_files(project: Path, fmt: str) -> None:
    record = project / "kb" / "methods" / "mae.yaml"
    text = record.read_bytes()
    refused(ssl_kb("quiz", "--kb", "kb", "--format", fmt, "--out", "kb", cwd=project), "is a folder")
    refused(
        ssl_kb("quiz", "--kb", "kb", "--format", fmt, "--out", "kb/methods/mae.yaml", cwd=project),
        "record file",
    )
    assert record.read_bytes() == text
    (project / "report.txt").write_text("not a quiz", encoding="utf-8")
    refused(
        ssl_kb("quiz", "--kb", "kb", "--format", fmt, "--out", "report.txt", cwd=project),
        "not an earlier ssl-kb output",
    )
    assert (project / "report.txt").read_text(encoding="utf-8") == "not a quiz"
    for _ in range(2):  # an earlier export of ssl-kb is replaced
        proc = ssl_kb("quiz", "--kb", "kb", "--format", fmt, "--out", f"deck.{fmt}", cwd=project)
        assert proc.returncode == 0, proc.stderr


def test_schema_out_refuses_records_and_folders(project: Path) -> None:
    record = project / "kb" / "methods" / "mae.yaml"
    text = record.read_bytes()
    refused(ssl_kb("schema", "--kb", "kb", "--out", "kb/methods/mae.yaml", cwd=project), "record file")
    refused(ssl_kb("schema", "--kb", "kb", "--out", "kb", cwd=project), "is a folder")
    assert record.read_bytes() == text
    for _ in range(2):
        proc = ssl_kb("schema", "--kb", "kb", "--out", "kb/schema.json", cwd=project)
        assert proc.returncode == 0, proc.stderr


def test_quiz_write_bank_refuses_a_quizzes_folder_of_the_users(project: Path) -> None:
    quizzes = project / "quizzes"
    for path in quizzes.iterdir():
        path.unlink()
    (quizzes / "my-notes.md").write_text("mine", encoding="utf-8")
    refused(ssl_kb("quiz", "--kb", "kb", "--write-bank", cwd=project), "did not write")
    assert tree_hashes(quizzes) == {"my-notes.md": hashlib.sha256(b"mine").hexdigest()}


def modes(root: Path) -> dict[str, int]:
    found = {}
    for name in ("site", "quizzes", "build/docs", "build/theme", "build/ssl-kb.sqlite", "build/mkdocs.yml"):
        path = root / name
        found[name] = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            first = next(p for p in sorted(path.rglob("*")) if p.is_file())
            found[f"{name}/*"] = stat.S_IMODE(first.stat().st_mode)
    return found


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_outputs_get_the_users_umask(project: Path, umask: int) -> None:
    (project / "kb" / "concepts" / "new-concept.yaml").write_text(
        "id: new-concept\nkind: concept\nname: New concept\nsummary: So that the outputs change.\n"
        "topics: [masked-predictions]\n",
        encoding="utf-8",
    )
    proc = ssl_kb("build", "--kb", "kb", cwd=project, preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr
    db = ssl_kb("db", "--kb", "kb", cwd=project, preexec_fn=lambda: os.umask(umask))
    assert db.returncode == 0, db.stderr
    folder, file = 0o777 & ~umask, 0o666 & ~umask
    for name, mode in modes(project).items():
        is_dir = (project / name).is_dir() if not name.endswith("/*") else False
        assert mode == (folder if is_dir else file), f"{name}: {oct(mode)}"


def test_db_replaces_only_an_ssl_kb_store(project: Path) -> None:
    (project / "notes.txt").write_text("keep", encoding="utf-8")
    refused(ssl_kb("db", "--kb", "kb", "--url", "sqlite:///notes.txt", cwd=project), "not an ssl-kb store")
    assert (project / "notes.txt").read_text(encoding="utf-8") == "keep"
    record = project / "kb" / "methods" / "mae.yaml"
    text = record.read_bytes()
    proc = ssl_kb("db", "--kb", "kb", "--url", "sqlite:///kb/methods/mae.yaml", cwd=project)
    assert proc.returncode == 1 and "inside the knowledge base" in proc.stderr, proc.stderr
    assert record.read_bytes() == text
    import sqlite3

    conn = sqlite3.connect(project / "theirs.db")
    conn.execute("CREATE TABLE paper (title TEXT)")
    conn.execute("INSERT INTO paper VALUES ('mine')")
    conn.commit()
    conn.close()
    refused(ssl_kb("db", "--kb", "kb", "--url", "sqlite:///theirs.db", cwd=project), "not an ssl-kb store")
    conn = sqlite3.connect(project / "theirs.db")
    assert conn.execute("SELECT title FROM paper").fetchall() == [("mine",)]
    conn.close()
    for _ in range(2):  # a new file, then the store it now holds
        proc = ssl_kb("db", "--kb", "kb", "--url", "sqlite:///mine.sqlite", cwd=project)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.postgres
def test_db_never_drops_a_foreign_table_on_postgresql(project: Path, pg_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE paper (title TEXT)"))
        conn.execute(text("INSERT INTO paper VALUES ('mine')"))
    proc = ssl_kb("db", "--kb", "kb", "--url", pg_url, cwd=project)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "ssl-kb did not write" in proc.stderr, proc.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM paper")).fetchall() == [("mine",)]
    engine.dispose()


def test_db_and_build_agree_on_where_the_store_is(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    store = project / "build" / "ssl-kb.sqlite"
    store.unlink()
    proc = ssl_kb("db", "--kb", str(project / "kb"), cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert store.is_file() and not (elsewhere / "build").exists()
    check = ssl_kb("build", "--kb", str(project / "kb"), "--check", cwd=elsewhere)
    assert check.returncode == 0, check.stdout + check.stderr
    sql = ssl_kb("sql", "SELECT count(*) AS n FROM record", "--kb", str(project / "kb"), cwd=elsewhere)
    assert sql.returncode == 0 and "note: no store" not in sql.stderr, sql.stderr
