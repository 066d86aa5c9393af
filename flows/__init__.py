"""Orchestration: Prefect flows, tasks, events and deployments; each flow a runner of the one step list."""
