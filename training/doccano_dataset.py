"""A dataset straight from any doccano sequence-labelling export: no database, no carner listings needed.

Why: a doccano user has a project (a JSONL export or the export zip with one file per annotator) and
wants npy files and a trained model. The database import (annotation.doccano.import_jsonl) joins lines
back to scraped listings and refuses texts it does not know; here every line is a text of its own.
Lines are parsed and validated by the same doccano parser (`label` lists or `entities` objects,
doccano's `id`/`Comments` ignored), every label is accepted, and nothing is written unless every line
of every file is good.
"""

from __future__ import annotations

from pathlib import Path

from carner.annotation.doccano import (
    ImportValidationError,
    Issue,
    IssueLog,
    ReadBudget,
    parse_document,
    read_documents,
)
from carner.annotation.store import text_hash
from carner.training.dataset import DatasetConfig, DatasetManifest, Record, build_dataset


def records_from_doccano(path: Path) -> list[Record]:
    """Gold records of a doccano JSONL file or export zip.

    A line's listing is its `listing_id` when it has one (texts of one listing stay on one side of the
    split), else the text itself. Raises `ImportValidationError` (the first bad lines and their count).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    documents = read_documents(path)
    if not documents:
        raise ValueError(f"{path}: a zip without any .jsonl member")
    records: list[Record] = []
    issues, budget = IssueLog(), ReadBudget()
    for doc in documents:
        try:
            parsed, _, _ = parse_document(doc, set(), True, issues, budget)
        except ImportValidationError as stopped:  # a cap or a corrupt member: with the bad lines so far
            raise issues.error(stopped) from None
        if issues:  # nothing will be written: no memory for records any more
            records = []
            continue
        records += [
            Record(
                listing_key=r.listing_id if r.listing_id is not None else f"text:{text_hash(r.text)}",
                field=r.field,
                text=r.text,
                spans=r.spans,
                source="gold",
            )
            for r in parsed
        ]
    if issues:
        raise issues.error()
    if budget.texts == 0:
        raise ImportValidationError([Issue(str(path), 0, "no annotation lines (the file is empty)")])
    return records


def build_dataset_from_doccano(
    path: Path, out_dir: Path, test_size: float = DatasetConfig.test_size, seed: int = DatasetConfig.seed
) -> DatasetManifest:
    """Four npy files, DocBins and dataset.json from a doccano export (see `records_from_doccano`)."""
    return build_dataset(records_from_doccano(path), out_dir, test_size, seed, source="doccano")
