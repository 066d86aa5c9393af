"""Linking accuracy per field: records from spans against the truth their titles were written from.

    python bench/linking.py [--n 3000] [--seed 777] [--model DIR_OR_KIND | --train 2000] [--german CSV]
        [--out DIR]

1. Sandbox: `--n` listings from a generator seed no training run uses (default 777; the demo and the
   benches train on seeds 0-99), linked from the generator's gold title spans and, with `--model`,
   from that model's predicted spans (`--train N`: a spaCy baseline trained here first on N listings
   of generator seed 0, 12 epochs: the demo's scale); each record field is compared with the listing's item
   specifics (case, spaces and hyphens ignored). Accuracy counts a field over the listings whose
   specifics give it; "title" accuracy only over those whose title writes it (a gold span exists).
2. German Kleinanzeigen titles (the `brand` column; "sonstige_autos" = "other makes" left out): the
   canonical Make linked from the title's own words (no spans: `annotation.link.link(title, [])`), over
   all titles and over those that name the car (the brand's words, or all the words of the `model`
   column's value but "andere", "reihe", "klasse", "er", appear in the title; the columns only pick the
   rows, the linker never sees them).
Writes linking.md and linking.json in `--out` (default data/bench/linking).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carner.annotation.link import FIELDS, link  # noqa: E402
from carner.scraper.sandbox.generator import generate_listings  # noqa: E402

from bench.common import REPO_ROOT, SHARED_DIR  # noqa: E402
from carner.common.vpic import load, norm  # noqa: E402

_GERMAN = Path("data") / "car-titles" / "autos_ebay-kleinanzeigen_dataquest-sample.csv"
_SHARED = (SHARED_DIR, REPO_ROOT.parents[1] / "shared")  # beside the checkout, or beside a worktree folder
GERMAN_CSV = next((d / _GERMAN for d in _SHARED if (d / _GERMAN).is_file()), SHARED_DIR / _GERMAN)
# eBay's placeholders for "not one of the listed values": not a car's make or model.
PLACEHOLDERS = {"Other Makes", "Other"}
SCORED = ("Make", "Model", "Year", "Trim", "Body Type", "Drive Type", "Fuel Type", "Transmission")


def _same(field: str, got: str | None, want: str) -> bool:
    if got is None:
        return False
    if field == "Model":  # eBay's combined values ("MKZ/Zephyr") match either name
        return norm(got) == norm(want) or norm(got) in {norm(p) for p in want.split("/")}
    return norm(got) == norm(want)


def score_sandbox(n: int, seed: int, predict=None) -> dict[str, dict[str, float]]:
    """Per-field accuracy of records linked from gold spans (and from `predict`'s spans if given)."""
    listings = generate_listings(n, seed=seed)
    sources = {"gold spans": [x.title_spans for x in listings]}
    if predict is not None:
        sources["model spans"] = predict([x.title for x in listings])
    out: dict[str, dict[str, float]] = {}
    cat = load()
    for source, all_spans in sources.items():
        hits, totals, title_hits, title_totals = Counter(), Counter(), Counter(), Counter()
        misses: dict[str, list[str]] = {}
        for listing, spans in zip(listings, all_spans, strict=True):
            rec = link(listing.title, spans, cat)
            labels = {s[2] for s in listing.title_spans}
            for field in SCORED:
                want = listing.specifics.get(field)
                if not want or want in PLACEHOLDERS:
                    continue
                ok = _same(field, rec.specifics.get(field), want)
                totals[field] += 1
                hits[field] += ok
                if FIELDS[field] in labels:
                    title_totals[field] += 1
                    title_hits[field] += ok
                    if not ok and len(misses.setdefault(field, [])) < 8:
                        misses[field].append(f"{listing.title!r}: {rec.specifics.get(field)!r} != {want!r}")
        out[source] = {
            **{f"{f} (all)": hits[f] / totals[f] for f in SCORED if totals[f]},
            **{f"{f} (in title)": title_hits[f] / title_totals[f] for f in SCORED if title_totals[f]},
            "n": float(n),
        }
        out[source + " misses"] = misses  # type: ignore[assignment]
    return out


def score_german(path: Path) -> dict[str, object]:
    """Make accuracy from the title's words on the German titles (brand column as truth)."""
    cat = load()
    rows = list(csv.DictReader(path.open(encoding="latin-1", newline="")))
    hits = total = unlinked = named = named_hits = 0
    misses: Counter[str] = Counter()
    for row in rows:
        brand = row["brand"].replace("_", " ").strip()
        if not brand or brand == "sonstige autos":
            continue
        title = row["name"].replace("_", " ")
        rec = link(title, [], cat)
        got = rec.specifics.get("Make")
        total += 1
        if got is None:
            unlinked += 1
        want = cat.make(brand) or brand
        right = got is not None and norm(got) == norm(want)
        if _names_the_car(title, brand, row.get("model") or ""):
            named += 1
            named_hits += right
        if right:
            hits += 1
        elif len(misses) < 40:
            misses[f"{brand} <- {title[:60]!r} -> {got}"] += 1
    linked = total - unlinked
    return {
        "n": total, "make_accuracy": hits / total, "unlinked": unlinked,
        "make_precision_linked": hits / linked if linked else 0.0, "misses": list(misses),
        "named": named, "make_accuracy_named": named_hits / named if named else 0.0,
    }  # fmt: skip


_NOT_A_NAME = frozenset({"andere", "reihe", "klasse", "er"})


def _names_the_car(title: str, brand: str, model: str) -> bool:
    """Whether a title names its car: the brand's words, or every word of the model value, are in it."""
    words = {w.casefold() for w in re.findall(r"[^\W_]+", title)}
    brand_words = set(re.findall(r"[^\W_]+", brand.casefold()))
    model_words = set(re.findall(r"[^\W_]+", model.replace("_", " ").casefold())) - _NOT_A_NAME
    glued = norm(brand) in norm(title)  # "Peugeot206"
    return bool(brand_words & words) or bool(model_words and model_words <= words) or glued


def _train_baseline(n: int, root: Path) -> Path:
    """A demo-scale spaCy baseline on generator seed 0 (9:1 train/test), for model-predicted spans."""
    from carner.training.npy_io import save_npy_dataset

    from bench.common import chain_baseline

    listings = generate_listings(n, seed=0)
    rows = [(x.title, [list(s) for s in x.title_spans]) for x in listings]
    cut = n * 9 // 10
    train, test = rows[:cut], rows[cut:]
    save_npy_dataset(
        root / "data",
        ([t for t, _ in train], [s for _, s in train]),
        ([t for t, _ in test], [s for _, s in test]),
    )
    model, metrics = chain_baseline(root / "data", root, epochs=12, seed=0)
    print(f"baseline: {cut} titles, test macro F1 {metrics['macro']['f1']:.4f}")
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--model", default=None, help="also link this model's predicted spans")
    parser.add_argument("--train", type=int, default=0, help="train a baseline on N seed-0 listings first")
    parser.add_argument("--german", type=Path, default=GERMAN_CSV)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "bench" / "linking")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    predict = None
    if args.train:
        args.model = str(_train_baseline(args.train, args.out / "baseline"))
    if args.model:
        from carner.api import load_model

        predict = load_model(args.model).predict
    result: dict[str, object] = {"sandbox": score_sandbox(args.n, args.seed, predict)}
    if args.german.is_file():
        result["german"] = score_german(args.german)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["catalogue"] = load().source
    lines = ["| source | " + " | ".join(SCORED) + " |", "|---" * (len(SCORED) + 1) + "|"]
    for source, scores in result["sandbox"].items():  # type: ignore[union-attr]
        if source.endswith("misses"):
            continue
        for scope in ("in title", "all"):
            cells = [f"{scores[f'{f} ({scope})']:.4f}" if f"{f} ({scope})" in scores else "—" for f in SCORED]
            lines.append(f"| sandbox, {source}, {scope} | " + " | ".join(cells) + " |")
    if "german" in result:
        g = result["german"]
        rest = " — |" * 7
        linked = g["n"] - g["unlinked"]
        lines.append(f"| German titles, title words, all (n={g['n']}) | {g['make_accuracy']:.4f} |{rest}")
        precision = g["make_precision_linked"]
        lines.append(f"| German titles, title words, linked (n={linked}) | {precision:.4f} |{rest}")
        named = g["make_accuracy_named"]
        lines.append(f"| German titles, title words, naming the car (n={g['named']}) | {named:.4f} |{rest}")
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "linking.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    (args.out / "linking.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"{result['seconds']} s; wrote {args.out}/linking.md, linking.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
