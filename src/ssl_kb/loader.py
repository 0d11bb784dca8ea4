"""Loader: reads ``kb/**/*.yaml`` safely into plain data with a line/column mark for every node.

Safety and limits are explicit: regular files inside the KB only, at most :data:`MAX_BYTES`,
UTF-8 without BOM, one YAML mapping, no tags beyond the core scalar types, duplicate keys are
errors, nesting depth and alias expansion are bounded. The YAML is parsed into events by
PyYAML's C parser when available and composed here without recursion, so no input can make
the loader recurse, allocate without bound or construct objects.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, field_path, make
from .text import problems

MAX_BYTES = 256 * 1024
MAX_DEPTH = 24
MAX_NODES = 20_000  # nodes after alias expansion
MAX_DIR_DEPTH = 16  # folder levels below kb/ that are read
RECORD_SUFFIXES = (".yaml", ".yml")

_EventLoader: type[yaml.CSafeLoader] | type[yaml.SafeLoader]
try:  # the C parser is several times faster; fall back to pure Python
    from yaml import CSafeLoader as _EventLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _EventLoader = yaml.SafeLoader

_RESOLVER = yaml.SafeLoader("")
_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}
_AMBIGUOUS_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
#: Values ``ssl-kb new`` writes for facts the contributor must supply (reported as KB014).
PLACEHOLDER = re.compile(r"^TODO\b")

# Characters outside YAML's printable set (YAML 1.1, 5.1), which the parser refuses.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

#: libyaml's scanner error for a "\uD800"-"\uDFFF" escape (half of a JSON-style surrogate pair).
_SURROGATE_ESCAPE = "found invalid Unicode character escape code"

#: Where a node sits in a document: keys and list indexes from the root, like pydantic's ``loc``
#: (``("results", 0, "value")``).
Loc = tuple[str | int, ...]
Mark = tuple[int, int]


@dataclass
class Document:
    """A parsed record file: its data, a mark per node path, and the problems found reading it."""

    path: str
    data: Any = None
    marks: dict[Loc, Mark] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: Nodes whose text the loader refused (KB110-KB112): validation reports nothing more there.
    refused: set[Loc] = field(default_factory=set)

    def mark(self, loc: Loc) -> Mark:
        """The mark of ``loc``, else of its closest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.marks:
                return self.marks[loc]
            loc = loc[:-1]
        return self.marks.get((), (1, 1))

    def key_mark(self, loc: Loc) -> Mark:
        """The mark of the key that introduces ``loc`` (for unknown or duplicate keys)."""
        return self.marks.get((*loc, "<key>"), self.mark(loc))


class _Abort(Exception):
    def __init__(self, code: str, mark: Mark, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code, self.mark, self.message, self.field = code, mark, message, field


def _mark(event: Any) -> Mark:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


@lru_cache(maxsize=8192)
def _resolve_plain(value: str, implicit: tuple[bool, bool]) -> str:
    """The implicit tag of a plain scalar (a pure function of its text; keys repeat in every file)."""
    # types-PyYAML leaves BaseResolver.resolve unannotated; it returns the tag, a str
    return str(_RESOLVER.resolve(yaml.ScalarNode, value, implicit))  # type: ignore[no-untyped-call]


def _check_text(event: Any, doc: Document, loc: Loc) -> None:
    """Report the characters no output can carry (:mod:`ssl_kb.text`), in values and keys alike."""
    found = problems(event.value)
    for problem in found:
        doc.diagnostics.append(make(doc.path, _mark(event), problem.code, field_path(loc), problem.message))
    if found:
        doc.refused.add(loc)


def _scalar(event: Any, doc: Document, loc: Loc) -> Any:
    value = event.value
    if event.tag and event.tag != "!":
        tag = event.tag
        if tag.startswith("!!"):
            tag = "tag:yaml.org,2002:" + tag[2:]
        if tag not in _CORE_TAGS:
            raise _Abort("KB006", _mark(event), f"tag {event.tag!r} is not allowed", field_path(loc))
    elif event.implicit[0]:
        tag = _resolve_plain(value, event.implicit)
    else:
        tag = "tag:yaml.org,2002:str"
    if tag == "tag:yaml.org,2002:bool" and _AMBIGUOUS_BOOL.fullmatch(value):
        doc.diagnostics.append(
            make(doc.path, _mark(event), "KB012", field_path(loc), f"{value!r} would be read as a boolean")
        )
    if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return value  # dates stay text; fields that want dates parse them
    node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark)
    try:
        return _RESOLVER.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        raise _Abort("KB003", _mark(event), f"cannot read scalar {value!r}: {exc}", field_path(loc)) from None


def _compose(events: Any, doc: Document) -> Any:
    """Build plain data from parser events iteratively, recording marks and enforcing limits."""
    anchors: dict[str, tuple[Any, int]] = {}
    # stack entries: [container, loc, pending_key, size, anchor, key_event]
    stack: list[list[Any]] = []
    root: Any = None
    have_root = False
    nodes = 0

    def attach(value: Any, size: int, event: Any) -> None:
        nonlocal root, have_root
        if not stack:
            root, have_root = value, True
            return
        top = stack[-1]
        container, loc = top[0], top[1]
        if isinstance(container, list):
            container.append(value)
            top[3] += size
            return
        if top[2] is None:  # this value is a key
            if not isinstance(value, str):
                kind = type(value).__name__
                raise _Abort("KB013", _mark(event), f"key {value!r} is a {kind}, not text", field_path(loc))
            if value in container:
                first = doc.marks.get((*loc, value, "<key>"), (0, 0))
                raise _Abort(
                    "KB005",
                    _mark(event),
                    f"key {value!r} appears twice (first at line {first[0]})",
                    field_path((*loc, value)),
                )
            top[2] = value
            doc.marks[(*loc, value, "<key>")] = _mark(event)
            return
        container[top[2]] = value
        top[2] = None
        top[3] += size

    def child_loc() -> Loc:
        if not stack:
            return ()
        top = stack[-1]
        container, loc = top[0], top[1]
        if isinstance(container, list):
            return (*loc, len(container))
        return (*loc, top[2]) if top[2] is not None else (*loc, "<key>")

    for event in events:
        if isinstance(event, yaml.StreamStartEvent | yaml.StreamEndEvent | yaml.DocumentEndEvent):
            continue
        if isinstance(event, yaml.DocumentStartEvent):
            if have_root:
                raise _Abort("KB009", _mark(event), "the file holds more than one YAML document")
            continue
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise _Abort("KB003", _mark(event), f"alias *{event.anchor} has no anchor")
            value, size = anchors[event.anchor]
            nodes += size
            if nodes > MAX_NODES:
                raise _Abort("KB007", _mark(event), f"aliases expand to more than {MAX_NODES} nodes")
            loc = child_loc()
            if loc and loc[-1] != "<key>":
                doc.marks.setdefault(loc, _mark(event))
            attach(value, size, event)
            continue
        if isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _Abort("KB007", _mark(event), f"the file expands to more than {MAX_NODES} nodes")
            loc = child_loc()
            is_key = bool(loc) and loc[-1] == "<key>"
            _check_text(event, doc, (*loc[:-1], event.value) if is_key else loc)
            value = _scalar(event, doc, loc[:-1] if is_key else loc)
            if not is_key:
                doc.marks[loc] = _mark(event)
                if isinstance(value, str) and PLACEHOLDER.match(value):
                    short = value if len(value) <= 40 else value[:37] + "..."
                    doc.diagnostics.append(
                        make(
                            doc.path,
                            _mark(event),
                            "KB014",
                            field_path(loc),
                            f"placeholder {short!r} is still there",
                        )
                    )
            if event.anchor:
                anchors[event.anchor] = (value, 1)
            attach(value, 1, event)
            continue
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            if event.tag and event.tag not in ("!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                raise _Abort(
                    "KB006", _mark(event), f"tag {event.tag!r} is not allowed", field_path(child_loc())
                )
            loc = child_loc()
            if loc and loc[-1] == "<key>":
                raise _Abort(
                    "KB013", _mark(event), "a mapping key is a collection, not text", field_path(loc[:-1])
                )
            if len(stack) >= MAX_DEPTH:
                raise _Abort(
                    "KB008", _mark(event), f"nesting deeper than {MAX_DEPTH} levels", field_path(loc)
                )
            nodes += 1
            doc.marks[loc] = _mark(event)
            container: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
            stack.append([container, loc, None, 1, event.anchor, event])
            continue
        if isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            container, loc, _, size, anchor, start = stack.pop()
            if anchor:
                anchors[anchor] = (container, size)
            attach(container, size, start)
    return root


def _line_col(text: str, index: int) -> Mark:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def parse_text(path: str, text: str) -> Document:
    """Parse one record's text; problems go into ``Document.diagnostics``."""
    doc = Document(path)
    if text.startswith("\ufeff"):
        doc.diagnostics.append(
            make(path, (1, 1), "KB010", "", "the file starts with a UTF-8 byte-order mark")
        )
        return doc
    for lineno, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        if "\t" in line[:indent]:
            col = line.index("\t") + 1
            doc.diagnostics.append(
                make(path, (lineno, col), "KB004", "", "tab character used for indentation")
            )
            return doc
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        doc.diagnostics.append(make(path, (1, 1), "KB009", "", "the file is empty"))
        return doc
    try:
        try:
            data = _compose(yaml.parse(text, Loader=_EventLoader), doc)
        except yaml.MarkedYAMLError as exc:
            if exc.problem != _SURROGATE_ESCAPE or _EventLoader is yaml.SafeLoader:
                raise
            # libyaml stops at a "\ud83d" escape; the pure-Python parser decodes it to a lone
            # surrogate, which _check_text reports (KB110) at its scalar with the other problems
            doc = Document(path)
            try:
                data = _compose(yaml.parse(text, Loader=yaml.SafeLoader), doc)
            except ValueError:  # an escape beyond U+10FFFF: libyaml's report stands
                raise exc from None
    except _Abort as abort:
        doc.diagnostics.append(make(path, abort.mark, abort.code, abort.field, abort.message))
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        # libyaml's scanner refuses very deep flow nesting before any event reaches _compose
        code = "KB008" if "nesting depth" in problem else "KB003"
        doc.diagnostics.append(make(path, where, code, "", problem))
        return doc
    except yaml.reader.ReaderError:  # a character YAML does not allow; its position is in
        # bytes or characters depending on the parser, so find the character again
        bad = _NOT_PRINTABLE.search(text)
        where = _line_col(text, bad.start()) if bad else (1, 1)
        what = f"character U+{ord(bad.group()):04X}" if bad else "a character"
        doc.diagnostics.append(make(path, where, "KB001", "", f"{what} is not allowed in YAML; remove it"))
        return doc
    except ValueError as exc:  # without libyaml: chr() of an escape beyond U+10FFFF
        doc.diagnostics.append(make(path, (1, 1), "KB003", "", f"invalid escape: {exc}"))
        return doc
    except yaml.YAMLError as exc:  # errors without a mark
        doc.diagnostics.append(make(path, (1, 1), "KB003", "", str(exc).splitlines()[0]))
        return doc
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        doc.diagnostics.append(make(path, doc.mark(()), "KB009", "", f"the file holds {kind}, not a mapping"))
        return doc
    doc.data = data
    return doc


class NotARegularFile(OSError):
    """The path is not a regular file (a FIFO, a device, a folder, a symlink); it was not read."""


class TooLarge(OSError):
    """The file holds more than the limit; ``size`` is what ``fstat`` says (or the limit + 1)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size:,} bytes")
        self.size = size


def read_limited(path: Path | str, limit: int | None = None, *, dir_fd: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``limit`` (default :data:`MAX_BYTES`), read safely.

    The file is opened without following a final symlink and without blocking (a FIFO never
    hangs the reader), the open descriptor is checked to be a regular file (not a FIFO, a
    device or a folder), and at most ``limit + 1`` bytes are read, so no file under kb/ can
    make a command hang or read without bound. Raises :class:`NotARegularFile`,
    :class:`TooLarge` or another :class:`OSError`.
    """
    limit = MAX_BYTES if limit is None else limit
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            raise NotARegularFile("a symlink") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(_kind_of(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # grew after fstat
            raise TooLarge(total)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def _depth(path: Path, root: Path) -> int:
    try:
        return len(Path(path).absolute().relative_to(Path(root).absolute()).parts)
    except ValueError:
        return 0


def read_file(path: Path, root: Path, display: str) -> Document:
    """Read and parse one file, enforcing where it lives, its kind, its size and its encoding."""
    doc = Document(display)

    def refuse(code: str, message: str) -> Document:
        doc.diagnostics.append(make(display, (1, 1), code, "", message))
        return doc

    try:
        if path.is_symlink():
            target = path.resolve()
            inside = target.is_relative_to(root.resolve())
            where = "inside" if inside else "outside"
            return refuse("KB011", f"the record is a symlink to {where} kb/ ({target.name})")
        if not path.absolute().parent.resolve().is_relative_to(Path(root).resolve()):
            return refuse("KB011", "the file is not inside kb/ (or is reached through a symlinked folder)")
        if path.is_dir():
            if _depth(path, root) > MAX_DIR_DEPTH:
                return refuse(
                    "KB016", f"folder nested {_depth(path, root)} levels deep; the limit is {MAX_DIR_DEPTH}"
                )
            return refuse("KB011", "not a regular file (a folder)")
        if path.suffix not in RECORD_SUFFIXES:
            return refuse("KB015", f"extension {path.suffix!r}: record files end in .yaml (lowercase)")
        raw = read_limited(path)
    except NotARegularFile as exc:
        return refuse("KB011", f"not a regular file ({exc})")
    except TooLarge as exc:
        return refuse("KB002", f"{exc.size:,} bytes; the limit is {MAX_BYTES:,} bytes")
    except OSError as exc:
        return refuse("KB001", f"cannot read: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        doc.diagnostics.append(
            make(display, (line, col), "KB001", "", f"byte 0x{raw[exc.start]:02x} is not valid UTF-8")
        )
        return doc
    return parse_text(display, text)


def is_record_name(name: str) -> bool:
    """Whether a file name looks like a record (``.yaml``/``.yml`` in any case, not hidden)."""
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in RECORD_SUFFIXES


def discover(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` file under ``root``, sorted, without following folder links.

    The walk uses an explicit stack (no recursion) and enters folders at most
    :data:`MAX_DIR_DEPTH` levels below ``root``. Paths that :func:`read_file` must report rather
    than skip are listed too: a link to a folder (KB011, instead of silently skipping the records
    behind it), a record name with a wrongly cased extension such as ``.YAML`` (KB015), and a
    folder nested too deep (KB016). Hidden files and folders are skipped.
    """
    root = Path(root)
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as entries:
                items = [(e.name, e.is_dir(follow_symlinks=False), e.is_symlink()) for e in entries]
        except OSError:
            continue  # vanished or unreadable: nothing to list
        for name, is_dir, is_link in items:
            if name.startswith("."):
                continue
            path = folder / name
            if is_dir:
                if depth + 1 > MAX_DIR_DEPTH:
                    found.append(path)  # reported as KB016, not entered
                else:
                    stack.append((path, depth + 1))
            elif (is_link and path.is_dir()) or is_record_name(name):
                found.append(path)
    return sorted(found)
