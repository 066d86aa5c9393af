"""`reparse` rebuilds listings from stored raw pages with the network off."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from carner.db.engine import make_engine, session_factory, upgrade
from carner.db.models import Listing, RawPage
from carner.db.repository import listing_snapshot
from carner.scraper.crawl import CrawlConfig, crawl
from carner.scraper.http import HttpConfig
from carner.scraper.reparse import reparse
from carner.scraper.sandbox.server import SandboxServer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker


def crawled(tmp_path: Path, n: int = 25) -> tuple[sessionmaker[Session], dict]:
    url = f"sqlite:///{tmp_path / 'carner.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with SandboxServer(n_listings=n, seed=9, page_size=10) as site:
        config = CrawlConfig(
            query="cars", max_pages=10, base_url=site.base_url, http=HttpConfig(min_delay_s=0)
        )
        assert crawl(config, sessions, tmp_path / "raw").status == "finished"
    with sessions() as session:
        return sessions, listing_snapshot(session)


def _offline(*_args: object, **_kwargs: object) -> None:
    raise OSError("network is off in this test")


def test_reparse_rebuilds_the_same_listings_with_the_network_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions, before = crawled(tmp_path)
    assert len(before) == 25
    with sessions.begin() as session:
        session.execute(delete(Listing))  # price history goes with it (cascade)
    monkeypatch.setattr(socket.socket, "connect", _offline)  # the network is off from here on
    with socket.socket() as probe, pytest.raises(OSError, match="network is off"):
        probe.connect(("127.0.0.1", 9))
    result = reparse(sessions, tmp_path / "raw")
    assert (result.item_pages, result.description_pages, result.listings_new) == (25, 25, 25)
    assert result.errors == []
    with sessions() as session:
        assert listing_snapshot(session) == before


def test_reparse_is_idempotent_and_reports_bad_files(tmp_path: Path) -> None:
    sessions, before = crawled(tmp_path, n=12)
    first = reparse(sessions, tmp_path / "raw")
    assert (first.listings_new, first.listings_updated, first.listings_unchanged) == (0, 0, 12)
    with sessions() as session:
        page = session.scalars(select(RawPage).where(RawPage.kind == "item").order_by(RawPage.id)).first()
    (tmp_path / "raw" / page.path).write_bytes(b"not gzip")
    second = reparse(sessions, tmp_path / "raw")
    assert second.listings_unchanged == 11
    assert len(second.errors) == 1 and page.path in second.errors[0] and f"#{page.id}" in second.errors[0]
    with sessions() as session:
        assert listing_snapshot(session) == before  # nothing lost
