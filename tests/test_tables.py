"""Tables: the store's table classes, their order, the kind views, and table_of."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from ssl_kb.schema import MODELS
from ssl_kb.tables import (
    RECORD_COLUMNS,
    SCHEMA_VERSION,
    TABLES,
    VIEWS,
    HyperparameterRow,
    RecordRow,
    table_of,
)


def test_table_of_gives_each_class_its_own_table() -> None:
    names = [table_of(t).name for t in TABLES]
    assert len(set(names)) == len(names) == len(TABLES)
    assert table_of(RecordRow).name == "record" and table_of(HyperparameterRow).name == "hyperparameter"
    assert all(table_of(t) is SQLModel.metadata.tables[t.__tablename__] for t in TABLES)


def test_tables_are_listed_parents_before_children() -> None:
    """The store fills TABLES in order: every foreign key points at a table listed earlier."""
    seen: set[str] = set()
    for model in TABLES:
        table = table_of(model)
        for fk in table.foreign_keys:
            assert fk.column.table.name in seen, f"{table.name} -> {fk.column.table.name}"
        seen.add(table.name)


def test_record_columns_exist_on_the_record_table() -> None:
    columns = set(table_of(RecordRow).columns.keys())
    assert set(RECORD_COLUMNS) <= columns
    assert {"id", "kind", "name", "summary", "year", "path", "own_year"} <= columns


def test_every_record_field_of_a_kind_has_a_home_in_the_store() -> None:
    """A field of a record model is a record column, or a table of its own (paper, results ...)."""
    columns = set(table_of(RecordRow).columns.keys())
    elsewhere = {
        "paper",
        "topics",
        "results",
        "lineage",
        "lecture_claims",
        "hyperparameters",
        "metrics",
        "losses",
        "year",
        "design",  # design_facet and design_value
        "ablations",  # ablation and ablation_point
        "values",  # a vocabulary's: vocabulary_value
    }
    for kind, model in MODELS.items():
        missing = set(model.model_fields) - columns - elsewhere
        assert missing == set(), (kind, missing)


def test_one_view_per_kind_selects_only_that_kind() -> None:
    assert set(VIEWS) == set(MODELS)
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[table_of(t) for t in TABLES])
    with engine.begin() as conn:
        for ddl in VIEWS.values():
            conn.execute(text(ddl))
        for i, kind in enumerate(["method", "method", "topic"]):
            conn.execute(
                text("INSERT INTO record (id, kind, name, summary) VALUES (:i, :k, 'n', 's')"),
                {"i": f"r{i}", "k": kind},
            )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM method")).scalar() == 2
        assert conn.execute(text("SELECT id FROM topic")).scalars().all() == ["r2"]
        assert conn.execute(text("SELECT COUNT(*) FROM dataset")).scalar() == 0
    assert set(VIEWS) <= set(inspect(engine).get_view_names())
    engine.dispose()


@pytest.mark.parametrize("value", [True, 1, 1.5, "cosine"])
def test_hyperparameter_values_keep_their_type(value: object) -> None:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[table_of(RecordRow), table_of(HyperparameterRow)])
    table = table_of(HyperparameterRow)
    with engine.begin() as conn:
        conn.execute(table_of(RecordRow).insert(), {"id": "m", "kind": "method", "name": "M", "summary": "s"})
        conn.execute(
            table.insert(),
            {"record_id": "m", "position": 0, "name": "x", "value": value, "description": "d", "source": "s"},
        )
    with engine.connect() as conn:
        back = conn.execute(table.select()).mappings().one()["value"]
    assert back == value and type(back) is type(value)
    engine.dispose()


def test_schema_version_is_a_positive_int() -> None:
    assert isinstance(SCHEMA_VERSION, int) and SCHEMA_VERSION >= 1
