"""The one folder layout under a work directory: every door (settings, the chain, the CLI, the bench)
asks this class where a thing lives, so a model trained by one door is found by every other.

    <workdir>/carner.db                 the SQLite registry and listings (unless CARNER_DB_URL)
    <workdir>/raw/                      compressed raw pages
    <workdir>/annotation/               doccano JSONL exports
    <workdir>/                          the npy dataset (text_train.npy, ..., dataset.json, DocBins)
    <workdir>/models/<kind>/<key>/      a trained model (the chain's step key)
    <workdir>/augmented/<key>/          augmented.jsonl
    <workdir>/labelled/<key>/           teacher labels, chunk by chunk
    <workdir>/reports/                  report.md / report.json / report.png
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def sqlite_url(path: Path | str) -> str:
    """`sqlite:///<path>` with the path escaped, so a directory named `a?b` or `%41` stays where it is.

    Formatting the URL by hand lets `?` start a query string and `%41` decode to `A`: the database
    would be created outside the working directory.
    """
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


@dataclass(frozen=True)
class WorkLayout:
    root: Path

    @property
    def db_file(self) -> Path:
        return Path(self.root) / "carner.db"

    @property
    def db_url(self) -> str:
        return sqlite_url(self.db_file)

    @property
    def raw(self) -> Path:
        return Path(self.root) / "raw"

    @property
    def annotation(self) -> Path:
        return Path(self.root) / "annotation"

    @property
    def dataset(self) -> Path:
        return Path(self.root)

    @property
    def models(self) -> Path:
        return Path(self.root) / "models"

    @property
    def reports(self) -> Path:
        return Path(self.root) / "reports"

    def model(self, kind: str, key: str) -> Path:
        return self.models / kind / key

    def augmented(self, key: str) -> Path:
        return Path(self.root) / "augmented" / key

    def labelled(self, key: str) -> Path:
        return Path(self.root) / "labelled" / key
