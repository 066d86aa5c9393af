"""Layout drift seen, not silent: crawls of the sandbox in older and changed markups, and `reparse`.

Real HTTP on 127.0.0.1 (the sandbox serving eBay's older layouts, and markup no parser knows) into a
real SQLite database, through the same `carner` commands a user runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from carner.db.engine import make_engine, session_factory, upgrade
from carner.db.repository import listing_snapshot
from carner.scraper.crawl import CrawlConfig, crawl
from carner.scraper.http import HttpConfig
from carner.scraper.sandbox.render import MERCH_IDS
from carner.scraper.sandbox.server import SandboxServer
from typer.testing import CliRunner

from carner.cli import app

runner = CliRunner()


def _db(workdir: Path):  # noqa: ANN202 - a sessionmaker
    url = f"sqlite:///{workdir / 'carner.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def _scrape(site: SandboxServer, workdir: Path) -> tuple[int, dict, str]:
    result = runner.invoke(
        app,
        ["scrape", "-q", "cars", "-n", "2", "--base-url", site.base_url, "--workdir", str(workdir),
         "--min-delay", "0", "--json"],
    )  # fmt: skip
    return result.exit_code, json.loads(result.stdout[result.stdout.index("{") :]), result.stderr


def test_a_crawl_meets_the_older_layouts_and_reads_them_right(tmp_path: Path) -> None:
    with SandboxServer(
        n_listings=12, seed=2, page_size=12, layout="s-item-merch", item_layout="mixed"
    ) as site:
        config = CrawlConfig(
            query="cars", max_pages=2, base_url=site.base_url, blocked_backoff_s=0.01,
            http=HttpConfig(min_delay_s=0.0, timeout_s=5.0, backoff_factor=0.01),
        )  # fmt: skip
        result = crawl(config, _db(tmp_path), tmp_path / "raw")
        requested = [r.path for r in site.request_log]
        layouts = {listing.item_id: site.item_layout_for(listing) for listing in site.listings}
        listings = {listing.item_id: listing for listing in site.listings}
    assert result.status == "finished" and result.drift == [], result.drift
    # only the result list's 12 rows: not the side module's items, not the carousel's copies
    assert result.listings_found == 12 and result.listings_new == 12
    assert not any(item_id in path for path in requested for item_id in MERCH_IDS)
    assert set(layouts.values()) == {"evo", "features-rows", "item-attr"}
    assert result.layouts == {
        "item:about/bare-rows": sum(v == "features-rows" for v in layouts.values()),
        "item:evo/dl": sum(v == "evo" for v in layouts.values()),
        "item:itemAttr/table": sum(v == "item-attr" for v in layouts.values()),
        "search:srp-results>s-item": 1,
    }
    with _db(tmp_path)() as session:
        stored = listing_snapshot(session)
    for item_id, row in stored.items():
        gold = listings[item_id]
        specifics = dict(gold.specifics)
        if layouts[item_id] != "item-attr":  # the older table has no condition row
            specifics = {"Condition": gold.condition, **specifics}
        assert row["specifics"] == specifics, (item_id, layouts[item_id])
        assert (row["title"], row["price"], row["currency"]) == (gold.title, gold.price, gold.currency)
        assert (row["condition"], row["location"]) == (gold.condition, gold.location)
        assert row["description"]  # the description frame was found in every layout


def test_a_field_empty_surge_is_a_distinct_warning_and_exit_status(tmp_path: Path) -> None:
    with SandboxServer(n_listings=8, seed=3, page_size=8, item_layout="drifted") as site:
        code, summary, err = _scrape(site, tmp_path / "w")
    assert code == 6, err  # finished, but drifted: not a silent exit 0
    assert summary["status"] == "finished" and summary["listings_new"] == 8
    assert summary["drift"] == [
        "field-empty surge: 'specifics' empty on 8 of 8 item page(s) (100%, usually at most 10%); "
        "eBay's markup may have changed"
    ]
    assert summary["empty_fields"] == {"item:specifics": 8}
    assert "drift warning: field-empty surge: 'specifics'" in err


def test_an_unknown_layout_is_a_distinct_warning_and_exit_status(tmp_path: Path) -> None:
    with SandboxServer(n_listings=6, seed=5, page_size=6, item_layout="unknown") as site:
        code, summary, err = _scrape(site, tmp_path / "w")
    assert code == 6, err
    assert summary["layouts"]["item:unknown"] == 6
    assert summary["drift"][0].startswith("unknown layout: 6 of 6 item page(s) matched no known eBay markup")
    assert "drift warning: unknown layout" in err
    # the same stored pages, parsed again: the same distinct warning and exit status
    again = runner.invoke(app, ["reparse", "--workdir", str(tmp_path / "w")])
    assert again.exit_code == 6
    assert "drift warning: unknown layout: 6 of 6 item page(s)" in again.stderr
    report = runner.invoke(app, ["reparse", "--report", "--workdir", str(tmp_path / "w")])
    assert report.exit_code == 6 and "| item | unknown | 6 | 100% |" in report.stdout


def test_reparse_warns_on_drift_and_reports_the_census(tmp_path: Path) -> None:
    clean, drifted = tmp_path / "clean", tmp_path / "drifted"
    with SandboxServer(n_listings=8, seed=3, page_size=8) as site:
        assert _scrape(site, clean)[0] == 0
    with SandboxServer(n_listings=8, seed=3, page_size=8, item_layout="drifted") as site:
        assert _scrape(site, drifted)[0] == 6

    ok = runner.invoke(app, ["reparse", "--workdir", str(clean)])
    assert ok.exit_code == 0 and "drift" not in ok.stderr, ok.stderr
    report = runner.invoke(app, ["reparse", "--report", "--workdir", str(clean)])
    assert report.exit_code == 0, report.stderr
    assert "| item | evo/dl | 8 | 100% |" in report.stdout
    assert "| search | srp-results>s-card | 1 | 100% |" in report.stdout

    bad = runner.invoke(app, ["reparse", "--workdir", str(drifted), "--json"])
    assert bad.exit_code == 6
    result = json.loads(bad.stdout)
    assert result["item_pages"] == 8 and result["drift"][0].startswith("field-empty surge: 'specifics'")
    assert "drift warning: field-empty surge" in bad.stderr
    census = runner.invoke(app, ["reparse", "--report", "--workdir", str(drifted), "--json"])
    assert census.exit_code == 6
    data = json.loads(census.stdout)
    assert data["layouts"] == {"item:none": 8, "search:srp-results>s-card": 1}
    assert data["empty_fields"] == {"item:specifics": 8}
