"""`carner` command line: a thin typer shell over the stage functions.

Each module below attaches its commands to the shared app objects in `carner.cli.app`; heavy
libraries (torch, spaCy, Prefect) are imported inside commands so `carner --help` stays fast.
"""

from __future__ import annotations

import importlib
import logging

from carner.cli.app import app

COMMAND_MODULES = [
    "sandbox",
    "scrape",
    "annotate",
    "train",
    "models",
    "orchestrate",
    "demo",
    "serve_model",
    "autolabel",
]


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"carner.cli.{name}")


def main() -> None:
    from carner.common.redact import install_log_redaction

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    _load_commands()
    try:
        app()
    except Exception:  # a bug: keep the traceback for the report, without any secret in it
        import sys
        import traceback

        from carner.common.redact import redact

        sys.stderr.write(redact(traceback.format_exc()))
        raise SystemExit(1) from None


_load_commands()
