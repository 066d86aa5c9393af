"""Engine and session factories from a SQLAlchemy URL, and schema upgrades through Alembic.

SQLite is the embedded default: WAL (readers never block the crawler's writer), foreign keys on
(SQLite ignores them otherwise, so cascades would silently not happen) and a busy timeout so two
processes wait for each other instead of failing. Any other URL (e.g. `postgresql+psycopg://`) is
passed to SQLAlchemy as is. Alembic is driven programmatically with the scripts inside this package,
so `upgrade()` works from an installed wheel without an `alembic.ini` in the working directory.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from carner.common.layout import sqlite_url  # noqa: F401 - defined with the layout, used here too

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_path(url: str) -> Path | None:
    """The database file of a `sqlite:///` URL (unescaped); None for other backends and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


class DatabaseURLError(ValueError):
    """A database URL carner cannot use (malformed, unknown dialect, driver not installed, no folder)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Engine for `url`; for a SQLite file: parent directory created, WAL, foreign keys, busy timeout.

    A URL that cannot give an engine raises `DatabaseURLError` (the URL shown without its password).
    """
    try:
        engine = _make_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError, OSError) as exc:
        from carner.common.redact import redact_url

        why = f"driver not installed ({exc})" if isinstance(exc, ImportError) else " ".join(str(exc).split())
        raise DatabaseURLError(f"database {redact_url(url)!r}: {why}") from None
    if getattr(engine.dialect, "is_async", False):
        from carner.common.redact import redact_url

        engine.dispose()
        driver = engine.dialect.driver
        raise DatabaseURLError(
            f"database {redact_url(url)!r}: {driver} is an asyncio driver; carner needs a synchronous "
            "one (e.g. postgresql+psycopg://)"
        )
    return engine


def _make_engine(url: str, **kwargs: Any) -> Engine:
    path = sqlite_path(url)
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite:
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (stages return them in manifests)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextlib.contextmanager
def open_session(url: str, *, migrate: bool = True) -> Iterator[Session]:
    """The one way carner opens a database session: schema upgraded (unless `migrate=False`),
    commit on success, rollback on error, engine disposed after (no pooled SQLite handles left)."""
    if migrate:
        upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        engine.dispose()


def alembic_config(engine: Engine | None = None) -> Any:
    """An Alembic `Config` pointing at the packaged migration scripts (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> str | None:
    """Migrate the database to `revision` (default: the newest); returns the revision now in force.

    A database created earlier by `Base.metadata.create_all` (no Alembic version table yet, but the
    tables there, built from today's models) is stamped as the newest revision instead of re-created.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    config = alembic_config(engine)
    with engine.connect() as conn:
        inspector = inspect(conn)
        tables = set(inspector.get_table_names())
        crawl_columns = (
            {c["name"] for c in inspector.get_columns("crawl_state")} if "crawl_state" in tables else set()
        )
        run_columns = (
            {c["name"] for c in inspector.get_columns("model_run")} if "model_run" in tables else set()
        )
    if "alembic_version" not in tables and "listing" in tables:
        # create_all with today's models already has the newest columns; an older one gets migrated
        if "failed_items" in crawl_columns:
            adopted = "head"
        elif "dataset_id" in run_columns:
            adopted = "0002_model_registry"
        else:
            adopted = "0001_initial"
        log.info("database has tables but no Alembic version: stamping revision %s", adopted)
        command.stamp(config, adopted)
    command.upgrade(config, revision)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if isinstance(url_or_engine, str):
        engine.dispose()
    return current


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
