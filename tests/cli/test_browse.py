"""ssl-kb check/schema/codes/list/show/graph/path/timeline/db/sql through typer's CliRunner.

Contract: exit 0 ok, 1 a problem the user can fix, 2 bad usage; data on stdout, messages on
stderr; every ``--format json`` output parses; bad input never shows a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest
import yaml
from typer.testing import CliRunner

from ssl_kb.cli import app
from ssl_kb.diagnostics import CODES
from ssl_kb.schema import json_schema

FIXTURE_KB = Path(__file__).resolve().parents[1] / "data" / "kb"
DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run each command from an empty folder with no store and no environment overrides."""
    monkeypatch.chdir(tmp_path)
    for name in ("SSL_KB_ROOT", "SSL_KB_DB_URL"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def kb_args() -> list[str]:
    return ["--kb", str(FIXTURE_KB)]


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    dest = tmp_path / "broken" / "kb"
    shutil.copytree(FIXTURE_KB, dest)
    mae = dest / "methods" / "mae.yaml"
    mae.write_text(mae.read_text(encoding="utf-8").replace("value: 87.8", "value: -0.1"), encoding="utf-8")
    return dest


# ---------------------------------------------------------------------------- help and usage


def test_help_lists_the_commands() -> None:
    out = run("--help").stdout
    for command in ("check", "schema", "codes", "list", "show", "graph", "path", "timeline", "db", "sql"):
        assert f"  {command} " in out


def test_no_arguments_shows_help_as_usage_error() -> None:
    result = run(code=2)
    assert "Usage:" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["check", "--format", "xml"],
        ["list", "--format", "yaml"],
        ["graph", "mae", "--depth", "0"],
        ["show"],
        ["path", "vit"],
        ["check", "--no-such-option"],
    ],
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    result = run(*args, code=2)
    assert result.stdout == "" and result.stderr


# ---------------------------------------------------------------------------- check


def test_check_ok() -> None:
    result = run("check", *kb_args())
    assert result.stdout == "" and result.stderr.strip() == "ok: 11 records"


def test_check_reports_problems_on_stderr_and_exits_1(broken_kb: Path) -> None:
    result = run("check", "--kb", broken_kb, code=1)
    assert result.stdout == ""
    first, hint, summary = result.stderr.strip().splitlines()
    assert first.endswith(
        "methods/mae.yaml:31:12: KB103 results[0].value: Input should be greater than or equal to 0 (got -0.1)"
    )
    assert hint.strip().startswith("hint: ")
    assert summary == "1 error(s), 0 warning(s) in 1 file(s)"


def test_check_json_goes_to_stdout(broken_kb: Path) -> None:
    data = json.loads(run("check", "--kb", broken_kb, "--format", "json", code=1).stdout)
    assert [(d["code"], d["line"], d["col"], d["field"]) for d in data] == [
        ("KB103", 31, 12, "results[0].value")
    ]
    assert json.loads(run("check", *kb_args(), "--format", "json").stdout) == []


def test_check_github_annotations(broken_kb: Path) -> None:
    result = run("check", "--kb", broken_kb, "--format", "github", code=1)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("::error file=") and ",line=31,col=12,title=KB103::" in line


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    kb = tmp_path / "w" / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    simclr = kb / "methods" / "simclr.yaml"
    simclr.write_text(
        simclr.read_text(encoding="utf-8").replace("notes: [Treated as a root in this fixture.]\n", ""),
        encoding="utf-8",
    )
    assert "1 warning(s)" in run("check", "--kb", kb).stderr
    assert "KB302 (warning)" in run("check", "--kb", kb, "--strict", code=1).stderr


def test_check_named_files_only(broken_kb: Path) -> None:
    run("check", "--kb", broken_kb, broken_kb / "methods" / "vit.yaml")
    run("check", "--kb", broken_kb, broken_kb / "methods" / "mae.yaml", code=1)
    run("check", "--kb", broken_kb, "README.md")  # not a record: nothing to check


def test_check_bad_kb_path(tmp_path: Path) -> None:
    result = run("check", "--kb", tmp_path / "nowhere", code=1)
    assert result.stderr.startswith("error: no knowledge base at ")


# ---------------------------------------------------------------------------- schema and codes


def test_schema_to_stdout_and_file(tmp_path: Path) -> None:
    assert json.loads(run("schema").stdout) == json.loads(json.dumps(json_schema()))
    out = tmp_path / "s" / "schema.json"
    result = run("schema", "--out", out)
    assert result.stdout == "" and json.loads(out.read_text(encoding="utf-8"))["title"] == "ssl-kb record"


def test_codes() -> None:
    data = json.loads(run("codes", "--format", "json").stdout)
    assert [d["code"] for d in data] == list(CODES)
    assert data[0].keys() == {"code", "title", "hint", "severity"}
    assert "KB204" in run("codes").stdout


# ---------------------------------------------------------------------------- list, show


def test_list() -> None:
    data = json.loads(run("list", *kb_args(), "--format", "json").stdout)
    assert [d["id"] for d in data] == sorted(d["id"] for d in data) and len(data) == 11
    assert data[0].keys() == {"id", "kind", "name", "year", "family"}
    methods = json.loads(run("list", *kb_args(), "--kind", "method", "--format", "json").stdout)
    assert {d["kind"] for d in methods} == {"method"} and len(methods) == 6
    assert "MAE" in run("list", *kb_args()).stdout


def test_list_by_topic() -> None:
    data = json.loads(run("list", *kb_args(), "--topic", "masked-predictions", "--format", "json").stdout)
    assert [d["id"] for d in data] == ["transformer", "bert", "vit", "beit", "mae", "masked-prediction"]
    result = run("list", *kb_args(), "--topic", "nope", code=1)
    assert (
        "no topic 'nope'" in result.stderr and "masked-predictions" in result.stderr and result.stdout == ""
    )


def test_show_formats() -> None:
    assert "Masked Autoencoder" in run("show", "mae", *kb_args()).stdout
    data = json.loads(run("show", "mae", *kb_args(), "--format", "json").stdout)
    assert data["id"] == "mae" and data["paper"]["arxiv"] == "2111.06377"
    assert yaml.safe_load(run("show", "mae", *kb_args(), "--format", "yaml").stdout) == data
    bib = run("show", "mae", *kb_args(), "--format", "bibtex").stdout
    assert bib.startswith("@inproceedings{he2021masked,") and "eprint = {2111.06377}" in bib


def test_show_problems() -> None:
    result = run("show", "nope", *kb_args(), code=1)
    assert "no record with id 'nope'" in result.stderr and result.stdout == ""
    assert "has no paper" in run("show", "masked-prediction", *kb_args(), "--format", "bibtex", code=1).stderr


def test_commands_refuse_an_invalid_kb(broken_kb: Path) -> None:
    result = run("show", "vit", "--kb", broken_kb, code=1)
    assert "KB103" in result.stderr and "fix them first" in result.stderr and result.stdout == ""


# ---------------------------------------------------------------------------- graph, path, timeline


def test_graph_text() -> None:
    lines = run("graph", "vit", *kb_args()).stdout.splitlines()
    assert (
        "vit --adapts--> transformer    # applies the Transformer encoder to sequences of image patches"
        in lines
    )
    assert len(lines) == 3  # vit -> transformer, beit -> vit, mae -> vit


def test_graph_formats() -> None:
    data = json.loads(run("graph", "mae", "--depth", "2", *kb_args(), "--format", "json").stdout)
    assert ("vit", "transformer") in {(e["source"], e["target"]) for e in data["edges"]}
    g = nx.parse_graphml(run("graph", "mae", "--depth", "2", *kb_args(), "--format", "graphml").stdout)
    assert set(g) == {n["id"] for n in data["nodes"]}
    assert "mae -->|uses| vit" in run("graph", "mae", *kb_args(), "--format", "mermaid").stdout
    assert '"mae" -> "vit" [label="uses"];' in run("graph", "mae", *kb_args(), "--format", "dot").stdout
    whole = json.loads(run("graph", *kb_args(), "--reduce", "--format", "json").stdout)
    assert len(whole["edges"]) == 7


def test_graph_problems() -> None:
    assert "no record with id 'nope'" in run("graph", "nope", *kb_args(), code=1).stderr
    result = run("graph", "simclr", *kb_args())
    assert result.stdout == "" and "no lineage edges" in result.stderr


def test_path() -> None:
    assert run("path", "vit", "beit", *kb_args()).stdout.splitlines()[0] == "vit (2020) -> beit (2021)"
    data = json.loads(run("path", "beit", "vit", *kb_args(), "--format", "json").stdout)
    assert data == {
        "path": ["vit", "beit"],
        "steps": [{"from": "vit", "to": "beit", "type": "uses", "reason": "the backbone is a ViT"}],
    }
    assert "no lineage path" in run("path", "simclr", "mae", *kb_args(), code=1).stderr
    assert "no record with id 'nope'" in run("path", "nope", "mae", *kb_args(), code=1).stderr


def test_timeline() -> None:
    assert run("timeline", *kb_args()).stdout.splitlines()[0] == "2017  Transformer"
    data = json.loads(run("timeline", *kb_args(), "--format", "json").stdout)
    assert list(data) == ["2017", "2018", "2020", "2021"]
    assert [r["id"] for r in data["2020"]] == ["simclr", "vit"]
    assert json.loads(run("timeline", *kb_args(), "--kind", "concept", "--format", "json").stdout) == {}


# ---------------------------------------------------------------------------- user errors and bugs


@pytest.mark.parametrize("args", [["show", "nope"], ["graph", "nope"], ["path", "vit", "nope"]])
def test_an_unknown_id_is_a_message_and_exit_1(args: list[str]) -> None:
    result = run(*args, *kb_args(), code=1)
    assert result.stderr == "error: no record with id 'nope' (see `ssl-kb list`)\n"


def test_a_key_error_inside_a_command_is_a_bug_with_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from ssl_kb import graph, store

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("type")  # a bug in a dict lookup, not an id the user gave

    monkeypatch.setattr(store, "records_from_store", broken)
    monkeypatch.setattr(graph, "ego", broken)
    for args in (["show", "mae"], ["graph", "mae"]):
        result = CliRunner().invoke(app, [*args, *kb_args()])
        assert type(result.exception) is KeyError, (args, repr(result.exception))
        assert "no record with id" not in result.stderr


def test_a_file_not_found_inside_a_command_is_a_bug_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ssl_kb import queries

    def broken(*_args: object, **_kwargs: object) -> None:
        raise FileNotFoundError("/tmp/some-cache-file")

    monkeypatch.setattr(queries, "record_rows", broken)
    result = CliRunner().invoke(app, ["list", *kb_args()])
    assert type(result.exception) is FileNotFoundError, repr(result.exception)
    assert "error:" not in result.stderr


# ---------------------------------------------------------------------------- db and sql


def test_db_then_sql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'out' / 'kb.sqlite'}"
    result = run("db", "--url", url, *kb_args())
    assert result.stdout == "" and "wrote 11 records" in result.stderr
    rows = json.loads(
        run(
            "sql", "SELECT name, year FROM method ORDER BY year, name", "--url", url, "--format", "json"
        ).stdout
    )
    assert rows[:2] == [{"name": "Transformer", "year": 2017}, {"name": "BERT", "year": 2018}]
    assert "Transformer" in run("sql", "SELECT name FROM method", "--url", url).stdout
    # every browse command can read the written store instead of kb/
    assert len(json.loads(run("list", "--url", url, "--format", "json").stdout)) == 11


def test_db_default_location(tmp_path: Path) -> None:
    """The store goes next to kb/ (build/ssl-kb.sqlite), wherever the command runs from."""
    kb = tmp_path / "project" / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    run("db", "--kb", kb)
    assert (tmp_path / "project" / "build" / "ssl-kb.sqlite").is_file()
    assert not (tmp_path / "build").exists()
    data = json.loads(run("sql", "SELECT COUNT(*) AS n FROM record", "--kb", kb, "--format", "json").stdout)
    assert data == [{"n": 11}]


def test_sql_without_a_store_queries_kb_in_memory(tmp_path: Path) -> None:
    kb = tmp_path / "project" / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    result = run("sql", "SELECT id FROM concept", "--kb", kb, "--format", "json")
    assert json.loads(result.stdout) == [{"id": "masked-prediction"}]
    assert "note: no store" in result.stderr


@pytest.mark.parametrize(
    "query",
    [
        "SELEC nonsense",
        "SELECT * FROM no_such_table",
        "DELETE FROM record",
        "DROP TABLE record",
        "CREATE TABLE x (a INT)",
    ],
)
def test_sql_refuses_bad_or_writing_queries(tmp_path: Path, query: str) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    run("db", "--url", url, *kb_args())
    result = run("sql", query, "--url", url, code=1)
    assert (
        result.stderr.startswith(("error: query failed: ", "error: query refused: ")) and result.stdout == ""
    )
    assert json.loads(
        run("sql", "SELECT COUNT(*) AS n FROM record", "--url", url, "--format", "json").stdout
    ) == [{"n": 11}]


def test_sql_writes_refused_on_the_in_memory_store() -> None:
    assert "query refused: DELETE" in run("sql", "DELETE FROM record", *kb_args(), code=1).stderr


def test_unreachable_postgres_is_a_message(tmp_path: Path) -> None:
    assert "cannot write the store" in run("db", "--url", DEAD_PG, *kb_args(), code=1).stderr
    assert "query failed" in run("sql", "SELECT 1", "--url", DEAD_PG, code=1).stderr
    for args in (["list"], ["show", "mae"], ["graph", "mae"], ["path", "vit", "mae"], ["timeline"]):
        result = run(*args, "--url", DEAD_PG, code=1)
        assert result.stderr.startswith("error: cannot read the store: ") and result.stdout == ""


def test_missing_sqlite_store_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    assert "run `ssl-kb db` first" in run("list", "--url", f"sqlite:///{missing}", code=1).stderr
    assert "run `ssl-kb db` first" in run("sql", "SELECT 1", "--url", f"sqlite:///{missing}", code=1).stderr
    assert not missing.exists()


def test_bad_url_is_a_message() -> None:
    assert "error:" in run("list", "--url", "nonsense://x", code=1).stderr
    assert "error:" in run("db", "--url", "nonsense://x", *kb_args(), code=1).stderr


def test_bad_kb_path_for_every_reading_command(tmp_path: Path) -> None:
    bad = ["--kb", str(tmp_path / "nowhere")]
    for args in (
        ["list"],
        ["show", "mae"],
        ["graph"],
        ["path", "vit", "mae"],
        ["timeline"],
        ["db"],
        ["sql", "SELECT 1"],
    ):
        result = run(*args, *bad, code=1)
        assert "no knowledge base" in result.stderr, args


@pytest.mark.postgres
def test_db_and_sql_on_postgres(pg_url: str) -> None:
    assert "wrote 11 records" in run("db", "--url", pg_url, *kb_args()).stderr
    rows = json.loads(
        run(
            "sql",
            "SELECT name FROM method WHERE year = 2021 ORDER BY name",
            "--url",
            pg_url,
            "--format",
            "json",
        ).stdout
    )
    assert rows == [{"name": "BEiT"}, {"name": "MAE"}]
    assert "query refused: DELETE" in run("sql", "DELETE FROM record", "--url", pg_url, code=1).stderr
    assert json.loads(run("show", "mae", "--url", pg_url, "--format", "json").stdout)["id"] == "mae"
