"""The committee teacher (training.committee): a tiny BERT and the tiny spaCy baseline label together."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.evaluate import score_spans  # noqa: E402
from carner.training.label import LabelConfig, label_file, load_chunk  # noqa: E402
from carner.training.npy_io import load_npy_dataset  # noqa: E402
from carner.training.teacher import TeacherConfig, TeacherModel, train_teacher  # noqa: E402

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers  # noqa: E402


@pytest.fixture(scope="module")
def members(
    tmp_path_factory: pytest.TempPathFactory, tiny_dataset_dir: Path, tiny_baseline_dir: Path
) -> dict:
    """A tiny BERT teacher (4 epochs: weaker than the baseline) and the baseline, on one dataset."""
    quiet_transformers()
    ds = load_npy_dataset(tiny_dataset_dir)
    root = tmp_path_factory.mktemp("committee")
    bert = build_tiny_bert(ds.train_texts, root / "bert")
    cfg = TeacherConfig(
        bert=str(bert), epochs=4, learning_rate=1e-3, dropout=0.1, batch_size=16, progress=False, seed=0
    )
    train_teacher(cfg, ds.train_texts, ds.train_spans, ds.labels, root / "teacher")
    return {"ds": ds, "teacher": root / "teacher", "baseline": tiny_baseline_dir, "root": root}


def test_committee_labels_better_than_its_weaker_member(members: dict) -> None:
    from carner.training.committee import CommitteeTeacher
    from carner.training.models import load_model

    ds = members["ds"]
    teacher = TeacherModel(members["teacher"])
    committee = CommitteeTeacher(teacher, members["baseline"], bert_weight=0.6)
    scores = {
        "teacher": score_spans(ds.test_spans, teacher.predict(ds.test_texts), ds.labels),
        "baseline": score_spans(
            ds.test_spans, load_model(members["baseline"]).predict(ds.test_texts), ds.labels
        ),
        "committee": score_spans(ds.test_spans, committee.predict(ds.test_texts), ds.labels),
    }
    f1 = {k: (round(v["micro"]["f1"], 3), round(v["macro"]["f1"], 3)) for k, v in scores.items()}
    print("micro / macro F1:", f1)
    assert f1["committee"][1] >= f1["teacher"][1] + 0.02  # the baseline's rare labels come through
    assert f1["committee"][0] >= min(f1["teacher"][0], f1["baseline"][0])
    for pred in committee.predict_with_probs(ds.test_texts[:20] + [""]):
        assert np.allclose(pred.probs.sum(axis=1), 1.0, atol=1e-5)
    alone = CommitteeTeacher(teacher, members["baseline"], bert_weight=1.0).predict(ds.test_texts)
    assert alone == teacher.predict(ds.test_texts)  # weight 1: the teacher alone


def test_committee_labelling_is_recorded_and_not_mixed_with_other_labels(
    members: dict, tmp_path: Path
) -> None:
    ds = members["ds"]
    lines = "".join(json.dumps({"text": t, "label": []}) + "\n" for t in ds.train_texts[:60])
    (tmp_path / "aug.jsonl").write_text(lines)
    cfg = LabelConfig(chunk_size=40, progress=False, committee_baseline=str(members["baseline"]))
    out = tmp_path / "labelled"
    label_file(cfg, TeacherModel(members["teacher"]), tmp_path / "aug.jsonl", out)
    index = json.loads((out / "index.json").read_text())
    assert index["committee"]["bert_weight"] == 0.6 and index["committee"]["baseline_sha256"]
    assert index["decode"] == "viterbi" and index["complete"]
    rows = load_chunk(out / "chunk-00000.npz")
    assert all(np.allclose(r.probs.sum(axis=1), 1.0, atol=2e-3) for r in rows if len(r.probs))
    other = LabelConfig(
        chunk_size=40, progress=False, committee_baseline=str(members["baseline"]), committee_bert_weight=0.8
    )
    with pytest.raises(ValueError, match="another input, teacher or chunk size"):
        label_file(other, TeacherModel(members["teacher"]), tmp_path / "aug.jsonl", out)
    with pytest.raises(ValueError, match="committee_bert_weight"):
        LabelConfig(committee_bert_weight=1.5)


def test_the_chain_labels_by_committee_when_the_plan_names_one(
    members: dict, tiny_dataset_dir: Path, tmp_path: Path
) -> None:
    """A plan variant (`label_committee_baseline`) runs the chain's own label step by committee, under a
    key of its own: the teacher-only labels of the same plan are never reused for it."""
    from carner.training.chain import run_chain
    from carner.training.plan import TrainPlan

    plan = TrainPlan(kinds=["student-soft"], augment_n_iter=1, label_chunk_size=40, promote=False)
    committee = plan.model_copy(
        update={"label_committee_baseline": str(members["baseline"]), "label_committee_bert_weight": 0.7}
    )
    given = {"teacher": members["teacher"]}
    alone = run_chain(plan, tiny_dataset_dir, tmp_path, only=["augment", "label"], given=given)
    both = run_chain(committee, tiny_dataset_dir, tmp_path, only=["augment", "label"], given=given)
    assert both.steps["augment"].skipped and both.steps["augment"].key == alone.steps["augment"].key
    assert not both.steps["label"].skipped and both.steps["label"].key != alone.steps["label"].key
    index = json.loads((Path(both.steps["label"].out) / "index.json").read_text())
    assert index["committee"]["bert_weight"] == 0.7 and index["complete"]
    assert "committee" not in json.loads((Path(alone.steps["label"].out) / "index.json").read_text())


def test_the_plan_carries_the_teachers_label_weighting() -> None:
    from carner.training.plan import TrainPlan

    assert TrainPlan().teacher_config().label_weighting == "inverse_sqrt"
    assert TrainPlan(teacher_label_weighting="none").teacher_config().label_weighting == "none"
    with pytest.raises(ValueError, match="label_weighting"):
        TrainPlan(teacher_label_weighting="loud").teacher_config()
