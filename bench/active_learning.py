"""Simulated annotation rounds: does uncertainty sampling reach random sampling's F1 with fewer annotations?

    .venv/bin/python bench/active_learning.py [--pool 2000] [--test 1000] [--start 100] [--step 100]
        [--rounds 9] [--epochs 5] [--repeats 1] [--seed 0] [--measure entity|sequence]
        [--strategies random,uncertainty,disagreement] [--out DIR]

A pool of sandbox titles is loaded into an annotation database (one per strategy); the same `--start`
random titles get gold first. Each round the spaCy baseline is retrained on the gold titles (few
epochs) and scored on a held-out gold test set (titles never in the pool, normalised duplicates
removed), then `annotation.select.select_tasks` picks the next `--step` titles — `random`, or
`uncertainty` with the just-trained baseline's confidences, or `disagreement` between the baseline and
the pre-annotation from item specifics, or `balanced` (rare labels first, diverse batches) — and the
simulated annotator gives them their generator gold.
Reported: macro and micro F1 per round for every strategy, how many annotations each needed to
reach random's final F1 (the goal: <= 60% of random's), and the annotation effort: corrections per
test title (spans added + removed + changed) when pre-filled by the distant spans from item specifics
vs by the round's model.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ResultTable,
    fmt,
    machine,
    machine_line,
    print_tables,
    setup_logging,
    write_results,
)
from training.baseline import CONFIDENCE_MEASURES  # noqa: E402

log = logging.getLogger("bench.active_learning")

STRATEGIES = ("random", "uncertainty", "disagreement", "balanced")
GOAL = 0.60


def _pool_and_test(n_pool: int, n_test: int, seed: int) -> tuple[list[Any], list[Any]]:
    """Test listings first, then pool listings whose normalised title is not in the test set."""
    from scraper.sandbox.generator import generate_listings
    from training.dataset import normalise_text

    listings = generate_listings(n_pool + n_test + n_pool // 4, seed)
    test, seen = [], set()
    for x in listings[:n_test]:
        key = normalise_text(x.title)
        if key not in seen:
            seen.add(key)
            test.append(x)
    pool = []
    for x in listings[n_test:]:
        key = normalise_text(x.title)
        if key not in seen and len(pool) < n_pool:
            seen.add(key)
            pool.append(x)
    return pool, test


def _open_db(path: Path, pool: list[Any]) -> Any:
    from annotation.store import ensure_tasks, store_distant
    from db.engine import make_engine, session_factory, upgrade
    from db.models import Listing

    path.unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        for x in pool:
            session.add(
                Listing(
                    item_id=x.item_id, url=f"/itm/{x.item_id}", title=x.title, specifics=dict(x.specifics)
                )
            )
        session.flush()
        ensure_tasks(session, fields=("title",))
        store_distant(session, fields=("title",))  # pre-annotation from specifics: `disagreement`'s 2nd vote
    return engine


def _annotate(session: Any, tasks: list[Any], gold: dict[str, Any]) -> None:
    from annotation.store import store_annotation

    for task in tasks:
        store_annotation(
            session,
            task,
            gold[task.listing.item_id].title_spans,
            "simulated",
            annotator="simulated-annotator",
        )


def _gold_set(session: Any) -> tuple[list[str], list[list[Any]]]:
    from annotation.store import iter_annotated_texts

    recs = list(iter_annotated_texts(session, source="gold"))
    return [r.text for r in recs], [list(r.spans) for r in recs]


def _train_and_score(
    work: Path, texts: list[str], spans: list[list[Any]], test: list[Any], epochs: int, seed: int
) -> tuple[Any, dict[str, Any], float]:
    from training.baseline import SpacyTrainConfig, load_model, train_baseline
    from training.evaluate import evaluate_model
    from training.npy_io import save_npy_dataset

    data, model_dir = work / "data", work / "model"
    data.mkdir(parents=True, exist_ok=True)
    save_npy_dataset(data, (texts, spans), ([x.title for x in test], [list(x.title_spans) for x in test]))
    t0 = time.perf_counter()
    train_baseline(data, model_dir, SpacyTrainConfig(epochs=epochs, seed=seed), evaluate=False)
    seconds = time.perf_counter() - t0
    model = load_model(model_dir)
    m = evaluate_model(model, [x.title for x in test], [list(x.title_spans) for x in test], speed=False)
    return model, m, seconds


def effort(prefilled: list[list[Any]], test: list[Any]) -> dict[str, float]:
    """Mean corrections per test title (added, removed, changed, total) from `prefilled` to gold."""
    from annotation.simulate import Corrections, corrections

    total = Corrections()
    for spans, x in zip(prefilled, test, strict=True):
        total = total + corrections(spans, x.title_spans)
    n = max(1, len(test))
    return {
        "added": total.added / n,
        "removed": total.removed / n,
        "changed": total.changed / n,
        "total": total.total / n,
    }


def distant_prefill(test: list[Any]) -> list[list[Any]]:
    """What `carner annotate preannotate` would pre-fill: spans matched from the item specifics."""
    from annotation.preannotate import preannotate

    return [preannotate(x.title, dict(x.specifics)) for x in test]


class _Measured:
    """The baseline's confidence under a chosen measure, as `select_tasks` calls it (texts only)."""

    def __init__(self, model: Any, measure: str) -> None:
        self.model, self.measure = model, measure

    def confidence(self, texts: list[str]) -> list[float]:
        return self.model.confidence(texts, measure=self.measure)

    def predict(self, texts: list[str]) -> list[list[Any]]:
        return self.model.predict(texts)


def simulate(
    pool: list[Any],
    test: list[Any],
    out: Path,
    *,
    start: int,
    step: int,
    rounds: int,
    epochs: int,
    seed: int,
    measure: str = "entity",
    strategies: tuple[str, ...] = STRATEGIES,
) -> dict[str, list[dict[str, Any]]]:
    """Every strategy from the same first `start` titles; one row per round (annotations, F1, seconds)."""
    from sqlalchemy.orm import Session

    from annotation.select import candidate_tasks, select_tasks

    gold = {x.item_id: x for x in pool}
    distant_effort = effort(distant_prefill(test), test)
    empty_effort = effort([[] for _ in test], test)  # a listing without item specifics: all by hand
    curves: dict[str, list[dict[str, Any]]] = {}
    for strategy in strategies:
        work = out / f"seed{seed}-{strategy}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        engine = _open_db(work / "al.db", pool)
        rows: list[dict[str, Any]] = []
        try:
            with Session(engine) as session:
                first = candidate_tasks(session)
                random.Random(seed).shuffle(first)
                _annotate(session, first[:start], gold)
                session.commit()
                for r in range(rounds + 1):
                    texts, spans = _gold_set(session)
                    model, m, train_s = _train_and_score(work, texts, spans, test, epochs, seed)
                    row = {
                        "round": r,
                        "annotations": len(texts),
                        "macro_f1": m["macro"]["f1"],
                        "micro_f1": m["f1"],
                        "train_seconds": round(train_s, 2),
                        "per_label_f1": {k: v["f1"] for k, v in m["per_label"].items()},
                        "effort_model": effort(model.predict([x.title for x in test]), test),
                        "effort_distant": distant_effort,
                        "effort_empty": empty_effort,
                    }
                    if r < rounds:
                        t0 = time.perf_counter()
                        sel = select_tasks(
                            session,
                            strategy=strategy,
                            limit=step,
                            model=_Measured(model, measure) if strategy != "random" else None,
                            seed=seed + r + 1,
                        )
                        row["select_seconds"] = round(time.perf_counter() - t0, 2)
                        if sel.confidences:
                            row["mean_confidence_picked"] = sum(sel.confidences) / len(sel.confidences)
                        _annotate(session, sel.tasks, gold)
                        session.commit()
                    rows.append(row)
                    log.info(
                        "%s seed %d round %d: %d annotations, macro F1 %.4f, micro F1 %.4f, "
                        "corrections/text model %.2f vs distant %.2f",
                        strategy,
                        seed,
                        r,
                        row["annotations"],
                        row["macro_f1"],
                        row["micro_f1"],
                        row["effort_model"]["total"],
                        distant_effort["total"],
                    )
        finally:
            engine.dispose()
        curves[strategy] = rows
    return curves


def annotations_to_reach(curve: list[dict[str, Any]], target: float, key: str = "macro_f1") -> int | None:
    """The fewest annotations at which a curve reaches `target` (None: never within the rounds)."""
    return next((row["annotations"] for row in curve if row[key] >= target), None)


def summarise(
    curves: dict[str, list[dict[str, Any]]], strategy: str, key: str = "macro_f1"
) -> dict[str, Any]:
    """How many annotations `strategy` needs to reach random sampling's final `key` F1."""
    rand, other = curves["random"], curves[strategy]
    target = rand[-1][key]
    need = annotations_to_reach(other, target, key)
    final_n = rand[-1]["annotations"]
    share = need / final_n if need is not None else None
    return {
        "strategy": strategy,
        "metric": key,
        "random_final": target,
        "random_final_annotations": final_n,
        "strategy_final": other[-1][key],
        "annotations_to_reach": need,
        "share": share,
        "goal": GOAL,
        "goal_met": share is not None and share <= GOAL,
    }


def mean_curves(all_curves: list[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """Average F1 per round over repeats (annotation counts are the same in every repeat)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for strategy in all_curves[0]:
        rows = []
        for r, row in enumerate(all_curves[0][strategy]):
            group = [c[strategy][r] for c in all_curves]
            rows.append(
                {
                    "round": r,
                    "annotations": row["annotations"],
                    **{k: sum(g[k] for g in group) / len(group) for k in ("macro_f1", "micro_f1")},
                    **{
                        k: {
                            part: sum(g[k][part] for g in group) / len(group)
                            for part in ("added", "removed", "changed", "total")
                        }
                        for k in ("effort_model", "effort_distant", "effort_empty")
                        if all(k in g for g in group)
                    },
                }
            )
        out[strategy] = rows
    return out


def build_tables(
    curves: dict[str, list[dict[str, Any]]],
    summaries: list[dict[str, Any]],
    repeats: int,
    n_pool: int,
    n_test: int,
    epochs: int,
    measure: str = "entity",
    per_seed: dict[str, list[float | None]] | None = None,
) -> list[ResultTable]:
    strategies = list(curves)
    t1 = ResultTable(
        f"Active learning: baseline F1 per round, {' vs '.join(strategies)} sampling",
        ["Round", "Annotations"]
        + [f"{s.capitalize()} {k} F1" for k in ("macro", "micro") for s in strategies],
    )
    for r, row in enumerate(curves["random"]):
        t1.add(
            str(row["round"]),
            str(row["annotations"]),
            *[fmt(curves[s][r][f"{k}_f1"]) for k in ("macro", "micro") for s in strategies],
        )
    t1.note = (
        f"Pool {n_pool} sandbox titles, held-out gold test {n_test} titles; spaCy baseline retrained each "
        f"round for {epochs} epochs; mean of {repeats} repeat(s) (seeds); uncertainty = the baseline's "
        f"`{measure}` confidence; disagreement = baseline vs pre-annotation span F1, then confidence."
    )
    t2 = ResultTable(
        "Annotations each strategy needs to reach random sampling's final F1",
        [
            "Strategy",
            "Metric",
            "Random final F1",
            "at annotations",
            "Strategy reaches it at",
            "Share",
            f"Goal ≤ {GOAL:.0%}",
        ],
    )
    for s in summaries:
        t2.add(
            s["strategy"],
            s["metric"],
            fmt(s["random_final"]),
            str(s["random_final_annotations"]),
            str(s["annotations_to_reach"] or f"not within {s['random_final_annotations']}"),
            fmt(s["share"], "{:.0%}"),
            "met" if s["goal_met"] else "not met",
        )
    t2.note = "Measured at round granularity (every step annotations), so the share is an upper bound."
    if per_seed:
        t2.note += (
            " Macro share per seed: "
            + "; ".join(
                f"{s}: " + ", ".join(fmt(x, "{:.0%}") for x in shares) for s, shares in per_seed.items()
            )
            + "."
        )
    return [t1, t2, effort_table(curves)]


def effort_table(curves: dict[str, list[dict[str, Any]]]) -> ResultTable:
    """Corrections per test title, round by round: distant pre-fill vs each strategy's model."""
    strategies = list(curves)
    empty = "effort_empty" in curves["random"][0]
    table = ResultTable(
        "Annotation effort: corrections per text (spans added + removed + changed) to reach gold",
        ["Round", "Annotations"]
        + (["No pre-fill"] if empty else [])
        + ["Distant pre-fill (add/rem/chg)"]
        + [f"{s.capitalize()} model" for s in strategies],
    )
    for r, row in enumerate(curves["random"]):
        d = row.get("effort_distant")
        if d is None:
            continue
        table.add(
            str(row["round"]),
            str(row["annotations"]),
            *([f"{row['effort_empty']['total']:.2f}"] if empty else []),
            f"{d['total']:.2f} ({d['added']:.2f}/{d['removed']:.2f}/{d['changed']:.2f})",
            *[
                f"{m['total']:.2f} ({m['added']:.2f}/{m['removed']:.2f}/{m['changed']:.2f})"
                for m in (curves[s][r]["effort_model"] for s in strategies)
            ],
        )
    table.note = (
        "On the held-out test titles; the simulated annotator's gold is the generator's. "
        + ("No pre-fill: a listing without item specifics (every span by hand). " if empty else "")
        + "The distant pre-fill does not learn, the model's improves as annotations accumulate."
    )
    return table


def run(
    n_pool: int,
    n_test: int,
    out: Path,
    *,
    start: int = 100,
    step: int = 100,
    rounds: int = 9,
    epochs: int = 5,
    repeats: int = 1,
    seed: int = 0,
    measure: str = "entity",
    strategies: tuple[str, ...] = STRATEGIES,
    quiet: bool = False,
) -> dict[str, Any]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    started = time.perf_counter()
    all_curves = []
    for rep in range(repeats):
        pool, test = _pool_and_test(n_pool, n_test, seed + rep)
        if len(pool) < start + step * rounds:
            raise ValueError(
                f"pool of {len(pool)} titles is too small for {start} + {rounds} x {step} annotations"
            )
        all_curves.append(
            simulate(
                pool,
                test,
                out,
                start=start,
                step=step,
                rounds=rounds,
                epochs=epochs,
                seed=seed + rep,
                measure=measure,
                strategies=strategies,
            )
        )
    settings = {
        "pool": len(pool),
        "test": len(test),
        "start": start,
        "step": step,
        "rounds": rounds,
        "epochs": epochs,
        "repeats": repeats,
        "seed": seed,
        "seeds": [seed + rep for rep in range(repeats)],
        "measure": measure,
        "strategies": list(strategies),
    }
    return report(all_curves, settings, info, time.perf_counter() - started, out, quiet=quiet)


def report(
    all_curves: list[dict[str, list[dict[str, Any]]]],
    settings: dict[str, Any],
    info: dict[str, Any],
    wall: float,
    out: Path,
    quiet: bool = False,
) -> dict[str, Any]:
    """Mean curves, summaries against random (when random ran) and tables; written to `out`."""
    curves = all_curves[0] if len(all_curves) == 1 else mean_curves(all_curves)
    strategies = list(curves)
    others = [s for s in strategies if s != "random"]
    summaries, per_seed, tables = [], {}, []
    if "random" in curves:
        summaries = [summarise(curves, s, k) for s in others for k in ("macro_f1", "micro_f1")]
        per_seed = {s: [summarise(c, s, "macro_f1")["share"] for c in all_curves] for s in others}
        tables = build_tables(
            curves,
            summaries,
            len(all_curves),
            settings["pool"],
            settings["test"],
            settings["epochs"],
            settings["measure"],
            per_seed,
        )
    payload = {
        "machine": info,
        "settings": {**settings, "strategies": strategies},
        "curves": curves,
        "runs": all_curves,
        "summaries": summaries,
        "per_seed_macro_share": per_seed,
        "wall_seconds": round(wall, 1),
    }
    preamble = f"## carner bench: active learning\n\n{machine_line(info)} Wall time {wall:.0f} s.\n"
    write_results(out, "active_learning", tables, payload, preamble)
    if tables and not quiet:
        print_tables(tables)
    return payload


SAME_SETTINGS = ("start", "step", "rounds", "epochs", "measure")
"""What runs must share to be merged (pool and test sizes are per seed: duplicates are removed)."""


def merge(paths: list[Path], out: Path, quiet: bool = False) -> dict[str, Any]:
    """Combine runs made side by side (one process per seed and/or strategy) into one report.

    Each input is an `active_learning.json` (or its directory); runs of the same seed are joined
    strategy by strategy; every input must share the pool, test, round and training settings.
    """
    by_seed: dict[int, dict[str, list[dict[str, Any]]]] = {}
    sizes: dict[int, tuple[int, int]] = {}  # seed -> (pool, test)
    settings: dict[str, Any] | None = None
    info: dict[str, Any] = {}
    wall = 0.0
    for path in paths:
        file = path / "active_learning.json" if path.is_dir() else path
        data = json.loads(file.read_text(encoding="utf-8"))
        got = data["settings"]
        if settings is None:
            settings, info = dict(got), data.get("machine", {})
        bad = [k for k in SAME_SETTINGS if got.get(k) != settings.get(k)]
        if bad:
            raise ValueError(f"{file}: settings {', '.join(bad)} differ from {paths[0]}'s")
        seeds = got.get("seeds") or [got["seed"] + i for i in range(len(data["runs"]))]
        for seed, run_curves in zip(seeds, data["runs"], strict=True):
            if sizes.setdefault(seed, (got["pool"], got["test"])) != (got["pool"], got["test"]):
                raise ValueError(f"{file}: seed {seed} ran on another pool or test set than before")
            by_seed.setdefault(seed, {}).update(run_curves)
        wall = max(wall, float(data.get("wall_seconds", 0.0)))
    if settings is None:
        raise ValueError("nothing to merge")
    order = [s for s in STRATEGIES if all(s in c for c in by_seed.values())]
    all_curves = [{s: by_seed[seed][s] for s in order} for seed in sorted(by_seed)]
    pools, tests = sorted({p for p, _ in sizes.values()}), sorted({t for _, t in sizes.values()})
    settings.update(
        repeats=len(all_curves),
        seeds=sorted(by_seed),
        seed=min(by_seed),
        pool="–".join(map(str, (pools[0], pools[-1]) if len(pools) > 1 else pools)),
        test="–".join(map(str, (tests[0], tests[-1]) if len(tests) > 1 else tests)),
    )
    return report(all_curves, settings, info, wall, out, quiet=quiet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=2000, help="unlabelled sandbox titles to choose from")
    parser.add_argument("--test", type=int, default=1000, help="held-out gold test titles")
    parser.add_argument("--start", type=int, default=100, help="gold titles before the first round")
    parser.add_argument("--step", type=int, default=100, help="titles annotated per round")
    parser.add_argument("--rounds", type=int, default=9, help="selection rounds after the first training")
    parser.add_argument("--epochs", type=int, default=5, help="baseline epochs per round")
    parser.add_argument(
        "--repeats", type=int, default=1, help="repeat with seeds seed..seed+repeats-1, average"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--measure",
        choices=CONFIDENCE_MEASURES,
        default="entity",
        help="the baseline's confidence: least decided entity, or the best whole parse's probability",
    )
    parser.add_argument(
        "--strategies",
        default=",".join(STRATEGIES),
        help=f"comma-separated, random first (default: {','.join(STRATEGIES)})",
    )
    parser.add_argument("--out", type=Path, default=Path("data") / "bench" / "active_learning")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        help="report over earlier runs' active_learning.json files (or their directories) instead of "
        "running: e.g. one process per seed and strategy, run side by side",
    )
    args = parser.parse_args(argv)
    setup_logging()
    if args.merge:
        merge(args.merge, args.out)
        return 0
    strategies = tuple(x.strip() for x in args.strategies.split(",") if x.strip())
    unknown = sorted(set(strategies) - set(STRATEGIES))
    if unknown or not strategies or ("random" in strategies and strategies[0] != "random"):
        parser.error(
            f"--strategies: any of {', '.join(STRATEGIES)}, random first when given (got {args.strategies!r})"
        )
    run(
        args.pool,
        args.test,
        args.out,
        start=args.start,
        step=args.step,
        rounds=args.rounds,
        epochs=args.epochs,
        repeats=args.repeats,
        seed=args.seed,
        measure=args.measure,
        strategies=strategies,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
