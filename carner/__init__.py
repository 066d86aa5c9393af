"""carner: a named-entity recognizer for car ads, built from eBay listings.

The public API is small and loads nothing heavy until it is used:

- `carner.load_model(ref)`: a model directory, or a kind (`"baseline"`, `"teacher"`, `"student-spacy"`,
  `"student-soft"`) resolved to that kind's champion in the working directory's registry;
- `carner.predict(texts, model=...)`: spans for each text, from a loaded model or a reference;
  `records=True` gives the car of each text as eBay's item specifics, linked to NHTSA vPIC;
- `carner.link(texts, spans)`: the same records from spans you already have.

The stages live in `carner.scraper`, `carner.db`, `carner.annotation`, `carner.training` and
`carner.flows`; the command line in `carner.cli`, the model server in `carner.serve`.
"""

from __future__ import annotations

from pathlib import Path as _Path
from typing import Any

__all__ = ["link", "load_model", "predict", "resolve_model", "__version__"]

# In a checkout (the repo root on sys.path, as when running the tests), this folder sits beside the
# user's folders `flows/ scraper/ annotation/ training/ db/`, which are carner's subpackages: installed,
# setuptools maps them under `carner`; imported straight from the checkout, this line does the same.
_CHECKOUT = _Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "training" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))  # noqa: F821 (the package's own __path__)


def __getattr__(name: str) -> Any:
    if name in {"link", "load_model", "predict", "resolve_model"}:
        from carner import api

        return getattr(api, name)
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("carner")
        except metadata.PackageNotFoundError:
            return "0+unknown"
    raise AttributeError(f"module 'carner' has no attribute {name!r}")
