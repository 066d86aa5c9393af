"""The training plan lives in `training.plan` (next to the chain's steps); this name stays for flows'
callers and deployments that import `flows.plan`."""

from training.plan import DEMO_PLAN, MODEL_KINDS, RESEARCH_PLAN, TrainPlan

__all__ = ["DEMO_PLAN", "MODEL_KINDS", "RESEARCH_PLAN", "TrainPlan"]
