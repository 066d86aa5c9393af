"""How close are the sandbox's generated titles to real eBay Motors titles, and does a model trained
only on sandbox titles read real ones?

Realism (always): for the real CSV (../shared/data/car-titles/ebay_motors_sedans_info.csv, column
"Car Model") and for N generated titles, the share of each title form, mean length in words, the share
with a shouted (all-caps) word, the catalogue's (make, model) coverage, then the share of titles that
carry each seller's form of `bench.realism.FORMS` ("4dr Sedan", "xDrive", "62k mi", ...):
the generator's `TitleMix` is tuned so that the sandbox column follows the real one.

Transfer (`--transfer N`): trains the spaCy baseline on N sandbox listings' titles (or scores an
existing model, `--model DIR`) and scores it on the real titles: silver MAKE/YEAR exact accuracy
(`annotation.check.read_sedan_titles`: the make and year eBay's title structure gives), and with
`--gold FILE` (hand-checked spans by row and text hash, JSON Lines: a `{"header": ...}` line, then
`{"row": N, "text_sha256": ..., "label": [[start, end, LABEL], ...]}`) exact-span P/R/F1 per label.

    .venv/bin/python bench/sandbox_realism.py [--n 5000] [--seed 0] [--csv PATH]
        [--transfer 2000 --epochs 10 | --model DIR] [--gold FILE] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carner.annotation.real_gold import RealGoldError, load_real_gold  # noqa: E402
from carner.scraper.sandbox.catalogue import ALL_MODELS, MAKES  # noqa: E402
from carner.scraper.sandbox.generator import generate_listings  # noqa: E402

from bench import realism  # noqa: E402

DEFAULT_CSV = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "car-titles"
    / "ebay_motors_sedans_info.csv"
)


GoldFileError = RealGoldError  # a gold file that does not fit the CSV, or is not well formed


# ------------------------------------------------------------------------------------------ realism
def _row(name: str, titles: list[str]) -> list[str]:
    shares = realism.form_shares(titles)
    cov = realism.coverage(titles)
    return [
        name,
        str(len(titles)),
        f"{shares['year']:.1%}",
        f"{shares['structured']:.1%}",
        f"{shares['other']:.1%}",
        f"{realism.mean_words(titles):.2f}",
        f"{realism.upper_word_share(titles):.1%}",
        f"{cov['make']:.1%}",
        f"{cov['make_model']:.1%}",
    ]


def _print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(rows[0], widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def form_table(real: list[str], generated: list[str]) -> tuple[list[list[str]], float]:
    """Rows "form | real | sandbox | example" and the mean absolute gap between the two shares."""
    fr, fg = realism.form_frequencies(real), realism.form_frequencies(generated)
    rows = [["form", "real", "sandbox", "what"]]
    for name, (what, _, _) in realism.FORMS.items():
        rows.append([name, f"{fr[name]:.1%}", f"{fg[name]:.1%}", what])
    gap = sum(abs(fr[k] - fg[k]) for k in fr) / max(1, len(fr))
    return rows, gap


def print_realism(real: list[str], generated: list[str], seed: int, seconds: float) -> None:
    header = ["titles", "n", "YYYY Make Model", "Make: Model", "other", "words", "ALLCAPS", "make known",
              "make+model known"]  # fmt: skip
    print(
        f"catalogue: {len(MAKES)} makes, {len(ALL_MODELS)} models; "
        f"generated {len(generated)} in {seconds:.2f} s"
    )
    _print_table([header, _row("real", real), _row(f"sandbox seed={seed}", generated)])
    rows, gap = form_table(real, generated)
    print(f"\nsellers' forms (share of titles carrying each; mean absolute gap {gap:.2%}):")
    _print_table(rows)
    missing = realism.unknown_pairs(real)
    if missing:
        print("\nreal make | model starts the catalogue does not recognise:")
        for pair, count in missing.most_common(20):
            print(f"  {count:3d}  {pair}")


# ------------------------------------------------------------------------------------------ transfer
def read_gold(gold_path: Path, csv_path: Path) -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    """Texts and gold spans of a gold file joined with the CSV by row (`annotation.real_gold`, which
    checks every text hash and span)."""
    gold = load_real_gold(csv_path, gold_path)
    return [g.text for g in gold], [list(g.spans) for g in gold]


def train_on_sandbox(n: int, seed: int, epochs: int, work: Path) -> Path:
    """The spaCy baseline trained on n sandbox listings' titles (90 % train); returns its directory."""
    from carner.training.dataset import build_dataset, records_from_listings

    from bench.common import chain_baseline

    build_dataset(records_from_listings(generate_listings(n, seed=seed)), work / "data", 0.1, seed)
    t0 = time.perf_counter()
    model, metrics = chain_baseline(work / "data", work, epochs=epochs, seed=seed)
    micro = metrics["micro"]["f1"] if metrics else float("nan")
    print(
        f"trained on {n} sandbox listings, {epochs} epochs in {time.perf_counter() - t0:.0f} s; "
        f"sandbox test micro F1 {micro:.3f}"
    )
    return model


def silver_scores(predict: Any, csv_path: Path) -> dict[str, Any]:
    """Exact MAKE/YEAR accuracy on the silver gold of the real titles (share of rows whose span is found)."""
    from carner.annotation.check import read_sedan_titles

    rows, skipped = read_sedan_titles(csv_path)
    predicted = predict([r.title for r in rows])
    make_ok = sum(r.make_span in [tuple(s) for s in p] for r, p in zip(rows, predicted, strict=True))
    with_year = [(r, p) for r, p in zip(rows, predicted, strict=True) if r.year_span]
    year_ok = sum(r.year_span in [tuple(s) for s in p] for r, p in with_year)
    return {"rows": len(rows), "skipped": skipped, "make": make_ok / max(1, len(rows)),
            "year_rows": len(with_year), "year": year_ok / max(1, len(with_year))}  # fmt: skip


def gold_scores(predict: Any, gold_path: Path, csv_path: Path) -> dict[str, Any]:
    from carner.annotation.labels import LABELS
    from carner.training.evaluate import score_spans

    texts, gold = read_gold(gold_path, csv_path)
    return score_spans(gold, predict(texts), LABELS) | {"titles": len(texts)}


def print_transfer(silver: dict[str, Any], scores: dict[str, Any] | None) -> None:
    print(
        f"\nreal titles, silver gold ({silver['rows']} rows, {silver['skipped']} without a known make): "
        f"MAKE exact {silver['make']:.3f}, "
        f"YEAR exact {silver['year']:.3f} ({silver['year_rows']} with a year)"
    )
    if scores is None:
        return
    print(f"\nreal titles, hand-checked gold ({scores['titles']} titles), exact spans:")

    def prf(s: dict[str, Any]) -> list[str]:
        return [f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}"]

    rows = [["label", "P", "R", "F1", "support", "predicted"]]
    for label, s in scores["per_label"].items():
        rows.append([label, *prf(s), str(s["support"]), str(s["predicted"])])
    rows.append(["micro", *prf(scores["micro"]), str(scores["support"]), str(scores["predicted"])])
    rows.append(["macro", *prf(scores["macro"]), "", ""])
    _print_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="generated titles to compare")
    parser.add_argument("--seed", type=int, default=0, help="generator (and training) seed")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="real eBay Motors titles CSV")
    parser.add_argument(
        "--transfer", type=int, default=0, help="train the baseline on this many sandbox listings"
    )
    parser.add_argument("--epochs", type=int, default=10, help="training epochs for --transfer")
    parser.add_argument(
        "--model", type=Path, default=None, help="score this model directory instead of training"
    )
    parser.add_argument("--gold", type=Path, default=None, help="hand-checked gold spans of the real titles")
    parser.add_argument(
        "--out", type=Path, default=None, help="work directory for --transfer (default: temp)"
    )
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"real titles not found: {args.csv}", file=sys.stderr)
        return 1
    if args.gold is not None and not args.gold.is_file():
        print(f"--gold {args.gold}: file not found", file=sys.stderr)
        return 1
    real = realism.read_real_titles(args.csv)
    started = time.perf_counter()
    generated = [listing.title for listing in generate_listings(args.n, args.seed)]
    print_realism(real, generated, args.seed, time.perf_counter() - started)
    if not (args.transfer or args.model):
        return 0
    from carner.training.models import load_model

    model_dir = args.model or train_on_sandbox(
        args.transfer, args.seed, args.epochs, args.out or Path(tempfile.mkdtemp(prefix="carner-transfer-"))
    )
    model = load_model(model_dir)
    try:
        scores = gold_scores(model.predict, args.gold, args.csv) if args.gold else None
    except GoldFileError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print_transfer(silver_scores(model.predict, args.csv), scores)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
