"""Idempotent listing upserts and price history on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from carner.db.engine import make_engine, session_factory, upgrade
from carner.db.models import Listing, PriceChange
from carner.db.repository import (
    count_listings,
    get_listing,
    list_listings,
    listing_snapshot,
    price_history,
    upsert_listing,
)
from carner.scraper.parse import ParsedListing
from sqlalchemy.orm import Session, sessionmaker

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def sessions(backend_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(backend_url)
    engine = make_engine(backend_url)
    yield session_factory(engine)
    engine.dispose()


def car(**changes: object) -> ParsedListing:
    listing = ParsedListing(
        item_id="123456789012",
        title="2015 Ford F-150 XLT",
        price=21500.0,
        currency="USD",
        location="Austin, Texas",
        condition="Used",
        specifics=OrderedDict([("Make", "Ford"), ("Model", "F-150")]),
        description_url="http://x/itm/123456789012/desc",
        description="Runs great.",
        url="http://x/itm/123456789012",
    )
    return replace(listing, **changes)


def test_new_then_unchanged_then_updated(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        assert upsert_listing(s, car(), seen_at=T0) == "new"
    with sessions.begin() as s:
        assert upsert_listing(s, car(), seen_at=T0 + timedelta(days=1)) == "unchanged"
    with sessions.begin() as s:
        assert (
            upsert_listing(s, car(title="2015 Ford F-150 XLT 4x4"), seen_at=T0 + timedelta(days=2))
            == "updated"
        )
    with sessions() as s:
        assert count_listings(s) == 1
        row = get_listing(s, "123456789012")
        assert row is not None and row.title == "2015 Ford F-150 XLT 4x4"
        assert row.first_seen.replace(tzinfo=UTC) == T0
        assert row.last_seen.replace(tzinfo=UTC) == T0 + timedelta(days=2)
        assert len(price_history(s, "123456789012")) == 1  # price never changed


def test_a_listing_loaded_in_the_same_session_sees_the_update(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_listing(s, car(), seen_at=T0)
    with sessions.begin() as s:
        loaded = get_listing(s, "123456789012")
        assert loaded is not None and loaded.title == "2015 Ford F-150 XLT"
        upsert_listing(s, car(title="2015 Ford F-150 Lariat", price=23000.0), seen_at=T0 + timedelta(days=1))
        again = get_listing(s, "123456789012")
        assert again is loaded and again.title == "2015 Ford F-150 Lariat" and again.price == 23000.0
        assert again.last_seen.replace(tzinfo=UTC) == T0 + timedelta(days=1)


def test_price_change_is_recorded(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_listing(s, car(), seen_at=T0)
    with sessions.begin() as s:
        assert upsert_listing(s, car(price=19900.0), seen_at=T0 + timedelta(days=3)) == "updated"
    with sessions() as s:
        history = price_history(s, "123456789012")
        assert [(p.price, p.currency) for p in history] == [(21500.0, "USD"), (19900.0, "USD")]
        assert get_listing(s, "123456789012").price == 19900.0


def test_older_sighting_does_not_move_time_backwards(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_listing(s, car(), seen_at=T0 + timedelta(days=5))
    with sessions.begin() as s:
        upsert_listing(s, car(), seen_at=T0)  # e.g. reparse of an old raw page
    with sessions() as s:
        row = get_listing(s, "123456789012")
        assert row.first_seen.replace(tzinfo=UTC) == T0
        assert row.last_seen.replace(tzinfo=UTC) == T0 + timedelta(days=5)


def test_missing_description_keeps_the_stored_one(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_listing(s, car(), seen_at=T0)
    with sessions.begin() as s:
        assert upsert_listing(s, car(description=None, description_url=None), seen_at=T0) == "unchanged"
    with sessions() as s:
        assert get_listing(s, "123456789012").description == "Runs great."


def test_specifics_round_trip_in_order(sessions: sessionmaker[Session]) -> None:
    specifics = OrderedDict([("Year", "2015"), ("Make", "Ford"), ("Modèle", "F-150"), ("Mileage", "80,000")])
    with sessions.begin() as s:
        upsert_listing(s, car(specifics=specifics), seen_at=T0)
    with sessions() as s:
        assert list(get_listing(s, "123456789012").specifics.items()) == list(specifics.items())


def test_rollback_leaves_nothing_half_written(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as s:
        upsert_listing(s, car(), seen_at=T0)
        raise RuntimeError("killed mid-transaction")
    with sessions() as s:
        assert count_listings(s) == 0 and s.query(PriceChange).count() == 0


@pytest.mark.parametrize("bad", [{"item_id": None}, {"title": None}])
def test_listing_without_key_or_title_is_rejected(sessions: sessionmaker[Session], bad: dict) -> None:
    with pytest.raises(ValueError), sessions.begin() as s:
        upsert_listing(s, car(**bad), seen_at=T0)


def test_queries(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        for i in range(5):
            upsert_listing(s, car(item_id=f"10000000000{i}"), seen_at=T0 + timedelta(hours=i))
    with sessions() as s:
        newest = list_listings(s, limit=2)
        assert [r.item_id for r in newest] == ["100000000004", "100000000003"]
        assert set(listing_snapshot(s)) == {f"10000000000{i}" for i in range(5)}
        assert s.query(Listing).count() == 5
