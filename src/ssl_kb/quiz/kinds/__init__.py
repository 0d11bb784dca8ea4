"""Question kinds: one generator and one truth test per kind.

A generator turns facts from the store into questions; ``is_true(facts, question, option)``
decides from the store alone whether an option is a right answer. :func:`ssl_kb.quiz.bank.verify`
uses it to prove that exactly one option is right before a question is emitted.
"""

from __future__ import annotations

from .base import QuestionKind
from .dates import gen_chronology, gen_which_year, gen_year, true_chronology, true_which_year, true_year
from .numbers import gen_hyperparameter, gen_result, true_hyperparameter, true_result
from .topics import CLAIM_OPTIONS, gen_claim, gen_odd_one_out, true_claim, true_odd_one_out
from .works import (
    gen_architecture,
    gen_authors,
    gen_description,
    gen_lineage,
    gen_modality,
    true_architecture,
    true_authors,
    true_description,
    true_lineage,
    true_modality,
)

KINDS: dict[str, QuestionKind] = {
    k.name: k
    for k in (
        QuestionKind("description", "which method a description fits", gen_description, true_description),
        QuestionKind("year", "year of first publication", gen_year, true_year),
        QuestionKind("which-year", "which method is from a given year", gen_which_year, true_which_year),
        QuestionKind("chronology", "which came first", gen_chronology, true_chronology),
        QuestionKind("authors", "authors", gen_authors, true_authors),
        QuestionKind("architecture", "architecture", gen_architecture, true_architecture),
        QuestionKind("modality", "modality", gen_modality, true_modality),
        QuestionKind("lineage", "what a method directly builds on", gen_lineage, true_lineage),
        QuestionKind("result", "a headline result under its protocol", gen_result, true_result),
        QuestionKind(
            "hyperparameter", "a key hyperparameter of a loss", gen_hyperparameter, true_hyperparameter
        ),
        QuestionKind("odd-one-out", "which does not belong to a topic", gen_odd_one_out, true_odd_one_out),
        QuestionKind("claim", "true or false about a lecture claim", gen_claim, true_claim),
    )
}

__all__ = ["CLAIM_OPTIONS", "KINDS", "QuestionKind"]
