"""Forecast refresh: read recent readings, run the model, store the forecasts."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import select

from db.engine import Database
from db.models import (
    Bin,
    CollectionEvent,
    ForecastQuality,
    ForecastRow,
    OverflowPrediction,
    Reading,
)
from db.types import utcnow
from db.upsert import insert_for
from services.fleet import BIN_KINDS

HISTORY_DAYS = 30
PARIS = ZoneInfo("Europe/Paris")


def alert_thresholds(settings: dict) -> dict[str, float]:
    """Alert threshold per bin kind: ALERT_FILL_PCT, overridden by
    ALERT_FILL_PCT_BY_KIND ("PAV_VERRE=85,CORBEILLE=70")."""
    thresholds = {kind: float(settings["ALERT_FILL_PCT"]) for kind in BIN_KINDS}
    for item in (settings.get("ALERT_FILL_PCT_BY_KIND") or "").split(","):
        if "=" in item:
            kind, value = item.split("=", 1)
            if kind.strip() in thresholds:
                thresholds[kind.strip()] = float(value)
    return thresholds


def load_series(database: Database, now: datetime, days: int = HISTORY_DAYS) -> list:
    """Every bin's fill series over the last `days` (NaN where the reading failed)."""
    from services.forecast import BinSeries

    since = now - timedelta(days=days)
    with database.session() as session:
        bins = session.execute(select(Bin.id, Bin.kind, Bin.commune_insee)).all()
        query = (
            select(Reading.bin_id, Reading.measured_at, Reading.fill_pct)
            .where(Reading.measured_at >= since)
            .order_by(Reading.bin_id, Reading.measured_at)
        )
        frame = pd.DataFrame(
            session.execute(query).all(), columns=["bin_id", "measured_at", "fill_pct"]
        )
        collected: dict[int, list[float]] = {}
        for bin_id, when in session.execute(
            select(CollectionEvent.bin_id, CollectionEvent.recorded_at).where(
                CollectionEvent.status == "collecte",
                CollectionEvent.recorded_at >= since,
            )
        ):
            collected.setdefault(bin_id, []).append(when.timestamp())
    groups = {}
    if not frame.empty:
        seconds = np.array([t.timestamp() for t in frame["measured_at"]])
        fills = frame["fill_pct"].to_numpy(dtype=float, na_value=np.nan)
        ids = frame["bin_id"].to_numpy()
        bounds = np.flatnonzero(np.diff(ids)) + 1
        for start, end in zip(np.r_[0, bounds], np.r_[bounds, len(ids)], strict=True):
            groups[int(ids[start])] = (seconds[start:end], fills[start:end])
    empty = (np.array([], float), np.array([], float))
    # Crews' reports open a new fill cycle even before the sensor shows the drop.
    return [
        BinSeries(
            bin_id,
            kind,
            insee,
            *groups.get(bin_id, empty),
            collected_at=np.array(collected[bin_id]) if bin_id in collected else None,
        )
        for bin_id, kind, insee in bins
    ]


def _row(forecast) -> dict:
    return {
        "bin_id": forecast.bin_id,
        "generated_at": forecast.generated_at,
        "current_fill": forecast.current_fill,
        "rate_pct_per_h": forecast.rate_pct_per_h,
        "alert_eta": forecast.alert_eta,
        "overflow_eta": forecast.overflow_eta,
        "method": forecast.method,
        "stuck": bool(getattr(forecast, "stuck", False)),
        "trajectory": json.dumps(
            {
                "times": [t.isoformat() for t in forecast.times],
                "expected": [round(v, 2) for v in forecast.expected],
                "lower": [round(v, 2) for v in forecast.lower],
                "upper": [round(v, 2) for v in forecast.upper],
            }
        ),
    }


def save_forecasts(database: Database, forecasts: list) -> None:
    with database.session() as session:
        rows = [_row(f) for f in forecasts]
        insert = insert_for(session, ForecastRow)
        stmt = (
            insert.on_conflict_do_update(
                index_elements=["bin_id"],
                set_={c: insert.excluded[c] for c in rows[0] if c != "bin_id"},
            )
            if rows
            else None
        )
        if stmt is not None:
            session.execute(stmt, rows)


def log_predictions(database: Database, forecasts: list, horizon: timedelta) -> None:
    """Remember, once per bin and day, that an overflow was predicted ahead of time."""
    now = utcnow()
    rows = [
        {
            "bin_id": f.bin_id,
            "day": f.overflow_eta.astimezone(PARIS).date().isoformat(),
            "predicted_at": now,
            "overflow_eta": f.overflow_eta,
        }
        for f in forecasts
        if f.overflow_eta is not None and now < f.overflow_eta <= now + horizon
    ]
    if rows:
        with database.session() as session:
            stmt = insert_for(session, OverflowPrediction).on_conflict_do_nothing(
                index_elements=["bin_id", "day"]
            )
            session.execute(stmt, rows)


def refresh_forecasts(database: Database, settings: dict) -> str:
    """Forecast every bin now; returns a one-line summary."""
    from services.forecast import forecast_fleet

    started = time.perf_counter()
    now = utcnow()
    series = load_series(database, now)
    forecasts = forecast_fleet(series, now, alert_thresholds(settings))
    save_forecasts(database, forecasts)
    log_predictions(
        database, forecasts, timedelta(hours=settings["FORECAST_HORIZON_H"])
    )
    elapsed = time.perf_counter() - started
    return f"{len(forecasts)} bacs prévus en {elapsed:.1f} s"


def stored_forecast(session, bin_id: int) -> dict | None:
    """The stored forecast of a bin with its trajectory, or None."""
    row = session.get(ForecastRow, bin_id)
    if row is None:
        return None
    trajectory = json.loads(row.trajectory)
    return {
        "generated_at": row.generated_at,
        "alert_eta": row.alert_eta,
        "overflow_eta": row.overflow_eta,
        "rate_pct_per_h": row.rate_pct_per_h,
        "method": row.method,
        "stuck": row.stuck,
        "times": pd.to_datetime(trajectory["times"], utc=True),
        "expected": trajectory["expected"],
        "lower": trajectory["lower"],
        "upper": trajectory["upper"],
    }


def evaluate_forecasts(database: Database, settings: dict, origins: int = 4):
    """Backtest on stored history and keep the result table; returns it."""
    from services.forecast import backtest

    table = backtest(
        load_series(database, utcnow()),
        origins_per_bin=origins,
        alert_thresholds=alert_thresholds(settings),
    )
    with database.session() as session:
        session.add(
            ForecastQuality(
                computed_at=utcnow(), results=table.to_json(orient="records")
            )
        )
    return table


def latest_quality(session) -> tuple[datetime, pd.DataFrame] | None:
    """The latest stored backtest, or None."""
    row = session.scalar(
        select(ForecastQuality).order_by(ForecastQuality.computed_at.desc()).limit(1)
    )
    if row is None:
        return None
    return row.computed_at, pd.DataFrame(json.loads(row.results))
