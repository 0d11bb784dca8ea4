"""Validation: parsed record data -> schema models, with pydantic errors turned into diagnostics.

Each pydantic error becomes one diagnostic with a stable code, the field path as a contributor
writes it (``results[0].value``) and the line/column of that node in the YAML file.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .diagnostics import Diagnostic, make
from .loader import PLACEHOLDER, Document, Loc
from .schema import CHARACTER_ERRORS, MODELS, AnyRecord

_TYPE_CODES = {
    "extra_forbidden": "KB100",
    "missing": "KB101",
    "too_short": "KB101",
    "union_tag_invalid": "KB107",
    "union_tag_not_found": "KB101",
    "string_too_long": "KB105",
    "too_long": "KB105",
    "greater_than": "KB103",
    "greater_than_equal": "KB103",
    "less_than": "KB103",
    "less_than_equal": "KB103",
    "enum": "KB106",
    "literal_error": "KB106",
    **{kind: code for code, kind in CHARACTER_ERRORS.items()},
}


def _value_error_code(message: str) -> str:
    text = message.lower()
    if (
        "arxiv" in text
        or "identifier" in text
        or "month" in text
        or "five-digit" in text
        or "four-digit" in text
    ):
        return "KB109"
    if "future" in text or "greater than" in text or "above" in text or "finite" in text:
        return "KB103"
    return "KB108"


def _code_for(error: Any, loc: Loc) -> str:
    kind = error["type"]
    if kind in _TYPE_CODES:
        return _TYPE_CODES[kind]
    if kind == "string_pattern_mismatch":
        names = [p for p in loc if isinstance(p, str)]
        if names and names[-1] in ("url", "doi"):
            return "KB102"
        if (names and names[-1] == "losses") or (names and names[-1] == "implementation"):
            return "KB209"
        return "KB104"
    if kind == "value_error":
        return _value_error_code(str(error.get("msg", "")))
    return "KB102"


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


def _field_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
        code = _code_for(error, loc)
        if kind == "extra_forbidden":
            mark = doc.key_mark(loc)
        elif kind == "missing":
            mark = doc.mark(loc[:-1])
        else:
            mark = doc.mark(loc)
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if (
            kind not in ("missing", "extra_forbidden")
            and "input" in error
            and not isinstance(error["input"], dict | list)
            and "(got " not in message
        ):
            message += f" (got {_short(error['input'])})"
        if kind == "extra_forbidden":
            message = "unknown field"
        out.append(make(doc.path, mark, code, _field_path(loc), message))
    return out
