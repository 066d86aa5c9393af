"""SQLAlchemy 2 typed records: what carner stores and the natural keys that make writes idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GOLD_SOURCES: frozenset[str] = frozenset({"doccano", "simulated"})
"""Annotation sources that count as gold: a human in doccano, or the demo's simulated annotator."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Listing(Base):
    """One eBay ad, keyed by eBay's item id; re-crawls update it in place."""

    __tablename__ = "listing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    price: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(8))
    location: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(Text)
    specifics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    description_url: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    prices: Mapped[list[PriceChange]] = relationship(back_populates="listing", cascade="all, delete-orphan")
    tasks: Mapped[list[AnnotationTask]] = relationship(back_populates="listing", cascade="all, delete-orphan")


class PriceChange(Base):
    """Price history: a row each time a crawl sees a listing's price change."""

    __tablename__ = "price_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    price: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(8))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="prices")


class RawPage(Base):
    """A fetched page, kept compressed on disk so parsing can be re-run without the network."""

    __tablename__ = "raw_page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # search | item | description
    item_id: Mapped[str | None] = mapped_column(String(20), index=True)
    status: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(Text)  # relative to the raw directory
    size: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class CrawlState(Base):
    """Progress of one crawl (base URL + query), written as it goes so a killed crawl resumes."""

    __tablename__ = "crawl_state"
    __table_args__ = (UniqueConstraint("base_url", "query", name="uq_crawl_state_base_query"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_url: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text)
    next_page: Mapped[int] = mapped_column(Integer, default=1)
    max_pages: Mapped[int | None] = mapped_column(Integer)
    pending_item_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    done_item_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # item id -> why it can never be stored (oversized page, parser failure): kept, not retried
    failed_items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnnotationTask(Base):
    """A text sent for annotation: one field (title/description) of one listing, pinned by its hash."""

    __tablename__ = "annotation_task"
    __table_args__ = (UniqueConstraint("listing_id", "field", name="uq_task_listing_field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))  # title | description
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    listing: Mapped[Listing] = relationship(back_populates="tasks")
    annotations: Mapped[list[Annotation]] = relationship(back_populates="task", cascade="all, delete-orphan")


class Annotation(Base):
    """One version of the spans of a task from one source; `current` marks the version in force.

    Older versions are kept (current=False) as history; gold (doccano) outranks distant.
    """

    __tablename__ = "annotation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("annotation_task.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # distant | model | GOLD_SOURCES
    annotator: Mapped[str | None] = mapped_column(String(128))
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[start, end, label], ...]
    spans_hash: Mapped[str] = mapped_column(String(64))
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # doccano export time
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    task: Mapped[AnnotationTask] = relationship(back_populates="annotations")


class ModelRun(Base):
    """A trained model and its evaluation; one champion per model kind and task."""

    __tablename__ = "model_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # baseline | teacher | student-*
    path: Mapped[str] = mapped_column(Text)
    dataset_id: Mapped[str] = mapped_column(String(64))  # training.identity.dataset_id it was trained on
    test_id: Mapped[str | None] = mapped_column(String(64))  # test split its metrics/f1 come from
    model_id: Mapped[str | None] = mapped_column(String(64))  # training.identity.model_id of its files
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    f1: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    texts_per_s: Mapped[float | None] = mapped_column(Float)
    champion: Mapped[bool] = mapped_column(Boolean, default=False)
    # The task it competes in (label set + data set it was trained on; "" = recorded without one):
    # a champion is one per kind *and task*, so a model of another data set never replaces it.
    task: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    data_home: Mapped[str | None] = mapped_column(Text)  # resolved directory of that data set
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
