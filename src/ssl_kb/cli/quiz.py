"""`ssl-kb quiz`: the terminal quiz, spaced-repetition review, exports and the committed bank."""

from __future__ import annotations

import os
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import KbOption, UrlOption, app, err, fail, get_project, user_errors

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console
    from rich.text import Text

    from ..quiz.model import Question


def parse_reply(text: str, n_options: int) -> tuple[int, str] | None:
    """An option index and its mark from ``2``, ``b``, ``b+`` (it was easy) or ``b-`` (it was hard),
    case-insensitive; None if it is not one."""
    from ..quiz.model import LETTERS

    text = text.strip().lower()
    mark = text[-1] if text[-1:] in ("+", "-") else ""
    text = text.removesuffix(mark).strip().rstrip(").")
    if text.isascii() and text.isdigit() and 1 <= int(text) <= n_options:
        return int(text) - 1, mark
    if len(text) == 1 and text in LETTERS[:n_options]:
        return LETTERS.index(text), mark
    return None


def parse_answer(text: str, n_options: int) -> int | None:
    """An option index from ``2`` or ``b`` (a mark after it allowed); None if it is not one."""
    reply = parse_reply(text, n_options)
    return reply[0] if reply else None


NOW_ENV = "SSL_KB_NOW"


def clock() -> Callable[[], datetime]:
    """The time of each answer: the system clock, or the fixed time in ``$SSL_KB_NOW`` (an ISO
    date-time, UTC if it names no offset; for tests and demos over simulated days)."""
    from datetime import UTC, datetime

    value = os.environ.get(NOW_ENV, "").strip()
    if not value:
        return lambda: datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"${NOW_ENV} is {value!r}, not an ISO date-time such as 2025-03-01T09:00 "
            f"(it is for tests and demos: unset it to use the clock)",
            2,
        )
    fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return lambda: fixed


def until(due: datetime, now: datetime) -> str:
    """``in 10 minutes``, ``in 3 hours``, ``in 2 days``: when a question is due, seen from ``now``."""
    seconds = max((due - now).total_seconds(), 0)
    units = [("day", 86_400), ("hour", 3_600)]
    unit, size = next(((u, n) for u, n in units if seconds >= n), ("minute", 60))
    count = max(round(seconds / size), 1)
    return f"in {count} {unit}{'s' if count != 1 else ''}"


def _page(question: Question, kinds: dict[str, str]) -> str:
    """Where to read more: the ``ssl-kb show`` command and the page in the built site."""
    from ..schema import record_page
    from ..site.markdown import html_url

    target = question.links[0] if question.links else question.provenance[0].record
    kind = kinds.get(target)
    if kind is None:
        return f"`ssl-kb show {target}`"
    return f"`ssl-kb show {target}` (site: {html_url('index.md', record_page(kind, target))})"


# ---------------------------------------------------------------------------- the screen

PIPE_WIDTH = 80  # the line width when stdout is not a terminal and COLUMNS is not set
MIN_TEXT = 20  # cells of text a line keeps beside its indent, however narrow the terminal
# Words are separated by white space other than the no-break spaces, which join what they separate.
_WORD = re.compile(r"[\S\u00a0\u2007\u202f]+")


def screen() -> Console:
    """The console the quiz prints to: rich's width (COLUMNS, else the terminal's), or 80 columns
    when stdout is not a terminal and COLUMNS is not set, whatever size another stream's terminal has."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(highlight=False, width=PIPE_WIDTH)
    return console


def wrap(text: str, width: int, *, first: Text | str = "", indent: int = 0, style: str = "") -> list[Text]:
    """``first`` then ``text`` (in ``style``) as lines of at most ``width`` cells, each line after the
    first starting with ``indent`` spaces (a hanging indent). Lines break between words; a word is
    cut only where it is longer than a whole line. A line break in ``text`` starts a new line."""
    from rich.cells import cell_len, chop_cells
    from rich.text import Text

    room = max(width, indent + MIN_TEXT)
    lines: list[Text] = []
    line = Text(first) if isinstance(first, str) else first.copy()
    used, empty = line.cell_len, True  # empty: no word of ``text`` on this line yet

    def new_line() -> None:
        nonlocal line, used, empty
        line.rstrip()
        lines.append(line)
        line, used, empty = Text(" " * indent), indent, True

    for n, paragraph in enumerate(text.split("\n")):
        if n:
            new_line()
        for word in _WORD.findall(paragraph):
            size, gap = cell_len(word), 0 if empty else 1
            if used + gap + size > room and (size <= room - indent or used + gap >= room):
                new_line()  # the word fits on the next line, or nothing more fits on this one
            elif gap:
                line.append(" ")
                used += 1
            while used + cell_len(word) > room:  # longer than a line: cut it
                piece = chop_cells(word, room - used)[0] if room > used else ""
                line.append(piece, style)
                word = word[len(piece) :]
                new_line()
            line.append(word, style)
            used += cell_len(word)
            empty = False
    line.rstrip()
    lines.append(line)
    return lines


def say(console: Console, text: str, *, first: Text | str = "", indent: int = 0, style: str = "") -> None:
    """Print ``text`` wrapped at the console's width (see :func:`wrap`)."""
    for line in wrap(text, console.width, first=first, indent=indent, style=style):
        console.print(line, soft_wrap=True)  # already wrapped: rich must not wrap it again


def _option(console: Console, index: int, text: str, lead: str = "  ") -> None:
    """``  b) text``, its continuation lines under the text."""
    from rich.text import Text

    from ..quiz.model import LETTERS

    first = Text.assemble(lead, (LETTERS[index], "cyan"), ") ")
    say(console, text, first=first, indent=first.cell_len)


def _ask(console: Console, n: int, total: int, q: Question) -> None:
    """The question's header, its stem and its options."""
    from rich.text import Text

    header = Text(f"Question {n}/{total}", "bold")
    console.print()
    say(console, f"({q.kind}, difficulty {q.difficulty:.2f})", first=header + " ", indent=2, style="dim")
    say(console, q.prompt)
    for i, option in enumerate(q.options):
        _option(console, i, option)


def _feedback(console: Console, q: Question, correct: bool, page: str, due: str) -> None:
    """Right or not, why, where to read more and when the question comes back."""
    from rich.text import Text

    from ..quiz.model import LETTERS

    if correct:
        say(console, q.explanation, first=Text("Right.", "green") + " ", indent=2)
    else:
        first = Text.assemble(("Not quite:", "red"), f" the answer is {LETTERS[q.answer]}) ")
        say(console, f"{q.answer_text}. {q.explanation}", first=first, indent=2)
    say(console, page, first=Text("read more: ", "dim"), indent=2, style="dim")
    say(console, due, first=Text("next review: ", "dim"), indent=2, style="dim")


def _run(
    console: Console,
    questions: list[Question],
    history: Any,
    interactive: bool,
    kinds: dict[str, str],
    now: Callable[[], datetime],
) -> tuple[int, list[tuple[Question, int]]]:
    """Ask each question; returns the score and the mistakes. Each answer is saved at once, as a
    review rated from whether it was right and its mark (``b+`` easy, ``b-`` hard). Answers read
    from a pipe are echoed (``> b``), so that the output reads as a transcript."""
    from rich.text import Text

    from ..quiz.model import LETTERS
    from ..quiz.schedule import rate
    from ..text import visible

    score = 0
    mistakes: list[tuple[Question, int]] = []
    for n, q in enumerate(questions, 1):
        _ask(console, n, len(questions), q)
        reply: tuple[int, str] | None = None
        while reply is None:
            prompt = f"answer [{LETTERS[0]}-{LETTERS[len(q.options) - 1]}, q to stop]: "
            if interactive:
                console.print(Text(prompt), end="")
            line = sys.stdin.readline()
            if not line:  # end of input: stop here, keep what was answered
                if n == 1:
                    raise EOFError("standard input ended before the first answer")
                return score, mistakes
            answer = visible(line.strip())
            if not interactive:
                say(console, answer, first=">" + (" " if answer else ""), indent=2)
            elif not console.is_terminal:  # typed at a terminal, printed elsewhere: finish the prompt's line
                echo = wrap(answer, console.width, first=prompt, indent=2)
                for row in [echo[0][len(prompt) :], *echo[1:]]:
                    console.print(row, soft_wrap=True)
            if line.strip().lower() in ("q", "quit", "exit"):
                return score, mistakes
            reply = parse_reply(line, len(q.options))
            if reply is None:
                say(
                    console,
                    f"'{answer}' is not an option; type a letter or a number (b+ if it was easy, b- if hard)",
                    indent=2,
                    style="yellow",
                )
        choice, mark = reply
        correct = choice == q.answer
        at = now()
        card = history.record(q.id, rate(correct, mark), q.options[choice], at)
        if correct:
            score += 1
        else:
            mistakes.append((q, choice))
        _feedback(console, q, correct, _page(q, kinds), until(card.due, at))
    return score, mistakes


def _review(console: Console, score: int, asked: int, mistakes: list[tuple[Question, int]]) -> None:
    """The score, then each missed question with the answer chosen, the right one and why."""
    answered = score + len(mistakes)
    console.print()
    say(
        console,
        f"Score: {score}/{answered}"
        + (f" (stopped after {answered} of {asked})" if answered < asked else ""),
        indent=2,
    )
    if not mistakes:
        return
    say(console, "Review your mistakes:")
    for q, choice in mistakes:
        say(console, q.prompt, first="- ", indent=2)
        _option(console, choice, q.options[choice], lead="  you chose: ")
        _option(console, q.answer, q.answer_text, lead="  answer:    ")
        say(console, q.explanation, first="  ", indent=2)


@app.command()
def quiz(
    topic: Annotated[
        str | None, typer.Option("--topic", help="A topic id, e.g. joint-embeddings (all topics without it).")
    ] = None,
    n: Annotated[
        int | None, typer.Option("--n", "-n", min=1, help="Number of questions [default: 10].")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Same KB and seed give the same quiz [default: random; 0 for exports]."),
    ] = None,
    kinds: Annotated[
        str | None, typer.Option("--kinds", help="Comma-separated question kinds (see --list-kinds).")
    ] = None,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Spaced repetition (FSRS): the questions due first, then new ones. Answer b+ if it was easy, b- if hard.",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help="With --review: at most this many questions [default: 20, or --n if given].",
        ),
    ] = None,
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
    """Quiz yourself in the terminal, review by spaced repetition, or export a quiz.

    Every answer is saved to the history as a review for the FSRS scheduler: wrong is Again, right is
    Good, or Easy with a + after it (b+) and Hard with a - (b-). $SSL_KB_NOW (an ISO date-time, UTC
    unless it names an offset) fixes the time of the answers: it is for tests and demos only."""
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

    if limit is not None and not review:
        fail("--limit caps a --review session; a quiz takes --n", 2)
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

        questions = pool if all_questions else draw(pool, n or 10, 0 if seed is None else seed)
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

    from ..quiz.history import DATA_ENV, History, HistoryError, default_path, review_session

    if sys.stdin is None or sys.stdin.closed:
        fail("standard input is closed: run `ssl-kb quiz` in a terminal, or pipe one answer per line", 2)
    now = clock()
    seed = random.SystemRandom().randrange(1_000_000) if seed is None else seed
    try:
        history = History(history_path or default_path(os.environ.get(DATA_ENV)))
    except HistoryError as exc:
        fail(f"cannot use the quiz history: {exc}")
    with history:
        if review:
            session = review_session(history, pool, now(), limit or n or 20, seed)
            questions = session.questions
            if not questions:
                upcoming = history.next_due(q.id for q in pool)
                when = f" (the next is due {until(upcoming, now())})" if upcoming else ""
                err(f"nothing is due for review and every question has been seen{when}; come back later")
                return
            what = f"review of {len(questions)} questions ({len(session.due)} due, {len(session.new)} new)"
        else:
            questions = draw(pool, n or 10, seed)
            what = f"{len(questions)} questions"
        interactive = sys.stdin.isatty()
        err(
            f"{title}: {what} (seed {seed}); answer with a letter or number, "
            "add + if it was easy or - if it was hard (b+, b-), q to stop"
        )
        record_kinds = {rid: row.kind for rid, row in model.rows.items()}
        console = screen()
        try:
            score, mistakes = _run(console, questions, history, interactive, record_kinds, now)
        except KeyboardInterrupt:
            err("\ninterrupted: the answers given so far are saved")
            raise typer.Exit(130) from None
        except HistoryError as exc:
            fail(f"cannot save to the quiz history: {exc}")
        except EOFError as exc:
            fail(f"{exc}: run `ssl-kb quiz` in a terminal, or pipe one answer (a letter or number) per line")
    _review(console, score, len(questions), mistakes)


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
