"""One runner at a time for scheduled jobs, across processes and machines.

PostgreSQL: a session-level advisory lock held for the job's duration (released by
the server if the process dies). SQLite: a lease row with an expiry time.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import text

from db.engine import Database
from db.models import JobLock
from db.types import utcnow
from db.upsert import insert_for

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def _advisory_key(name: str) -> int:
    digest = hashlib.sha256(f"hypervision:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def job_lock(
    database: Database, name: str, lease: timedelta = timedelta(minutes=30)
) -> Iterator[bool]:
    """Yield True when this process holds the job's lock, False when another does."""
    if database.dialect == "postgresql":
        with database.engine.connect() as connection:
            key = _advisory_key(name)
            held = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar()
            connection.commit()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": key}
                    )
                    connection.commit()
        return
    holder = f"{HOLDER}:{uuid.uuid4().hex[:8]}"  # unique even between threads
    held = _take_lease(database, name, lease, holder)
    try:
        yield held
    finally:
        if held:
            with database.session() as session:
                session.execute(
                    JobLock.__table__.delete().where(
                        JobLock.name == name, JobLock.holder == holder
                    )
                )


def _take_lease(database: Database, name: str, lease: timedelta, holder: str) -> bool:
    now = utcnow()
    with database.session() as session:
        insert = insert_for(session, JobLock).values(
            name=name, holder=holder, expires_at=now + lease
        )
        stmt = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + lease},
            where=JobLock.__table__.c.expires_at < now,
        )
        session.execute(stmt)
        current = session.scalar(
            text("SELECT holder FROM job_locks WHERE name = :n"), {"n": name}
        )
    return current == holder
