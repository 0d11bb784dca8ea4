"""`ssl-kb new`: a record from the template of its kind, which lists its TODOs and passes once filled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from ssl_kb.design import FACETS
from ssl_kb.scaffold import render
from ssl_kb.schema import RecordKind

from .invoke import invoke

REPO = Path(__file__).resolve().parents[2]
FIXTURE_KB = REPO / "tests" / "data" / "kb"
HEADER = "# yaml-language-server: $schema=../schema.json\n"

# What a contributor writes in place of each placeholder (keyed by the start of the template line).
FILL = {
    'name: "TODO': "name: Probe",
    "  TODO: two to five": "  A record written from the template and filled in.",
    "  matters for the lecture.": "",
    'family: "TODO': "family: masked-image-modeling",
    '  title: "TODO': "  title: A Probe Paper",
    "  authors: [TODO]": "  authors: [Ada Lovelace]",
    "  year: TODO": "  year: 2021",
    '  arxiv: "TODO"': '  arxiv: "2111.06377"',
    '  source: "TODO': "  source: arXiv abstract page",
    "modalities: [TODO]": "modalities: [image]",
    "tasks: [TODO]": "tasks: [image classification]",
    "metrics: [TODO]": "metrics: [top-1-accuracy]",
    "order: TODO": "order: 9",
    'heading: "TODO': "heading: A heading",
    '  - "TODO: first point"': "  - A first point.",
    "higher_is_better: TODO": "higher_is_better: true",
    'unit: "TODO"': 'unit: "%"',
    # a method's design block: a test cannot know the facts, so every facet is "unknown, with a note"
    "    value: [TODO]": "    value: null",
    '    source: "TODO: section': "    note: not stated (a template filled in by a test)",
    # a vocabulary
    "  TODO: one sentence on what the facet": "  How a probe is used.",
    '  - id: "TODO"': "  - id: probe-value",
    '    name: "TODO': "    name: probe value",
    '    definition: "TODO': "    definition: A value written from the template.",
}

#: The id `ssl-kb new KIND` is given: a vocabulary's id is its facet's (the fixture's copy is removed).
NEW_ID = {kind.value: "probe" for kind in RecordKind} | {"vocabulary": "transfer"}


def fill(text: str) -> str:
    out = []
    for line in text.splitlines():
        for start, value in FILL.items():
            if line.startswith(start):
                line = value
                break
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    dest = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dest)
    (dest / "vocabularies" / f"{NEW_ID['vocabulary']}.yaml").unlink()  # to be written anew
    return dest


@pytest.mark.parametrize("kind", list(RecordKind))
def test_new_writes_a_template_that_lists_its_todos(kind: str, kb: Path) -> None:
    rid = NEW_ID[kind]
    code, out, err = invoke("new", kind, rid, "--kb", str(kb))
    assert code == 0, err
    folder = {
        "method": "methods",
        "concept": "concepts",
        "topic": "topics",
        "dataset": "datasets",
        "metric": "metrics",
        "vocabulary": "vocabularies",
    }[kind]
    path = kb / folder / f"{rid}.yaml"
    assert out.strip() == str(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    assert f"\nid: {rid}  #" in text and f"\nkind: {kind}\n" in text

    code, _, err = invoke("check", "--kb", str(kb), str(path), "--format", "text")
    assert code == 1
    found = re.findall(rf"{rid}\.yaml:(\d+):(\d+): (KB\d+) ", err)
    assert found and {c for _, _, c in found} == {"KB014"}, err
    lines = text.splitlines()
    todo_lines = [
        i - 1 if lines[i - 2].endswith(">-") else i  # a block scalar is marked at its indicator
        for i, line in enumerate(lines, 1)
        if "TODO" in line.split("#")[0]
    ]
    assert sorted({int(line) for line, _, _ in found}) == todo_lines


@pytest.mark.parametrize("kind", list(RecordKind))
def test_filled_in_template_passes(kind: str, kb: Path) -> None:
    invoke("new", kind, NEW_ID[kind], "--kb", str(kb))
    path = next(kb.rglob(f"{NEW_ID[kind]}.yaml"))
    path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert not [
        line for line in path.read_text(encoding="utf-8").splitlines() if "TODO" in line.split("#")[0]
    ]
    code, _, err = invoke("check", "--kb", str(kb), str(path))
    assert code == 0, err
    assert "KB303" not in err  # the filled-in design block counts, unknown facets and all


def test_template_field_order_and_schema_agree() -> None:
    """Every field of every kind is in its template (as a key), and nothing else is."""
    import yaml

    from ssl_kb.design import VocabularyValue
    from ssl_kb.schema import MODELS, Paper

    for kind in RecordKind:
        data = yaml.safe_load(fill(render(kind, NEW_ID[kind])))
        assert set(data) == set(MODELS[kind].model_fields), kind
        if isinstance(data.get("paper"), dict):
            assert set(data["paper"]) == set(Paper.model_fields), kind
    method = yaml.safe_load(render("method", "probe"))
    assert list(method["design"]) == [f.key for f in FACETS]  # every facet, in the schema's order
    assert method["design"]["corruption"] == {
        "value": ["TODO"],
        "ratio": None,
        "source": method["design"]["target"]["source"],
    }
    assert method["ablations"] == []
    vocabulary = yaml.safe_load(render("vocabulary", "target"))
    assert set(vocabulary["values"][0]) == set(VocabularyValue.model_fields)


def test_the_method_template_names_each_facets_vocabulary_file() -> None:
    lines = render("method", "probe").splitlines()
    for facet in FACETS:
        (line,) = [ln for ln in lines if ln.startswith(f"  {facet.key}:  #")]
        assert f"kb/vocabularies/{facet.vocabulary}.yaml" in line, line
        examples = re.findall(r"\[([a-z0-9, -]+)\]", line.split("e.g.", 1)[1])
        vocabulary = yaml.safe_load((REPO / "kb" / "vocabularies" / f"{facet.vocabulary}.yaml").read_text())
        known = {v["id"] for v in vocabulary["values"]}
        assert examples and all(v.strip() in known for e in examples for v in e.split(",")), line


def test_new_vocabulary_needs_a_facets_id(kb: Path) -> None:
    code, _, err = invoke("new", "vocabulary", "pretext", "--kb", str(kb))
    assert code == 1 and "no design facet's vocabulary" in err and "collapse-prevention" in err
    assert not (kb / "vocabularies" / "pretext.yaml").exists()
    code, _, err = invoke("new", "vocabulary", "objective", "--kb", str(kb))
    assert code == 1 and "already used by" in err


@pytest.mark.parametrize(
    "bad", ["Bad", "a/b", "..", "../x", "a..b", "-a", "a-", "a--b", "a_b", "a b", "a.yaml", "é", "x" * 65]
)
def test_new_refuses_malformed_ids(bad: str, kb: Path) -> None:
    before = sorted(kb.rglob("*"))
    code, _, err = invoke("new", "method", "--kb", str(kb), "--", bad)
    assert code == 1
    assert "error:" in err and ("malformed id" in err or "characters long" in err)
    assert sorted(kb.rglob("*")) == before


def test_new_refuses_an_existing_id(kb: Path) -> None:
    original = (kb / "methods" / "mae.yaml").read_bytes()
    code, _, err = invoke("new", "method", "mae", "--kb", str(kb))
    assert code == 1 and "already used by" in err
    code, _, err = invoke("new", "concept", "mae", "--kb", str(kb))  # any kind, any folder
    assert code == 1 and "already used by" in err
    assert (kb / "methods" / "mae.yaml").read_bytes() == original
    assert not (kb / "concepts" / "mae.yaml").exists()


def test_new_refuses_an_id_used_inside_another_file(kb: Path) -> None:
    (kb / "methods" / "renamed-file.yaml").write_text("id: hidden-id\nkind: method\n", encoding="utf-8")
    code, _, err = invoke("new", "method", "hidden-id", "--kb", str(kb))
    assert code == 1 and "renamed-file.yaml" in err


def test_new_unknown_kind_is_bad_usage(kb: Path) -> None:
    code, _, _err = invoke("new", "paper", "probe", "--kb", str(kb))
    assert code == 2
    assert not list(kb.rglob("probe.yaml"))
