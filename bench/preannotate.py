"""Pre-annotation at full size: P/R per label on sandbox gold and real titles, and throughput.

    .venv/bin/python bench/preannotate.py [--n 5000] [--seeds 0,1,2] [--shared ../shared]

Prints one Markdown table per data set (what README/notes quote) and titles per second.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from carner.annotation.check import (
    KLEINANZEIGEN_CSV,
    REAL_TITLES_DIR,
    SEDANS_CSV,
    CheckReport,
    check_sandbox,
    real_kleinanzeigen,
    real_sedans,
)


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(report: CheckReport, seconds: float) -> str:
    lines = [f"### {report.name} — {report.texts} texts, {report.texts / seconds:,.0f} texts/s", ""]
    if report.scores:
        lines += ["| label | precision | recall | gold spans |", "|---|---:|---:|---:|"]
        lines += [
            f"| {label} | {fmt(s.precision)} | {fmt(s.recall)} | {s.support} |"
            for label, s in report.scores.items()
        ]
    else:
        lines += ["| label | found | given | found rate |", "|---|---:|---:|---:|"]
        lines += [
            f"| {label} | {f} | {g} | {fmt(f / g if g else None)} |" for label, (f, g) in report.found.items()
        ]
    if report.note:
        lines += ["", f"_{report.note}_"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="sandbox listings per seed")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated generator seeds")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared")
    args = parser.parse_args()
    for seed in (int(s) for s in args.seeds.split(",")):
        start = time.perf_counter()
        report = check_sandbox(args.n, seed)
        print(markdown(report, time.perf_counter() - start))
    base = args.shared / REAL_TITLES_DIR
    for name, run in ((SEDANS_CSV, real_sedans), (KLEINANZEIGEN_CSV, real_kleinanzeigen)):
        start = time.perf_counter()
        report = run(base / name)
        if report is None:
            print(f"(skipped: {base / name} not found)")
        else:
            print(markdown(report, time.perf_counter() - start))


if __name__ == "__main__":
    main()
