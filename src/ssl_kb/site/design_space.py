"""Design space: how a method works (its design facets and ablations) and what each facet's values mean.

The facts of a method's ``design`` block and ``ablations`` list, and of a vocabulary record, are
collected here as escaped cells, links and charts for the templates: the "How it works" table of a
method's page, one figure and table per ablation, and the values of a vocabulary page with the
methods that use each. Value links point at the value's heading on its vocabulary page, whose
anchor is the value's id (``vocabularies/corruption.md#random-patch-masking``).
"""

from __future__ import annotations

from typing import Any

from ..design import FACET_BY_KEY, FACET_BY_VOCABULARY, Ablation, Facet, FacetInfo
from ..readmodel import ReadModel
from . import charts
from .markdown import Raw, code, link, relative, table, text


def _facet_title(cat: ReadModel, page: str, info: FacetInfo) -> Raw:
    """The facet's title, linked to its vocabulary page where the KB has one."""
    if info.vocabulary in cat.records:
        return link(page, cat.page(info.vocabulary), info.title)
    return text(info.title)


def value_link(cat: ReadModel, page: str, info: FacetInfo, value: str) -> Raw:
    """A value's name linked to its heading on the vocabulary page (plain text if not defined there)."""
    if value not in cat.vocabulary(info.key):
        return text(value)
    target = f"{relative(page, cat.page(info.vocabulary))}#{value}"
    return Raw(f"[{text(cat.value_name(info.key, value))}]({target})")


def ratio(facet: Facet) -> str | None:
    """``ratio 0.75``, for a corruption with a ratio (the fraction of the input removed)."""
    return None if facet.ratio is None else f"ratio {facet.ratio:g}"


def _value_cell(cat: ReadModel, page: str, info: FacetInfo, facet: Facet) -> Raw:
    if facet.value is None:
        return Raw(f"*unknown*: {text(facet.note)}")
    out = ", ".join(value_link(cat, page, info, v) for v in facet.value)
    removed = f"{ratio(facet)} ({facet.ratio * 100:g}% removed)" if facet.ratio is not None else None
    extra = [t for t in (removed, facet.note) if t]
    return Raw(out + "".join(f"; {text(t)}" for t in extra))


def how_it_works(cat: ReadModel, page: str, rid: str) -> dict[str, Any] | None:
    """A method's design block as a table (facet, values, source) and its rationales; None without one."""
    design = cat.design(rid)
    if design is None:
        return None
    rows = [
        [_facet_title(cat, page, info), _value_cell(cat, page, info, facet), facet.source]
        for info, facet in design.facets()
    ]
    rationales = [
        {"facet": info.title, "rationale": facet.rationale}
        for info, facet in design.facets()
        if facet.rationale
    ]
    return {"table": table(["Facet", "Value", "Source"], rows), "rationales": rationales}


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def ablation(cat: ReadModel, page: str, rid: str, study: Ablation) -> dict[str, Any]:
    """One ablation: its chart, its caption and the same numbers as a table (the static fallback)."""
    metric = _capital(cat.name(study.metric))
    measured = f"{metric} ({study.unit})"
    dataset = (
        link(page, cat.page(study.dataset), cat.name(study.dataset))
        if study.dataset in cat.records
        else text(study.dataset)
    )
    facet = ""
    if study.facet is not None:
        facet = f" Design facet: {_facet_title(cat, page, FACET_BY_KEY[study.facet])}."
    caption = Raw(
        f"*{text(measured)} against {text(study.factor)}*, "
        f"{'higher' if study.higher_is_better else 'lower'} is better. "
        f"Variant: {text(study.variant)}; protocol: {text(study.protocol)}; dataset: {dataset}. "
        f"Source: {text(study.source.rstrip('.'))}.{facet}"
    )
    rows = [
        [Raw(f"**{text(p.setting)}** (chosen)") if p.setting == study.chosen else p.setting, f"{p.value:g}"]
        for p in study.points
    ]
    title = f"{cat.name(rid)}: {measured} against {study.factor} ({study.variant}); the paper keeps {study.chosen}"
    return {
        "heading": Raw(f"{text(_capital(study.factor))} {{#ablation-{study.id}}}"),
        "figure": Raw(charts.ablation(f"ablation-{study.id}", study, metric=metric, title=title)),
        "caption": caption,
        "table": table([_capital(study.factor), measured], rows),
        "chosen": study.chosen,
        "rationale": study.rationale,
        "note": study.note,
    }


def ablations(cat: ReadModel, page: str, rid: str) -> list[dict[str, Any]]:
    return [ablation(cat, page, rid, study) for study in cat.ablations(rid)]


# ---------------------------------------------------------------------------- vocabulary pages


def vocabulary_values(cat: ReadModel, vocabulary_id: str) -> dict[str, Any]:
    """A vocabulary page's values (heading with the id as anchor, definition, the methods using it)
    and the methods for which the facet is unknown."""
    info = FACET_BY_VOCABULARY[vocabulary_id]
    page = cat.page(vocabulary_id)
    users: dict[str, list[Raw]] = {}
    unknown: list[Raw] = []
    for rid in sorted(cat.ids("method"), key=cat.chrono_key):
        design = cat.design(rid)
        if design is None:
            continue
        facet: Facet = getattr(design, info.key)
        method = link(page, cat.page(rid), cat.name(rid))
        if facet.value is None:
            unknown.append(method)
        for value in facet.value or []:
            detail = ratio(facet)
            users.setdefault(value, []).append(Raw(f"{method} ({text(detail)})") if detail else method)
    values = [
        {
            "heading": Raw(f"{text(v.name)} {{#{v.id}}}"),
            "id": v.id,
            "definition": v.definition,
            "source": v.source,
            "users": Raw(", ".join(users.get(v.id, []))),
        }
        for v in cat.vocabulary(info.key).values()
    ]
    used = sum(1 for m in cat.ids("method") if cat.facet_values(m, info.key))
    return {
        "field": code(f"design.{info.key}"),
        "noun": info.noun,
        "values": values,
        "used": f"{used} method{'' if used == 1 else 's'}",
        "unknown": Raw(", ".join(unknown)),
    }
