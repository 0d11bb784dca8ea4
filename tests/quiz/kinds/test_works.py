"""Works: description, authors, modality and lineage questions against the records."""

from __future__ import annotations

import re

from ssl_kb.quiz.kinds.works import true_authors, true_lineage


def names(records: dict) -> dict:
    return {r.name: r for r in records.values()}


def test_authors_key_is_the_first_author_and_distractors_are_not_authors(
    generated, records: dict, model
) -> None:
    for q in generated("authors"):
        authors = records[q.basis["record"]].paper.authors
        assert q.answer_text == authors[0]
        assert not set(q.options) - {q.answer_text} & set(authors)
        assert not true_authors(model, q, "Nobody At All")


def test_modality_key_is_the_only_option_with_that_modality(generated, records: dict) -> None:
    by_name = names(records)
    for q in generated("modality"):
        modality = q.basis["modality"]
        assert modality != "image" and modality in q.prompt
        having = [o for o in q.options if modality in {m.value for m in by_name[o].modalities}]
        assert having == [q.answer_text]


def test_lineage_key_is_a_direct_parent_and_no_distractor_is(generated, records: dict, model) -> None:
    by_name = names(records)
    for q in generated("lineage"):
        parents = {e.target for e in records[q.basis["record"]].lineage}
        assert by_name[q.answer_text].id == q.basis["parent"] in parents
        assert [o for o in q.options if by_name[o].id in parents] == [q.answer_text]
        assert not true_lineage(model, q, "not an option")


def test_description_hides_every_name_of_the_key(generated, records: dict) -> None:
    by_name = names(records)
    for q in generated("description"):
        record = records[q.basis["record"]]
        assert by_name[q.answer_text] is record and q.basis["summary"] == record.summary
        description = q.prompt.split("\u201c", 1)[1]
        for name in [record.name, record.full_name, *record.aliases]:
            if name:
                assert not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", description, re.IGNORECASE)
