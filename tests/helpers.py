"""Helpers shared by tests: build payloads, wait for conditions."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from db.models import DeadLetter, Reading


def native(ts: datetime, **values) -> bytes:
    body = {"ts": ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **values}
    return json.dumps(body).encode()


def recent(minutes: int = 0, seconds: int = 0) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(minutes=minutes, seconds=seconds)


def count(database, model=Reading) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def dead_reasons(database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(DeadLetter.reason)))


def wait_until(condition, timeout: float = 30.0, interval: float = 0.05) -> bool:
    """Poll a condition; the caller asserts on the outcome (no timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
