"""Scaffold: a new record file from the template of its kind (``ssl-kb new KIND ID``).

Templates live in ``templates/records/<kind>.yaml.j2``. They name every field of the kind, with
guidance in comments; required facts are ``TODO`` placeholders, which ``ssl-kb check`` reports
as KB014 at their line until the contributor replaces them, and optional fields are ``null`` or
``[]``. A template with every placeholder replaced by a real value passes the check. A
vocabulary belongs to a design facet, so its id is the vocabulary id of one of :data:`ssl_kb.design.FACETS`.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from .design import FACET_BY_VOCABULARY, FACETS
from .errors import ScaffoldError as ScaffoldError
from .loader import discover, read_limited
from .schema import FOLDERS, ID_RE, RecordKind

_ID_RE = ID_RE


def check_new_id(record_id: str) -> None:
    """Raise :class:`ScaffoldError` unless ``record_id`` is a well-formed new id."""
    if not record_id:
        raise ScaffoldError("the id is empty")
    if len(record_id) > 64:
        raise ScaffoldError(f"the id is {len(record_id)} characters long; the limit is 64")
    if not _ID_RE.fullmatch(record_id):  # fullmatch: `$` alone also matches before a final newline
        suggestion = re.sub(r"[^a-z0-9]+", "-", record_id.lower()).strip("-")
        hint = f"; e.g. {suggestion!r}" if suggestion and _ID_RE.fullmatch(suggestion) else ""
        raise ScaffoldError(
            f"malformed id {record_id!r}: ids are lowercase kebab-case (a-z, 0-9 and single '-' "
            f"between them), with no slashes, dots, spaces or capitals{hint}"
        )


def render(kind: str, record_id: str) -> str:
    """The text of a new record of ``kind`` with ``record_id``."""
    if kind not in FOLDERS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(RecordKind)}")
    check_new_id(record_id)
    if kind == RecordKind.VOCABULARY and record_id not in FACET_BY_VOCABULARY:
        raise ScaffoldError(
            f"{record_id!r} is no design facet's vocabulary: a vocabulary's id is that of its facet "
            f"({', '.join(sorted(FACET_BY_VOCABULARY))}); a new facet is added to ssl_kb.design.FACETS first"
        )
    env = Environment(
        loader=PackageLoader("ssl_kb", "templates/records"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        autoescape=False,  # YAML, not HTML; the only variable is a checked kebab-case id
    )
    return env.get_template(f"{kind}.yaml.j2").render(id=record_id, facets=FACETS)


def existing(kb_dir: Path, record_id: str) -> Path | None:
    """A file in ``kb_dir`` that already uses ``record_id`` (as its name or its ``id:``), if any.

    Files are read as the loader reads them (regular files only, at most its size limit, never
    through a symlink), so a FIFO or a link to ``/dev/zero`` under kb/ cannot hang or exhaust this.
    """
    id_line = re.compile(rf"^id:[ \t]*[\"']?{re.escape(record_id)}[\"']?[ \t]*(?:#.*)?$", re.MULTILINE)
    files = discover(kb_dir)
    for path in files:
        if path.stem == record_id:
            return path
    for path in files:
        try:
            text = read_limited(path).decode("utf-8", errors="replace")
        except OSError:  # not a regular file, too large or unreadable: `ssl-kb check` reports it
            continue
        if id_line.search(text):
            return path
    return None


def target(kb_dir: Path, kind: str, record_id: str) -> Path:
    """Where a new record of ``kind`` with ``record_id`` goes."""
    check_new_id(record_id)
    return Path(kb_dir) / FOLDERS[kind] / f"{record_id}.yaml"


def _open_folder(kb_dir: Path, name: str) -> int:
    """A descriptor of ``kb_dir/name``, created if missing; refuses a symlink or a non-folder."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    top = os.open(kb_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=top)
        try:
            return os.open(name, flags, dir_fd=top)
        except OSError:
            raise ScaffoldError(
                f"{Path(kb_dir) / name} is not a folder inside kb/ (a symlink or a file); "
                "records are written only into real folders of kb/"
            ) from None
    finally:
        os.close(top)


def create(kb_dir: Path, kind: str, record_id: str) -> Path:
    """Write the template of a new record; refuse a malformed or taken id. Returns the path.

    The file is created inside the kind's folder of ``kb_dir`` only: the folder is never a
    symlink, the file is created exclusively (never overwritten, even in a race) and without
    following a symlink, and a failed write leaves no partial file.
    """
    text = render(kind, record_id).encode("utf-8")
    taken = existing(kb_dir, record_id)
    if taken is not None:
        raise ScaffoldError(
            f"id {record_id!r} is already used by {taken}; ids are unique across kb/ and never reused"
        )
    path = target(kb_dir, kind, record_id)
    folder = _open_folder(Path(kb_dir), FOLDERS[kind])
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path.name, flags, 0o666, dir_fd=folder)
        except FileExistsError:
            raise ScaffoldError(f"{path} already exists") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
        except BaseException:
            os.unlink(path.name, dir_fd=folder)
            raise
    finally:
        os.close(folder)
    return path
