"""Ingest counters per minute and source, shared by all processes via the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import IngestStat
from db.upsert import insert_for

FIELDS = ("accepted", "rejected", "duplicates")


class Tally:
    """Counts of one batch, grouped by (minute, source)."""

    def __init__(self):
        self.counts: dict[tuple[datetime, str], dict] = defaultdict(
            lambda: {"accepted": 0, "rejected": 0, "duplicates": 0, "last": None}
        )

    def add(self, source: str, when: datetime, **increments: int) -> None:
        entry = self.counts[(when.replace(second=0, microsecond=0), source)]
        for name, value in increments.items():
            entry[name] += int(value)
        if entry["last"] is None or when > entry["last"]:
            entry["last"] = when

    def total(self, name: str) -> int:
        return sum(entry[name] for entry in self.counts.values())


def save(session: Session, tally: Tally) -> None:
    """Add a tally to the stored counters (one upsert per minute and source)."""
    if not tally.counts:
        return
    insert = insert_for(session, IngestStat)
    rows = [
        {
            "minute": minute,
            "source": source,
            "accepted": entry["accepted"],
            "rejected": entry["rejected"],
            "duplicates": entry["duplicates"],
            "last_message_at": entry["last"],
        }
        for (minute, source), entry in tally.counts.items()
    ]
    excluded = insert.excluded
    table = IngestStat.__table__
    stmt = insert.on_conflict_do_update(
        index_elements=["minute", "source"],
        set_={
            **{name: table.c[name] + excluded[name] for name in FIELDS},
            "last_message_at": excluded.last_message_at,
        },
    )
    session.execute(stmt, rows)


def totals(session: Session) -> dict[str, int]:
    """Accepted, rejected and duplicate messages over the kept history."""
    row = session.execute(
        select(*(func.coalesce(func.sum(getattr(IngestStat, n)), 0) for n in FIELDS))
    ).one()
    return dict(zip(FIELDS, (int(v) for v in row), strict=True))


def per_minute(session: Session, since: datetime) -> list[dict]:
    """Counters per minute and source since a time, oldest first."""
    rows = session.execute(
        select(IngestStat).where(IngestStat.minute >= since).order_by(IngestStat.minute)
    ).scalars()
    return [
        {
            "minute": r.minute,
            "source": r.source,
            "accepted": r.accepted,
            "rejected": r.rejected,
            "duplicates": r.duplicates,
        }
        for r in rows
    ]


def last_message_by_source(session: Session) -> dict[str, datetime]:
    """When each source last sent something."""
    rows = session.execute(
        select(IngestStat.source, func.max(IngestStat.last_message_at)).group_by(
            IngestStat.source
        )
    )
    return {source: when for source, when in rows if when is not None}


def purge(session: Session, older_than: timedelta, now: datetime) -> int:
    """Drop counters past retention; returns rows removed."""
    result = session.execute(
        IngestStat.__table__.delete().where(IngestStat.minute < now - older_than)
    )
    return result.rowcount or 0
