"""The model protocol every model kind serves, and loading any saved model directory by its kind.

Evaluation, prediction, uncertainty sampling and promotion all talk to models through this protocol,
so the three model families are interchangeable.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol, runtime_checkable

from annotation.labels import Span


@runtime_checkable
class NerModel(Protocol):
    kind: str
    path: Path

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Entity spans for each text."""
        ...

    def confidence(self, texts: list[str]) -> list[float]:
        """A score in [0, 1] per text: how sure the model is (lowest = most worth annotating)."""
        ...


# kind -> "module:function" taking a model directory; imported lazily (torch/spaCy are heavy).
MODEL_LOADERS: dict[str, str] = {
    "baseline": "training.baseline:load_model",
    "teacher": "training.teacher:load_model",
    "student-spacy": "training.student_spacy:load_model",
    "student-soft": "training.student_soft:load_model",
}


def model_kind(path: Path) -> str:
    """A model directory's kind, from its `metrics.json` (written by every trainer)."""
    from training.metrics import read_metrics

    kind = read_metrics(path).kind
    if kind not in MODEL_LOADERS:
        raise ValueError(
            f"{Path(path) / 'metrics.json'}: unknown model kind {kind!r}; known: {', '.join(MODEL_LOADERS)}"
        )
    return kind


def load_model(path: Path | str) -> NerModel:
    """Load any carner model directory (spaCy or Hugging Face or soft student) behind `NerModel`."""
    path = Path(path)
    module_name, func_name = MODEL_LOADERS[model_kind(path)].split(":")
    return getattr(importlib.import_module(module_name), func_name)(path)
