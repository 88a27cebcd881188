"""Turning decoded uplinks into stored readings: fill %, batch insert, bin state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from db.models import Bin, Reading, Sensor
from db.upsert import insert_for
from services.decoders import DISTANCE_ERROR_MM, Uplink


@dataclass(frozen=True, slots=True)
class Device:
    """What the ingest needs to know about an installed sensor."""

    sensor_id: int
    bin_id: int
    empty_distance_mm: int
    full_distance_mm: int


def fill_percent(distance_mm: int, empty_mm: int, full_mm: int) -> float:
    """Fill % from a distance, clamped to 0..100 (the contract's formula)."""
    span = empty_mm - full_mm
    if span <= 0:
        raise ValueError("profondeur de bac invalide")
    return round(min(100.0, max(0.0, (empty_mm - distance_mm) / span * 100)), 1)


def load_devices(session: Session) -> dict[str, Device]:
    """Active sensors by DevEUI."""
    rows = session.execute(
        select(
            Sensor.dev_eui,
            Sensor.id,
            Bin.id,
            Bin.empty_distance_mm,
            Bin.full_distance_mm,
        )
        .join(Bin, Bin.id == Sensor.bin_id)
        .where(Sensor.removed_at.is_(None))
    )
    return {row[0]: Device(*row[1:]) for row in rows}


def reading_row(uplink: Uplink, device: Device, received_at: datetime) -> dict:
    """The readings-table row of an uplink."""
    distance = uplink.distance_mm
    if distance is None:
        fill = uplink.fill_pct
    elif distance == DISTANCE_ERROR_MM:
        fill = None
    else:
        fill = fill_percent(distance, device.empty_distance_mm, device.full_distance_mm)
    return {
        "bin_id": device.bin_id,
        "sensor_id": device.sensor_id,
        "measured_at": uplink.measured_at,
        "received_at": received_at,
        "distance_mm": distance,
        "fill_pct": fill,
        "battery_pct": uplink.battery_pct,
        "temperature_c": uplink.temperature_c,
        "tilt": uplink.tilt,
        "rssi": uplink.rssi,
        "snr": uplink.snr,
        "seq": uplink.seq,
        "source": uplink.source,
    }


_STATE_UPDATE = (
    Bin.__table__.update()
    .where(Bin.id == bindparam("b_id"))
    .where(
        or_(
            Bin.last_measured_at.is_(None),
            Bin.last_measured_at < bindparam("b_measured_at"),
        )
    )
    .values(
        last_measured_at=bindparam("b_measured_at"),
        last_distance_mm=bindparam("b_distance"),
        last_battery_pct=bindparam("b_battery"),
        last_temperature_c=bindparam("b_temperature"),
        last_tilt=bindparam("b_tilt"),
        last_error=bindparam("b_error"),
        state_updated_at=bindparam("b_received_at"),
    )
)
_FILL_UPDATE = (
    Bin.__table__.update()
    .where(Bin.id == bindparam("b_id"))
    .where(Bin.last_measured_at == bindparam("b_measured_at"))
    .values(last_fill_pct=bindparam("b_fill"))
)


def store_readings(session: Session, rows: list[dict]) -> set[tuple]:
    """Insert readings, skipping those already stored; update bin states.

    Returns the (sensor_id, measured_at) keys that were new. The caller commits.
    """
    unique: dict[tuple, dict] = {}
    for row in rows:
        unique.setdefault((row["sensor_id"], row["measured_at"]), row)
    if not unique:
        return set()
    stmt = (
        insert_for(session, Reading)
        .on_conflict_do_nothing(index_elements=["sensor_id", "measured_at"])
        .returning(Reading.sensor_id, Reading.measured_at)
    )
    inserted = {tuple(r) for r in session.execute(stmt, list(unique.values()))}
    latest: dict[int, dict] = {}
    for key in inserted:
        row = unique[key]
        current = latest.get(row["bin_id"])
        if current is None or row["measured_at"] > current["measured_at"]:
            latest[row["bin_id"]] = row
    if latest:
        params = [_state_params(row) for row in latest.values()]
        session.execute(_STATE_UPDATE, params)
        # An error reading (9999) keeps the last known fill.
        fills = [p for p in params if p["b_fill"] is not None]
        if fills:
            session.execute(_FILL_UPDATE, fills)
    return inserted


HISTORY_COLUMNS = (
    "bin_id", "sensor_id", "measured_at", "received_at", "distance_mm", "fill_pct",
    "battery_pct", "temperature_c", "tilt", "rssi", "snr", "seq", "source",
)  # fmt: skip


def _driver_time(value: datetime, dialect: str):
    # SQLite keeps naive UTC text in SQLAlchemy's own format; PostgreSQL takes aware.
    if dialect == "sqlite":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def store_history(session: Session, rows: list[dict]) -> None:
    """Bulk-insert backfilled readings, then update bin states.

    The demo backfills about a million rows: they go straight to the driver's
    executemany (no per-row ORM or type processing), already-stored ones ignored.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    mark = "?" if dialect == "sqlite" else "%s"
    sql = (
        f"INSERT INTO readings ({', '.join(HISTORY_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(HISTORY_COLUMNS))}) "
        "ON CONFLICT (sensor_id, measured_at) DO NOTHING"
    )
    params = [
        tuple(
            _driver_time(row[c], dialect) if c.endswith("_at") else row[c]
            for c in HISTORY_COLUMNS
        )
        for row in rows
    ]
    session.connection().exec_driver_sql(sql, params)
    latest: dict[int, dict] = {}
    for row in rows:
        current = latest.get(row["bin_id"])
        if current is None or row["measured_at"] > current["measured_at"]:
            latest[row["bin_id"]] = row
    state = [_state_params(row) for row in latest.values()]
    session.execute(_STATE_UPDATE, state)
    fills = [p for p in state if p["b_fill"] is not None]
    if fills:
        session.execute(_FILL_UPDATE, fills)


def _state_params(row: dict) -> dict:
    return {
        "b_id": row["bin_id"],
        "b_measured_at": row["measured_at"],
        "b_distance": row["distance_mm"],
        "b_battery": row["battery_pct"],
        "b_temperature": row["temperature_c"],
        "b_tilt": row["tilt"],
        "b_error": row["distance_mm"] == DISTANCE_ERROR_MM,
        "b_received_at": row["received_at"],
        "b_fill": row["fill_pct"],
    }
