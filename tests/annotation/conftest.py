"""Shared fixtures for the annotation tests: a real SQLite file per test, and listings to annotate."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from carner.db.models import Base, Listing
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def make_sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fk_on(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    return engine


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "carner.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = make_sqlite_engine(db_path)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def add_listing() -> Any:
    """`add_listing(session, item_id, title, specifics=None, description=None) -> Listing`."""
    return _add_listing


@pytest.fixture
def db_snapshot() -> Any:
    """`db_snapshot(engine)`: every row of the annotation tables, to assert nothing changed."""
    return _db_snapshot


def _add_listing(
    session: Session,
    item_id: str,
    title: str,
    specifics: dict[str, Any] | None = None,
    description: str | None = None,
) -> Listing:
    listing = Listing(
        item_id=item_id,
        url=f"http://127.0.0.1/itm/{item_id}",
        title=title,
        specifics=specifics or {},
        description=description,
    )
    session.add(listing)
    session.flush()
    return listing


def _db_snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    """Every row of the annotation tables, to assert that a failed import changed nothing."""
    with engine.connect() as conn:
        tasks = conn.exec_driver_sql("SELECT * FROM annotation_task ORDER BY id").fetchall()
        anns = conn.exec_driver_sql("SELECT * FROM annotation ORDER BY id").fetchall()
    return [tuple(r) for r in tasks] + [tuple(r) for r in anns]


# ---------------------------------------------------------------- a real doccano 1.8.4 on 127.0.0.1

REPO = Path(__file__).resolve().parents[2]
DOCCANO_VENV = Path(os.environ.get("CARNER_DOCCANO_VENV", Path.home() / ".cache/carner/doccano-1.8.4-venv"))


@dataclass
class DoccanoServer:
    url: str
    username: str
    password: str
    home: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_doccano_venv() -> Path:
    """Build (or reuse) doccano's own venv with .ci/doccano_venv.sh; skip only if it cannot be built."""
    script = REPO / ".ci" / "doccano_venv.sh"
    env = {**os.environ, "CARNER_DOCCANO_VENV": str(DOCCANO_VENV)}
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        tail = " | ".join(line for line in done.stderr.splitlines()[-5:] if "Location" not in line)
        pytest.skip(f"doccano 1.8.4 cannot be installed here ({script} failed: {tail})")
    return DOCCANO_VENV


@pytest.fixture(scope="session")
def doccano_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DoccanoServer]:
    """gunicorn + celery of doccano 1.8.4 on a free 127.0.0.1 port, with an empty SQLite home."""
    venv = _ensure_doccano_venv()
    home = tmp_path_factory.mktemp("doccano-home")
    port = _free_port()
    user, password = "admin", "carner-test-pw"
    env = {
        **os.environ,
        "DOCCANO_HOME": str(home),
        "STANDALONE": "True",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"sqlite:///{home}/db.sqlite3",
        "MEDIA_ROOT": str(home / "media"),
    }
    env.pop("VIRTUAL_ENV", None)
    bin_dir = venv / "bin"
    subprocess.run([bin_dir / "doccano", "init"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run(
        [bin_dir / "doccano", "createuser", "--username", user, "--password", password],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    backend = subprocess.run(
        [bin_dir / "python", "-c", "import backend,os;print(os.path.dirname(backend.__file__))"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    logs = [open(home / name, "wb") for name in ("web.log", "worker.log")]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                bin_dir / "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--chdir",
                backend,
                "config.wsgi",
            ],
            cwd=backend,
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                bin_dir / "celery",
                "--app=config",
                f"--workdir={backend}",
                "worker",
                "--concurrency=1",
                "--loglevel=WARNING",
            ],
            cwd=backend,
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        ),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/v1/health/?format=json", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"doccano did not start; see {home}/web.log and {home}/worker.log")
            time.sleep(0.5)
        yield DoccanoServer(url, user, password, home)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log_file in logs:
            log_file.close()
