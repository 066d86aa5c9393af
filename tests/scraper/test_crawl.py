"""End-to-end crawls of the sandbox site (real HTTP on 127.0.0.1) into real databases.

Every test runs twice: on a SQLite file and on a fresh database of a real PostgreSQL server
(`new_db_url`, see tests/support/databases.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from carner.db.engine import make_engine, session_factory, upgrade
from carner.db.models import CrawlState, Listing, PriceChange, RawPage
from carner.db.repository import listing_snapshot
from carner.scraper.crawl import CrawlConfig, CrawlResult, crawl
from carner.scraper.http import HttpConfig, PoliteSession
from carner.scraper.rawstore import RawStore
from carner.scraper.sandbox.generator import SandboxListing, generate_listings
from carner.scraper.sandbox.server import SandboxServer
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

NewDb = Callable[..., str]  # the `new_db_url` fixture: fresh database URL of the test's backend
RETRIED_FAULTS = {"429", "500", "503", "reset", "slow"}


def open_db(url: str) -> sessionmaker[Session]:
    upgrade(url)
    return session_factory(make_engine(url))


def fast_http(**overrides: Any) -> HttpConfig:
    config = HttpConfig(
        min_delay_s=0.0, timeout_s=5.0, max_retries=6, backoff_factor=0.01, backoff_jitter_s=0.01
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def config_for(site: SandboxServer, **overrides: Any) -> CrawlConfig:
    values: dict[str, Any] = {
        "query": "cars",
        "max_pages": 20,
        "base_url": site.base_url,
        "http": fast_http(),
        "blocked_backoff_s": 0.01,
    }
    values.update(overrides)
    return CrawlConfig(**values)


def expected(listing: SandboxListing) -> dict[str, Any]:
    """What the item page shows: the specifics table starts with the Condition row, as on eBay."""
    return {
        "title": listing.title,
        "price": listing.price,
        "currency": listing.currency,
        "location": listing.location,
        "condition": listing.condition,
        "specifics": {"Condition": listing.condition, **listing.specifics},
        "description": listing.description,
    }


def assert_matches_gold(sessions: sessionmaker[Session], gold: list[SandboxListing]) -> None:
    with sessions() as session:
        snapshot = listing_snapshot(session)
        assert session.scalar(select(func.count(Listing.id))) == len(gold)
        # exactly one price row per listing: nothing was stored twice
        assert session.scalar(select(func.count(PriceChange.id))) == len(gold)
    assert set(snapshot) == {g.item_id for g in gold}
    for g in gold:
        got = snapshot[g.item_id]
        for name, value in expected(g).items():
            assert got[name] == value, f"{g.item_id} {name}: {got[name]!r} != {value!r}"
        assert list(got["specifics"]) == ["Condition", *g.specifics]  # page order kept
        assert got["url"].endswith(f"/itm/{g.item_id}")


def test_crawl_of_200_listings_matches_the_generator_field_by_field(
    tmp_path: Path, new_db_url: NewDb
) -> None:
    sessions = open_db(new_db_url())
    with SandboxServer(n_listings=210, seed=3, page_size=60) as site:
        result = crawl(config_for(site), sessions, tmp_path / "raw")
        assert result.status == "finished", result.error_messages
        assert (result.pages_fetched, result.item_pages, result.description_pages) == (4, 210, 210)
        assert (result.listings_new, result.errors, result.retries) == (210, 0, 0)
        assert_matches_gold(sessions, site.listings)

        with sessions() as session:  # every fetched page kept raw, readable, matching its hash
            pages = session.scalars(select(RawPage)).all()
            assert {p.kind for p in pages} == {"search", "item", "description"}
            assert len(pages) == 4 + 210 + 210
            store = RawStore(tmp_path / "raw")
            sample = next(p for p in pages if p.kind == "item")
            assert sample.item_id in store.get(sample.path, sample.content_hash).decode()


def test_query_and_page_limit(tmp_path: Path, new_db_url: NewDb) -> None:
    sessions = open_db(new_db_url())
    with SandboxServer(n_listings=50, seed=5, page_size=10) as site:
        result = crawl(config_for(site, max_pages=2), sessions, tmp_path / "raw")
        assert result.pages_fetched == 2 and result.listings_new == 20 and result.status == "finished"
        searches = [r.path for r in site.request_log if r.path.startswith("/sch/")]
        assert len(searches) == 2 and all("_nkw=cars" in p for p in searches)
        again = crawl(config_for(site, max_pages=2), sessions, tmp_path / "raw")  # re-crawl: update in place
        assert (again.listings_new, again.listings_updated, again.listings_unchanged) == (0, 0, 20)
        assert not again.resumed and again.status == "finished"
    assert_matches_gold(sessions, site.listings[:20])


def faulty_crawl(
    site: SandboxServer, sessions: sessionmaker[Session], raw: Path, http: PoliteSession
) -> list[CrawlResult]:
    """Crawl until finished (a run may end "blocked" when the bot wall repeats); at most 4 runs."""
    results = []
    for _ in range(4):
        results.append(crawl(config_for(site, max_blocked_retries=3), sessions, raw, http=http))
        if results[-1].status == "finished":
            break
    return results


def test_every_fault_on_still_stores_each_listing_once(tmp_path: Path, new_db_url: NewDb) -> None:
    sessions = open_db(new_db_url())
    faults = "429:0.05,500:0.05,503:0.05,slow:0.04,reset:0.05,truncate:0.05,block:0.04"
    with SandboxServer(
        n_listings=45, seed=11, page_size=15, faults=faults, slow_s=1.0, retry_after_s=1
    ) as site:
        with PoliteSession(fast_http(timeout_s=0.5, max_retries=8)) as http:
            results = faulty_crawl(site, sessions, tmp_path / "raw", http)
        log = site.request_log.snapshot()

    assert results[-1].status == "finished", [r.error_messages for r in results]
    assert_matches_gold(sessions, site.listings)
    seen = {record.fault for record in log}
    assert RETRIED_FAULTS | {"truncate", "block"} <= seen, f"not every fault fired: {seen}"

    # every fault the server injected cost one retry (or a bot-wall back-off); the crawl counted them
    injected = sum(1 for r in log if r.fault in RETRIED_FAULTS or (r.fault == "truncate" and r.status == 200))
    retries = sum(r.retries for r in results)
    assert retries >= injected > 0
    assert http.stats.retry_reasons["status 429"] == sum(1 for r in log if r.fault == "429")
    assert sum(r.blocked for r in results) == sum(1 for r in log if r.fault == "block")

    # Retry-After was obeyed: the session slept the header's 1 s, and the server saw the gap
    waits = http.stats.retry_after_waits()
    assert waits and all(w.seconds == 1.0 for w in waits)
    assert sum(r.retry_after_waits for r in results) == len(waits)
    for i, record in enumerate(log):
        if record.fault == "429":
            later = next(r for r in log[i + 1 :] if r.path == record.path)
            assert later.time - record.time >= 0.95, record.path


def test_bot_wall_backs_off_reports_blocked_and_resumes(tmp_path: Path, new_db_url: NewDb) -> None:
    sessions = open_db(new_db_url())
    with SandboxServer(n_listings=12, seed=2, page_size=10, faults="block:3") as site:
        sleeps: list[float] = []
        first = crawl(
            config_for(site, max_blocked_retries=2), sessions, tmp_path / "raw", sleep=sleeps.append
        )
        assert first.status == "blocked" and first.blocked == 3
        assert first.listings_stored == 0 and first.pages_fetched == 0  # not "0 results"
        assert sleeps == [0.01, 0.02]  # exponential back-off between the tries
        with sessions() as session:
            walls = session.scalars(select(RawPage).where(RawPage.blocked.is_(True))).all()
            assert len(walls) == 3 and session.scalar(select(CrawlState.finished)) is False

        second = crawl(config_for(site), sessions, tmp_path / "raw")
        assert second.status == "finished" and second.resumed
        assert_matches_gold(sessions, site.listings)


def test_robots_disallowed_paths_are_never_requested(tmp_path: Path, new_db_url: NewDb) -> None:
    gold = generate_listings(30, seed=4)
    prefix = f"/itm/{gold[0].item_id[:2]}"
    forbidden = [g for g in gold if f"/itm/{g.item_id}".startswith(prefix)]
    sessions = open_db(new_db_url())
    with SandboxServer(n_listings=30, seed=4, page_size=30, faults=f"disallow:{prefix}") as site:
        result = crawl(config_for(site), sessions, tmp_path / "raw")
        paths = [r.path for r in site.request_log]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith(prefix)]
    assert result.disallowed == len(forbidden) > 0
    assert result.status == "finished" and result.errors == 0
    allowed = [g for g in gold if g not in forbidden]
    assert_matches_gold(sessions, allowed)


def test_robots_disallowing_search_stops_with_an_error(tmp_path: Path, new_db_url: NewDb) -> None:
    sessions = open_db(new_db_url())
    with SandboxServer(n_listings=5, seed=1, faults="disallow:/sch/") as site:
        result = crawl(config_for(site), sessions, tmp_path / "raw")
        assert not [r for r in site.request_log if r.path.startswith("/sch/")]
    assert result.status == "partial" and result.disallowed == 1 and result.listings_stored == 0
    assert "disallowed by robots.txt" in result.error_messages[0]


@pytest.mark.parametrize(
    ("faults", "message"), [("reset:1.0", "connection reset by the server"), ("503:1.0", "HTTP 503")]
)
def test_search_page_that_never_answers_ends_unreachable(
    tmp_path: Path, new_db_url: NewDb, faults: str, message: str
) -> None:
    sessions = open_db(new_db_url())
    with SandboxServer(n_listings=5, seed=1, faults=faults) as site:
        result = crawl(config_for(site, http=fast_http(max_retries=1)), sessions, tmp_path / "raw")
    assert result.status == "unreachable" and result.pages_fetched == 0 and result.listings_stored == 0
    assert result.retries == 1 and message in result.error_messages[0] and message in (result.cause or "")
    with sessions() as session:
        state = session.scalars(select(CrawlState)).one()
        assert (state.next_page, state.finished) == (1, False)  # the next run starts over at page 1


def count_listings(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM listing")).scalar_one()
    except DBAPIError:  # not created yet
        return 0


def test_sigkill_part_way_then_restart_equals_uninterrupted_crawl(tmp_path: Path, new_db_url: NewDb) -> None:
    killed_url, clean_url = new_db_url("killed"), new_db_url("clean")
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"
    killed_engine = make_engine(killed_url)
    with SandboxServer(n_listings=60, seed=7, page_size=20) as site:
        clean = open_db(clean_url)
        assert crawl(config_for(site), clean, clean_dir / "raw").status == "finished"

        carner = Path(sys.executable).with_name("carner")
        command = [
            str(carner), "scrape", "--query", "cars", "--max-pages", "20", "--base-url", site.base_url,
            "--db", killed_url, "--workdir", str(killed_dir), "--min-delay", "0.05",
        ]  # fmt: skip
        env = {**os.environ, "CARNER_MAX_RETRIES": "6"}
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while count_listings(killed_engine) < 12 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"crawl ended before the kill: {proc.stderr.read().decode()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stored_at_kill = count_listings(killed_engine)
        assert 12 <= stored_at_kill < 60

        killed_engine.dispose()
        resumed_sessions = open_db(killed_url)
        resumed = crawl(config_for(site), resumed_sessions, killed_dir / "raw")
        assert resumed.resumed and resumed.status == "finished", resumed.error_messages
        assert resumed.listings_new + stored_at_kill >= 60

    with clean() as a, resumed_sessions() as b:
        assert listing_snapshot(a) == listing_snapshot(b)
        for session in (a, b):
            assert session.scalar(select(func.count(Listing.id))) == 60
            assert session.scalar(select(func.count(PriceChange.id))) == 60
    assert_matches_gold(resumed_sessions, site.listings)
