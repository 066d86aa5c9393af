"""A committee teacher: the BERT's per-word distributions averaged with the spaCy baseline's tags.

Why: at research scale the spaCy baseline beats the MiniLM teacher on every rare label (FUEL,
TRANSMISSION, COLOR) while the BERT is better on MODEL and on real titles; the students copy
whatever labels the augmented set. A student only needs a better teacher, not a bigger one, so the
labelling can ask both: p(tag | word) = w * p_bert + (1 - w) * onehot_spacy, where the spaCy
model's entities become BIO tags over carner's words (`training.tokens.spans_to_bio`), and spans
are decoded from the mixture (`training.decode`). With w > 0.5 the BERT keeps a word where it is
sure (p_bert(own tag) - p_bert(spaCy's tag) > (1 - w) / w) and spaCy decides the rest.

spaCy's greedy NER gives no probabilities, hence a one-hot; the mixture stays a distribution, so
the soft student's KL term is unchanged. The committee has the teacher's `path`, `tags` and
`decoder`, plus an `identity` (baseline path and hash, weight) that `training.label` records, so
labels from a committee are never mistaken for the teacher's alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from carner.training.identity import model_id
from carner.training.tokens import spans_to_bio


class CommitteeTeacher:
    """A teacher (`training.teacher.TeacherModel`) and a spaCy model labelling together."""

    def __init__(self, teacher: Any, baseline_dir: Path | str, bert_weight: float = 0.6) -> None:
        from carner.training.models import load_model

        if not 0.0 <= bert_weight <= 1.0:
            raise ValueError(f"committee bert_weight must be in [0, 1], got {bert_weight}")
        self.teacher = teacher
        self.path = teacher.path
        self.tags: list[str] = list(teacher.tags)
        self.decoder = teacher.decoder
        self.labels = list(teacher.labels)
        self.kind = "committee"
        self.baseline_dir = Path(baseline_dir)
        self.spacy = load_model(self.baseline_dir)
        if not hasattr(self.spacy, "nlp"):
            raise ValueError(f"{self.baseline_dir}: the committee needs a spaCy model, got {self.spacy.kind}")
        unknown = set(self.spacy.labels) - set(self.labels)
        if unknown:
            raise ValueError(
                f"{self.baseline_dir}: labels {sorted(unknown)} unknown to the teacher {self.labels}"
            )
        self.bert_weight = float(bert_weight)
        self.identity = {
            "committee": {
                "baseline": str(self.baseline_dir.resolve()),
                "baseline_sha256": model_id(self.baseline_dir),
                "bert_weight": self.bert_weight,
            }
        }
        self._index = {t: i for i, t in enumerate(self.tags)}

    def combine(self, pred: Any, spacy_spans: list[Any]) -> Any:
        """One text's prediction with the mixture as probabilities and spans decoded from it."""
        offsets = pred.word_offsets
        onehot = np.zeros_like(pred.probs)
        for w, tag in enumerate(spans_to_bio(list(offsets), list(spacy_spans))):
            onehot[w, self._index.get(tag, 0)] = 1.0
        probs = (self.bert_weight * pred.probs + (1.0 - self.bert_weight) * onehot).astype(np.float32)
        return pred._replace(probs=probs, spans=self.decoder.spans(offsets, probs))

    def iter_predict_with_probs(
        self,
        texts: Iterable[str],
        batch_size: int | None = None,
        progress: bool = False,
        total: int | None = None,
    ) -> Iterator[Any]:
        """The teacher's stream, each window also run through spaCy, combined per text."""
        window: list[str] = []
        for text in texts:
            window.append(text)
            if len(window) >= 1024:
                yield from self._window(window, batch_size)
                window = []
        if window:
            yield from self._window(window, batch_size)

    def _window(self, texts: list[str], batch_size: int | None) -> Iterator[Any]:
        preds = self.teacher.predict_with_probs(texts, batch_size=batch_size)
        spans = self.spacy.predict(texts)
        for pred, sp in zip(preds, spans, strict=True):
            yield self.combine(pred, sp)

    def predict_with_probs(
        self, texts: list[str], batch_size: int | None = None, progress: bool = False
    ) -> list:
        return list(self.iter_predict_with_probs(texts, batch_size=batch_size))

    def predict(self, texts: list[str]) -> list[list[Any]]:
        return [p.spans for p in self.iter_predict_with_probs(texts)]
