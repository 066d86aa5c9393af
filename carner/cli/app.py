"""The `carner` typer app and its sub-apps; command modules attach their commands to these objects."""

from __future__ import annotations

import logging
import os
import sys

import typer

from carner.cli.exitcodes import ExitCode
from carner.common.redact import redact

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


# Loggers of carner's own packages (INFO by default). Every other logger inherits the root's level, so
# libraries (Alembic, httpx, Prefect, transformers, uvicorn, urllib3's retry warnings, Python warnings)
# stay silent unless asked for with -v; a few set their own levels or read environment settings at import.
CARNER_LOGGERS = ("carner", "bench")
LIBRARY_LOGGERS = (
    "alembic", "httpx", "httpcore", "urllib3", "prefect", "uvicorn", "spacy", "filelock", "transformers",
    "huggingface_hub", "py.warnings",
)
# Read by the libraries when they are imported (later, inside commands); a value the user set wins.
QUIET_ENVIRONMENT = {
    "PREFECT_LOGGING_LEVEL": "ERROR",  # flow and task run INFO lines (printed dicts included)
    "PREFECT_LOGGING_LOGGERS_PREFECT_WORKERS_LEVEL": "ERROR",
    "TRANSFORMERS_VERBOSITY": "error",  # the model load report
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar reads this too
    "TOKENIZERS_PARALLELISM": "false",  # the fork warning of the Rust tokenizers
}


def configure_logging(verbose: int = 0, quiet: bool = False) -> None:
    """The one logging configuration of the command line.

    Default: carner's INFO lines only; libraries say nothing below ERROR. `-v`: libraries' INFO lines and
    progress bars too; `-vv`: DEBUG. `-q`: carner's warnings and errors only (and no progress bars).
    """
    own = logging.WARNING if quiet else logging.DEBUG if verbose >= 2 else logging.INFO
    libs = {0: logging.ERROR, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.captureWarnings(True)  # warnings.warn from libraries -> the "py.warnings" logger
    logging.getLogger().setLevel(libs)
    for name in CARNER_LOGGERS:
        logging.getLogger(name).setLevel(own)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(libs)
    from carner.common.progress import set_enabled

    set_enabled(False if quiet else None)  # carner's own bars: on a terminal, unless -q
    if verbose:
        return
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    if "transformers" in sys.modules:  # already imported: its settings were read; set them directly
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()


def _version(value: bool) -> None:
    if value:
        from importlib import metadata

        try:
            version = metadata.version("carner")
        except metadata.PackageNotFoundError:  # a checkout that was never installed
            version = "unknown (not installed)"
        typer.echo(f"carner {version}")
        raise typer.Exit()


@app.callback()
def _global_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print carner's version and exit."
    ),
    verbose: int = typer.Option(
        0,
        "--verbose",
        "-v",
        count=True,
        help="Also show libraries' INFO lines and progress bars (Prefect, transformers, Alembic, "
        "httpx); -vv: DEBUG.",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Only warnings and errors besides the results; no progress bars."
    ),
) -> None:
    """carner: turn eBay car ads into a named-entity recognizer for car make, model and characteristics."""
    configure_logging(verbose, quiet)
