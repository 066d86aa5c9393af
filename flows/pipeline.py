"""The carner flows: one per stage, and `pipeline` chaining them.

Flows only wire stage functions (through `flows/tasks.py`) and keep small results: each returns a
manifest dict (paths, counts, hashes, seconds per step). Settings come from `CARNER_*` (see
`carner/common/settings.py`), overridable per run by the flow parameters.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from carner.flows.events import ImportCounts, emit_annotations_imported
from carner.flows.tasks import (
    Timer,
    cpu_now,
    crawl_task,
    dataset_task,
    export_task,
    import_task,
    preannotate_task,
    prefect_execute,
    report_task,
    simulate_task,
)
from carner.training.dataset import DatasetConfig
from carner.training.plan import TrainPlan
from prefect import flow, get_run_logger

from carner.common.settings import get_settings

DATASET_SOURCE = DatasetConfig.source  # one default for `carner dataset build` and the flows


def _settings(workdir: str | None, db_url: str | None, **extra: Any):
    return get_settings(workdir=Path(workdir) if workdir else None, db_url=db_url, **extra)


@flow(name="scrape", log_prints=True)
def scrape(
    queries: list[str] | None = None,
    max_pages: int = 5,
    base_url: str | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
    min_delay_s: float | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Crawl each search query (politely, resumable) into the database; raw pages under raw/."""
    settings = _settings(workdir, db_url, base_url=base_url, min_delay_s=min_delay_s, crawl_workers=workers)
    queries = queries or settings.scrape_queries
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    timer = Timer()
    crawl = crawl_task.with_options(
        retries=settings.scrape_task_retries, retry_delay_seconds=settings.scrape_retry_delay_s
    )
    with timer.step("scrape"):
        for query in queries:
            results[query] = crawl(
                query,
                settings.base_url,
                settings.database_url,
                str(settings.raw_dir),
                max_pages,
                settings.min_delay_s,
                settings.timeout_s,
                settings.max_retries,
                settings.user_agent,
                settings.crawl_workers,
                settings.blocked_backoff_s,
            )
    return {"queries": results, "seconds": timer.seconds}


@flow(name="export-for-annotation", log_prints=True)
def export_for_annotation(
    limit: int | None = 200,
    strategy: str = "uncertainty",
    out: str | None = None,
    seed: int = 0,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Pre-annotate new listings from their item specifics and export the next texts as doccano JSONL."""
    settings = _settings(workdir, db_url)
    timer = Timer()
    with timer.step("preannotate"):
        pre = preannotate_task(settings.database_url)
    out_path = (
        Path(out) if out else settings.annotation_dir / f"export-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with timer.step("export"):
        exported = export_task(settings.database_url, str(out_path), limit, strategy, seed)
    return {"preannotate": pre, "export": exported, "file": str(out_path), "seconds": timer.seconds}


@flow(name="import-annotations", log_prints=True)
def import_annotations(
    file: str,
    source: str = "doccano",
    min_new_gold: int | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Import a doccano JSONL as gold, then emit `carner.annotations.imported` with the counts.

    The event says whether the gold that arrived since the last training reaches `min_new_gold`
    (default `CARNER_RETRAIN_MIN_NEW_GOLD`); the `retrain` deployment's trigger listens for that.
    """
    settings = _settings(workdir, db_url)
    if not Path(file).is_file():
        raise FileNotFoundError(f"{file}: no such annotation file")
    threshold = min_new_gold or settings.retrain_min_new_gold
    timer = Timer()
    with timer.step("import"):
        result = import_task(settings.database_url, file, source, threshold)
    counts = ImportCounts(**result.pop("counts"))
    event = emit_annotations_imported(counts)
    get_run_logger().info(
        "%d new gold annotations; %d since the last training (retrain at %d): retrain %s",
        counts.new_gold,
        counts.gold_since_last_training,
        threshold,
        "due" if counts.retrain_due else "not due",
    )
    return {
        "import": result,
        "event": {"id": str(event.id) if event else None, "retrain_due": counts.retrain_due},
        "seconds": timer.seconds,
    }


@flow(name="build-dataset", log_prints=True)
def build_dataset(
    source: str = DATASET_SOURCE,
    test_size: float | None = None,
    seed: int | None = None,
    out_dir: str | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Export the annotations to the research's npy files (+ DocBins, dataset.json); leak-free split.

    `test_size`, `seed`: None takes the training plan's (`TrainPlan`)."""
    settings = _settings(workdir, db_url)
    split = TrainPlan().dataset_config()
    test_size = split.test_size if test_size is None else test_size
    seed = split.seed if seed is None else seed
    out = Path(out_dir) if out_dir else settings.dataset_dir
    timer = Timer()
    with timer.step("dataset"):
        manifest = dataset_task(settings.database_url, str(out), source, test_size, seed)
    manifest["seconds"] = timer.seconds
    return manifest


@flow(name="train-models", log_prints=True)
def train_models(
    plan: TrainPlan | None = None,
    data_dir: str | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """The training chain (`training.chain`): baseline, teacher, augment, label, students, evaluation,
    then every model recorded in the registry (promoted when better), and the report.

    Each step is a task cached on its key; models live at `models/<kind>/<key>` under the work
    directory, the layout every door uses, so a challenger never overwrites a champion's files.
    """
    from carner.training.chain import run_chain

    plan = plan or TrainPlan()
    settings = _settings(workdir, db_url)
    data = Path(data_dir) if data_dir else settings.dataset_dir
    if plan.bert is None and settings.bert:
        plan = plan.model_copy(update={"bert": settings.bert})
    timer = Timer()
    with timer.step("chain"):
        result = run_chain(
            plan, data, settings.workdir, db_url=settings.database_url, execute=prefect_execute
        )
    report: dict[str, Any] = {}
    if result.models:
        with timer.step("report"):
            report = report_task(list(result.models.values()), str(settings.reports_dir))
    evaluations = {}
    for kind, path in result.models.items():
        metrics = json.loads((Path(path) / "metrics.json").read_text(encoding="utf-8"))
        evaluations[kind] = {"f1": metrics.get("f1"), "model_dir": path}
    return {
        "dataset_id": result.dataset_id,
        "test_id": result.test_id,
        "models": result.models,
        "cached": {name: o.skipped for name, o in result.steps.items()},
        "evaluations": evaluations,
        "registered": result.registered,
        "promotions": result.promotions,
        "report": {k: v for k, v in report.items() if k != "markdown_text"},
        "report_markdown": report.get("markdown_text"),
        "seconds": {**result.seconds, "report": timer.seconds.get("report", 0.0)},
        "cpu_seconds": timer.cpu_seconds,
    }


@flow(name="pipeline", log_prints=True)
def pipeline(
    queries: list[str] | None = None,
    max_pages: int = 3,
    base_url: str | None = None,
    annotate_limit: int | None = None,
    simulate_sandbox: dict[str, Any] | None = None,
    dataset_source: str = DATASET_SOURCE,
    test_size: float | None = None,
    plan: TrainPlan | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
    min_delay_s: float | None = None,
) -> dict[str, Any]:
    """Scrape → pre-annotate + export → (simulated) annotation → import → dataset → train + promote.

    `simulate_sandbox={"n_listings": N, "seed": S, "mix": {...}}` (the demo; the title mix is optional)
    corrects the exported file from the sandbox generator's true spans — a clearly named simulation of
    an annotator — and imports it as gold. A stage that fails fails the flow (nothing is filed as skipped).
    """
    plan = plan or TrainPlan()
    settings = _settings(workdir, db_url, base_url=base_url, min_delay_s=min_delay_s)
    common = {"workdir": str(settings.workdir), "db_url": settings.database_url}
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}  # this process's CPU time per stage (see flows.tasks.Timer)
    out: dict[str, Any] = {
        "workdir": str(settings.workdir),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }

    def timed(name: str, fn: Any, **kwargs: Any) -> Any:
        start, cpu_start = time.perf_counter(), cpu_now()
        result = fn(**kwargs)
        seconds[name] = round(time.perf_counter() - start, 2)
        cpu_seconds[name] = round(cpu_now() - cpu_start, 2)
        return result

    out["scrape"] = timed(
        "scrape",
        scrape,
        queries=queries,
        max_pages=max_pages,
        base_url=settings.base_url,
        min_delay_s=settings.min_delay_s,
        **common,
    )
    exported = timed("export", export_for_annotation, limit=annotate_limit, strategy="random", **common)
    out["export"] = exported
    if simulate_sandbox:
        sim_out = str(Path(exported["file"]).with_suffix(".simulated.jsonl"))
        start, cpu_start = time.perf_counter(), cpu_now()
        out["simulate"] = simulate_task(
            exported["file"],
            sim_out,
            simulate_sandbox["n_listings"],
            simulate_sandbox["seed"],
            simulate_sandbox.get("mix"),
        )
        seconds["simulate annotator"] = round(time.perf_counter() - start, 2)
        cpu_seconds["simulate annotator"] = round(cpu_now() - cpu_start, 2)
        out["import"] = timed("import", import_annotations, file=sim_out, source="simulated", **common)
    out["dataset"] = timed(
        "dataset",
        build_dataset,
        source=dataset_source,
        test_size=plan.test_size if test_size is None else test_size,
        seed=plan.seed,
        **common,
    )
    trained = timed("train", train_models, plan=plan, **common)
    out["train"] = trained
    for step, secs in trained["seconds"].items():
        seconds[f"train: {step}"] = secs
        if step in trained.get("cpu_seconds", {}):
            cpu_seconds[f"train: {step}"] = trained["cpu_seconds"][step]
    return out
