"""Predicted spans with a confidence each, for any `NerModel` (what the model server answers).

An annotator accepting suggestions in doccano wants to know which ones to check; each model family
gives it differently:
- spaCy (baseline, student-spacy): the greedy parse's entities, each scored by a beam search over the
  same weights (the share of beam probability of the parses that contain that entity; 0.0 when no
  parse in the beam contains it);
- teacher and soft student: the least sure word of the span, i.e. the minimum over its words of the
  probability of the word's most likely tag;
- any other `NerModel`: the text's `confidence()` for each of its spans.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from carner.annotation.labels import Span
from carner.training.baseline import BEAM_WIDTH, SpacyNerModel
from carner.training.tokens import Token


@dataclass(frozen=True)
class ScoredSpan:
    start: int
    end: int
    label: str
    text: str
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def predict_scored(model: Any, texts: list[str], beam_width: int = BEAM_WIDTH) -> list[list[ScoredSpan]]:
    """Spans with confidences per text, in input order (see the module docstring for the scores)."""
    if not texts:
        return []
    from carner.training.models import CatalogueSnapped

    if isinstance(model, CatalogueSnapped):
        return _snapped(texts, predict_scored(model.model, texts, beam_width))
    if isinstance(model, SpacyNerModel):
        return _spacy_scored(model, texts, beam_width)
    if hasattr(model, "predict_with_probs"):  # teacher
        preds = model.predict_with_probs(texts)
        return [
            _word_scored(t, p.word_offsets, p.probs, p.spans) for t, p in zip(texts, preds, strict=True)
        ]
    if hasattr(model, "word_probs"):  # soft student: its decoded spans, scored by its word probabilities
        rows = zip(texts, model.word_probs(texts), model.predict(texts), strict=True)
        return [_word_scored(t, offs, probs, spans) for t, (offs, probs), spans in rows]
    spans, conf = model.predict(texts), model.confidence(texts)
    return [
        [ScoredSpan(s, e, label, t[s:e], float(c)) for s, e, label in row]
        for t, row, c in zip(texts, spans, conf, strict=True)
    ]


def _snapped(texts: list[str], rows: list[list[ScoredSpan]]) -> list[list[ScoredSpan]]:
    """Snapped spans, each as sure as the least sure of the model's spans it came from."""
    from carner.annotation.snap import snap_spans

    from carner.common.vpic import load

    cat = load()
    out = []
    for text, row in zip(texts, rows, strict=True):
        raw = [(s.start, s.end, s.label) for s in row]
        out.append([
            ScoredSpan(s, e, label, text[s:e], min(
                (r.confidence for r in row if r.start < e and s < r.end), default=0.0
            ))
            for s, e, label in snap_spans(text, raw, cat)
        ])  # fmt: skip
    return out


def _spacy_scored(model: SpacyNerModel, texts: list[str], beam_width: int) -> list[list[ScoredSpan]]:
    nlp = model.nlp
    ner = nlp.get_pipe("ner")
    docs = list(nlp.pipe(texts))
    beam_docs = [nlp.make_doc(t) for t in texts]
    for name, proc in nlp.pipeline:  # the components the NER listens to (tok2vec), as in confidence()
        if name == "ner":
            break
        beam_docs = list(proc.pipe(beam_docs))
    scores = ner.scored_ents(ner.beam_parse(beam_docs, beam_width=beam_width))
    out = []
    for text, doc, score in zip(texts, docs, scores, strict=True):
        row = []
        for ent in doc.ents:
            conf = min(1.0, max(0.0, float(score.get((ent.start, ent.end, ent.label_), 0.0))))
            row.append(
                ScoredSpan(
                    ent.start_char, ent.end_char, ent.label_, text[ent.start_char : ent.end_char], conf
                )
            )
        out.append(row)
    return out


def _word_scored(
    text: str, offsets: list[Token], probs: np.ndarray, spans: list[Span]
) -> list[ScoredSpan]:
    """The model's own decoded spans (as `carner predict` gives them), each scored by its least sure word."""
    if not len(offsets):
        return []
    sure = probs.max(axis=1)
    row = []
    for start, end, label in spans:
        inside = [i for i, (s, e) in enumerate(offsets) if s >= start and e <= end]
        conf = float(min(sure[i] for i in inside)) if inside else 0.0
        row.append(ScoredSpan(start, end, label, text[start:end], conf))
    return row
