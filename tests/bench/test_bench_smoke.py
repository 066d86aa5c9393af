"""The bench scripts at a tiny scale (seconds each), so they cannot rot; their real runs are not tests.

Each script's `main(argv)` runs end to end on a few dozen sandbox listings (a tiny BERT stands in for
MiniLM), and the files it promises are checked. No figure is asserted: tiny runs measure nothing.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles  # noqa: E402

common = importlib.import_module("bench.common")
models = importlib.import_module("bench.models")
real_titles = importlib.import_module("bench.real_titles")
scaling = importlib.import_module("bench.scaling")
active_learning = importlib.import_module("bench.active_learning")

TINY_MODELS = [
    "--set", "n_listings=24", "--set", "baseline_epochs=1", "--set", "teacher_epochs=1",
    "--set", "augment_n_iter=1", "--set", "student_epochs=1", "--set", "soft_epochs=1",
    "--set", "speed_texts=4", "--set", "real_de_limit=20",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    quiet_transformers()
    texts, _, _ = sandbox_titles(60, seed=5)
    return build_tiny_bert(texts, tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def models_run(tmp_path_factory: pytest.TempPathFactory, tiny_bert: Path) -> Path:
    out = tmp_path_factory.mktemp("bench-models")
    argv = ["--scale", "demo", "--out", str(out), "--inline", *TINY_MODELS, "--set", f"bert={tiny_bert}"]
    assert models.main(argv) == 0
    return out


def test_models_writes_both_tables_ratios_and_stage_costs(models_run: Path) -> None:
    result = json.loads((models_run / "results.json").read_text(encoding="utf-8"))
    assert set(result["metrics"]) == set(models.MODEL_KINDS)
    assert set(result["ratios"]) == {"student-spacy", "student-soft"}
    stages = result["stages"]
    for name in ("scrape", "annotate", "dataset", "baseline", "teacher", "augment", "label", "real"):
        assert stages[name]["seconds"] >= 0 and stages[name]["peak_rss_mb"] > 0
    md = (models_run / "results.md").read_text(encoding="utf-8")
    assert "macro precision / recall / F1" in md and "per label" in md and "Cost per stage" in md
    per_label_header = next(line for line in md.splitlines() if line.startswith("| Model | MAKE"))
    assert per_label_header.startswith("| Model | MAKE | MODEL")
    assert (models_run / "report.md").is_file()


def test_models_resume_skips_unchanged_stages(models_run: Path, tiny_bert: Path, caplog) -> None:
    before = json.loads((models_run / "stages.json").read_text(encoding="utf-8"))
    argv = ["--scale", "demo", "--out", str(models_run), "--inline", "--resume", *TINY_MODELS,
            "--set", f"bert={tiny_bert}"]  # fmt: skip
    assert models.main(argv) == 0
    after = json.loads((models_run / "stages.json").read_text(encoding="utf-8"))
    assert {k: v["finished_at"] for k, v in after.items()} == {k: v["finished_at"] for k, v in before.items()}


def test_models_redo_reruns_a_named_stage_only(models_run: Path, tiny_bert: Path) -> None:
    before = json.loads((models_run / "stages.json").read_text(encoding="utf-8"))
    argv = ["--scale", "demo", "--out", str(models_run), "--inline", "--resume", *TINY_MODELS,
            "--set", f"bert={tiny_bert}", "--redo", "student-soft"]  # fmt: skip
    assert models.main(argv) == 0
    after = json.loads((models_run / "stages.json").read_text(encoding="utf-8"))
    changed = {k for k in after if after[k]["finished_at"] != before[k]["finished_at"]}
    assert "student-soft" in changed
    assert not changed & {"scrape", "annotate", "dataset", "baseline", "teacher", "augment", "label"}
    with pytest.raises(SystemExit):
        models.main([*argv[:-1], "no-such-stage"])


def test_real_titles_on_the_models_and_without_shared(models_run: Path, tmp_path: Path) -> None:
    if not (common.SHARED_DIR / "data" / "car-titles").is_dir():
        pytest.skip("../shared is not available")
    out = tmp_path / "real"
    assert (
        real_titles.main(["--models", str(models_run / "models"), "--de-limit", "10", "--out", str(out)]) == 0
    )
    result = json.loads((out / "real_titles.json").read_text(encoding="utf-8"))
    assert set(result["models"]) == set(models.MODEL_KINDS)
    assert 0.0 <= result["models"]["baseline"]["en"]["make_exact"] <= 1.0
    gold = result["models"]["baseline"]["gold"]
    assert gold["n_texts"] == 360 and 0.0 <= gold["per_label"]["MODEL"]["f1"] <= 1.0
    md = (out / "real_titles.md").read_text(encoding="utf-8")
    assert "hand-checked gold" in md and "| Model | MAKE | MODEL | YEAR" in md
    skipped = real_titles.evaluate_models({}, shared=str(tmp_path / "absent"))
    assert skipped["skipped"] and real_titles.table(skipped).note.startswith("Skipped")


def test_scaling_main(tmp_path: Path) -> None:
    argv = ["--base", "12", "--sizes", "1,2", "--n-iter", "1", "--out", str(tmp_path), "--inline"]
    assert scaling.main(argv) == 0
    result = json.loads((tmp_path / "scaling.json").read_text(encoding="utf-8"))
    assert set(result["fits"]) == set(scaling.STEPS)


def test_active_learning_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--pool", "60", "--test", "20", "--start", "10", "--step", "10", "--rounds", "1", "--epochs", "1",
            "--measure", "sequence", "--out", str(tmp_path)]  # fmt: skip
    assert active_learning.main(argv) == 0
    result = json.loads((tmp_path / "active_learning.json").read_text(encoding="utf-8"))
    assert [r["annotations"] for r in result["curves"]["uncertainty"]] == [10, 20]
    assert result["settings"]["measure"] == "sequence"
    picked = result["curves"]["uncertainty"][0]["mean_confidence_picked"]
    assert 0.0 < picked <= 1.0
    assert set(result["curves"]) == {"random", "uncertainty", "disagreement", "balanced"}
    keys = ["macro_f1", "micro_f1", "rich_macro_f1", "rich_micro_f1"]
    assert [(s["strategy"], s["metric"]) for s in result["summaries"]] == [
        (s, k) for s in ("uncertainty", "disagreement", "balanced") for k in keys
    ]
    assert result["settings"]["rich_test"] > 0
    assert all(0.0 <= row["rich_macro_f1"] <= 1.0 for row in result["curves"]["random"])
    for row in result["curves"]["balanced"]:
        assert row["effort_distant"]["total"] >= 0 and row["effort_model"]["total"] >= 0
        assert row["effort_empty"]["total"] == row["effort_empty"]["added"] > 0  # every gold span by hand
        parts = row["effort_model"]
        assert parts["total"] == pytest.approx(parts["added"] + parts["removed"] + parts["changed"])
    md = (tmp_path / "active_learning.md").read_text(encoding="utf-8")
    assert "Disagreement macro F1" in md and "Balanced macro F1" in md
    assert "Annotation effort: corrections per text" in md and "No pre-fill" in md
    with pytest.raises(SystemExit):
        active_learning.main(["--strategies", "uncertainty,random", "--out", str(tmp_path)])
    (tmp_path / "run.log").write_text("not json", encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as bad:  # a clear one-line error naming the file, no traceback
        active_learning.main(["--merge", str(tmp_path / "run.log"), "--out", str(tmp_path / "m")])
    assert bad.value.code == 2
    assert f"{tmp_path / 'run.log'}: not an active_learning.json run" in capsys.readouterr().err


def test_active_learning_committee_trains_a_bagged_second_voter(tmp_path: Path) -> None:
    argv = ["--pool", "60", "--test", "20", "--start", "10", "--step", "10", "--rounds", "1", "--epochs", "1",
            "--strategies", "random,committee", "--out", str(tmp_path)]  # fmt: skip
    assert active_learning.main(argv) == 0
    result = json.loads((tmp_path / "active_learning.json").read_text(encoding="utf-8"))
    assert [r["annotations"] for r in result["curves"]["committee"]] == [10, 20]
    voters = list((tmp_path / "seed0-committee" / "bag" / "models" / "baseline").glob("*/meta.json"))
    assert len(voters) == 1  # the second voter: the chain's baseline step on a resample of the gold
    assert 0.0 < result["curves"]["committee"][0]["mean_confidence_picked"] <= 1.0
    assert [s["strategy"] for s in result["summaries"]] == ["committee"] * 4


def test_active_learning_label_rich_test_set_is_disjoint_and_names_more_characteristics() -> None:
    pool, test, rich = active_learning._pool_and_test(400, 200, seed=3)
    from carner.training.dataset import normalise_text

    keys = [{normalise_text(x.title) for x in part} for part in (pool, test, rich)]
    assert len(rich) == 200 and not (keys[2] & keys[0]) and not (keys[2] & keys[1])
    rare = {"TRANSMISSION", "FUEL", "COLOR"}  # the rarest labels at real sellers' rates

    def rare_spans(part: list) -> int:
        return sum(1 for x in part for span in x.title_spans if span[2] in rare)

    assert rare_spans(rich) > 3 * rare_spans(test)


def test_active_learning_side_by_side_runs_merge(tmp_path: Path) -> None:
    tiny = ["--pool", "60", "--test", "20", "--start", "10", "--step", "10", "--rounds", "1", "--epochs", "1"]
    for seed in ("0", "1"):
        for strategy in ("random", "balanced"):
            out = tmp_path / f"{seed}-{strategy}"
            assert (
                active_learning.main([*tiny, "--seed", seed, "--strategies", strategy, "--out", str(out)])
                == 0
            )
    alone = json.loads((tmp_path / "0-balanced" / "active_learning.json").read_text(encoding="utf-8"))
    assert alone["summaries"] == [] and list(alone["curves"]) == ["balanced"]
    parts = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert active_learning.main(["--merge", *map(str, parts), "--out", str(tmp_path / "merged")]) == 0
    merged = json.loads((tmp_path / "merged" / "active_learning.json").read_text(encoding="utf-8"))
    assert merged["settings"]["seeds"] == [0, 1] and merged["settings"]["repeats"] == 2
    assert list(merged["curves"]) == ["random", "balanced"]
    assert [s["strategy"] for s in merged["summaries"]] == ["balanced"] * 4  # macro, micro; two test sets
    assert len(merged["per_seed_macro_share"]["balanced"]) == 2
    assert set(merged["per_seed_share"]) == {"macro_f1", "rich_macro_f1"}
    runs = merged["runs"]
    expected = (runs[0]["random"][1]["macro_f1"] + runs[1]["random"][1]["macro_f1"]) / 2
    assert merged["curves"]["random"][1]["macro_f1"] == pytest.approx(expected)
    other = tmp_path / "other"
    assert active_learning.main([*tiny, "--epochs", "2", "--strategies", "random", "--out", str(other)]) == 0
    with pytest.raises(ValueError, match="epochs differ"):
        active_learning.merge([parts[0], other], tmp_path / "bad")


def test_helpers() -> None:
    assert common.loglog_slope([1, 5, 25], [2, 50, 1250]) == pytest.approx(2.0)
    curve = [{"annotations": 100, "macro_f1": 0.5}, {"annotations": 200, "macro_f1": 0.7}]
    assert active_learning.annotations_to_reach(curve, 0.6) == 200
    assert active_learning.annotations_to_reach(curve, 0.9) is None
    run = common.run_stage("bench.common:json_hash", {"obj": [1, 2]}, isolate=True)
    assert run.result == common.json_hash([1, 2]) and run.isolated and run.peak_rss_mb > 0


def test_label_quality_runs_every_variant_through_the_chain(tmp_path: Path, tiny_bert: Path) -> None:
    """bench/label_quality.py at a tiny scale: each option a plan variant the chain trains under its
    own key, rerun resumes (nothing retrained), and every row scored."""
    label_quality = importlib.import_module("bench.label_quality")
    argv = ["--out", str(tmp_path), "--listings", "40", "--labellers", "teacher,committee:0.7",
            "--set", f"bert={tiny_bert}", "--set", "baseline_epochs=1", "--set", "teacher_epochs=1",
            "--set", "augment_n_iter=1", "--set", "soft_epochs=1"]  # fmt: skip
    assert label_quality.main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    trained = {"baseline", "teacher", "teacher-isqrt", "student-soft(teacher)", "student-soft(committee:0.7)"}
    scored = {"teacher/argmax", "teacher-isqrt/viterbi+joined", "committee(teacher-isqrt+baseline, w=0.9)"}
    assert trained | scored <= set(results)
    teachers = sorted(p.name for p in (tmp_path / "models" / "teacher").iterdir())
    assert len(teachers) == 2  # two weightings, two keys
    students = sorted(p.name for p in (tmp_path / "models" / "student-soft").iterdir())
    assert len(students) == 2 and len(list((tmp_path / "labelled").iterdir())) == 2
    stamp = {p: p.stat().st_mtime_ns for p in (tmp_path / "models").glob("*/*/*")}
    assert len(stamp) > 10
    assert label_quality.main(argv) == 0  # resumed: every step done, nothing retrained
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "models").glob("*/*/*")} == stamp
    with pytest.raises(SystemExit, match="expected key=value"):
        label_quality.main(["--out", str(tmp_path), "--set", "no_such_field=1"])
