"""Per-label effect of each teacher/student option at a research-like scale that fits one session.

    .venv/bin/python bench/label_quality.py --out DIR [--listings 2800] [--steps data,baseline,teacher,...]

Why a separate bench: `bench/models.py --scale research` takes over an hour on a 2-core CPU, too long
to try each decoding and labelling option there. This bench builds one dataset from sandbox listings through
`training.dataset` (same generator, same split by listing, ~650 train / ~650 test titles at the
default size), trains the spaCy baseline and MiniLM teachers once per setting, and scores every model
and decoder per label on the test split (`training.evaluate.score_spans`). Steps whose output exists
are skipped, so a run can be resumed or extended with more variants; `results.json` collects all.

Steps:
  data        sandbox listings -> npy dataset (test split 0.5)
  baseline    spaCy NER (training/configs/baseline.cfg, 15 epochs)
  teacher     MiniLM, label_weighting none (TEACHER_KW)
  teacher-isqrt  the same with label_weighting inverse_sqrt
  decode      every teacher scored with argmax / viterbi (constraints only) / viterbi + joined labels
  committee   teacher + baseline committee (training.committee) scored at several BERT weights
  students    augment x N_ITER, label by the teacher and by the committee, one soft student each
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

log = logging.getLogger("bench.label_quality")

# The demo's teacher settings (batch 16, lr 2e-4, classifier dropout 0.5, encoder 0.1): a few hundred
# titles and a few epochs are all a shared 2-core CPU trains in one session.
TEACHER_KW: dict[str, Any] = {
    "epochs": 5,
    "batch_size": 16,
    "learning_rate": 2e-4,
    "dropout": 0.5,
    "encoder_dropout": 0.1,
    "patience": 2,
    "threads": 1,
    "progress": False,
}
N_ITER = 5
STEPS = ("data", "baseline", "teacher", "teacher-isqrt", "decode", "committee", "students")


def _dataset(out: Path, n_listings: int) -> Any:
    from carner.scraper.sandbox.generator import generate_listings
    from carner.training.dataset import build_dataset, records_from_listings
    from carner.training.npy_io import load_npy_dataset

    data = out / "data"
    if not (data / "dataset.json").is_file():
        build_dataset(
            records_from_listings(generate_listings(n_listings, seed=0)), data, seed=0
        )  # the plan's split (DatasetConfig.test_size)
    return load_npy_dataset(data)


def _scores(gold: list, pred: list, labels: list[str]) -> dict[str, Any]:
    from carner.training.evaluate import score_spans

    s = score_spans(gold, pred, labels)
    return {
        "micro_f1": round(s["micro"]["f1"], 4),
        "macro_f1": round(s["macro"]["f1"], 4),
        "per_label_f1": {k: round(v["f1"], 4) for k, v in s["per_label"].items()},
        "support": {k: v["support"] for k, v in s["per_label"].items()},
    }


def _record(out: Path, key: str, value: Any) -> None:
    path = out / "results.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[key] = value
    path.write_text(json.dumps(results, indent=1))
    log.info("%s: %s", key, json.dumps({k: v for k, v in value.items() if k != "support"}))


def step_teacher(out: Path, ds: Any, name: str, **extra: Any) -> None:
    from carner.training.teacher import TeacherConfig, train_teacher

    target = out / "models" / name
    if (target / "metrics.json").is_file():
        return
    t0 = time.perf_counter()
    m = train_teacher(
        TeacherConfig(**{**TEACHER_KW, **extra}), ds.train_texts, ds.train_spans, ds.labels, target
    )
    log.info(
        "%s trained in %.0f s (best epoch %d of %d)",
        name,
        time.perf_counter() - t0,
        m.best_epoch,
        m.epochs_run,
    )


def step_decode(out: Path, ds: Any) -> None:
    from carner.training.decode import Decoder
    from carner.training.teacher import TeacherModel

    for name in sorted(p.name for p in (out / "models").glob("teacher*")):
        model = TeacherModel(out / "models" / name, threads=1)
        preds = model.predict_with_probs(ds.test_texts)
        for mode, decoder in (
            ("argmax", Decoder(model.tags, "argmax")),
            ("viterbi", Decoder(model.tags, "viterbi")),
            ("viterbi+joined", Decoder(model.tags, "viterbi", joined=model.decoder.joined)),
        ):
            spans = [decoder.spans(p.word_offsets, p.probs) for p in preds]
            _record(out, f"{name}/{mode}", _scores(ds.test_spans, spans, ds.labels))


COMMITTEE_WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9)
SOFT_KW: dict[str, Any] = {"epochs": 4, "batch_size": 32, "threads": 1, "progress": False, "seed": 0}


def step_committee(out: Path, ds: Any, teacher: str = "teacher") -> None:
    """The committee of `teacher` and the baseline scored on the test split at several BERT weights."""
    from carner.training.committee import CommitteeTeacher
    from carner.training.teacher import TeacherModel

    model = TeacherModel(out / "models" / teacher, threads=1)
    preds = model.predict_with_probs(ds.test_texts)
    committee = CommitteeTeacher(model, out / "models" / "baseline")
    spacy_spans = committee.spacy.predict(ds.test_texts)
    for w in COMMITTEE_WEIGHTS:
        committee.bert_weight = w
        spans = [committee.combine(p, sp).spans for p, sp in zip(preds, spacy_spans, strict=True)]
        _record(out, f"committee({teacher}+baseline, w={w})", _scores(ds.test_spans, spans, ds.labels))


def step_students(out: Path, ds: Any, labellers: list[str]) -> None:
    """Augment once; label with each labeller ("teacher", "committee:W"); one soft student per labelling."""
    from carner.training.augment import AugmentConfig, augment
    from carner.training.label import LabelConfig, iter_labelled, label_file
    from carner.training.student_soft import SoftStudentConfig, SoftStudentModel, train_soft_student
    from carner.training.teacher import TeacherModel

    aug = out / "augmented"
    if not (aug / "augmented.jsonl").is_file():
        augment(AugmentConfig(n_iter=N_ITER, seed=0), ds.train_texts, ds.train_spans, aug, progress=False)
    for name in labellers:
        teacher_name, _, weight = name.partition(":")
        cfg = LabelConfig(chunk_size=5000, progress=False)
        if teacher_name == "committee":
            teacher_name = "teacher"
            cfg = LabelConfig(
                chunk_size=5000,
                progress=False,
                committee_baseline=str(out / "models" / "baseline"),
                committee_bert_weight=float(weight),
            )
        labelled = out / f"labelled-{name}"
        index = labelled / "index.json"
        if not (index.is_file() and json.loads(index.read_text()).get("complete")):
            t0 = time.perf_counter()
            label_file(cfg, TeacherModel(out / "models" / teacher_name, threads=1), aug, labelled)
            log.info("labelled by %s in %.0f s", name, time.perf_counter() - t0)
        student = out / "models" / f"student-soft-{name}"
        if not (student / "metrics.json").is_file():
            t0 = time.perf_counter()
            train_soft_student(SoftStudentConfig(**SOFT_KW), iter_labelled(labelled), ds.labels, student)
            log.info("student from %s trained in %.0f s", name, time.perf_counter() - t0)
        for mode in ("argmax", "viterbi"):
            pred = SoftStudentModel(student, decode=mode).predict(ds.test_texts)
            _record(out, f"student-soft({name})/{mode}", _scores(ds.test_spans, pred, ds.labels))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--listings", type=int, default=1400)
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--labellers", default="teacher,committee:0.7", help="for the students step")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import torch
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(1)  # one thread: two spin-wait on a shared CPU (FACTS.md)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    ds = _dataset(out, args.listings)
    log.info(
        "dataset: %d train / %d test titles, labels %s", len(ds.train_texts), len(ds.test_texts), ds.labels
    )
    if "baseline" in steps and not (out / "models" / "baseline" / "meta.json").is_file():
        from carner.training.baseline import SpacyTrainConfig, train_baseline

        train_baseline(
            out / "data", out / "models" / "baseline", SpacyTrainConfig(epochs=15, seed=0), evaluate=False
        )
    if "baseline" in steps:
        from carner.training.models import load_model

        _record(
            out,
            "baseline",
            _scores(ds.test_spans, load_model(out / "models" / "baseline").predict(ds.test_texts), ds.labels),
        )
    if "teacher" in steps:
        step_teacher(out, ds, "teacher")
    if "teacher-isqrt" in steps:
        step_teacher(out, ds, "teacher-isqrt", label_weighting="inverse_sqrt")
    if "decode" in steps:
        step_decode(out, ds)
    if "committee" in steps:
        step_committee(out, ds)
    if "students" in steps:
        step_students(out, ds, args.labellers.split(","))


if __name__ == "__main__":
    main()
