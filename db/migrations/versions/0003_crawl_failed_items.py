"""crawl_state.failed_items: pages a crawl gave up on for good (oversized, unparseable), with the reason.

Revision ID: 0003_crawl_failed_items
Revises: 0002_model_registry
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_crawl_failed_items"
down_revision = "0002_model_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_state") as batch:
        batch.add_column(sa.Column("failed_items", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_state") as batch:
        batch.drop_column("failed_items")
