"""The spaCy student: spaCy NER trained on the teacher's hard labels over the augmented set.

Why: this is what the research did — the baseline's architecture, but trained on ~50x more text,
labelled by BERT instead of by hand. It reuses the baseline's training routine
(`training.baseline.train_spacy_ner`, same `.cfg`, same DocBin alignment), so the two differ only in
their data; the output is a `spacy.load`-able directory with `metrics.json` (kind "student-spacy").
"""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carner.annotation.labels import Span
from carner.training.label import LabelledText

log = logging.getLogger(__name__)

KIND = "student-spacy"


@dataclass
class SpacyStudentConfig:
    """Settings on top of the baseline's `.cfg`: epochs, step cap (0 = none), dev split, overrides."""

    epochs: int = 15
    max_steps: int = 0  # 0: `epochs` passes (the baseline's cfg caps steps at 5000; 200k texts need more)
    stream: bool = True  # shuffled shards read one at a time (bounded memory); False: spaCy's in-memory list
    shard_size: int = 10_000
    dev_fraction: float = 0.05  # of the labelled set, when no gold dev texts are given
    seed: int = 0
    config_path: Path | None = None  # None: the baseline's training/configs/baseline.cfg
    overrides: dict[str, Any] = field(default_factory=dict)


def train_spacy_student(
    cfg: SpacyStudentConfig,
    records: Iterable[LabelledText],
    labels: list[str],
    out_dir: Path,
    *,
    dev_texts: Sequence[str] | None = None,
    dev_spans: Sequence[Sequence[Span]] | None = None,
) -> Any:
    """Train on the teacher's spans of `records` (e.g. `training.label.iter_labelled(dir)`).

    Checkpoints are chosen on `dev_texts/dev_spans` (gold) when given, else on a `dev_fraction` of the
    labelled set scored against the teacher's spans. Returns the baseline's `TrainResult`.
    """
    from carner.training.baseline import BASELINE_CONFIG, SpacyTrainConfig, spacy_lang, train_spacy_ner
    from carner.training.spacy_docs import blank_nlp, write_docbin
    from carner.training.spacy_stream import write_shards

    texts: list[str] = []
    spans: list[list[Span]] = []
    for rec in records:
        texts.append(rec.text)
        spans.append(rec.spans)
    if not texts:
        raise ValueError("no labelled texts to train on")
    if dev_texts is None or dev_spans is None:
        order = list(range(len(texts)))
        random.Random(cfg.seed).shuffle(order)
        n_dev = max(1, round(len(texts) * cfg.dev_fraction))
        dev_idx, train_idx = sorted(order[:n_dev]), sorted(order[n_dev:])
        dev_texts, dev_spans = [texts[i] for i in dev_idx], [spans[i] for i in dev_idx]
        texts, spans = [texts[i] for i in train_idx], [spans[i] for i in train_idx]
    config_path = Path(cfg.config_path or BASELINE_CONFIG)
    nlp = blank_nlp(spacy_lang(config_path))
    overrides = {"training.max_steps": cfg.max_steps, **cfg.overrides}
    train_cfg = SpacyTrainConfig(
        config_path=config_path,
        overrides=overrides,
        seed=cfg.seed,
        epochs=cfg.epochs,
        labels=list(labels),
        stream=cfg.stream,
    )
    with tempfile.TemporaryDirectory(prefix="carner-student-spacy-") as work:
        paths = {"train": Path(work) / "train.spacy", "dev": Path(work) / "dev.spacy"}
        if cfg.stream:
            paths["train"] = Path(work) / "train"
            stats = write_shards(paths["train"], texts, spans, nlp, shard_size=cfg.shard_size, seed=cfg.seed)
        else:
            stats = write_docbin(paths["train"], texts, spans, nlp=nlp)
        del texts, spans  # on disk now; training reads the shards
        write_docbin(paths["dev"], list(dev_texts), [list(s) for s in dev_spans], nlp=nlp)
        if stats.misaligned or stats.dropped:
            log.warning(
                "student-spacy: %d of %d teacher spans not on spaCy token boundaries "
                "(%d snapped, %d dropped)",
                stats.misaligned,
                stats.spans,
                stats.snapped,
                stats.dropped,
            )
        extra = {
            "distillation": {
                "train_texts": stats.texts,
                "streamed": cfg.stream,
                "dev_texts": len(dev_texts),
                "alignment_train": {k: v for k, v in stats.as_dict().items() if k != "examples"},
            }
        }
        return train_spacy_ner(paths["train"], paths["dev"], Path(out_dir), KIND, labels, train_cfg, extra)


def load_model(path: Path | str) -> Any:
    """`training.models.MODEL_LOADERS` entry for kind "student-spacy" (the baseline's spaCy wrapper)."""
    from carner.training.baseline import load_model as load_spacy

    model = load_spacy(Path(path))
    if model.kind != KIND:
        raise ValueError(f"{path}/metrics.json: kind is {model.kind!r}, expected {KIND!r}")
    return model
