"""prefect.yaml describes the same deployments, schedules and trigger as `carner serve`."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from carner.flows.events import retrain_trigger

from carner.common.settings import Settings

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


def test_prefect_yaml_matches_served_deployments():
    from carner.flows.deployments import build_deployments

    spec = yaml.safe_load(PREFECT_YAML.read_text())
    defaults = Settings()
    by_name = {d["name"]: d for d in spec["deployments"]}
    served = {d.name: d for d in build_deployments(defaults)}
    assert set(by_name) == set(served)
    for name, dep in by_name.items():
        module, func = dep["entrypoint"].split(":")
        flow = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), func)
        assert flow.name == served[name].flow_name
        assert dep["work_pool"]["name"] == "carner-process"
        crons = [s.schedule.cron for s in served[name].schedules or []]
        assert [s["cron"] for s in dep.get("schedules", [])] == crons
    trigger = retrain_trigger(defaults.retrain_min_new_gold)
    (yaml_trigger,) = by_name["retrain"]["triggers"]
    assert set(yaml_trigger["expect"]) == trigger.expect
    assert yaml_trigger["match"] == dict(trigger.match.root)
    assert yaml_trigger["parameters"] == trigger.parameters
    assert by_name["retrain"]["parameters"]["min_new_gold"] == defaults.retrain_min_new_gold
    assert by_name["scrape"]["parameters"]["queries"] == defaults.scrape_queries
