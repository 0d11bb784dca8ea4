"""Record kinds: one list, from which the folders, the schema's models and `ssl-kb new` all derive."""

from __future__ import annotations

from ssl_kb.record_kinds import RecordKind
from ssl_kb.schema import FOLDERS, MODELS, WORK_KINDS


def test_the_kinds_and_their_order() -> None:
    assert [k.value for k in RecordKind] == ["method", "concept", "topic", "dataset", "metric", "vocabulary"]


def test_everything_derives_from_the_one_list() -> None:
    assert list(FOLDERS) == [k.value for k in RecordKind]
    assert FOLDERS == {
        "method": "methods",
        "concept": "concepts",
        "topic": "topics",
        "dataset": "datasets",
        "metric": "metrics",
        "vocabulary": "vocabularies",  # not "vocabularys": the one folder name that is not kind + "s"
    }
    assert set(MODELS) == {k.value for k in RecordKind}
    assert set(WORK_KINDS) <= set(MODELS)


def test_importing_the_kinds_loads_no_pydantic() -> None:
    import subprocess
    import sys

    code = "import sys, ssl_kb.record_kinds; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
