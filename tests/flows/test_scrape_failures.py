"""A scheduled scrape that cannot succeed must end Failed, with its cause, after its retries — and a
bot wall or a dead site emits an event a user can hang a notification on. Real flows, real servers."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from carner.flows.events import SCRAPE_BLOCKED, SCRAPE_UNREACHABLE
from carner.scraper.sandbox.server import SandboxServer


def _free_port() -> int:
    """A port nothing listens on (bound then released): connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _events(name: str, since: float, timeout: float = 30.0) -> list:
    """Events of `name` the server stored after `since` (the events pipeline persists asynchronously)."""
    from datetime import UTC, datetime

    from prefect import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter

    start = datetime.fromtimestamp(since, UTC)
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            page = client.read_events(
                filter=EventFilter(
                    event=EventNameFilter(name=[name]), occurred=EventOccurredFilter(since=start)
                ),
                limit=50,
            )
            if page.events:
                return list(page.events)
            time.sleep(0.5)
    return []


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARNER_SCRAPE_TASK_RETRIES", "1")
    monkeypatch.setenv("CARNER_SCRAPE_RETRY_DELAY_S", "0")
    monkeypatch.setenv("CARNER_MAX_RETRIES", "0")
    monkeypatch.setenv("CARNER_TIMEOUT_S", "2")
    monkeypatch.setenv("CARNER_BLOCKED_BACKOFF_S", "0")


def _task_runs(flow_run_id) -> list:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))


def test_scrape_of_a_site_that_is_down_ends_failed_with_the_cause(
    prefect_harness, fast_retries, tmp_path: Path
) -> None:
    from carner.flows.pipeline import scrape

    started = time.time()
    base_url = f"http://127.0.0.1:{_free_port()}"
    state = scrape(
        queries=["cars"], max_pages=1, base_url=base_url, workdir=str(tmp_path),
        min_delay_s=0.0, return_state=True,
    )  # fmt: skip
    assert state.is_failed()
    assert "unreachable" in state.message and "connection refused" in state.message, state.message
    assert "disallowed by robots.txt" not in state.message
    runs = _task_runs(state.state_details.flow_run_id)
    crawl_runs = [r for r in runs if r.name.startswith("crawl")]
    assert len(crawl_runs) == 1 and crawl_runs[0].run_count == 2  # the first try and its one retry
    assert crawl_runs[0].state.is_failed()
    events = _events(SCRAPE_UNREACHABLE, started)
    assert events and events[0].payload["status"] == "unreachable"
    assert "connection refused" in events[0].payload["cause"]


def test_scrape_behind_a_bot_wall_emits_the_blocked_event(
    prefect_harness, fast_retries, tmp_path: Path
) -> None:
    from carner.flows.pipeline import scrape

    started = time.time()
    with SandboxServer(n_listings=5, seed=1, faults="block:1.0") as site:
        base_url = site.base_url
        state = scrape(
            queries=["cars"], max_pages=1, base_url=base_url, workdir=str(tmp_path),
            min_delay_s=0.0, return_state=True,
        )  # fmt: skip
    assert state.is_failed() and "blocked by a bot wall" in state.message, state.message
    events = _events(SCRAPE_BLOCKED, started)
    assert events, "no carner.scrape.blocked event reached the server"
    assert events[0].payload["status"] == "blocked" and events[0].payload["query"] == "cars"
    assert events[0].resource.id == f"carner.site.{base_url}"


def test_pipeline_whose_dataset_step_fails_ends_failed_not_skipped(prefect_harness, tmp_path: Path) -> None:
    """Every stage ran but nothing could be exported: the run is Failed with the dataset's cause."""
    from carner.flows.pipeline import pipeline

    with SandboxServer(n_listings=0, seed=1) as site:
        state = pipeline(
            queries=["cars"], max_pages=1, base_url=site.base_url, workdir=str(tmp_path),
            min_delay_s=0.0, return_state=True,
        )  # fmt: skip
    assert state.is_failed(), state
    assert "annotations" in state.message, state.message
