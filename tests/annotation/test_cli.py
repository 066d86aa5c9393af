"""`carner annotate ...` through typer's CliRunner on a real SQLite file."""

from __future__ import annotations

import json

import pytest
from carner.annotation.store import iter_annotated_texts
from typer.testing import CliRunner

from carner.cli import app

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path, session, add_listing, db_path):
    add_listing(
        session,
        "400000000001",
        "2018 Chevy Silverado 1500 LT 4x4 45k miles",
        {"Make": "Chevrolet", "Model": "Silverado 1500", "Year": "2018", "Mileage": "45,210"},
    )
    add_listing(
        session, "400000000002", "Citroën C4 Picasso – 2019", {"Make": "Citroën", "Model": "C4 Picasso"}
    )
    session.commit()
    return ["--db", f"sqlite:///{db_path}", "--workdir", str(tmp_path / "work")]


def test_preannotate_export_import_cycle(cli_db, tmp_path, session):
    done = runner.invoke(app, ["annotate", "preannotate", *cli_db])
    assert done.exit_code == 0, done.output
    assert "Tasks: 2 new" in done.output and "Distant spans: 7 in 2 texts" in done.output

    out = tmp_path / "batch.jsonl"
    done = runner.invoke(
        app, ["annotate", "export", "--out", str(out), "--limit", "5", "--strategy", "uncertainty", *cli_db]
    )
    assert done.exit_code == 0, done.output
    assert "no model given" in done.output and "Exported 2 texts" in done.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    rows[1]["label"] = [[0, 7, "MAKE"]]
    edited = tmp_path / "edited.jsonl"
    edited.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    done = runner.invoke(app, ["annotate", "import", str(edited), *cli_db])
    assert done.exit_code == 0, done.output
    assert "Imported 2 lines: 2 new" in done.output
    gold = {a.text: a.spans for a in iter_annotated_texts(session, "gold")}
    assert gold[rows[1]["text"]] == [(0, 7, "MAKE")]

    again = runner.invoke(app, ["annotate", "import", str(edited), *cli_db])
    assert "0 new, 0 replaced (history kept), 2 unchanged" in again.output


def test_export_by_committee_of_two_real_models(cli_db, tmp_path, tiny_models):
    """`--strategy committee`: a MAKE-only and a MAKE+YEAR baseline disagree on the title with a year."""
    assert runner.invoke(app, ["annotate", "preannotate", *cli_db]).exit_code == 0
    out = tmp_path / "committee.jsonl"
    members = ["--model", str(tiny_models.make_only), "--committee", str(tiny_models.make_year)]
    args = ["annotate", "export", "--out", str(out), "--strategy", "committee", "--prefill", "model"]
    done = runner.invoke(app, [*args, *members, *cli_db])
    assert done.exit_code == 0, done.output
    assert "strategy committee" in done.output and "committee of baseline + baseline" in done.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    from carner.annotation.select import vote_agreement
    from carner.training.models import load_model

    voters = [load_model(tiny_models.make_only), load_model(tiny_models.make_year)]
    texts = [row["text"] for row in rows]
    votes = [[m.predict([t])[0] for m in voters] for t in texts]
    assert len(rows) == 2 and [vote_agreement(v) for v in votes] == sorted(vote_agreement(v) for v in votes)
    assert [row["label"] for row in rows] == [[list(s) for s in v[0]] for v in votes]  # the head pre-fills

    alone = runner.invoke(app, [*args, "--model", str(tiny_models.make_only), *cli_db])
    assert alone.exit_code == 2 and "at least one --committee" in alone.output
    stray = ["annotate", "export", "--out", str(out), "--strategy", "uncertainty", *members, *cli_db]
    misuse = runner.invoke(app, stray)
    assert misuse.exit_code == 2 and "--committee is for --strategy committee" in misuse.output


def test_bad_import_is_one_error_per_line_and_exit_2(cli_db, tmp_path):
    runner.invoke(app, ["annotate", "preannotate", *cli_db])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": []}\n{oops\n', encoding="utf-8")
    done = runner.invoke(app, ["annotate", "import", str(bad), *cli_db])
    assert done.exit_code == 2
    assert f"{bad}:1: no listing_id and no task has this text" in done.output
    assert f"{bad}:2: bad JSON" in done.output
    assert "2 bad line(s)" in done.output and "Traceback" not in done.output


def test_push_without_credentials_fails_in_one_line(cli_db, monkeypatch):
    monkeypatch.delenv("CARNER_DOCCANO_USER", raising=False)
    monkeypatch.delenv("CARNER_DOCCANO_PASSWORD", raising=False)
    done = runner.invoke(app, ["annotate", "push", "--doccano-url", "http://127.0.0.1:9", *cli_db])
    assert done.exit_code == 2
    assert "CARNER_DOCCANO_USER" in done.output and "Traceback" not in done.output


def test_check_prints_per_label_table():
    done = runner.invoke(app, ["annotate", "check", "--n", "60", "--kleinanzeigen-limit", "200"])
    assert done.exit_code == 0, done.output
    assert "sandbox titles (n=60, seed=0)" in done.output
    for label in ("MAKE", "MODEL", "YEAR"):
        assert label in done.output
