"""The import event, `carner serve`'s deployments and schedules, and the retrain trigger firing on the
event — all against the session's real (temporary) Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from carner.flows.events import ANNOTATIONS_IMPORTED, RETRAIN_DUE_LABEL
from carner.scraper.sandbox.generator import generate_listings
from typer.testing import CliRunner

SCRAPE_CRON = "17 2 * * *"
EXPORT_CRON = "41 5 * * 2"


def _read_event(event_id: str, timeout: float = 30.0):
    """The event as the server stored it (the events pipeline persists asynchronously)."""
    from prefect import get_client
    from prefect.events.filters import EventFilter, EventIDFilter

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            page = client.read_events(filter=EventFilter(id=EventIDFilter(id=[event_id])), limit=10)
            if page.events:
                return page.events[0]
            time.sleep(0.5)
    raise AssertionError(f"event {event_id} never reached the Prefect server")


def test_import_emits_event_with_counts(prefect_harness, tmp_path, db_url, seed_listings, write_gold_jsonl):
    from carner.flows.pipeline import import_annotations

    listings = generate_listings(30, seed=3)
    seed_listings(db_url, listings)
    first = write_gold_jsonl(tmp_path / "batch1.jsonl", listings[:20])
    result = import_annotations(file=str(first), min_new_gold=25, workdir=str(tmp_path), db_url=db_url)
    assert result["import"]["added"] == 20
    assert result["event"]["retrain_due"] is False
    event = _read_event(result["event"]["id"])
    assert event.event == ANNOTATIONS_IMPORTED
    assert event.resource[RETRAIN_DUE_LABEL] == "false"
    assert event.payload["imported"] == 20
    assert event.payload["new_gold"] == 20
    assert event.payload["gold_since_last_training"] == 20
    assert event.payload["min_new_gold"] == 25
    assert event.payload["file"] == str(first)

    # 10 new texts plus 10 already stored: 10 new gold, 30 since the last (no) training -> due.
    second = write_gold_jsonl(tmp_path / "batch2.jsonl", listings[10:30])
    result = import_annotations(file=str(second), min_new_gold=25, workdir=str(tmp_path), db_url=db_url)
    event = _read_event(result["event"]["id"])
    assert event.payload["new_gold"] == 10
    assert event.payload["unchanged"] == 10
    assert event.payload["gold_since_last_training"] == 30
    assert event.payload["retrain_due"] is True
    assert event.resource[RETRAIN_DUE_LABEL] == "true"

    # Re-importing the same file brings nothing new.
    result = import_annotations(file=str(second), min_new_gold=25, workdir=str(tmp_path), db_url=db_url)
    assert _read_event(result["event"]["id"]).payload["new_gold"] == 0


def test_import_of_missing_file_fails_clearly(prefect_harness, tmp_path, db_url):
    from carner.flows.pipeline import import_annotations

    with pytest.raises(FileNotFoundError, match="no such annotation file"):
        import_annotations(file=str(tmp_path / "nope.jsonl"), db_url=db_url)


@pytest.fixture(scope="module")
def served(prefect_harness, tmp_path_factory):
    """`carner serve --run-once` in its own process, pointed at the session's Prefect server through
    PREFECT_API_URL (as a user points carner at theirs): registers the deployments and the trigger's
    automation, runs what is due, exits."""
    from prefect.settings import PREFECT_API_URL

    workdir = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "CARNER_SCRAPE_CRON": SCRAPE_CRON,
        "CARNER_EXPORT_CRON": EXPORT_CRON,
        "CARNER_RETRAIN_MIN_NEW_GOLD": "5",
    }
    carner = Path(sys.executable).with_name("carner")
    proc = subprocess.run(
        [str(carner), "serve", "--run-once", "--workdir", str(workdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_serve_dry_run_lists_schedules_without_serving(prefect_harness):
    from carner.cli import app

    env = {"CARNER_SCRAPE_CRON": "5 1 * * *", "CARNER_EXPORT_CRON": "6 1 * * 3"}
    result = CliRunner().invoke(app, ["serve", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "5 1 * * *" in result.output and "6 1 * * 3" in result.output
    assert f"on {ANNOTATIONS_IMPORTED}" in result.output


def test_serve_rejects_bad_cron():
    from carner.cli import app

    result = CliRunner().invoke(app, ["serve", "--dry-run", "--scrape-cron", "every day"])
    assert result.exit_code != 0
    assert "invalid cron schedule" in result.output


def test_serve_registers_deployments_with_configured_schedules(served):
    from prefect import get_client

    assert "registered 5 deployments" in served
    with get_client(sync_client=True) as client:
        scrape = client.read_deployment_by_name("scrape/scrape")
        export = client.read_deployment_by_name("export-for-annotation/export-for-annotation")
        retrain = client.read_deployment_by_name("retrain-on-new-annotations/retrain")
        for name in ("import-annotations/import-annotations", "pipeline/pipeline"):
            assert client.read_deployment_by_name(name).schedules == []
        automations = client.read_automations_by_name("carner-retrain-on-new-gold")
    assert [s.schedule.cron for s in scrape.schedules] == [SCRAPE_CRON]
    assert [s.schedule.cron for s in export.schedules] == [EXPORT_CRON]
    assert all(s.active for s in scrape.schedules + export.schedules)
    assert retrain.schedules == []
    assert retrain.parameters["min_new_gold"] == 5
    assert automations, "the retrain trigger's automation was not created"
    trigger = automations[-1].trigger
    assert trigger.expect == {ANNOTATIONS_IMPORTED}
    assert trigger.match.root[RETRAIN_DUE_LABEL] == "true"


def _runs_for_event(event_id: str) -> list:
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["retrain"]))
        )
    return [r for r in runs if r.parameters.get("trigger_event_id") == event_id]


def test_retrain_trigger_fires_only_on_due_imports(served, tmp_path, db_url, seed_listings, write_gold_jsonl):
    from carner.flows.pipeline import import_annotations

    listings = generate_listings(12, seed=4)
    seed_listings(db_url, listings)
    not_due = import_annotations(
        file=str(write_gold_jsonl(tmp_path / "a.jsonl", listings[:4])), min_new_gold=10, db_url=db_url
    )["event"]
    due = import_annotations(
        file=str(write_gold_jsonl(tmp_path / "b.jsonl", listings[4:])), min_new_gold=10, db_url=db_url
    )["event"]
    assert (not_due["retrain_due"], due["retrain_due"]) == (False, True)
    deadline = time.monotonic() + 60
    runs: list = []
    while not runs and time.monotonic() < deadline:
        time.sleep(1)
        runs = _runs_for_event(due["id"])
    assert len(runs) == 1, "the retrain deployment was not triggered by a due import"
    assert runs[0].parameters["min_new_gold"] == 5
    assert _runs_for_event(not_due["id"]) == []
