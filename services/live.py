"""Incremental map updates: what changed since the version a browser holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Bin
from db.types import utcnow
from services.bins import BinFilter, Thresholds, list_bins

FULL_REFRESH_S = (
    60  # statuses also change with time alone (silence): resync each minute
)


def data_version(session: Session, now: datetime | None = None) -> str:
    """A token that changes when any bin state changes, and at least each minute."""
    now = now or utcnow()
    latest = session.scalar(select(func.max(Bin.state_updated_at)))
    bucket = int(now.timestamp() // FULL_REFRESH_S)
    return f"{bucket}|{latest.isoformat() if latest else ''}"


def changed_items(
    session: Session, since: datetime, filters: BinFilter, thresholds: Thresholds
) -> list[dict]:
    """Bins (matching the filters) whose state changed after `since`."""
    items, _ = list_bins(session, filters, thresholds=thresholds, changed_since=since)
    return items


def version_time(version: str | None) -> tuple[int | None, datetime | None]:
    """Split a version token into its minute bucket and its last-change time."""
    if not version or "|" not in version:
        return None, None
    bucket, latest = version.split("|", 1)
    return int(bucket), datetime.fromisoformat(latest) if latest else None
