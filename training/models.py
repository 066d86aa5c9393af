"""The model protocol every model kind serves, and loading any saved model directory by its kind.

Evaluation, prediction, uncertainty sampling and promotion all talk to models through this protocol,
so the three model families are interchangeable.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

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


class CatalogueSnapped:
    """A model whose MODEL, TRIM and BODY boundaries are read from the car catalogue (`annotation.snap`).

    Everything else (labels, kind, path, confidence, the wrapped model's own methods) is the model's.
    """

    def __init__(self, model: NerModel) -> None:
        from carner.annotation.snap import SNAP_VERSION

        self.model = model
        self.snap = SNAP_VERSION

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def predict(self, texts: list[str]) -> list[list[Span]]:
        from carner.annotation.snap import snap_spans

        from carner.common.vpic import load

        cat = load()
        return [snap_spans(t, row, cat) for t, row in zip(texts, self.model.predict(texts), strict=True)]


def snap_version(model: Any) -> str | None:
    """The snapping rules' version a loaded model predicts with (None: the model's own spans)."""
    return getattr(model, "snap", None) if isinstance(model, CatalogueSnapped) else None


def load_model(path: Path | str, decode: str | None = None, snap: bool = True) -> NerModel:
    """Load any carner model directory (spaCy or Hugging Face or soft student) behind `NerModel`.

    `decode` ("viterbi" or "argmax") overrides how the teacher and the soft student turn per-word
    scores into spans; spaCy models decode by their own transition system (the option is refused).
    `snap`: a model of carner's labels (MAKE and MODEL among them) has its spans snapped to the car
    catalogue (`CatalogueSnapped`); False gives the model's own spans."""
    from carner.annotation.snap import snaps

    path = Path(path)
    kind = model_kind(path)
    module_name, func_name = MODEL_LOADERS[kind].split(":")
    loader = getattr(importlib.import_module(module_name), func_name)
    if decode is None:
        model = loader(path)
    elif kind not in DECODING_KINDS:
        raise ValueError(f"--decode applies to {' and '.join(DECODING_KINDS)} models, not to {kind}")
    else:
        model = loader(path, decode=decode)
    if snap and snaps(getattr(model, "labels", None) or ()):
        return CatalogueSnapped(model)  # type: ignore[return-value]
    return model
