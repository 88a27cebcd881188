"""GeoJSON documents for the maps: communes and bins (data only, no components)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Commune
from services.bins import KIND_LABELS


def communes_geojson(session: Session) -> dict:
    """The commune polygons with code, name and population."""
    rows = session.execute(
        select(Commune.insee, Commune.name, Commune.population, Commune.boundary)
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": insee, "nom": name, "population": population},
                "geometry": json.loads(boundary),
            }
            for insee, name, population, boundary in rows
        ],
    }


def bin_properties(item: dict) -> dict:
    """The small per-bin properties the map needs (kept short: sent on every update)."""
    fill = item["fill_pct"]
    return {
        "code": item["code"],
        "k": KIND_LABELS.get(item["kind"], item["kind"]),
        "f": None if fill is None else round(fill),
        "s": item["status"],
    }


def bins_geojson(items: list[dict]) -> dict:
    """Bins as GeoJSON points in the order given."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [i["lon"], i["lat"]]},
                "properties": bin_properties(i),
            }
            for i in items
        ],
    }
