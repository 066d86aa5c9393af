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
    ref: str | Path,
    workdir: str | Path | None = None,
    decode: str | None = None,
    db_url: str | None = None,
    snap: bool = True,
) -> Any:
    """Load a carner model (`NerModel`: `.predict(texts)`, `.confidence(texts)`) by path or kind.

    `snap=False`: the model's own spans, without MODEL/TRIM/BODY boundaries read from the car catalogue.
    """
    from carner.training.models import load_model as _load

    return _load(resolve_model(ref, workdir=workdir, db_url=db_url), decode=decode, snap=snap)


def predict(
    texts: str | Iterable[str],
    model: Any = "baseline",
    workdir: str | Path | None = None,
    records: bool = False,
) -> Any:
    """Spans for each text (one list per text; a single string gives a single list).

    `records=True` gives instead one dict per text shaped like eBay's item specifics (see `link`).
    """
    if isinstance(model, str | Path):
        model = load_model(model, workdir=workdir)
    single = isinstance(texts, str)
    batch = [texts] if single else list(texts)
    spans: list[list[Span]] = model.predict(batch)
    out: list[Any] = link(batch, spans) if records else spans
    return out[0] if single else out


def link(texts: str | Iterable[str], spans: Any) -> Any:
    """Records for titles and their spans: canonical Make/Model (vPIC ids), Year, Trim, ..., `exists`.

    `link("2005 Chevy Impala", [(5, 10, "MAKE"), (11, 17, "MODEL")])` -> {"Make": "Chevrolet", ...};
    a list of texts takes a list of span lists.
    """
    from carner.annotation.link import link_many

    if isinstance(texts, str):
        return link_many([texts], [spans])[0].as_dict()
    return [r.as_dict() for r in link_many(list(texts), list(spans))]
