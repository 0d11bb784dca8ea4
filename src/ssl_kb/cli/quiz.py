"""`ssl-kb quiz`: the terminal quiz, spaced-repetition review, exports and the committed bank."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import KbOption, UrlOption, app, err, fail, get_project, user_errors

if TYPE_CHECKING:
    from ..quiz.model import Question


def parse_answer(text: str, n_options: int) -> int | None:
    """An option index from ``2`` or ``b`` (case-insensitive); None if it is not one."""
    from ..quiz.model import LETTERS

    text = text.strip().lower().rstrip(").")
    if text.isdigit() and 1 <= int(text) <= n_options:
        return int(text) - 1
    if len(text) == 1 and text in LETTERS[:n_options]:
        return LETTERS.index(text)
    return None


def _page(question: Question, kinds: dict[str, str]) -> str:
    """Where to read more: the ``ssl-kb show`` command and the page in the built site."""
    from ..schema import record_page
    from ..site.markdown import html_url

    target = question.links[0] if question.links else question.provenance[0].record
    kind = kinds.get(target)
    if kind is None:
        return f"`ssl-kb show {target}`"
    return f"`ssl-kb show {target}` (site: {html_url('index.md', record_page(kind, target))})"


def _run(
    questions: list[Question], history: Any, interactive: bool, kinds: dict[str, str]
) -> tuple[int, list[tuple[Question, int]]]:
    """Ask each question; returns the score and the mistakes. Each answer is saved at once."""
    from rich.console import Console
    from rich.markup import escape

    from ..quiz.model import LETTERS

    console = Console(highlight=False)
    score = 0
    mistakes: list[tuple[Question, int]] = []
    for n, q in enumerate(questions, 1):
        console.print(
            f"\n[bold]Question {n}/{len(questions)}[/bold] [dim]({q.kind}, difficulty {q.difficulty:.2f})[/dim]"
        )
        console.print(escape(q.prompt))
        for i, option in enumerate(q.options):
            console.print(f"  [cyan]{LETTERS[i]}[/cyan]) {escape(option)}")
        choice: int | None = None
        while choice is None:
            if interactive:
                console.print(f"answer [{LETTERS[0]}-{LETTERS[len(q.options) - 1]}, q to stop]: ", end="")
            line = sys.stdin.readline()
            if not line:  # end of input: stop here, keep what was answered
                if n == 1:
                    raise EOFError("standard input ended before the first answer")
                return score, mistakes
            if line.strip().lower() in ("q", "quit", "exit"):
                return score, mistakes
            choice = parse_answer(line, len(q.options))
            if choice is None:
                console.print(
                    f"[yellow]'{escape(line.strip())}' is not an option; type a letter or a number[/yellow]"
                )
        correct = choice == q.answer
        history.record(q.id, correct, q.options[choice])
        if correct:
            score += 1
            console.print("[green]Right.[/green] " + escape(q.explanation))
        else:
            mistakes.append((q, choice))
            console.print(
                f"[red]Not quite:[/red] the answer is {LETTERS[q.answer]}) {escape(q.answer_text)}. {escape(q.explanation)}"
            )
        console.print(f"[dim]read more: {escape(_page(q, kinds))}[/dim]")
    return score, mistakes


@app.command()
def quiz(
    topic: Annotated[
        str | None, typer.Option("--topic", help="A topic id, e.g. joint-embeddings (all topics without it).")
    ] = None,
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="Number of questions.")] = 10,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Same KB and seed give the same quiz [default: random; 0 for exports]."),
    ] = None,
    kinds: Annotated[
        str | None, typer.Option("--kinds", help="Comma-separated question kinds (see --list-kinds).")
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Spaced repetition: missed and due questions first.")
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Export instead of asking: json, md, gift, qti or anki.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Export file (required for qti and anki).")
    ] = None,
    all_questions: Annotated[
        bool, typer.Option("--all", help="Export every question of the topic instead of --n.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the committed quizzes/ bank is stale.")
    ] = False,
    write_bank: Annotated[
        bool, typer.Option("--write-bank", help="Regenerate the committed quizzes/ bank.")
    ] = False,
    deck_name: Annotated[
        str,
        typer.Option(
            "--deck",
            help="understanding (how methods work and why), recall (years, authors, slides, numbers) or all.",
        ),
    ] = "understanding",
    list_kinds: Annotated[bool, typer.Option("--list-kinds", help="List the question kinds.")] = False,
    history_path: Annotated[
        Path | None, typer.Option("--history", help="Answer history file [default: user data dir].")
    ] = None,
    kb: KbOption = None,
    url: UrlOption = None,
) -> None:
    """Quiz yourself in the terminal, review by spaced repetition, or export a quiz."""
    from ..quiz.kinds import KINDS

    if list_kinds:
        for name, kind in KINDS.items():
            typer.echo(f"{name:15} {kind.deck:14} {kind.level:11} {kind.title}")
        return
    from ..quiz.bank import DECK_CHOICES

    if deck_name not in DECK_CHOICES:
        fail(f"--deck must be one of {', '.join(DECK_CHOICES)}, got {deck_name!r}", 2)
    chosen_kinds = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    if chosen_kinds:
        unknown = [k for k in chosen_kinds if k not in KINDS]
        if unknown:
            fail(f"unknown kind(s) {', '.join(unknown)}; kinds: {', '.join(KINDS)}", 2)
    from ..quiz.export import BINARY, FORMATS

    if fmt is not None and fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", 2)
    if fmt in BINARY and out is None:
        fail(f"--format {fmt} writes a binary file: give --out PATH", 2)

    from .. import graph as lineage
    from ..output import guard_file, stale, with_marker, write_text
    from ..quiz.bank import bank_files, deck, draw, generate
    from ..readmodel import ReadModel

    with user_errors():
        project = get_project(kb)
        engine = project.open_store(url)
        model = ReadModel.read(engine, lineage.build(engine))
        if check or write_bank:
            files = with_marker(bank_files(model))
            if check:
                problems = stale(files, project.quiz_dir, prefix="quizzes/")
                if problems:
                    err("\n".join(map(str, problems)))
                    fail(
                        f"quizzes/ is stale ({len(problems)} file(s)); run `ssl-kb build` or `ssl-kb quiz --write-bank`"
                    )
                err(f"ok: quizzes/ is up to date ({len(files)} files)")
                return
            _write_bank(project, files)
            err(f"wrote {len(files)} files to {project.quiz_dir}")
            return
    if topic is not None and topic not in model.topic_order:
        fail(f"no topic {topic!r}; topics: {', '.join(model.topic_order)}")
    pool = deck(generate(model, chosen_kinds), deck_name, topic=topic)
    if not pool:
        fail("no questions match these options")
    title = model.name(topic) if topic else "Self-supervised learning in vision"

    if fmt is not None:
        from ..quiz.export import WRITERS

        questions = pool if all_questions else draw(pool, n, 0 if seed is None else seed)
        try:
            data = WRITERS[fmt](questions, title)
        except ModuleNotFoundError as exc:
            fail(f"--format {fmt} needs {exc.name}: pip install 'ssl-kb[export]'")
        if out is None:
            sys.stdout.write(data.decode())
        else:
            with user_errors():
                write_text(guard_file(out, kb_dir=project.kb_dir), data)
            err(f"wrote {len(questions)} questions to {out}")
        return

    from ..quiz.history import DATA_ENV, History, HistoryError, default_path

    if sys.stdin is None or sys.stdin.closed:
        fail("standard input is closed: run `ssl-kb quiz` in a terminal, or pipe one answer per line", 2)
    seed = random.SystemRandom().randrange(1_000_000) if seed is None else seed
    try:
        history = History(history_path or default_path(os.environ.get(DATA_ENV)))
    except HistoryError as exc:
        fail(f"cannot use the quiz history: {exc}")
    with history:
        if review:
            order = history.review_order([q.id for q in pool])
            by_id = {q.id: q for q in pool}
            questions = [by_id[i] for i in order[:n]]
            if not questions:
                err("nothing is due for review; come back later or take a new quiz")
                return
        else:
            questions = draw(pool, n, seed)
        interactive = sys.stdin.isatty()
        err(f"{title}: {len(questions)} questions (seed {seed}); answer with a letter or number, q to stop")
        record_kinds = {rid: row.kind for rid, row in model.rows.items()}
        try:
            score, mistakes = _run(questions, history, interactive, record_kinds)
        except KeyboardInterrupt:
            err("\ninterrupted: the answers given so far are saved")
            raise typer.Exit(130) from None
        except HistoryError as exc:
            fail(f"cannot save to the quiz history: {exc}")
        except EOFError as exc:
            fail(f"{exc}: run `ssl-kb quiz` in a terminal, or pipe one answer (a letter or number) per line")
    answered = score + len(mistakes)
    typer.echo(
        f"\nScore: {score}/{answered}"
        + (f" (stopped after {answered} of {len(questions)})" if answered < len(questions) else "")
    )
    if mistakes:
        typer.echo("Review your mistakes:")
        for q, choice in mistakes:
            typer.echo(
                f"- {q.prompt}\n  you chose: {q.options[choice]}; answer: {q.answer_text}\n  {q.explanation}"
            )


def _write_bank(project: Any, files: dict[str, Any]) -> None:
    """Replace quizzes/ under the build lock, after finishing any interrupted build."""
    from .. import build as pipeline
    from ..errors import Busy
    from ..output import MARKER, guard_folder
    from ..transaction import replace_tree

    outputs = pipeline.Outputs.of(project)
    guard_folder(outputs.quizzes, kb_dir=project.kb_dir, root=project.root, option="quizzes/")
    try:
        with pipeline.lock(outputs):
            pipeline.recover_outputs(outputs)
            replace_tree({k: v for k, v in files.items() if k != MARKER}, outputs.quizzes)
    except Busy as exc:
        fail(str(exc))
