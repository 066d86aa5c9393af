"""The Hugging Face hub switches, set in one place: carner loads BERTs from local files unless told not to."""

from __future__ import annotations

import os
from pathlib import Path

HUB_SWITCHES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def offline_env(bert: str | Path | None = None, *, force: bool = False) -> None:
    """Switch the model hub off unless `bert` names a hub model (not a local path).

    The default BERT and any local directory load from files only, so nothing reaches for the
    network. `force`: set the switches even when the environment already holds other values (the
    demo, which never leaves 127.0.0.1).
    """
    if bert is not None and not Path(bert).expanduser().exists():
        return  # a hub name: the user asked for the hub
    for name in HUB_SWITCHES:
        if force:
            os.environ[name] = "1"
        else:
            os.environ.setdefault(name, "1")
