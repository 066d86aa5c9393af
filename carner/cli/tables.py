"""The report and the model registry as rich tables that fit an 80-column terminal.

The Markdown report (`report.md`) keeps every figure for files and Prefect artifacts; the terminal gets
the figures a reader compares first: micro / macro F1, size and speed per model, then F1 per label with
labels as rows (eleven labels as columns never fit 80 columns). rich is imported here, at the surface.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WIDTH = 80  # every table is laid out for this width, whatever the terminal
DASH = "—"


def console() -> Any:
    from rich.console import Console

    return Console(width=WIDTH, soft_wrap=False)


def _num(value: float | None, fmt: str = "{:.3f}") -> str:
    return DASH if value is None else fmt.format(value)


def _column_name(row: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """A model's short name for a column header: its kind when that is unique in the report."""
    same_kind = [r for r in rows if r.get("kind") == row.get("kind")]
    return str(row["kind"]) if len(same_kind) == 1 and row.get("kind") else str(row["name"])


def report_tables(payload: dict[str, Any]) -> list[Any]:
    """The rich renderables of a report (`report.json`'s payload): warnings, models, F1 per label."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rows: list[dict[str, Any]] = payload.get("models", [])
    out: list[Any] = [Text(f"Warning: {w}", style="yellow") for w in payload.get("warnings", [])]
    models = Table(
        title="Models (test split, exact-span F1)",
        box=box.SIMPLE_HEAD,
        caption="F1 micro: over all entities, macro: mean over labels; texts/s on CPU at batch 1 / 64",
    )
    models.add_column("model", no_wrap=True)
    for name in ("micro F1", "macro F1", "MB", "texts/s 1", "texts/s 64"):
        models.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        size = None if r.get("size_bytes") is None else r["size_bytes"] / 1e6
        models.add_row(
            _column_name(r, rows),
            _num(r.get("micro_f1")),
            _num(r.get("macro_f1")),
            _num(size, "{:.1f}"),
            _num(r.get("texts_per_s_batch1"), "{:,.0f}"),
            _num(r.get("texts_per_s_batch64"), "{:,.0f}"),
        )
    out.append(models)
    labels: list[str] = payload.get("labels", [])
    if rows and labels:
        per_label = Table(
            title="F1 per label", box=box.SIMPLE_HEAD, caption="n: gold spans in the test split"
        )
        per_label.add_column("label", no_wrap=True, min_width=max(map(len, labels)))
        per_label.add_column("n", justify="right", no_wrap=True)
        for r in rows:
            per_label.add_column(_column_name(r, rows), justify="right", overflow="fold")
        for lab in labels:
            support = next((r["per_label"][lab].get("support") for r in rows if lab in r["per_label"]), None)
            cells = [_num((r["per_label"].get(lab) or {}).get("f1"), "{:.2f}") for r in rows]
            per_label.add_row(lab, DASH if support is None else str(support), *cells)
        out.append(per_label)
    return out


def print_report(report_json: Path | str, *, files: list[str] | None = None) -> None:
    """Print the report whose `report.json` is given, then where its files are."""
    payload = json.loads(Path(report_json).read_text(encoding="utf-8"))
    con = console()
    for renderable in report_tables(payload):
        con.print(renderable)
    if files:
        con.print(f"wrote {', '.join(files)}", soft_wrap=True, highlight=False)


def models_table(rows: list[dict[str, Any]]) -> Any:
    """`carner models`: the registry, newest first; ids and paths are in `--json`."""
    from rich import box
    from rich.table import Table

    from carner.cli.app import cell

    table = Table(
        title="carner model runs (newest first)",
        box=box.SIMPLE_HEAD,
        caption="F1: micro, exact spans, test split · ★ champion · paths and ids: carner models --json",
    )
    table.add_column("id", justify="right")
    table.add_column("kind")
    table.add_column("micro F1", justify="right")
    table.add_column("MB", justify="right")
    table.add_column("texts/s", justify="right")
    table.add_column("created (UTC)")
    for row in rows:
        table.add_row(
            str(row["id"]),
            cell(f"{row['kind']} ★" if row["champion"] else row["kind"]),
            DASH if row["f1"] is None else f"{row['f1']:.4f}",
            DASH if row["size_bytes"] is None else f"{row['size_bytes'] / 1e6:.1f}",
            DASH if row["texts_per_s"] is None else f"{row['texts_per_s']:,.0f}",
            str(row["created_at"]).replace("T", " ")[:16],
        )
    return table
