"""The Prefect events carner emits (annotation imports; scrapes that met a bot wall or a dead site)
and the deployment trigger that retrains on an import.

Prefect triggers count events; they cannot add up numbers inside payloads. So the import itself
counts the gold annotations that arrived since the last training (from the database, which is the
truth across many imports) and says on the event's resource whether a retrain is due
(`carner.retrain-due: "true"`). The `retrain` deployment's trigger matches exactly that label; the
retrain flow checks the count again before training, so a duplicate trigger is harmless.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.events import DeploymentEventTrigger, Event

ANNOTATIONS_IMPORTED = "carner.annotations.imported"
RESOURCE_ID = "carner.annotations"
RETRAIN_DUE_LABEL = "carner.retrain-due"
SCRAPE_BLOCKED = "carner.scrape.blocked"
SCRAPE_UNREACHABLE = "carner.scrape.unreachable"
SCRAPE_EVENTS = {"blocked": SCRAPE_BLOCKED, "unreachable": SCRAPE_UNREACHABLE}


@dataclass(frozen=True)
class ImportCounts:
    """What an annotation import brought, and where the gold count stands since the last training."""

    file: str
    imported: int
    new_gold: int
    gold_since_last_training: int
    min_new_gold: int
    last_training_at: str | None = None
    updated: int = 0
    unchanged: int = 0

    @property
    def retrain_due(self) -> bool:
        return self.gold_since_last_training >= self.min_new_gold


def event_resource(counts: ImportCounts) -> dict[str, str]:
    return {
        "prefect.resource.id": RESOURCE_ID,
        "prefect.resource.name": "carner annotations",
        RETRAIN_DUE_LABEL: "true" if counts.retrain_due else "false",
    }


def emit_annotations_imported(counts: ImportCounts) -> Event | None:
    """Emit `carner.annotations.imported` with the counts as payload (None when Prefect has no API)."""
    from prefect.events import emit_event

    payload: dict[str, Any] = asdict(counts)
    payload["retrain_due"] = counts.retrain_due
    return emit_event(ANNOTATIONS_IMPORTED, resource=event_resource(counts), payload=payload)


def emit_scrape_failed(result: dict[str, Any]) -> Event | None:
    """`carner.scrape.blocked` / `carner.scrape.unreachable` for a crawl that met a bot wall or a dead
    site, so a user can hang a notification or an automation on it; None for other outcomes.

    The resource is the site (credentials masked), the payload the crawl's query, status and cause.
    """
    from prefect.events import emit_event

    from carner.common.redact import redact

    name = SCRAPE_EVENTS.get(str(result.get("status")))
    if name is None:
        return None
    site = redact(result.get("base_url", ""))
    payload = {
        key: (redact(value) if isinstance(value, str) else value)
        for key, value in result.items()
        if key in ("query", "status", "cause", "blocked", "errors", "pending", "listings_stored")
    }
    resource = {"prefect.resource.id": f"carner.site.{site}", "prefect.resource.name": site}
    return emit_event(name, resource=resource, payload=payload)


def retrain_trigger(min_new_gold: int, *, enabled: bool = True) -> DeploymentEventTrigger:
    """Fire the retrain deployment on an import that brought the gold count to `min_new_gold` or more."""
    from prefect.events import DeploymentEventTrigger

    return DeploymentEventTrigger(
        name="carner-retrain-on-new-gold",
        description=f"Retrain when >= {min_new_gold} new gold annotations arrived since the last training.",
        enabled=enabled,
        expect={ANNOTATIONS_IMPORTED},
        match={"prefect.resource.id": RESOURCE_ID, RETRAIN_DUE_LABEL: "true"},
        threshold=1,
        parameters={
            "min_new_gold": min_new_gold,
            "trigger_event_id": "{{ event.id | string }}",
        },
    )


def import_counts(session: Any, file: str, result: Any, min_new_gold: int) -> ImportCounts:
    """Counts for the event from an `annotation.doccano.ImportResult`, with gold since the last training."""
    from carner.db import model_runs

    since = model_runs.last_training_at(session)
    return ImportCounts(
        file=str(file),
        imported=int(result.records),
        new_gold=int(result.added) + int(result.replaced),
        updated=int(result.replaced),
        unchanged=int(result.unchanged),
        gold_since_last_training=model_runs.count_gold_since(session, since),
        min_new_gold=min_new_gold,
        last_training_at=since.isoformat() if since else None,
    )


def prefect_api_configured() -> bool:
    """Whether a Prefect API (a server, or a test harness) is configured to receive events."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())
