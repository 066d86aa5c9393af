"""The comparison report: every evaluated model in the research's two tables, as Markdown, JSON and a plot.

Table 1: models × macro recall / precision / F1, size and speed (what the research reported per model).
Table 2: models × per-label precision / recall / F1 and support, headline labels (Car Make, Car Model) first.
The numbers are read from each model's `metrics.json` (written by `training.evaluate`), so the report
never re-runs a model and always shows what was measured.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carner.annotation.labels import DEFAULT_SCHEMA, order_labels
from carner.training.artifacts import atomic_write_bytes, atomic_write_text, write_json_atomic
from carner.training.metrics import METRICS_FILE, read_metrics

log = logging.getLogger(__name__)

DASH = "—"


@dataclass
class ReportResult:
    """Files written by `write_report` and what went into them."""

    markdown: str
    json: str
    plot: str | None
    models: list[str]
    labels: list[str]
    warnings: list[str]


def find_model_dirs(root: Path | str) -> list[Path]:
    """Model directories under `root` (those with a `metrics.json`): `root/<name>` or the chain's
    `root/<kind>/<key>`, sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p.parent for pattern in ("*/" + METRICS_FILE, "*/*/" + METRICS_FILE) for p in root.glob(pattern)]
    return sorted(p for p in found if not p.is_symlink())  # models/<kind>/champion points at one of them


def model_row(model_dir: Path) -> dict[str, Any]:
    """One model's report row from its `metrics.json` (missing figures stay None)."""
    m = read_metrics(model_dir)
    model_dir = Path(model_dir)
    keyed = model_dir.parent.name == m.kind  # the chain's models/<kind>/<key>: name it by kind
    return {
        "name": f"{m.kind}@{model_dir.name[:8]}" if keyed else model_dir.name,
        "path": str(model_dir),
        "kind": m.kind,
        "evaluated": m.evaluated,
        "labels": m.labels,
        "macro_recall": m.macro.get("recall"),
        "macro_precision": m.macro.get("precision"),
        "macro_f1": m.macro.get("f1"),
        "micro_f1": m.f1,
        "size_bytes": m.size_bytes,
        "texts_per_s_batch1": m.speed.get("texts_per_s_batch1"),
        "texts_per_s_batch64": m.speed.get("texts_per_s_batch64"),
        "latency_ms_p50": m.speed.get("latency_ms_p50"),
        "latency_ms_p95": m.speed.get("latency_ms_p95"),
        "per_label": m.per_label,
        "n_texts": m.n_texts,
        "eval_data": m.eval_data,
    }


_NUMBERS = (
    "macro_recall", "macro_precision", "macro_f1", "micro_f1", "size_bytes", "texts_per_s_batch1",
    "texts_per_s_batch64", "latency_ms_p50", "latency_ms_p95", "n_texts",
)  # fmt: skip


def checked_row(model_dir: Path) -> dict[str, Any]:
    """`model_row`, refusing a metrics.json whose figures are not numbers (ValueError naming it), so
    one corrupt model is reported as skipped instead of failing the whole report."""
    row = model_row(model_dir)
    where = Path(model_dir) / "metrics.json"
    for name in _NUMBERS:
        value = row[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{where}: {name} is {value!r}, not a number")
    if not all(isinstance(v, dict) for v in row["per_label"].values()):
        raise ValueError(f"{where}: per_label must map labels to score objects")
    for label, scores in row["per_label"].items():
        if not all(isinstance(scores.get(k), int | float) for k in ("precision", "recall", "f1")):
            raise ValueError(f"{where}: per_label {label!r} lacks numeric precision/recall/f1")
    if not all(isinstance(x, str) for x in row["labels"]):
        raise ValueError(f"{where}: labels must be strings")
    return row


def _num(value: float | None, fmt: str = "{:.3f}") -> str:
    return DASH if value is None else fmt.format(value)


def _label_title(label: str) -> str:
    return f"{DEFAULT_SCHEMA.describe(label)} ({label})"


def render_markdown(rows: Sequence[dict[str, Any]], labels: Sequence[str], warnings: Sequence[str]) -> str:
    """The two tables (and any warnings, e.g. models evaluated on different test sets)."""
    lines = ["# carner model report", "", f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}.", ""]
    if warnings:
        lines += [f"> **Warning:** {w}" for w in warnings] + [""]
    n_texts = sorted({r["n_texts"] for r in rows if r["n_texts"]})
    lines += [
        "## Models: macro scores, size and speed",
        "",
        f"Entity-level exact match on the test split ({', '.join(map(str, n_texts)) or DASH} texts); "
        "macro = mean over labels; speed on CPU after warm-up.",
        "",
        "| Model | Kind | Macro recall | Macro precision | Macro F1 | Micro F1 | Size (MB) | "
        "Texts/s (batch 1) | Texts/s (batch 64) | Latency p50 / p95 (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        size = None if r["size_bytes"] is None else r["size_bytes"] / 1e6
        latency = (
            DASH if r["latency_ms_p50"] is None else f"{r['latency_ms_p50']:.2f} / {r['latency_ms_p95']:.2f}"
        )
        lines.append(
            f"| {r['name']} | {r['kind']} | {_num(r['macro_recall'])} | {_num(r['macro_precision'])} | "
            f"{_num(r['macro_f1'])} | {_num(r['micro_f1'])} | {_num(size, '{:.1f}')} | "
            f"{_num(r['texts_per_s_batch1'], '{:.0f}')} | {_num(r['texts_per_s_batch64'], '{:.0f}')} | "
            f"{latency} |"
        )
    lines += [
        "",
        "## Models: precision / recall per label",
        "",
        "Each cell: precision / recall / F1 (n = gold spans of that label in the test set).",
        "",
        "| Model | " + " | ".join(_label_title(lab) + " P / R / F1" for lab in labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for r in rows:
        cells = []
        for lab in labels:
            s = r["per_label"].get(lab)
            cells.append(
                DASH
                if s is None
                else f"{s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f} (n={s.get('support', DASH)})"
            )
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def render_plot(rows: Sequence[dict[str, Any]], labels: Sequence[str]) -> bytes:
    """PNG: per-label F1 by model; macro F1 against size and against batch-64 speed."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, 3, figsize=(17, 5), gridspec_kw={"width_ratios": [2.2, 1, 1]})
    ax = axes[0]
    width = 0.8 / max(1, len(rows))
    x = np.arange(len(labels))
    for i, r in enumerate(rows):
        f1s = [r["per_label"].get(lab, {}).get("f1", 0.0) for lab in labels]
        ax.bar(x + i * width - 0.4 + width / 2, f1s, width, label=r["name"])
    ax.set_xticks(x, labels, rotation=45, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1")
    ax.set_title("Per-label F1 by model")
    ax.legend(fontsize="small")
    for ax, key, xlabel in (
        (axes[1], "size_bytes", "size on disk (MB, log)"),
        (axes[2], "texts_per_s_batch64", "CPU texts/s at batch 64 (log)"),
    ):
        pts = [
            (r[key] / 1e6 if key == "size_bytes" else r[key], r["macro_f1"], r["name"])
            for r in rows
            if r[key] and r["macro_f1"] is not None
        ]
        for xv, yv, name in pts:
            ax.scatter(xv, yv)
            ax.annotate(name, (xv, yv), textcoords="offset points", xytext=(4, 4), fontsize="small")
        if pts:
            ax.set_xscale("log")
        ax.set_ylim(0, 1.05)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("macro F1")
        ax.set_title("Macro F1 vs " + ("size" if key == "size_bytes" else "speed"))
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def write_report(model_dirs: Sequence[Path | str], out_dir: Path | str, plot: bool = True) -> ReportResult:
    """Write `report.md`, `report.json` and `report.png` for the given model directories."""
    if not model_dirs:
        raise ValueError("no model directories to report on (train or evaluate a model first)")
    out_dir = Path(out_dir)
    rows, warnings = [], []
    for d in model_dirs:
        try:
            rows.append(checked_row(Path(d)))
        except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:  # one bad model
            warnings.append(f"skipped {d}: {' '.join(str(exc).split())[:200]}")
    if not rows:
        raise ValueError(f"no readable model to report on: {'; '.join(warnings)}")
    not_evaluated = [r["name"] for r in rows if not r["evaluated"]]
    if not_evaluated:
        warnings.append(f"not evaluated yet (run `carner evaluate`): {', '.join(not_evaluated)}")
    evaluated = [r for r in rows if r["evaluated"]]
    unknown = [r["name"] for r in evaluated if not r["eval_data"].get("test_id")]
    if unknown:
        warnings.append(
            f"evaluated on a test set of unknown identity (re-run `carner evaluate`): {', '.join(unknown)}"
        )
    test_ids = {r["eval_data"]["test_id"] for r in evaluated if r["eval_data"].get("test_id")}
    if len(test_ids) > 1:
        warnings.append("models were evaluated on different test sets; their scores do not compare")
    labels = order_labels({lab for r in rows for lab in list(r["per_label"]) + list(r["labels"])})
    md = render_markdown(rows, labels, warnings)
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": labels,
        "warnings": warnings,
        "models": rows,
    }
    md_path, json_path, png_path = out_dir / "report.md", out_dir / "report.json", out_dir / "report.png"
    atomic_write_text(md_path, md)
    write_json_atomic(json_path, payload)
    if plot:
        atomic_write_bytes(png_path, render_plot(rows, labels))
    for w in warnings:
        log.warning("report: %s", w)
    result = ReportResult(
        str(md_path),
        str(json_path),
        str(png_path) if plot else None,
        [r["name"] for r in rows],
        labels,
        warnings,
    )
    log.info("report on %d model(s) → %s", len(rows), md_path)
    return result


def result_dict(result: ReportResult) -> dict[str, Any]:
    return asdict(result)
