"""Shared fixtures: the fixture KB, a private copy of it, and store URLs for SQLite and PostgreSQL.

Kept light on purpose: ``tests/losses`` runs with only torch, pytest and hypothesis installed, so
nothing from ssl_kb's pydantic/SQL side is imported at module level here, only inside fixtures.

PostgreSQL: set ``SSL_KB_TEST_PG_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``)
and every ``store_url`` test also runs against a fresh database created for that test. Without
the variable those runs are skipped, unless ``SSL_KB_REQUIRE_PG=1`` (set by CI), which turns a
missing server into a failure so the PostgreSQL tests cannot silently skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_KB = REPO / "tests" / "data" / "kb"
REAL_KB = REPO / "kb"
PG_URL_ENV = "SSL_KB_TEST_PG_URL"
REQUIRE_PG_ENV = "SSL_KB_REQUIRE_PG"


@pytest.fixture
def fixture_kb() -> Path:
    """The small valid KB under tests/data/kb (read-only: copy it before changing anything)."""
    return FIXTURE_KB


@pytest.fixture
def real_kb() -> Path:
    """The project's real kb/ folder."""
    return REAL_KB


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A private copy of the fixture KB that a test may change."""
    dest = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dest, symlinks=True)
    return dest


def pg_base_url() -> str | None:
    """The PostgreSQL server URL to create test databases on; fails or skips when there is none."""
    url = os.environ.get(PG_URL_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_PG_ENV) == "1":
        pytest.fail(f"{REQUIRE_PG_ENV}=1 but {PG_URL_ENV} is not set: the PostgreSQL tests must run")
    pytest.skip(f"PostgreSQL: set {PG_URL_ENV} to run against a server")
    return None  # pragma: no cover - skip raises


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (dropped afterwards)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(pg_base_url())
    name = f"ssl_kb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(
                f"cannot create a test database on {base.render_as_string(hide_password=True)}: {exc}"
            )
        pytest.skip(f"PostgreSQL at {base.render_as_string(hide_password=True)} unreachable: {exc}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL nobody else uses: a SQLite file in tmp, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return str(request.getfixturevalue("pg_url"))
