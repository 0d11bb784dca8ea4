"""`ssl-kb diff`: what a change to kb/ does to records, fields, quiz questions and pages."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from . import KbOption, ListFormat, app, err, fail, get_project, print_json


@app.command()
def diff(
    rev: Annotated[
        str,
        typer.Argument(metavar="REV", help="The git revision to compare the working tree with, e.g. main."),
    ],
    kb: KbOption = None,
    fmt: Annotated[ListFormat, typer.Option("--format", help="text or json.")] = ListFormat.text,
) -> None:
    """What the working tree's kb/ changes against REV: records, fields, quiz questions, pages."""
    from .. import changes
    from ..revision import RevisionError, UnsafeTree, export, locate, resolve

    project = get_project(kb)
    try:
        top, kb_rel = locate(project.kb_dir)
        commit = resolve(top, rev)
    except RevisionError as exc:
        fail(str(exc), 2)
    with tempfile.TemporaryDirectory(prefix="ssl-kb-diff-") as tmp:
        old_dir = Path(tmp) / (kb_rel.rsplit("/", 1)[-1] or "kb")
        try:
            export(top, commit, kb_rel, old_dir, label=rev)
        except UnsafeTree as exc:
            err("\n".join(exc.lines()))
            fail(
                f"{rev} holds {len(exc.problems)} path(s) that cannot be files inside kb/; nothing was "
                "written. A tree like this is built by hand to write outside the folder: do not check it out"
            )
        except RevisionError as exc:
            fail(f"cannot read {rev}: {exc}")
        base = changes.snapshot(old_dir, rev, display=f"{rev}:{kb_rel + '/' if kb_rel else ''}")
        head = changes.snapshot(project.kb_dir, "working tree")
        result = changes.compare(base, head)
    for snap in (base, head):
        if not snap.kb.ok():
            err(
                f"warning: the KB at {snap.label} does not validate ({len(snap.errors)} error(s)); quiz questions are not compared"
            )
    if fmt is ListFormat.json:
        print_json(changes.to_dict(result, {"rev": rev, "commit": commit}))
        return
    typer.echo(changes.to_text(result))
