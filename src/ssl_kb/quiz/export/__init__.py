"""Export: quizzes as JSON, Markdown handouts, Moodle GIFT, QTI 1.2 (Canvas), QTI 2.1 and Anki decks.

Every writer is a pure function from questions to bytes or text; the CLI writes the result.
Record text is data in every format, escaped for that format's grammar in every field it writes
(titles and comments included): no prompt, option or topic name can add a question, an answer,
an element or markup. XML is written by ElementTree from XML-legal text (:mod:`ssl_kb.xmltext`).
One module per format: :mod:`.handout` (JSON, Markdown), :mod:`.gift`, :mod:`.qti` (QTI 1.2 as
Canvas reads it), :mod:`.qti21` (IMS QTI 2.1, for other systems), :mod:`.anki`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Question
from .anki import ANKI_DECK_BASE, ANKI_MODEL_ID, anki_guid, to_anki
from .base import GENERATOR, ZIP_COMMENT, name
from .gift import to_gift
from .handout import to_json, to_markdown
from .qti import MANIFEST_NS, QTI_NS, qti_assessment, qti_manifest, qti_meta, to_qti
from .qti21 import QTI21_NS, qti21_item, qti21_manifest, qti21_test, to_qti21

#: The export formats, by the name ``ssl-kb quiz --format`` takes: the one list of them.
WRITERS: dict[str, Callable[[list[Question], str], bytes]] = {
    "json": to_json,
    "md": to_markdown,
    "gift": to_gift,
    "qti": to_qti,
    "qti21": to_qti21,
    "anki": to_anki,
}
FORMATS = tuple(WRITERS)
#: Formats that are binary files (zip archives), written only to ``--out``.
BINARY = ("qti", "qti21", "anki")

__all__ = [
    "ANKI_DECK_BASE",
    "ANKI_MODEL_ID",
    "BINARY",
    "FORMATS",
    "GENERATOR",
    "MANIFEST_NS",
    "QTI21_NS",
    "QTI_NS",
    "WRITERS",
    "ZIP_COMMENT",
    "anki_guid",
    "name",
    "qti21_item",
    "qti21_manifest",
    "qti21_test",
    "qti_assessment",
    "qti_manifest",
    "qti_meta",
    "to_anki",
    "to_gift",
    "to_json",
    "to_markdown",
    "to_qti",
    "to_qti21",
]
