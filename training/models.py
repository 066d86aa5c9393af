"""The model protocol every model kind serves, and loading any saved model directory by its kind.

Evaluation, prediction, uncertainty sampling and promotion all talk to models through this protocol,
so the three model families are interchangeable.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol, runtime_checkable

from carner.annotation.labels import Span


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
    "baseline": "carner.training.baseline:load_model",
    "teacher": "carner.training.teacher:load_model",
    "student-spacy": "carner.training.student_spacy:load_model",
    "student-soft": "carner.training.student_soft:load_model",
    # directories trained elsewhere (no carner metrics.json): any spaCy pipeline with "ner", any HF
    # token classifier; recognised by their own files (see `foreign_kind`)
    "spacy": "carner.training.baseline:load_model",
    "hf-token-classification": "carner.training.hf_model:load_model",
}


def foreign_kind(path: Path) -> str | None:
    """The kind of a model directory carner did not train: a spaCy pipeline or an HF token classifier."""
    from carner.training.hf_model import is_hf_token_classifier

    path = Path(path)
    if (path / "meta.json").is_file() and (path / "config.cfg").is_file():
        return "spacy"
    if is_hf_token_classifier(path):
        return "hf-token-classification"
    return None


def model_kind(path: Path) -> str:
    """A model directory's kind, from its `metrics.json` (written by every trainer), else its own files."""
    from carner.training.metrics import read_metrics

    kind = read_metrics(path).kind if (Path(path) / "metrics.json").is_file() else None
    if kind is None:  # no metrics.json, or one that only `carner evaluate` wrote
        kind = foreign_kind(path)
        if kind is None:
            raise FileNotFoundError(
                f"{path}: not a model directory (no metrics.json, no spaCy meta.json + config.cfg, "
                "no Hugging Face token-classification config.json)"
            )
    if kind not in MODEL_LOADERS:
        raise ValueError(
            f"{Path(path) / 'metrics.json'}: unknown model kind {kind!r}; known: {', '.join(MODEL_LOADERS)}"
        )
    return kind


DECODING_KINDS = ("teacher", "student-soft")  # per-word scores decoded by training.decode


def load_model(path: Path | str, decode: str | None = None) -> NerModel:
    """Load any carner model directory (spaCy or Hugging Face or soft student) behind `NerModel`.

    `decode` ("viterbi" or "argmax") overrides how the teacher and the soft student turn per-word
    scores into spans; spaCy models decode by their own transition system (the option is refused)."""
    path = Path(path)
    kind = model_kind(path)
    module_name, func_name = MODEL_LOADERS[kind].split(":")
    loader = getattr(importlib.import_module(module_name), func_name)
    if decode is None:
        return loader(path)
    if kind not in DECODING_KINDS:
        raise ValueError(f"--decode applies to {' and '.join(DECODING_KINDS)} models, not to {kind}")
    return loader(path, decode=decode)
