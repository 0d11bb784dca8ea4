"""Export: quizzes as JSON, Markdown handouts, Moodle GIFT, QTI 1.2 (Canvas) and Anki decks.

Every writer is a pure function from questions to bytes or text; the CLI writes the result.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from .model import LETTERS, Question

FORMATS = ("json", "md", "gift", "qti", "anki")
SUFFIX = {"json": ".json", "md": ".md", "gift": ".gift.txt", "qti": ".qti.zip", "anki": ".apkg"}


def to_json(questions: list[Question], title: str) -> bytes:
    data = {"title": title, "questions": [q.to_dict() for q in questions]}
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _md(text: str) -> str:
    """Escape Markdown and HTML in record text for a handout."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_[]{}#|":
        out = out.replace(ch, "\\" + ch)
    return out


def to_markdown(questions: list[Question], title: str) -> bytes:
    lines = [f"# {_md(title)}", "", f"{len(questions)} questions. The answer key is at the end.", ""]
    for n, q in enumerate(questions, 1):
        lines.append(f"**{n}.** {_md(q.prompt)}")
        lines.append("")
        lines.extend(f"- ({LETTERS[i]}) {_md(option)}" for i, option in enumerate(q.options))
        lines.append("")
    lines += ["---", "", "## Answer key", ""]
    for n, q in enumerate(questions, 1):
        lines.append(
            f"{n}. **({LETTERS[q.answer]})** {_md(q.answer_text)}: {_md(q.explanation)} (question `{q.id}`)"
        )
    return ("\n".join(lines) + "\n").encode()


def _gift(text: str) -> str:
    """Escape GIFT's special characters ``~ = # { } :`` and backslash."""
    out = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")


def to_gift(questions: list[Question], title: str) -> bytes:
    """Moodle GIFT: one multiple-choice question per block, general feedback with the explanation."""
    blocks = [f"// {title}", f"$CATEGORY: ssl-kb/{_gift(title)}", ""]
    for q in questions:
        options = []
        for i, option in enumerate(q.options):
            mark = "=" if i == q.answer else "~"
            feedback = "Right." if i == q.answer else f"No: the answer is {q.answer_text}."
            options.append(f"\t{mark}{_gift(option)}#{_gift(feedback)}")
        blocks.append(f"::{q.id}::{_gift(q.prompt)} {{")
        blocks.extend(options)
        blocks.append(f"\t####{_gift(q.explanation)}")
        blocks.append("}")
        blocks.append("")
    return "\n".join(blocks).encode()


def _ident(text: str) -> str:
    return "i" + hashlib.sha256(text.encode()).hexdigest()[:16]


def qti_assessment(questions: list[Question], title: str) -> str:
    """The QTI 1.2 assessment XML (the dialect Canvas imports)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">',
        f"  <assessment ident={quoteattr(_ident(title))} title={quoteattr(title)}>",
        '    <section ident="root_section">',
    ]
    for q in questions:
        ids = [f"{q.id}-{LETTERS[i]}" for i in range(len(q.options))]
        out += [
            f"      <item ident={quoteattr(q.id)} title={quoteattr(q.kind)}>",
            "        <itemmetadata><qtimetadata>",
            "          <qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>multiple_choice_question</fieldentry></qtimetadatafield>",
            "          <qtimetadatafield><fieldlabel>points_possible</fieldlabel><fieldentry>1.0</fieldentry></qtimetadatafield>",
            "        </qtimetadata></itemmetadata>",
            "        <presentation>",
            f'          <material><mattext texttype="text/plain">{xml_escape(q.prompt)}</mattext></material>',
            '          <response_lid ident="response1" rcardinality="Single"><render_choice>',
        ]
        for ident, option in zip(ids, q.options, strict=True):
            out.append(
                f'            <response_label ident={quoteattr(ident)}><material><mattext texttype="text/plain">'
                f"{xml_escape(option)}</mattext></material></response_label>"
            )
        out += [
            "          </render_choice></response_lid>",
            "        </presentation>",
            "        <resprocessing>",
            '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>',
            '          <respcondition continue="Yes"><conditionvar><other/></conditionvar>'
            '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>',
            f'          <respcondition continue="No"><conditionvar><varequal respident="response1">{ids[q.answer]}</varequal>'
            '</conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>',
            "        </resprocessing>",
            f'        <itemfeedback ident="general_fb"><flow_mat><material><mattext texttype="text/plain">'
            f"{xml_escape(q.explanation)}</mattext></material></flow_mat></itemfeedback>",
            "      </item>",
        ]
    out += ["    </section>", "  </assessment>", "</questestinterop>", ""]
    return "\n".join(out)


def qti_manifest(title: str) -> str:
    ident = _ident(title)
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<manifest identifier="{ident}-manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">',
            "  <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>",
            "  <organizations/>",
            "  <resources>",
            f'    <resource identifier="{ident}" type="imsqti_xmlv1p2"><file href="{ident}/{ident}.xml"/></resource>',
            "  </resources>",
            "</manifest>",
            "",
        ]
    )


def to_qti(questions: list[Question], title: str) -> bytes:
    """A QTI 1.2 package (zip with imsmanifest.xml) that Canvas's quiz importer accepts."""
    ident = _ident(title)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("imsmanifest.xml", qti_manifest(title)),
            (f"{ident}/{ident}.xml", qti_assessment(questions, title)),
        ):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed time: deterministic bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


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
    deck_id = ANKI_DECK_BASE + int(hashlib.sha256(title.encode()).hexdigest()[:6], 16)
    deck = genanki.Deck(deck_id, f"ssl-kb::{title}")
    for q in questions:
        options = "<br>".join(f"({LETTERS[i]}) {escape(o)}" for i, o in enumerate(q.options))
        answer = f"({LETTERS[q.answer]}) {escape(q.answer_text)}"
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[q.id, escape(q.prompt), options, answer, escape(q.explanation)],
                guid=anki_guid(q),
                tags=[f"ssl-kb::{t}" for t in q.topics] + [f"kind::{q.kind}"],
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "deck.apkg")
        genanki.Package(deck).write_to_file(path, timestamp=0)
        with open(path, "rb") as handle:
            return handle.read()


WRITERS: dict[str, Callable[[list[Question], str], bytes]] = {
    "json": to_json,
    "md": to_markdown,
    "gift": to_gift,
    "qti": to_qti,
    "anki": to_anki,
}
