"""Model registry: `model_run.dataset_hash` becomes `dataset_id`; new `test_id` and `model_id`.

Why: every door (CLI, flows, bench) records its models here, identified by
`training.identity` (dataset, test split, model files), so promotion and the report compare runs
on the test split they were actually evaluated on.

Revision ID: 0002_model_registry
Revises: 0001_initial
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_model_registry"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_run") as batch:
        batch.alter_column("dataset_hash", new_column_name="dataset_id", existing_type=sa.String(64))
        batch.add_column(sa.Column("test_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("model_id", sa.String(64), nullable=True))
        batch.create_index("ix_model_run_kind", ["kind"])


def downgrade() -> None:
    with op.batch_alter_table("model_run") as batch:
        batch.drop_index("ix_model_run_kind")
        batch.drop_column("model_id")
        batch.drop_column("test_id")
        batch.alter_column("dataset_id", new_column_name="dataset_hash", existing_type=sa.String(64))
