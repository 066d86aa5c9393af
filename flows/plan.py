"""How much training a `train_models` run does: one typed, JSON-able plan (a flow parameter).

Full scale follows the research (15 epochs, 50 augmented variants per text); `DEMO_PLAN` keeps
`carner demo` within minutes on a 2-core CPU. Stage configs (spaCy's .cfg, the teacher's and the
students' configs) are built from a plan in `flows/tasks.py`; everything a plan does not name keeps
the stage's own default.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

MODEL_KINDS: tuple[str, ...] = ("baseline", "teacher", "student-spacy", "student-soft")


class TrainPlan(BaseModel):
    kinds: list[str] = Field(default_factory=lambda: list(MODEL_KINDS), description="Model kinds to train.")
    seed: int = 0
    baseline_epochs: int = Field(15, ge=1)
    teacher_epochs: int = Field(15, ge=1)
    teacher_max_texts: int | None = Field(None, ge=1, description="Cap on teacher training texts.")
    teacher_batch_size: int | None = Field(None, ge=1, description="None: the teacher's default (32).")
    teacher_learning_rate: float | None = Field(None, gt=0, description="None: the teacher's default.")
    bert: str | None = Field(None, description="BERT path or hub name; default: the offline MiniLM.")
    augment_n_iter: int = Field(50, ge=0, description="Augmented variants per training text.")
    label_batch_size: int = Field(64, ge=1)
    student_epochs: int = Field(15, ge=1)
    soft_epochs: int = Field(10, ge=1)
    speed_texts: int = Field(200, ge=1, description="Texts timed for the CPU speed figures.")
    promote: bool = Field(True, description="Record runs and promote better challengers to champion.")

    def wants(self, kind: str) -> bool:
        return kind in self.kinds


# A short teacher sees few optimiser steps at batch 32 on ~150 texts: smaller batches and a higher
# learning rate give it enough updates to teach something within the demo's minutes.
DEMO_PLAN = TrainPlan(
    baseline_epochs=15,
    teacher_epochs=3,
    teacher_max_texts=400,
    teacher_batch_size=16,
    teacher_learning_rate=2e-4,
    augment_n_iter=3,
    student_epochs=8,
    soft_epochs=4,
    speed_texts=32,
)
