"""Both students, trained for a few steps on a tiny teacher-labelled set: loss falls, F1 beats a floor."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.augment import AugmentConfig, augment  # noqa: E402
from carner.training.label import LabelConfig, LabelledText, iter_labelled, label_file  # noqa: E402
from carner.training.teacher import TeacherConfig, TeacherModel, micro_f1, train_teacher  # noqa: E402

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A tiny BERT teacher fine-tuned on 240 sandbox titles; it labels ~4x augmented training titles."""
    quiet_transformers()
    root = tmp_path_factory.mktemp("students")
    texts, spans, labels = sandbox_titles(340, seed=21)
    train, test = (texts[:240], spans[:240]), (texts[240:], spans[240:])
    bert = build_tiny_bert(train[0], root / "bert")
    cfg = TeacherConfig(
        bert=str(bert), epochs=8, learning_rate=1e-3, dropout=0.1, batch_size=16, progress=False, seed=0
    )
    train_teacher(cfg, *train, labels, root / "teacher")
    teacher = TeacherModel(root / "teacher")
    augment(AugmentConfig(n_iter=4, seed=0), *train, root / "aug", progress=False)
    label_file(LabelConfig(chunk_size=500, progress=False), teacher, root / "aug", root / "labelled")
    teacher_test = teacher.predict(test[0])
    return {
        # word-by-word decoding on both sides measures how well the distributions are imitated
        "teacher_test_argmax": TeacherModel(root / "teacher", decode="argmax").predict(test[0]),
        "root": root,
        "labels": labels,
        "test": test,
        "teacher_test": teacher_test,
        "teacher_f1": micro_f1(test[1], teacher_test)["f1"],
    }


# ------------------------------------------------------------------------------------------ soft student
def test_soft_student_learns_from_teacher_distributions(labelled: dict, tmp_path: Path) -> None:
    from carner.training.models import load_model
    from carner.training.student_soft import SoftStudentConfig, SoftStudentModel, train_soft_student

    root, labels = labelled["root"], labelled["labels"]
    test_texts, test_spans = labelled["test"]
    base = {"progress": False, "seed": 0, "threads": 1}
    train_soft_student(
        SoftStudentConfig(max_steps=0, **base),
        iter_labelled(root / "labelled"),
        labels,
        tmp_path / "untrained",
    )
    floor = micro_f1(test_spans, load_model(tmp_path / "untrained", snap=False).predict(test_texts))["f1"]

    m = train_soft_student(
        SoftStudentConfig(epochs=4, **base), iter_labelled(root / "labelled"), labels, tmp_path / "soft"
    )
    model = load_model(tmp_path / "soft", snap=False)
    assert isinstance(model, SoftStudentModel) and model.kind == "student-soft"
    pred = model.predict(test_texts)
    f1 = micro_f1(test_spans, pred)["f1"]
    argmax_pred = SoftStudentModel(tmp_path / "soft", decode="argmax").predict(test_texts)
    agreement = micro_f1(labelled["teacher_test_argmax"], argmax_pred)["f1"]
    print(
        f"soft student: untrained F1 {floor:.3f}, trained {f1:.3f}, teacher {labelled['teacher_f1']:.3f}, "
        f"agreement with teacher {agreement:.3f}"
    )
    assert floor < 0.1
    assert m.history[-1]["loss"] < 0.5 * m.history[0]["loss"]  # the loss falls
    assert f1 > 0.5 and f1 > floor + 0.4
    assert agreement > 0.7  # it imitates the teacher, not only the gold
    files = {p.name for p in (tmp_path / "soft").iterdir()}
    assert files == {"model.safetensors", "config.json", "vocab.json", "metrics.json"}
    meta = json.loads((tmp_path / "soft" / "metrics.json").read_text())
    assert meta["kind"] == "student-soft" and meta["labels"] == labels
    conf = model.confidence(test_texts[:10] + [""])
    assert all(0 <= c <= 1 for c in conf) and conf[-1] == 1.0
    assert model.predict(["", "🚗", "[MASK] [MASK]"])[0] == []
    from carner.training.scored import predict_scored  # what the model server answers

    scored = predict_scored(model, test_texts[:20])
    assert [[(s.start, s.end, s.label) for s in row] for row in scored] == pred[:20]


def test_soft_student_temperature_and_alpha_change_the_objective(labelled: dict, tmp_path: Path) -> None:
    """Pure soft labels (alpha=0) at T=1 vs T=4 reach different weights: the KL term is really used."""
    from carner.training.student_soft import SoftStudentConfig, train_soft_student
    from safetensors.numpy import load_file

    root, labels = labelled["root"], labelled["labels"]
    for name, temp in (("t1", 1.0), ("t4", 4.0)):
        cfg = SoftStudentConfig(alpha=0.0, temperature=temp, max_steps=5, progress=False, threads=1)
        train_soft_student(cfg, iter_labelled(root / "labelled"), labels, tmp_path / name)
    a, b = load_file(tmp_path / "t1" / "model.safetensors"), load_file(tmp_path / "t4" / "model.safetensors")
    assert any(not np.allclose(a[k], b[k]) for k in a)


def test_soft_student_rejects_mismatched_distributions(labelled: dict, tmp_path: Path) -> None:
    from carner.training.student_soft import SoftStudentConfig, train_soft_student

    bad = [LabelledText("Ford Focus", [], [(0, 4), (5, 10)], np.ones((2, 3), dtype=np.float32) / 3)]
    with pytest.raises(ValueError, match="labelled text 0: probabilities of shape"):
        train_soft_student(SoftStudentConfig(progress=False), bad, labelled["labels"], tmp_path / "x")
    assert not (tmp_path / "x").exists()


# ----------------------------------------------------------------------------------------- spaCy student
def test_spacy_student_learns_from_teacher_labels(labelled: dict, tmp_path: Path, caplog) -> None:
    from carner.training.models import load_model
    from carner.training.student_spacy import SpacyStudentConfig, train_spacy_student

    root, labels = labelled["root"], labelled["labels"]
    test_texts, test_spans = labelled["test"]
    records = list(iter_labelled(root / "labelled"))[:600]
    train_spacy_student(SpacyStudentConfig(epochs=1, max_steps=1), records, labels, tmp_path / "untrained")
    floor = micro_f1(test_spans, load_model(tmp_path / "untrained", snap=False).predict(test_texts))["f1"]

    caplog.set_level(logging.INFO, logger="carner.training.baseline")
    result = train_spacy_student(SpacyStudentConfig(epochs=4), records, labels, tmp_path / "spacy")
    model = load_model(tmp_path / "spacy")
    assert model.kind == "student-spacy"
    pred = model.predict(test_texts)
    f1 = micro_f1(test_spans, pred)["f1"]
    agreement = micro_f1(labelled["teacher_test"], pred)["f1"]
    print(
        f"spaCy student: untrained F1 {floor:.3f}, trained {f1:.3f}, agreement with teacher {agreement:.3f}"
    )
    # NER loss per evaluation interval (one epoch here); step 0 is a single batch, so it is skipped
    pattern = r"student-spacy step [1-9]\d* epoch \d+: .*?ner=([\d.]+)"
    losses = [float(x) for x in re.findall(pattern, caplog.text)]
    assert len(losses) >= 2 and losses[-1] < losses[0]  # the loss falls
    assert floor < 0.3  # one optimiser step: about what position alone gives
    assert f1 > 0.5 and f1 > floor + 0.35  # 600 titles of a sandbox that writes every vPIC model
    assert result.metrics["kind"] == "student-spacy" and result.metrics["labels"] == labels
    assert result.metrics["distillation"]["train_texts"] == 570  # 600 minus the dev slice
    # Streamed by default: shuffled shards, no epochs for spaCy, 4 passes as a step budget (570 / 32 -> 18)
    assert result.metrics["distillation"]["streamed"] is True
    training = result.metrics["training"]
    assert training["max_epochs"] == -1 and training["overrides"]["training.max_steps"] == 4 * 18
    # the saved config is spaCy's own: the streaming reader and carner's logger are training details
    saved = (tmp_path / "spacy" / "config.cfg").read_text()
    assert "carner." not in saved and "spacy.Corpus.v1" in saved and "max_epochs = -1" not in saved
    assert result.epochs >= 4  # passes over the shards, as spaCy counts them


def test_spacy_student_in_memory_mode_still_trains(labelled: dict, tmp_path: Path) -> None:
    import subprocess
    import sys

    from carner.training.student_spacy import SpacyStudentConfig, train_spacy_student

    records = list(iter_labelled(labelled["root"] / "labelled"))[:200]
    cfg = SpacyStudentConfig(epochs=2, stream=False)
    result = train_spacy_student(cfg, records, labelled["labels"], tmp_path / "mem")
    assert result.metrics["distillation"]["streamed"] is False
    assert result.metrics["training"]["max_epochs"] == 2
    # A streamed student loads in a fresh process too: its config names the reader, loading skips it.
    streamed = train_spacy_student(
        SpacyStudentConfig(max_steps=2), records, labelled["labels"], tmp_path / "s"
    )
    assert streamed.metrics["training"]["overrides"]["training.max_steps"] == 2  # an explicit cap wins
    code = f"import spacy; print(spacy.load({str(tmp_path / 's')!r})('2015 Ford Focus').text)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2015 Ford Focus"
    # and its saved config is spaCy's own (standard reader and logger): `spacy debug config` accepts it
    from spacy.tokens import DocBin

    DocBin().to_disk(tmp_path / "corpus.spacy")
    paths = ["--paths.train", str(tmp_path / "corpus.spacy"), "--paths.dev", str(tmp_path / "corpus.spacy")]
    debug = [sys.executable, "-m", "spacy", "debug", "config", str(tmp_path / "s" / "config.cfg"), *paths]
    out = subprocess.run(debug, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
