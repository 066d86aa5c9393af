"""How cost grows with input: time and peak memory of five stages at 1x, 5x and 25x, with the fitted exponent.

    .venv/bin/python bench/scaling.py [--base 200] [--sizes 1,5,25] [--n-iter 10] [--out DIR] [--no-crawl]
        [--inline]

Stages, each measured in its own child process (time and RSS of the stage's own work, after its imports):
  crawl          `scraper.crawl` against the sandbox over local HTTP into a fresh database: fetch, parse,
                 store raw pages, upsert, and the crawl state committed with every listing
  parse+ingest   `scraper.reparse`: stored raw item + description pages -> parse -> upsert into SQLite
                 (the pages are rendered by the sandbox and written to the raw store first, untimed)
  export         `training.dataset.build_dataset_from_db`: gold titles -> npy files + DocBins
  augment        the training chain's augment step: the train split x (n_iter + 1), streamed to JSONL
  label          the training chain's label step with a TINY BERT teacher (2 layers, hidden 64, its own
                 small WordPiece vocabulary; 1 epoch on the 1x train split): labelling cost grows with
                 the number of texts, not with the teacher's quality, and the real MiniLM would spend
                 ~15 min of this shared CPU on 25x. Its absolute speed is NOT the MiniLM's.
Sizes are listings (1x = --base); augment and label inputs grow with them. The growth exponent is the
least-squares slope of log(cost) on log(size): 1 = linear; a note flags exponents outside 0.85-1.15.
Memory: "working MB" = peak RSS during the stage minus RSS at its start (sampled every 10 ms).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    PeakSampler,
    ResultTable,
    fmt,
    loglog_slope,
    machine,
    machine_line,
    print_tables,
    run_stage,
    setup_logging,
    write_results,
)

log = logging.getLogger("bench.scaling")

STEPS = ("crawl", "parse+ingest", "export", "augment", "label")
LINEAR_BAND = (0.85, 1.15)
MIN_MEMORY_MB = 20.0


def _db_url(work: Path) -> str:
    return f"sqlite:///{(work / 'carner.db').resolve()}"


# ============================================================================ steps (run in children)
def prepare_raw(work: str, n_listings: int, seed: int) -> dict[str, Any]:
    """Untimed setup: a fresh database and the raw item + description pages of `n` sandbox listings."""
    from datetime import UTC, datetime

    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.db.repository import add_raw_page
    from carner.scraper.rawstore import RawStore
    from carner.scraper.sandbox import render
    from carner.scraper.sandbox.generator import generate_listings

    w = Path(work)
    shutil.rmtree(w, ignore_errors=True)
    w.mkdir(parents=True)
    upgrade(_db_url(w))
    engine = make_engine(_db_url(w))
    store = RawStore(w / "raw")
    base = "http://sandbox.invalid"
    now = datetime.now(UTC)
    n_bytes = 0
    try:
        with session_factory(engine).begin() as session:
            for listing in generate_listings(n_listings, seed):
                for kind, url, html in (
                    ("item", f"{base}/itm/{listing.item_id}", render.item_page(listing, base_url=base)),
                    ("description", f"{base}/itm/{listing.item_id}/desc", render.description_page(listing)),
                ):
                    data = html.encode("utf-8")
                    n_bytes += len(data)
                    stored = store.put(data)
                    add_raw_page(
                        session,
                        url=url,
                        kind=kind,
                        item_id=listing.item_id,
                        status=200,
                        fetched_at=now,
                        content_hash=stored.content_hash,
                        path=stored.path,
                        size=stored.size,
                    )
    finally:
        engine.dispose()
    return {"pages": 2 * n_listings, "html_mb": round(n_bytes / 1e6, 1)}


def step_crawl(work: str, n_listings: int, seed: int) -> dict[str, Any]:
    """The real crawler against the sandbox over local HTTP into a fresh database."""
    import math

    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.scraper.crawl import CrawlConfig, crawl
    from carner.scraper.http import HttpConfig
    from carner.scraper.sandbox.server import SandboxServer

    w = Path(work) / "crawl"
    shutil.rmtree(w, ignore_errors=True)
    w.mkdir(parents=True)
    upgrade(_db_url(w))
    engine = make_engine(_db_url(w))
    page_size = 120
    try:
        with SandboxServer(n_listings=n_listings, seed=seed, page_size=page_size) as site:
            cfg = CrawlConfig(
                query="cars",
                max_pages=math.ceil(n_listings / page_size) + 1,
                base_url=site.base_url,
                http=HttpConfig(min_delay_s=0.0, max_retries=2),
            )
            with PeakSampler() as m:
                r = crawl(cfg, session_factory(engine), w / "raw")
    finally:
        engine.dispose()
    shutil.rmtree(w, ignore_errors=True)
    return {
        **m.as_dict(),
        "items": r.pages_fetched + r.item_pages + r.description_pages,
        "unit": "pages",
        "listings": r.listings_stored,
        "status": r.status,
    }


def step_ingest(work: str) -> dict[str, Any]:
    from carner.db.engine import make_engine, session_factory
    from carner.scraper.reparse import reparse

    w = Path(work)
    engine = make_engine(_db_url(w))
    try:
        with PeakSampler() as m:
            r = reparse(session_factory(engine), w / "raw")
    finally:
        engine.dispose()
    return {
        **m.as_dict(),
        "items": r.item_pages + r.description_pages,
        "unit": "pages",
        "listings": r.listings_new + r.listings_updated + r.listings_unchanged,
        "errors": len(r.errors),
    }


def step_export(work: str, n_listings: int, seed: int) -> dict[str, Any]:
    """Gold annotations are stored first (untimed); then the export is measured."""
    from carner.annotation.store import ensure_tasks, store_annotation
    from carner.db.engine import make_engine, session_factory
    from carner.db.models import AnnotationTask, Listing
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.dataset import DatasetConfig, build_dataset_from_db
    from carner.training.spacy_docs import blank_nlp
    from sqlalchemy import select

    w = Path(work)
    gold = {x.item_id: x for x in generate_listings(n_listings, seed)}
    engine = make_engine(_db_url(w))
    try:
        with session_factory(engine).begin() as session:
            ensure_tasks(session, fields=("title",))
            for task, item_id in session.execute(
                select(AnnotationTask, Listing.item_id).join(Listing, AnnotationTask.listing_id == Listing.id)
            ):
                if gold[item_id].title == task.text:
                    store_annotation(session, task, gold[item_id].title_spans, "simulated")
        blank_nlp()  # spaCy's import and first tokenizer build are start-up, not export cost
        with session_factory(engine)() as session, PeakSampler() as m:
            manifest = build_dataset_from_db(session, w / "data", DatasetConfig(seed=seed))
    finally:
        engine.dispose()
    return {
        **m.as_dict(),
        "items": manifest.input_records,
        "unit": "texts",
        "train": manifest.counts["train"]["texts"],
        "test": manifest.counts["test"]["texts"],
    }


def _fresh_step(w: Path, plan: Any, name: str, given: dict[str, Path] | None = None) -> None:
    """Remove the chain step's previous output, so its cost is measured from scratch."""
    from carner.training.chain import bind

    for step in bind(plan, w / "data", w, [name], given=given):
        if step.name == name:
            shutil.rmtree(step.out, ignore_errors=True)


def _plan(n_iter: int, seed: int, batch_size: int = 64) -> Any:
    """The plan variant both measured steps run (the chain's augment and label steps)."""
    from carner.training.plan import TrainPlan

    return TrainPlan(augment_n_iter=n_iter, seed=seed, label_batch_size=batch_size)


def step_augment(work: str, n_iter: int, seed: int) -> dict[str, Any]:
    """The chain's augment step on the train split."""
    from carner.training.chain import run_chain

    w, plan = Path(work), _plan(n_iter, seed)
    _fresh_step(w, plan, "augment")
    with PeakSampler() as m:
        r = run_chain(plan, w / "data", w, only=["augment"]).steps["augment"].result
    return {**m.as_dict(), "items": r["n_input"], "unit": "train texts", "written": r["n_written"]}


def make_tiny_teacher(work: str, teacher_dir: str, seed: int) -> dict[str, Any]:
    """A tiny BERT (tests/support/tiny_bert.py) fine-tuned 1 epoch on the 1x train split."""
    from carner.training.npy_io import load_npy_dataset
    from carner.training.teacher import TeacherConfig, train_teacher

    from tests.support.tiny_bert import build_tiny_bert, quiet_transformers

    quiet_transformers()
    ds = load_npy_dataset(Path(work) / "data")
    bert = build_tiny_bert(ds.train_texts, Path(teacher_dir).with_name("tiny-bert"), seed=seed)
    m = train_teacher(
        TeacherConfig(bert=str(bert), epochs=1, seed=seed, progress=False),
        ds.train_texts,
        ds.train_spans,
        ds.labels,
        Path(teacher_dir),
    )
    return {"seconds": m.seconds, "size_bytes": m.size_bytes}


def step_label(work: str, teacher_dir: str, batch_size: int, n_iter: int, seed: int) -> dict[str, Any]:
    """The chain's label step on the augment step's output, with the tiny teacher given."""
    from carner.training.chain import run_chain
    from carner.training.teacher import TeacherModel

    w, plan = Path(work), _plan(n_iter, seed, batch_size)
    given = {"teacher": Path(teacher_dir)}
    TeacherModel(Path(teacher_dir)).predict(["warm up 2015 Toyota Camry"])  # imports are start-up cost
    _fresh_step(w, plan, "label", given)
    with PeakSampler() as m:
        r = run_chain(plan, w / "data", w, only=["label"], given=given).steps["label"].result
    return {**m.as_dict(), "items": r["n_texts"], "unit": "texts", "texts_per_s": r["texts_per_second"]}


# ============================================================================ runner
def run(
    base: int,
    sizes: list[int],
    out: Path,
    *,
    n_iter: int = 10,
    seed: int = 0,
    batch_size: int = 64,
    crawl: bool = True,
    isolate: bool = True,
    quiet: bool = False,
) -> dict[str, Any]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    teacher_dir = out / "tiny-teacher"
    results: dict[str, dict[int, dict[str, Any]]] = {s: {} for s in STEPS}
    for mult in sizes:
        n = base * mult
        work = str(out / f"x{mult}")
        log.info("scaling: %dx = %d listings", mult, n)
        t0 = time.perf_counter()
        prep = run_stage(
            "bench.scaling:prepare_raw", {"work": work, "n_listings": n, "seed": seed}, isolate=isolate
        ).result
        log.info(
            "prepared %d raw pages (%.1f MB of HTML) in %.1f s",
            prep["pages"],
            prep["html_mb"],
            time.perf_counter() - t0,
        )
        if crawl:
            results["crawl"][mult] = _step(
                "step_crawl", {"work": work, "n_listings": n, "seed": seed}, isolate
            )
        results["parse+ingest"][mult] = _step("step_ingest", {"work": work}, isolate)
        results["export"][mult] = _step("step_export", {"work": work, "n_listings": n, "seed": seed}, isolate)
        results["augment"][mult] = _step(
            "step_augment", {"work": work, "n_iter": n_iter, "seed": seed}, isolate
        )
        if not (teacher_dir / "metrics.json").is_file():
            run_stage(
                "bench.scaling:make_tiny_teacher",
                {"work": work, "teacher_dir": str(teacher_dir), "seed": seed},
                isolate=isolate,
            )
        results["label"][mult] = _step(
            "step_label",
            {
                "work": work,
                "teacher_dir": str(teacher_dir),
                "batch_size": batch_size,
                "n_iter": n_iter,
                "seed": seed,
            },
            isolate,
        )
    tables, payload = build_tables(results, sizes, base, n_iter)
    payload.update({"machine": info, "base_listings": base, "sizes": sizes, "n_iter": n_iter})
    preamble = (
        f"## carner bench: scaling (1x = {base} listings)\n\n{machine_line(info)} "
        "Label = a tiny BERT teacher (2 layers, hidden 64), not the MiniLM.\n"
    )
    write_results(out, "scaling", tables, payload, preamble)
    if not quiet:
        print_tables(tables)
    return payload


def _step(func: str, kwargs: dict[str, Any], isolate: bool) -> dict[str, Any]:
    r = run_stage(f"bench.scaling:{func}", kwargs, isolate=isolate)
    log.info(
        "%s %s: %.2f s, working %.0f MB",
        func,
        json.dumps(kwargs.get("work")),
        r.result["seconds"],
        r.result["working_mb"],
    )
    return {**r.result, "child_peak_rss_mb": round(r.peak_rss_mb, 1)}


def build_tables(
    results: dict[str, dict[int, dict[str, Any]]], sizes: list[int], base: int, n_iter: int
) -> tuple[list[ResultTable], dict[str, Any]]:
    head = ["Stage"]
    for mult in sizes:
        head += [f"{mult}x s", f"{mult}x MB"]
    t = ResultTable(
        "Cost growth: seconds and working memory (MB) per input size",
        [*head, "Time exponent", "Memory exponent", "Throughput at largest"],
    )
    fits: dict[str, Any] = {}
    notes = []
    for step in STEPS:
        per = results[step]
        if not per:
            continue
        xs = [per[m]["items"] for m in sizes]
        secs = [per[m]["seconds"] for m in sizes]
        mems = [per[m]["working_mb"] for m in sizes]
        k_t = loglog_slope(xs, secs)
        # below ~20 MB the working memory is within allocator and sampling noise: no exponent
        k_m = loglog_slope(xs, mems) if max(mems) >= MIN_MEMORY_MB else None
        fits[step] = {
            "items": xs,
            "seconds": secs,
            "working_mb": mems,
            "time_exponent": k_t,
            "memory_exponent": k_m,
            "peak_rss_mb": [per[m]["peak_rss_mb"] for m in sizes],
        }
        cells = []
        for m in sizes:
            cells += [fmt(per[m]["seconds"], "{:.2f}"), fmt(per[m]["working_mb"], "{:.0f}")]
        last = sizes[-1]
        thr = per[last]["items"] / per[last]["seconds"] if per[last]["seconds"] else None
        t.add(
            step,
            *cells,
            fmt(k_t, "{:.2f}"),
            fmt(k_m, "{:.2f}"),
            f"{fmt(thr, '{:,.0f}')} {per[last]['unit']}/s",
        )
        lo, hi = LINEAR_BAND
        if k_t is not None and not lo <= k_t <= hi:
            notes.append(f"{step}: time grows as n^{k_t:.2f} ({'super' if k_t > hi else 'sub'}-linear)")
        if k_m is not None and not lo <= k_m <= hi:
            notes.append(f"{step}: working memory grows as n^{k_m:.2f}")
    inputs = ", ".join(
        f"{s}: " + "/".join(str(results[s][m]["items"]) for m in sizes) + f" {results[s][sizes[0]]['unit']}"
        for s in STEPS
        if results[s]
    )
    t.note = (
        f"Inputs per size ({'/'.join(f'{m}x' for m in sizes)}; 1x = {base} listings, augmentation "
        f"x{n_iter + 1}): {inputs}. Exponent = log-log slope (1 = linear); "
        f"no memory exponent where the working memory stays under {MIN_MEMORY_MB:.0f} MB. "
        + ("Not linear: " + "; ".join(notes) + "." if notes else "All within 0.85-1.15 (linear).")
    )
    return [t], {
        "results": {s: {str(m): v for m, v in per.items()} for s, per in results.items()},
        "fits": fits,
        "not_linear": notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=200, help="listings at 1x")
    parser.add_argument("--sizes", default="1,5,25", help="multipliers of --base")
    parser.add_argument("--n-iter", type=int, default=10, help="augmented variants per train text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("data") / "bench" / "scaling")
    parser.add_argument("--no-crawl", action="store_true", help="skip the crawl (HTTP) measurement")
    parser.add_argument("--inline", action="store_true", help="run steps in this process (memory less clean)")
    args = parser.parse_args(argv)
    setup_logging()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    run(
        args.base,
        sizes,
        args.out,
        n_iter=args.n_iter,
        seed=args.seed,
        crawl=not args.no_crawl,
        isolate=not args.inline,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
