"""Any Hugging Face token-classification directory behind `NerModel`, through transformers' own pipeline.

Why: a user brings a model trained elsewhere (a Hub NER model, their own fine-tune) and wants
`carner predict`/`evaluate`/`annotate export --prefill model` on it. Such a directory has no carner
`metrics.json`, its labels may be `B-PER`/`I-PER` or plain `PER`, and its tokenizer's words are its
own; the standard pipeline with word-level aggregation is how its authors mean it to be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from carner.annotation.labels import Span
from carner.training.hf_words import PIPELINE_AGGREGATION

KIND = "hf-token-classification"


def is_hf_token_classifier(path: Path) -> bool:
    """A `save_pretrained` directory whose architecture is a `...ForTokenClassification`."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return False
    try:
        archs = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return False
    return any(str(a).endswith("ForTokenClassification") for a in archs)


class HfTokenModel:
    """Spans and confidences from `pipeline("token-classification", aggregation_strategy="first")`."""

    kind = KIND

    def __init__(self, path: Path | str, batch_size: int = 32) -> None:
        from transformers import pipeline

        self.path = Path(path)
        self.batch_size = batch_size
        # use_safetensors: a directory with only pickled weights is refused, never unpickled
        self.pipe = pipeline(
            "token-classification",
            model=str(self.path),
            aggregation_strategy=PIPELINE_AGGREGATION,
            device="cpu",
            model_kwargs={"use_safetensors": True},
        )
        tags = self.pipe.model.config.id2label.values()
        self.labels: list[str] = sorted({t.split("-", 1)[-1] for t in tags if t != "O"})

    def _entities(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        todo = [i for i, t in enumerate(texts) if t.strip()]  # the pipeline fails on a blank text
        result: list[list[dict[str, Any]]] = [[] for _ in texts]
        if todo:
            out = self.pipe([texts[i] for i in todo], batch_size=self.batch_size)
            for i, ents in zip(todo, out, strict=True):
                result[i] = list(ents)
        return result

    def predict(self, texts: list[str]) -> list[list[Span]]:
        return [
            [(int(e["start"]), int(e["end"]), str(e["entity_group"])) for e in ents]
            for ents in self._entities(texts)
        ]

    def confidence(self, texts: list[str]) -> list[float]:
        """The least sure entity's score per text (1.0 without entities: nothing claimed)."""
        return [min((float(e["score"]) for e in ents), default=1.0) for ents in self._entities(texts)]


def load_model(path: Path | str) -> HfTokenModel:
    """`training.models.MODEL_LOADERS` entry for a foreign Hugging Face token classifier."""
    return HfTokenModel(path)
