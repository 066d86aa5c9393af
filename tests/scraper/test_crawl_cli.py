"""The scrape/reparse/listings/db commands through typer's CliRunner, against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from carner.scraper.sandbox.server import SandboxServer
from typer.testing import CliRunner

from carner.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    code, out, _ = run("db", "upgrade", "--workdir", str(tmp_path / "w"))
    assert code == 0 and "0004_model_tasks" in out
    assert (tmp_path / "w" / "carner.db").exists()


def test_scrape_listings_reparse(tmp_path: Path) -> None:
    workdir = str(tmp_path / "w")
    with SandboxServer(n_listings=15, seed=6, page_size=10) as site:
        code, out, err = run(
            "scrape", "--query", "cars", "--max-pages", "5", "--base-url", site.base_url,
            "--workdir", workdir, "--min-delay", "0", "--json",
        )  # fmt: skip
        assert code == 0, err
        result = json.loads(out)
        assert (
            result["status"] == "finished" and result["listings_new"] == 15 and result["pages_fetched"] == 2
        )

        code, out, err = run(
            "scrape",
            "-q",
            "cars",
            "-n",
            "5",
            "--base-url",
            site.base_url,
            "--workdir",
            workdir,
            "--min-delay",
            "0",
        )
        assert code == 0, err
        assert "finished: 2 search page(s)" in out and "0 new" in out and "15 unchanged" in out

    code, out, _ = run("listings", "--limit", "3", "--workdir", workdir, "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 3
    gold = {listing.item_id: listing for listing in site.listings}
    for record in records:
        assert record["title"] == gold[record["item_id"]].title
        assert record["specifics"]["Make"] == gold[record["item_id"]].specifics["Make"]

    code, out, _ = run("listings", "--limit", "2", "--workdir", workdir)
    assert code == 0 and "2 of 15 listing(s)" in out

    code, out, _ = run("reparse", "--workdir", workdir)  # the sandbox is gone: no network needed
    assert code == 0 and "reparsed 15 item page(s)" in out and "15 unchanged" in out


def test_blocked_crawl_exits_nonzero_with_one_line(tmp_path: Path) -> None:
    with SandboxServer(n_listings=5, seed=1, faults="block:10") as site:
        code, _, err = run(
            "scrape", "-q", "cars", "--base-url", site.base_url, "--workdir", str(tmp_path),
            "--min-delay", "0", "--blocked-backoff", "0",
        )  # fmt: skip
    assert code == 3 and "bot wall" in err


def test_bad_options_give_one_line_errors(tmp_path: Path) -> None:
    code, _, err = run("scrape", "-q", "cars", "--base-url", "ftp://example.com", "--workdir", str(tmp_path))
    assert code == 2 and "--base-url must start with http" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("listings", "--db", "nosuchdialect://x")
    assert code == 2 and err.startswith("Error: --db") and len(err.strip().splitlines()) == 1
    code, _, err = run("reparse", "--workdir", str(tmp_path / "empty"))
    assert code == 2 and "no raw pages" in err


def test_scrape_with_parallel_workers_stores_every_listing(tmp_path: Path) -> None:
    """`--workers 3` fetches item pages in parallel: every listing is stored once, requests within robots."""
    workdir = str(tmp_path / "w")
    with SandboxServer(n_listings=20, seed=9, page_size=10) as site:
        code, out, err = run(
            "scrape", "--query", "cars", "--max-pages", "5", "--base-url", site.base_url,
            "--workdir", workdir, "--min-delay", "0", "--workers", "3", "--json",
        )  # fmt: skip
        assert code == 0, err
        assert json.loads(out)["listings_new"] == 20
    code, out, _ = run("listings", "--limit", "100", "--workdir", workdir, "--json")
    stored = sorted(json.loads(line)["item_id"] for line in out.splitlines())
    assert stored == sorted(listing.item_id for listing in site.listings)


def test_a_site_that_is_down_exits_unreachable_with_the_cause_first(tmp_path: Path) -> None:
    """Connection refused is the cause, not "disallowed by robots.txt"; no password is printed."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err = run(
        "scrape", "-q", "cars", "--base-url", f"http://user:hunter2@127.0.0.1:{port}",
        "--workdir", str(tmp_path), "--min-delay", "0", "--max-retries", "0",
    )  # fmt: skip
    assert code == 4, out + err
    assert out.splitlines()[0].startswith("unreachable:") and "connection refused" in out.splitlines()[0]
    assert "disallowed" not in out and "hunter2" not in out + err
    assert err.strip().splitlines()[-1].startswith("Error: site unreachable")


def test_unreachable_database_url_never_prints_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://carner:hunter2@127.0.0.1:1/carner"
    for args in (
        ["listings", "--db", url],
        ["db", "upgrade", "--db", url],
        ["scrape", "-q", "x", "--db", url],
        ["annotate", "preannotate", "--db", url],
    ):
        code, out, err = run(*args)
        assert code == 2 and "hunter2" not in out + err and "carner:***@" in err, (args, err)
        assert len(err.strip().splitlines()) == 1
