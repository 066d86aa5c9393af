"""Rebuild listings from the stored raw pages, without the network (`carner reparse`).

After a parser fix, re-running the parser over what was already fetched is free and polite. For
every item id the newest good item page (status 200, not a bot wall) and its newest description
page are parsed and upserted; all upserts happen in one transaction, so a failure leaves the
database as it was. Unreadable raw files are reported by path and skipped.

Every reparsed page goes through a `LayoutCensus`: pages that match no known eBay layout, or a field
empty on far more pages than usual, come back as `drift` warnings. `census()` counts the layouts
of every stored raw page (search and item) without writing anything (`carner reparse --report`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from carner.db.models import Listing, RawPage
from carner.db.repository import latest_raw_pages, upsert_listing
from carner.scraper.drift import LayoutCensus
from carner.scraper.http import ends_early
from carner.scraper.parse import parse_description, parse_item_page, parse_search_results
from carner.scraper.rawstore import RawStore
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    item_pages: int = 0
    description_pages: int = 0
    listings_new: int = 0
    listings_updated: int = 0
    listings_unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    layouts: dict[str, int] = field(default_factory=dict)
    empty_fields: dict[str, int] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CensusResult:
    census: LayoutCensus
    errors: list[str] = field(default_factory=list)


def reparse(
    session_factory: sessionmaker[Session],
    raw_dir: Path | str,
    *,
    on_item: Callable[[str, str], None] | None = None,
) -> ReparseResult:
    """Parse every stored item page again and upsert its listing; returns counts and per-file errors."""
    started = time.monotonic()
    store = RawStore(raw_dir)
    result = ReparseResult()
    census = LayoutCensus()
    with session_factory.begin() as session:
        items = latest_raw_pages(session, "item")
        descriptions = latest_raw_pages(session, "description")
        for item_id, page in sorted(items.items()):
            try:
                parsed = parse_item_page(store.get(page.path, page.content_hash), url=page.url)
            except ValueError as exc:
                result.errors.append(f"raw page #{page.id} ({page.url}): {exc}")
                continue
            result.item_pages += 1
            census.add_item(parsed, page.url)
            parsed.item_id = parsed.item_id or item_id
            if not parsed.title:
                result.errors.append(f"raw page #{page.id} ({page.url}): {store.root / page.path}: no title")
                continue
            desc = descriptions.get(item_id)
            if desc is not None:
                try:
                    content = store.get(desc.path, desc.content_hash)
                    if ends_early(content):  # a cut page stored by an older carner: keep what is there
                        older = _complete_description(session, store, item_id, desc.id)
                        if older is None:
                            result.errors.append(f"raw page #{desc.id} ({desc.url}): cut short, skipped")
                            desc = None
                        else:
                            desc, content = older
                    if desc is not None:
                        parsed.description = parse_description(content)
                    result.description_pages += 1
                except ValueError as exc:
                    result.errors.append(f"raw page #{desc.id} ({desc.url}): {exc}")
            if desc is None and item_id in descriptions:
                parsed.description = _stored_description(session, parsed.item_id or item_id)
            outcome = upsert_listing(session, parsed, seen_at=page.fetched_at)
            setattr(result, f"listings_{outcome}", getattr(result, f"listings_{outcome}") + 1)
            if on_item is not None:
                on_item(item_id, outcome)
    for error in result.errors:
        log.warning(error)
    found = census.to_dict()
    result.layouts, result.empty_fields = found["layouts"], found["empty_fields"]
    result.drift = census.warnings()
    for warning in result.drift:
        log.warning("layout drift: %s", warning)
    result.duration_s = round(time.monotonic() - started, 3)
    log.info(
        "reparse: %d item page(s), %d new, %d updated, %d unchanged, %d error(s)",
        result.item_pages,
        result.listings_new,
        result.listings_updated,
        result.listings_unchanged,
        len(result.errors),
    )
    return result


def census(session_factory: sessionmaker[Session], raw_dir: Path | str) -> CensusResult:
    """Layouts and empty fields of every stored good raw page (search and item); writes nothing."""
    store = RawStore(raw_dir)
    found = CensusResult(LayoutCensus())
    stmt = (
        select(RawPage)
        .where(RawPage.kind.in_(("search", "item")), RawPage.status == 200, RawPage.blocked.is_(False))
        .order_by(RawPage.id)
    )
    with session_factory() as session:
        for page in session.execute(stmt).scalars():
            try:
                content = store.get(page.path, page.content_hash)
                if page.kind == "search":
                    found.census.add_search(parse_search_results(content, base_url=page.url), page.url)
                else:
                    found.census.add_item(parse_item_page(content, url=page.url), page.url)
            except ValueError as exc:
                found.errors.append(f"raw page #{page.id} ({page.url}): {exc}")
    return found


def _complete_description(
    session: Session, store: RawStore, item_id: str, newest_id: int
) -> tuple[RawPage, bytes] | None:
    """The newest stored description of an item that is not cut short, older than `newest_id`."""
    stmt = (
        select(RawPage)
        .where(
            RawPage.kind == "description", RawPage.item_id == item_id, RawPage.status == 200,
            RawPage.blocked.is_(False), RawPage.id != newest_id,
        )
        .order_by(RawPage.fetched_at.desc(), RawPage.id.desc())
    )  # fmt: skip
    for page in session.execute(stmt).scalars():
        try:
            content = store.get(page.path, page.content_hash)
        except ValueError:
            continue
        if not ends_early(content):
            return page, content
    return None


def _stored_description(session: Session, item_id: str) -> str | None:
    """The description the database already has (kept when every stored copy is cut short)."""
    return session.execute(select(Listing.description).where(Listing.item_id == item_id)).scalar_one_or_none()
