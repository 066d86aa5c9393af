"""`carner annotate import` (not only the flow) emits the event the retrain trigger listens for."""

from __future__ import annotations

import time

from carner.flows.events import ANNOTATIONS_IMPORTED, RETRAIN_DUE_LABEL
from carner.scraper.sandbox.generator import generate_listings
from typer.testing import CliRunner

from carner.cli import app


def _events_for(file: str, want: int, timeout: float = 30.0) -> list:
    from prefect import get_client
    from prefect.events.filters import EventFilter, EventNameFilter

    deadline = time.monotonic() + timeout
    found: list = []
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            page = client.read_events(filter=EventFilter(event=EventNameFilter(name=[ANNOTATIONS_IMPORTED])),
                                      limit=50)
            found = [e for e in page.events if e.payload.get("file") == file]
            if len(found) >= want:
                return found
            time.sleep(0.5)
    raise AssertionError(f"{want} event(s) for {file} expected, the server has {len(found)}")


def test_cli_import_emits_event_with_counts(
    prefect_harness, tmp_path, db_url, seed_listings, write_gold_jsonl, monkeypatch
):
    monkeypatch.setenv("CARNER_RETRAIN_MIN_NEW_GOLD", "10")
    listings = generate_listings(15, seed=11)
    seed_listings(db_url, listings)
    batch = write_gold_jsonl(tmp_path / "cli-batch.jsonl", listings[:12])

    result = CliRunner().invoke(app, ["annotate", "import", str(batch), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "retrain due" in result.output

    (event,) = _events_for(str(batch), want=1)
    assert event.payload["new_gold"] == 12
    assert event.payload["gold_since_last_training"] == 12
    assert event.payload["min_new_gold"] == 10
    assert event.resource[RETRAIN_DUE_LABEL] == "true"


def test_cli_import_without_prefect_api_says_no_event(tmp_path, db_url, seed_listings, write_gold_jsonl):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    listings = generate_listings(5, seed=12)
    seed_listings(db_url, listings)
    batch = write_gold_jsonl(tmp_path / "b.jsonl", listings)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, ["annotate", "import", str(batch), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "no retrain event emitted" in result.output
