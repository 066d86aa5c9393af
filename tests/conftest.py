"""Fixtures shared by every test package (keep it small; package-specific ones live beside their tests)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real eBay pages and car titles); the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA


@pytest.fixture
def sandbox() -> Iterator[Callable[..., Any]]:
    """Factory starting sandbox sites on free 127.0.0.1 ports, stopped after the test.

    `site = sandbox(n_listings=30, seed=0, faults="429:1", page_size=10)` -> a running `SandboxServer`
    (`site.base_url`, `site.listings` = gold, `site.request_log`).
    """
    from carner.scraper.sandbox.server import SandboxServer

    started: list[SandboxServer] = []

    def start(**kwargs: Any) -> SandboxServer:
        kwargs.setdefault("n_listings", 30)
        site = SandboxServer(**kwargs).start()
        started.append(site)
        return site

    yield start
    for site in started:
        site.stop()


# Database backends (SQLite file / a fresh database on one real PostgreSQL server per session):
# `backend_url` / `new_db_url` (parametrised over both), `postgres_url`, `postgres_server`;
# see tests/support/databases.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.databases import (  # noqa: E402, F401
    backend_url,
    new_db_url,
    postgres_server,
    postgres_url,
)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two real, distinguishable spaCy baselines (MAKE only; MAKE + YEAR), trained once per session."""
    from tests.support.tiny_models import train_tiny_models

    return train_tiny_models(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server (SQLite) for the whole test session: 8-9 s to enter, once. Defined
    here only: a second definition would start a second server, and Prefect's event client (a
    process-wide worker) would keep sending to the first, so later tests would never see their events."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
