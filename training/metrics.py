"""One typed reader of a model's `metrics.json`: what the report, the registry and the CLI read.

Why: `training.evaluate` writes one layout (micro scores at the top, `macro`, `per_label`, `speed`,
`eval_data`); readers used to guess among several key spellings. They now read this dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carner.training.artifacts import read_json

METRICS_FILE = "metrics.json"


@dataclass(frozen=True)
class ModelMetrics:
    """A model directory's `metrics.json`; evaluation fields are None until `carner evaluate` ran."""

    path: Path
    kind: str | None
    labels: list[str]
    f1: float | None  # entity-level micro F1 on the test split (what promotion compares)
    precision: float | None
    recall: float | None
    macro: dict[str, float]
    per_label: dict[str, dict[str, Any]]
    n_texts: int | None
    size_bytes: int | None
    speed: dict[str, float]
    eval_data: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def evaluated(self) -> bool:
        return "per_label" in self.raw

    @property
    def test_id(self) -> str | None:
        """The test split the figures come from (None: not evaluated, or on unidentified texts)."""
        return self.eval_data.get("test_id")

    @property
    def texts_per_s(self) -> float | None:
        """CPU throughput at batch 64 (the registry's speed column)."""
        return self.speed.get("texts_per_s_batch64")


def read_metrics(model_dir: Path | str) -> ModelMetrics:
    """Read `model_dir/metrics.json`; FileNotFoundError naming it when the directory is no model."""
    path = Path(model_dir) / METRICS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not a carner model directory (no metrics.json)")
    m = read_json(path)
    if not isinstance(m, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return ModelMetrics(
        path=Path(model_dir),
        kind=m.get("kind"),
        labels=list(m.get("labels") or []),
        f1=m.get("f1"),
        precision=m.get("precision"),
        recall=m.get("recall"),
        macro=dict(m.get("macro") or {}),
        per_label=dict(m.get("per_label") or {}),
        n_texts=m.get("n_texts"),
        size_bytes=m.get("size_bytes"),
        speed=dict(m.get("speed") or {}),
        eval_data=dict(m.get("eval_data") or {}),
        raw=m,
    )
