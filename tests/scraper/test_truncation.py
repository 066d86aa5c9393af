"""Cut transfers with no retries left: never stored as complete, never overwriting a good page.

Real HTTP against the sandbox with its `truncate` fault (the body is cut at a random point, with a
matching Content-Length, so only the missing `</html>` tells); real SQLite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from carner.db.engine import make_engine, session_factory, upgrade
from carner.db.repository import listing_snapshot
from carner.scraper.http import FetchError, HttpConfig, PoliteSession
from carner.scraper.sandbox.server import SandboxServer
from typer.testing import CliRunner

from carner.cli import app

runner = CliRunner()


def _http(max_retries: int) -> HttpConfig:
    return HttpConfig(min_delay_s=0.0, timeout_s=5.0, max_retries=max_retries, backoff_factor=0.01)


def test_one_cut_answer_without_retries_is_incomplete_not_the_page() -> None:
    with SandboxServer(n_listings=3, seed=1, faults="truncate:1") as site:
        url = f"{site.base_url}/itm/{site.listings[0].item_id}/desc"
        with PoliteSession(_http(0)) as http, pytest.raises(FetchError, match="incomplete") as caught:
            http.get(url)
        assert caught.value.kind == "incomplete"
        assert [r.fault for r in site.request_log if r.path.endswith("/desc")] == ["truncate"]
        with PoliteSession(_http(0)) as http:  # the fault is used up: the next answer is whole
            assert http.get(url).content.rstrip().endswith(b"</html>")


def test_the_same_cut_twice_is_still_needed_to_take_a_page_as_served() -> None:
    """Two tries, two different cuts: incomplete (a page without </html> needs two equal answers)."""
    with SandboxServer(n_listings=3, seed=1, faults="truncate:2") as site:
        url = f"{site.base_url}/itm/{site.listings[0].item_id}/desc"
        with PoliteSession(_http(1)) as http, pytest.raises(FetchError, match="incomplete"):
            http.get(url)


def _scrape(site: SandboxServer, workdir: Path) -> tuple[int, dict]:
    result = runner.invoke(
        app,
        ["scrape", "-q", "cars", "-n", "3", "--base-url", site.base_url, "--workdir", str(workdir),
         "--min-delay", "0", "--max-retries", "0", "--json"],
    )  # fmt: skip
    return result.exit_code, json.loads(result.stdout[result.stdout.index("{") :])


def test_max_retries_0_with_cut_answers_stores_nothing_cut_and_does_not_finish(tmp_path: Path) -> None:
    workdir = tmp_path / "w"
    with SandboxServer(n_listings=12, seed=4, page_size=12) as clean:
        code, summary = _scrape(clean, workdir)
    assert code == 0 and summary["status"] == "finished" and summary["listings_new"] == 12
    url = f"sqlite:///{workdir / 'carner.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with sessions() as session:
        good = listing_snapshot(session)
    assert all(row["description"] for row in good.values())

    with SandboxServer(n_listings=12, seed=4, page_size=12, faults="truncate:0.35") as faulty:
        code, summary = _scrape(faulty, workdir)
        cut = [r for r in faulty.request_log if r.fault == "truncate"]
    assert any(r.path.endswith("/desc") for r in cut), "the fault never hit a description"
    assert code == 5 and summary["status"] == "partial", summary  # not "finished", exit 0
    assert summary["pending"] > 0
    with sessions() as session:
        after = listing_snapshot(session)
    assert after.keys() == good.keys()
    for item_id, row in after.items():  # every description still the whole one
        assert row["description"] == good[item_id]["description"], item_id


def test_reparse_never_replaces_a_whole_description_by_a_cut_copy_stored_earlier(tmp_path: Path) -> None:
    """Stores written before the fix may hold cut copies as the newest: reparse takes the whole one."""
    from datetime import UTC, datetime, timedelta

    from carner.db.models import RawPage
    from carner.scraper.rawstore import RawStore
    from carner.scraper.reparse import reparse
    from carner.scraper.sandbox import render
    from carner.scraper.sandbox.generator import generate_listings

    url = f"sqlite:///{tmp_path / 'carner.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    store = RawStore(tmp_path / "raw")
    first, second = generate_listings(2, seed=9)
    base, now = "http://127.0.0.1:9", datetime.now(UTC)

    def page(kind: str, item_id: str, html: bytes, minutes: int) -> RawPage:
        stored = store.put(html)
        return RawPage(
            url=f"{base}/itm/{item_id}" + ("/desc" if kind == "description" else ""), kind=kind,
            item_id=item_id, status=200, fetched_at=now + timedelta(minutes=minutes),
            content_hash=stored.content_hash, path=stored.path, size=stored.size, blocked=False,
        )  # fmt: skip

    with sessions.begin() as session:
        for listing in (first, second):
            whole = render.description_page(listing).encode()
            session.add(page("item", listing.item_id, render.item_page(listing, base_url=base).encode(), 0))
            session.add(page("description", listing.item_id, whole, 0))
            session.add(page("description", listing.item_id, whole[: len(whole) // 2], 5))  # cut, newer
    result = reparse(sessions, tmp_path / "raw")
    assert result.listings_new == 2 and result.description_pages == 2
    with sessions() as session:
        stored = listing_snapshot(session)
    assert stored[first.item_id]["description"] == " ".join(first.description.split())
    assert stored[second.item_id]["description"] == " ".join(second.description.split())
