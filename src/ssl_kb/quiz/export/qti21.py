"""QTI 2.1 packages: the IMS standard that most other systems import (Blackboard, Brightspace, TAO,
Inspera, ONYX, Moodle with its QTI plugin; Canvas too), written by ElementTree from XML-legal text.

An IMS Content Package::

    imsmanifest.xml          schema "QTIv2.1 Package"; one resource imsqti_test_xmlv2p1 (the test)
                             depending on one imsqti_item_xmlv2p1 per question
    test.xml                 an assessmentTest: one section holding every item, in the given order
    items/ID.xml             an assessmentItem per question: a choiceInteraction with one right
                             choice (correctResponse), a score of 1, a modal feedback per choice
                             and the explanation as a feedback everyone sees

Record text is XML text here (the item body is XHTML), so ElementTree's escaping is all it needs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import Question
from .base import element as _el
from .base import feedback, ident, name, xml_document, zip_package
from .base import flat as _flat

QTI21_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI21_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/qtiv2p1_imscpv1p2_v1p0.xsd"
QTI21_METADATA_NS = "http://www.imsglobal.org/xsd/imsqti_metadata_v2p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TEST_FILE = "test.xml"
GENERAL = "general_fb"  # the feedback everyone sees: the explanation


def choice_idents(question: Question) -> list[str]:
    """The identifiers of a question's choices: unique in the package, stable for its id."""
    return [ident(question.id, "answer", str(i)) for i in range(len(question.options))]


def item_path(question: Question) -> str:
    return f"items/{question.id}.xml"


def _root(tag: str, **attrs: str) -> ET.Element:
    return _el(
        None,
        tag,
        **{"xmlns": QTI21_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{QTI21_NS} {QTI21_XSD}"},
        **attrs,
    )


def _value(parent: ET.Element, tag: str, value: str, **attrs: str) -> None:
    _el(_el(parent, tag, **attrs), "value", value)


def qti21_item(question: Question) -> str:
    """One question as a QTI 2.1 ``assessmentItem`` (match-correct scoring, feedback per choice)."""
    q = question
    choices = choice_idents(q)
    root = _root("assessmentItem", identifier=q.id, title=name(q), adaptive="false", timeDependent="false")
    declaration = _el(
        root, "responseDeclaration", identifier="RESPONSE", cardinality="single", baseType="identifier"
    )
    _value(declaration, "correctResponse", choices[q.answer])
    _value(
        _el(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float"),
        "defaultValue",
        "0",
    )
    _value(
        _el(root, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float"),
        "defaultValue",
        "1",
    )
    _el(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")
    interaction = _el(
        _el(root, "itemBody"),
        "choiceInteraction",
        responseIdentifier="RESPONSE",
        shuffle="false",
        maxChoices="1",
    )
    _el(interaction, "prompt", _flat(q.prompt))
    for choice, option in zip(choices, q.options, strict=True):
        _el(interaction, "simpleChoice", _flat(option), identifier=choice)
    processing = _el(root, "responseProcessing")
    branch = _el(_el(processing, "responseCondition"), "responseIf")
    match = _el(branch, "match")
    _el(match, "variable", identifier="RESPONSE")
    _el(match, "correct", identifier="RESPONSE")
    _el(_el(branch, "setOutcomeValue", identifier="SCORE"), "baseValue", "1", baseType="float")
    shown = _el(_el(processing, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
    _el(shown, "variable", identifier="RESPONSE")
    _el(shown, "baseValue", GENERAL, baseType="identifier")
    for i, choice in enumerate(choices):
        text = _el(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=choice, showHide="show")
        _el(text, "p", feedback(q, i))
    _el(
        _el(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=GENERAL, showHide="show"),
        "p",
        _flat(q.explanation),
    )
    return xml_document(root)


def qti21_test(questions: list[Question], title: str) -> str:
    """The ``assessmentTest``: every item in one section, in the given order; the score is their sum."""
    root = _root("assessmentTest", identifier=ident(title), title=_flat(title))
    _el(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    part = _el(root, "testPart", identifier="part", navigationMode="nonlinear", submissionMode="individual")
    section = _el(part, "assessmentSection", identifier="section", title=_flat(title), visible="true")
    for q in questions:
        _el(section, "assessmentItemRef", identifier=q.id, href=item_path(q))
    total = _el(_el(root, "outcomeProcessing"), "setOutcomeValue", identifier="SCORE")
    _el(_el(total, "sum"), "testVariables", variableIdentifier="SCORE")
    return xml_document(root)


def qti21_manifest(questions: list[Question], title: str) -> str:
    """``imsmanifest.xml`` of the content package: the test, and each item with its interaction type."""
    root = _el(
        None,
        "manifest",
        identifier=ident(title, "manifest"),
        **{
            "xmlns": CP_NS,
            "xmlns:imsqti": QTI21_METADATA_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{CP_NS} {CP_XSD}",
        },
    )
    meta = _el(root, "metadata")
    _el(meta, "schema", "QTIv2.1 Package")
    _el(meta, "schemaversion", "1.0.0")
    _el(root, "organizations")
    resources = _el(root, "resources")
    test = _el(resources, "resource", identifier=ident(title), type="imsqti_test_xmlv2p1", href=TEST_FILE)
    _el(test, "file", href=TEST_FILE)
    for q in questions:
        _el(test, "dependency", identifierref=q.id)
    for q in questions:
        item = _el(resources, "resource", identifier=q.id, type="imsqti_item_xmlv2p1", href=item_path(q))
        qti = _el(_el(item, "metadata"), "imsqti:qtiMetadata")
        _el(qti, "imsqti:interactionType", "choiceInteraction")
        _el(item, "file", href=item_path(q))
    return xml_document(root)


def to_qti21(questions: list[Question], title: str) -> bytes:
    """A QTI 2.1 content package (zip): manifest, test and one item file per question."""
    files = {"imsmanifest.xml": qti21_manifest(questions, title), TEST_FILE: qti21_test(questions, title)}
    files.update((item_path(q), qti21_item(q)) for q in questions)
    return zip_package(files)
