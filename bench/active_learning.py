"""Simulated annotation rounds: does uncertainty sampling reach random sampling's F1 with fewer annotations?

    .venv/bin/python bench/active_learning.py [--pool 2000] [--test 1000] [--start 100] [--step 100]
        [--rounds 9] [--epochs 5] [--repeats 1] [--seed 0] [--measure entity|sequence]
        [--strategies random,uncertainty,disagreement] [--out DIR]

A pool of sandbox titles is loaded into an annotation database (one per strategy); the same `--start`
random titles get gold first. Each round the spaCy baseline is retrained on the gold titles (few
epochs) and scored on a held-out gold test set (titles never in the pool, normalised duplicates
removed), then `annotation.select.select_tasks` picks the next `--step` titles — `random`, or
`uncertainty` with the just-trained baseline's confidences, or `disagreement` between the baseline and
the pre-annotation from item specifics, or `balanced` (rare labels first, diverse batches), or
`committee` (query by bagging: the baseline and a second one trained on a bootstrap resample of the
same gold vote; not in the default set, it trains twice per round) — and the simulated annotator gives
them their generator gold.
Reported: macro and micro F1 per round for every strategy, how many annotations each needed to
reach random's final F1 (the goal: <= 60% of random's), and the annotation effort: corrections per
test title (spans added + removed + changed) when pre-filled by the distant spans from item specifics
vs by the round's model.
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carner.training.artifacts import read_json  # noqa: E402
from carner.training.baseline import CONFIDENCE_MEASURES  # noqa: E402

from bench.common import (  # noqa: E402
    ResultTable,
    chain_baseline,
    fmt,
    machine,
    machine_line,
    print_tables,
    setup_logging,
    write_results,
)

log = logging.getLogger("bench.active_learning")

STRATEGIES = ("random", "uncertainty", "disagreement", "balanced", "committee")
DEFAULT_STRATEGIES = ("random", "uncertainty", "disagreement", "balanced")  # committee trains 2x per round
GOAL = 0.60


RICH_MIX = {"characteristics": 8.0}
"""The label-rich test set's title mix: sellers name characteristics 8x as often as at the real rate
(as in `bench/models.py --scale research`), so every label has enough test spans to score."""
BAG_SEED_OFFSET = 20_000  # the committee's bootstrap resample and training seed: + seed * 100 + round
RICH_SEED_OFFSET = 10_000  # the label-rich test set's generator seed = seed + this (another stream)


def _pool_and_test(n_pool: int, n_test: int, seed: int) -> tuple[list[Any], list[Any], list[Any]]:
    """Test listings first, then pool listings whose normalised title is not in the test set; then a
    label-rich test set (`RICH_MIX`) of the same size whose titles are in neither.

    At the real rate a few hundred test titles hold about five gearboxes, colours and fuels each: one
    hit or miss moves that label's F1 by 0.2 and macro F1 by 0.02, which is noise. The pool keeps the
    real rate (the rare labels are what selection has to find); the label-rich set scores them.
    """
    from carner.scraper.sandbox.generator import TitleMix, generate_listings
    from carner.training.dataset import normalise_text

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
    rich = []
    for x in generate_listings(n_test + n_test // 4, seed + RICH_SEED_OFFSET, TitleMix(**RICH_MIX)):
        key = normalise_text(x.title)
        if key not in seen and len(rich) < n_test:
            seen.add(key)
            rich.append(x)
    return pool, test, rich


def _open_db(path: Path, pool: list[Any]) -> Any:
    from carner.annotation.store import ensure_tasks, store_distant
    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.db.models import Listing

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
    from carner.annotation.store import store_annotation

    for task in tasks:
        store_annotation(
            session,
            task,
            gold[task.listing.item_id].title_spans,
            "simulated",
            annotator="simulated-annotator",
        )


def _gold_set(session: Any) -> tuple[list[str], list[list[Any]]]:
    from carner.annotation.store import iter_annotated_texts

    recs = list(iter_annotated_texts(session, source="gold"))
    return [r.text for r in recs], [list(r.spans) for r in recs]


def _train_and_score(
    work: Path, texts: list[str], spans: list[list[Any]], test: list[Any], epochs: int, seed: int
) -> tuple[Any, dict[str, Any], float]:
    """Retrain the baseline from scratch on the gold so far (the training chain's baseline step); its
    metrics on `test` and training seconds."""
    from carner.training.baseline import load_model
    from carner.training.evaluate import evaluate_model
    from carner.training.npy_io import save_npy_dataset

    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    save_npy_dataset(data, (texts, spans), ([x.title for x in test], [list(x.title_spans) for x in test]))
    t0 = time.perf_counter()
    model_dir, _ = chain_baseline(data, work, epochs=epochs, seed=seed, evaluate=False)
    seconds = time.perf_counter() - t0
    model = load_model(model_dir)
    m = evaluate_model(model, [x.title for x in test], [list(x.title_spans) for x in test], speed=False)
    return model, m, seconds


def _bagged_member(
    work: Path, texts: list[str], spans: list[list[Any]], epochs: int, seed: int, measure: str
) -> _Measured:
    """The committee's second voter: the baseline retrained on a bootstrap resample of the gold
    (Abe & Mamitsuka 1998's query by bagging) with another seed."""
    from carner.training.baseline import load_model
    from carner.training.npy_io import save_npy_dataset

    rng = random.Random(seed)
    pick = [rng.randrange(len(texts)) for _ in texts]
    data = work / "bag-data"
    data.mkdir(parents=True, exist_ok=True)
    save_npy_dataset(data, ([texts[i] for i in pick], [spans[i] for i in pick]), ([], []))
    model_dir, _ = chain_baseline(data, work / "bag", epochs=epochs, seed=seed, evaluate=False)
    return _Measured(load_model(model_dir), measure)


def effort(prefilled: list[list[Any]], test: list[Any]) -> dict[str, float]:
    """Mean corrections per test title (added, removed, changed, total) from `prefilled` to gold."""
    from carner.annotation.simulate import Corrections, corrections

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
    from carner.annotation.preannotate import preannotate

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
    rich_test: list[Any] | None = None,
    start: int,
    step: int,
    rounds: int,
    epochs: int,
    seed: int,
    measure: str = "entity",
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES,
) -> dict[str, list[dict[str, Any]]]:
    """Every strategy from the same first `start` titles; one row per round (annotations, F1, seconds)."""
    from carner.annotation.select import Committee, candidate_tasks, select_tasks
    from carner.db.engine import session_factory

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
            with session_factory(engine)() as session:
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
                        **(_rich_scores(model, rich_test) if rich_test else {}),
                        "effort_model": effort(model.predict([x.title for x in test]), test),
                        "effort_distant": distant_effort,
                        "effort_empty": empty_effort,
                    }
                    if r < rounds:
                        t0 = time.perf_counter()
                        ranker: Any = _Measured(model, measure) if strategy != "random" else None
                        if strategy == "committee":
                            bag_seed = BAG_SEED_OFFSET + seed * 100 + r
                            ranker = Committee(
                                [ranker, _bagged_member(work, texts, spans, epochs, bag_seed, measure)]
                            )
                        sel = select_tasks(
                            session,
                            strategy=strategy,
                            limit=step,
                            model=ranker,
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


def _rich_scores(model: Any, rich_test: list[Any]) -> dict[str, Any]:
    """The round's model on the label-rich test set: `rich_` + the row's F1 keys."""
    from carner.training.evaluate import evaluate_model

    m = evaluate_model(
        model, [x.title for x in rich_test], [list(x.title_spans) for x in rich_test], speed=False
    )
    return {
        "rich_macro_f1": m["macro"]["f1"],
        "rich_micro_f1": m["f1"],
        "rich_per_label_f1": {k: v["f1"] for k, v in m["per_label"].items()},
    }


F1_KEYS = ("macro_f1", "micro_f1", "rich_macro_f1", "rich_micro_f1")
"""Curves' F1 columns: on the real-rate test set, and on the label-rich one (`rich_`)."""
F1_NAMES = {
    "macro_f1": "macro",
    "micro_f1": "micro",
    "rich_macro_f1": "macro, label-rich test",
    "rich_micro_f1": "micro, label-rich test",
}


def f1_keys(curves: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The F1 keys every row of every curve has (runs made before the label-rich set lack `rich_`)."""
    rows = [row for curve in curves.values() for row in curve]
    return [k for k in F1_KEYS if rows and all(k in row for row in rows)]


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
                    **{
                        k: sum(g[k] for g in group) / len(group)
                        for k in F1_KEYS
                        if all(k in g for g in group)
                    },
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
    settings: dict[str, Any],
    per_seed: dict[str, dict[str, list[float | None]]] | None = None,
) -> list[ResultTable]:
    strategies = list(curves)
    keys = f1_keys(curves)
    t1 = ResultTable(
        f"Active learning: baseline F1 per round, {' vs '.join(strategies)} sampling",
        ["Round", "Annotations"] + [f"{s.capitalize()} {F1_NAMES[k]} F1" for k in keys for s in strategies],
    )
    for r, row in enumerate(curves["random"]):
        t1.add(
            str(row["round"]),
            str(row["annotations"]),
            *[fmt(curves[s][r][k]) for k in keys for s in strategies],
        )
    rich = (
        f" and a label-rich test set of {settings['rich_test']} titles (characteristics "
        f"{settings.get('rich_mix', RICH_MIX).get('characteristics')}x as often; another generator seed)"
        if "rich_test" in settings and any(k.startswith("rich_") for k in keys)
        else ""
    )
    t1.note = (
        f"Pool {settings['pool']} sandbox titles (real sellers' rates), held-out gold test "
        f"{settings['test']} titles{rich}; spaCy baseline retrained each round for {settings['epochs']} "
        f"epochs; mean of {repeats} repeat(s) (seeds); uncertainty = the baseline's "
        f"`{settings['measure']}` confidence; disagreement = baseline vs pre-annotation span F1, then "
        "confidence."
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
            F1_NAMES.get(s["metric"], s["metric"]),
            fmt(s["random_final"]),
            str(s["random_final_annotations"]),
            str(s["annotations_to_reach"] or f"not within {s['random_final_annotations']}"),
            fmt(s["share"], "{:.0%}"),
            "met" if s["goal_met"] else "not met",
        )
    t2.note = "Measured at round granularity (every step annotations), so the share is an upper bound."
    for key, shares_by_strategy in (per_seed or {}).items():
        t2.note += (
            f" Share per seed ({F1_NAMES[key]}): "
            + "; ".join(
                f"{s}: " + ", ".join(fmt(x, "{:.0%}") for x in shares)
                for s, shares in shares_by_strategy.items()
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
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES,
    quiet: bool = False,
) -> dict[str, Any]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    started = time.perf_counter()
    all_curves = []
    for rep in range(repeats):
        pool, test, rich_test = _pool_and_test(n_pool, n_test, seed + rep)
        if len(pool) < start + step * rounds:
            raise ValueError(
                f"pool of {len(pool)} titles is too small for {start} + {rounds} x {step} annotations"
            )
        all_curves.append(
            simulate(
                pool,
                test,
                out,
                rich_test=rich_test,
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
        "rich_test": len(rich_test),
        "rich_mix": RICH_MIX,
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
        keys = f1_keys(curves)
        summaries = [summarise(curves, s, k) for s in others for k in keys]
        per_seed = {
            k: {s: [summarise(c, s, k)["share"] for c in all_curves] for s in others}
            for k in keys
            if "macro" in k
        }
        tables = build_tables(curves, summaries, len(all_curves), settings, per_seed)
    payload = {
        "machine": info,
        "settings": {**settings, "strategies": strategies},
        "curves": curves,
        "runs": all_curves,
        "summaries": summaries,
        "per_seed_macro_share": per_seed.get("macro_f1", {}),
        "per_seed_share": per_seed,
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
    rich_sizes: dict[int, int] = {}  # seed -> label-rich test size (runs before it have none)
    settings: dict[str, Any] | None = None
    info: dict[str, Any] = {}
    wall = 0.0
    for path in paths:
        file = path / "active_learning.json" if path.is_dir() else path
        try:
            data = read_json(file)  # names the file and line of invalid JSON
            got = data["settings"]
        except (OSError, ValueError, KeyError, TypeError) as exc:  # ValueError: bad JSON or encoding
            why = f"{type(exc).__name__}: {exc}"
            raise ValueError(f"{file}: not an active_learning.json run ({why})") from None
        if settings is None:
            settings, info = dict(got), data.get("machine", {})
        bad = [k for k in SAME_SETTINGS if got.get(k) != settings.get(k)]
        if bad:
            raise ValueError(f"{file}: settings {', '.join(bad)} differ from {paths[0]}'s")
        seeds = got.get("seeds") or [got["seed"] + i for i in range(len(data["runs"]))]
        for seed, run_curves in zip(seeds, data["runs"], strict=True):
            if sizes.setdefault(seed, (got["pool"], got["test"])) != (got["pool"], got["test"]):
                raise ValueError(f"{file}: seed {seed} ran on another pool or test set than before")
            if "rich_test" in got:
                rich_sizes[seed] = got["rich_test"]
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
        pool=_span(pools),
        test=_span(tests),
    )
    if rich_sizes:
        settings["rich_test"] = _span(sorted(set(rich_sizes.values())))
    return report(all_curves, settings, info, wall, out, quiet=quiet)


def _span(sizes: list[int]) -> str:
    """E.g. "784" or "781–790": the sizes merged runs had (duplicate removal varies them per seed)."""
    return "–".join(map(str, (sizes[0], sizes[-1]) if len(sizes) > 1 else sizes))


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
        default=",".join(DEFAULT_STRATEGIES),
        help=f"comma-separated, random first; any of {','.join(STRATEGIES)} "
        f"(default: {','.join(DEFAULT_STRATEGIES)})",
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
        try:
            merge(args.merge, args.out)
        except ValueError as exc:
            parser.error(f"--merge: {exc}")
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
