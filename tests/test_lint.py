"""Lint: rules across records, on small in-memory KBs (the per-code fixtures are in test_kb.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ssl_kb.lint import Entry, lint, loss_names
from ssl_kb.loader import parse_text
from ssl_kb.validation import validate_document

REPO = Path(__file__).resolve().parents[1]


def method(rid: str, year: int, *parents: str, extra: str = "") -> tuple[str, str]:
    lineage = "".join(f"  - target: {p}\n    type: extends\n    reason: r\n" for p in parents)
    text = (
        f"id: {rid}\nkind: method\nname: {rid}\nsummary: s\ntopics: [t]\nfamily: f\nmodalities: [image]\n"
        f"paper:\n  title: T\n  authors: [A]\n  year: {year}\n  url: https://example.org/{rid}\n  source: s\n  note: no arXiv\n"
        + (f"lineage:\n{lineage}" if parents else "notes: [a root]\n")
        + extra
    )
    return f"methods/{rid}.yaml", text


TOPIC = ("topics/t.yaml", "id: t\nkind: topic\nname: T\norder: 1\nheading: H\nsummary: s\npoints: [p]\n")


def entries(*files: tuple[str, str]) -> list[Entry]:
    out = []
    for rel, text in files:
        doc = parse_text(rel, text)
        record, problems = validate_document(doc)
        assert record is not None and not problems and not doc.diagnostics, (rel, problems, doc.diagnostics)
        out.append(Entry(record, doc, Path(rel)))
    return out


def found(*files: tuple[str, str]) -> list[tuple[str, str, str]]:
    return sorted((d.path, d.code, d.field) for d in lint(entries(TOPIC, *files)))


def test_clean_lineage_has_no_problems() -> None:
    assert found(method("a", 2017), method("b", 2018, "a"), method("c", 2018, "a", "b")) == []


def test_three_cycle_is_reported_once_at_the_closing_edge() -> None:
    got = found(method("a", 2020, "c"), method("b", 2020, "a"), method("c", 2020, "b"))
    assert got == [("methods/b.yaml", "KB204", "lineage[0].target")]
    (diag,) = lint(entries(TOPIC, method("a", 2020, "c"), method("b", 2020, "a"), method("c", 2020, "b")))
    assert diag.message == "cycle a -> c -> b -> a"


def test_self_loop_is_a_cycle() -> None:
    assert found(method("a", 2020, "a")) == [("methods/a.yaml", "KB204", "lineage[0].target")]


def test_two_separate_cycles_are_both_reported() -> None:
    got = found(
        method("a", 2020, "b"), method("b", 2020, "a"), method("c", 2020, "d"), method("d", 2020, "c")
    )
    assert [code for _, code, _ in got] == ["KB204", "KB204"]


def test_long_chain_does_not_recurse() -> None:
    chain = [method("n0", 2000)] + [method(f"n{i}", 2000, f"n{i - 1}") for i in range(1, 3000)]
    assert found(*chain) == []


def test_parent_newer_than_child() -> None:
    got = lint(entries(TOPIC, method("old", 2015, "new"), method("new", 2020)))
    assert [(d.code, d.field) for d in got] == [("KB205", "lineage[0].target")]
    assert got[0].message == "old (2015) builds on new (2020), which is newer"


def test_undated_concept_parent_is_not_compared() -> None:
    concept = ("concepts/idea.yaml", "id: idea\nkind: concept\nname: Idea\nsummary: s\ntopics: [t]\n")
    assert found(method("a", 2015, "idea"), concept) == []


def test_duplicate_id_names_the_first_file() -> None:
    a = method("a", 2020)
    concept = ("concepts/a.yaml", "id: a\nkind: concept\nname: A\nsummary: s\ntopics: [t]\n")
    (diag,) = lint(entries(TOPIC, a, concept))
    assert (diag.path, diag.code) == ("concepts/a.yaml", "KB201")
    assert "methods/a.yaml" in diag.message


def test_lineage_and_topics_must_point_at_the_right_kinds() -> None:
    dataset = (
        "datasets/d.yaml",
        "id: d\nkind: dataset\nname: D\nsummary: s\nmodalities: [image]\ntasks: [x]\nmetrics: [t]\n",
    )
    got = found(method("a", 2020, "t", "d", "zz"), dataset)
    assert got == [
        ("datasets/d.yaml", "KB202", "metrics[0]"),
        ("methods/a.yaml", "KB202", "lineage[2].target"),
        ("methods/a.yaml", "KB212", "lineage[0].target"),
        ("methods/a.yaml", "KB212", "lineage[1].target"),
    ]
    rel, text = method("b", 2020)
    topic_is_method = (rel, text.replace("topics: [t]", "topics: [a]"))
    assert found(method("a", 2020), topic_is_method) == [("methods/b.yaml", "KB203", "topics[0]")]


def test_result_unit_must_match_the_metric() -> None:
    metric = (
        "metrics/acc.yaml",
        'id: acc\nkind: metric\nname: acc\nsummary: s\nhigher_is_better: true\nunit: "%"\n',
    )
    dataset = (
        "datasets/d.yaml",
        "id: d\nkind: dataset\nname: D\nsummary: s\nmodalities: [image]\ntasks: [x]\nmetrics: [acc]\n",
    )
    result = (
        "results:\n  - dataset: d\n    split: val\n    task: x\n    metric: acc\n    value: 0.5\n"
        "    unit: ratio\n    protocol: linear\n    variant: v\n    source: s\n"
    )
    assert found(method("a", 2020, extra=result), metric, dataset) == [
        ("methods/a.yaml", "KB108", "results[0].unit")
    ]


def test_warnings_have_warning_severity() -> None:
    rel, text = method("a", 2020)
    problems = lint(entries(TOPIC, (rel, text.replace("notes: [a root]\n", "").replace("topics: [t]\n", ""))))
    assert sorted(d.code for d in problems) == ["KB300", "KB302"]
    assert all(d.severity == "warning" for d in problems)


def test_loss_names_are_read_from_the_literal_all_without_importing_torch() -> None:
    init = REPO / "src" / "ssl_kb" / "losses" / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8"))
    literal = next(
        node.value
        for node in tree.body
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        )
        or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "__all__"
        )
    )
    assert loss_names() == frozenset(ast.literal_eval(literal))
    assert loss_names()


@pytest.mark.parametrize("dotted", ["ssl_kb.losses.{}", "ssl_kb.losses.not_a_loss"])
def test_losses_must_be_exported(dotted: str) -> None:
    name = sorted(loss_names())[0]
    extra = f"losses: [{dotted.format(name)}]\n"
    got = found(method("a", 2020, extra=extra))
    assert got == ([] if "{}" in dotted else [("methods/a.yaml", "KB209", "losses[0]")])


@pytest.mark.parametrize(
    "name", ["run_loss", "available_losses", "measure_cpu_peak", "EXAMPLES", "_runner", "rank_and_world_size"]
)
def test_the_loss_tooling_is_not_a_loss(name: str) -> None:
    # `ssl-kb loss`'s runner and its example inputs live in private modules, outside __all__: a record
    # that lists them as its loss is KB209, like any other name that is not a loss
    assert name not in loss_names()
    got = found(method("a", 2020, extra=f"losses: [ssl_kb.losses.{name}]\n"))
    assert got == [("methods/a.yaml", "KB209", "losses[0]")]
