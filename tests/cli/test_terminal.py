"""What the terminal shows: tables within 80 columns and nothing cut, the demo's next steps, library
output silenced unless -v, carner's progress bars switched by the command line."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from carner.annotation.labels import DEFAULT_SCHEMA

from carner.cli.tables import WIDTH, models_table, report_tables

KINDS = ("baseline", "teacher", "student-spacy", "student-soft")


def _render(*renderables: Any) -> list[str]:
    from rich.console import Console

    console = Console(width=WIDTH, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for r in renderables:
        console.print(r)
    return console.export_text().splitlines()


def _payload(same_kind: bool = False) -> dict[str, Any]:
    labels = list(DEFAULT_SCHEMA.labels)
    rows = []
    for i, kind in enumerate(KINDS):
        rows.append(
            {
                "name": f"{kind}@{'0123abcd' if i % 2 else 'fedc9876'}",
                "kind": "student-spacy" if same_kind else kind,
                "micro_f1": 0.9876,
                "macro_f1": 0.8765,
                "size_bytes": 91_000_000,
                "texts_per_s_batch1": 12_345.6,
                "texts_per_s_batch64": 54_321.0,
                "per_label": {lab: {"f1": 0.5, "support": 3534} for lab in labels},
            }
        )
    return {"labels": labels, "warnings": ["models were evaluated on different test sets"], "models": rows}


@pytest.mark.parametrize("same_kind", [False, True])
def test_report_fits_80_columns_without_cutting_a_figure(same_kind: bool) -> None:
    lines = _render(*report_tables(_payload(same_kind)))
    assert max(len(line) for line in lines) <= WIDTH
    text = "\n".join(lines)
    assert "…" not in text, text
    assert "micro F1" in text and "F1 per label" in text and "12,346" in text and "54,321" in text
    # every label is a row, every model a column (named by kind when kinds are unique)
    for lab in DEFAULT_SCHEMA.labels:
        assert any(line.split()[:1] == [lab] for line in lines), lab
    names = [r["name"] for r in _payload()["models"]] if same_kind else list(KINDS)
    assert all(name in text for name in names), text


def test_models_table_fits_80_columns_and_says_micro() -> None:
    rows = [
        {
            "id": 1234,
            "kind": kind,
            "champion": i == 0,
            "f1": 0.98765,
            "size_bytes": 91_000_000,
            "texts_per_s": 5_422.0,
            "created_at": "2026-12-02T10:11:12",
        }
        for i, kind in enumerate(KINDS)
    ]
    lines = _render(models_table(rows))
    text = "\n".join(lines)
    assert max(len(line) for line in lines) <= WIDTH and "…" not in text
    assert "micro" in text and "baseline ★" in text and "2026-12-02 10:11" in text


def test_demo_ends_with_next_steps_within_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    from carner.cli.demo import print_next_steps

    print_next_steps(Path("data/demo"))
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("Next steps") and max(map(len, out)) <= WIDTH
    assert any("carner predict --model" in line for line in out)
    assert any("export CARNER_WORKDIR=data/demo" in line for line in out)


def test_libraries_are_silent_without_v_and_back_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from carner.cli.app import QUIET_ENVIRONMENT, configure_logging
    from carner.common import progress

    for key in QUIET_ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)
    root = logging.getLogger().level
    try:
        configure_logging(0, False)
        assert os.environ["TRANSFORMERS_VERBOSITY"] == "error"
        assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
        assert os.environ["PREFECT_LOGGING_LEVEL"] == "ERROR"
        assert not logging.getLogger("prefect.flow_runs").isEnabledFor(logging.INFO)
        assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.WARNING)
        assert not logging.getLogger("some.library").isEnabledFor(logging.WARNING)
        assert logging.getLogger("carner.training.chain").isEnabledFor(logging.INFO)
        configure_logging(1, False)
        assert logging.getLogger("prefect.flow_runs").isEnabledFor(logging.INFO)
        assert logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.WARNING)
        configure_logging(0, True)
        assert not logging.getLogger("carner.training.chain").isEnabledFor(logging.INFO)
        assert not progress.is_enabled()
        with progress.progress("nothing drawn", total=3) as advance:
            advance(3)
    finally:
        logging.getLogger().setLevel(root)
        progress.set_enabled(None)
        configure_logging(0, False)


def test_progress_bar_when_switched_on(capsys: pytest.CaptureFixture[str]) -> None:
    from carner.common import progress

    progress.set_enabled(True)
    try:
        with progress.progress("timing baseline", total=4) as advance:
            assert advance is not progress.nothing  # a real rich bar on stderr
            for _ in range(4):
                advance()
        assert list(progress.track(range(3), "epoch 1/1")) == [0, 1, 2]
    finally:
        progress.set_enabled(None)
    progress.set_enabled(False)
    try:
        assert list(progress.track(iter("ab"), "off")) == ["a", "b"]
    finally:
        progress.set_enabled(None)
    capsys.readouterr()
