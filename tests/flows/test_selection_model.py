"""Which model(s) the flows rank texts with: the registry's champions, a committee of two for `committee`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from carner.annotation.select import Committee
from carner.flows.tasks import champion_models, selection_model

from tests.support.tiny_models import record_and_promote, registry


def test_committee_is_two_champions_and_fails_clearly_with_one(tmp_path: Path, tiny_models, caplog) -> None:
    sessions = registry(f"sqlite:///{tmp_path / 'registry.db'}")
    with sessions() as session:
        assert selection_model(session, "random") is None
        assert selection_model(session, "uncertainty") is None  # no champion: export falls back to random
    record_and_promote(sessions, tiny_models.make_only, 0.5, kind="baseline")
    with sessions() as session:
        assert selection_model(session, "uncertainty").path == tiny_models.make_only
        with pytest.raises(ValueError, match="two trained champions, the registry has 1"):
            selection_model(session, "committee")
    broken = tmp_path / "broken"
    broken.mkdir()
    record_and_promote(sessions, broken, 0.7, kind="teacher")  # a champion whose directory does not load
    record_and_promote(sessions, tiny_models.make_year, 0.9, kind="student-spacy")
    with sessions() as session, caplog.at_level(logging.WARNING):
        committee = selection_model(session, "committee")
        assert isinstance(committee, Committee)
        # UNCERTAINTY_MODEL_ORDER: the spaCy student first, then the baseline
        assert [m.path for m in committee.members] == [tiny_models.make_year, tiny_models.make_only]
        assert len(champion_models(session)) == 2
    assert "champion teacher" in caplog.text and "does not load" in caplog.text
