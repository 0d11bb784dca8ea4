"""What every export shares: the generator's signature and how a question is named and flattened."""

from __future__ import annotations

from ..model import Question

#: Every export names its generator near its start (JSON, Markdown, GIFT) or in its zip comment
#: (QTI, Anki), so that ``--out`` can tell an earlier ssl-kb export, which it may replace, from a
#: file of the user's, which it refuses to overwrite.
GENERATOR = "ssl-kb"
ZIP_COMMENT = b"ssl-kb quiz export"


def flat(text: str) -> str:
    """Whitespace (newlines, CR, tabs, U+2028 ...) collapsed to single spaces: no value starts a line."""
    return " ".join(str(text).split())


def name(question: Question, width: int = 80) -> str:
    """A question's title for question banks: what it asks (its prompt, shortened) and its id."""
    prompt = flat(question.prompt)
    short = prompt if len(prompt) <= width else prompt[: width - 1].rstrip() + "…"
    return f"{short} ({question.id})"
