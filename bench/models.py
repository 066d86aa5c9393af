"""Every model at one scale, end to end: accuracy, size, speed, cost per stage, and the real-text check.

    .venv/bin/python bench/models.py --scale demo|research [--out DIR] [--resume [--redo STAGE,...]]
        [--set key=value ...] [--kinds baseline,teacher,...] [--inline]

Stages (each in its own child process, so its wall time and peak RSS are its own). The training
stages are the training chain's steps (`training.chain`: the same list `carner train all` and the
`train-models` flow run, with the same keys and model layout `models/<kind>/<key>`); the bench only
executes each step in a child process. Every model is recorded in the bench's own registry (carner.db).
  scrape      a sandbox site of `n_listings` listings crawled by the real scraper into SQLite (+ raw pages)
  annotate    annotation tasks; pre-annotation (distant) from the item specifics; the generator's true
              spans stored as gold ("simulated" annotator) — the distant spans are scored against them
  dataset     `training.dataset` export of the gold titles: npy files + DocBins, split by listing
  baseline    spaCy NER on the gold train split
  teacher     BERT (all-MiniLM-L6-v2 by default) fine-tuned on the gold train split
  augment     Tang et al. variants of the train split (n_iter per text), streamed to JSONL
  label       the teacher labels the augmented set (spans + per-word probabilities, chunked)
  student-spacy / student-soft   the two distilled students
  eval:<model>   `training.evaluate` on the test split (entity exact match, size, CPU speed)
  real        per-label F1 on hand-checked real titles, MAKE / YEAR accuracy (bench/real_titles.py)
then the tables: models x macro P/R/F1/size/speed, models x per-label P/R (MAKE, MODEL first),
student/teacher ratios, stage timings with peak RSS (results.md / results.json, plus training.report's
report.md / report.json / report.png).

Why gold from the generator: the sandbox knows every title's true spans, so the test split is real
gold; the crawl still goes through the scraper and the database, and the export through
`training.dataset`, so the bench measures the pipeline users run. `--resume` skips a stage whose
outputs exist and whose input hash (its settings + the hashes of the outputs it reads; for a chain
step, its key) is unchanged (`stages.json`); `--redo` names stages to run again anyway (the hash
covers inputs, not carner's code).

Scales: research = 8,000 listings and `training.plan.RESEARCH_PLAN` (15 epochs, batch 32, dropout
0.5, augmentation x50: 4k -> 200k) on titles naming characteristics 8x as often as real sellers;
demo = `carner demo`'s own site (`training.plan.DEMO_SITE`: 1,500 listings) and `training.plan.DEMO_PLAN`.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carner.training.plan import DEMO_PLAN, DEMO_SITE, MODEL_KINDS, RESEARCH_PLAN, TrainPlan  # noqa: E402

from bench.common import (  # noqa: E402
    SHARED_DIR,
    ResultTable,
    fmt,
    json_hash,
    machine,
    machine_line,
    mark_baseline,
    parse_key_values,
    print_tables,
    ratio,
    run_stage,
    setup_logging,
    write_results,
)
from carner.common.layout import WorkLayout  # noqa: E402

log = logging.getLogger("bench.models")

SANDBOX_QUERY = "cars"  # matches every sandbox listing
HEADLINE = ("MAKE", "MODEL")


@dataclass(frozen=True)
class Plan:
    """Everything a run depends on: the sandbox and split, and the training plan (`train`).

    `--set key=value` changes one field of either (`n_listings=300`, `teacher_epochs=1`).
    """

    scale: str
    n_listings: int
    train: TrainPlan
    page_size: int = 120
    test_size: float = RESEARCH_PLAN.test_size
    real_de_limit: int | None = None  # German real titles read (None: all 18k)
    real: bool = True
    # scraper.sandbox.generator.TitleMix of the site's titles (None: real sellers' rates throughout)
    mix: dict[str, float] | None = None

    @property
    def seed(self) -> int:
        return self.train.seed


# Research: title forms at real sellers' shares, characteristics named 8x as often as real sellers do
# (at the real rate a 3.5k-title test split holds ~12 gearboxes and ~40 fuels: too few to score a
# label). Demo: exactly `carner demo`'s site (training.plan.DEMO_SITE) and plan.
RESEARCH_MIX = {"characteristics": 8.0}
PLANS = {
    "research": Plan(scale="research", n_listings=8000, train=RESEARCH_PLAN, mix=RESEARCH_MIX),
    "demo": Plan(
        scale="demo",
        n_listings=DEMO_SITE.listings,
        train=DEMO_PLAN,
        real_de_limit=2000,
        mix=dict(DEMO_SITE.mix),
    ),
}


def parse_set(plan: Plan, items: list[str]) -> Plan:
    """Apply `key=value` overrides (JSON values: 3, 0.1, null, true, "name"; bare words are strings)."""
    own = {f.name for f in fields(Plan)} - {"scale", "train"}
    changes = parse_key_values(items, own | set(TrainPlan.model_fields))
    train = {k: v for k, v in changes.items() if k not in own}
    try:
        new_train = TrainPlan.model_validate({**plan.train.model_dump(), **train})
    except ValueError as exc:
        raise SystemExit(f"--set: {exc}") from None
    return replace(plan, train=new_train, **{k: v for k, v in changes.items() if k in own})


# ============================================================================ paths
class Layout(WorkLayout):
    """carner's work layout (`carner.common.layout`), with the dataset in `data/` beside the bench's
    `stages.json`, so a run's results page and its inputs stay apart."""

    def __init__(self, out: Path) -> None:
        super().__init__(Path(out))

    @property
    def out(self) -> Path:
        return Path(self.root)

    @property
    def db(self) -> Path:
        return self.db_file

    @property
    def data(self) -> Path:
        return self.dataset

    @property
    def dataset(self) -> Path:
        return Path(self.root) / "data"

    @property
    def manifest(self) -> Path:
        return Path(self.root) / "stages.json"

    @property
    def db_url(self) -> str:
        from carner.db.engine import sqlite_url

        return sqlite_url(self.db.resolve())


# ============================================================================ stages (run in children)
def stage_scrape(
    out: str, n_listings: int, seed: int, page_size: int, mix: dict[str, float] | None = None
) -> dict[str, Any]:
    """Serve the sandbox and crawl it with the real scraper into a fresh SQLite database."""
    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.scraper.crawl import CrawlConfig, crawl
    from carner.scraper.http import HttpConfig
    from carner.scraper.sandbox.generator import TitleMix
    from carner.scraper.sandbox.server import SandboxServer

    lay = Layout(Path(out))
    lay.db.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(lay.db) + suffix).unlink(missing_ok=True)
    shutil.rmtree(lay.raw, ignore_errors=True)
    lay.out.mkdir(parents=True, exist_ok=True)
    upgrade(lay.db_url)
    engine = make_engine(lay.db_url)
    mark_baseline()
    try:
        title_mix = TitleMix(**mix) if mix else None
        with SandboxServer(n_listings=n_listings, seed=seed, page_size=page_size, mix=title_mix) as site:
            cfg = CrawlConfig(
                query=SANDBOX_QUERY,
                max_pages=math.ceil(n_listings / page_size) + 1,
                base_url=site.base_url,
                http=HttpConfig(min_delay_s=0.0, max_retries=2),
            )
            t0 = time.perf_counter()
            result = crawl(cfg, session_factory(engine), lay.raw)
            seconds = time.perf_counter() - t0
        with session_factory(engine)() as session:
            listings_hash = _listings_hash(session)
    finally:
        engine.dispose()
    pages = result.pages_fetched + result.item_pages + result.description_pages
    return {
        "status": result.status,
        "listings": result.listings_stored,
        "pages": pages,
        "errors": result.errors,
        "crawl_seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 1) if seconds else None,
        "output_hash": listings_hash,
    }


def _listings_hash(session: Any) -> str:
    from carner.db.models import Listing
    from sqlalchemy import select

    rows = session.execute(
        select(Listing.item_id, Listing.title, Listing.specifics).order_by(Listing.item_id)
    )
    return json_hash([list(r) for r in rows])


def stage_annotate(
    out: str, n_listings: int, seed: int, mix: dict[str, float] | None = None
) -> dict[str, Any]:
    """Tasks, distant pre-annotation, and the generator's gold stored as the "simulated" annotator."""
    from carner.annotation.store import ensure_tasks, iter_annotated_texts, store_annotation, store_distant
    from carner.db.engine import open_session
    from carner.db.models import AnnotationTask, Listing
    from carner.scraper.sandbox.generator import TitleMix, generate_listings
    from carner.training.evaluate import score_spans
    from sqlalchemy import select

    lay = Layout(Path(out))
    mark_baseline()
    gold = {x.item_id: x for x in generate_listings(n_listings, seed, TitleMix(**mix) if mix else None)}
    counts = {"gold": 0, "text_mismatch": 0, "unknown": 0}
    with open_session(lay.db_url, migrate=False) as session:
        tasks = ensure_tasks(session, fields=("title",))
        distant = store_distant(session)
        rows = session.execute(
            select(AnnotationTask, Listing.item_id)
            .join(Listing, AnnotationTask.listing_id == Listing.id)
            .where(AnnotationTask.field == "title")
        )
        for task, item_id in rows:
            listing = gold.get(item_id)
            if listing is None:
                counts["unknown"] += 1
            elif listing.title != task.text:
                counts["text_mismatch"] += 1
            else:
                store_annotation(session, task, listing.title_spans, "simulated", annotator="generator-gold")
                counts["gold"] += 1
    with open_session(lay.db_url, migrate=False) as session:
        g = {r.listing_key: r for r in iter_annotated_texts(session, source="gold")}
        d = {r.listing_key: r for r in iter_annotated_texts(session, source="distant")}
    keys = sorted(set(g) & set(d))
    pre = score_spans([g[k].spans for k in keys], [d[k].spans for k in keys])
    return {
        "tasks": asdict(tasks),
        "distant_tasks": distant.tasks,
        "distant_spans": distant.spans,
        **counts,
        "preannotation": {
            "texts": len(keys),
            "micro": pre["micro"],
            "macro": pre["macro"],
            "per_label": pre["per_label"],
        },
        "output_hash": json_hash([[k, g[k].text, g[k].spans] for k in sorted(g)]),
    }


def stage_dataset(out: str, test_size: float, seed: int) -> dict[str, Any]:
    """The chain's dataset step (`training.chain.run_dataset`) on the gold titles."""
    from carner.training.chain import run_dataset

    lay = Layout(Path(out))
    mark_baseline()
    plan = TrainPlan(test_size=test_size, seed=seed)
    m = run_dataset(plan, lay.db_url, lay.data, source="gold", migrate=False)
    return {
        "train": m.counts["train"]["texts"],
        "test": m.counts["test"]["texts"],
        "labels": m.labels,
        "duplicates_dropped": m.duplicates_dropped,
        "alignment_train": {k: v for k, v in m.alignment["train"].items() if k != "examples"},
        "output_hash": m.dataset_id,
    }


def stage_real(models: dict[str, str], shared: str | None, de_limit: int | None) -> dict[str, Any]:
    from bench.real_titles import evaluate_models

    mark_baseline()
    return evaluate_models(models, shared, de_limit)


# ============================================================================ the runner
@dataclass
class StageSpec:
    name: str
    func: str
    kwargs: dict[str, Any]
    upstream: list[str]
    outputs: list[Path]
    shares_files_with: list[str] = field(default_factory=list)  # rerun when one of these ran now
    valid: Callable[[], bool] | None = None  # extra check that the outputs are what this stage wrote


class UnknownStage(ValueError):
    """`--redo` named a stage this plan does not have."""


class Runner:
    """Runs stages in order, skipping (with --resume) those whose inputs and outputs are unchanged."""

    def __init__(self, lay: Layout, resume: bool, isolate: bool, redo: frozenset[str] = frozenset()) -> None:
        self.lay, self.resume, self.isolate = lay, resume, isolate
        self.redo = redo  # stages to run again even when unchanged
        self.state: dict[str, Any] = {}
        if lay.manifest.is_file():
            self.state = json.loads(lay.manifest.read_text(encoding="utf-8"))
        if not resume:
            self.state = {}

    def input_hash(self, spec: StageSpec) -> str:
        ups = {u: self.state[u]["output_hash"] for u in spec.upstream}
        return json_hash(
            {
                "func": spec.func,
                "kwargs": {k: v for k, v in spec.kwargs.items() if k != "out"},
                "upstream": ups,
            }
        )

    def run(self, spec: StageSpec) -> dict[str, Any]:
        missing = [u for u in spec.upstream if u not in self.state]
        if missing:
            raise RuntimeError(f"stage {spec.name} needs {', '.join(missing)} first")
        ih = self.input_hash(spec)
        prev = self.state.get(spec.name)
        reran = [u for u in spec.shares_files_with if not self.state[u].get("skipped", True)]
        if (
            self.resume
            and spec.name not in self.redo
            and prev
            and prev.get("input_hash") == ih
            and not reran
            and all(p.exists() for p in spec.outputs)
            and (spec.valid is None or spec.valid())
        ):
            log.info("stage %s: unchanged, skipped (%.1f s when it ran)", spec.name, prev["seconds"])
            prev["skipped"] = True
            return prev
        log.info("stage %s: running", spec.name)
        run = run_stage(f"bench.models:{spec.func}", spec.kwargs, isolate=self.isolate)
        return self.record(spec.name, ih, run.result.get("output_hash", ih), run)

    def execute(self, step: Any, force: bool) -> dict[str, Any]:
        """`training.chain` executor: an unchanged step is skipped here; any other runs
        `training.chain.run_step` in a child process (its own wall time and peak RSS)."""
        force = force or step.name in self.redo or not self.resume
        prev = self.state.get(step.name)
        if not force and step.done():
            if prev is None or prev.get("output_hash") != step.key:
                prev = {"input_hash": step.key, "output_hash": step.key, "seconds": 0.0, "peak_rss_mb": None}
                prev.update({"isolated": self.isolate, "finished_at": None, "result": {}})
            prev["skipped"] = True
            self.state[step.name] = prev
            log.info("stage %s: unchanged, skipped", step.name)
            return {"name": step.name, "key": step.key, "out": step.out, "skipped": True, "seconds": 0.0}
        log.info("stage %s: running", step.name)
        run = run_stage(
            "carner.training.chain:run_step", {"step": asdict(step), "force": True}, isolate=self.isolate
        )
        self.record(step.name, step.key, step.key, run)
        return run.result

    def record(self, name: str, input_hash: str, output_hash: str, run: Any) -> dict[str, Any]:
        result = run.result.get("result", run.result) if "key" in run.result else run.result
        entry = {
            "input_hash": input_hash,
            "output_hash": output_hash,
            "seconds": round(run.seconds, 2),
            "peak_rss_mb": round(run.peak_rss_mb, 1),
            "base_rss_mb": round(run.base_rss_mb, 1) if run.base_rss_mb else None,
            "isolated": run.isolated,
            "skipped": False,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "result": result,
        }
        self.state[name] = entry
        self.save()
        log.info("stage %s: %.1f s, peak RSS %.0f MB", name, run.seconds, run.peak_rss_mb)
        return entry

    def save(self) -> None:
        from carner.training.artifacts import write_json_atomic

        write_json_atomic(
            self.lay.manifest,
            {k: {kk: vv for kk, vv in v.items() if kk != "skipped"} for k, v in self.state.items()},
        )


def data_stages(plan: Plan, lay: Layout) -> list[StageSpec]:
    """The chain's steps before training (`training.chain.DATA_STEPS`), the bench's way: sandbox crawl,
    simulated annotation, then the chain's own dataset step (`run_dataset`)."""
    from carner.training.chain import DATA_STEPS

    scrape, annotate, dataset = DATA_STEPS
    out = str(lay.out)
    return [
        StageSpec(
            scrape,
            "stage_scrape",
            {
                "out": out,
                "n_listings": plan.n_listings,
                "seed": plan.seed,
                "page_size": plan.page_size,
                "mix": plan.mix,
            },
            [],
            [lay.db, lay.raw],
        ),
        StageSpec(
            annotate,
            "stage_annotate",
            {"out": out, "n_listings": plan.n_listings, "seed": plan.seed, "mix": plan.mix},
            [scrape],
            [lay.db],
            shares_files_with=[scrape],
        ),
        StageSpec(
            dataset,
            "stage_dataset",
            {"out": out, "test_size": plan.test_size, "seed": plan.seed},
            [annotate],
            [lay.data / "dataset.json"],
        ),
    ]


# ============================================================================ tables
def build_tables(
    plan: Plan, models: dict[str, str], state: dict[str, Any]
) -> tuple[list[ResultTable], dict[str, Any]]:
    from carner.annotation.labels import order_labels
    from carner.training.metrics import read_metrics

    metrics = {kind: read_metrics(path).raw for kind, path in models.items()}
    ds = state.get("dataset", {}).get("result", {})
    n_test = {m.get("n_texts") for m in metrics.values()} - {None}
    tables: list[ResultTable] = []

    t1 = ResultTable(
        "Models: macro precision / recall / F1, size and CPU speed",
        [
            "Model",
            "Macro P",
            "Macro R",
            "Macro F1",
            "Micro F1",
            "Size (MB)",
            "Texts/s (batch 1)",
            "Texts/s (batch 64)",
            "Latency p50 (ms)",
        ],
    )
    for kind, m in metrics.items():
        sp, ma = m.get("speed") or {}, m.get("macro") or {}
        t1.add(
            kind,
            fmt(ma.get("precision")),
            fmt(ma.get("recall")),
            fmt(ma.get("f1")),
            fmt(m.get("f1")),
            fmt(m["size_bytes"] / 1e6 if m.get("size_bytes") else None, "{:.1f}"),
            fmt(sp.get("texts_per_s_batch1"), "{:,.0f}"),
            fmt(sp.get("texts_per_s_batch64"), "{:,.0f}"),
            fmt(sp.get("latency_ms_p50"), "{:.2f}"),
        )
    t1.note = (
        f"Entity-level exact match on the test split ({', '.join(map(str, sorted(n_test))) or '—'} texts; "
        f"{ds.get('train', '—')} train). Macro = mean over labels present. Speed: 1 process on the CPU "
        "after warm-up (training.evaluate)."
    )
    tables.append(t1)

    labels = order_labels({lab for m in metrics.values() for lab in (m.get("per_label") or {})})
    t2 = ResultTable("Models: precision / recall per label (P / R)", ["Model", *labels])
    for kind, m in metrics.items():
        pl = m.get("per_label") or {}
        t2.add(
            kind,
            *[
                f"{pl[lab]['precision']:.3f} / {pl[lab]['recall']:.3f}" if lab in pl else "—"
                for lab in labels
            ],
        )
    support = next(iter(metrics.values()), {}).get("per_label") or {}
    t2.note = "Test support: " + ", ".join(
        f"{lab} {support[lab]['support']}" for lab in labels if lab in support
    )
    tables.append(t2)

    ratios: dict[str, Any] = {}
    teacher, base = metrics.get("teacher"), metrics.get("baseline")
    if teacher:
        t3 = ResultTable(
            "Students against the teacher and the baseline",
            [
                "Student",
                "F1 / teacher F1 (macro)",
                "F1 / teacher F1 (micro)",
                "x smaller",
                "x faster (batch 1)",
                "x faster (batch 64)",
                "F1 − baseline F1 (macro, points)",
            ],
        )
        for kind in ("student-spacy", "student-soft"):
            m = metrics.get(kind)
            if not m:
                continue
            ts, ss = teacher.get("speed") or {}, m.get("speed") or {}
            r = {
                "f1_ratio_macro": ratio(_macro_f1(m), _macro_f1(teacher)),
                "f1_ratio_micro": ratio(m.get("f1"), teacher.get("f1")),
                "size_ratio": ratio(teacher.get("size_bytes"), m.get("size_bytes")),
                "speed_ratio_batch1": ratio(ss.get("texts_per_s_batch1"), ts.get("texts_per_s_batch1")),
                "speed_ratio_batch64": ratio(ss.get("texts_per_s_batch64"), ts.get("texts_per_s_batch64")),
                "f1_gap_baseline_points": _points(_macro_f1(m), _macro_f1(base)),
            }
            ratios[kind] = r
            t3.add(
                kind,
                fmt(r["f1_ratio_macro"]),
                fmt(r["f1_ratio_micro"]),
                fmt(r["size_ratio"], "{:.1f}"),
                fmt(r["speed_ratio_batch1"], "{:.1f}"),
                fmt(r["speed_ratio_batch64"], "{:.1f}"),
                fmt(r["f1_gap_baseline_points"], "{:+.1f}"),
            )
        t3.note = (
            "Goals: F1 ratio ≥ 0.98, ≥ 20x smaller, ≥ 20x faster on CPU, "
            "≥ +3 F1 points over the baseline."
        )
        tables.append(t3)

    t4 = ResultTable("Cost per stage", ["Stage", "Seconds", "Peak RSS (MB)", "What"])
    for name, e in state.items():
        t4.add(
            name,
            fmt(e["seconds"], "{:.1f}"),
            fmt(e["peak_rss_mb"], "{:,.0f}"),
            _what(name, e.get("result") or {}) + (" (reused)" if e.get("skipped") else ""),
        )
    total = sum(e["seconds"] for e in state.values() if not e.get("skipped"))
    t4.note = (
        f"Total of the stages run now: {total:.0f} s. Peak RSS is each stage's own child process "
        "(interpreter, libraries and data)."
        if all(e.get("isolated") for e in state.values())
        else f"Total of the stages run now: {total:.0f} s. Stages ran in one process: peak RSS is cumulative."
    )
    tables.append(t4)

    pre = state.get("annotate", {}).get("result", {}).get("preannotation")
    if pre:
        t5 = ResultTable(
            "Pre-annotation (distant, from the item specifics) against the generator's gold",
            ["Label", "Precision", "Recall", "Support"],
        )
        for lab in order_labels(set(pre["per_label"])):
            s = pre["per_label"][lab]
            t5.add(lab, fmt(s["precision"]), fmt(s["recall"]), str(s["support"]))
        t5.add("micro", fmt(pre["micro"]["precision"]), fmt(pre["micro"]["recall"]), "")
        t5.note = f"{pre['texts']} crawled titles; the models above train on the gold, not on these spans."
        tables.append(t5)

    real = state.get("real", {}).get("result")
    if real is not None:
        from bench.real_titles import gold_tables
        from bench.real_titles import table as real_table

        tables += [*gold_tables(real), real_table(real)]
    payload = {
        "plan": {**{k: v for k, v in asdict(plan).items() if k != "train"}, "train": plan.train.model_dump()},
        "models": models,
        "metrics": {k: _slim(m) for k, m in metrics.items()},
        "ratios": ratios,
        "stages": state,
        "real_titles": real,
    }
    return tables, payload


def _macro_f1(m: dict[str, Any] | None) -> float | None:
    return ((m or {}).get("macro") or {}).get("f1")


def _points(a: float | None, b: float | None) -> float | None:
    return 100 * (a - b) if a is not None and b is not None else None


def _slim(m: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "kind",
        "n_texts",
        "f1",
        "precision",
        "recall",
        "micro",
        "macro",
        "per_label",
        "size_bytes",
        "speed",
        "parameters",
    )
    return {k: m[k] for k in keep if k in m}


def _what(name: str, r: dict[str, Any]) -> str:
    if name == "scrape":
        return f"{r.get('listings')} listings, {r.get('pages')} pages ({r.get('pages_per_s')} pages/s)"
    if name == "annotate":
        return f"{r.get('gold')} gold titles, {r.get('distant_spans')} distant spans"
    if name == "dataset":
        return (
            f"{r.get('train')} train / {r.get('test')} test texts, {r.get('duplicates_dropped')} duplicates"
        )
    if name == "teacher":
        return (
            f"{r.get('n_train')} texts, {r.get('epochs_run')} epochs ({r.get('seconds_per_epoch')} s each), "
            f"{r.get('device')}"
        )
    if name == "augment":
        return f"{r.get('n_input')} → {r.get('n_written')} texts"
    if name == "label":
        resumed = r.get("chunks_skipped") or 0
        kept = f" ({resumed} of {r.get('chunks')} chunks kept from an interrupted run)" if resumed else ""
        return f"{r.get('n_texts')} texts, {r.get('texts_per_second')} texts/s{kept}"
    if name in ("baseline", "student-spacy"):
        return f"{r.get('steps')} steps, {r.get('epochs')} epochs"
    if name == "student-soft":
        return f"{r.get('steps')} steps, {r.get('epochs_run')} epochs"
    if name.startswith("eval:"):
        return f"macro F1 {r.get('macro_f1', 0):.3f}"
    if name == "real":
        return (
            f"{r.get('en_rows', 0)} EN + {r.get('de_rows', 0)} DE titles"
            if not r.get("skipped")
            else "skipped"
        )
    return ""


# ============================================================================ main
def run(
    plan: Plan,
    out: Path,
    *,
    resume: bool = False,
    isolate: bool = True,
    shared: Path | None = None,
    kinds: tuple[str, ...] = MODEL_KINDS,
    quiet: bool = False,
    redo: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run (or resume) every stage, write results.md/.json and the report; return the payload.

    `redo` names stages to run again although unchanged (e.g. after a code change: the stages hash
    their inputs, not carner's code); the stages downstream of a changed output follow by themselves.
    """
    from carner.training.chain import run_chain, wanted_steps
    from carner.training.report import write_report

    lay = Layout(out)
    lay.out.mkdir(parents=True, exist_ok=True)
    shared_dir = Path(shared) if shared is not None else SHARED_DIR
    info = machine()
    train = plan.train.model_copy(update={"kinds": [k for k in MODEL_KINDS if k in kinds]})
    pre = data_stages(plan, lay)
    known = [spec.name for spec in pre] + wanted_steps(train) + (["real"] if plan.real else [])
    unknown = sorted(set(redo) - set(known))
    if unknown:
        raise UnknownStage(f"--redo: unknown stages {unknown}; known: {', '.join(known)}")
    runner = Runner(lay, resume, isolate, frozenset(redo))
    started = time.perf_counter()
    for spec in pre:
        runner.run(spec)
    chain = run_chain(train, lay.data, lay.out, db_url=lay.db_url, execute=runner.execute)
    if plan.real:
        runner.run(
            StageSpec(
                "real",
                "stage_real",
                {"models": chain.models, "shared": str(shared_dir), "de_limit": plan.real_de_limit},
                list(chain.models),
                [Path(p) for p in chain.models.values()],
            )
        )
    wall = time.perf_counter() - started
    report = write_report(list(chain.models.values()), lay.out, plot=True)
    tables, payload = build_tables(plan, chain.models, runner.state)
    payload.update({"machine": info, "wall_seconds": round(wall, 1), "report": asdict(report)})
    preamble = (
        f"## carner bench: models at {plan.scale} scale\n\n{machine_line(info)} "
        f"Wall time {wall:.0f} s (sandbox of {plan.n_listings} listings, seed {plan.seed}).\n"
    )
    md, js = write_results(lay.out, "results", tables, payload, preamble)
    if not quiet:
        print_tables(tables)
        log.info("results: %s, %s; report: %s", md, js, report.markdown)
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(PLANS), default="demo")
    parser.add_argument(
        "--out", type=Path, default=None, help="work directory (default data/bench/models-SCALE)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip stages whose inputs and outputs are unchanged"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a plan field, e.g. --set n_listings=300 --set teacher_epochs=1",
    )
    parser.add_argument("--kinds", default=",".join(MODEL_KINDS), help="models to build (comma-separated)")
    parser.add_argument("--shared", type=Path, default=SHARED_DIR, help="../shared (real titles)")
    parser.add_argument(
        "--redo",
        default="",
        metavar="STAGE[,STAGE]",
        help="with --resume: run these stages again although unchanged (e.g. after a code change)",
    )
    parser.add_argument(
        "--inline",
        action="store_true",
        help="run stages in this process (faster start; peak RSS becomes cumulative)",
    )
    args = parser.parse_args(argv)
    setup_logging()
    plan = parse_set(PLANS[args.scale], args.set)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    unknown = set(kinds) - set(MODEL_KINDS)
    if unknown:
        parser.error(f"unknown model kinds {sorted(unknown)}; known: {', '.join(MODEL_KINDS)}")
    out = args.out or Path("data") / "bench" / f"models-{plan.scale}"
    redo = tuple(x.strip() for x in args.redo.split(",") if x.strip())
    try:
        run(
            plan, out, resume=args.resume, isolate=not args.inline, shared=args.shared, kinds=kinds, redo=redo
        )
    except UnknownStage as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
