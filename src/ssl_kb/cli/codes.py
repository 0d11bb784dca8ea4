"""`ssl-kb codes`: the diagnostic codes, their meaning and fix."""

from __future__ import annotations

from typing import Annotated

import typer

from . import ListFormat, app, print_json, table


@app.command()
def codes(fmt: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text) -> None:
    """List every diagnostic code with its meaning and fix."""
    from ..diagnostics import CODES

    if fmt is ListFormat.json:
        print_json(
            [
                {"code": c.code, "title": c.title, "hint": c.hint, "severity": c.severity.value}
                for c in CODES.values()
            ]
        )
        return
    table(
        ["code", "severity", "problem", "fix"],
        [[c.code, c.severity.value, c.title, c.hint] for c in CODES.values()],
    )
