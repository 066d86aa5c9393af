"""Search query → result pages → item pages → descriptions → database, resumable after any kill.

The crawl's progress lives in a `CrawlState` row (base URL + query): the next search page, the item
ids found but not yet stored, the ids done. Each step commits its raw page index row, its listing
upsert and the state change in ONE transaction, so a `kill -9` at any instant leaves either the
step fully done or not at all; the next run with the same query picks up where the state says.
Raw pages go to a content-addressed gzip store first (an orphan file after a kill is harmless).

A page eBay replaces with a bot wall is recognised (`is_blocked`), kept raw with `blocked=True`,
retried after a back-off and, if it persists, ends the crawl with status "blocked" — never read
as "0 results". A site that cannot be reached (DNS, refused, 5xx, robots.txt unreachable) ends it
with status "unreachable"; `CrawlResult.cause` names the real reason first.

A listing is marked done only when every part of it is stored (item page and description): a part
that failed is fetched again by the next run. A poison page (over the size limit, or one the parser
cannot read) is recorded in the crawl state's `failed_items` with its reason, and the crawl goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from carner.db.models import CrawlState, RawPage
from carner.db.repository import upsert_listing
from carner.scraper.drift import LayoutCensus
from carner.scraper.http import Disallowed, FetchError, FetchResult, HttpConfig, PoliteSession
from carner.scraper.parse import (
    ParsedListing,
    is_blocked,
    parse_description,
    parse_item_page,
    parse_search_results,
)
from carner.scraper.rawstore import RawStore
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from carner.common.redact import redact

log = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)
MAX_ERROR_MESSAGES = 50


@dataclass
class CrawlConfig:
    """One crawl: which site, which query, how far, how politely."""

    query: str
    max_pages: int = 1
    base_url: str = "https://www.ebay.com"
    http: HttpConfig = field(default_factory=HttpConfig)
    max_items: int | None = None  # stop after storing this many listings (None: all found)
    fetch_descriptions: bool = True
    category: str | None = None  # eBay category id, e.g. "6001" (Cars & Trucks)
    blocked_backoff_s: float = 60.0  # first wait after a bot wall; doubles per repeat
    max_blocked_retries: int = 2
    # Item pages (+ descriptions) fetched at once by a bounded thread pool. The per-host rate limit
    # is the session's and shared by every thread, so more workers never means more requests per
    # second than `http.min_delay_s` allows: they overlap latency, parsing and the database write.
    workers: int = 1

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")

    def search_url(self, page: int) -> str:
        params: dict[str, str | int] = {"_nkw": self.query}
        if self.category:
            params["_sacat"] = self.category
        params["_pgn"] = page
        return f"{self.base_url.rstrip('/')}/sch/i.html?{urlencode(params)}"

    def item_url(self, item_id: str) -> str:
        return f"{self.base_url.rstrip('/')}/itm/{item_id}"


@dataclass
class CrawlResult:
    """What a crawl did; `status` is "finished", "partial" (stopped early, resumable), "blocked" (bot
    wall) or "unreachable" (site down); `cause` says why it is not "finished", real cause first."""

    query: str
    base_url: str
    status: str = "partial"
    resumed: bool = False
    pages_fetched: int = 0  # search result pages
    item_pages: int = 0
    description_pages: int = 0
    listings_found: int = 0  # item ids found on search pages in this run
    listings_new: int = 0
    listings_updated: int = 0
    listings_unchanged: int = 0
    retries: int = 0
    retry_after_waits: int = 0
    retry_after_wait_s: float = 0.0
    errors: int = 0
    blocked: int = 0  # bot-wall pages seen
    disallowed: int = 0  # URLs skipped because robots.txt forbids them
    pending: int = 0  # item ids left for the next run
    failed: int = 0  # poison pages given up for good in this run (reasons in `failed_items`)
    failed_items: dict[str, str] = field(default_factory=dict)
    cause: str | None = None
    duration_s: float = 0.0
    error_messages: list[str] = field(default_factory=list)
    # Layout census of the pages parsed in this run, and its warnings: an unknown layout, or a field
    # empty on far more pages than usual (eBay changed its markup; the parser needs updating).
    layouts: dict[str, int] = field(default_factory=dict)
    empty_fields: dict[str, int] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)

    @property
    def listings_stored(self) -> int:
        return self.listings_new + self.listings_updated + self.listings_unchanged

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _error(self, message: str) -> None:
        message = redact(message)
        self.errors += 1
        log.warning(message)
        if len(self.error_messages) < MAX_ERROR_MESSAGES:
            self.error_messages.append(message)


Event = Callable[[str, dict[str, Any]], None]


class _Blocked(Exception):
    """The site keeps answering with a bot wall: stop, keep state, report "blocked"."""

    def __init__(self, url: str, rows: list[RawPage]) -> None:
        super().__init__(url)
        self.rows = rows  # the walls, kept as evidence


@dataclass
class _ItemFetch:
    """What fetching one item produced (network + raw store only; the database write comes after)."""

    item_id: str
    action: str  # "store" | "drop" (give up for good) | "defer" (try again next run) | "fail" (poison)
    rows: list[RawPage] = field(default_factory=list)
    parsed: ParsedListing | None = None
    seen_at: datetime | None = None
    message: str | None = None
    error: bool = True  # a "drop" that counts as an error (robots.txt refusals do not)


class _Crawler:
    def __init__(
        self,
        config: CrawlConfig,
        sessions: sessionmaker[Session],
        store: RawStore,
        http: PoliteSession,
        result: CrawlResult,
        on_event: Event | None,
        sleep: Callable[[float], None],
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.store = store
        self.http = http
        self.result = result
        self.on_event = on_event or (lambda _kind, _data: None)
        self.sleep = sleep
        self._lock = threading.Lock()  # result counters: item fetches run in worker threads
        self.unreachable: str | None = None  # why the site could not be reached, when it could not
        self.failed_items: dict[str, str] = {}  # the crawl state's record of poison pages
        self.census = LayoutCensus()

    _advance: Callable[[], None] = staticmethod(lambda: None)  # the progress bar's, while `run` runs

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.result, name, getattr(self.result, name) + n)

    def _error(self, message: str) -> None:
        with self._lock:
            self.result._error(message)

    # ------------------------------------------------------------------------------------ helpers
    def _raw_row(self, fetched: FetchResult, kind: str, item_id: str | None, blocked: bool) -> RawPage:
        stored = self.store.put(fetched.content)
        return RawPage(
            url=fetched.url,
            kind=kind,
            item_id=item_id,
            status=fetched.status,
            fetched_at=fetched.fetched_at,
            content_hash=stored.content_hash,
            path=stored.path,
            size=stored.size,
            blocked=blocked,
        )

    def _fetch(self, url: str, kind: str, item_id: str | None) -> tuple[FetchResult, list[RawPage]]:
        """Fetch, storing every response raw; back off and retry while the answer is a bot wall."""
        rows: list[RawPage] = []
        for attempt in range(self.config.max_blocked_retries + 1):
            fetched = self.http.get(url)
            # eBay's bot wall comes with status 200; Akamai edge errors with 403/503.
            blocked = fetched.status in (200, 403, 503) and is_blocked(fetched.content)
            rows.append(self._raw_row(fetched, kind, item_id, blocked))
            if not blocked:
                return fetched, rows
            self._count("blocked")
            self.on_event("blocked", {"url": url, "attempt": attempt + 1})
            if attempt < self.config.max_blocked_retries:
                wait = self.config.blocked_backoff_s * 2**attempt
                log.warning("bot wall at %s: backing off %.1f s", redact(url), wait)
                self.sleep(wait)
        raise _Blocked(url, rows)  # the caller keeps the evidence, then stops the crawl

    # -------------------------------------------------------------------------------------- state
    def _create_state(self, session: Session, now: datetime) -> bool:
        """Insert this crawl's state row unless it exists; True when this call created it.

        `INSERT ... ON CONFLICT DO NOTHING`, so two crawls of the same query starting at once (two
        workers, two machines) do not fail on the unique (base URL, query) key: one creates the row,
        the other finds it and resumes from it.
        """
        values = {
            "base_url": self.config.base_url,
            "query": self.config.query,
            "next_page": 1,
            "max_pages": self.config.max_pages,
            "pending_item_ids": [],
            "done_item_ids": [],
            "finished": False,
            "started_at": now,
            "updated_at": now,
        }
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover - other backends: plain insert (a racing twin fails on the unique key)
            session.add(CrawlState(**values))
            session.flush()
            return True
        stmt = insert(CrawlState).values(**values).on_conflict_do_nothing().returning(CrawlState.id)
        return session.execute(stmt).scalar_one_or_none() is not None

    def load_state(self) -> CrawlState:
        with self.sessions.begin() as session:
            now = datetime.now(UTC)
            created = self._create_state(session, now)
            state = session.execute(
                select(CrawlState)
                .where(CrawlState.base_url == self.config.base_url, CrawlState.query == self.config.query)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalar_one()
            if created:
                pass
            elif state.finished:
                log.info("previous crawl of %r finished: starting a new one", self.config.query)
                state.next_page, state.pending_item_ids, state.done_item_ids = 1, [], []
                state.failed_items = {}
                state.finished, state.started_at, state.updated_at = False, now, now
                state.max_pages = self.config.max_pages
            else:
                self.result.resumed = True
                limit = min(self.config.max_pages, state.max_pages or self.config.max_pages)
                state.max_pages = limit
                log.info(
                    "resuming crawl of %r at page %d with %d pending item(s)",
                    self.config.query,
                    state.next_page,
                    len(state.pending_item_ids),
                )
            session.flush()
            self.failed_items = dict(state.failed_items or {})
            return state

    def _save(self, session: Session, state_id: int, **changes: Any) -> None:
        state = session.get(CrawlState, state_id)
        assert state is not None
        for key, value in changes.items():
            setattr(state, key, value)
        state.updated_at = datetime.now(UTC)

    # -------------------------------------------------------------------------------------- steps
    def search_page(self, state: CrawlState, pending: list[str], done: set[str]) -> bool:
        """Fetch one result page, queue its new item ids; False when there is nothing more to fetch."""
        page = state.next_page
        url = self.config.search_url(page)
        try:
            fetched, rows = self._fetch(url, "search", None)
        except Disallowed:
            self.result.disallowed += 1
            self.result._error(f"search page {page}: {url} disallowed by robots.txt")
            return False
        except FetchError as exc:
            message = f"search page {page}: {exc.reason} at {exc.url} (resume later)"
            if exc.kind in ("network", "robots"):
                self.unreachable = self.unreachable or message
            self.result._error(message)
            return False
        if fetched.status != 200:
            with self.sessions.begin() as session:
                session.add_all(rows)
            message = f"search page {page}: HTTP {fetched.status} at {url} after every retry (resume later)"
            if fetched.status >= 500:
                self.unreachable = self.unreachable or message
            self.result._error(message)
            return False
        try:
            results = parse_search_results(fetched.content, base_url=self.config.base_url)
        except Exception as exc:  # a parser bug on a hostile page: keep the raw page, stop, say why
            with self.sessions.begin() as session:
                session.add_all(rows)
            self.result._error(f"search page {page}: unreadable ({type(exc).__name__}: {exc})"[:500])
            return False
        self.census.add_search(results, url)
        self.result.pages_fetched += 1
        fresh = [h.item_id for h in results.hits if h.item_id not in done and h.item_id not in pending]
        pending.extend(fresh)
        self.result.listings_found += len(results.hits)
        exhausted = not results.hits or results.next_url is None
        with self.sessions.begin() as session:
            session.add_all(rows)
            changes: dict[str, Any] = {"next_page": page + 1, "pending_item_ids": list(pending)}
            if exhausted:
                changes["max_pages"] = page
            self._save(session, state.id, **changes)
        state.next_page = page + 1
        if exhausted:
            state.max_pages = page
        self.on_event("page", {"page": page, "hits": len(results.hits), "new": len(fresh)})
        log.info("search page %d: %d hits, %d new", page, len(results.hits), len(fresh))
        return True

    def fetch_item(self, item_id: str) -> _ItemFetch:
        """Item page + description, stored raw and parsed; thread-safe, writes nothing to the database.

        "store" only when every part is in hand: a description that failed (429/5xx after the
        retries, network) defers the whole item so the next run fetches it again.
        """
        url = self.config.item_url(item_id)
        rows: list[RawPage] = []
        try:
            fetched, item_rows = self._fetch(url, "item", item_id)
            rows += item_rows
        except Disallowed:
            self._count("disallowed")
            return _ItemFetch(
                item_id, "drop", rows, message=f"item {item_id}: disallowed by robots.txt", error=False
            )
        except FetchError as exc:
            if exc.kind == "too-large":
                return _ItemFetch(item_id, "fail", rows, message=f"item page: {exc.reason}")
            self._error(f"item {item_id}: {exc.reason} (kept for the next run)")
            return _ItemFetch(item_id, "defer", rows)
        self._count("item_pages")
        if fetched.status in GONE_STATUSES:
            return _ItemFetch(
                item_id, "drop", rows, message=f"item {item_id}: HTTP {fetched.status}, listing gone"
            )
        if fetched.status != 200:
            self._error(f"item {item_id}: HTTP {fetched.status} (kept for the next run)")
            return _ItemFetch(item_id, "defer", rows)
        try:
            parsed = parse_item_page(fetched.content, url=url)
        except Exception as exc:  # a page the parser cannot read must not stop every later run
            return _ItemFetch(item_id, "fail", rows, message=f"item page unreadable: {_exc_text(exc)}")
        self.census.add_item(parsed, url)
        if parsed.item_id is None:
            parsed.item_id = item_id
        if not parsed.title:
            return _ItemFetch(item_id, "drop", rows, message=f"item {item_id}: page has no title at {url}")
        failed: str | None = None
        if self.config.fetch_descriptions and parsed.description_url:
            try:
                desc, desc_rows = self._fetch(parsed.description_url, "description", item_id)
            except Disallowed:
                self._count("disallowed")
            except FetchError as exc:
                if exc.kind != "too-large":
                    self._error(f"item {item_id}: description {exc.reason} (kept for the next run)")
                    return _ItemFetch(item_id, "defer", rows)
                failed = f"description: {exc.reason}"
            else:
                rows += desc_rows
                self._count("description_pages")
                if desc.status == 200:
                    try:
                        parsed.description = parse_description(desc.content)
                    except Exception as exc:
                        failed = f"description unreadable: {_exc_text(exc)}"
                elif desc.status in GONE_STATUSES:
                    log.info("item %s: description HTTP %s (none to store)", item_id, desc.status)
                else:
                    self._error(f"item {item_id}: description HTTP {desc.status} (kept for the next run)")
                    return _ItemFetch(item_id, "defer", rows)
        return _ItemFetch(item_id, "store", rows, parsed=parsed, seen_at=fetched.fetched_at, message=failed)

    def apply_item(self, state: CrawlState, fetched: _ItemFetch, pending: list[str], done: set[str]) -> None:
        """The database side of one item: upsert committed together with the state change."""
        item_id = fetched.item_id
        if fetched.action == "defer":
            if fetched.rows:
                with self.sessions.begin() as session:
                    session.add_all(fetched.rows)
            self._defer(item_id, pending)
            return
        if fetched.action == "drop":
            self._drop(
                state, item_id, pending, done, fetched.rows, fetched.message or "", error=fetched.error
            )
            return
        failed = None
        if fetched.action == "fail" or fetched.message:
            failed = self._record_failure(item_id, fetched.message or "failed")
        if fetched.action == "fail":
            self._drop(state, item_id, pending, done, fetched.rows, "", error=False, failed=failed)
            return
        assert fetched.parsed is not None
        pending.remove(item_id)
        done.add(item_id)
        with self.sessions.begin() as session:
            session.add_all(fetched.rows)
            outcome = upsert_listing(session, fetched.parsed, seen_at=fetched.seen_at)
            changes: dict[str, Any] = {"pending_item_ids": list(pending), "done_item_ids": sorted(done)}
            if failed:
                changes["failed_items"] = failed
            self._save(session, state.id, **changes)
        self._count(f"listings_{outcome}")
        self.on_event("item", {"item_id": item_id, "outcome": outcome})

    def _record_failure(self, item_id: str, reason: str) -> dict[str, str]:
        """Count and log a poison page; the crawl state's new `failed_items` (saved by the caller)."""
        reason = redact(reason)[:500]
        with self._lock:
            self.result.failed += 1
            self.result.failed_items[item_id] = reason
            self.failed_items[item_id] = reason
            snapshot = dict(self.failed_items)
        self._error(f"item {item_id}: {reason} (recorded as failed; the crawl goes on)")
        return snapshot

    def item(self, state: CrawlState, item_id: str, pending: list[str], done: set[str]) -> None:
        """Fetch and store one item (the sequential path)."""
        self.apply_item(state, self.fetch_item(item_id), pending, done)

    def _defer(self, item_id: str, pending: list[str]) -> None:
        """Move a failed item to the back of the queue; this run will not try it again."""
        pending.remove(item_id)
        pending.append(item_id)

    def _drop(
        self,
        state: CrawlState,
        item_id: str,
        pending: list[str],
        done: set[str],
        rows: list[RawPage],
        msg: str,
        error: bool = True,
        failed: dict[str, str] | None = None,
    ) -> None:
        """Give up on an item for good (gone, unparseable, or forbidden by robots.txt)."""
        if error:
            self._error(msg)
        elif msg:
            log.info(msg)
        pending.remove(item_id)
        done.add(item_id)
        with self.sessions.begin() as session:
            session.add_all(rows)
            changes: dict[str, Any] = {"pending_item_ids": list(pending), "done_item_ids": sorted(done)}
            if failed is not None:
                changes["failed_items"] = failed
            self._save(session, state.id, **changes)
        self.on_event("item", {"item_id": item_id, "outcome": "error"})

    # ---------------------------------------------------------------------------------------- run
    def _items(self, state: CrawlState, pending: list[str], done: set[str], tried: set[str]) -> int:
        """Fetch every pending item not tried yet (`workers` at a time); the number stored.

        Worker threads only fetch, store raw pages and parse; this thread applies each result to
        the database in completion order, so the crawl state is written by one thread only.
        On a bot wall, fetches already under way are finished and stored, then the crawl stops.
        """
        workers = self.config.workers
        executor = ThreadPoolExecutor(workers, thread_name_prefix="carner-item") if workers > 1 else None
        in_flight: dict[Future[_ItemFetch], str] = {}
        stored = 0
        blocked: _Blocked | None = None

        def submit(item_id: str) -> None:
            if executor is not None:
                in_flight[executor.submit(self.fetch_item, item_id)] = item_id
                return
            future: Future[_ItemFetch] = Future()
            try:
                future.set_result(self.fetch_item(item_id))
            except Exception as exc:  # _Blocked, or a bug: raised where results are read
                future.set_exception(exc)
            in_flight[future] = item_id

        def room() -> bool:
            limit = self.config.max_items
            return limit is None or self._stored_this_run + stored + len(in_flight) < limit

        try:
            while True:
                for item_id in list(pending):
                    if blocked is not None or len(in_flight) >= workers or not room():
                        break
                    if item_id in tried:
                        continue
                    tried.add(item_id)
                    submit(item_id)
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    del in_flight[future]
                    try:
                        result = future.result()
                    except _Blocked as exc:
                        with self.sessions.begin() as session:
                            session.add_all(exc.rows)
                        blocked = blocked or exc
                        continue
                    before = self.result.listings_stored
                    self.apply_item(state, result, pending, done)
                    stored += self.result.listings_stored - before
                    self._advance()
        finally:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        if blocked is not None:
            raise _Blocked(str(blocked), [])
        return stored

    # ---------------------------------------------------------------------------------------- run
    def run(self) -> None:
        """The crawl, with a progress bar of item pages on a terminal (`carner.common.progress`)."""
        from carner.common.progress import progress

        with progress(f"crawl {self.config.query!r}: item pages") as advance:
            self._advance = advance
            self._run()

    def _run(self) -> None:
        state = self.load_state()
        pending: list[str] = list(state.pending_item_ids)
        done: set[str] = set(state.done_item_ids)
        tried: set[str] = set()
        self._stored_this_run = 0
        search_ok = True
        while True:
            self._stored_this_run += self._items(state, pending, done, tried)
            if self.config.max_items is not None and self._stored_this_run >= self.config.max_items:
                break
            limit = min(self.config.max_pages, state.max_pages or self.config.max_pages)
            if state.next_page > limit:
                break
            search_ok = self.search_page(state, pending, done)
            if not search_ok:
                break
        limit = min(self.config.max_pages, state.max_pages or self.config.max_pages)
        finished = search_ok and not pending and state.next_page > limit
        with self.sessions.begin() as session:
            self._save(session, state.id, finished=finished)
        self.result.pending = len(pending)
        if finished:
            self.result.status = "finished"
        elif self.unreachable:
            self.result.status, self.result.cause = "unreachable", self.unreachable
        else:
            self.result.status = "partial"
            self.result.cause = next(iter(self.result.error_messages), None) or (
                f"{len(pending)} listing(s) left for the next run" if pending else "stopped early"
            )


def _exc_text(exc: BaseException) -> str:
    """One line for an exception raised by parsing a hostile page (RecursionError, MemoryError...)."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


def crawl(
    config: CrawlConfig,
    session_factory: sessionmaker[Session],
    raw_dir: Path | str,
    *,
    http: PoliteSession | None = None,
    on_event: Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CrawlResult:
    """Crawl `config.query` on `config.base_url` into the database behind `session_factory`.

    Resumes an unfinished crawl of the same base URL + query. `http` lets a caller share or inspect
    the polite session (its `stats` hold every retry and wait); `on_event(kind, data)` is called per
    search page ("page"), listing ("item") and bot wall ("blocked") for progress displays.
    """
    started = time.monotonic()
    result = CrawlResult(query=config.query, base_url=config.base_url)
    own_http = http is None
    session = http or PoliteSession(config.http)
    retries_before = session.stats.retries
    waits_before = len(session.stats.waits)
    crawler = _Crawler(config, session_factory, RawStore(raw_dir), session, result, on_event, sleep)
    try:
        crawler.run()
    except _Blocked as exc:
        if exc.rows:
            with session_factory.begin() as db:
                db.add_all(exc.rows)
        result.status = "blocked"
        result.cause = redact(
            f"blocked by a bot wall at {exc} after {config.max_blocked_retries + 1} tries; resume later"
        )
        result._error(result.cause)
    finally:
        waits = [w for w in session.stats.waits[waits_before:] if w.reason == "retry-after"]
        result.retries = session.stats.retries - retries_before
        result.retry_after_waits = len(waits)
        result.retry_after_wait_s = round(sum(w.seconds for w in waits), 3)
        result.duration_s = round(time.monotonic() - started, 3)
        census = crawler.census.to_dict()
        result.layouts, result.empty_fields = census["layouts"], census["empty_fields"]
        result.drift = crawler.census.warnings()
        for warning in result.drift:
            log.warning("layout drift: %s", warning)
        if own_http:
            session.close()
    log.info(
        "crawl %r: %s, %d page(s), %d new, %d updated, %d unchanged, %d retries, %d errors",
        config.query,
        result.status,
        result.pages_fetched,
        result.listings_new,
        result.listings_updated,
        result.listings_unchanged,
        result.retries,
        result.errors,
    )
    return result
