"""The deployments `carner serve` serves: schedules and the retrain trigger, all from settings.

| deployment              | flow                        | when                                        |
|-------------------------|-----------------------------|---------------------------------------------|
| scrape                  | scrape                      | cron `CARNER_SCRAPE_CRON` (daily 03:00)     |
| export-for-annotation   | export-for-annotation       | cron `CARNER_EXPORT_CRON` (Mondays 04:00)   |
| import-annotations      | import-annotations          | on demand (a file parameter)                |
| retrain                 | retrain-on-new-annotations  | trigger: `carner.annotations.imported` with |
|                         |                             | >= `CARNER_RETRAIN_MIN_NEW_GOLD` new gold   |
| pipeline                | pipeline                    | on demand                                   |

`prefect.yaml` describes the same deployments for a `process` work pool (server + workers elsewhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carner.common.settings import Settings

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

DEPLOYMENT_NAMES = ("scrape", "export-for-annotation", "import-annotations", "retrain", "pipeline")


def build_deployments(settings: Settings, workdir_param: bool = False) -> list[RunnerDeployment]:
    """Runner deployments with cron schedules and the retrain trigger from `settings` (nothing served).

    `workdir_param=True` pins the work directory into the deployments' parameters (`carner serve
    --workdir`); otherwise each run reads `CARNER_WORKDIR` in the serving process. The database URL is
    never put into parameters (it may hold a password): it comes from `CARNER_DB_URL` at run time.
    """
    from carner.flows.events import retrain_trigger
    from carner.flows.pipeline import export_for_annotation, import_annotations, pipeline, scrape
    from carner.flows.retrain import retrain_on_new_annotations

    common: dict[str, Any] = {"workdir": str(settings.workdir)} if workdir_param else {}
    tags = ["carner"]
    return [
        scrape.to_deployment(
            "scrape",
            cron=settings.scrape_cron,
            parameters={"queries": list(settings.scrape_queries), **common},
            description="Crawl the configured search queries into the database.",
            tags=tags,
        ),
        export_for_annotation.to_deployment(
            "export-for-annotation",
            cron=settings.export_cron,
            parameters={"strategy": "uncertainty", **common},
            description="Pre-annotate new listings and export the next texts to annotate (doccano JSONL).",
            tags=tags,
        ),
        import_annotations.to_deployment(
            "import-annotations",
            parameters=dict(common),
            description="Import a doccano JSONL as gold; emits carner.annotations.imported.",
            tags=tags,
        ),
        retrain_on_new_annotations.to_deployment(
            "retrain",
            triggers=[retrain_trigger(settings.retrain_min_new_gold)],
            parameters={"min_new_gold": settings.retrain_min_new_gold, **common},
            concurrency_limit=1,
            description="Rebuild the dataset and retrain when enough new gold annotations landed.",
            tags=tags,
        ),
        pipeline.to_deployment(
            "pipeline",
            parameters=dict(common),
            description="The whole chain: scrape, annotate, dataset, train, evaluate, promote.",
            tags=tags,
        ),
    ]


def describe(deployments: list[RunnerDeployment]) -> list[dict[str, Any]]:
    """A plain summary (name, flow, cron schedules, trigger events) for `carner serve --dry-run`."""
    rows = []
    for dep in deployments:
        crons = [getattr(s.schedule, "cron", None) for s in dep.schedules or []]
        triggers = [sorted(getattr(t, "expect", [])) for t in dep.triggers or []]
        rows.append(
            {
                "name": dep.name,
                "flow": dep.flow_name,
                "cron": [c for c in crons if c],
                "triggers": [", ".join(t) for t in triggers],
                "parameters": dep.parameters,
            }
        )
    return rows
