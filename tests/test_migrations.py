"""The Alembic migrations build exactly the tables the models describe, on SQLite and on
PostgreSQL, so `tenku db upgrade` and the code never disagree."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from live import postgres_database

from tenku.store.db import head_revision, upgrade
from tenku.store.models import Base


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_migrations_match_the_models(engine, tmp_path):
    if engine == "sqlite":
        _check(f"sqlite:///{tmp_path / 'm.db'}")
    else:
        with postgres_database() as url:
            _check(url)


def _check(url: str) -> None:
    assert upgrade(url) == head_revision()
    e = create_engine(url)
    try:
        with e.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        e.dispose()
