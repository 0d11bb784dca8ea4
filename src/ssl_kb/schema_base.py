"""Schema primitives: the field types, enums and base model that every record model is built from.

Kept apart from :mod:`ssl_kb.schema` (the record models, which re-export these names) so that
:mod:`ssl_kb.design` can use them without an import cycle.
"""

from __future__ import annotations

import datetime as _dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from . import text as _text

#: The most recent year a record may name; later years are rejected as typos.
MAX_YEAR = _dt.date.today().year
MIN_YEAR = 1950
MAX_TEXT = 4000  # characters in one text field
MAX_LIST = 200  # items in one list field

# The patterns keep the JSON Schema's ``^...$`` form. Pydantic applies them with its Rust regex
# engine (the default ``regex_engine``, set explicitly in :class:`Strict`), where ``$`` matches only
# at the very end; Python code matches them with ``fullmatch``, never ``match`` (Python's ``$``
# also matches before a final newline, so ``match`` would accept ``"mae\n"``).
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ID_RE = re.compile(ID_PATTERN)
ARXIV_PATTERN = r"^(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5})(?:v(?P<v>[1-9]\d*))?$"
ARXIV_RE = re.compile(ARXIV_PATTERN)
LOSS_PATTERN = r"^ssl_kb\.losses\.[A-Za-z_][A-Za-z0-9_]*$"
SNAKE_PATTERN = r"^[a-z][a-z0-9_]*$"


def problem(code: str, message: str) -> PydanticCustomError:
    """A validation error classified as ``code`` (its pydantic type), with ``message`` as written
    (no context is given, so braces in record values are never read as a template)."""
    return PydanticCustomError(code, message)


def _refuse_characters(value: str, *, identifying: bool) -> None:
    found = _text.problems(value, identifying=identifying)
    if found:
        raise problem(found[0].code, found[0].message)  # KB110-KB114


def _clean_text(value: str) -> str:
    _refuse_characters(value, identifying=False)
    return value.strip()


def _clean_name(value: str) -> str:
    _refuse_characters(value, identifying=True)
    return value


def _id_characters(value: object) -> object:
    """Before the id pattern: a bidi or invisible character gets its own code, not KB104."""
    if isinstance(value, str):
        _refuse_characters(value, identifying=True)
    return value


RecordId = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=64),
    BeforeValidator(_id_characters),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT), AfterValidator(_clean_text)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_clean_text)]
#: Identifying text (:mod:`ssl_kb.text`): names, aliases, headings, paper titles, authors, venues.
Name = Annotated[ShortText, AfterValidator(_clean_name)]
Title = Annotated[Text, AfterValidator(_clean_name)]
FamilyId = Annotated[
    str, StringConstraints(pattern=ID_PATTERN, max_length=64), BeforeValidator(_id_characters)
]


def _not_future(value: int) -> int:
    if value > MAX_YEAR:
        raise problem("KB103", f"year {value} is in the future (latest allowed {MAX_YEAR})")
    return value


# The upper bound is checked by a validator, not the JSON Schema, so the exported schema does
# not change with the calendar.
Year = Annotated[int, Field(ge=MIN_YEAR, strict=True), AfterValidator(_not_future)]


def _check_arxiv(value: str) -> str:
    match = ARXIV_RE.fullmatch(value)  # not .match: `$` also matches before a final newline
    if match is None:
        raise problem(
            "KB109",
            "is not an arXiv identifier of the form YYMM.NNNNN (optionally vN), "
            "e.g. 2111.06377; write it as a quoted string",
        )
    yy, mm, num = int(match["yy"]), int(match["mm"]), match["num"]
    if not 1 <= mm <= 12:
        raise problem("KB109", f"month {mm:02d} does not exist")
    if yy < 7 or (yy == 7 and mm < 4):
        raise problem("KB109", "new-style arXiv identifiers start in April 2007 (0704.xxxx)")
    if (yy, mm) >= (15, 1) and len(num) != 5:
        raise problem("KB109", "identifiers from January 2015 on have a five-digit number")
    if (yy, mm) < (15, 1) and len(num) != 4:
        raise problem("KB109", "identifiers before 2015 have a four-digit number")
    if 2000 + yy > MAX_YEAR:
        raise problem("KB103", f"year 20{yy:02d} is in the future")
    return value


ArxivId = Annotated[str, AfterValidator(_check_arxiv)]


def arxiv_year(arxiv_id: str) -> int:
    """Year of the first version of a new-style arXiv identifier (``2111.06377`` -> 2021)."""
    match = ARXIV_RE.fullmatch(arxiv_id)
    if match is None:
        raise ValueError(f"not an arXiv id: {arxiv_id!r}")
    return 2000 + int(match["yy"])


class Modality(StrEnum):
    IMAGE = "image"
    TEXT = "text"
    VIDEO = "video"
    AUDIO = "audio"


class Protocol(StrEnum):
    """How a result was obtained; results are only ranked against the same protocol."""

    LINEAR = "linear"
    FINE_TUNE = "fine-tune"
    KNN = "k-nn"
    ZERO_SHOT = "zero-shot"
    FEW_SHOT = "few-shot"
    SUPERVISED = "supervised"
    SEMI_SUPERVISED = "semi-supervised"


class EdgeType(StrEnum):
    EXTENDS = "extends"
    ADAPTS = "adapts"
    COMBINES = "combines"
    REPLACES = "replaces"
    INSPIRED_BY = "inspired-by"
    USES = "uses"


class Verdict(StrEnum):
    CORRECT = "correct"
    IMPRECISE = "imprecise"
    WRONG = "wrong"
    TYPO = "typo"


class Strict(BaseModel):
    """Base for every model: unknown keys are errors. Numbers, years and counts are strict fields
    (a quoted ``"87.8"`` is a KB102 error, not a number); an int is accepted where a float is expected."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, regex_engine="rust-regex"
    )
