"""Prefect tasks: each one calls one stage function and returns its small manifest (a dict).

Tasks only translate flow parameters into stage calls and manifests into JSON-able dicts; the work
is in `scraper/`, `annotation/` and `training/`. Heavy libraries are imported inside the stage calls.

Retries: only where a retry can help (the network, a locked database); training fails the same way
twice. The training chain's steps (`training.chain`) run as `chain_step_task`, cached on the step's
key (its inputs' identities and its config); a cached step whose output has vanished runs again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from carner.db.engine import open_session
from prefect import get_run_logger, task


def to_dict(obj: Any) -> dict[str, Any]:
    """A stage's manifest as a JSON-able dict (dataclass, pydantic model or dict)."""
    if obj is None:
        return {}
    if is_dataclass(obj):
        data = asdict(obj)
    elif hasattr(obj, "model_dump"):
        data = obj.model_dump(mode="json")
    elif isinstance(obj, dict):
        data = dict(obj)
    else:
        data = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    return json.loads(json.dumps(data, default=str))


def cpu_now() -> float:
    """CPU seconds of this process (all threads) and of its finished children: a stage's share of this
    is what it costs on a quiet machine, whatever else the shared CPU runs meanwhile."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Timer:
    """Wall-clock seconds per named step, kept in the flow's manifest and printed by the demo, and the
    process's CPU seconds in the step (all threads): on a shared machine the wall time says little,
    while the CPU time bounds what the step costs on a quiet one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start, cpu_start = time.perf_counter(), cpu_now()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 2)
            cpu = cpu_now() - cpu_start
            self.cpu_seconds[name] = round(self.cpu_seconds.get(name, 0.0) + cpu, 2)


# ---------------------------------------------------------------- scrape


class CrawlFailed(RuntimeError):
    """A crawl that did not finish (blocked, unreachable, partial): the task fails so Prefect retries
    it (a retry resumes where it stopped) and the run ends Failed with the cause in its message."""

    def __init__(self, message: str, status: str = "partial") -> None:
        super().__init__(message)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:  # Prefect may persist and reload the exception
        return (type(self), (str(self), self.status))


@task(retries=2, retry_delay_seconds=10, task_run_name="crawl {query}")
def crawl_task(
    query: str,
    base_url: str,
    db_url: str,
    raw_dir: str,
    max_pages: int,
    min_delay_s: float,
    timeout_s: float,
    max_retries: int,
    user_agent: str,
    workers: int = 1,
    blocked_backoff_s: float = 60.0,
) -> dict[str, Any]:
    """Crawl one search query into the database (resumable: a retry continues where it stopped).

    `workers` > 1 fetches item pages through a bounded thread pool sharing the per-host rate limit.
    Raises `CrawlFailed` unless the crawl finished; a bot wall or a dead site also emits
    `carner.scrape.blocked` / `carner.scrape.unreachable` first.
    """
    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.flows.events import emit_scrape_failed
    from carner.scraper.crawl import CrawlConfig, crawl
    from carner.scraper.http import HttpConfig

    from carner.common.redact import redact

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        http = HttpConfig(
            user_agent=user_agent, min_delay_s=min_delay_s, timeout_s=timeout_s, max_retries=max_retries
        )
        cfg = CrawlConfig(
            query=query,
            max_pages=max_pages,
            base_url=base_url,
            http=http,
            workers=workers,
            blocked_backoff_s=blocked_backoff_s,
        )
        result = to_dict(crawl(cfg, session_factory(engine), Path(raw_dir)))
    finally:
        engine.dispose()
    logger = get_run_logger()
    logger.info(
        "crawl %r: %s, %s pages, %s new / %s updated listings, %s retries, %s errors",
        query,
        result["status"],
        result["pages_fetched"],
        result["listings_new"],
        result["listings_updated"],
        result["retries"],
        result["errors"],
    )
    if result["status"] != "finished":
        event = emit_scrape_failed(result)
        if event is not None:
            logger.warning("emitted %s (event id %s)", event.event, event.id)
        raise CrawlFailed(redact(f"crawl {query!r} {result['status']}: {result['cause']}"), result["status"])
    return result


# ---------------------------------------------------------------- annotation

# Which champion scores texts for uncertainty sampling: the cheapest model first.
UNCERTAINTY_MODEL_ORDER = ("student-spacy", "baseline", "student-soft", "teacher")


def _logger() -> Any:
    """The run's logger inside a flow or task run, the module's outside one (CLI, plain calls)."""
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def champion_models(session: Any, most: int | None = None) -> list[Any]:
    """The champions whose directories load, in `UNCERTAINTY_MODEL_ORDER`, at most `most` of them."""
    from carner.db import model_runs
    from carner.training.models import load_model
    from carner.training.registry import data_home, workdir_data

    url = session.get_bind().url.render_as_string(hide_password=False)
    champions = model_runs.champions(session, data_home=data_home(workdir_data(url)))  # the workdir's task
    loaded: list[Any] = []
    for kind in UNCERTAINTY_MODEL_ORDER:
        run = champions.get(kind)
        if run is not None and Path(run.path).is_dir():
            try:
                loaded.append(load_model(Path(run.path)))
            except (OSError, ValueError, ImportError) as exc:
                _logger().warning("champion %s at %s does not load: %s", kind, run.path, exc)
        if most is not None and len(loaded) >= most:
            break
    return loaded


def champion_model(session: Any) -> Any:
    """The first champion (in `UNCERTAINTY_MODEL_ORDER`) whose directory loads; None without one."""
    found = champion_models(session, most=1)
    return found[0] if found else None


def selection_model(session: Any, strategy: str) -> Any:
    """What `strategy` ranks with: nothing for random, a `Committee` of the two first loadable champions
    for committee (an error with fewer: the strategy cannot work), else the first champion."""
    from carner.annotation.select import MODEL_STRATEGIES, Committee

    if strategy not in MODEL_STRATEGIES:
        return None
    if strategy != "committee":
        return champion_model(session)
    members = champion_models(session, most=2)
    if len(members) < 2:
        raise ValueError(
            f"committee sampling needs two trained champions, the registry has {len(members)} that load: "
            "train another kind (e.g. `carner train baseline`) or use --strategy disagreement"
        )
    return Committee(members)


@task(retries=1, retry_delay_seconds=5)
def preannotate_task(db_url: str, fields: tuple[str, ...] = ("title",)) -> dict[str, Any]:
    """Create annotation tasks for new/changed listings and pre-annotate them from item specifics."""
    from carner.annotation.store import ensure_tasks, store_distant

    with open_session(db_url) as session:
        tasks = to_dict(ensure_tasks(session, fields=fields))
        distant = to_dict(store_distant(session, fields=fields))
    get_run_logger().info("annotation tasks %s; distant pre-annotation %s", tasks, distant)
    return {"tasks": tasks, "distant": distant}


@task(retries=1, retry_delay_seconds=5)
def export_task(
    db_url: str, out: str, limit: int | None, strategy: str, seed: int, include_annotated: bool = False
) -> dict[str, Any]:
    """Write the next texts to annotate as doccano JSONL (pre-annotated)."""
    from carner.annotation.doccano import ExportConfig, export_jsonl

    cfg = ExportConfig(limit=limit, strategy=strategy, seed=seed, include_annotated=include_annotated)
    with open_session(db_url) as session:
        model = selection_model(session, strategy)
        result = to_dict(export_jsonl(session, Path(out), cfg, model=model))
    get_run_logger().info("exported for annotation: %s", result)
    return result


@task
def simulate_task(
    export_file: str, out: str, n_listings: int, seed: int, mix: dict[str, float] | None = None
) -> dict[str, Any]:
    """Demo only: a simulated annotator corrects the exported JSONL from the sandbox's true spans
    (the same listings the site served: same count, seed and title mix)."""
    from carner.annotation.simulate import simulate_annotator
    from carner.scraper.sandbox.generator import TitleMix, generate_listings

    listings = generate_listings(n_listings, seed, TitleMix(**mix) if mix else None)
    result = to_dict(simulate_annotator(Path(export_file), Path(out), listings))
    get_run_logger().info("simulated annotator: %s", result)
    return result


@task(retries=1, retry_delay_seconds=5)
def import_task(db_url: str, file: str, source: str, min_new_gold: int) -> dict[str, Any]:
    """Import a doccano JSONL as gold (validated first, all-or-nothing) and count gold since training.

    Returns the import result and, under "counts", the `flows.events.ImportCounts` fields.
    """
    from carner.annotation.doccano import import_jsonl
    from carner.flows.events import import_counts

    with open_session(db_url) as session:
        imported = import_jsonl(session, Path(file), source=source)
        counts = import_counts(session, file, imported, min_new_gold)
    result = to_dict(imported)
    result["new_gold"] = counts.new_gold
    result["gold_since_last_training"] = counts.gold_since_last_training
    result["last_training_at"] = counts.last_training_at
    result["counts"] = asdict(counts)
    get_run_logger().info("imported %s: %s", file, result)
    return result


# ---------------------------------------------------------------- dataset


@task(retries=1, retry_delay_seconds=5)
def dataset_task(db_url: str, out_dir: str, source: str, test_size: float, seed: int) -> dict[str, Any]:
    """Export the annotated texts to the npy files, DocBins and dataset.json (the chain's dataset step)."""
    from carner.training.chain import run_dataset
    from carner.training.plan import TrainPlan

    plan = TrainPlan(test_size=test_size, seed=seed)
    manifest = to_dict(run_dataset(plan, db_url, out_dir, source=source))
    get_run_logger().info(
        "dataset %s: %s train / %s test texts",
        manifest["dataset_id"],
        manifest["counts"]["train"].get("texts"),
        manifest["counts"]["test"].get("texts"),
    )
    return manifest


# ---------------------------------------------------------------- training


def _step_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    """A chain step's Prefect cache key is the step's own key (see `training.chain`)."""
    step = parameters["step"]
    return f"carner-step-{step['name']}-{step['key']}"


@task(
    name="train-step",
    cache_key_fn=_step_cache_key,
    persist_result=True,
    cache_expiration=timedelta(days=30),
)
def chain_step_task(step: dict[str, Any], force: bool = False) -> dict[str, Any]:
    """One step of the training chain (`training.chain.run_step`): its outcome as a dict."""
    from carner.training.chain import run_step

    return run_step(step, force=force)


def prefect_execute(step: Any, force: bool) -> dict[str, Any]:
    """`training.chain` executor: the step as a task named after it, cached on the step key.

    A cache entry is trusted only while the step's output is complete on disk; otherwise (or with
    `force`) the task runs and refreshes the cache. A cached step reports `skipped`.
    """
    refresh = force or not step.done()
    configured = chain_step_task.with_options(task_run_name=step.name, refresh_cache=refresh)
    state = configured(asdict(step), force, return_state=True)
    outcome = state.result()
    if state.name == "Cached":
        outcome = {**outcome, "skipped": True, "seconds": 0.0}
    done = "unchanged, skipped" if outcome["skipped"] else f"{outcome['seconds']} s"
    get_run_logger().info("%s: %s (%s)", step.name, done, step.out)
    return outcome


@task
def report_task(model_dirs: list[str], out_dir: str) -> dict[str, Any]:
    """Write report.md / report.json / plot and publish the table as a Prefect markdown artifact."""
    from carner.training.report import write_report
    from prefect.artifacts import create_markdown_artifact

    result = to_dict(write_report([Path(d) for d in model_dirs], Path(out_dir)))
    markdown_path = Path(result.get("markdown") or Path(out_dir) / "report.md")
    markdown = markdown_path.read_text(encoding="utf-8")
    create_markdown_artifact(markdown=markdown, key="carner-report", description="carner model report")
    result["markdown_text"] = markdown
    return result
