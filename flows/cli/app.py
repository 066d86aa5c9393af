"""The `carner` typer app and its sub-apps; command modules attach their commands to these objects."""

from __future__ import annotations

import typer

from db.redact import redact
from flows.cli.exitcodes import ExitCode

app = typer.Typer(
    name="carner",
    help="carner: turn eBay car ads into a named-entity recognizer for car make, model and characteristics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sandbox_app = typer.Typer(help="The local eBay-like sandbox site.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
annotate_app = typer.Typer(help="Pre-annotation and the doccano bridge.", no_args_is_help=True)
dataset_app = typer.Typer(help="Dataset export (npy, DocBin).", no_args_is_help=True)
train_app = typer.Typer(help="Train models.", no_args_is_help=True)

app.add_typer(sandbox_app, name="sandbox")
app.add_typer(db_app, name="db")
app.add_typer(annotate_app, name="annotate")
app.add_typer(dataset_app, name="dataset")
app.add_typer(train_app, name="train")


def fail(message: str, code: int = ExitCode.BAD_INPUT) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise (so callers write `raise fail(...)`).

    The message is redacted (no password of a URL, no token) and the code comes from `ExitCode`.
    """
    typer.secho(f"Error: {redact(message)}", err=True, fg=typer.colors.RED)
    return typer.Exit(int(code))
