"""What every export shares: the generator's signature, how a question is named and flattened, the
feedback each option gets, and how the XML packages (QTI 1.2, QTI 2.1) are written."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

from ...xmltext import legal
from ..model import Question

#: Every export names its generator near its start (JSON, Markdown, GIFT) or in its zip comment
#: (QTI, Anki), so that ``--out`` can tell an earlier ssl-kb export, which it may replace, from a
#: file of the user's, which it refuses to overwrite.
GENERATOR = "ssl-kb"
ZIP_COMMENT = b"ssl-kb quiz export"
#: The date every file in a zip export carries: a fixed one, so the same questions give the same bytes.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def flat(text: str) -> str:
    """Whitespace (newlines, CR, tabs, U+2028 ...) collapsed to single spaces: no value starts a line."""
    return " ".join(str(text).split())


def name(question: Question, width: int = 80) -> str:
    """A question's title for question banks: what it asks (its prompt, shortened) and its id."""
    prompt = flat(question.prompt)
    short = prompt if len(prompt) <= width else prompt[: width - 1].rstrip() + "…"
    return f"{short} ({question.id})"


def feedback(question: Question, option: int) -> str:
    """What a learner who picks ``option`` is told at once (the explanation follows for everyone)."""
    if option == question.answer:
        return "Right."
    return f"No: the answer is {flat(question.answer_text)}."


def ident(*parts: str) -> str:
    """A stable identifier made of ``parts``: a letter and 16 hex digits (an XML ``ID``, a QTI
    identifier and a Canvas migration id alike; no words an importer could read meaning into)."""
    blob = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return "i" + hashlib.sha256(blob).hexdigest()[:16]


def element(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A new element (under ``parent``, if given); text and attribute values are made XML-legal, and
    ElementTree escapes them, so no record text can add an element."""
    legal_attrs = {k: legal(v) for k, v in attrs.items()}
    child = ET.Element(tag, legal_attrs) if parent is None else ET.SubElement(parent, tag, legal_attrs)
    if text is not None:
        child.text = legal(text)
    return child


def xml_document(root: ET.Element) -> str:
    """``root`` as an indented UTF-8 XML document."""
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def zip_package(files: dict[str, str]) -> bytes:
    """A zip of ``files`` (path: text) in the given order, with fixed dates and ssl-kb's comment."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
        archive.comment = ZIP_COMMENT
    return buffer.getvalue()
