"""Concurrent writers on the same listings: nothing lost, nothing duplicated (SQLite and PostgreSQL).

Threads with their own connections upsert the same listings at the same instant (a barrier lines
them up), each in its own transaction, as separate crawl workers would. The first sighting must
create one listing and one price row however many writers race; a price change seen by every
writer at once must add exactly one more price row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from carner.db.engine import make_engine, session_factory, upgrade
from carner.db.models import Listing, PriceChange
from carner.db.repository import upsert_listing
from carner.scraper.parse import ParsedListing
from sqlalchemy import func, select

T0 = datetime(2025, 1, 1, tzinfo=UTC)
WRITERS = 8
LISTINGS = 40


def listing(i: int, price: float = 10_000.0) -> ParsedListing:
    item_id = f"{500000000000 + i}"
    return ParsedListing(
        item_id=item_id,
        title=f"2015 Ford F-150 XLT #{i}",
        price=price + i,
        currency="USD",
        location="Austin, Texas",
        condition="Used",
        specifics={"Make": "Ford", "Model": "F-150"},
        description_url=None,
        description=None,
        url=f"http://x/itm/{item_id}",
    )


def race(backend_url: str, work: Callable[[int], list[str]]) -> list[list[str]]:
    """Run `work(writer)` in WRITERS threads at once; their outcomes."""
    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(work, range(WRITERS)))


@pytest.mark.parametrize("per_listing_barrier", [True, False], ids=["lockstep", "free-running"])
def test_concurrent_first_inserts_and_price_changes_are_recorded_once(
    backend_url: str, per_listing_barrier: bool
) -> None:
    upgrade(backend_url)
    engine = make_engine(backend_url, pool_size=WRITERS, max_overflow=0)
    sessions = session_factory(engine)
    barrier = threading.Barrier(WRITERS)

    def upsert_all(price: float, seen_at: datetime) -> Callable[[int], list[str]]:
        def work(writer: int) -> list[str]:
            outcomes = []
            barrier.wait()
            order = range(LISTINGS) if writer % 2 == 0 else reversed(range(LISTINGS))
            for i in order:
                if per_listing_barrier:
                    barrier.wait()
                with sessions.begin() as session:
                    outcomes.append(upsert_listing(session, listing(i, price), seen_at=seen_at))
            return outcomes

        return work

    try:
        first = race(backend_url, upsert_all(10_000.0, T0))
        new = sum(o.count("new") for o in first)
        assert new == LISTINGS, f"{new} writers believed they inserted a listing first"
        assert sum(o.count("unchanged") for o in first) == LISTINGS * (WRITERS - 1)

        later = race(backend_url, upsert_all(9_000.0, T0 + timedelta(days=1)))
        assert sum(o.count("updated") for o in later) == LISTINGS  # only the first writer saw a change
        with sessions() as session:
            assert session.scalar(select(func.count(Listing.id))) == LISTINGS
            assert session.scalar(select(func.count(PriceChange.id))) == 2 * LISTINGS
            per_listing = session.execute(
                select(PriceChange.listing_id, func.count()).group_by(PriceChange.listing_id)
            ).all()
            assert {n for _, n in per_listing} == {2}
            row = session.scalars(select(Listing).where(Listing.item_id == "500000000003")).one()
            assert row.price == 9_003.0
            assert row.first_seen.replace(tzinfo=UTC) == T0
            assert row.last_seen.replace(tzinfo=UTC) == T0 + timedelta(days=1)
    finally:
        engine.dispose()
