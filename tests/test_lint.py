"""Lint: rules across records, on small in-memory KBs (the per-code fixtures are in test_kb.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ssl_kb.design import FACETS
from ssl_kb.lint import Entry, lint, loss_names
from ssl_kb.loader import parse_text
from ssl_kb.validation import validate_document

REPO = Path(__file__).resolve().parents[1]


def design(**values: str) -> str:
    """A design block: the given facets' values (``objective="[contrastive]"``), every other unknown."""
    lines = ["design:\n"]
    for facet in FACETS:
        if facet.key in values:
            lines.append(f"  {facet.key}:\n    value: {values[facet.key]}\n    source: s\n")
        else:
            lines.append(f"  {facet.key}:\n    value: null\n    note: unknown\n")
    return "".join(lines)


UNKNOWN_DESIGN = design()


def method(
    rid: str, year: int, *parents: str, extra: str = "", design: str = UNKNOWN_DESIGN
) -> tuple[str, str]:
    lineage = "".join(f"  - target: {p}\n    type: extends\n    reason: r\n" for p in parents)
    text = (
        f"id: {rid}\nkind: method\nname: {rid}\nsummary: s\ntopics: [t]\nfamily: f\nmodalities: [image]\n"
        f"paper:\n  title: T\n  authors: [A]\n  year: {year}\n  url: https://example.org/{rid}\n  source: s\n  note: no arXiv\n"
        + (f"lineage:\n{lineage}" if parents else "notes: [a root]\n")
        + design
        + extra
    )
    return f"methods/{rid}.yaml", text


def vocabulary(vid: str, *values: str) -> tuple[str, str]:
    listed = "".join(f"  - id: {v}\n    name: {v}\n    definition: d\n" for v in values)
    return (
        f"vocabularies/{vid}.yaml",
        f"id: {vid}\nkind: vocabulary\nname: {vid}\nsummary: s\nvalues:\n{listed}",
    )


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
    rel, text = method("a", 2020, design="")
    problems = lint(entries(TOPIC, (rel, text.replace("notes: [a root]\n", "").replace("topics: [t]\n", ""))))
    assert sorted(d.code for d in problems) == ["KB300", "KB302", "KB303"]
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


# ---------------------------------------------------------------------------- design and ablations

DATASET = (
    "datasets/d.yaml",
    "id: d\nkind: dataset\nname: D\nsummary: s\nmodalities: [image]\ntasks: [x]\nmetrics: [acc]\n",
)
METRIC = (
    "metrics/acc.yaml",
    'id: acc\nkind: metric\nname: acc\nsummary: s\nhigher_is_better: true\nunit: "%"\n',
)
OTHER_METRIC = (  # a metric record that the dataset does not list
    "metrics/top-5.yaml",
    'id: top-5\nkind: metric\nname: top-5\nsummary: s\nhigher_is_better: true\nunit: "%"\n',
)


def test_a_method_without_design_block_is_kb303_at_its_top() -> None:
    (diag,) = lint(entries(TOPIC, method("a", 2020, design="")))
    assert (diag.code, diag.field, diag.line, diag.col) == ("KB303", "design", 1, 1)
    assert diag.severity == "warning" and diag.message == "a has no design block"


def test_a_design_block_of_unknown_facets_needs_no_vocabulary() -> None:
    assert found(method("a", 2020)) == []


def test_design_values_must_be_in_their_vocabulary() -> None:
    block = design(objective="[contrastive, contrastve]", negatives="[in-batch]")
    files = (
        method("a", 2020, design=block),
        vocabulary("objective", "contrastive", "clustering"),
        vocabulary("negatives", "in-batch"),
    )
    assert found(*files) == [
        ("methods/a.yaml", "KB214", "design.objective.value[1]")
    ]  # vocabularies need no topic
    (diag,) = lint(entries(TOPIC, *files))
    assert diag.message == "'contrastve' is not a value of kb/vocabularies/objective.yaml"
    assert (diag.line, diag.col) == (text_line(files[0][1], "value: [contrastive, contrastve]"), 26)


def text_line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_missing_vocabulary_file_is_kb214_for_each_value() -> None:
    files = (method("a", 2020, design=design(target="[raw-pixels, normalized-pixels]")),)
    problems = lint(entries(TOPIC, *files))
    assert [(d.code, d.field) for d in problems] == [
        ("KB214", "design.target.value[0]"),
        ("KB214", "design.target.value[1]"),
    ]
    assert problems[0].message == "'raw-pixels' is not a value of no vocabulary kb/vocabularies/target.yaml"


def test_a_vocabulary_id_taken_by_another_kind_is_named() -> None:
    concept = ("concepts/target.yaml", "id: target\nkind: concept\nname: T\nsummary: s\ntopics: [t]\n")
    (diag,) = lint(entries(TOPIC, method("a", 2020, design=design(target="[raw-pixels]")), concept))
    assert diag.code == "KB214" and "'target', which is a concept, not a vocabulary" in diag.message


def test_a_broken_vocabulary_is_not_held_against_the_values() -> None:
    files = entries(TOPIC, method("a", 2020, design=design(target="[raw-pixels]")))
    assert [d.code for d in lint(files)] == ["KB214"]
    assert lint(files, broken=frozenset({"target"})) == []


def test_a_vocabulary_in_the_wrong_folder_is_kb210() -> None:
    rel, text = vocabulary("objective", "contrastive")
    assert found(("concepts/objective.yaml", text)) == [("concepts/objective.yaml", "KB210", "kind")]
    assert found((rel, text)) == []


def ablation(dataset: str = "d", metric: str = "acc", unit: str = '"%"') -> str:
    return (
        f"ablations:\n  - id: mask-ratio\n    factor: mask ratio\n    dataset: {dataset}\n"
        f"    metric: {metric}\n    protocol: fine-tune\n    variant: v\n    unit: {unit}\n"
        "    points:\n      - {setting: '50%', x: 0.5, value: 80.1}\n      - {setting: '75%', x: 0.75, value: 81.2}\n"
        "    chosen: '75%'\n    source: s\n"
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (ablation(), []),
        (
            ablation(dataset="nowhere"),
            [("KB207", "ablations[0].dataset", "'nowhere' is no record, not a dataset")],
        ),
        (ablation(dataset="acc"), [("KB207", "ablations[0].dataset", "'acc' is a metric, not a dataset")]),
        (ablation(metric="top-5"), [("KB208", "ablations[0].metric", "d lists acc, not top-5")]),
        (ablation(unit="ratio"), [("KB108", "ablations[0].unit", "acc is measured in '%', not 'ratio'")]),
        (ablation(metric="f1"), [("KB202", "ablations[0].metric", "'f1' is no record, not a metric")]),
    ],
)
def test_ablations_name_a_dataset_and_one_of_its_metrics(extra: str, expected: list) -> None:
    got = lint(entries(TOPIC, method("a", 2020, extra=extra), DATASET, METRIC, OTHER_METRIC))
    assert [(d.code, d.field, d.message) for d in got] == expected


def test_ablation_marks_point_at_the_field() -> None:
    rel, text = method("a", 2020, extra=ablation(dataset="nowhere"))
    (diag,) = lint(entries(TOPIC, (rel, text), DATASET, METRIC))
    assert (diag.line, diag.col) == (text_line(text, "dataset: nowhere"), 14)


def test_a_broken_dataset_is_not_held_against_an_ablation() -> None:
    files = entries(TOPIC, method("a", 2020, extra=ablation(dataset="gone")), METRIC)
    assert [d.code for d in lint(files)] == ["KB207"]
    assert lint(files, broken=frozenset({"gone"})) == []
