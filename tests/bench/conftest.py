"""The bench tests share the flow tests' session-scoped Prefect harness."""

from tests.flows.conftest import prefect_harness  # noqa: F401
