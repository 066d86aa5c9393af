"""Make a trained spaCy model directory portable: a config spaCy's own CLI accepts and a meaningful meta.json.

Why: carner trains through spaCy's loop with its own logger (`carner.LoggingLogger.v1`), its streaming
reader (`carner.ShuffledDocBins.v1`) and DocBins in a temporary folder. Saved as is, the config names
functions only carner registers and paths deleted since, so `spacy debug config`, `spacy train` and
`spacy package` fail; and spaCy's meta says "pipeline" 0.0.0 with the last evaluated step's score. The
saved config uses spaCy's standard logger and corpus reader with `null` paths (given on the command
line, as for any spaCy config); meta.json names the model, its version, labels and the kept
checkpoint's dev scores.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

STANDARD_LOGGER = {"@loggers": "spacy.ConsoleLogger.v1", "progress_bar": False}
STANDARD_READER = "spacy.Corpus.v1"
PERFORMANCE_KEYS = ("ents_f", "ents_p", "ents_r", "ents_per_type")


def carner_version() -> str:
    """The installed carner version (0.0.0 when running from a checkout that was never installed)."""
    try:
        return metadata.version("carner")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def portable_config(model_dir: Path, training: dict[str, Any]) -> None:
    """Rewrite `model_dir/config.cfg` so it no longer needs carner or the deleted training folders.

    `training`: the `[training]` values to restore (max_epochs/max_steps before streaming turned the
    epochs into a step budget); everything else the run used stays as it was.
    """
    from spacy.util import load_config

    path = Path(model_dir) / "config.cfg"
    config = load_config(path, interpolate=False)
    for key in ("train", "dev"):
        config["paths"][key] = None
    config["training"]["logger"] = dict(STANDARD_LOGGER)
    for corpus in config.get("corpora", {}).values():
        if isinstance(corpus, dict) and str(corpus.get("@readers", "")).startswith("carner."):
            # spacy.Corpus.v1 reads a .spacy file or a directory of them (the streamed student's shards)
            kept = {k: v for k, v in corpus.items() if k in ("path", "max_length", "limit", "augmenter")}
            corpus.clear()
            corpus.update({"@readers": STANDARD_READER, "gold_preproc": False, **kept})
    config["training"].update(training)
    config.to_disk(path)


def model_key(out_dir: Path, kind: str, labels: Sequence[str], training: dict[str, Any]) -> str:
    """The model's key: its directory name under `models/<kind>/<key>` (16 hex digits, the step key),
    else a digest of what made it (kind, labels, settings), so two different models never share one."""
    name = Path(out_dir).name
    if re.fullmatch(r"[0-9a-f]{16}", name):
        return name
    from carner.training.identity import key

    return key(kind, sorted(labels), training)


def meta_name(kind: str, labels: Sequence[str]) -> str:
    """spaCy's package name for a model: `carner_<kind>_<labels>` (up to three labels by name, else
    their count), lower case and underscores only, as `spacy package` requires."""
    tag = "_".join(labels) if 0 < len(labels) <= 3 else f"{len(labels)}labels"
    return re.sub(r"[^a-z0-9_]+", "_", f"carner_{kind}_{tag}".lower()).strip("_")


def portable_meta(
    model_dir: Path, kind: str, scores: dict[str, Any], labels: Sequence[str] = (), key: str = ""
) -> dict[str, Any]:
    """Rewrite `model_dir/meta.json`: a name from the kind and labels, carner's version with the model's
    key as its local part (`0.1.0+3fa2b1c93fa2b1c9`), the labels, the kept checkpoint's scores."""
    path = Path(model_dir) / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    labels = list(labels) or list((meta.get("labels") or {}).get("ner", []))
    meta.update(
        {
            "name": meta_name(kind, labels),
            "version": f"{carner_version()}+{key}" if key else carner_version(),
            "description": f"carner {kind}: {', '.join(labels) or 'named entities'} in car listing titles"
            + (f" (model key {key})" if key else ""),
            "author": "carner",
            "license": "MIT",
            "performance": {k: scores[k] for k in PERFORMANCE_KEYS if k in scores},
        }
    )
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta
