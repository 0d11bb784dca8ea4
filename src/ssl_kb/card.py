"""Card: a record rendered for the terminal (``ssl-kb show``)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .schema import AnyRecord, record_year


def _rows(record: AnyRecord) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [("kind", record.kind)]
    if record.full_name:
        rows.append(("full name", record.full_name))
    if record.aliases:
        rows.append(("aliases", ", ".join(record.aliases)))
    year = record_year(record)
    if year is not None:
        rows.append(("year", str(year)))
    paper = getattr(record, "paper", None)
    if paper is not None:
        rows.append(("paper", paper.title))
        rows.append(("authors", ", ".join(paper.authors)))
        if paper.venue:
            rows.append(("venue", f"{paper.venue} {paper.venue_year or ''}".strip()))
        if paper.arxiv:
            rows.append(("arXiv", f"{paper.arxiv}  https://arxiv.org/abs/{paper.arxiv}"))
    for field in (
        "family",
        "pretext_task",
        "architecture",
        "backbone",
        "training_data",
        "heading",
        "size",
        "unit",
    ):
        value = getattr(record, field, None)
        if value:
            rows.append((field.replace("_", " "), str(value)))
    modalities = getattr(record, "modalities", None)
    if modalities:
        rows.append(("modalities", ", ".join(m.value for m in modalities)))
    if record.topics:
        rows.append(("topics", ", ".join(record.topics)))
    losses = getattr(record, "losses", None)
    if losses:
        rows.append(("losses", ", ".join(losses)))
    return rows


def card(record: AnyRecord) -> Panel:
    """A record as a rich panel (the CLI prints it)."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for key, value in _rows(record):
        facts.add_row(key, escape(value))
    parts: list[RenderableType] = [Text(record.summary), Text(""), facts]
    results = getattr(record, "results", [])
    if results:
        table = Table(title="results", title_justify="left")
        for column in ("dataset", "metric", "value", "protocol", "variant", "source"):
            table.add_column(column, overflow="fold")
        for r in results:
            shots = f" ({r.shots}-shot)" if r.shots else ""
            table.add_row(
                r.dataset,
                r.metric,
                f"{r.value:g} {r.unit}",
                r.protocol.value + shots,
                escape(r.variant),
                escape(r.source),
            )
        parts.append(table)
    lineage = getattr(record, "lineage", [])
    if lineage:
        table = Table(title="builds on", title_justify="left")
        for column in ("parent", "type", "reason"):
            table.add_column(column, overflow="fold")
        for edge in lineage:
            table.add_row(edge.target, edge.type.value, escape(edge.reason))
        parts.append(table)
    for claim in record.lecture_claims:
        body = f"[b]lecture ({escape(claim.slide)}):[/b] {escape(claim.claim)}\n[b]verdict:[/b] {claim.verdict.value}"
        if claim.correction:
            body += f"\n[b]correction:[/b] {escape(claim.correction)}"
        body += f"\n[dim]source: {escape(claim.source)}[/dim]"
        parts.append(Panel(body, border_style="green" if claim.verdict.value == "correct" else "red"))
    return Panel(Group(*parts), title=f"[b]{escape(record.name)}[/b] ({record.id})", expand=False)
