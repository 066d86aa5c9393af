"""The orchestration commands' surface: help texts and one-line errors on bad input."""

from __future__ import annotations

from typer.testing import CliRunner

from carner.cli import app


def test_help_lists_orchestration_commands():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "models", "pipeline", "retrain", "demo"):
        assert command in result.output
    demo_help = CliRunner().invoke(app, ["demo", "--help"])
    for option in ("--workdir", "--listings", "--seed", "--fresh"):
        assert option in demo_help.output


def test_demo_rejects_too_few_listings(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path / "d"), "--listings", "1"])
    assert result.exit_code != 0
    assert "--listings must be at least 2" in result.output
    assert not (tmp_path / "d").exists()


def test_demo_rejects_a_file_as_workdir(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = CliRunner().invoke(app, ["demo", "--workdir", str(target)])
    assert result.exit_code != 0 and "is not a directory" in result.output


def test_models_without_database_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["models", "--workdir", str(tmp_path)])
    assert result.exit_code != 0
    assert "no database at" in result.output
    assert len(result.output.strip().splitlines()) == 1
