"""Scaffold: a new record file from the template of its kind (``ssl-kb new KIND ID``).

Templates live in ``templates/records/<kind>.yaml.j2``. They name every field of the kind, with
guidance in comments; required facts are ``TODO`` placeholders, which ``ssl-kb check`` reports
as KB014 at their line until the contributor replaces them, and optional fields are ``null`` or
``[]``. A template with every placeholder replaced by a real value passes the check.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from .loader import discover
from .schema import FOLDERS, ID_PATTERN

KINDS = tuple(FOLDERS)
_ID_RE = re.compile(ID_PATTERN)


class ScaffoldError(Exception):
    """The record cannot be created (malformed or taken id); the message says why."""


def check_new_id(record_id: str) -> None:
    """Raise :class:`ScaffoldError` unless ``record_id`` is a well-formed new id."""
    if not record_id:
        raise ScaffoldError("the id is empty")
    if len(record_id) > 64:
        raise ScaffoldError(f"the id is {len(record_id)} characters long; the limit is 64")
    if not _ID_RE.match(record_id):
        suggestion = re.sub(r"[^a-z0-9]+", "-", record_id.lower()).strip("-")
        hint = f"; e.g. {suggestion!r}" if suggestion and _ID_RE.match(suggestion) else ""
        raise ScaffoldError(
            f"malformed id {record_id!r}: ids are lowercase kebab-case (a-z, 0-9 and single '-' "
            f"between them), with no slashes, dots, spaces or capitals{hint}"
        )


def render(kind: str, record_id: str) -> str:
    """The text of a new record of ``kind`` with ``record_id``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    check_new_id(record_id)
    env = Environment(
        loader=PackageLoader("ssl_kb", "templates/records"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        autoescape=False,  # YAML, not HTML; the only variable is a checked kebab-case id
    )
    return env.get_template(f"{kind}.yaml.j2").render(id=record_id)


def existing(kb_dir: Path, record_id: str) -> Path | None:
    """A file in ``kb_dir`` that already uses ``record_id`` (as its name or its ``id:``), if any."""
    id_line = re.compile(rf"^id:\s*[\"']?{re.escape(record_id)}[\"']?\s*(?:#.*)?$", re.MULTILINE)
    for path in discover(kb_dir):
        if path.stem == record_id:
            return path
    for path in discover(kb_dir):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if id_line.search(text):
            return path
    return None


def target(kb_dir: Path, kind: str, record_id: str) -> Path:
    """Where a new record of ``kind`` with ``record_id`` goes."""
    return Path(kb_dir) / FOLDERS[kind] / f"{record_id}.yaml"


def create(kb_dir: Path, kind: str, record_id: str) -> Path:
    """Write the template of a new record; refuse a malformed or taken id. Returns the path."""
    text = render(kind, record_id)
    taken = existing(kb_dir, record_id)
    if taken is not None:
        raise ScaffoldError(
            f"id {record_id!r} is already used by {taken}; ids are unique across kb/ and never reused"
        )
    path = target(kb_dir, kind, record_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists") from None
    return path
