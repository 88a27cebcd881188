"""Density of the filtered incidents: counts per square cell of about 1 km², in SQL.

Why square cells rather than a commune choropleth: PMA's communes range from a few
km² to Montbéliard's town centre, so a count per commune paints a whole village red
for two reports and hides where, inside a large town, reports gather. Cells of one
size make the colour a density (incidents per km²) that a coordinator compares at a
glance, and they stay readable without map tiles over the commune boundaries.

The grid is fixed on the globe (cell indices are floor(lat / step)), so a cell keeps
its place whatever the filters, and only non-empty cells leave the database.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Float, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from db.models import Commune, Incident
from db.types import utcnow
from services.incident_deadlines import Targets
from services.incident_queries import IncidentFilter

CELL_KM = 1.0
KM_PER_DEGREE_LAT = 111.32
DEFAULT_REFERENCE_LAT = 47.5


def _floor(expr, dialect: str):
    # SQLite may be built without its math functions; CAST truncates towards zero.
    if dialect == "sqlite":
        whole = cast(expr, Integer)
        return whole - case((expr < whole, 1), else_=0)
    return cast(func.floor(expr), Integer)


def grid_steps(session: Session, cell_km: float = CELL_KM) -> tuple[float, float]:
    """Degrees of latitude and longitude of a cell, at the territory's latitude."""
    mean = session.scalar(select(func.avg(Commune.label_lat)))
    # Rounded so that the grid does not move when a commune is added.
    ref = round(mean, 1) if mean is not None else DEFAULT_REFERENCE_LAT
    dlat = cell_km / KM_PER_DEGREE_LAT
    dlon = cell_km / (KM_PER_DEGREE_LAT * math.cos(math.radians(ref)))
    return dlat, dlon


def density_cells(
    session: Session,
    filters: IncidentFilter,
    targets: Targets | None = None,
    now: datetime | None = None,
    cell_km: float = CELL_KM,
) -> list[dict]:
    """Non-empty cells of the filtered incidents: row, col, count, bounds."""
    now = now or utcnow()
    dlat, dlon = grid_steps(session, cell_km)
    dialect = session.get_bind().dialect.name
    lat = cast(Incident.lat, Float) / dlat
    lon = cast(Incident.lon, Float) / dlon
    cells = (
        select(
            _floor(lat, dialect).label("row"),
            _floor(lon, dialect).label("col"),
        )
        .where(*filters.conditions(now, targets))
        .subquery()
    )
    rows = session.execute(
        select(cells.c.row, cells.c.col, func.count().label("n"))
        .group_by(cells.c.row, cells.c.col)
        .order_by(cells.c.row, cells.c.col)
    )
    return [
        {
            "row": row,
            "col": col,
            "count": n,
            "south": row * dlat,
            "west": col * dlon,
            "north": (row + 1) * dlat,
            "east": (col + 1) * dlon,
        }
        for row, col, n in rows
    ]


def class_limits(max_count: int) -> list[int]:
    """Lower bounds of classes 2..5 for counts 1..max (geometric: counts are skewed).

    Up to 5 incidents each count is its own class; beyond, limits grow like
    max^(k/5) so that one busy cell does not flatten every other one.
    """
    if max_count <= 1:
        return []
    if max_count <= 5:
        return list(range(2, max_count + 1))
    limits: list[int] = []
    for k in range(1, 5):
        value = max(math.ceil(max_count ** (k / 5)), 2)
        if not limits or value > limits[-1]:
            limits.append(value)
    return limits


def density_geojson(cells: list[dict], cell_km: float = CELL_KM) -> dict:
    """Cells as GeoJSON squares; `n` incidents, `d` incidents per km²."""
    area = cell_km * cell_km
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [c["west"], c["south"]],
                            [c["east"], c["south"]],
                            [c["east"], c["north"]],
                            [c["west"], c["north"]],
                            [c["west"], c["south"]],
                        ]
                    ],
                },
                "properties": {"n": c["count"], "d": round(c["count"] / area, 2)},
            }
            for c in cells
        ],
    }
