"""A GIFT reader written from Moodle's documentation (docs.moodle.org/en/GIFT_format), independent of
the writer in ``ssl_kb.quiz.export.gift``; the tests parse every export back with it.

It reads GIFT the way the documentation describes Moodle's import:

- questions are separated by blank lines; a line whose text starts with ``//`` is a comment;
- ``\\`` escapes ``~ = # { } :`` and itself, and ``\\n`` is a line break; escapes are resolved
  before anything else is read, so an escaped special is text;
- a block that starts with ``$CATEGORY:`` names the category of the questions after it (read
  without unescaping; ``/`` separates levels and ``//`` is a slash inside a name);
- ``::name::`` starts a question with its name; a ``[html]``, ``[moodle]``, ``[plain]`` or
  ``[markdown]`` marker may start the question text, an answer or a feedback;
- the answers are between ``{`` and ``}``: ``=`` a right one, ``~`` a wrong one, ``~%50%`` a
  weighted one; ``#`` starts an answer's feedback and ``####`` the general feedback.

Names and category names are plain text that Moodle cleans as ``PARAM_TEXT`` (tags stripped) and
shows as HTML; text in the ``[html]`` format is HTML. :func:`shown` gives what a learner sees.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: GIFT's escapes, each held by a placeholder while the structure is read.
ESCAPES = {":": "\x01", "#": "\x02", "=": "\x03", "{": "\x04", "}": "\x05", "~": "\x06", "n": "\x07"}
FORMATS = ("html", "moodle", "plain", "markdown")
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")


class GiftError(ValueError):
    """Text that is not GIFT as Moodle documents it."""


@dataclass
class Answer:
    right: bool
    weight: float  # percent of the mark
    text: str
    text_format: str | None
    feedback: str


@dataclass
class GiftQuestion:
    category: str | None
    name: str | None
    text_format: str | None
    text: str
    answers: list[Answer] = field(default_factory=list)
    general_feedback: str = ""


def _hold(text: str) -> str:
    """Escapes replaced by placeholders (``\\\\`` first, as Moodle does)."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "\\":
                out.append("\\")
                i += 2
                continue
            if nxt in ESCAPES:
                out.append(ESCAPES[nxt])
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _release(text: str) -> str:
    """Placeholders back to the characters they hold."""
    for ch, holder in ESCAPES.items():
        text = text.replace(holder, "\n" if ch == "n" else ch)
    return text


def _with_format(text: str, default: str | None) -> tuple[str | None, str]:
    text = text.strip()
    match = _FORMAT.match(text)
    return (match[1], text[match.end() :]) if match else (default, text)


def _category(line: str) -> str:
    return line[len("$CATEGORY:") :].strip()


def category_names(path: str) -> list[str]:
    """The names of a ``$CATEGORY:`` path, as Moodle stores them (``//`` is a slash in a name)."""
    return [plain(name.replace("\0", "/")) for name in path.replace("//", "\0").split("/")]


def plain(text: str) -> str:
    """A name or category as Moodle shows it: tags stripped (``PARAM_TEXT``), entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()


def parse(data: str) -> tuple[list[str], list[GiftQuestion]]:
    """The category paths and the questions of a GIFT file, in order."""
    blocks: list[list[str]] = [[]]
    for line in data.split("\n"):
        if not line.strip():
            blocks.append([])
        else:
            blocks[-1].append(line)
    categories: list[str] = []
    questions: list[GiftQuestion] = []
    for lines in blocks:
        kept = [line.strip() for line in lines if not line.strip().startswith("//")]
        text = "\n".join(kept).strip()
        if not text:
            continue
        if text.startswith("$CATEGORY:"):
            if "\n" in text:
                raise GiftError(f"a $CATEGORY: block holds more than its line: {text!r}")
            categories.append(_category(text))
            continue
        questions.append(_question(_hold(text), categories[-1] if categories else None))
    return categories, questions


def _question(text: str, category: str | None) -> GiftQuestion:
    name = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise GiftError(f"a name is opened with :: and never closed: {text!r}")
        name, text = _release(text[2:end]).strip(), text[end + 2 :]
    start, end = text.find("{"), text.find("}")
    if start < 0 or end < start:
        raise GiftError(f"no answers in braces: {_release(text)!r}")
    if text[end + 1 :].strip():
        raise GiftError(f"text after the answers (a missing-word question?): {_release(text[end + 1 :])!r}")
    if "{" in text[start + 1 : end]:
        raise GiftError(f"an unescaped {{ inside the answers: {_release(text)!r}")
    text_format, stem = _with_format(text[:start], None)
    question = GiftQuestion(category, name, text_format, _release(stem).strip())
    answers = text[start + 1 : end]
    if "####" in answers:
        answers, general = answers.split("####", 1)
        question.general_feedback = _release(_with_format(general, text_format)[1]).strip()
    parts = answers.replace("=", "~=").split("~")
    if parts[0].strip():
        raise GiftError(f"text before the first answer: {_release(parts[0])!r}")
    for part in parts[1:]:
        part = part.strip()
        right = part.startswith("=")
        body = part[1:] if right else part
        weight = 100.0 if right else 0.0
        match = _WEIGHT.match(body)
        if match:
            weight, body = float(match[1]), body[match.end() :]
        answer, _, comment = body.partition("#")
        fmt, answer = _with_format(answer, text_format)
        question.answers.append(
            Answer(
                right, weight, _release(answer).strip(), fmt, _release(_with_format(comment, fmt)[1]).strip()
            )
        )
    return question


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def shown(text: str, text_format: str | None) -> str:
    """What a learner sees of a text in ``text_format``; :class:`GiftError` if HTML text holds a tag
    (record text must never become markup)."""
    if text_format != "html":
        return text
    parser = _Text()
    parser.feed(text)
    parser.close()
    if parser.tags:
        raise GiftError(f"HTML text holds tags {parser.tags}: {text!r}")
    return "".join(parser.text)
