"""QTI 1.2 packages in the dialect Canvas's quiz importer reads (the one Canvas's own "QTI" exports
use), written by ElementTree from XML-legal text.

The package, as Canvas lays it out and reads it back::

    imsmanifest.xml                  a resource imsqti_xmlv1p2 (the assessment), depending on
                                     a learning-application-resource (the meta file)
    IDENT/IDENT.xml                  the assessment: one multiple-choice item per question
    IDENT/assessment_meta.xml        Canvas's quiz settings: title, points possible, attempts ...

Canvas finds the meta file of an assessment by its path, ``<assessment ident>/assessment_meta.xml``.
Each item has a general feedback (``general_fb``, the explanation) and one per answer
(``<answer ident>_fb``). Answer idents are hashes: Canvas reads meaning into feedback idents that
contain ``correct``, ``wrong`` or ``general_``, and a question id may (kind ``correction``).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from ..model import Question
from .base import element as _el
from .base import feedback, ident, name, xml_document, zip_package
from .base import flat as _flat

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: The resource type Canvas gives (and looks for on) the meta file of an assessment.
META_RESOURCE = "associatedcontent/imscc_xmlv1p1/learning-application-resource"
META_FILE = "assessment_meta.xml"
POINTS = 1.0  # per question


def answer_idents(question: Question) -> list[str]:
    """The idents of a question's answers: unique in the package, stable for its id."""
    return [ident(question.id, "answer", str(i)) for i in range(len(question.options))]


def _material(parent: ET.Element, text: str) -> None:
    """Record text as ``text/html`` with HTML escaped: shown literally by any importer."""
    _el(_el(parent, "material"), "mattext", html.escape(text, quote=False), texttype="text/html")


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = _el(parent, "qtimetadatafield")
    _el(field, "fieldlabel", label)
    _el(field, "fieldentry", entry)


def _condition(processing: ET.Element, answer: str | None, *, show: str | None = None) -> None:
    """A response condition on ``answer`` (any answer if None): show the feedback ``show`` and go
    on, or (no ``show``) score 100 and stop, as Canvas writes the right answer."""
    condition = _el(processing, "respcondition", **{"continue": "Yes" if show else "No"})
    test = _el(condition, "conditionvar")
    if answer is None:
        _el(test, "other")
    else:
        _el(test, "varequal", answer, respident="response1")
    if show:
        _el(condition, "displayfeedback", feedbacktype="Response", linkrefid=show)
    else:
        _el(condition, "setvar", "100", action="Set", varname="SCORE")


def _item(section: ET.Element, q: Question) -> None:
    answers = answer_idents(q)
    item = _el(section, "item", ident=q.id, title=name(q))
    meta = _el(_el(item, "itemmetadata"), "qtimetadata")
    _field(meta, "question_type", "multiple_choice_question")
    _field(meta, "points_possible", f"{POINTS:.1f}")
    _field(meta, "original_answer_ids", ",".join(answers))
    presentation = _el(item, "presentation")
    _material(presentation, q.prompt)
    choices = _el(
        _el(presentation, "response_lid", ident="response1", rcardinality="Single"), "render_choice"
    )
    for answer, option in zip(answers, q.options, strict=True):
        _material(_el(choices, "response_label", ident=answer), option)
    processing = _el(item, "resprocessing")
    _el(
        _el(processing, "outcomes"),
        "decvar",
        maxvalue="100",
        minvalue="0",
        varname="SCORE",
        vartype="Decimal",
    )
    _condition(processing, None, show="general_fb")
    for answer in answers:
        _condition(processing, answer, show=f"{answer}_fb")
    _condition(processing, answers[q.answer])
    _material(_el(_el(item, "itemfeedback", ident="general_fb"), "flow_mat"), q.explanation)
    for i, answer in enumerate(answers):
        _material(_el(_el(item, "itemfeedback", ident=f"{answer}_fb"), "flow_mat"), feedback(q, i))


def qti_assessment(questions: list[Question], title: str) -> str:
    """The QTI 1.2 assessment XML: one multiple-choice item per question, in the given order."""
    root = _el(
        None,
        "questestinterop",
        **{
            "xmlns": QTI_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd",
        },
    )
    assessment = _el(root, "assessment", ident=ident(title), title=_flat(title))
    _field(_el(assessment, "qtimetadata"), "cc_maxattempts", "unlimited")
    section = _el(assessment, "section", ident="root_section")
    for q in questions:
        _item(section, q)
    return xml_document(root)


def qti_meta(questions: list[Question], title: str) -> str:
    """Canvas's ``assessment_meta.xml``: the quiz's title, description, points possible and settings
    (an unpublished graded quiz, any number of attempts, answers in the order written)."""
    quiz_ident = ident(title)
    points = f"{POINTS * len(questions):.1f}"
    root = _el(
        None,
        "quiz",
        identifier=quiz_ident,
        **{
            "xmlns": CANVAS_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd",
        },
    )
    description = f"{len(questions)} questions generated by ssl-kb from its knowledge base."
    for tag, value in (
        ("title", _flat(title)),
        ("description", html.escape(description, quote=False)),
        ("shuffle_answers", "false"),
        ("scoring_policy", "keep_highest"),
        ("quiz_type", "assignment"),
        ("points_possible", points),
        ("show_correct_answers", "true"),
        ("anonymous_submissions", "false"),
        ("could_be_locked", "false"),
        ("allowed_attempts", "-1"),
        ("one_question_at_a_time", "false"),
        ("cant_go_back", "false"),
        ("available", "false"),
        ("one_time_results", "false"),
        ("show_correct_answers_last_attempt", "false"),
        ("only_visible_to_overrides", "false"),
    ):
        _el(root, tag, value)
    assignment = _el(root, "assignment", identifier=ident(title, "assignment"))
    for tag, value in (
        ("title", _flat(title)),
        ("workflow_state", "unpublished"),
        ("quiz_identifierref", quiz_ident),
        ("points_possible", points),
        ("grading_type", "points"),
        ("submission_types", "online_quiz"),
    ):
        _el(assignment, tag, value)
    return xml_document(root)


def qti_manifest(title: str) -> str:
    """``imsmanifest.xml``: the assessment and, as its dependency, Canvas's meta file."""
    quiz_ident = ident(title)
    meta_ident = ident(title, "meta")
    root = _el(None, "manifest", identifier=ident(title, "manifest"), xmlns=MANIFEST_NS)
    meta = _el(root, "metadata")
    _el(meta, "schema", "IMS Content")
    _el(meta, "schemaversion", "1.1.3")
    _el(root, "organizations")
    resources = _el(root, "resources")
    assessment = _el(resources, "resource", identifier=quiz_ident, type="imsqti_xmlv1p2")
    _el(assessment, "file", href=f"{quiz_ident}/{quiz_ident}.xml")
    _el(assessment, "dependency", identifierref=meta_ident)
    settings = _el(
        resources, "resource", identifier=meta_ident, type=META_RESOURCE, href=f"{quiz_ident}/{META_FILE}"
    )
    _el(settings, "file", href=f"{quiz_ident}/{META_FILE}")
    return xml_document(root)


def to_qti(questions: list[Question], title: str) -> bytes:
    """A QTI 1.2 package (zip) that Canvas's quiz importer accepts: manifest, assessment, meta file."""
    quiz_ident = ident(title)
    return zip_package(
        {
            "imsmanifest.xml": qti_manifest(title),
            f"{quiz_ident}/{quiz_ident}.xml": qti_assessment(questions, title),
            f"{quiz_ident}/{META_FILE}": qti_meta(questions, title),
        }
    )
