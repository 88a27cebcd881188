"""Open-data datasets: their metadata and the queries building their rows.

Only aggregates and public facts leave through here: no sensor internals (no
DevEUI, battery, signal), no user names, no free text, no exact incident position.
Incident counts below SUPPRESS_BELOW are replaced by SUPPRESSED (secret statistique).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import models
from db.models import Bin, CollectionEvent, Commune, Reading
from db.types import utcnow
from services.bins import KIND_LABELS
from services.health_indicators import PROFESSIONS, coverage
from services.planning import PARIS

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
DAILY_DAYS = 90


@dataclass
class Table:
    """Rows of a dataset, and a geometry per row for the geometric ones."""

    rows: list[dict]
    geometries: list[dict] | None = None
    built_at: datetime = field(default_factory=utcnow)


def f(name, type_, description, unit=""):
    return {"name": name, "type": type_, "unit": unit, "description": description}


COMMUNE_FIELDS = [
    f("code_insee", "string", "Code officiel géographique de la commune (INSEE)"),
    f("commune", "string", "Nom de la commune"),
]


def suppress(count: int) -> int | str:
    """A count, or the marker when it is small enough to identify someone."""
    return SUPPRESSED if 0 < count < SUPPRESS_BELOW else count


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Commune.insee, Commune.name)).all())


def build_bacs(session: Session) -> Table:
    names = _names(session)
    rows, points = [], []
    for b in session.scalars(select(Bin).order_by(Bin.code)):
        rows.append(
            {
                "identifiant": b.code,
                "type": b.kind,
                "libelle_type": KIND_LABELS.get(b.kind, b.kind),
                "code_insee": b.commune_insee,
                "commune": names.get(b.commune_insee, ""),
                "latitude": round(b.lat, 6),
                "longitude": round(b.lon, 6),
                "volume_l": b.capacity_l,
            }
        )
        points.append(
            {"type": "Point", "coordinates": [round(b.lon, 6), round(b.lat, 6)]}
        )
    return Table(rows, points)


def build_remplissage(session: Session) -> Table:
    since = utcnow() - timedelta(days=DAILY_DAYS)
    day = func.date(Reading.measured_at)
    query = (
        select(
            day,
            Bin.commune_insee,
            Bin.kind,
            func.count(Reading.id),
            func.count(func.distinct(Reading.bin_id)),
            func.avg(Reading.fill_pct),
            func.max(Reading.fill_pct),
        )
        .join(Bin, Bin.id == Reading.bin_id)
        .where(Reading.measured_at >= since, Reading.fill_pct.is_not(None))
        .group_by(day, Bin.commune_insee, Bin.kind)
        .order_by(day, Bin.commune_insee, Bin.kind)
    )
    names = _names(session)
    rows = [
        {
            "jour": str(d)[:10],
            "code_insee": insee,
            "commune": names.get(insee, ""),
            "type": kind,
            "mesures": n,
            "bacs_mesures": n_bins,
            "remplissage_moyen_pct": round(float(mean), 1),
            "remplissage_max_pct": round(float(top), 1),
        }
        for d, insee, kind, n, n_bins, mean, top in session.execute(query)
    ]
    return Table(rows)


def build_collectes(session: Session) -> Table:
    names = _names(session)
    groups: dict[tuple, list] = defaultdict(lambda: [0, 0, []])
    query = select(
        CollectionEvent.recorded_at,
        CollectionEvent.status,
        CollectionEvent.fill_before,
        Bin.commune_insee,
    ).join(Bin, Bin.id == CollectionEvent.bin_id)
    for when, status, fill, insee in session.execute(query):
        group = groups[(when.astimezone(PARIS).strftime("%Y-%m"), insee)]
        if status == "collecte":
            group[0] += 1
            if fill is not None:
                group[2].append(fill)
        else:
            group[1] += 1
    rows = []
    for (month, insee), (done, missed, fills) in sorted(groups.items()):
        rows.append(
            {
                "mois": month,
                "code_insee": insee,
                "commune": names.get(insee, ""),
                "collectes": done,
                "bacs_inaccessibles": missed,
                "remplissage_moyen_avant_collecte_pct": round(
                    sum(fills) / len(fills), 1
                )
                if fills
                else None,
            }
        )
    return Table(rows)


def incident_table() -> type | None:
    """The vigilance module's incident model, when it exists."""
    return getattr(models, "Incident", None)


def aggregate_incidents(events, names: dict[str, str]) -> list[dict]:
    """(commune_insee, category, created_at) tuples -> weekly counts, suppressed."""
    counts: dict[tuple, int] = defaultdict(int)
    for insee, category, created in events:
        year, week, _ = created.astimezone(PARIS).isocalendar()
        counts[(f"{year}-W{week:02d}", insee or "", category or "")] += 1
    return [
        {
            "semaine": week,
            "code_insee": insee,
            "commune": names.get(insee, ""),
            "categorie": category,
            "incidents": suppress(n),
        }
        for (week, insee, category), n in sorted(counts.items())
    ]


def build_incidents(session: Session) -> Table:
    model = incident_table()
    if model is None:
        return Table([])
    when = getattr(model, "ts", None) or model.created_at
    query = select(model.commune_insee, model.category, when)
    if hasattr(model, "duplicate_of_id"):  # a duplicate is the same incident
        query = query.where(model.duplicate_of_id.is_(None))
    events = session.execute(query)
    return Table(aggregate_incidents(events, _names(session)))


SANTE_INDICATORS = [
    f(
        "generalistes_soins_primaires",
        "integer",
        "Généralistes libéraux ou en centre de santé",
        "personnes",
    ),
    f(
        "accessibilite_generalistes",
        "number",
        "Accessibilité aux généralistes (aire flottante à deux étapes)",
        "pour 10 000 habitants",
    ),
    f("sans_generaliste", "boolean", "Aucun médecin généraliste dans la commune"),
    f("sous_dotee", "boolean", "Accessibilité sous le seuil de sous-dotation"),
    f("generaliste_proche", "string", "Commune du généraliste le plus proche"),
    f(
        "generaliste_proche_hors_territoire",
        "boolean",
        "Ce généraliste exerce hors de l'agglomération",
    ),
    f("distance_generaliste_km", "number", "Distance à vol d'oiseau", "km"),
]


def build_sante(session: Session) -> Table:
    result = coverage(session)
    if result is None:
        return Table([])
    rows = []
    for c in result.communes:
        row = {"code_insee": c["insee"], "commune": c["nom"]}
        row["population"] = c["population"]
        for profession in PROFESSIONS:
            row[profession] = c[profession]
            row[f"densite_{profession}"] = c[f"densite_{profession}"]
        for indicator in SANTE_INDICATORS:
            row[indicator["name"]] = c[indicator["name"]]
        row["date_extraction_rpps"] = result.extracted_at.date().isoformat()
        rows.append(row)
    return Table(rows)


def build_communes(session: Session) -> Table:
    rows, shapes = [], []
    for c in session.scalars(select(Commune).order_by(Commune.insee)):
        rows.append(
            {
                "code_insee": c.insee,
                "commune": c.name,
                "population": c.population,
                "latitude_etiquette": c.label_lat,
                "longitude_etiquette": c.label_lon,
            }
        )
        shapes.append(json.loads(c.boundary))
    return Table(rows, shapes)
