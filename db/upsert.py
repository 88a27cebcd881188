"""Dialect-specific INSERT ... ON CONFLICT, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table):
    """An insert construct supporting on_conflict_* for the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"base non prise en charge : {dialect}")
