"""Initial schema: listing, price_change, raw_page, crawl_state, annotation_task, annotation, model_run.

Written out (not imported from db.models) so later model changes never rewrite history.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "listing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.String(20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("specifics", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("description_url", sa.Text(), nullable=True),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_index("ix_listing_item_id", "listing", ["item_id"], unique=True)

    op.create_table(
        "price_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "listing_id", sa.Integer(), sa.ForeignKey("listing.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(8), nullable=True),
        sa.Column("seen_at", TZ, nullable=False),
    )
    op.create_index("ix_price_change_listing_id", "price_change", ["listing_id"])

    op.create_table(
        "raw_page",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", sa.String(20), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_raw_page_url", "raw_page", ["url"])
    op.create_index("ix_raw_page_item_id", "raw_page", ["item_id"])
    op.create_index("ix_raw_page_content_hash", "raw_page", ["content_hash"])

    op.create_table(
        "crawl_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("next_page", sa.Integer(), nullable=False),
        sa.Column("max_pages", sa.Integer(), nullable=True),
        sa.Column("pending_item_ids", sa.JSON(), nullable=False),
        sa.Column("done_item_ids", sa.JSON(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("base_url", "query", name="uq_crawl_state_base_query"),
    )

    op.create_table(
        "annotation_task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "listing_id", sa.Integer(), sa.ForeignKey("listing.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("exported_at", TZ, nullable=True),
        sa.UniqueConstraint("listing_id", "field", name="uq_task_listing_field"),
    )
    op.create_index("ix_annotation_task_listing_id", "annotation_task", ["listing_id"])
    op.create_index("ix_annotation_task_text_hash", "annotation_task", ["text_hash"])

    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "task_id", sa.Integer(), sa.ForeignKey("annotation_task.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("annotator", sa.String(128), nullable=True),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("spans_hash", sa.String(64), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("exported_at", TZ, nullable=True),
        sa.Column("imported_at", TZ, nullable=False),
    )
    op.create_index("ix_annotation_task_id", "annotation", ["task_id"])
    op.create_index("ix_annotation_current", "annotation", ["current"])

    op.create_table(
        "model_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("dataset_hash", sa.String(64), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("f1", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("texts_per_s", sa.Float(), nullable=True),
        sa.Column("champion", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("model_run", "annotation", "annotation_task", "crawl_state", "raw_page", "price_change"):
        op.drop_table(table)
    op.drop_table("listing")
