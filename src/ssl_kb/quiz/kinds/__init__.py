"""Question kinds: one generator and one truth test per kind.

A generator turns facts from the store into questions; ``is_true(facts, question, option)``
decides from the store alone whether an option is a right answer. :func:`ssl_kb.quiz.bank.verify`
uses it to prove that exactly one option is right before a question is emitted.
"""

from __future__ import annotations

from .base import QuestionKind
from .dates import gen_chronology, gen_which_year, gen_year, true_chronology, true_which_year, true_year
from .mechanism import gen_contrast, gen_mechanism, gen_scenario, true_contrast, true_mechanism, true_scenario
from .numbers import gen_hyperparameter, gen_result, true_hyperparameter, true_result
from .reasons import gen_what_if, gen_why, true_what_if, true_why
from .topics import (
    CLAIM_OPTIONS,
    gen_claim,
    gen_correction,
    gen_odd_one_out,
    true_claim,
    true_correction,
    true_odd_one_out,
)
from .works import (
    gen_authors,
    gen_description,
    gen_lineage,
    gen_modality,
    true_authors,
    true_description,
    true_lineage,
    true_modality,
)

U, R = "understanding", "recall"  # the decks

KINDS: dict[str, QuestionKind] = {
    k.name: k
    for k in (
        # the understanding deck (the default): how methods work and why
        QuestionKind(
            "mechanism",
            "how a method works (one design facet)",
            gen_mechanism,
            true_mechanism,
            "understand",
            U,
        ),
        QuestionKind("contrast", "how two related methods differ", gen_contrast, true_contrast, "analyze", U),
        QuestionKind("why", "why a method makes a design choice", gen_why, true_why, "understand", U),
        QuestionKind(
            "what-if",
            "the effect of changing a design choice (ablation)",
            gen_what_if,
            true_what_if,
            "analyze",
            U,
        ),
        QuestionKind(
            "scenario", "which method fits given requirements", gen_scenario, true_scenario, "apply", U
        ),
        QuestionKind(
            "correction",
            "which statement corrects the lecture",
            gen_correction,
            true_correction,
            "analyze",
            U,
        ),
        QuestionKind(
            "description",
            "which method a description fits",
            gen_description,
            true_description,
            "understand",
            U,
        ),
        QuestionKind("lineage", "what a method builds on, and how", gen_lineage, true_lineage, "remember", U),
        QuestionKind("modality", "modality", gen_modality, true_modality, "remember", U),
        # the recall deck (opt-in): years, names, slide membership, exact numbers
        QuestionKind("year", "year of first publication", gen_year, true_year),
        QuestionKind("which-year", "which method is from a given year", gen_which_year, true_which_year),
        QuestionKind("chronology", "which came first", gen_chronology, true_chronology),
        QuestionKind("authors", "authors", gen_authors, true_authors),
        QuestionKind("result", "a headline result under its protocol", gen_result, true_result),
        QuestionKind(
            "hyperparameter", "a key hyperparameter of a loss", gen_hyperparameter, true_hyperparameter
        ),
        QuestionKind("odd-one-out", "which does not belong to a topic", gen_odd_one_out, true_odd_one_out),
        QuestionKind("claim", "true or false about a lecture claim", gen_claim, true_claim),
    )
}

__all__ = ["CLAIM_OPTIONS", "KINDS", "QuestionKind"]
