"""The carner flows: one per stage, and `pipeline` chaining them.

Flows only wire stage functions (through `flows/tasks.py`) and keep small results: each returns a
manifest dict (paths, counts, hashes, seconds per step). Settings come from `CARNER_*` (see
`flows/settings.py`), overridable per run by the flow parameters.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.events import ImportCounts, emit_annotations_imported
from flows.plan import TrainPlan
from flows.promote import record_and_promote_task
from flows.settings import get_settings
from flows.tasks import (
    Timer,
    augment_task,
    cpu_now,
    crawl_task,
    dataset_task,
    evaluate_task,
    export_task,
    import_task,
    label_task,
    missing_stages,
    preannotate_task,
    report_task,
    run_cached,
    simulate_task,
    stage_available,
    train_baseline_task,
    train_student_task,
    train_teacher_task,
)


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
    with timer.step("scrape"):
        for query in queries:
            results[query] = crawl_task(
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
    source: str = "both",
    test_size: float = 0.5,
    seed: int = 0,
    out_dir: str | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Export the annotations to the research's npy files (+ DocBins, dataset.json); leak-free split."""
    settings = _settings(workdir, db_url)
    out = Path(out_dir) if out_dir else settings.dataset_dir
    timer = Timer()
    with timer.step("dataset"):
        manifest = dataset_task(settings.database_url, str(out), source, test_size, seed)
    manifest["seconds"] = timer.seconds
    return manifest


def _teacher_plan(plan: TrainPlan, bert: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "epochs": plan.teacher_epochs,
        "seed": plan.seed,
        "max_texts": plan.teacher_max_texts,
    }
    if plan.bert or bert:
        out["bert"] = plan.bert or bert
    if plan.teacher_batch_size:
        out["batch_size"] = plan.teacher_batch_size
    if plan.teacher_learning_rate:
        out["learning_rate"] = plan.teacher_learning_rate
    return out


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _kind_inputs(kind: str, plan: TrainPlan, teacher_plan: dict[str, Any]) -> dict[str, Any]:
    """The plan fields a model kind depends on (its directory and cache key derive from them)."""
    augment = {"n_iter": plan.augment_n_iter, "seed": plan.seed}
    return {
        "baseline": {"epochs": plan.baseline_epochs, "seed": plan.seed},
        "teacher": teacher_plan,
        "student-spacy": {"teacher": teacher_plan, "augment": augment, "epochs": plan.student_epochs},
        "student-soft": {"teacher": teacher_plan, "augment": augment, "epochs": plan.soft_epochs},
    }[kind]


@flow(name="train-models", log_prints=True)
def train_models(
    plan: TrainPlan | None = None,
    data_dir: str | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Baseline, teacher, augment + teacher labelling, students, evaluation, report, promotion.

    Model directories are content-addressed, `models/<hash of dataset + plan>/<kind>`: a challenger
    trained on other data or with another plan never overwrites a champion's files.
    """
    from flows.tasks import dataset_hash as hash_dataset
    from flows.tasks import test_split_hash

    plan = plan or TrainPlan()
    settings = _settings(workdir, db_url)
    log = get_run_logger()
    data = Path(data_dir) if data_dir else settings.dataset_dir
    if not (data / "text_train.npy").is_file():
        raise FileNotFoundError(f"{data}: no npy dataset (run build-dataset first)")
    d_hash, t_hash = hash_dataset(data), test_split_hash(data)
    teacher_plan = _teacher_plan(plan, settings.bert)
    timer = Timer()
    trained: dict[str, str] = {}
    cached: dict[str, bool] = {}
    skipped: dict[str, str] = {}

    def model_dir(kind: str) -> str:
        return str(settings.models_dir / _key(d_hash, kind, _kind_inputs(kind, plan, teacher_plan)) / kind)

    for kind in plan.kinds:
        if not stage_available(kind):
            skipped[kind] = "stage not available yet"
    if plan.wants("baseline") and "baseline" not in skipped:
        with timer.step("baseline"):
            trained["baseline"] = train_baseline_task(str(data), model_dir("baseline"), plan)["model_dir"]

    teacher: dict[str, Any] | None = None
    students = [k for k in ("student-spacy", "student-soft") if plan.wants(k) and k not in skipped]
    if (plan.wants("teacher") or students) and stage_available("teacher"):
        with timer.step("teacher"):
            teacher, cached["teacher"] = run_cached(
                train_teacher_task,
                ("model_dir/config.json", "model_dir/metrics.json"),
                dataset_hash=d_hash,
                data_dir=str(data),
                out_dir=model_dir("teacher"),
                plan=teacher_plan,
            )
        if plan.wants("teacher"):
            trained["teacher"] = teacher["model_dir"]
    for kind in students if teacher is None else []:
        skipped[kind] = "teacher not available yet"

    missing = missing_stages(["augment", "label"])
    for kind in students if teacher is not None and missing else []:
        skipped[kind] = f"{', '.join(missing)} not available yet"
    if students and teacher is not None and not missing:
        with timer.step("augment"):
            aug, cached["augment"] = run_cached(
                augment_task,
                ("path",),
                dataset_hash=d_hash,
                data_dir=str(data),
                out_dir=str(settings.workdir / "augmented" / _key(d_hash, plan.augment_n_iter, plan.seed)),
                plan={"n_iter": plan.augment_n_iter, "seed": plan.seed},
            )
        with timer.step("label"):
            labelled, cached["label"] = run_cached(
                label_task,
                ("out_dir/index.json",),
                augmented_hash=aug["augmented_hash"],
                augmented_path=aug["path"],
                teacher_hash=teacher["model_hash"],
                teacher_dir=teacher["model_dir"],
                out_dir=str(
                    settings.workdir / "labelled" / _key(aug["augmented_hash"], teacher["model_hash"])
                ),
                batch_size=plan.label_batch_size,
            )
        for kind in students:
            with timer.step(kind):
                trained[kind] = train_student_task(
                    kind, labelled["out_dir"], str(data), model_dir(kind), plan
                )["model_dir"]

    evaluations: dict[str, dict[str, Any]] = {}
    decisions: list[dict[str, Any]] = []
    report: dict[str, Any] = {}
    if not stage_available("evaluate"):
        skipped["evaluate"] = "stage not available yet"
    elif trained:
        with timer.step("evaluate"):
            for kind, path in trained.items():
                evaluations[kind] = evaluate_task(path, str(data), plan.speed_texts, t_hash)
        if plan.promote:
            with timer.step("promote"):
                decisions = record_and_promote_task(
                    settings.database_url, evaluations, d_hash, t_hash, str(data), True, plan.speed_texts
                )
    if trained and stage_available("report"):
        with timer.step("report"):
            report = report_task(list(trained.values()), str(settings.reports_dir))
    for kind, why in skipped.items():
        log.warning("%s skipped: %s", kind, why)
    return {
        "dataset_hash": d_hash,
        "test_hash": t_hash,
        "models": trained,
        "cached": cached,
        "skipped": skipped,
        "evaluations": {
            k: {"f1": v.get("f1"), "model_dir": v.get("model_dir")} for k, v in evaluations.items()
        },
        "promotions": decisions,
        "report": {k: v for k, v in report.items() if k != "markdown_text"},
        "report_markdown": report.get("markdown_text"),
        "seconds": timer.seconds,
        "cpu_seconds": timer.cpu_seconds,
    }


@flow(name="pipeline", log_prints=True)
def pipeline(
    queries: list[str] | None = None,
    max_pages: int = 3,
    base_url: str | None = None,
    annotate_limit: int | None = None,
    simulate_sandbox: dict[str, Any] | None = None,
    dataset_source: str = "both",
    test_size: float = 0.5,
    plan: TrainPlan | None = None,
    workdir: str | None = None,
    db_url: str | None = None,
    min_delay_s: float | None = None,
) -> dict[str, Any]:
    """Scrape → pre-annotate + export → (simulated) annotation → import → dataset → train + promote.

    `simulate_sandbox={"n_listings": N, "seed": S, "mix": {...}}` (the demo; the title mix is optional)
    corrects the exported file from the sandbox generator's true spans — a clearly named simulation of
    an annotator — and imports it as gold.
    Stages whose code is not in this checkout yet are skipped and listed under `skipped`.
    """
    log = get_run_logger()
    plan = plan or TrainPlan()
    settings = _settings(workdir, db_url, base_url=base_url, min_delay_s=min_delay_s)
    common = {"workdir": str(settings.workdir), "db_url": settings.database_url}
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}  # this process's CPU time per stage (see flows.tasks.Timer)
    skipped: dict[str, str] = {}
    out: dict[str, Any] = {
        "workdir": str(settings.workdir),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "skipped": skipped,
    }

    def timed(name: str, fn: Any, **kwargs: Any) -> Any:
        start, cpu_start = time.perf_counter(), cpu_now()
        result = fn(**kwargs)
        seconds[name] = round(time.perf_counter() - start, 2)
        cpu_seconds[name] = round(cpu_now() - cpu_start, 2)
        return result

    if missing_stages(["scrape"]):
        skipped["scrape"] = "scraper.crawl not available yet"
    else:
        out["scrape"] = timed(
            "scrape",
            scrape,
            queries=queries,
            max_pages=max_pages,
            base_url=settings.base_url,
            min_delay_s=settings.min_delay_s,
            **common,
        )

    gold_file: str | None = None
    missing = missing_stages(["preannotate", "export"])
    if missing:
        skipped["export"] = f"{', '.join(missing)} not available yet"
    else:
        exported = timed("export", export_for_annotation, limit=annotate_limit, strategy="random", **common)
        out["export"] = exported
        if simulate_sandbox:
            if stage_available("simulate"):
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
                gold_file = sim_out
            else:
                skipped["simulate"] = "annotation.simulate not available yet"

    if gold_file:
        if stage_available("import"):
            out["import"] = timed("import", import_annotations, file=gold_file, source="simulated", **common)
        else:
            skipped["import"] = "annotation.doccano import not available yet"

    if stage_available("dataset"):
        try:
            out["dataset"] = timed(
                "dataset", build_dataset, source=dataset_source, test_size=test_size, seed=plan.seed, **common
            )
        except Exception as exc:  # e.g. nothing annotated because earlier stages are missing
            skipped["dataset"] = f"failed: {exc}"
            log.warning("dataset not built: %s", exc)
    else:
        skipped["dataset"] = "training.dataset not available yet"

    if "dataset" in out:
        trained = timed("train", train_models, plan=plan, **common)
        out["train"] = trained
        for step, secs in trained["seconds"].items():
            seconds[f"train: {step}"] = secs
            cpu_seconds[f"train: {step}"] = trained.get("cpu_seconds", {}).get(step, 0.0)
        skipped.update({f"train: {k}": v for k, v in trained["skipped"].items()})
    for name, why in skipped.items():
        log.warning("%s skipped: %s", name, why)
    return out
