"""Prefect test fixtures: one session-scoped `prefect_test_harness` shared by every flow test.

The environment is fixed before Prefect is imported: a private PREFECT_HOME (never ~/.prefect),
no telemetry (no internet here), and a generous server start-up timeout for a shared 2-core machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="carner-prefect-home-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("PREFECT_API_KEY", None)
for _name in list(os.environ):  # carner settings must come from the tests, not the developer's shell
    if _name.startswith("CARNER_"):
        os.environ.pop(_name)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'carner.db'}"


def _seed_listings(db_url: str, listings: list) -> None:
    """Store sandbox listings straight into a migrated database and create their annotation tasks."""
    from carner.annotation.store import ensure_tasks
    from carner.db.engine import make_engine, session_factory, upgrade
    from carner.db.models import Listing

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            for item in listings:
                session.add(
                    Listing(
                        item_id=item.item_id,
                        url=f"http://127.0.0.1/itm/{item.item_id}",
                        title=item.title,
                        price=item.price,
                        currency=item.currency,
                        specifics=dict(item.specifics),
                        description=item.description,
                    )
                )
            session.flush()
            ensure_tasks(session)
            session.commit()
    finally:
        engine.dispose()


def _write_gold_jsonl(path: Path, listings: list) -> Path:
    """A doccano-style export of the listings' titles with their true spans (what an annotator returns)."""
    import json

    from carner.annotation.store import text_hash

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for item in listings:
            line = {
                "text": item.title,
                "label": [list(s) for s in item.title_spans],
                "listing_id": item.item_id,
                "field": "title",
                "text_hash": text_hash(item.title),
            }
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def seed_listings():
    """`seed_listings(db_url, listings)`: sandbox listings stored directly, with annotation tasks."""
    return _seed_listings


@pytest.fixture
def write_gold_jsonl():
    """`write_gold_jsonl(path, listings)`: a doccano JSONL of the titles with their true spans."""
    return _write_gold_jsonl


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A tiny BERT (2 layers, hidden 64) with a vocab from sandbox titles: the teacher in flow tests."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.support.tiny_bert import build_tiny_bert, quiet_transformers, sandbox_titles

    quiet_transformers(threads=1)
    texts, _, _ = sandbox_titles(400, seed=0)
    return build_tiny_bert(texts, tmp_path_factory.mktemp("tiny-bert"))
