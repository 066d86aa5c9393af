"""Alembic migration scripts for carner's database (driven from `db.engine.upgrade`)."""
