"""Waste and health aggregates for elected officials: no bin-level or personal data."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import Bin, CollectionEvent, Reading
from db.types import utcnow
from services.bins import Thresholds
from services.collections import FIXED_PASSES_PER_WEEK
from services.coverage import per_inhabitants
from services.health_indicators import GP, PROFESSIONS
from services.planning import PARIS

COLLECTION_BANDS = [(0, 25), (25, 50), (50, 80), (80, 100), (100, None)]


def _band_label(low, high) -> str:
    return f"{low}–{high} %" if high is not None else "100 % et plus"


def _scoped(query, insee: str | None):
    return query if insee is None else query.where(Bin.commune_insee == insee)


def waste_period(session: Session, period, insee: str | None = None) -> dict:
    """Waste figures of a period, for one commune or (None) the agglomeration."""
    in_period = and_(
        Reading.measured_at >= period.start, Reading.measured_at < period.end
    )
    monitored = session.scalar(
        _scoped(
            select(func.count(Bin.id)).where(
                select(Reading.id).where(Reading.bin_id == Bin.id, in_period).exists()
            ),
            insee,
        )
    )
    # Bin·days at 100 % (Paris days, as the savings count them); grouping by day in
    # SQL would scan every reading of the period, this reads only the full ones.
    full_days = {
        (bin_id, when.astimezone(PARIS).date())
        for bin_id, when in session.execute(
            _scoped(
                select(Reading.bin_id, Reading.measured_at)
                .join(Bin, Bin.id == Reading.bin_id)
                .where(in_period, Reading.fill_pct >= 100),
                insee,
            )
        )
    }
    overflows = len(full_days)
    fills = session.scalars(
        _scoped(
            select(CollectionEvent.fill_before)
            .join(Bin, Bin.id == CollectionEvent.bin_id)
            .where(
                CollectionEvent.status == "collecte",
                CollectionEvent.recorded_at >= period.start,
                CollectionEvent.recorded_at < period.end,
            ),
            insee,
        )
    ).all()
    kinds = session.execute(
        _scoped(select(Bin.kind, func.count()).group_by(Bin.kind), insee)
    ).all()
    baseline = sum(
        n * FIXED_PASSES_PER_WEEK.get(k, 0) * period.days / 7 for k, n in kinds
    )
    measured = [f for f in fills if f is not None]
    bands = [
        sum(1 for f in measured if f >= low and (high is None or f < high))
        for low, high in COLLECTION_BANDS
    ]
    return {
        "bins_monitored": monitored or 0,
        "pickups": len(fills),
        "baseline_pickups": round(baseline),
        # Without any crew report, "avoided" would just be the whole fixed schedule.
        "pickups_avoided": round(baseline) - len(fills) if fills else None,
        "mean_fill_at_collection": round(sum(measured) / len(measured), 1)
        if measured
        else None,
        "fill_at_collection": [
            {"label": _band_label(low, high), "pickups": n}
            for (low, high), n in zip(COLLECTION_BANDS, bands, strict=True)
        ],
        "overflows": overflows or 0,
    }


def sensors_out_of_service(
    session: Session, thresholds: Thresholds, insee: str | None = None, now=None
) -> int:
    """Bins whose sensor has been silent longer than the threshold (or never spoke)."""
    now = now or utcnow()
    silent = or_(
        Bin.last_measured_at.is_(None),
        Bin.last_measured_at < now - thresholds.silent_after,
    )
    return session.scalar(_scoped(select(func.count(Bin.id)).where(silent), insee))


def _density(heads, population) -> float | None:
    if heads is None or not population:
        return None
    return round(per_inhabitants(heads, population), 1)


def health_figures(coverage_result, insee: str | None = None) -> dict | None:
    """Practitioners and GPs per 10,000, under-served communes, communes without a
    GP."""
    if coverage_result is None:
        return None
    totals = coverage_result.totals
    territory = {
        # (profession, practitioners per 10,000 inhabitants) for the agglomeration.
        "professions": [
            (label, _density(totals[key], totals["population"]))
            for key, label in PROFESSIONS.items()
        ],
        "gp_density": None
        if totals["densite_generalistes"] is None
        else round(totals["densite_generalistes"], 1),
        "gps": totals[GP],
        "underserved": totals["communes_sous_dotees"],
        "without_gp": totals["communes_sans_generaliste"],
        "communes": totals["communes"],
        "extracted_at": coverage_result.extracted_at,
        "threshold": coverage_result.threshold,
        "least_served": sorted(
            (
                (c["nom"], c["accessibilite_generalistes"] or 0.0)
                for c in coverage_result.communes
            ),
            key=lambda item: item[1],
        ),
    }
    if insee is None:
        return territory
    row = coverage_result.commune(insee) or {}
    return {
        **territory,
        "commune": {
            "professions": [
                (label, _density(row.get(key), row.get("population")))
                for key, label in PROFESSIONS.items()
            ],
            "gp_density": row.get(f"densite_{GP}"),
            "gps": row.get(GP),
            "accessibility": row.get("accessibilite_generalistes"),
            "underserved": row.get("sous_dotee"),
            "without_gp": row.get("sans_generaliste"),
            "nearest_gp": row.get("generaliste_proche"),
            "nearest_km": row.get("distance_generaliste_km"),
        },
    }
