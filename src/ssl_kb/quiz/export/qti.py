"""QTI 1.2 packages, the dialect Canvas's quiz importer reads, written by ElementTree."""

from __future__ import annotations

import hashlib
import html
import io
import xml.etree.ElementTree as ET
import zipfile

from ...xmltext import legal
from ..model import LETTERS, Question
from .base import ZIP_COMMENT, name
from .base import flat as _flat

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def _ident(text: str) -> str:
    return "i" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element; text and attribute values are made XML-legal (ElementTree escapes them)."""
    child = ET.SubElement(parent, tag, {k: legal(v) for k, v in attrs.items()})
    if text is not None:
        child.text = legal(text)
    return child


def _material(parent: ET.Element, text: str) -> None:
    """Record text as ``text/html`` with HTML escaped: shown literally by any importer."""
    _el(_el(parent, "material"), "mattext", html.escape(text, quote=False), texttype="text/html")


def _xml(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def qti_assessment(questions: list[Question], title: str) -> str:
    """The QTI 1.2 assessment XML (the dialect Canvas imports), written by ElementTree."""
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = _el(root, "assessment", ident=_ident(title), title=_flat(title))
    section = _el(assessment, "section", ident="root_section")
    for q in questions:
        ids = [f"{q.id}-{LETTERS[i]}" for i in range(len(q.options))]
        item = _el(section, "item", ident=q.id, title=name(q))
        meta = _el(_el(item, "itemmetadata"), "qtimetadata")
        for label, entry in (("question_type", "multiple_choice_question"), ("points_possible", "1.0")):
            field = _el(meta, "qtimetadatafield")
            _el(field, "fieldlabel", label)
            _el(field, "fieldentry", entry)
        presentation = _el(item, "presentation")
        _material(presentation, q.prompt)
        choices = _el(
            _el(presentation, "response_lid", ident="response1", rcardinality="Single"), "render_choice"
        )
        for ident, option in zip(ids, q.options, strict=True):
            _material(_el(choices, "response_label", ident=ident), option)
        processing = _el(item, "resprocessing")
        _el(
            _el(processing, "outcomes"),
            "decvar",
            maxvalue="100",
            minvalue="0",
            varname="SCORE",
            vartype="Decimal",
        )
        every = _el(processing, "respcondition", **{"continue": "Yes"})
        _el(_el(every, "conditionvar"), "other")
        _el(every, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
        right = _el(processing, "respcondition", **{"continue": "No"})
        _el(_el(right, "conditionvar"), "varequal", ids[q.answer], respident="response1")
        _el(right, "setvar", "100", action="Set", varname="SCORE")
        feedback = _el(item, "itemfeedback", ident="general_fb")
        _material(_el(feedback, "flow_mat"), q.explanation)
    return _xml(root)


def qti_manifest(title: str) -> str:
    ident = _ident(title)
    root = ET.Element("manifest", {"identifier": f"{ident}-manifest", "xmlns": MANIFEST_NS})
    meta = _el(root, "metadata")
    _el(meta, "schema", "IMS Content")
    _el(meta, "schemaversion", "1.1.3")
    _el(root, "organizations")
    resource = _el(_el(root, "resources"), "resource", identifier=ident, type="imsqti_xmlv1p2")
    _el(resource, "file", href=f"{ident}/{ident}.xml")
    return _xml(root)


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
        archive.comment = ZIP_COMMENT
    return buffer.getvalue()
