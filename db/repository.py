"""Repository functions over the records: idempotent listing upserts, price history, queries.

Writes are keyed by eBay's item id and use the dialect's `INSERT ... ON CONFLICT DO UPDATE`
(SQLite and PostgreSQL), so two crawls writing the same listing never create a duplicate even when
they race. Callers own the transaction: functions here only add to the session, the crawler commits
a listing together with its crawl state so a kill can never leave one without the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from carner.db.models import Listing, PriceChange, RawPage
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

UpsertOutcome = Literal["new", "updated", "unchanged"]

# Fields a crawl may overwrite; `description*` only when the crawl actually fetched a description.
CONTENT_FIELDS = ("url", "title", "price", "currency", "location", "condition", "specifics")
OPTIONAL_FIELDS = ("description", "description_url")


class ListingLike(Protocol):
    """What `upsert_listing` needs; `scraper.parse.ParsedListing` fits (db does not import scraper)."""

    item_id: str | None
    title: str | None
    price: float | None
    currency: str | None
    location: str | None
    condition: str | None
    specifics: Mapping[str, str]
    description_url: str | None
    description: str | None
    url: str | None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert_for(session: Session) -> Any:
    dialect = _dialect(session)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - other backends fall back to read-then-write
        return None
    return insert


def _utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; treat them as the UTC they were written as."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _values(parsed: ListingLike) -> dict[str, Any]:
    if not parsed.item_id:
        raise ValueError("listing has no item_id")
    if not parsed.title:
        raise ValueError(f"listing {parsed.item_id}: no title")
    values: dict[str, Any] = {
        "item_id": parsed.item_id,
        "url": parsed.url or f"/itm/{parsed.item_id}",
        "title": parsed.title,
        "price": parsed.price,
        "currency": parsed.currency,
        "location": parsed.location,
        "condition": parsed.condition,
        "specifics": dict(parsed.specifics or {}),
    }
    for name in OPTIONAL_FIELDS:
        value = getattr(parsed, name, None)
        if value is not None:
            values[name] = value
    return values


def upsert_listing(session: Session, parsed: ListingLike, seen_at: datetime | None = None) -> UpsertOutcome:
    """Insert or update one listing by item id; record a `PriceChange` when the price is new or differs.

    Returns "new", "updated" (some content field changed) or "unchanged" (only `last_seen` moved).
    `first_seen` keeps the earliest and `last_seen` the latest `seen_at`, so re-running an old crawl
    (or `carner reparse`) never moves time backwards.

    Race-free under concurrent writers (threads, processes, machines): the first statement is
    `INSERT ... ON CONFLICT DO NOTHING RETURNING id`, so exactly one writer sees the insert happen
    (and records the first price); every other writer waits for that row's lock and then takes the
    update path, where the row is re-read `FOR UPDATE` (PostgreSQL; SQLite holds the database write
    lock from the INSERT on) before its price is compared — two crawls seeing the same new price
    record it once.
    """
    seen_at = seen_at or datetime.now(UTC)
    values = _values(parsed)
    insert = _insert_for(session)
    if insert is None:  # pragma: no cover - other backends: read-then-write, not race-free
        return _upsert_portable(session, values, seen_at)

    # Core statements on the tables (not the ORM entities): no unit-of-work flush per listing, which
    # used to cost as much as parsing the page (`carner reparse` of millions of stored pages).
    inserted_id = session.execute(
        _insert_listing(insert, _dialect(session)), {**values, "first_seen": seen_at, "last_seen": seen_at}
    ).scalar_one_or_none()
    if inserted_id is not None:
        _record_price(session, inserted_id, values, seen_at)
        return "new"

    dialect = _dialect(session)
    stored = session.execute(_select_for_update(dialect), {"item_id": values["item_id"]}).one()
    changed = [k for k, v in values.items() if k != "item_id" and stored._mapping[k] != v]
    changed_price = stored.price != values["price"] or stored.currency != values["currency"]
    fields = tuple(k for k in values if k != "item_id")
    session.execute(
        _update_listing(dialect, fields),
        {**{f"new_{k}": values[k] for k in fields}, "row_id": stored.id, "seen_at": seen_at},
    )
    if changed_price:
        _record_price(session, stored.id, values, seen_at)
    cached = session.identity_map.get(session.identity_key(Listing, (stored.id,)))
    if cached is not None:  # the Core statement bypassed the identity map
        session.expire(cached)
    return "updated" if changed else "unchanged"


_SELECT_FOR_UPDATE: dict[str, Any] = {}
_UPDATE_LISTING: dict[tuple[str, tuple[str, ...]], Any] = {}


def _select_for_update(dialect: str) -> Any:
    """The stored row of an item id, locked (`FOR UPDATE` on PostgreSQL), built once per dialect."""
    if dialect not in _SELECT_FOR_UPDATE:
        listing = Listing.__table__
        columns = [listing.c.id, *(listing.c[k] for k in (*CONTENT_FIELDS, *OPTIONAL_FIELDS))]
        _SELECT_FOR_UPDATE[dialect] = (
            select(*columns).where(listing.c.item_id == bindparam("item_id")).with_for_update()
        )
    return _SELECT_FOR_UPDATE[dialect]


def _update_listing(dialect: str, fields: tuple[str, ...]) -> Any:
    """`UPDATE listing SET <fields>, first_seen = min(..), last_seen = max(..)` by row id, built once per
    dialect and set of fields (the optional fields are written only when the crawl fetched them)."""
    key = (dialect, fields)
    if key not in _UPDATE_LISTING:
        listing = Listing.__table__
        least, greatest = (func.min, func.max) if dialect == "sqlite" else (func.least, func.greatest)
        seen_at = bindparam("seen_at", type_=listing.c.last_seen.type)
        _UPDATE_LISTING[key] = (
            update(listing)
            .where(listing.c.id == bindparam("row_id"))
            .values(
                **{k: bindparam(f"new_{k}", type_=listing.c[k].type) for k in fields},
                first_seen=least(listing.c.first_seen, seen_at),
                last_seen=greatest(listing.c.last_seen, seen_at),
            )
        )
    return _UPDATE_LISTING[key]


_INSERT_LISTING: dict[str, Any] = {}


def _insert_listing(insert: Any, dialect: str) -> Any:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING id`, built once per dialect (building it per
    listing cost more than running it)."""
    if dialect not in _INSERT_LISTING:
        listing = Listing.__table__
        _INSERT_LISTING[dialect] = (
            insert(listing).on_conflict_do_nothing(index_elements=[listing.c.item_id]).returning(listing.c.id)
        )
    return _INSERT_LISTING[dialect]


_INSERT_PRICE = PriceChange.__table__.insert()


def _record_price(session: Session, listing_id: int, values: dict[str, Any], seen_at: datetime) -> None:
    session.execute(
        _INSERT_PRICE,
        {
            "listing_id": listing_id,
            "price": values["price"],
            "currency": values["currency"],
            "seen_at": seen_at,
        },
    )


def _price_row(listing_id: int, values: dict[str, Any], seen_at: datetime) -> PriceChange:
    return PriceChange(
        listing_id=listing_id, price=values["price"], currency=values["currency"], seen_at=seen_at
    )


def _upsert_portable(  # pragma: no cover - backends without INSERT ... ON CONFLICT
    session: Session, values: dict[str, Any], seen_at: datetime
) -> UpsertOutcome:
    existing = session.execute(
        select(Listing).where(Listing.item_id == values["item_id"]).with_for_update()
    ).scalar_one_or_none()
    if existing is None:
        existing = Listing(**values, first_seen=seen_at, last_seen=seen_at)
        session.add(existing)
        session.flush()
        outcome: UpsertOutcome = "new"
        changed_price = True
    else:
        changed = [k for k, v in values.items() if k != "item_id" and getattr(existing, k) != v]
        outcome = "updated" if changed else "unchanged"
        changed_price = existing.price != values["price"] or existing.currency != values["currency"]
        for key, value in values.items():
            setattr(existing, key, value)
        existing.first_seen = min(_utc(existing.first_seen), seen_at)  # type: ignore[type-var]
        existing.last_seen = max(_utc(existing.last_seen), seen_at)  # type: ignore[type-var]
        session.flush()
    if changed_price:
        session.add(_price_row(existing.id, values, seen_at))
    return outcome


def get_listing(session: Session, item_id: str) -> Listing | None:
    return session.execute(select(Listing).where(Listing.item_id == item_id)).scalar_one_or_none()


def listings_query(limit: int | None = None, newest_first: bool = True) -> Select[tuple[Listing]]:
    stmt = select(Listing).order_by(Listing.last_seen.desc() if newest_first else Listing.id, Listing.id)
    return stmt.limit(limit) if limit else stmt


def list_listings(session: Session, limit: int | None = None, newest_first: bool = True) -> Sequence[Listing]:
    """Listings, most recently seen first (what `carner listings` shows)."""
    return session.execute(listings_query(limit, newest_first)).scalars().all()


def count_listings(session: Session) -> int:
    return session.execute(select(func.count(Listing.id))).scalar_one()


def price_history(session: Session, item_id: str) -> list[PriceChange]:
    """Price changes of a listing, oldest first."""
    stmt = (
        select(PriceChange)
        .join(Listing, PriceChange.listing_id == Listing.id)
        .where(Listing.item_id == item_id)
        .order_by(PriceChange.seen_at, PriceChange.id)
    )
    return list(session.execute(stmt).scalars())


def add_raw_page(session: Session, **fields: Any) -> RawPage:
    """Index row of a stored raw page (the file itself is written by `scraper.rawstore`)."""
    page = RawPage(**fields)
    session.add(page)
    return page


def latest_raw_pages(session: Session, kind: str) -> dict[str, RawPage]:
    """Newest good (status 200, not blocked) raw page of `kind` per item id, for `carner reparse`."""
    stmt = (
        select(RawPage)
        .where(
            RawPage.kind == kind,
            RawPage.status == 200,
            RawPage.blocked.is_(False),
            RawPage.item_id.isnot(None),
        )
        .order_by(RawPage.fetched_at, RawPage.id)
    )
    latest: dict[str, RawPage] = {}
    for page in session.execute(stmt).scalars():
        latest[page.item_id] = page  # type: ignore[index]
    return latest


def listing_snapshot(session: Session) -> dict[str, dict[str, Any]]:
    """Content of every listing by item id (no ids or timestamps): what tests and reparse compare."""
    fields = CONTENT_FIELDS + OPTIONAL_FIELDS
    return {
        row.item_id: {name: getattr(row, name) for name in fields}
        for row in session.execute(select(Listing).order_by(Listing.item_id)).scalars()
    }
