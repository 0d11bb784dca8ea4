"""Numbers: result and hyperparameter questions, their keys checked against the records' values."""

from __future__ import annotations

from ssl_kb.quiz.kinds.base import fmt_number
from ssl_kb.quiz.kinds.numbers import true_hyperparameter, true_result


def test_result_keys_are_the_reported_values(generated, records: dict, model) -> None:
    questions = generated("result")
    expected = {
        (rid, r.dataset)
        for rid, rec in records.items()
        if rec.kind == "method"
        for r in getattr(rec, "results", [])
    }
    assert {(q.basis["record"], q.basis["dataset"]) for q in questions} == expected
    for q in questions:
        (result,) = [
            r
            for r in records[q.basis["record"]].results
            if (r.dataset, r.metric, r.protocol.value, r.variant)
            == (
                q.basis["dataset"],
                q.basis["metric"],
                q.basis["protocol"],
                q.basis["variant"],
            )
        ]
        assert q.answer_text == fmt_number(result.value, result.unit)
        assert q.basis["protocol"] in q.prompt  # never a value without its protocol
        values = [float(o.rstrip("%")) for o in q.options]
        assert all(0 <= v <= 100 for v in values) and len(set(values)) == len(values)


def test_hyperparameter_keys_are_the_records_values(generated, records: dict, model) -> None:
    for q in generated("hyperparameter"):
        (h,) = [h for h in records[q.basis["record"]].hyperparameters if h.name == q.basis["name"]]
        assert q.answer_text == fmt_number(h.value, h.unit) and q.basis["value"] == h.value
        # a fraction's distractors stay fractions
        if isinstance(h.value, float) and 0 < h.value < 1:
            assert all(0 < float(o) < 1 for o in q.options)


def test_truth_tests_refuse_a_value_that_was_not_reported(generated, model) -> None:
    result = generated("result")[0]
    assert not true_result(model, result, "101%")
    hyper = generated("hyperparameter")[0]
    assert not true_hyperparameter(model, hyper, "12345")
