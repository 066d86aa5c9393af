"""Every model on real car titles: per-label F1 on hand-checked eBay Motors gold, plus silver checks.

    .venv/bin/python bench/real_titles.py --models data/bench/models-demo/models [--shared ../shared]
        [--de-limit 2000] [--out DIR]

`--models` takes model directories or directories holding them (`models/<kind>/<key>`).

The models are trained on sandbox titles; these real titles (../shared/data/car-titles, see its
SOURCES.md) say whether they carry over. Never seen in training:
- Gold: the 360 English eBay Motors titles hand-annotated with all eleven labels
  (annotation/gold/ebay_motors_sedans.jsonl, docs/annotation-guidelines.md): precision, recall and
  F1 per label on exact spans, micro and macro (`training.real_titles.score_real_titles`, which
  scores with the same `training.evaluate.score_spans` as the test split).
Silver (read from the titles' structure, no annotation):
- English eBay Motors CSV: "Make: Model ..." rows (eBay builds them from the item specifics) give the
  make exactly (the text before ':'); "YYYY Make Model ..." rows give the year (first 4 characters)
  and the make written after it (longest match in a fixed list of eBay makes and their nicknames,
  `annotation.check`). Accuracy = share of rows whose gold span is among the model's spans of that
  label (exact offsets); "overlap" also accepts a MAKE span that overlaps the gold one.
- German Kleinanzeigen CSV (Latin-1, '_' read as ' '): brand recall = share of rows whose brand (or
  a nickname such as VW, Mercedes) is the text of one of the model's MAKE spans, over the rows whose
  title mentions the brand at all (and over all rows); MODEL exact = share of rows whose model
  column (not "andere") is exactly the text of a MODEL span, over rows whose title mentions it.
Skips cleanly (an empty result) when ../shared is absent.
"""

from __future__ import annotations

import argparse
import csv
import logging
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SHARED_DIR, ResultTable, fmt, print_tables, setup_logging, write_results  # noqa: E402

log = logging.getLogger("bench.real_titles")

CAR_TITLES = Path("data") / "car-titles"
EN_CSV = "ebay_motors_sedans_info.csv"
DE_CSV = "autos_ebay-kleinanzeigen_dataquest-sample.csv"
DE_NO_BRAND = {"sonstige autos"}
DE_NO_MODEL = {"", "andere"}


@dataclass(frozen=True)
class EnRow:
    title: str
    make: tuple[int, int, str]
    year: tuple[int, int, str] | None  # only "YYYY Make Model" rows have one


@dataclass(frozen=True)
class DeRow:
    title: str
    brand: str  # normalised
    model: str | None  # normalised; None for "andere" / missing


def norm(text: str) -> str:
    """Casefolded, accents dropped, "_" and "-" read as spaces, spaces collapsed ("Citroën" = "citroen")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[_\-]", " ", plain.casefold()).split())


def _mentions(haystack: str, needle: str) -> bool:
    return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def load_english(path: Path) -> tuple[list[EnRow], int]:
    """Rows with silver-gold MAKE (and YEAR) spans, and how many titles had no recognisable make."""
    from carner.annotation.check import read_sedan_titles  # the same reader pre-annotation's own check uses

    titles, skipped = read_sedan_titles(path)
    return [EnRow(t.title, t.make_span, t.year_span) for t in titles], skipped


def load_german(path: Path, limit: int | None = None) -> list[DeRow]:
    rows = []
    with path.open(encoding="latin-1", newline="") as fh:
        for rec in csv.DictReader(fh):
            if limit is not None and len(rows) >= limit:
                break
            brand = norm(rec.get("brand") or "")
            if not brand or brand in DE_NO_BRAND:
                continue
            model = norm(rec.get("model") or "")
            title = (rec.get("name") or "").replace("_", " ").strip()
            if title:
                rows.append(DeRow(title, brand, None if model in DE_NO_MODEL else model))
    return rows


def brand_forms(brand: str) -> set[str]:
    """A brand and its nicknames, normalised ("volkswagen" -> {"volkswagen", "vw", "volkswagon"})."""
    from carner.annotation.variants import MAKE_ALIASES

    aliases = {norm(k): v for k, v in MAKE_ALIASES.items()}
    return {brand} | {norm(a) for a in aliases.get(brand, ())}


def score_predictions(
    en: list[EnRow], en_pred: list[list[Any]], de: list[DeRow], de_pred: list[list[Any]]
) -> dict[str, Any]:
    """Accuracy figures of one model from its predicted spans on both CSVs."""
    out: dict[str, Any] = {}
    if en:
        exact = overlap = year_ok = n_year = 0
        for row, pred in zip(en, en_pred, strict=True):
            spans = {(int(s), int(e), str(lab)) for s, e, lab in pred}
            exact += row.make in spans
            ms, me, _ = row.make
            overlap += any(lab == "MAKE" and s < me and e > ms for s, e, lab in spans)
            if row.year is not None:
                n_year += 1
                year_ok += row.year in spans
        out["en"] = {
            "rows": len(en),
            "make_exact": exact / len(en),
            "make_overlap": overlap / len(en),
            "year_rows": n_year,
            "year_exact": year_ok / n_year if n_year else None,
        }
    if de:
        brand_all = brand_hit_mentioned = mentioned = model_rows = model_hit = 0
        for row, pred in zip(de, de_pred, strict=True):
            low = norm(row.title)
            forms = brand_forms(row.brand)
            makes = {norm(row.title[s:e]) for s, e, lab in pred if lab == "MAKE"}
            hit = bool(makes & forms)
            brand_all += hit
            if any(_mentions(low, f) for f in forms):
                mentioned += 1
                brand_hit_mentioned += hit
            if row.model is not None and _mentions(low, row.model):
                model_rows += 1
                model_hit += row.model in {norm(row.title[s:e]) for s, e, lab in pred if lab == "MODEL"}
        out["de"] = {
            "rows": len(de),
            "brand_recall_all": brand_all / len(de),
            "brand_mentioned_rows": mentioned,
            "brand_recall": brand_hit_mentioned / mentioned if mentioned else None,
            "model_rows": model_rows,
            "model_exact": model_hit / model_rows if model_rows else None,
        }
    return out


def evaluate_models(
    model_dirs: dict[str, str], shared: str | None = None, de_limit: int | None = None, snap: bool = True
) -> dict[str, Any]:
    """Load each model directory and score it on the real titles; {"skipped": why} without ../shared.
    `snap=False` scores the models' own spans (not snapped to the car catalogue)."""
    from carner.training.models import load_model

    base = Path(shared or SHARED_DIR) / CAR_TITLES
    en_path, de_path = base / EN_CSV, base / DE_CSV
    if not en_path.is_file() and not de_path.is_file():
        log.warning("real titles not found under %s: skipped", base)
        return {"skipped": f"{base} not found", "models": {}}
    en, en_skipped = load_english(en_path) if en_path.is_file() else ([], 0)
    de = load_german(de_path, de_limit) if de_path.is_file() else []
    result: dict[str, Any] = {
        "en_file": str(en_path),
        "de_file": str(de_path),
        "en_rows": len(en),
        "en_skipped_no_make": en_skipped,
        "de_rows": len(de),
        "de_limit": de_limit,
        "snap": snap,
        "models": {},
    }
    for name, path in model_dirs.items():
        model = load_model(Path(path), snap=snap)
        en_pred = model.predict([r.title for r in en]) if en else []
        de_pred = model.predict([r.title for r in de]) if de else []
        result["models"][name] = score_predictions(en, en_pred, de, de_pred)
        if en_path.is_file():
            result["models"][name]["gold"] = score_gold(model, en_path)
        log.info("real titles, %s: %s", name, result["models"][name])
    return result


def score_gold(model: Any, en_path: Path) -> dict[str, Any]:
    """Per-label scores on the hand-checked gold; {"error": why} when the CSV does not fit the gold file."""
    from carner.annotation.real_gold import RealGoldError
    from carner.training.real_titles import score_real_titles

    try:
        return score_real_titles(model, en_path)
    except RealGoldError as exc:
        log.error("real gold not scored: %s", exc)
        return {"error": str(exc)}


def gold_tables(result: dict[str, Any]) -> list[ResultTable]:
    """Two tables: F1 per label with micro/macro, and precision / recall per label (exact spans)."""
    from carner.annotation.labels import LABELS

    scored = {n: s["gold"] for n, s in result.get("models", {}).items() if "per_label" in s.get("gold", {})}
    if not scored:
        return []
    f1 = ResultTable(
        "Real titles, hand-checked gold (eBay Motors): exact-span F1 per label",
        ["Model", *LABELS, "micro F1", "macro F1"],
    )
    pr = ResultTable(
        "Real titles, hand-checked gold: precision / recall per label", ["Model", *LABELS, "micro P / R"]
    )

    def p_r(s: dict[str, Any]) -> str:
        return f"{fmt(s['precision'], '{:.2f}')} / {fmt(s['recall'], '{:.2f}')}"

    for name, g in scored.items():
        per = g["per_label"]
        f1.add(name, *(fmt(per[lab]["f1"]) for lab in LABELS), fmt(g["micro"]["f1"]), fmt(g["macro"]["f1"]))
        pr.add(name, *(p_r(per[lab]) for lab in LABELS), p_r(g["micro"]))
    any_gold = next(iter(scored.values()))
    support = ", ".join(f"{lab} {any_gold['per_label'][lab]['support']}" for lab in LABELS)
    f1.note = (
        f"{any_gold['n_texts']} real titles annotated by hand with all eleven labels "
        f"(docs/annotation-guidelines.md); gold spans per label: {support}. A span counts only when "
        "start, end and label all match; macro = mean over the labels seen."
    )
    return [f1, pr]


def table(result: dict[str, Any]) -> ResultTable:
    t = ResultTable(
        "Real titles: MAKE / YEAR accuracy (eBay Motors, English) and brand / model (Kleinanzeigen, German)",
        [
            "Model",
            "EN MAKE exact",
            "EN MAKE overlap",
            "EN YEAR exact",
            "DE brand recall (mentioned)",
            "DE brand recall (all)",
            "DE MODEL exact (mentioned)",
        ],
    )
    if result.get("skipped"):
        t.note = f"Skipped: {result['skipped']}."
        return t
    for name, s in result["models"].items():
        en, de = s.get("en", {}), s.get("de", {})
        t.add(
            name,
            fmt(en.get("make_exact")),
            fmt(en.get("make_overlap")),
            fmt(en.get("year_exact")),
            fmt(de.get("brand_recall")),
            fmt(de.get("brand_recall_all")),
            fmt(de.get("model_exact")),
        )
    any_model = next(iter(result["models"].values()), {})
    de = any_model.get("de", {})
    t.note = (
        f"English: {result['en_rows']} titles with a silver-gold make "
        f"({result['en_skipped_no_make']} without a recognisable make skipped), "
        f"{any_model.get('en', {}).get('year_rows', 0)} of them with a year. "
        f"German: {result['de_rows']} titles"
        + (f" (first {result['de_limit']} rows)" if result.get("de_limit") else "")
        + f", brand mentioned in {de.get('brand_mentioned_rows', 0)}, model (not 'andere') mentioned in "
        f"{de.get('model_rows', 0)}. Exact = gold span (EN) or value (DE) among the model's spans."
    )
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        type=Path,
        nargs="+",
        required=True,
        help="model directories, or one directory holding model directories",
    )
    parser.add_argument("--shared", type=Path, default=SHARED_DIR, help="the shared directory (../shared)")
    parser.add_argument("--de-limit", type=int, default=None, help="German rows to read (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="write real_titles.md/.json here")
    parser.add_argument(
        "--no-snap", action="store_true", help="score the models' own spans, not snapped to the car catalogue"
    )
    args = parser.parse_args(argv)
    setup_logging()
    from carner.training.models import MODEL_LOADERS
    from carner.training.report import find_model_dirs

    dirs: list[Path] = []
    for p in args.models:
        dirs += [p] if (p / "metrics.json").is_file() else find_model_dirs(p)
    if not dirs:
        log.error("no model directories (with metrics.json) in %s", ", ".join(map(str, args.models)))
        return 1
    names: dict[str, str] = {}
    for d in dirs:  # the chain's models/<kind>/<key> are named by kind (the key when a kind repeats)
        name = d.parent.name if d.parent.name in MODEL_LOADERS else d.name
        names[name if name not in names else f"{name}@{d.name[:8]}"] = str(d)
    result = evaluate_models(names, str(args.shared), args.de_limit, snap=not args.no_snap)
    tables = [*gold_tables(result), table(result)]
    print_tables(tables)
    if args.out:
        write_results(args.out, "real_titles", tables, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
