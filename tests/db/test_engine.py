"""Engine factory and Alembic migrations on real SQLite files and real PostgreSQL databases."""

from __future__ import annotations

from pathlib import Path

from carner.db.engine import current_revision, head_revision, make_engine, session_factory, upgrade
from carner.db.models import Base, Listing
from sqlalchemy import inspect, text


def test_upgrade_creates_every_table_and_is_idempotent(backend_url: str, tmp_path: Path) -> None:
    url = backend_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'carner.db'}"  # parent directories created
    assert upgrade(url) == head_revision()
    assert upgrade(url) == head_revision()  # second run: nothing to do
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert current_revision(engine) == head_revision()


def test_migrations_match_the_models(backend_url: str) -> None:
    """The Alembic scripts and db/models.py describe the same schema (autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    url = backend_url
    upgrade(url)
    with make_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_sqlite_pragmas_wal_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'carner.db'}"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_upgrade_adopts_a_create_all_database(backend_url: str) -> None:
    url = backend_url
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with session_factory(engine).begin() as session:
        session.add(Listing(item_id="111122223333", url="u", title="t", specifics={}))
    assert upgrade(url) == head_revision()
    with session_factory(engine)() as session:
        assert session.query(Listing).count() == 1  # nothing lost


def test_downgrade_to_base_and_back(backend_url: str) -> None:
    from alembic import command
    from carner.db.engine import alembic_config

    url = backend_url
    upgrade(url)
    engine = make_engine(url)
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    assert "listing" in inspect(engine).get_table_names()


def test_cascade_deletes_work_because_foreign_keys_are_on(backend_url: str) -> None:
    url = backend_url
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO listing (item_id, url, title, specifics, first_seen, last_seen) "
                "VALUES ('1', 'u', 't', '{}', '2025-01-01', '2025-01-01')"
            )
        )
        listing_id = conn.execute(text("SELECT id FROM listing")).scalar_one()
        conn.execute(
            text("INSERT INTO price_change (listing_id, price, seen_at) VALUES (:id, 5.0, '2025-01-01')"),
            {"id": listing_id},
        )
        conn.execute(text("DELETE FROM listing"))
    with engine.connect() as conn:  # a new connection: what any other reader sees
        assert conn.execute(text("SELECT count(*) FROM price_change")).scalar_one() == 0
