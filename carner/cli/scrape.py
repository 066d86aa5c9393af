"""`carner scrape`, `carner reparse`, `carner listings` and `carner db upgrade`: thin shells over
`scraper.crawl.crawl`, `scraper.reparse.reparse`, `db.repository` and `db.engine.upgrade`.

Settings come from `flows.settings.get_settings()` (env `CARNER_*`), overridden by the options given.
The database is migrated to the newest schema automatically before any command uses it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from carner.cli.app import app, cell, db_app, fail, json_line
from carner.cli.exitcodes import ExitCode, for_crawl_status
from carner.common.redact import redact_url
from carner.common.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

DB_HELP = "SQLAlchemy database URL (default: sqlite:///<workdir>/carner.db; env CARNER_DB_URL)."
WORKDIR_HELP = "Working directory for the database and raw pages (default: data; env CARNER_WORKDIR)."


def _settings(**overrides: Any) -> Settings:
    try:
        return get_settings(**overrides)
    except Exception as exc:  # pydantic ValidationError: one line per bad setting
        raise fail(f"bad settings: {' '.join(str(exc).split())}") from None


def _quiet_libraries() -> None:
    """Alembic narrates every migration step and urllib3 warns on every retry; the summary counts them."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


def _open_db(settings: Settings) -> sessionmaker[Session]:
    """Migrate the database to the newest schema (first use creates it) and return a session factory."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    _quiet_libraries()
    from carner.db.engine import DatabaseURLError, make_engine, session_factory, upgrade

    url = settings.database_url
    try:
        upgrade(url)
        return session_factory(make_engine(url))
    except DatabaseURLError as exc:
        raise fail(f"--db: {exc}") from None
    except ArgumentError as exc:
        raise fail(f"--db: cannot use {redact_url(url)!r}: {exc}") from None
    except OperationalError as exc:
        raise fail(f"--db: cannot open {redact_url(url)!r}: {' '.join(str(exc.orig).split())}") from None


@app.command("scrape")
def scrape(
    query: str = typer.Option(..., "--query", "-q", help='Search words, e.g. "toyota camry".'),
    max_pages: int = typer.Option(
        1, "--max-pages", "-n", min=1, help="Search result pages to crawl at most."
    ),
    base_url: str | None = typer.Option(
        None, help="Site to crawl: eBay (default https://www.ebay.com) or the sandbox's URL."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workdir: Path | None = typer.Option(None, help=WORKDIR_HELP),
    min_delay: float | None = typer.Option(
        None, "--min-delay", min=0.0, help="Seconds between requests to one host (default 1.0)."
    ),
    timeout: float | None = typer.Option(None, "--timeout", min=0.1, help="Per-request timeout in seconds."),
    max_retries: int | None = typer.Option(None, "--max-retries", min=0, help="Retries per request."),
    max_items: int | None = typer.Option(None, "--max-items", min=1, help="Stop after storing this many."),
    category: str | None = typer.Option(None, help="eBay category id, e.g. 6001 (Cars & Trucks)."),
    descriptions: bool = typer.Option(True, help="Also fetch each listing's description frame."),
    blocked_backoff: float = typer.Option(60.0, min=0.0, help="Seconds to back off after a bot wall."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Item pages fetched in parallel, within one rate limit (default 1)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the crawl result as JSON."),
) -> None:
    """Crawl search results, item pages and descriptions into the database (resumes a killed crawl)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from carner.scraper.crawl import CrawlConfig, crawl
    from carner.scraper.http import HttpConfig

    if not query.strip():
        raise fail("--query must not be empty")
    settings = _settings(
        workdir=workdir, db_url=db, base_url=base_url, min_delay_s=min_delay, timeout_s=timeout,
        max_retries=max_retries, crawl_workers=workers,
    )  # fmt: skip
    if not settings.base_url.startswith(("http://", "https://")):
        raise fail(f"--base-url must start with http:// or https://, got {settings.base_url!r}")
    sessions = _open_db(settings)
    config = CrawlConfig(
        query=query,
        max_pages=max_pages,
        base_url=settings.base_url.rstrip("/"),
        http=HttpConfig(
            user_agent=settings.user_agent,
            min_delay_s=settings.min_delay_s,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            max_body_bytes=settings.max_page_bytes,
        ),
        max_items=max_items,
        fetch_descriptions=descriptions,
        category=category,
        blocked_backoff_s=blocked_backoff,
        workers=settings.crawl_workers,
    )
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
    ) as progress:
        task = progress.add_task(f"scrape {query!r}", total=None, note="")

        def on_event(kind: str, data: dict[str, Any]) -> None:
            if kind == "page":
                total = (progress.tasks[0].total or 0) + data["new"]
                progress.update(task, total=total, note=f"page {data['page']}: {data['hits']} hits")
            elif kind == "item":
                progress.advance(task)
            elif kind == "blocked":
                progress.update(task, note=f"[red]bot wall, backing off (try {data['attempt']})")

        result = crawl(config, sessions, settings.raw_dir, on_event=on_event)
    _report(result, as_json)


def _report(result: Any, as_json: bool) -> None:
    """Print the crawl's summary (the cause first when it did not finish) and exit with its code.

    Exit codes (`carner.cli.exitcodes`): 0 finished, 3 blocked, 4 unreachable, 5 partial.
    """
    from carner.common.redact import redact

    if as_json:
        typer.echo(redact(json.dumps(result.to_dict(), indent=2)))
    else:
        if result.cause:
            typer.echo(f"{result.status}: {redact(result.cause)}")
        typer.echo(
            f"{result.status}: {result.pages_fetched} search page(s), {result.item_pages} item page(s), "
            f"{result.description_pages} description(s); listings {result.listings_new} new, "
            f"{result.listings_updated} updated, {result.listings_unchanged} unchanged; "
            f"{result.retries} retries, {result.errors} error(s), {result.blocked} blocked"
            + (f", {result.disallowed} disallowed by robots.txt" if result.disallowed else "")
            + (f", {result.failed} page(s) failed for good" if result.failed else "")
            + (f"; {result.pending} left for the next run" if result.pending else "")
            + (" (resumed)" if result.resumed else "")
        )
        for message in result.error_messages[:10]:
            typer.echo(f"  error: {redact(message)}", err=True)
    _warn_drift(result.drift)
    code = for_crawl_status(result.status)
    if result.status == "blocked":
        raise fail(
            "the site answered with a bot wall; state is saved, run the same command later to resume", code
        )
    if result.status == "unreachable":
        raise fail(f"site unreachable: {result.cause}; state is saved, run the same command later", code)
    if result.status != "finished":
        raise fail(f"partial: {result.cause}; state is saved, run the same command again to resume", code)
    if result.drift:
        raise fail("finished, but the pages drifted from every known eBay layout (see above)", ExitCode.DRIFT)


def _warn_drift(warnings: list[str]) -> None:
    """Layout drift, each warning on its own line: distinct from errors, never a silent "0 specifics"."""
    for warning in warnings:
        typer.secho(f"drift warning: {warning}", err=True, fg=typer.colors.YELLOW)


@app.command("reparse")
def reparse_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workdir: Path | None = typer.Option(None, help=WORKDIR_HELP),
    report: bool = typer.Option(
        False, "--report", help="Print the per-layout census of the stored raw pages (changes nothing)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Rebuild listings from the stored raw pages with the current parser (no network).

    Exit 6 (layout drift) when pages match no known eBay layout or a field comes out empty on far more
    pages than usual; `--report` prints which layouts the stored pages use.
    """
    from carner.scraper.reparse import census, reparse

    settings = _settings(workdir=workdir, db_url=db)
    sessions = _open_db(settings)
    if not settings.raw_dir.is_dir():
        raise fail(f"no raw pages at {settings.raw_dir} (run `carner scrape` first or pass --workdir)")
    if report:
        found = census(sessions, settings.raw_dir)
        warnings = found.census.warnings()
        if as_json:
            typer.echo(
                json.dumps({**found.census.to_dict(), "errors": found.errors, "drift": warnings}, indent=2)
            )
        else:
            typer.echo(f"layout census of {sum(found.census.pages.values())} stored raw page(s)\n")
            for line in found.census.table():
                typer.echo(line)
            for error in found.errors[:10]:
                typer.echo(f"  error: {error}", err=True)
        _warn_drift(warnings)
        if warnings:
            raise fail("stored pages drifted from every known eBay layout (see above)", ExitCode.DRIFT)
        return
    result = reparse(sessions, settings.raw_dir)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(
            f"reparsed {result.item_pages} item page(s): {result.listings_new} new, "
            f"{result.listings_updated} updated, {result.listings_unchanged} unchanged, "
            f"{len(result.errors)} error(s)"
        )
        for error in result.errors[:10]:
            typer.echo(f"  error: {error}", err=True)
    _warn_drift(result.drift)
    if result.drift:
        raise fail("reparsed, but the pages drifted from every known eBay layout (see above)", ExitCode.DRIFT)


@app.command("listings")
def listings_cmd(
    limit: int = typer.Option(
        20, "--limit", "-n", min=1, help="How many listings to show (most recent first)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workdir: Path | None = typer.Option(None, help=WORKDIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print full records as JSON lines."),
) -> None:
    """Show what is stored: the most recently seen listings."""
    from rich.console import Console
    from rich.table import Table

    from carner.db.repository import count_listings, list_listings

    sessions = _open_db(_settings(workdir=workdir, db_url=db))
    with sessions() as session:
        rows = list_listings(session, limit=limit)
        total = count_listings(session)
        if as_json:
            for row in rows:
                record = {
                    "item_id": row.item_id, "url": row.url, "title": row.title, "price": row.price,
                    "currency": row.currency, "location": row.location, "condition": row.condition,
                    "specifics": row.specifics, "description": row.description,
                    "first_seen": row.first_seen.isoformat(), "last_seen": row.last_seen.isoformat(),
                }  # fmt: skip
                typer.echo(json_line(record))
            return
        table = Table(title=f"{len(rows)} of {total} listing(s)")
        for column in ("item id", "title", "price", "location", "specifics", "last seen"):
            table.add_column(column, overflow="fold")
        for row in rows:
            price = f"{row.price:,.2f} {row.currency or ''}".strip() if row.price is not None else "-"
            table.add_row(  # stored text comes from sellers: escaped, never run by the terminal
                cell(row.item_id),
                cell(row.title),
                cell(price),
                cell(row.location or "-"),
                str(len(row.specifics or {})),
                row.last_seen.strftime("%Y-%m-%d %H:%M"),
            )
        Console(width=160).print(table)


@db_app.command("upgrade")
def db_upgrade(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    workdir: Path | None = typer.Option(None, help=WORKDIR_HELP),
    revision: str = typer.Option("head", help="Alembic revision to migrate to."),
) -> None:
    """Create or migrate the database schema (Alembic) to the newest revision."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    from carner.db.engine import upgrade

    settings = _settings(workdir=workdir, db_url=db)
    _quiet_libraries()
    try:
        current = upgrade(settings.database_url, revision)
    except (ArgumentError, OperationalError) as exc:
        raise fail(
            f"--db: cannot migrate {redact_url(settings.database_url)!r}: {' '.join(str(exc).split())}"
        ) from None
    except Exception as exc:  # alembic.util.CommandError for an unknown revision
        if type(exc).__name__ == "CommandError":
            raise fail(f"--revision: {exc}") from None
        raise
    typer.echo(f"database {redact_url(settings.database_url)} at revision {current}")
