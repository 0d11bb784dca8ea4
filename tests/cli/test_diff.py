"""`ssl-kb diff REV`: what a change does to the KB: records, fields, quiz questions, pages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .invoke import invoke

REPO = Path(__file__).resolve().parents[2]
FIXTURE_KB = REPO / "tests" / "data" / "kb"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    dest = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dest)
    return dest


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_KB, root / "kb")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def diff_json(repo: Path, rev: str = "main") -> dict:
    code, out, err = invoke("diff", rev, "--kb", str(repo / "kb"), "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_diff_without_changes(repo: Path) -> None:
    data = diff_json(repo)
    assert data["records"] == {"added": [], "removed": [], "changed": []}
    assert data["questions"] == {"added": [], "removed": [], "updated": []}
    assert data["pages"] == []
    assert data["base"]["valid"] and data["head"]["valid"]
    assert re.fullmatch(r"[0-9a-f]{40}", data["base"]["commit"])


def test_diff_reports_records_fields_questions_and_pages(repo: Path) -> None:
    kb = repo / "kb"
    mae = kb / "methods" / "mae.yaml"
    mae.write_text(
        mae.read_text().replace("value: 87.8", "value: 87.9").replace("backbone: ViT-H/14\n", ""),
        encoding="utf-8",
    )
    (kb / "methods" / "simclr.yaml").unlink()
    for path in kb.rglob("*.yaml"):  # nothing may point at the removed record
        text = path.read_text()
        text = re.sub(r"\n  - target: simclr\n    type: [^\n]+\n    reason: [^\n]+", "", text)
        path.write_text(text.replace("topics: [contrastive]", "topics: []"))
    (kb / "concepts" / "probe.yaml").write_text(
        "id: probe\nkind: concept\nname: Probe\nsummary: A new concept.\ntopics: [masked-predictions]\nyear: 2015\n"
        "lineage:\n  - target: masked-prediction\n    type: extends\n    reason: a test edge\n",
        encoding="utf-8",
    )
    data = diff_json(repo)
    assert data["head"]["valid"], data["head"]["errors"]
    assert [r["id"] for r in data["records"]["added"]] == ["probe"]
    assert data["records"]["added"][0]["path"] == "concepts/probe.yaml"
    assert [r["id"] for r in data["records"]["removed"]] == ["simclr"]
    changed = {r["id"]: r for r in data["records"]["changed"]}
    assert {"field": "results[0].value", "change": "changed", "old": 87.8, "new": 87.9} in changed["mae"][
        "fields"
    ]
    assert {"field": "backbone", "change": "removed", "old": "ViT-H/14", "new": None} in changed["mae"][
        "fields"
    ]
    pages = {p["page"] for p in data["pages"]}
    assert {
        "methods/mae.md",
        "methods/simclr.md",
        "concepts/probe.md",
        "topics/masked-predictions.md",
        "concepts/masked-prediction.md",
    } <= pages
    assert data["questions"]["removed"]  # SimCLR's questions retire with it
    # the result's value decides the answer: its question keeps its id and is shown as updated
    assert any(
        q["kind"] == "result"
        and "MAE" in q["prompt"]
        and (q["old_answer"], q["answer"]) == ("87.8%", "87.9%")
        for q in data["questions"]["updated"]
    )
    assert not any(q["kind"] == "result" and "MAE" in q["prompt"] for q in data["questions"]["added"])
    assert not any(q["kind"] == "result" and "MAE" in q["prompt"] for q in data["questions"]["removed"])
    assert any("SimCLR" in q["prompt"] for q in data["questions"]["removed"])
    assert any(p.startswith("quiz/") for p in pages)

    code, out, _ = invoke("diff", "main", "--kb", str(kb))
    assert code == 0
    assert "+ probe (concept) concepts/probe.yaml" in out
    assert "- simclr (method) methods/simclr.yaml" in out
    assert "results[0].value: 87.8 -> 87.9" in out
    assert "methods/mae.md" in out


def test_diff_lists_are_aligned(repo: Path) -> None:
    vit = repo / "kb" / "methods" / "vit.yaml"
    text = vit.read_text()
    assert "topics: [" in text
    vit.write_text(re.sub(r"topics: \[([^\]]*)\]", r"topics: [contrastive, \1]", text, count=1))
    changed = {r["id"]: r for r in diff_json(repo)["records"]["changed"]}
    assert changed["vit"]["fields"] == [
        {"field": "topics[0]", "change": "added", "old": None, "new": "contrastive"}
    ]


def test_diff_against_an_invalid_revision_says_so(repo: Path) -> None:
    kb = repo / "kb"
    mae = kb / "methods" / "mae.yaml"
    good = mae.read_text()
    mae.write_text(good.replace("year: 2021", "year: 2999", 1))
    git(repo, "commit", "-q", "-am", "broken")
    mae.write_text(good)
    code, out, err = invoke("diff", "main", "--kb", str(kb))
    assert code == 0
    assert "does not validate" in err and "does not validate" in out
    assert "main:kb/methods/mae.yaml:" in out and "KB103" in out
    assert "paper.year: 2999 -> 2021" in out
    data = diff_json(repo)
    assert data["base"]["valid"] is False and data["base"]["errors"][0]["code"] == "KB103"
    assert data["questions"] is None


def test_diff_reads_unreadable_records_as_such(repo: Path) -> None:
    (repo / "kb" / "methods" / "mae.yaml").write_bytes(b"\xff\xfe not yaml")
    data = diff_json(repo)
    changed = {r["id"]: r for r in data["records"]["changed"]}
    assert changed["mae"]["unreadable"] == "working tree"


def test_diff_bad_revision_is_bad_usage(repo: Path) -> None:
    code, _, err = invoke("diff", "no-such-branch", "--kb", str(repo / "kb"))
    assert code == 2 and "unknown revision" in err
    code, _, err = invoke("diff", "--", "--output=/tmp/x", "--kb", str(repo / "kb"))
    assert code == 2


def test_diff_outside_git_is_bad_usage(kb: Path) -> None:
    code, _, err = invoke("diff", "main", "--kb", str(kb))
    assert code == 2 and "not inside a git repository" in err


def test_diff_when_the_kb_folder_is_new(repo: Path) -> None:
    """A revision from before kb/ existed: every record is added."""
    (repo / "README").write_text("x")
    git(repo, "checkout", "-q", "--orphan", "empty")
    git(repo, "rm", "-rq", "--cached", "kb")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "no kb")
    data = diff_json(repo, "empty")
    assert len(data["records"]["added"]) == 21
