"""The `carner` typer app and its sub-apps; command modules attach their commands to these objects."""

from __future__ import annotations

import errno
import logging
import os
import sys
from typing import Any

import click
import typer
from typer.core import TyperGroup

from carner.cli.exitcodes import ExitCode
from carner.common.redact import redact


def user_error(exc: BaseException) -> str | None:
    """The one-line message of an error the user can fix (a setting, an output path, the database URL),
    or None for anything else (a bug: its traceback is wanted)."""
    from carner.common.files import OutputError
    from carner.common.settings import SettingsError

    if isinstance(exc, SettingsError | OutputError):
        return str(exc)
    module = type(exc).__module__
    if module.startswith("sqlalchemy"):
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

        if isinstance(exc, ArgumentError | NoSuchModuleError):
            return f"database URL: {' '.join(str(exc).split())}"
        if isinstance(exc, OperationalError):  # cannot open / reach the database
            return f"database: {' '.join(str(getattr(exc, 'orig', exc)).split())[:300]}"
    if type(exc).__name__ == "DatabaseURLError":
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:  # full disk, read-only, no permission
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}cannot write: {exc.strerror or exc}"
    return None


_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class CarnerGroup(TyperGroup):
    """Every command runs inside this: an error the user can fix becomes one redacted line and exit 2,
    whichever command met it (settings are read in many places; one handler instead of one per door)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            message = user_error(exc)
            if message is None:
                raise
            raise fail(message) from None


app = typer.Typer(
    cls=CarnerGroup,
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


# Characters a terminal acts on instead of showing: C0 controls (ESC starts `ESC ] 0;title` and colour
# sequences), DEL, C1 controls (U+009B is a one-character CSI) and the bidi overrides that reorder text.
_UNSAFE = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}
_UNSAFE.update(
    {c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
)


def terminal_safe(value: object) -> str:
    """Stored or site-supplied text fit for a terminal: control characters shown as escapes (`\\x1b`),
    never acted on (a seller's `ESC ] 0;…` would retitle the window or hide what follows)."""
    return str(value).translate(_UNSAFE)


def cell(value: object) -> Any:
    """A rich table cell from stored text: terminal-safe, and never read as rich markup (`[red]`)."""
    from rich.text import Text

    return Text(terminal_safe("" if value is None else value))


def json_line(record: Any) -> str:
    """One JSON line for the terminal: JSON already escapes C0 controls; C1 and bidi ones are too."""
    import json

    text = json.dumps(record, ensure_ascii=False)
    return text.translate({c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F})


def bad_lines(exc: Any, what: str, outcome: str = "nothing imported") -> typer.Exit:
    """Print an import's bad lines (`ImportValidationError`: the first ones, then "and K more") and
    return the Exit to raise with its one-line summary."""
    issues = list(getattr(exc, "issues", []))
    if len(issues) == 1 and not issues[0].line and not getattr(exc, "more", 0):  # the file as a whole
        return fail(f"{issues[0]}; {outcome}")
    for line in str(exc).splitlines():
        typer.secho(terminal_safe_lines(redact(line)), err=True)
    total = getattr(exc, "total", len(issues))
    return fail(f"{total:,} bad line(s) in {what}; {outcome}")


def terminal_safe_lines(text: str) -> str:
    """`terminal_safe` per line: a multi-line message keeps its line breaks (and tabs)."""
    return "\n".join(terminal_safe(line).replace("\\x09", "\t") for line in text.split("\n"))


def fail(message: str, code: int = ExitCode.BAD_INPUT) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise (so callers write `raise fail(...)`).

    The message is redacted (no password of a URL, no token) and the code comes from `ExitCode`.
    """
    typer.secho(f"Error: {terminal_safe_lines(redact(message))}", err=True, fg=typer.colors.RED)
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
