"""Turning decoded uplinks into stored readings: fill %, batch insert, bin state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Bin, Sensor
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


HISTORY_COLUMNS = (
    "bin_id", "sensor_id", "measured_at", "received_at", "distance_mm", "fill_pct",
    "battery_pct", "temperature_c", "tilt", "rssi", "snr", "seq", "source",
)  # fmt: skip
_PG_TYPES = (
    "integer", "integer", "timestamptz", "timestamptz", "integer", "float8",
    "float8", "float8", "boolean", "float8", "float8", "bigint", "varchar",
)  # fmt: skip
_SQLITE_MAX_VARIABLES = 32766
_ON_CONFLICT = "ON CONFLICT (sensor_id, measured_at) DO NOTHING"


def _driver_time(value: datetime, dialect: str):
    # SQLite keeps naive UTC text in SQLAlchemy's own format; PostgreSQL takes aware.
    if dialect == "sqlite":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def store_readings(session: Session, rows: list[dict]) -> set[tuple]:
    """Insert readings, skipping those already stored; update bin states.

    Returns the (sensor_id, measured_at) keys that were new. The caller commits.
    One statement per batch straight to the driver (no per-row ORM or type
    processing): `unnest` of column arrays on PostgreSQL, multi-row VALUES on
    SQLite, both with ON CONFLICT DO NOTHING RETURNING.
    """
    unique: dict[tuple, dict] = {}
    for row in rows:
        unique.setdefault((row["sensor_id"], row["measured_at"]), row)
    if not unique:
        return set()
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    insert = f"INSERT INTO readings ({', '.join(HISTORY_COLUMNS)})"
    returning = f"{_ON_CONFLICT} RETURNING sensor_id, measured_at"
    if dialect == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
        params = tuple([r[c] for r in unique.values()] for c in HISTORY_COLUMNS)
        result = connection.exec_driver_sql(
            f"{insert} SELECT * FROM unnest({arrays}) {returning}", params
        )
        inserted = {(sensor, at.astimezone(UTC)) for sensor, at in result}
    else:
        inserted = set()
        keys = list(unique)
        width = len(HISTORY_COLUMNS)
        one = "(" + ", ".join("?" * width) + ")"
        step = _SQLITE_MAX_VARIABLES // width
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            by_text, params = {}, []
            for key in chunk:
                values = _driver_row(unique[key], dialect)
                by_text[(values[1], values[2])] = key
                params.extend(values)
            values_sql = ", ".join([one] * len(chunk))
            result = connection.exec_driver_sql(
                f"{insert} VALUES {values_sql} {returning}", tuple(params)
            )
            inserted.update(by_text[tuple(r)] for r in result)
    _update_states(connection, dialect, [unique[key] for key in inserted])
    return inserted


def _driver_row(row: dict, dialect: str) -> tuple:
    return tuple(
        _driver_time(row[c], dialect) if c.endswith("_at") else row[c]
        for c in HISTORY_COLUMNS
    )


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
        f"VALUES ({', '.join([mark] * len(HISTORY_COLUMNS))}) {_ON_CONFLICT}"
    )
    connection = session.connection()
    connection.exec_driver_sql(sql, [_driver_row(row, dialect) for row in rows])
    _update_states(connection, dialect, rows)


_STATE_COLUMNS = (
    "last_measured_at", "last_distance_mm", "last_battery_pct", "last_temperature_c",
    "last_tilt", "last_error", "state_updated_at",
)  # fmt: skip


def _update_states(connection, dialect: str, rows: list[dict]) -> None:
    """Each bin takes its latest reading as state, unless it knows a newer one.

    One statement; an error reading (9999) keeps the last known fill.
    """
    latest: dict[int, dict] = {}
    for row in rows:
        current = latest.get(row["bin_id"])
        if current is None or row["measured_at"] > current["measured_at"]:
            latest[row["bin_id"]] = row
    if not latest:
        return
    params = [
        (
            _driver_time(r["measured_at"], dialect),
            r["distance_mm"],
            r["battery_pct"],
            r["temperature_c"],
            r["tilt"],
            r["distance_mm"] == DISTANCE_ERROR_MM,
            _driver_time(r["received_at"], dialect),
            r["fill_pct"],
            r["bin_id"],
        )
        for r in latest.values()
    ]
    if dialect == "postgresql":
        names = (*_STATE_COLUMNS, "fill", "id")
        types = ("timestamptz", "integer", "float8", "float8", "boolean", "boolean",
                 "timestamptz", "float8", "integer")  # fmt: skip
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        assignments = ", ".join(f"{c} = u.{c}" for c in _STATE_COLUMNS)
        connection.exec_driver_sql(
            f"UPDATE bins SET {assignments}, "
            "last_fill_pct = coalesce(u.fill, bins.last_fill_pct) "
            f"FROM unnest({arrays}) AS u({', '.join(names)}) "
            "WHERE bins.id = u.id AND (bins.last_measured_at IS NULL "
            "OR bins.last_measured_at < u.last_measured_at)",
            tuple(list(column) for column in zip(*params, strict=True)),
        )
        return
    assignments = ", ".join(f"{c} = ?{i}" for i, c in enumerate(_STATE_COLUMNS, 1))
    connection.exec_driver_sql(
        f"UPDATE bins SET {assignments}, last_fill_pct = coalesce(?8, last_fill_pct) "
        "WHERE id = ?9 AND (last_measured_at IS NULL OR last_measured_at < ?1)",
        params,
    )
