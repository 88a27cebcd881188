"""Commune geometry: shapes from the database, point-in-commune checks."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Commune
from services.fleet import CommuneArea


def commune_areas(session: Session) -> list[CommuneArea]:
    """Every commune with its shapely geometry, ordered by INSEE code."""
    rows = session.execute(
        select(
            Commune.insee, Commune.name, Commune.population, Commune.boundary
        ).order_by(Commune.insee)
    )
    return [
        CommuneArea(insee, name, population, shape(json.loads(boundary)))
        for insee, name, population, boundary in rows
    ]


class Territory:
    """Prepared commune polygons for fast point-in-commune tests."""

    def __init__(self, areas: list[CommuneArea]):
        self.areas = {area.insee: area for area in areas}
        for area in areas:
            shapely.prepare(area.geometry)

    def contains(self, insee: str, lat: float, lon: float) -> bool:
        area = self.areas.get(insee)
        return area is not None and area.geometry.covers(shapely.Point(lon, lat))

    def locate(self, lat: float, lon: float) -> str | None:
        """The INSEE code of the commune covering the point, if any."""
        point = shapely.Point(lon, lat)
        for insee, area in self.areas.items():
            if area.geometry.covers(point):
                return insee
        return None
