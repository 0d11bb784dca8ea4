"""Validation: parsed record data -> schema models, with pydantic errors turned into diagnostics.

Each pydantic error becomes one diagnostic with a stable code, the field path as a contributor
writes it (``results[0].value``) and the line/column of that node in the YAML file.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .diagnostics import Diagnostic, code_for_error, field_path, make
from .loader import PLACEHOLDER, Document, Loc
from .schema import MODELS, AnyRecord

#: A pattern mismatch is a malformed identifier (KB104), except in these fields.
_PATTERN_FIELDS = {"url": "KB102", "doi": "KB102", "losses": "KB209", "implementation": "KB209"}


def _code_for(error: Any, loc: Loc) -> str:
    """The code of one pydantic error, from its type (and, for a pattern, the field it is in)."""
    kind = str(error["type"])
    if kind == "string_pattern_mismatch":
        names = [p for p in loc if isinstance(p, str)]
        if names and names[-1] in _PATTERN_FIELDS:
            return _PATTERN_FIELDS[names[-1]]
    return code_for_error(kind)


def _message(error: Any) -> str:
    """What went wrong: a ``ValueError``'s own text (without pydantic's "Value error, "), else
    pydantic's message, with the value it got where that is a scalar."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    ctx = error.get("ctx") or {}
    message = str(ctx["error"]) if kind == "value_error" and "error" in ctx else str(error["msg"])
    if kind != "missing" and "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {_short(error['input'])})"
    return message


def _data_loc(data: Any, loc: tuple[Any, ...], keep_last: bool) -> Loc:
    """Map a pydantic location onto a path in the YAML data, dropping union and tag members."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        inside_map = isinstance(node, dict) and isinstance(part, str) and part in node
        inside_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if inside_map or inside_list:
            out.append(part)
            node = node[part]
        elif last and keep_last and isinstance(node, dict) and isinstance(part, str):
            out.append(part)
        # anything else names a union member or the discriminator tag: not part of the data path
    return tuple(out)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_document(doc: Document) -> tuple[AnyRecord | None, list[Diagnostic]]:
    """Validate one parsed file against the model its ``kind`` names."""
    data = doc.data
    if not isinstance(data, dict):
        return None, []
    kind = data.get("kind")
    if kind is None:
        return None, [make(doc.path, doc.mark(()), "KB101", "kind", "Field required")]
    if not isinstance(kind, str) or kind not in MODELS:
        allowed = ", ".join(MODELS)
        return None, [
            make(
                doc.path,
                doc.mark(("kind",)),
                "KB107",
                "kind",
                f"unknown kind {kind!r}; expected one of {allowed}",
            )
        ]
    model = MODELS[kind]
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        return None, _diagnostics(doc, exc)
    return record, []  # type: ignore[return-value]


def _diagnostics(doc: Document, exc: ValidationError) -> list[Diagnostic]:
    seen: set[Loc] = set()
    out: list[Diagnostic] = []
    for error in exc.errors(include_url=False):
        kind = error["type"]
        loc = _data_loc(doc.data, tuple(error["loc"]), keep_last=kind in ("missing", "extra_forbidden"))
        if loc in seen or loc in doc.refused:
            continue  # one problem per node: unions report each member's failure; the loader
            # already reported the characters of refused nodes (KB110-KB112)
        if kind == "string_unicode" and doc.refused:
            continue  # pydantic cannot read a lone surrogate (KB110), even in a key
        if isinstance(error.get("input"), str) and PLACEHOLDER.match(error["input"]):
            continue  # the loader reported the template placeholder (KB014) at this node
        seen.add(loc)
        if kind == "extra_forbidden":
            mark = doc.key_mark(loc)
        elif kind == "missing":
            mark = doc.mark(loc[:-1])
        else:
            mark = doc.mark(loc)
        out.append(make(doc.path, mark, _code_for(error, loc), field_path(loc), _message(error)))
    return out
