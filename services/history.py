"""A bin's recent readings, for its history charts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Bin, Reading
from db.types import utcnow


def bin_history(
    session: Session, code: str, days: int = 30, now: datetime | None = None
) -> pd.DataFrame:
    """Readings of the bin over the last `days`, oldest first (one row a reading)."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.execute(
        select(
            Reading.measured_at,
            Reading.fill_pct,
            Reading.distance_mm,
            Reading.battery_pct,
            Reading.temperature_c,
            Reading.tilt,
        )
        .join(Bin, Bin.id == Reading.bin_id)
        .where(Bin.code == code, Reading.measured_at >= since)
        .order_by(Reading.measured_at)
    ).all()
    columns = [
        "measured_at",
        "fill_pct",
        "distance_mm",
        "battery_pct",
        "temperature_c",
        "tilt",
    ]
    return pd.DataFrame(rows, columns=columns)
