"""Database backends for tests: SQLite files and databases on one real PostgreSQL server per session.

`backend_url` is parametrised over both backends; each PostgreSQL test gets a database of its own
(CREATE DATABASE, dropped WITH (FORCE) after the test), so tests never see each other's rows and
connections left open by a test cannot pile up on the server.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.postgres import postgres_available, running_postgres

BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


@dataclass
class PostgresServer:
    """A running throwaway server; `new_database()` -> URL of a fresh, empty database on it."""

    url: str  # the server's own `carner` database (admin connections)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _admin(self):  # noqa: ANN202 - psycopg connection
        import psycopg

        parsed = make_url(self.url)
        return psycopg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database, autocommit=True
        )

    def new_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{next(self._counter)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server (initdb + pg_ctl on 127.0.0.1, ~2-4 s) for the whole session."""
    reason = postgres_available()
    if reason:
        pytest.skip(f"no PostgreSQL server can be started here: {reason}")
    with running_postgres() as url:
        yield PostgresServer(url)


def backend_url_for(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'carner.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or a fresh database on the session's PostgreSQL."""
    yield from backend_url_for(request, request.param, tmp_path)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (the test is skipped where no server can be started)."""
    yield from backend_url_for(request, "postgresql", tmp_path)


@pytest.fixture(params=BACKENDS)
def new_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """`new_db_url(name)` -> URL of a fresh, empty database of the test's backend (several per test).

    SQLite: `tmp_path/<name>/carner.db`; PostgreSQL: a new database on the session's server.
    """
    made: list[str] = []
    server: PostgresServer | None = (
        request.getfixturevalue("postgres_server") if request.param == "postgresql" else None
    )

    def make(name: str = "db") -> str:
        if server is None:
            return f"sqlite:///{tmp_path / name / 'carner.db'}"
        made.append(server.new_database())
        return made[-1]

    yield make
    for url in made:
        assert server is not None
        server.drop_database(url)
