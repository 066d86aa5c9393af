"""A saved teacher served by the standard `transformers.pipeline` gives exactly `carner predict`'s spans."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carner.training.hf_words import PIPELINE_AGGREGATION  # noqa: E402
from carner.training.teacher import TeacherConfig, TeacherModel, train_teacher  # noqa: E402

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402

# Hyphenated, dotted, colon and accented titles: where BERT's own pre-tokenizer and carner's words differ.
HARD = [
    "2019 Ford F-150 XLT 4x4",
    "Mercedes-Benz: CLA-Class CLA 250",
    "2013 Mercedes-Benz CLS-Class CLS 450",
    "2009 Mercedes-Benz G-Class 5.0L V8",
    "Nissan: GT-R Premium",
    "2001 Saab 9-3 2.0T",
    "1986 Rolls-Royce Corniche",
    "2020 BMW 5-Series, 530i, 3.0L",
    "Citroën C4 Picasso 1.6 HDi",
    "Škoda Octavia vRS 2.0 TSI, 9,500 miles",
    "2015 Audi S4, 4.2 V8",
]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    quiet_transformers()
    texts, spans, labels = sandbox_titles(300, seed=5)
    root = tmp_path_factory.mktemp("hf")
    bert = build_tiny_bert(texts + HARD, root / "bert")
    cfg = TeacherConfig(
        bert=str(bert), epochs=8, learning_rate=1e-3, dropout=0.1, batch_size=16, seed=1, progress=False
    )
    train_teacher(cfg, texts, spans, labels, root / "teacher")
    return root / "teacher"


def _pipeline_spans(model_dir: Path, texts: list[str], strategy: str) -> list[list[tuple[int, int, str]]]:
    from transformers import pipeline

    ner = pipeline("token-classification", model=str(model_dir), aggregation_strategy=strategy, device="cpu")
    return [[(e["start"], e["end"], e["entity_group"]) for e in ents] for ents in ner(texts)]


def test_hf_pipeline_returns_carner_predict_spans(teacher: Path) -> None:
    texts = HARD + sandbox_titles(360, seed=5)[0][300:]
    ours = TeacherModel(teacher, decode="argmax").predict(texts)  # carner's word-by-word reading
    theirs = _pipeline_spans(teacher, texts, PIPELINE_AGGREGATION)
    assert theirs == ours
    # the tiny teacher really tags: words with inner punctuation and accents come back whole
    found = {texts[i][s:e] for i, spans in enumerate(ours[: len(HARD)]) for s, e, _ in spans}
    assert sum(len(s) for s in ours) > 3 * len(texts), sum(len(s) for s in ours)
    assert {"Mercedes-Benz", "Rolls-Royce"} <= found, found
    # BERT's own split would have made three words of "F-150": the saved tokenizer keeps carner's words
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(teacher)
    enc = tok("Ford F-150 Citroën")
    words = [w for w in enc.word_ids() if w is not None]
    # one word of several pieces (how many depends on the tiny vocab the sandbox titles teach)
    assert max(words) == 2 and words.count(1) >= 2, tok.convert_ids_to_tokens(enc["input_ids"])


def test_carner_predict_cli_agrees_with_the_pipeline(teacher: Path) -> None:
    from typer.testing import CliRunner

    from carner.cli import app

    args = ["predict", "--model", str(teacher), "--decode", "argmax", "--no-snap", "--json", *HARD]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    cli = [[tuple(s) for s in json.loads(line)["spans"]] for line in out.stdout.splitlines()]
    assert cli == _pipeline_spans(teacher, HARD, PIPELINE_AGGREGATION)


def test_model_card_names_the_aggregation(teacher: Path) -> None:
    card = (teacher / "README.md").read_text(encoding="utf-8")
    assert "pipeline_tag: token-classification" in card
    assert f'aggregation_strategy="{PIPELINE_AGGREGATION}"' in card and "carner predict" in card
    assert "MAKE" in card and "teacher" in card


def test_any_hf_token_classifier_predicts_without_carner_metrics(teacher: Path, tmp_path: Path) -> None:
    """A token-classification directory trained elsewhere (no metrics.json) loads through the pipeline."""
    import shutil

    from carner.training.models import load_model

    foreign = tmp_path / "their-model"
    shutil.copytree(teacher, foreign)
    (foreign / "metrics.json").unlink()
    model = load_model(foreign, snap=False)
    assert model.kind == "hf-token-classification" and "MAKE" in model.labels
    assert getattr(load_model(foreign), "snap", None)  # carner's labels: read through the catalogue
    texts = [*HARD[:4], ""]
    assert model.predict(texts) == TeacherModel(teacher, decode="argmax").predict(texts)  # word by word
    conf = model.confidence(texts)
    assert len(conf) == len(texts) and all(0.0 <= c <= 1.0 for c in conf) and conf[-1] == 1.0


def test_docs_say_which_call_equals_which_decode() -> None:
    """The equality the tests above prove is the one the docs state: pipeline "first" == argmax decoding;
    the default `carner predict` (Viterbi) is not claimed to equal any pipeline strategy."""
    root = Path(__file__).resolve().parents[2]
    for doc in (root / "README.md", root / "docs" / "usage.md"):
        text = " ".join(doc.read_text(encoding="utf-8").split())
        assert f'aggregation_strategy="{PIPELINE_AGGREGATION}"' in text, doc
        assert "`carner predict --decode argmax --no-snap`" in text, doc
        assert "Viterbi" in text, doc
        assert "returns exactly `carner predict`'s spans" not in text, doc


def test_teacher_spans_with_confidences_as_the_model_server_serves_them(teacher: Path) -> None:
    from carner.training.scored import predict_scored

    model = TeacherModel(teacher)
    scored = predict_scored(model, HARD[:4])
    assert [[(s.start, s.end, s.label) for s in row] for row in scored] == model.predict(HARD[:4])
    assert all(0.0 <= s.confidence <= 1.0 for row in scored for s in row)
    # what `serve-model` loads: the spans snapped to the catalogue, each with a confidence
    from carner.training.models import load_model

    snapped = load_model(teacher)
    scored = predict_scored(snapped, HARD)
    assert [[(s.start, s.end, s.label) for s in row] for row in scored] == snapped.predict(HARD)
    assert all(0.0 <= s.confidence <= 1.0 for row in scored for s in row)
