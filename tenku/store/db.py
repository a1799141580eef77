"""Engines, sessions and schema upgrades for SQLite (embedded) and PostgreSQL (scale-out).

SQLite is opened in WAL mode with a busy timeout so the API and in-process workers (several
threads, and ``tenku worker`` processes on the same machine) can share one file.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, writer: bool = True) -> Engine:
    """An engine for ``url``. For SQLite, ``writer`` engines open every transaction with
    ``BEGIN IMMEDIATE`` (take the write lock first, wait up to 30 s for it) so that a
    read-then-write such as claiming a job never fails half-way with "database is locked";
    reader engines keep SQLite's deferred transactions so reads never wait for writers."""
    if not url.startswith("sqlite"):
        # psycopg prepares a statement after 5 runs and PostgreSQL then may switch to a
        # generic plan that ignores the parameters: the feed's followed-creators query went
        # from 5 ms to 30-290 ms that way (bench/feed.py). Plan every statement afresh.
        args = {"prepare_threshold": None} if url.startswith("postgresql+psycopg") else {}
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                             connect_args=args)
    # FastAPI runs sync handlers on up to 40 threads: keep their connections pooled rather
    # than opening (and re-running the PRAGMAs) on every request beyond the default 5.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=20, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):
        conn.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN itself
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def _alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str) -> str:
    """Apply every migration to the database at ``url``; returns the revision reached. A
    database already at the head is only looked at (6 ms, not Alembic's 0.2 s run: every
    ``tenku generate`` and ``tenku verify`` calls this)."""
    from alembic import command

    head = head_revision()
    if current_revision(url) == head:
        return head
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(url), "head")
    return current_revision(url) or ""


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("")).get_current_head()


def current_revision(url: str) -> str | None:
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None  # no database yet (and do not create one by looking)
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()


class Database:
    """An engine and its session factory. ``session()`` is a unit of work: it commits when
    the block ends and rolls back on any exception."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        if self.is_sqlite:
            self._reader = make_engine(url, writer=False)
            self._read_factory = sessionmaker(self._reader, expire_on_commit=False)
        else:
            self._reader, self._read_factory = None, self._factory

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that writes: commits when the block ends, rolls back on error."""
        with self._scope(self._factory) as s:
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that only reads (on SQLite it never waits for a writer)."""
        with self._scope(self._read_factory) as s:
            yield s

    @staticmethod
    @contextmanager
    def _scope(factory) -> Iterator[Session]:
        s = factory()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def check_schema(self) -> None:
        """Raise RuntimeError when the database is not at the code's migration head."""
        have, want = current_revision(self.url), head_revision()
        if have != want:
            raise RuntimeError(f"the database is at migration {have or 'none'}, the code needs "
                               f"{want}: run `tenku db upgrade`")

    def dispose(self) -> None:
        self.engine.dispose()
        if self._reader is not None:
            self._reader.dispose()
