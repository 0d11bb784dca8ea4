"""Diagnostics: the one table of problem codes, and the problems found in records.

The table :data:`CODES` is the single source for the messages' hints, for the contributing
guide's error page on the site and for ``ssl-kb codes``, and for how schema errors are classified
(:func:`code_for_error`). Codes are stable: never renumber one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum

from .record_kinds import RecordKind
from .text import visible


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    hint: str
    severity: Severity = Severity.ERROR
    #: pydantic's own error types (``missing``, ``greater_than``...) that this code classifies.
    #: The errors :mod:`ssl_kb.schema` raises itself carry the code as their type.
    error_types: tuple[str, ...] = ()


_CODE_LIST = [
    # --- reading the file (KB0xx) ---
    Code(
        "KB001", "file cannot be read", "save the record as UTF-8 text; check the bytes at the position shown"
    ),
    Code("KB002", "file too large", "a record is a few kilobytes; split it or remove the pasted data"),
    Code(
        "KB003",
        "YAML syntax error",
        "fix the YAML at the position shown; `ssl-kb new` writes a valid template",
    ),
    Code("KB004", "tab character in indentation", "YAML indents with spaces only; replace the tab by spaces"),
    Code(
        "KB005", "duplicate key", "each key appears once per mapping; PyYAML would silently keep the last one"
    ),
    Code(
        "KB006", "YAML tag not allowed", "records are plain data: remove the `!tag` (object tags never load)"
    ),
    Code("KB007", "too many aliases", "anchors and aliases expand beyond the limit; write the values out"),
    Code("KB008", "nesting too deep", "records nest a few levels only; flatten the structure"),
    Code("KB009", "not one mapping", "a record file holds exactly one YAML mapping (key: value lines)"),
    Code("KB010", "byte-order mark", "save the file as UTF-8 without a byte-order mark (BOM)"),
    Code(
        "KB011",
        "not a regular file inside kb/",
        "records are regular files inside kb/; replace the symlink by the file",
    ),
    Code(
        "KB012",
        "ambiguous YAML 1.1 scalar",
        "YAML 1.1 reads yes/no/on/off as booleans; quote the text or write true/false",
    ),
    Code("KB013", "mapping key is not text", "keys are field names (snake_case text)"),
    Code(
        "KB014",
        "template placeholder not filled in",
        "replace the TODO by the real value (null where the field is optional); the comment on that line says what goes there",
    ),
    Code(
        "KB015",
        "record extension not lowercase",
        "rename the file to end in .yaml (lowercase): files ending in .YAML, .Yml and so on are not read as records",
    ),
    Code(
        "KB016",
        "folders nested too deep",
        "kb/ holds a folder per kind (kb/methods/...); move the records up and remove the nested folders",
    ),
    # --- one record against the schema (KB1xx) ---
    Code(
        "KB100",
        "unknown field",
        "check the spelling against `ssl-kb schema` or the contributing guide; unknown keys are never ignored",
        error_types=("extra_forbidden",),
    ),
    Code(
        "KB101",
        "missing required field",
        "add the field; `ssl-kb new KIND ID` writes a template with every field",
        error_types=("missing", "too_short", "union_tag_not_found"),
    ),
    Code(
        "KB102",
        "wrong type",
        "give a value of the type the field expects (quote text, use numbers without units)",
    ),
    Code(
        "KB103",
        "value out of range",
        "results are non-negative numbers in the metric's unit; years are 1950 to this year",
        error_types=("greater_than", "greater_than_equal", "less_than", "less_than_equal"),
    ),
    Code(
        "KB104",
        "malformed identifier",
        "ids are lowercase kebab-case (a-z, 0-9, '-'), no slashes, dots or spaces",
        error_types=("string_pattern_mismatch",),
    ),
    Code(
        "KB105",
        "text or list too long",
        "keep summaries short and in your own words; split long lists",
        error_types=("string_too_long", "too_long"),
    ),
    Code(
        "KB106",
        "value not allowed",
        "use one of the values listed in the message",
        error_types=("enum", "literal_error"),
    ),
    Code(
        "KB107",
        "unknown record kind",
        "kind is one of: " + ", ".join(RecordKind),
        error_types=("union_tag_invalid",),
    ),
    Code(
        "KB108",
        "inconsistent fields",
        "the fields of this object contradict each other; see the message",
        error_types=("value_error",),
    ),
    Code(
        "KB109",
        "malformed arXiv id",
        'write the new-style id as a quoted string without prefix, e.g. "2111.06377"',
    ),
    # --- characters that no output can carry (KB110-KB114; see ssl_kb.text) ---
    Code(
        "KB110",
        "lone surrogate",
        'write the character itself or its code point ("\\U0001F600"), not a JSON-style \\uD83D\\uDE00 pair',
    ),
    Code(
        "KB111",
        "noncharacter",
        "remove the character: U+FFFE, U+FFFF and U+FDD0-U+FDEF are not text and XML cannot hold them",
    ),
    Code(
        "KB112",
        "control character",
        "remove the character; only tab, newline and carriage return are allowed in text",
    ),
    Code(
        "KB113",
        "bidirectional control in an id or name",
        "remove the U+202x/U+206x/LRM/RLM/ALM mark: ids and names are shown as typed (prose may keep them)",
    ),
    Code(
        "KB114",
        "invisible character in an id or name",
        "remove the zero-width or invisible character: ids and names must look like what they are",
    ),
    # --- across records (KB2xx) ---
    Code("KB200", "id differs from file name", "the file name (without .yaml) must equal the record's id"),
    Code("KB201", "duplicate id", "ids are unique across kb/; pick another id or merge the records"),
    Code("KB202", "unknown reference", "point at the id of an existing record (see `ssl-kb list`)"),
    Code("KB203", "unknown topic", "topics are ids of topic records in kb/topics/"),
    Code(
        "KB204", "lineage cycle", "lineage points from a record to earlier work; remove one edge of the cycle"
    ),
    Code(
        "KB205",
        "parent newer than child",
        "a record cannot build on later work; check both years or the edge direction",
    ),
    Code(
        "KB206",
        "arXiv id disagrees with year",
        "paper.year is the year of the first arXiv version; it must match the id's YYMM",
    ),
    Code("KB207", "unknown dataset", "results name a dataset record by id; add the dataset record first"),
    Code(
        "KB208", "metric not listed by dataset", "name a metric record that the dataset lists under metrics"
    ),
    Code("KB209", "unknown loss implementation", "name a function listed in ssl_kb.losses.__all__"),
    Code(
        "KB210",
        "record in the wrong folder",
        "methods go in kb/methods/, concepts in kb/concepts/, and so on",
    ),
    Code("KB211", "duplicate topic order", "each topic has its own position in the lecture"),
    Code(
        "KB212",
        "lineage edge to a non-work record",
        "lineage targets are methods or concepts, not topics, datasets or metrics",
    ),
    Code("KB213", "duplicate lineage edge", "list each parent once"),
    Code(
        "KB214",
        "design value not in its vocabulary",
        "use a value listed in kb/vocabularies/<facet>.yaml, or add it there with a definition in the same pull request",
    ),
    # --- warnings, errors with --strict (KB3xx) ---
    Code("KB300", "record in no topic", "list the lecture topic(s) it belongs to", Severity.WARNING),
    Code(
        "KB301",
        "paper without arXiv id",
        "add the arXiv id, or a note saying the paper has none",
        Severity.WARNING,
    ),
    Code(
        "KB302",
        "method without lineage",
        "add the earlier work it builds on, or a note that it is a root",
        Severity.WARNING,
    ),
    Code(
        "KB303",
        "method without design block",
        "add `design:` with every facet (objective, target, negatives, ...); see the contributing guide",
        Severity.WARNING,
    ),
]

CODES: dict[str, Code] = {c.code: c for c in _CODE_LIST}
_BY_ERROR_TYPE = {kind: c.code for c in _CODE_LIST for kind in c.error_types}
#: The code of a schema error of any type that no code lists (``int_type``, ``bool_parsing``...).
WRONG_TYPE = "KB102"


def code_for_error(error_type: str) -> str:
    """The code of a pydantic error of type ``error_type``: the type itself where it is a code
    (the errors :mod:`ssl_kb.schema` raises), the code whose ``error_types`` list it, else KB102."""
    if error_type in CODES:
        return error_type
    return _BY_ERROR_TYPE.get(error_type, WRONG_TYPE)


def field_path(loc: Sequence[str | int]) -> str:
    """A location inside a record as a contributor writes it: ``results[0].value``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, located in a file."""

    path: str
    line: int
    col: int
    code: str
    field: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def hint(self) -> str:
        return CODES[self.code].hint

    def to_text(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        field = f" {self.field}:" if self.field else ""
        level = "" if self.severity is Severity.ERROR else " (warning)"
        return f"{where}: {self.code}{level}{field} {self.message}\n    hint: {self.hint}"

    def to_github(self) -> str:
        level = "error" if self.severity is Severity.ERROR else "warning"
        message = f"{self.field}: {self.message} (hint: {self.hint})" if self.field else self.message

        def esc(text: str) -> str:
            return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        def prop(text: str) -> str:
            return esc(text).replace(":", "%3A").replace(",", "%2C")

        return (
            f"::{level} file={prop(self.path)},line={self.line},col={self.col},"
            f"title={prop(self.code)}::{esc(message)}"
        )

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["hint"] = self.hint
        return data


def make(path: str, mark: tuple[int, int], code: str, field: str, message: str) -> Diagnostic:
    """Build a diagnostic whose severity comes from the code table. Record text in the field
    path or message is shown with its non-printable characters escaped: a key or value cannot
    write terminal escapes, fake lines or lone surrogates into the report."""
    return Diagnostic(
        visible(path), mark[0], mark[1], code, visible(field), visible(message), CODES[code].severity
    )


def format_diagnostics(diagnostics: list[Diagnostic], fmt: str) -> str:
    """Render diagnostics as ``text``, ``json`` or ``github`` workflow commands."""
    ordered = sorted(diagnostics)
    if fmt == "json":
        return json.dumps([d.to_dict() for d in ordered], indent=2)
    if fmt == "github":
        return "\n".join(d.to_github() for d in ordered)
    return "\n".join(d.to_text() for d in ordered)


def failed(diagnostics: list[Diagnostic], *, strict: bool = False) -> bool:
    """Whether these diagnostics fail a check (warnings count only with ``strict``)."""
    return any(strict or d.severity is Severity.ERROR for d in diagnostics)
