"""model_run.task and model_run.data_home: one champion per kind *and task* (label set + data set).

Why: a model trained on another data set (another label schema, another test split) was compared
with the workdir's champion and replaced it. Runs recorded before this revision keep the task ""
(the registry reads it as the workdir's own data set, and gives such runs their task when a model of
the same labels and data set is registered).

Revision ID: 0004_model_tasks
Revises: 0003_crawl_failed_items
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_model_tasks"
down_revision = "0003_crawl_failed_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_run") as batch:
        batch.add_column(sa.Column("task", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("data_home", sa.Text(), nullable=True))
        batch.create_index("ix_model_run_task", ["task"])


def downgrade() -> None:
    with op.batch_alter_table("model_run") as batch:
        batch.drop_index("ix_model_run_task")
        batch.drop_column("data_home")
        batch.drop_column("task")
