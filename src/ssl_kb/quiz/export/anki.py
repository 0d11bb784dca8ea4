"""Anki decks (.apkg), written with genanki."""

from __future__ import annotations

import hashlib
import zipfile

from ..model import LETTERS, Question
from .base import ZIP_COMMENT
from .base import flat as _flat

ANKI_MODEL_ID = 1_732_000_000_001  # fixed forever: changing it would duplicate every imported card
ANKI_DECK_BASE = 1_732_000_000_100


def anki_guid(question: Question) -> str:
    """Stable note GUID from the question id, so re-importing updates cards instead of duplicating."""
    import genanki

    return str(genanki.guid_for("ssl-kb", question.id))


def to_anki(questions: list[Question], title: str) -> bytes:
    """An Anki .apkg deck (needs genanki: ``pip install 'ssl-kb[export]'``)."""
    import os
    import tempfile
    from html import escape

    import genanki

    model = genanki.Model(
        ANKI_MODEL_ID,
        "ssl-kb multiple choice",
        fields=[
            {"name": "Id"},
            {"name": "Question"},
            {"name": "Options"},
            {"name": "Answer"},
            {"name": "Explanation"},
        ],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}<br><br>{{Options}}",
                "afmt": "{{FrontSide}}<hr id=answer><b>{{Answer}}</b><br><br>{{Explanation}}",
            }
        ],
        sort_field_index=1,
    )
    deck_id = ANKI_DECK_BASE + int(hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()[:6], 16)
    deck = genanki.Deck(deck_id, f"ssl-kb::{_flat(title).replace('::', ': ')}")  # `::` would nest decks
    for q in questions:
        options = "<br>".join(f"({LETTERS[i]}) {escape(o)}" for i, o in enumerate(q.options))
        answer = f"({LETTERS[q.answer]}) {escape(q.answer_text)}"
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[escape(q.id), escape(q.prompt), options, answer, escape(q.explanation)],
                guid=anki_guid(q),
                tags=[f"ssl-kb::{t}" for t in q.topics] + [f"kind::{q.kind}"],
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "deck.apkg")
        genanki.Package(deck).write_to_file(path, timestamp=0)
        with zipfile.ZipFile(path, "a") as archive:
            archive.comment = ZIP_COMMENT
        with open(path, "rb") as handle:
            return handle.read()
