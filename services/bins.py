"""Bins as users see them: status, filters, pages of results, KPIs and alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from db.models import Bin, Commune, ForecastRow, Sensor
from db.types import utcnow

KIND_LABELS = {
    "PAV_VERRE": "PAV verre",
    "PAV_PAPIER": "PAV papier",
    "PAV_EMBALLAGES": "PAV emballages",
    "PAV_OM": "PAV ordures ménagères",
    "CORBEILLE": "Corbeille",
    "REGROUPEMENT": "Point de regroupement",
}
STATUS_LABELS = {
    "sans_donnee": "Sans donnée",
    "silencieux": "Capteur silencieux",
    "erreur": "Erreur de mesure",
    "debordement": "Débordement",
    "alerte": "À collecter",
    "debordement_prevu": "Débordement prévu",
    "normal": "Normal",
}
FILL_CLASSES = {
    "0-50": (0, 50),
    "50-80": (50, 80),
    "80-100": (80, 100),
    "100": (100, None),
}


@dataclass(frozen=True)
class Thresholds:
    alert_fill_pct: float = 80
    silent_after: timedelta = timedelta(hours=6)
    low_battery_pct: float = 20
    # "Débordement prévu": predicted to overflow before the next pass, taken as
    # within this horizon (the next working day's round).
    forecast_horizon: timedelta = timedelta(hours=24)
    alert_by_kind: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_config(cls, config: dict) -> Thresholds:
        from services.forecast_jobs import alert_thresholds

        return cls(
            alert_fill_pct=config["ALERT_FILL_PCT"],
            silent_after=timedelta(hours=config["SILENT_AFTER_H"]),
            low_battery_pct=config["LOW_BATTERY_PCT"],
            forecast_horizon=timedelta(hours=config["FORECAST_HORIZON_H"]),
            alert_by_kind=tuple(sorted(alert_thresholds(config).items())),
        )

    def alert_sql(self):
        """The alert threshold of each bin's kind, as a SQL expression."""
        if not self.alert_by_kind:
            return literal(self.alert_fill_pct)
        return case(dict(self.alert_by_kind), value=Bin.kind, else_=self.alert_fill_pct)


def _status_sql(now: datetime, thresholds: Thresholds):
    return case(
        (Bin.last_measured_at.is_(None), "sans_donnee"),
        (Bin.last_measured_at < now - thresholds.silent_after, "silencieux"),
        (Bin.last_error.is_(True), "erreur"),
        (Bin.last_fill_pct.is_(None), "sans_donnee"),
        (Bin.last_fill_pct >= 100, "debordement"),
        (Bin.last_fill_pct >= thresholds.alert_sql(), "alerte"),
        (
            ForecastRow.overflow_eta <= now + thresholds.forecast_horizon,
            "debordement_prevu",
        ),
        else_="normal",
    )


SORTABLE = {
    "code": Bin.code,
    "kind": Bin.kind,
    "commune_name": Commune.name,
    "fill_pct": Bin.last_fill_pct,
    "measured_at": Bin.last_measured_at,
    "battery_pct": Bin.last_battery_pct,
    "temperature_c": Bin.last_temperature_c,
    "capacity_l": Bin.capacity_l,
}


@dataclass
class BinFilter:
    commune: str | None = None
    kind: str | None = None
    fill_class: str | None = None
    status: str | None = None
    low_battery: bool = False
    tilt: bool = False


SENSOR_STATES = {
    **STATUS_LABELS,
    "batterie_faible": "Batterie faible",
    "bascule": "Bac basculé ou couvercle ouvert",
}


def filter_from_params(commune, kind, fill_class, state) -> BinFilter:
    """A filter from user input (page controls, export URL); unknown values ignored."""
    return BinFilter(
        commune=commune if isinstance(commune, str) and commune else None,
        kind=kind if kind in KIND_LABELS else None,
        fill_class=fill_class if fill_class in FILL_CLASSES else None,
        status=state if state in STATUS_LABELS else None,
        low_battery=state == "batterie_faible",
        tilt=state == "bascule",
    )


def _bins_query(filters: BinFilter, now: datetime, thresholds: Thresholds) -> Select:
    status = _status_sql(now, thresholds).label("status")
    query = (
        select(
            Bin,
            Commune.name.label("commune_name"),
            Sensor.dev_eui,
            ForecastRow.alert_eta,
            ForecastRow.overflow_eta,
            status,
        )
        .join(Commune, Commune.insee == Bin.commune_insee)
        .outerjoin(Sensor, and_(Sensor.bin_id == Bin.id, Sensor.removed_at.is_(None)))
        .outerjoin(ForecastRow, ForecastRow.bin_id == Bin.id)
    )
    if filters.commune:
        query = query.where(Bin.commune_insee == filters.commune)
    if filters.kind:
        query = query.where(Bin.kind == filters.kind)
    if filters.fill_class in FILL_CLASSES:
        low, high = FILL_CLASSES[filters.fill_class]
        query = query.where(Bin.last_fill_pct >= low)
        if high is not None:
            query = query.where(Bin.last_fill_pct < high)
    if filters.status:
        query = query.where(status == filters.status)
    if filters.low_battery:
        query = query.where(Bin.last_battery_pct < thresholds.low_battery_pct)
    if filters.tilt:
        query = query.where(Bin.last_tilt.is_(True))
    return query


def _item(row, status: str) -> dict:
    b: Bin = row.Bin
    return {
        "id": b.id,
        "code": b.code,
        "kind": b.kind,
        "commune_insee": b.commune_insee,
        "commune_name": row.commune_name,
        "lat": b.lat,
        "lon": b.lon,
        "capacity_l": b.capacity_l,
        "dev_eui": row.dev_eui,
        "fill_pct": b.last_fill_pct,
        "measured_at": b.last_measured_at,
        "battery_pct": b.last_battery_pct,
        "temperature_c": b.last_temperature_c,
        "tilt": b.last_tilt,
        "status": status,
        "overflow_eta": row.overflow_eta,
        "alert_eta": row.alert_eta,
    }


def list_bins(
    session: Session,
    filters: BinFilter | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
    sort: list[tuple[str, bool]] | None = None,
    changed_since: datetime | None = None,
) -> tuple[list[dict], int]:
    """A page of bins and the total matching the filters.

    `sort` is a list of (column, ascending) over SORTABLE; the code breaks ties.
    """
    filters = filters or BinFilter()
    thresholds, now = thresholds or Thresholds(), now or utcnow()
    query = _bins_query(filters, now, thresholds)
    if changed_since is not None:
        query = query.where(Bin.state_updated_at > changed_since)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    order = [
        SORTABLE[column].asc() if ascending else SORTABLE[column].desc()
        for column, ascending in (sort or [])
        if column in SORTABLE
    ]
    query = query.order_by(*order, Bin.code).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_item(row, row.status) for row in session.execute(query)], total or 0


def get_bin(
    session: Session, code: str, thresholds: Thresholds | None = None
) -> dict | None:
    """One bin by its code, or None."""
    thresholds = thresholds or Thresholds()
    query = _bins_query(BinFilter(), utcnow(), thresholds).where(Bin.code == code)
    row = session.execute(query).first()
    return _item(row, row.status) if row else None


def kpis(
    session: Session, thresholds: Thresholds | None = None, now: datetime | None = None
) -> dict:
    """The Supervision figures, computed in SQL."""
    thresholds, now = thresholds or Thresholds(), now or utcnow()
    fresh = Bin.last_measured_at >= now - thresholds.silent_after
    row = session.execute(
        select(
            func.count(Bin.id),
            func.count(Bin.last_measured_at),
            func.sum(
                case(
                    (and_(fresh, Bin.last_fill_pct >= thresholds.alert_sql()), 1),
                    else_=0,
                )
            ),
            func.sum(case((and_(fresh, Bin.last_fill_pct >= 100), 1), else_=0)),
            func.sum(
                case(
                    (or_(Bin.last_measured_at.is_(None), ~fresh), 1),
                    else_=0,
                )
            ),
            func.sum(
                case((Bin.last_battery_pct < thresholds.low_battery_pct, 1), else_=0)
            ),
            func.sum(case((and_(fresh, Bin.last_tilt.is_(True)), 1), else_=0)),
            func.max(Bin.last_measured_at),
        )
    ).one()
    total, measured, above, overflowing, silent, low_battery, tilted, latest = row
    monitored = total - (silent or 0)
    return {
        "bins": total,
        "monitored": monitored,
        "above_alert": above or 0,
        "above_alert_share": (above or 0) / monitored * 100 if monitored else None,
        "overflowing": overflowing or 0,
        "silent": silent or 0,
        "low_battery": low_battery or 0,
        "tilted": tilted or 0,
        "predicted_overflows": session.scalar(
            select(func.count(ForecastRow.bin_id))
            .join(Bin, Bin.id == ForecastRow.bin_id)
            .where(
                fresh,
                Bin.last_fill_pct < 100,
                ForecastRow.overflow_eta <= now + thresholds.forecast_horizon,
            )
        )
        or 0,
        "latest_measure": latest,
    }
