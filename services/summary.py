"""Aggregates for elected officials: no bin-level or personal data."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.models import Bin
from services.bins import KIND_LABELS, Thresholds, kpis

FILL_BANDS = [(0, 25), (25, 50), (50, 80), (80, 100), (100, None)]


def waste_summary(session: Session, thresholds: Thresholds) -> dict:
    """Current waste figures for the whole territory."""
    figures = kpis(session, thresholds)
    by_kind = session.execute(
        select(Bin.kind, func.count(Bin.id), func.avg(Bin.last_fill_pct))
        .group_by(Bin.kind)
        .order_by(Bin.kind)
    ).all()
    bands = []
    for low, high in FILL_BANDS:
        condition = Bin.last_fill_pct >= low
        if high is not None:
            condition &= Bin.last_fill_pct < high
        bands.append(
            session.scalar(select(func.sum(case((condition, 1), else_=0)))) or 0
        )
    return {
        **figures,
        "by_kind": [
            {"kind": KIND_LABELS[kind], "bins": n, "mean_fill": avg}
            for kind, n, avg in by_kind
        ],
        "bands": [
            {
                "label": f"{low}–{high} %"
                if high is not None
                else "100 % (débordement)",
                "bins": count,
            }
            for (low, high), count in zip(FILL_BANDS, bands, strict=True)
        ],
    }
