"""The model server's tests take their settings from the tests, never from the developer's shell."""

from __future__ import annotations

import os

for _name in list(os.environ):
    if _name.startswith("CARNER_"):
        os.environ.pop(_name)
