"""Transaction: outputs staged and swapped in together, the journal, recovery and the build lock.

The end-to-end behaviour (builds killed at every point) is in tests/hostile/test_transaction.py;
these are the unit-level rules of :mod:`ssl_kb.transaction` itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssl_kb import transaction as transaction_module
from ssl_kb.errors import Busy
from ssl_kb.output import MARKER, OutputError, files_in
from ssl_kb.transaction import (
    JOURNAL,
    Transaction,
    build_lock,
    pending,
    recover,
    transaction,
)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ---------------------------------------------------------------------------- transactions


def test_transaction_swaps_every_output_in_and_cleans_up(tmp_path: Path) -> None:
    journal = tmp_path / "build" / JOURNAL
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "old.html").write_text("old")
    with transaction(journal) as txn:
        txn.file(tmp_path / "build" / "store.sqlite", b"new store")
        staged = txn.folder(tmp_path / "site")
        (staged / "index.html").write_text("new")
        txn.mark(staged, "source-digest: abc\n")
        txn.folder(tmp_path / "quizzes", {"index.json": "{}"})
        assert not (tmp_path / "quizzes").exists()  # nothing is visible before commit
        txn.commit()
    assert (tmp_path / "build" / "store.sqlite").read_bytes() == b"new store"
    assert files_in(tmp_path / "site") == {"index.html", MARKER}
    assert (tmp_path / "site" / MARKER).read_text().endswith("source-digest: abc\n")
    assert files_in(tmp_path / "quizzes") == {"index.json", MARKER}
    assert not pending(journal)
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "build") == []


def test_a_failing_block_removes_what_was_staged(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), transaction(tmp_path / JOURNAL) as txn:
        txn.folder(tmp_path / "site", {"a.html": "a"})
        txn.file(tmp_path / "store", b"x")
        raise RuntimeError("generator failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_overlapping_outputs_are_refused(tmp_path: Path) -> None:
    txn = Transaction(None)
    txn.folder(tmp_path / "build", {"a": "a"})
    with pytest.raises(OutputError, match="overlaps"):
        txn.folder(tmp_path / "build" / "site")
    with pytest.raises(OutputError, match="overlaps"):
        txn.file(tmp_path, b"x")
    txn.abort()
    assert list(tmp_path.iterdir()) == []


def test_a_failing_rename_swaps_every_output_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = tmp_path / JOURNAL
    for name in ("one", "two", "three"):
        (tmp_path / name).write_text(f"old {name}")
    real_swap = transaction_module._swap
    calls = []

    def swap(staged: Path, dest: Path, txn: str) -> None:
        calls.append(dest.name)
        if dest.name == "three":
            raise OSError(28, "No space left on device")
        real_swap(staged, dest, txn)

    monkeypatch.setattr(transaction_module, "_swap", swap)
    txn = Transaction(journal)
    for name in ("one", "two", "three"):
        txn.file(tmp_path / name, f"new {name}")
    with pytest.raises(OutputError) as caught:
        txn.commit()
    assert calls == ["one", "two", "three"]
    assert "free some disk space" in caught.value.hint
    for name in ("one", "two", "three"):
        assert (tmp_path / name).read_text() == f"old {name}"
    assert not pending(journal)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "three", "two"]


def test_a_failing_journal_write_stages_nothing(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("old")
    txn = Transaction(tmp_path / "missing-folder" / JOURNAL)  # its folder does not exist
    txn.file(tmp_path / "out", "new")
    with pytest.raises(OutputError):
        txn.commit()
    assert (tmp_path / "out").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ---------------------------------------------------------------------------- recover


def _interrupted(tmp_path: Path, swapped: int) -> tuple[Path, list[Path]]:
    """A transaction of three files killed after ``swapped`` of its swaps (journal written)."""
    journal = tmp_path / JOURNAL
    dests = [tmp_path / name for name in ("a", "b", "c")]
    for dest in dests:
        dest.write_text("old")
    txn = Transaction(journal)
    for dest in dests:
        txn.file(dest, "new")
    txn._write_journal(journal)
    for staged, dest in txn.moves[:swapped]:
        transaction_module._swap(staged, dest, txn.txn)
    return journal, dests


@pytest.mark.parametrize("swapped", [0, 1, 2, 3])
def test_recover_rolls_an_interrupted_swap_forward(tmp_path: Path, swapped: int) -> None:
    journal, dests = _interrupted(tmp_path, swapped)
    assert pending(journal)
    recover(journal, [])
    assert [d.read_text() for d in dests] == ["new", "new", "new"]
    assert not pending(journal)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]


def test_recover_half_way_through_one_swap(tmp_path: Path) -> None:
    """Killed between the two renames of one output: the old one is aside, the new one staged."""
    journal, dests = _interrupted(tmp_path, 0)
    txn = json.loads(journal.read_text())["txn"]
    dests[0].rename(tmp_path / f".a.old-{txn}")
    recover(journal, [])
    assert [d.read_text() for d in dests] == ["new", "new", "new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]


def test_recover_without_a_journal_removes_leftovers_and_restores_a_lone_old_output(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / ".site.new-0123456789ab").mkdir()
    (tmp_path / ".site.old-0123456789ab").mkdir()
    (tmp_path / ".site.render-x.tmp").write_text("tmp")
    (tmp_path / ".store.old-aaaaaaaaaaaa").write_text("the good store")
    (tmp_path / ".unrelated").write_text("kept")
    recover(tmp_path / JOURNAL, [tmp_path / "site", tmp_path / "store"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".unrelated", "site", "store"]
    assert (tmp_path / "store").read_text() == "the good store"


@pytest.mark.parametrize(
    "journal_text",
    ["not json", '{"moves": []}', '{"txn": "x", "moves": [["/etc/passwd", "/tmp/x"]]}', "[1, 2]"],
)
def test_recover_ignores_a_damaged_or_forged_journal(tmp_path: Path, journal_text: str) -> None:
    (tmp_path / "keep").write_text("keep")
    journal = tmp_path / JOURNAL
    journal.write_text(journal_text)
    recover(journal, [tmp_path / "keep"])
    assert not journal.exists()
    assert (tmp_path / "keep").read_text() == "keep"


# ---------------------------------------------------------------------------- lock


def test_build_lock_refuses_a_second_holder_until_released(tmp_path: Path) -> None:
    folder = tmp_path / "build"
    with build_lock(folder), pytest.raises(Busy, match=r"\.ssl-kb\.lock"), build_lock(folder, wait=False):
        pass
    with build_lock(folder, wait=False):
        pass
    assert (folder / ".ssl-kb.lock").is_file()


def test_build_lock_in_an_unwritable_place_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError), build_lock(tmp_path / "file" / "build"):
        pass
