"""`ssl-kb schema`: the JSON Schema of a record, for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import KbOption, app, err, get_project, user_errors


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    kb: KbOption = None,
) -> None:
    """Print the JSON Schema of a record, for editors (yaml-language-server)."""
    from ..output import guard_file, write_text
    from ..schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        with user_errors():
            write_text(guard_file(out, kb_dir=get_project(kb).kb_dir), text)
        err(f"wrote {out}")
