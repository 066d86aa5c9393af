"""Saved spaCy models work with spaCy's own tools: `spacy debug config`, `spacy evaluate`, `spacy package`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from carner.training.spacy_export import carner_version, model_key


def _spacy(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    """`python -m spacy ARGS` with the venv's python, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "spacy", *args], capture_output=True, text=True, timeout=timeout
    )


def test_saved_config_is_self_contained_and_debug_config_passes(
    tiny_baseline_dir: Path, tiny_dataset_dir: Path
) -> None:
    config = tiny_baseline_dir / "config.cfg"
    text = config.read_text(encoding="utf-8")
    assert "carner." not in text  # no logger or reader that only carner registers
    assert "spacy.ConsoleLogger.v1" in text and "/tmp" not in text and "carner-docbins" not in text
    # paths are null as in any `spacy init config` output: the corpora are given on the command line
    paths = [
        "--paths.train",
        str(tiny_dataset_dir / "train.spacy"),
        "--paths.dev",
        str(tiny_dataset_dir / "test.spacy"),
    ]
    out = _spacy("debug", "config", str(config), *paths)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Config is valid" in out.stdout


def test_spacy_evaluate_runs_on_the_saved_baseline(
    tiny_baseline: Any, tiny_baseline_dir: Path, tiny_dataset_dir: Path, tmp_path: Path
) -> None:
    scores = tmp_path / "scores.json"
    out = _spacy(
        "evaluate", str(tiny_baseline_dir), str(tiny_dataset_dir / "test.spacy"), "--output", str(scores)
    )
    assert out.returncode == 0, out.stdout + out.stderr
    ents_f = json.loads(scores.read_text())["ents_f"]
    # spaCy's scorer on spaCy's tokens vs carner's exact character spans: close, not identical
    assert 0.3 < ents_f <= 1.0 and abs(ents_f - tiny_baseline.metrics["f1"]) < 0.1, (
        ents_f,
        tiny_baseline.metrics,
    )


def test_meta_names_the_model_and_carries_the_kept_checkpoints_scores(
    tiny_baseline: Any, tiny_baseline_dir: Path
) -> None:
    meta = json.loads((tiny_baseline_dir / "meta.json").read_text())
    metrics = json.loads((tiny_baseline_dir / "metrics.json").read_text())
    key = model_key(tiny_baseline_dir, "baseline", metrics["labels"], metrics["training"])
    labels = metrics["labels"]
    name = "carner_baseline_" + ("_".join(labels).lower() if len(labels) <= 3 else f"{len(labels)}labels")
    assert meta["name"] == name and meta["version"] == f"{carner_version()}+{key}"
    assert carner_version() != "0.0.0" and ", ".join(labels) in meta["description"]
    # the labels the pipeline learnt: those of the dataset its training split carries
    assert {"MAKE", "MODEL", "YEAR"} <= set(meta["labels"]["ner"]) <= set(metrics["labels"])
    assert meta["performance"]["ents_f"] == metrics["training"]["best_dev_f1"] > 0.3
    assert set(meta["performance"]["ents_per_type"]) <= set(metrics["labels"])


def test_spacy_package_builds_a_package_directory(tiny_baseline_dir: Path, tmp_path: Path) -> None:
    out = _spacy("package", str(tiny_baseline_dir), str(tmp_path), "--build", "none")
    assert out.returncode == 0, out.stdout + out.stderr
    meta = json.loads((tiny_baseline_dir / "meta.json").read_text())
    name, version = f"en_{meta['name']}", meta["version"]
    package = tmp_path / f"{name}-{version}"
    assert (package / "setup.py").is_file() and (package / "meta.json").is_file()
    assert (package / name / f"{name}-{version}" / "config.cfg").is_file()


def test_meta_names_differ_by_labels_and_key(tmp_path: Path) -> None:
    from carner.training.spacy_export import meta_name

    assert meta_name("student-spacy", ["MAKE", "MODEL"]) == "carner_student_spacy_make_model"
    assert meta_name("baseline", [f"L{i}" for i in range(11)]) == "carner_baseline_11labels"
    keyed = tmp_path / "models" / "baseline" / "0123456789abcdef"
    assert model_key(keyed, "baseline", ["MAKE"], {}) == "0123456789abcdef"
    a = model_key(tmp_path / "mine", "baseline", ["MAKE"], {"seed": 0})
    assert a != model_key(tmp_path / "mine", "baseline", ["MAKE", "MODEL"], {"seed": 0})
    assert a != model_key(tmp_path / "mine", "baseline", ["MAKE"], {"seed": 1}) and len(a) == 16
