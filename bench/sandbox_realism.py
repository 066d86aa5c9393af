"""How close are the sandbox's generated titles to real eBay Motors titles?

Prints, for the real CSV (../shared/data/car-titles/ebay_motors_sedans_info.csv) and for N generated
titles: the share of each title form, mean length in words, the share with a shouted (all-caps) word,
and the share of (make, model) pairs the catalogue covers; then the real pairs it misses.

    .venv/bin/python bench/sandbox_realism.py [--n 5000] [--seed 0] [--csv PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scraper.sandbox import realism
from scraper.sandbox.catalogue import ALL_MODELS, MAKES
from scraper.sandbox.generator import generate_listings

DEFAULT_CSV = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "car-titles"
    / "ebay_motors_sedans_info.csv"
)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="generated titles to compare")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="real eBay Motors titles CSV")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"real titles not found: {args.csv}", file=sys.stderr)
        return 1
    real = realism.read_real_titles(args.csv)
    started = time.perf_counter()
    generated = [listing.title for listing in generate_listings(args.n, args.seed)]
    elapsed = time.perf_counter() - started
    header = ["titles", "n", "YYYY Make Model", "Make: Model", "other", "words", "ALLCAPS", "make known",
              "make+model known"]  # fmt: skip
    rows = [header, _row("real", real), _row(f"sandbox seed={args.seed}", generated)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print(f"catalogue: {len(MAKES)} makes, {len(ALL_MODELS)} models; generated {args.n} in {elapsed:.2f} s")
    print("| " + " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    missing = realism.unknown_pairs(real)
    if missing:
        print("\nreal make | model starts the catalogue does not recognise:")
        for pair, count in missing.most_common(20):
            print(f"  {count:3d}  {pair}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
