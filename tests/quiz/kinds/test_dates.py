"""Dates: year, which-year and chronology questions, their keys checked against the records' years."""

from __future__ import annotations

from ssl_kb.quiz.kinds.dates import true_chronology, true_which_year, true_year
from ssl_kb.schema import record_year


def by_name(records: dict) -> dict:
    return {r.name: r for r in records.values()}


def test_year_keys_are_the_records_years(generated, records: dict, model) -> None:
    questions = generated("year")
    assert {q.basis["record"] for q in questions} == set(model.work_ids())
    for q in questions:
        year = record_year(records[q.basis["record"]])
        assert q.answer_text == str(year)
        others = [int(o) for o in q.options if o != q.answer_text]
        assert all(0 < abs(o - year) <= 3 for o in others)
        assert records[q.basis["record"]].name in q.prompt


def test_which_year_has_one_option_from_that_year(generated, records: dict, model) -> None:
    names = by_name(records)
    for q in generated("which-year"):
        years = [record_year(names[o]) for o in q.options]
        assert years.count(q.basis["year"]) == 1
        assert record_year(names[q.answer_text]) == q.basis["year"]
        assert str(q.basis["year"]) in q.prompt
        assert true_which_year(model, q, "not an option") is False


def test_chronology_key_is_the_oldest(generated, records: dict, model) -> None:
    names = by_name(records)
    for q in generated("chronology"):
        years = {o: record_year(names[o]) for o in q.options}
        assert years[q.answer_text] < min(y for o, y in years.items() if o != q.answer_text)
        assert true_chronology(model, q, q.answer_text)


def test_the_truth_tests_read_the_store_not_the_question(generated, model) -> None:
    q = generated("year")[0]
    assert true_year(model, q, str(model.year(q.basis["record"])))
    assert not true_year(model, q, str(model.year(q.basis["record"]) + 1))
