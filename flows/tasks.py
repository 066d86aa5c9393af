"""Prefect tasks: each one calls one stage function and returns its small manifest (a dict).

Tasks only translate flow parameters into stage configs and manifests into JSON-able dicts; the work
is in `scraper/`, `annotation/` and `training/`. Heavy libraries are imported inside the stage calls.

Retries: only where a retry can help (the network, a locked database); training fails the same way
twice. Caching: keyed on content hashes of the inputs (never on paths alone) for the expensive,
deterministic steps — teacher training, augmentation and teacher labelling — so an unchanged
augmented set is not labelled again. A cached manifest whose files have vanished is recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import INPUTS, TASK_SOURCE

from flows.plan import TrainPlan

# Stage name -> the "module:function" it needs; a stage whose function is missing is skipped and named.
STAGE_FUNCTIONS: dict[str, str] = {
    "sandbox": "scraper.sandbox.server:SandboxServer",
    "scrape": "scraper.crawl:crawl",
    "preannotate": "annotation.store:store_distant",
    "export": "annotation.doccano:export_jsonl",
    "simulate": "annotation.simulate:simulate_annotator",
    "import": "annotation.doccano:import_jsonl",
    "dataset": "training.dataset:build_dataset_from_db",
    "baseline": "training.baseline:train_baseline",
    "teacher": "training.teacher:train_teacher",
    "augment": "training.augment:augment",
    "label": "training.label:label_file",
    "student-spacy": "training.student_spacy:train_spacy_student",
    "student-soft": "training.student_soft:train_soft_student",
    "evaluate": "training.evaluate:evaluate_dir",
    "report": "training.report:write_report",
}


def resolve(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def stage_available(stage: str) -> bool:
    """Whether a stage's function exists in this checkout (stages land one by one)."""
    try:
        resolve(STAGE_FUNCTIONS[stage])
    except (ImportError, AttributeError):
        return False
    return True


def missing_stages(stages: list[str] | tuple[str, ...]) -> list[str]:
    return [s for s in stages if not stage_available(s)]


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


def sha256_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).name.encode())
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def model_hash(model_dir: Path) -> str:
    """Content hash of a model directory's files (weights, config, vocab) — what labelling depends on."""
    files = sorted(p for p in Path(model_dir).rglob("*") if p.is_file() and p.name != "metrics.json")
    return sha256_files(files)


@contextlib.contextmanager
def db_session(db_url: str) -> Iterator[Any]:
    """A session on an up-to-date schema; commits on success, rolls back on error."""
    from db.engine import make_engine, session_factory, upgrade

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        factory = session_factory(engine)
        with factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        engine.dispose()


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
) -> dict[str, Any]:
    """Crawl one search query into the database (resumable: a retry continues where it stopped).

    `workers` > 1 fetches item pages through a bounded thread pool sharing the per-host rate limit.
    """
    from db.engine import make_engine, session_factory, upgrade
    from scraper.crawl import CrawlConfig, crawl
    from scraper.http import HttpConfig

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        http = HttpConfig(
            user_agent=user_agent, min_delay_s=min_delay_s, timeout_s=timeout_s, max_retries=max_retries
        )
        cfg = CrawlConfig(query=query, max_pages=max_pages, base_url=base_url, http=http, workers=workers)
        result = to_dict(crawl(cfg, session_factory(engine), Path(raw_dir)))
    finally:
        engine.dispose()
    get_run_logger().info(
        "crawl %r: %s, %s pages, %s new / %s updated listings, %s retries, %s errors",
        query,
        result["status"],
        result["pages_fetched"],
        result["listings_new"],
        result["listings_updated"],
        result["retries"],
        result["errors"],
    )
    return result


# ---------------------------------------------------------------- annotation

# Which champion scores texts for uncertainty sampling: the cheapest model first.
UNCERTAINTY_MODEL_ORDER = ("student-spacy", "baseline", "student-soft", "teacher")


def champion_model(session: Any) -> Any:
    """The first champion (in `UNCERTAINTY_MODEL_ORDER`) whose directory loads; None without one."""
    from db import model_runs
    from training.models import load_model

    champions = model_runs.champions(session)
    for kind in UNCERTAINTY_MODEL_ORDER:
        run = champions.get(kind)
        if run is not None and Path(run.path).is_dir():
            try:
                return load_model(Path(run.path))
            except (OSError, ValueError, ImportError) as exc:
                get_run_logger().warning("champion %s at %s does not load: %s", kind, run.path, exc)
    return None


@task(retries=1, retry_delay_seconds=5)
def preannotate_task(db_url: str, fields: tuple[str, ...] = ("title",)) -> dict[str, Any]:
    """Create annotation tasks for new/changed listings and pre-annotate them from item specifics."""
    from annotation.store import ensure_tasks, store_distant

    with db_session(db_url) as session:
        tasks = to_dict(ensure_tasks(session, fields=fields))
        distant = to_dict(store_distant(session, fields=fields))
    get_run_logger().info("annotation tasks %s; distant pre-annotation %s", tasks, distant)
    return {"tasks": tasks, "distant": distant}


@task(retries=1, retry_delay_seconds=5)
def export_task(
    db_url: str, out: str, limit: int | None, strategy: str, seed: int, include_annotated: bool = False
) -> dict[str, Any]:
    """Write the next texts to annotate as doccano JSONL (pre-annotated)."""
    from annotation.doccano import ExportConfig, export_jsonl
    from annotation.select import MODEL_STRATEGIES

    cfg = ExportConfig(limit=limit, strategy=strategy, seed=seed, include_annotated=include_annotated)
    with db_session(db_url) as session:
        model = champion_model(session) if strategy in MODEL_STRATEGIES else None
        result = to_dict(export_jsonl(session, Path(out), cfg, model=model))
    get_run_logger().info("exported for annotation: %s", result)
    return result


@task
def simulate_task(
    export_file: str, out: str, n_listings: int, seed: int, mix: dict[str, float] | None = None
) -> dict[str, Any]:
    """Demo only: a simulated annotator corrects the exported JSONL from the sandbox's true spans
    (the same listings the site served: same count, seed and title mix)."""
    from annotation.simulate import simulate_annotator
    from scraper.sandbox.generator import TitleMix, generate_listings

    listings = generate_listings(n_listings, seed, TitleMix(**mix) if mix else None)
    result = to_dict(simulate_annotator(Path(export_file), Path(out), listings))
    get_run_logger().info("simulated annotator: %s", result)
    return result


@task(retries=1, retry_delay_seconds=5)
def import_task(db_url: str, file: str, source: str, min_new_gold: int) -> dict[str, Any]:
    """Import a doccano JSONL as gold (validated first, all-or-nothing) and count gold since training.

    Returns the import result and, under "counts", the `flows.events.ImportCounts` fields.
    """
    from annotation.doccano import import_jsonl
    from flows.events import import_counts

    with db_session(db_url) as session:
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
    """Export the annotated texts to the npy files, DocBins and dataset.json."""
    from training.dataset import DatasetConfig, build_dataset_from_db

    cfg = DatasetConfig(test_size=test_size, seed=seed, source=source)
    with db_session(db_url) as session:
        manifest = to_dict(build_dataset_from_db(session, Path(out_dir), cfg))
    manifest["dataset_hash"] = dataset_hash(Path(out_dir))
    manifest["test_hash"] = test_split_hash(Path(out_dir))
    get_run_logger().info(
        "dataset %s: %s train / %s test texts",
        manifest["dataset_hash"][:12],
        manifest["counts"]["train"].get("texts"),
        manifest["counts"]["test"].get("texts"),
    )
    return manifest


NPY_NAMES = ("text_train.npy", "labels_train.npy", "text_test.npy", "labels_test.npy")


def dataset_hash(data_dir: Path) -> str:
    """Content hash of the four npy files: what a model was trained and tested on."""
    return sha256_files([Path(data_dir) / n for n in NPY_NAMES])


def test_split_hash(data_dir: Path) -> str:
    """Content hash of the test split alone: champions are compared on the *current* test split."""
    return sha256_files([Path(data_dir) / n for n in NPY_NAMES[2:]])


# ---------------------------------------------------------------- training


def outputs_present(manifest: dict[str, Any], *files: str) -> bool:
    """Whether the files a cached manifest points to are still there (`key` or `key/relative/path`)."""
    for spec in files:
        key, _, rel = spec.partition("/")
        value = manifest.get(key)
        if not value or not (Path(value) / rel if rel else Path(value)).exists():
            return False
    return True


def run_cached(task_obj: Any, files: tuple[str, ...], **kwargs: Any) -> tuple[dict[str, Any], bool]:
    """Run a cached task; when the cached manifest's files are gone, run it again with a fresh cache.

    `files` name what must exist (see `outputs_present`). Returns the manifest and whether it came
    from the cache.
    """
    state = task_obj(return_state=True, **kwargs)
    manifest = state.result()
    cached = state.name == "Cached"
    if cached and not outputs_present(manifest, *files):
        get_run_logger().warning("%s: cached outputs are missing, recomputing", task_obj.name)
        state = task_obj.with_options(refresh_cache=True)(return_state=True, **kwargs)
        manifest, cached = state.result(), False
    return manifest, cached


@task
def train_baseline_task(data_dir: str, out_dir: str, plan: TrainPlan) -> dict[str, Any]:
    """spaCy NER baseline from the npy dataset (evaluation is a separate task)."""
    from training.baseline import SpacyTrainConfig, train_baseline

    cfg = SpacyTrainConfig(epochs=plan.baseline_epochs, seed=plan.seed)
    result = to_dict(train_baseline(Path(data_dir), Path(out_dir), cfg, evaluate=False))
    result["model_dir"] = result.get("out_dir") or out_dir
    get_run_logger().info(
        "baseline: %s steps, best dev F1 %s", result.get("steps"), result.get("best_dev_f1")
    )
    return result


# Teacher training is the most expensive step: cache it on the dataset's content and the teacher plan.
@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True, cache_expiration=timedelta(days=30))
def train_teacher_task(
    dataset_hash: str, data_dir: str, out_dir: str, plan: dict[str, Any]
) -> dict[str, Any]:
    """Fine-tune the BERT teacher on the training split (cached on dataset hash + plan)."""
    from training.npy_io import load_npy_dataset
    from training.teacher import TeacherConfig, train_teacher

    data = load_npy_dataset(Path(data_dir))
    cfg = TeacherConfig(progress=False, **plan)
    result = to_dict(train_teacher(cfg, data.train_texts, data.train_spans, data.labels, Path(out_dir)))
    result["model_dir"] = result.get("path") or out_dir
    result["model_hash"] = model_hash(Path(result["model_dir"]))
    get_run_logger().info(
        "teacher: %s epochs, best val F1 %s, %.1f s",
        result.get("epochs_run"),
        result.get("best_val_f1"),
        result.get("seconds", 0.0),
    )
    return result


@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True, cache_expiration=timedelta(days=30))
def augment_task(dataset_hash: str, data_dir: str, out_dir: str, plan: dict[str, Any]) -> dict[str, Any]:
    """Augmented variants of the training texts (Tang et al. 2019), streamed to JSONL."""
    from training.augment import AugmentConfig, augment
    from training.npy_io import load_npy_dataset

    data = load_npy_dataset(Path(data_dir))
    cfg = AugmentConfig(**plan)
    result = to_dict(augment(cfg, data.train_texts, data.train_spans, Path(out_dir), progress=False))
    result["augmented_hash"] = sha256_files([Path(result["path"])])
    get_run_logger().info("augment: %s texts -> %s lines", result.get("n_input"), result.get("n_written"))
    return result


# Teacher labelling of the augmented set: keyed on the augmented file's hash and the teacher's weights,
# so an unchanged augmented set labelled by an unchanged teacher is never labelled twice.
@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True, cache_expiration=timedelta(days=30))
def label_task(
    augmented_hash: str,
    augmented_path: str,
    teacher_hash: str,
    teacher_dir: str,
    out_dir: str,
    batch_size: int,
) -> dict[str, Any]:
    """The teacher's spans and per-word probabilities for every augmented text (chunked, resumable)."""
    from training.label import LabelConfig, label_file
    from training.teacher import load_model

    cfg = LabelConfig(batch_size=batch_size, progress=False, restart=True)
    result = to_dict(label_file(cfg, load_model(Path(teacher_dir)), Path(augmented_path), Path(out_dir)))
    get_run_logger().info(
        "teacher labelled %s texts (%s texts/s)", result.get("n_texts"), result.get("texts_per_second")
    )
    return result


@task
def train_student_task(
    kind: str, labelled_dir: str, data_dir: str, out_dir: str, plan: TrainPlan
) -> dict[str, Any]:
    """A distilled student from the teacher-labelled augmented set: spaCy on the teacher's hard labels,
    or the small soft-label network on its per-word probabilities."""
    from training.label import iter_labelled
    from training.npy_io import load_npy_dataset

    labels = load_npy_dataset(Path(data_dir)).labels
    records = iter_labelled(Path(labelled_dir))
    if kind == "student-spacy":
        from training.student_spacy import SpacyStudentConfig, train_spacy_student

        cfg = SpacyStudentConfig(epochs=plan.student_epochs, seed=plan.seed)
        result = to_dict(train_spacy_student(cfg, records, labels, Path(out_dir)))
    elif kind == "student-soft":
        from training.student_soft import SoftStudentConfig, train_soft_student

        cfg = SoftStudentConfig(epochs=plan.soft_epochs, seed=plan.seed, progress=False)
        result = to_dict(train_soft_student(cfg, records, labels, Path(out_dir)))
    else:
        raise ValueError(f"unknown student kind {kind!r}")
    result["model_dir"] = result.get("out_dir") or result.get("path") or out_dir
    get_run_logger().info("%s trained in %.1f s", kind, float(result.get("seconds") or 0.0))
    return result


@task
def evaluate_task(
    model_dir: str, data_dir: str, speed_texts: int, test_hash: str | None = None
) -> dict[str, Any]:
    """Evaluate a model on the current test split (entity-level P/R/F1, size, CPU speed);
    the evaluation is merged into the model's metrics.json, which the report reads."""
    from training.evaluate import evaluate_dir
    from training.npy_io import load_npy_dataset

    data = load_npy_dataset(Path(data_dir))
    metrics = to_dict(
        evaluate_dir(
            Path(model_dir),
            data.test_texts,
            data.test_spans,
            labels=data.labels,
            eval_data={"dir": str(data_dir), "content_hash": test_hash or test_split_hash(Path(data_dir))},
            speed_texts=speed_texts,
        )
    )
    metrics["model_dir"] = model_dir
    get_run_logger().info("%s: micro F1 %s", metrics.get("kind"), metrics.get("f1"))
    return metrics


@task
def report_task(model_dirs: list[str], out_dir: str) -> dict[str, Any]:
    """Write report.md / report.json / plot and publish the table as a Prefect markdown artifact."""
    from prefect.artifacts import create_markdown_artifact

    from training.report import write_report

    result = to_dict(write_report([Path(d) for d in model_dirs], Path(out_dir)))
    markdown_path = Path(result.get("markdown") or Path(out_dir) / "report.md")
    markdown = markdown_path.read_text(encoding="utf-8")
    create_markdown_artifact(markdown=markdown, key="carner-report", description="carner model report")
    result["markdown_text"] = markdown
    return result


def f1_of(metrics: dict[str, Any]) -> float | None:
    """The entity-level micro F1 from an evaluation (the figure promotion compares)."""
    for path in (("micro", "f1"), ("micro_f1",), ("f1",), ("overall", "f1")):
        value: Any = metrics
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, int | float):
            return float(value)
    return None
