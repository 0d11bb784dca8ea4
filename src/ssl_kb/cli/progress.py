"""`ssl-kb progress`: what the quiz history says per topic and question kind, and the weakest facets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import KbOption, ListFormat, UrlOption, app, err, fail, get_project, print_json, user_errors
from .quiz import clock

if TYPE_CHECKING:
    from ..quiz.progress import Progress, Tally


def _recall(tally: Tally) -> str:
    recall = tally.recall
    return "-" if recall is None else f"{recall:.0%} ({tally.right}/{tally.answers})"


def _cells(tally: Tally) -> list[str]:
    due = [str(tally.due_today), str(tally.due_week)]
    return [f"{tally.seen}/{tally.questions}", _recall(tally), *due]


def _show(report: Progress) -> None:
    """The table (a topic's row, then its kinds with an answer; all topics last), then the weakest
    facets."""
    from rich.console import Console
    from rich.table import Table

    from .quiz import screen

    table = Table(title=f"Progress at {report.now:%Y-%m-%d %H:%M}", title_justify="left")
    table.add_column("topic / kind", overflow="fold")
    for name in ("seen", "recall", "due today", "due this week"):
        table.add_column(name, justify="right")
    groups = [*report.topics, *([report.overall] if report.overall else [])]
    for n, group in enumerate(groups):
        if n:
            table.add_section()
        table.add_row(group.title, *_cells(group.total), style="bold")
        for kind, tally in group.kinds.items():
            if tally.seen:
                table.add_row(f"  {kind}", *_cells(tally))
    console: Console = screen()
    console.print(table)
    console.print()
    if report.weakest:
        console.print("Weakest facets:")
        for facet in report.weakest:
            console.print(f"  {facet}", soft_wrap=True)
    else:
        console.print("Weakest facets: none missed yet.")
    if report.retired:
        console.print(
            f"({report.retired} answered question(s) are no longer in the bank: their facts were deleted)"
        )


@app.command()
def progress(
    topic: Annotated[
        str | None, typer.Option("--topic", help="Only this topic (all topics without it).")
    ] = None,
    fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
    history_path: Annotated[
        Path | None, typer.Option("--history", help="Answer history file [default: user data dir].")
    ] = None,
    kb: KbOption = None,
    url: UrlOption = None,
) -> None:
    """Your quiz progress: per topic and question kind, questions seen, recall rate (the share of
    answers that were right), questions due today and this week (the next 7 days), and the weakest
    design facets. Reads the history of `ssl-kb quiz` (--history, or $SSL_KB_DATA_DIR) without
    changing it; $SSL_KB_NOW sets the time, for tests and demos."""
    from .. import graph as lineage
    from ..quiz.bank import generate
    from ..quiz.history import DATA_ENV, History, HistoryError, default_path
    from ..quiz.progress import progress as measure
    from ..readmodel import ReadModel

    now = clock()()
    path = history_path or default_path(os.environ.get(DATA_ENV))
    with user_errors():
        project = get_project(kb)
        engine = project.open_store(url)
        model = ReadModel.read(engine, lineage.build(engine))
    if topic is not None and topic not in model.topic_order:
        fail(f"no topic {topic!r}; topics: {', '.join(model.topic_order)}")
    reviews, cards = [], {}
    if path.exists():
        try:
            with History(path, read_only=True) as history:
                reviews, cards = history.reviews(), history.cards()
        except HistoryError as exc:
            fail(f"cannot read the quiz history: {exc}")
    topics = [(t, model.name(t)) for t in model.topic_order]
    report = measure(generate(model), reviews, cards, now, topics, topic)
    if fmt is ListFormat.json:
        print_json(report.to_dict())
    elif report.answers:
        _show(report)
    if not report.answers:
        err(
            f"no answers in {path} yet: take a quiz (`ssl-kb quiz`) or a review (`ssl-kb quiz --review`), "
            "then come back"
        )
