"""How much training one run of the chain does: one typed, JSON-able plan, the only place for it.

Every door reads it: `carner train all` and the single-step commands take their defaults from
`TrainPlan()`, the `train-models` flow takes it as a parameter, `bench/models.py` runs `RESEARCH_PLAN`
or `DEMO_PLAN`. The defaults are the stage configs' own (research scale: 15 epochs, 50 augmented
variants per text), so they are stated once, in the configs; the plan turns into stage configs only
through its `*_config()` methods. A new option: a field here plus one line in its `*_config()`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from carner.training.augment import AugmentConfig
from carner.training.baseline import BASELINE_CONFIG, SpacyTrainConfig
from carner.training.dataset import DatasetConfig
from carner.training.evaluate import SPEED_TEXTS
from carner.training.label import LabelConfig
from carner.training.student_soft import SoftStudentConfig
from carner.training.student_spacy import SpacyStudentConfig
from carner.training.teacher import TeacherConfig
from pydantic import BaseModel, ConfigDict, Field

MODEL_KINDS: tuple[str, ...] = ("baseline", "teacher", "student-spacy", "student-soft")
STUDENT_KINDS: tuple[str, ...] = ("student-spacy", "student-soft")
LABEL_EXECUTORS: tuple[str, ...] = ("local", "dask")


def _cfg_max_epochs(path: Path) -> int:
    """`training.max_epochs` of a spaCy config, read as text (spaCy's parser imports torch)."""
    text = path.read_text(encoding="utf-8")
    section = re.search(r"^\[training\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = re.search(r"^max_epochs\s*=\s*(\d+)\s*$", section.group(1) if section else "", re.M)
    if found is None:
        raise ValueError(f"{path}: no training.max_epochs")
    return int(found.group(1))


BASELINE_EPOCHS = _cfg_max_epochs(BASELINE_CONFIG)  # the shipped config's own (the research's 15)

ModelKind = Literal["baseline", "teacher", "student-spacy", "student-soft"]


class TrainPlan(BaseModel):
    """Which models to train and how long; `seed` seeds every step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: list[ModelKind] = Field(default_factory=lambda: list(MODEL_KINDS), description="Kinds to train.")
    seed: int = Field(DatasetConfig.seed, description="Random seed of every step (and of the split).")
    test_size: float = Field(
        DatasetConfig.test_size, gt=0, lt=1, description="Share of texts in the test split."
    )
    threads: int | None = Field(
        None, ge=1, description="CPU threads for training (None: TRAIN_THREADS, the same on every machine)."
    )
    device: str | None = Field(None, description="cpu or cuda for torch (None: CUDA when available).")
    allow_pickle: bool = Field(False, description="Accept pickled object arrays in the npy files.")
    baseline_epochs: int | None = Field(
        BASELINE_EPOCHS, ge=1, description="Baseline epochs (None: the spaCy config's own)."
    )
    baseline_cfg: str | None = Field(
        None, description="spaCy config file (None: training/configs/baseline.cfg)."
    )
    baseline_overrides: dict[str, Any] = Field(
        default_factory=dict, description="spaCy config overrides, section.key -> value."
    )
    baseline_labels: list[str] | None = Field(None, description="Label set (None: the data's).")
    teacher_epochs: int = Field(TeacherConfig.epochs, ge=1)
    teacher_max_texts: int | None = Field(TeacherConfig.max_texts, ge=1, description="Cap on its texts.")
    teacher_batch_size: int = Field(TeacherConfig.batch_size, ge=1)
    teacher_learning_rate: float = Field(TeacherConfig.learning_rate, gt=0)
    teacher_dropout: float = Field(TeacherConfig.dropout, ge=0, lt=1)
    teacher_encoder_dropout: float | None = Field(TeacherConfig.encoder_dropout, ge=0, lt=1)
    teacher_patience: int = Field(TeacherConfig.patience, ge=1)
    teacher_label_weighting: str = Field(
        TeacherConfig.label_weighting, description="Loss weight of rare labels (none, inverse_sqrt, ...)."
    )
    bert: str | None = Field(TeacherConfig.bert, description="BERT path or hub name; None: offline MiniLM.")
    augment_n_iter: int = Field(AugmentConfig.n_iter, ge=0, description="Augmented variants per text.")
    augment_p_mask: float = Field(AugmentConfig.p_mask, ge=0, le=1, description="Chance a word is masked.")
    augment_p_pos: float = Field(AugmentConfig.p_pos, ge=0, le=1, description="Chance an entity is swapped.")
    augment_p_ng: float = Field(AugmentConfig.p_ng, ge=0, le=1, description="Chance of an n-gram shuffle.")
    augment_mask_token: str = Field(AugmentConfig.mask_token, description="The teacher's mask token.")
    label_batch_size: int = Field(LabelConfig.batch_size, ge=1)
    label_chunk_size: int = Field(LabelConfig.chunk_size, ge=1, description="Texts per resumable chunk.")
    label_executor: Literal["local", "dask"] = Field("local", description="local, or dask processes.")
    label_workers: int | None = Field(None, ge=1, description="dask: worker processes (None: CPUs).")
    label_max_chunks: int | None = Field(None, ge=1, description="Stop after this many new chunks.")
    label_restart: bool = Field(True, description="Discard chunks made from another input or teacher.")
    label_committee_baseline: str | None = Field(
        LabelConfig.committee_baseline, description="spaCy model averaged with the teacher (None: none)."
    )
    label_committee_bert_weight: float = Field(
        LabelConfig.committee_bert_weight, ge=0, le=1, description="The teacher's weight in the committee."
    )
    student_epochs: int = Field(SpacyStudentConfig.epochs, ge=1, description="spaCy student epochs.")
    soft_epochs: int = Field(SoftStudentConfig.epochs, ge=1, description="Soft-label student epochs.")
    soft_batch_size: int = Field(SoftStudentConfig.batch_size, ge=1)
    soft_alpha: float = Field(
        SoftStudentConfig.alpha, ge=0, le=1, description="Weight of the hard-label loss."
    )
    soft_temperature: float = Field(SoftStudentConfig.temperature, gt=0, description="Teacher temperature.")
    speed_texts: int = Field(
        SPEED_TEXTS, ge=1, description="Texts timed (best of 3 passes) for the speed figures."
    )
    measure_speed: bool = Field(True, description="Time each model (False: F1 and size only).")
    promote: bool = Field(True, description="Promote a model that beats its kind's champion.")

    def wants(self, kind: str) -> bool:
        return kind in self.kinds

    def students(self) -> list[str]:
        return [k for k in STUDENT_KINDS if self.wants(k)]

    def needs_teacher(self) -> bool:
        return self.wants("teacher") or bool(self.students())

    # ---- stage configs: the only translation from plan to stages
    def dataset_config(self, **settings: object) -> DatasetConfig:
        """The split of the dataset step (`source`, `fields`: what to read from the database)."""
        return DatasetConfig(test_size=self.test_size, seed=self.seed, **settings)  # type: ignore[arg-type]

    def baseline_config(self) -> SpacyTrainConfig:
        return SpacyTrainConfig(
            config_path=Path(self.baseline_cfg) if self.baseline_cfg else BASELINE_CONFIG,
            overrides=dict(self.baseline_overrides),
            epochs=self.baseline_epochs,
            seed=self.seed,
            labels=self.baseline_labels,
            allow_pickle=self.allow_pickle,
        )

    def teacher_config(self) -> TeacherConfig:
        return TeacherConfig(
            bert=self.bert,
            epochs=self.teacher_epochs,
            batch_size=self.teacher_batch_size,
            learning_rate=self.teacher_learning_rate,
            dropout=self.teacher_dropout,
            encoder_dropout=self.teacher_encoder_dropout,
            max_texts=self.teacher_max_texts,
            patience=self.teacher_patience,
            label_weighting=self.teacher_label_weighting,
            seed=self.seed,
            device=self.device,
            threads=self.threads,
            progress=False,
        )

    def augment_config(self) -> AugmentConfig:
        return AugmentConfig(
            n_iter=self.augment_n_iter,
            p_mask=self.augment_p_mask,
            p_pos=self.augment_p_pos,
            p_ng=self.augment_p_ng,
            mask_token=self.augment_mask_token,
            seed=self.seed,
        )

    def label_config(self) -> LabelConfig:
        return LabelConfig(
            chunk_size=self.label_chunk_size,
            batch_size=self.label_batch_size,
            progress=False,
            restart=self.label_restart,
            max_chunks=self.label_max_chunks,
            committee_baseline=self.label_committee_baseline,
            committee_bert_weight=self.label_committee_bert_weight,
        )

    def spacy_student_config(self) -> SpacyStudentConfig:
        return SpacyStudentConfig(epochs=self.student_epochs, seed=self.seed)

    def soft_student_config(self) -> SoftStudentConfig:
        return SoftStudentConfig(
            epochs=self.soft_epochs,
            batch_size=self.soft_batch_size,
            alpha=self.soft_alpha,
            temperature=self.soft_temperature,
            seed=self.seed,
            threads=self.threads,
            progress=False,
        )


RESEARCH_PLAN = TrainPlan()

# `carner demo` and `bench/models.py --scale demo`: under 5 minutes on a quiet 2-core CPU. A short
# teacher sees few optimiser steps at batch 32 on ~150 texts: smaller batches and a higher learning
# rate give it enough updates to teach something. The spaCy student was the demo's costliest step
# (111 s of 373 s with x3 augmentation and 8 epochs on 1,500 listings, measured on the idle machine):
# x2 and 4 epochs; the baseline keeps its 15 epochs (12 cost it 5 macro points for 10 s).
DEMO_PLAN = TrainPlan(
    baseline_epochs=15,
    teacher_epochs=3,
    teacher_max_texts=400,
    teacher_batch_size=16,
    teacher_learning_rate=2e-4,
    augment_n_iter=2,
    student_epochs=4,
    soft_epochs=4,
    speed_texts=32,
)


class DemoSite(BaseModel):
    """What the demo's sandbox serves.

    Real sellers name a gearbox in 0.3 % of titles and a colour in 1.4 % (`bench/sandbox_realism.py`):
    at that rate a few hundred training titles hold a handful of each, and those labels score 0.00.
    The demo's site writes the same forms with more seller text and characteristics named
    `characteristics` times as often, so every label is learnt within the demo's minutes.
    """

    listings: int = Field(1200, ge=2, description="Listings the sandbox site serves.")
    mix: dict[str, float] = Field(
        default_factory=lambda: {"stop": 0.1, "dealer": 0.25, "short": 0.15, "characteristics": 8.0},
        description="carner.scraper.sandbox.generator.TitleMix of the demo's titles.",
    )


DEMO_SITE = DemoSite()
