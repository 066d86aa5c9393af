"""The Python API: load a model by path or kind and predict spans, as `carner predict` does."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from carner.annotation.labels import Span


def resolve_model(ref: str | Path, workdir: str | Path | None = None, db_url: str | None = None) -> Path:
    """A model directory from a path or a kind (its champion in `workdir`'s registry, default `data/`)."""
    from carner.common.settings import get_settings
    from carner.training.registry import resolve_model as _resolve

    data_dir = None
    if db_url is None:
        settings = get_settings(workdir=Path(workdir) if workdir is not None else None)
        db_url, data_dir = settings.database_url, settings.dataset_dir
    return _resolve(db_url, ref, data_dir)


def load_model(
    ref: str | Path, workdir: str | Path | None = None, decode: str | None = None, db_url: str | None = None
) -> Any:
    """Load a carner model (`NerModel`: `.predict(texts)`, `.confidence(texts)`) by path or kind."""
    from carner.training.models import load_model as _load

    return _load(resolve_model(ref, workdir=workdir, db_url=db_url), decode=decode)


def predict(texts: str | Iterable[str], model: Any = "baseline", workdir: str | Path | None = None) -> Any:
    """Spans for each text (one list per text; a single string gives a single list)."""
    if isinstance(model, str | Path):
        model = load_model(model, workdir=workdir)
    if isinstance(texts, str):
        return model.predict([texts])[0]
    spans: list[list[Span]] = model.predict(list(texts))
    return spans
