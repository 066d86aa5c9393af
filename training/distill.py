"""The distillation chain as one plain function: teacher → augment → teacher labels → students → evaluation.

Why one function: `carner train all`, the bench scripts and the demo run the same steps in the same
order. Each step records a key (its inputs' hashes + its config) in `<work_dir>/distill-state.json`;
a step whose key is unchanged and whose output still exists is skipped, so a second run after a crash
(or after changing only a student setting) redoes only what changed. Teacher labelling is resumable
inside itself as well (finished chunks are kept).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from training.artifacts import file_sha256, read_json, write_json_atomic
from training.augment import AugmentConfig
from training.label import LabelConfig
from training.student_soft import SoftStudentConfig
from training.student_spacy import SpacyStudentConfig
from training.teacher import TeacherConfig

log = logging.getLogger(__name__)

STATE_FILE = "distill-state.json"
STUDENT_KINDS = ("student-spacy", "student-soft")


@dataclass
class DistillConfig:
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    label: LabelConfig = field(default_factory=LabelConfig)
    spacy_student: SpacyStudentConfig = field(default_factory=SpacyStudentConfig)
    soft_student: SoftStudentConfig = field(default_factory=SoftStudentConfig)
    students: tuple[str, ...] = STUDENT_KINDS
    evaluate: bool = True
    speed_texts: int = 1000


@dataclass
class DistillManifest:
    teacher_dir: str
    augmented: str
    labelled_dir: str
    students: dict[str, str]
    skipped: list[str]
    seconds: dict[str, float]
    evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)


def _key(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _dataset_hash(data_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("text_train.npy", "labels_train.npy", "text_test.npy", "labels_test.npy"):
        path = data_dir / name
        if path.is_file():
            h.update(file_sha256(path).encode())
    return h.hexdigest()[:16]


def _model_hash(model_dir: Path) -> str:
    weights = [p for p in sorted(model_dir.glob("*.safetensors"))] or [model_dir / "metrics.json"]
    return _key([file_sha256(p) for p in weights])


def run_distillation(
    cfg: DistillConfig,
    data_dir: Path,
    work_dir: Path,
    models_dir: Path,
    *,
    labels: list[str] | None = None,
    allow_pickle: bool = False,
) -> DistillManifest:
    """Train the teacher and the students from one npy dataset; evaluate each on its test split."""
    from training.label import iter_labelled, label_file
    from training.npy_io import load_npy_dataset

    data_dir, work_dir, models_dir = Path(data_dir), Path(work_dir), Path(models_dir)
    unknown = set(cfg.students) - set(STUDENT_KINDS)
    if unknown:
        raise ValueError(f"unknown student kind(s) {sorted(unknown)}; known: {', '.join(STUDENT_KINDS)}")
    ds = load_npy_dataset(data_dir, labels=labels, allow_pickle=allow_pickle)
    if not ds.train_texts:
        raise ValueError(f"{data_dir}: the training split is empty")
    work_dir.mkdir(parents=True, exist_ok=True)
    state_path = work_dir / STATE_FILE
    state: dict[str, str] = read_json(state_path) if state_path.is_file() else {}
    skipped: list[str] = []
    seconds: dict[str, float] = {}
    data_hash = _dataset_hash(data_dir)

    def step(name: str, key: str, output: Path, run: Any) -> None:
        if state.get(name) == key and output.exists():
            log.info("distill: %s unchanged, skipped (%s)", name, output)
            skipped.append(name)
            return
        t0 = time.perf_counter()
        run()
        seconds[name] = round(time.perf_counter() - t0, 2)
        state[name] = key
        write_json_atomic(state_path, state)

    # 1. teacher on the gold training split
    from training.teacher import train_teacher

    teacher_dir = models_dir / "teacher"
    step(
        "teacher",
        _key(data_hash, asdict(cfg.teacher), ds.labels),
        teacher_dir / "metrics.json",
        lambda: train_teacher(cfg.teacher, ds.train_texts, ds.train_spans, ds.labels, teacher_dir),
    )

    # 2. augmented set from the gold training split
    from training.augment import AUGMENTED_FILE, augment

    aug_dir = work_dir / "augmented"
    step(
        "augment",
        _key(data_hash, asdict(cfg.augment)),
        aug_dir / AUGMENTED_FILE,
        lambda: augment(cfg.augment, ds.train_texts, ds.train_spans, aug_dir, progress=cfg.teacher.progress),
    )

    # 3. teacher labels (spans + per-word probabilities), resumable chunk by chunk
    from training.teacher import TeacherModel

    labelled_dir = work_dir / "labelled"
    label_key = _key(
        file_sha256(aug_dir / AUGMENTED_FILE),
        _model_hash(teacher_dir),
        cfg.label.chunk_size,
        cfg.label.decode,
        cfg.label.committee_baseline,
        cfg.label.committee_bert_weight,
    )
    step(
        "label",
        label_key,
        labelled_dir / "index.json",
        lambda: label_file(
            cfg.label,
            TeacherModel(teacher_dir, threads=cfg.teacher.threads),
            aug_dir / AUGMENTED_FILE,
            labelled_dir,
        ),
    )

    # 4. students on the labelled set
    students: dict[str, str] = {}
    if "student-spacy" in cfg.students:
        from training.student_spacy import train_spacy_student

        out = models_dir / "student-spacy"
        students["student-spacy"] = str(out)
        step(
            "student-spacy",
            _key(label_key, asdict(cfg.spacy_student)),
            out / "metrics.json",
            lambda: train_spacy_student(cfg.spacy_student, iter_labelled(labelled_dir), ds.labels, out),
        )
    if "student-soft" in cfg.students:
        from training.student_soft import train_soft_student

        out_soft = models_dir / "student-soft"
        students["student-soft"] = str(out_soft)
        step(
            "student-soft",
            _key(label_key, asdict(cfg.soft_student)),
            out_soft / "metrics.json",
            lambda: train_soft_student(cfg.soft_student, iter_labelled(labelled_dir), ds.labels, out_soft),
        )

    # 5. one evaluation for every model (the report reads it from each metrics.json)
    evaluations: dict[str, dict[str, Any]] = {}
    if cfg.evaluate and ds.test_texts:
        from training.evaluate import evaluate_dir

        for kind, path in {"teacher": str(teacher_dir), **students}.items():
            evaluations[kind] = evaluate_dir(
                path,
                ds.test_texts,
                ds.test_spans,
                labels=ds.labels,
                eval_data={"dir": str(data_dir), "split": "test", "content_hash": data_hash},
                speed_texts=cfg.speed_texts,
            )
    return DistillManifest(
        teacher_dir=str(teacher_dir),
        augmented=str(aug_dir / AUGMENTED_FILE),
        labelled_dir=str(labelled_dir),
        students=students,
        skipped=skipped,
        seconds=seconds,
        evaluations=evaluations,
    )
