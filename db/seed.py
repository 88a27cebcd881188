"""Seed data: the territory (communes) shipped with the project, and the demo fleet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Bin, Commune, Sensor

DATA = Path(__file__).resolve().parent / "data"
COMMUNES_CSV = DATA / "pma_communes.csv"
COMMUNES_GEOJSON = DATA / "pma_communes.geojson"
ATTRIBUTION = (
    "Sources : INSEE (COG 2026, populations légales), DGCL (composition des EPCI "
    "2025), IGN Admin Express 2018 via france-geojson, SSMSI – Licence Ouverte / Etalab"
)


def read_territory() -> list[dict]:
    """The communes of the shipped files: code, name, population, boundary, label."""
    geometries = {
        feature["properties"]["code"]: feature["geometry"]
        for feature in json.loads(COMMUNES_GEOJSON.read_text(encoding="utf-8"))[
            "features"
        ]
    }
    with COMMUNES_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "insee": row["code_insee"],
                "name": row["nom"],
                "population": int(row["pmun_2023"]),
                "boundary": json.dumps(geometries[row["code_insee"]]),
                "label_lat": float(row["label_lat"]),
                "label_lon": float(row["label_lon"]),
            }
            for row in csv.DictReader(handle)
        ]


def seed_territory(session: Session) -> int:
    """Insert or update the communes; returns how many there are."""
    existing = {c.insee: c for c in session.scalars(select(Commune))}
    for row in read_territory():
        commune = existing.get(row["insee"]) or Commune(insee=row["insee"])
        for key, value in row.items():
            setattr(commune, key, value)
        session.add(commune)
    session.flush()
    return session.scalar(select(func.count()).select_from(Commune))


def seed_demo_fleet(session: Session, size: int) -> int:
    """Place the demo fleet once (no-op when bins exist); returns bins created."""
    if session.scalar(select(func.count()).select_from(Bin)):
        return 0
    from services.fleet import generate_demo_fleet
    from services.geo import commune_areas

    fleet = generate_demo_fleet(commune_areas(session), size)
    bins = [
        Bin(
            code=b.code,
            kind=b.kind,
            commune_insee=b.commune_insee,
            lat=b.lat,
            lon=b.lon,
            capacity_l=b.capacity_l,
            empty_distance_mm=b.empty_distance_mm,
            full_distance_mm=b.full_distance_mm,
        )
        for b in fleet
    ]
    session.add_all(bins)
    session.flush()
    session.add_all(
        Sensor(dev_eui=b.dev_eui, bin_id=row.id)
        for b, row in zip(fleet, bins, strict=True)
    )
    session.flush()
    return len(bins)
