"""Readers of QTI packages, independent of the writers in ``ssl_kb.quiz.export.qti`` and ``.qti21``.

``read_qti12`` reads a package the way Canvas's importer does (canvas-lms: ``Qti::Converter``,
``QuizMetadataConverter``, ``AssessmentItemConverter``): the manifest's ``imsqti_xmlv1p2``
resource, its assessment, and the meta file found at ``<assessment ident>/assessment_meta.xml``
through a ``learning-application-resource``. The right answer is the one whose response condition
sets the score; feedback is what each condition displays.

``read_qti21`` reads an IMS QTI 2.1 content package: the manifest (schema ``QTIv2.1 Package``),
the ``imsqti_test_xmlv2p1`` resource and its ``assessmentItemRef``s, and each item's
``correctResponse``, choices and ``modalFeedback`` (shown when the FEEDBACK outcome holds its
identifier, as the item's response processing sets it).

Every XML file is also parsed by a second parser (minidom); text in ``text/html`` is unescaped
after checking that it holds no tag.
"""

from __future__ import annotations

import html
import io
import xml.dom.minidom
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP11 = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"
QTI21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
QTI21_META = "{http://www.imsglobal.org/xsd/imsqti_metadata_v2p1}"
META_RESOURCE = "learning-application-resource"


class QtiError(ValueError):
    """A package an importer would refuse or misread."""


@dataclass
class Item:
    ident: str
    title: str
    prompt: str
    choices: list[tuple[str, str]]  # (ident, text)
    right: list[str]  # idents of the right choices
    feedback: dict[str, str]  # choice ident -> its feedback
    general: str  # the feedback everyone sees
    points: float
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Package:
    files: list[str]
    title: str
    ident: str
    items: list[Item]
    meta: dict[str, str] = field(default_factory=dict)  # Canvas's assessment_meta.xml, tag -> text
    idents: list[str] = field(default_factory=list)  # every ident/identifier in the package


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def html_text(text: str) -> str:
    """The text an HTML fragment shows; :class:`QtiError` if it holds a tag."""
    parser = _Tags()
    parser.feed(text)
    parser.close()
    if parser.tags:
        raise QtiError(f"record text became markup {parser.tags}: {text!r}")
    return html.unescape(text)


def _open(data: bytes) -> tuple[zipfile.ZipFile, dict[str, ET.Element]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    docs = {}
    for path in archive.namelist():
        if path.endswith("/"):
            continue
        raw = archive.read(path)
        xml.dom.minidom.parseString(raw)  # well-formed to a second parser too
        docs[path] = ET.fromstring(raw)
    if "imsmanifest.xml" not in docs:
        raise QtiError("no imsmanifest.xml at the root of the package")
    return archive, docs


def _one(parent: ET.Element, path: str) -> ET.Element:
    found = parent.findall(path)
    if len(found) != 1:
        raise QtiError(f"expected one {path} in <{parent.tag}>, found {len(found)}")
    return found[0]


def _mattext(parent: ET.Element) -> str:
    mattext = _one(parent, f".//{QTI12}mattext")
    if mattext.get("texttype") != "text/html":
        raise QtiError(f"mattext of type {mattext.get('texttype')!r}")
    return html_text(mattext.text or "")


def _idents_of(items: list[Item]) -> list[str]:
    """The items' idents, then their choices' idents."""
    return [i.ident for i in items] + [c for i in items for c, _ in i.choices]


def read_qti12(data: bytes) -> Package:
    """A Canvas QTI 1.2 package, read as Canvas's importer reads it."""
    archive, docs = _open(data)
    manifest = docs["imsmanifest.xml"]
    resources = {r.get("identifier"): r for r in manifest.iter(f"{CP11}resource")}
    (assessment_res,) = [r for r in resources.values() if r.get("type") == "imsqti_xmlv1p2"]
    quiz_path = _one(assessment_res, f"{CP11}file").get("href") or ""
    root = docs[quiz_path]
    if root.tag != f"{QTI12}questestinterop":
        raise QtiError(f"{quiz_path} is not a QTI 1.2 questestinterop")
    assessment = _one(root, f"{QTI12}assessment")
    ident = assessment.get("ident") or ""
    meta_path = f"{ident}/assessment_meta.xml"  # where Canvas looks for it
    deps = [d.get("identifierref") for d in assessment_res.findall(f"{CP11}dependency")]
    meta_files = [
        f.get("href")
        for d in deps
        if d in resources and (resources[d].get("type") or "").endswith(META_RESOURCE)
        for f in resources[d].findall(f"{CP11}file")
    ]
    if meta_path not in meta_files or meta_path not in docs:
        raise QtiError(f"no {meta_path} through a {META_RESOURCE} the assessment depends on")
    meta_root = docs[meta_path]
    if meta_root.tag != f"{CANVAS}quiz" or meta_root.get("identifier") != ident:
        raise QtiError("assessment_meta.xml is not Canvas's <quiz> of this assessment")
    meta = {el.tag.removeprefix(CANVAS): (el.text or "") for el in meta_root if len(el) == 0}
    items = [_item12(item) for item in assessment.iter(f"{QTI12}item")]
    idents = [manifest.get("identifier") or "", *map(str, resources), *_idents_of(items)]
    return Package(archive.namelist(), assessment.get("title") or "", ident, items, meta, idents)


def _item12(item: ET.Element) -> Item:
    meta = {
        (f.findtext(f"{QTI12}fieldlabel") or ""): (f.findtext(f"{QTI12}fieldentry") or "")
        for f in item.iter(f"{QTI12}qtimetadatafield")
    }
    presentation = _one(item, f"{QTI12}presentation")
    lid = _one(presentation, f"{QTI12}response_lid")
    labels = lid.findall(f".//{QTI12}response_label")
    choices = [(label.get("ident") or "", _mattext(label)) for label in labels]
    prompt = _mattext(_one(presentation, f"{QTI12}material"))
    texts = {fb.get("ident") or "": _mattext(fb) for fb in item.findall(f"{QTI12}itemfeedback")}
    right: list[str] = []
    feedback: dict[str, str] = {}
    general = ""
    for condition in item.iter(f"{QTI12}respcondition"):
        test = _one(condition, f"{QTI12}conditionvar")
        answer = test.findtext(f"{QTI12}varequal")
        scores = [s for s in condition.findall(f"{QTI12}setvar") if s.get("varname") == "SCORE"]
        if scores and float(scores[0].text or 0) > 0:
            right.append(answer or "")
            if condition.get("continue") != "No":
                raise QtiError("the right answer's condition must stop (continue=No), as Canvas writes it")
        for shown in condition.findall(f"{QTI12}displayfeedback"):
            text = texts[shown.get("linkrefid") or ""]
            if answer is None and test.find(f"{QTI12}other") is not None:
                general = text
            elif answer is not None:
                feedback[answer] = text
    return Item(
        item.get("ident") or "",
        item.get("title") or "",
        prompt,
        choices,
        right,
        feedback,
        general,
        float(meta.get("points_possible", "nan")),
        meta,
    )


def read_qti21(data: bytes) -> Package:
    """An IMS QTI 2.1 content package: its test, and every item the test refers to."""
    archive, docs = _open(data)
    manifest = docs["imsmanifest.xml"]
    if manifest.tag != f"{CP}manifest" or manifest.findtext(f"{CP}metadata/{CP}schema") != "QTIv2.1 Package":
        raise QtiError("the manifest is not a QTI 2.1 content package")
    resources = {r.get("identifier"): r for r in manifest.iter(f"{CP}resource")}
    (test_res,) = [r for r in resources.values() if r.get("type") == "imsqti_test_xmlv2p1"]
    for res in resources.values():
        hrefs = [f.get("href") or "" for f in res.findall(f"{CP}file")]
        if res.get("href") not in hrefs or any(h not in docs for h in hrefs):
            raise QtiError(f"resource {res.get('identifier')}: href {res.get('href')!r}, files {hrefs}")
    deps = [d.get("identifierref") for d in test_res.findall(f"{CP}dependency")]
    test = docs[test_res.get("href") or ""]
    if test.tag != f"{QTI21}assessmentTest":
        raise QtiError("the test resource is not an assessmentTest")
    refs = list(test.iter(f"{QTI21}assessmentItemRef"))
    items = []
    for ref in refs:
        res = resources[ref.get("identifier")]
        if res.get("type") != "imsqti_item_xmlv2p1" or res.get("href") != ref.get("href"):
            raise QtiError(f"item {ref.get('identifier')} is not the item resource of the same file")
        kinds = [t.text for t in res.iter(f"{QTI21_META}interactionType")]
        if kinds != ["choiceInteraction"]:
            raise QtiError(f"item {ref.get('identifier')}: interaction types {kinds}")
        items.append(_item21(docs[ref.get("href") or ""], ref.get("identifier") or ""))
    if sorted(deps) != sorted(r.get("identifier") for r in refs):
        raise QtiError("the test's dependencies are not its items")
    idents = [manifest.get("identifier") or "", *map(str, resources), *_idents_of(items)[len(items) :]]
    return Package(
        archive.namelist(), test.get("title") or "", test.get("identifier") or "", items, {}, idents
    )


def _item21(root: ET.Element, identifier: str) -> Item:
    if root.tag != f"{QTI21}assessmentItem" or root.get("identifier") != identifier:
        raise QtiError(f"{identifier}: not the assessmentItem of this identifier")
    response = _one(root, f"{QTI21}responseDeclaration")
    if (response.get("identifier"), response.get("cardinality"), response.get("baseType")) != (
        "RESPONSE",
        "single",
        "identifier",
    ):
        raise QtiError(f"{identifier}: not a single-choice response")
    right = [v.text or "" for v in response.iterfind(f"{QTI21}correctResponse/{QTI21}value")]
    interaction = _one(root, f"{QTI21}itemBody/{QTI21}choiceInteraction")
    if interaction.get("responseIdentifier") != "RESPONSE" or interaction.get("maxChoices") != "1":
        raise QtiError(f"{identifier}: the interaction is not one choice of RESPONSE")
    choices = [
        (c.get("identifier") or "", "".join(c.itertext()))
        for c in interaction.findall(f"{QTI21}simpleChoice")
    ]
    prompt = "".join(_one(interaction, f"{QTI21}prompt").itertext())
    # what the response processing puts in FEEDBACK: the chosen identifier and fixed ones
    shown = [
        m
        for s in root.iterfind(f"{QTI21}responseProcessing/{QTI21}setOutcomeValue")
        if s.get("identifier") == "FEEDBACK"
        for m in s.iterfind(f"{QTI21}multiple/*")
    ]
    echoes = any(m.tag == f"{QTI21}variable" and m.get("identifier") == "RESPONSE" for m in shown)
    fixed = {m.text for m in shown if m.tag == f"{QTI21}baseValue"}
    texts = {
        m.get("identifier") or "": "".join(m.itertext()).strip()
        for m in root.findall(f"{QTI21}modalFeedback")
        if m.get("outcomeIdentifier") == "FEEDBACK" and m.get("showHide") == "show"
    }
    feedback = {c: texts[c] for c, _ in choices if echoes and c in texts}
    general = [texts[f] for f in fixed if f in texts]
    scores = [
        float(b.text or 0)
        for s in root.iter(f"{QTI21}setOutcomeValue")
        if s.get("identifier") == "SCORE"
        for b in s.iterfind(f"{QTI21}baseValue")
    ]
    return Item(
        identifier,
        root.get("title") or "",
        prompt,
        choices,
        right,
        feedback,
        general[0] if len(general) == 1 else "",
        max(scores, default=0.0),
        {},
    )
