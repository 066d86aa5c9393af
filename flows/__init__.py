"""Orchestration: settings, the `carner` CLI and the Prefect flows that wire the stages."""
