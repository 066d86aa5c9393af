"""`carner` command line: a thin typer shell over the stage functions.

Each module below attaches its commands to the shared app objects in `flows.cli.app`; heavy
libraries (torch, spaCy, Prefect) are imported inside commands so `carner --help` stays fast.
"""

from __future__ import annotations

import importlib
import logging

from flows.cli.app import app

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
        try:
            importlib.import_module(f"flows.cli.{name}")
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name != f"flows.cli.{name}":
                raise


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _load_commands()
    app()


_load_commands()
