"""Per-commune health indicators from the RPPS snapshot in force (no Dash here)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.models import Commune, HealthOutsideCommune, HealthPractice
from services.coverage import (
    DEFAULT_DECAY,
    PER,
    Decay,
    Place,
    nearest_supply,
    per_inhabitants,
    two_step_fca,
)
from services.rpps_store import latest_snapshot, snapshot_report

log = logging.getLogger(__name__)

GP = "medecins_generalistes"
PROFESSIONS = {
    GP: "Médecins généralistes",
    "autres_medecins": "Autres médecins",
    "infirmiers": "Infirmiers",
    "chirurgiens_dentistes": "Chirurgiens-dentistes",
    "masseurs_kinesitherapeutes": "Masseurs-kinésithérapeutes",
    "sages_femmes": "Sages-femmes",
    "pharmaciens": "Pharmaciens",
}
# GPs (in primary care) per 10,000 inhabitants-equivalent below which a commune is
# flagged under-served: about three quarters of the national density of GPs in
# primary care, as the APL's 2.5 consultations are about three quarters of its
# national mean. Override with HEALTH_UNDERSERVED_THRESHOLD.
DEFAULT_THRESHOLD = 6.0
THRESHOLD_KEY = "HEALTH_UNDERSERVED_THRESHOLD"


def underserved_threshold(settings: dict | None = None) -> float:
    """The threshold from the app settings, else the environment, else 6.0."""
    raw = (settings or {}).get(THRESHOLD_KEY) or os.environ.get(THRESHOLD_KEY)
    if raw in (None, ""):
        return DEFAULT_THRESHOLD
    try:
        value = float(str(raw).replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 < value < 1000:
        log.warning("%s=%r invalide : seuil par défaut %s", THRESHOLD_KEY, raw, 6.0)
        return DEFAULT_THRESHOLD
    return value


@dataclass
class Coverage:
    """The indicators of every commune of the territory, and territory totals."""

    source_name: str
    extracted_at: datetime
    imported_at: datetime
    is_demo: bool
    threshold: float
    decay: Decay
    communes: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    outside_communes: int = 0

    def commune(self, insee: str) -> dict | None:
        return next((c for c in self.communes if c["insee"] == insee), None)


def _places(session: Session, snapshot_id: int) -> list[Place]:
    inside = [
        Place(insee, name, population, lat, lon)
        for insee, name, population, lat, lon in session.execute(
            select(
                Commune.insee,
                Commune.name,
                Commune.population,
                Commune.label_lat,
                Commune.label_lon,
            ).order_by(Commune.name)
        )
    ]
    outside = [
        Place(o.insee, o.name, o.population, o.lat, o.lon, inside=False)
        for o in session.scalars(
            select(HealthOutsideCommune).where(
                HealthOutsideCommune.snapshot_id == snapshot_id
            )
        )
    ]
    return inside + outside


def _counts(session: Session, snapshot_id: int):
    """Head counts per (commune, profession), GPs in primary care, GP supply."""
    rows = session.execute(
        select(
            HealthPractice.commune_insee,
            HealthPractice.profession,
            func.count(),
            func.sum(case((HealthPractice.primary_care, 1), else_=0)),
            func.sum(
                case(
                    (HealthPractice.primary_care, 1.0 / HealthPractice.sites),
                    else_=0.0,
                )
            ),
        )
        .where(HealthPractice.snapshot_id == snapshot_id)
        .group_by(HealthPractice.commune_insee, HealthPractice.profession)
    )
    counts, primary, supply = {}, {}, {}
    for insee, profession, heads, in_primary, shared in rows:
        counts[(insee, profession)] = heads
        if profession == GP:
            primary[insee] = int(in_primary or 0)
            supply[insee] = float(shared or 0)
    return counts, primary, supply


def _territory_heads(session: Session, snapshot_id: int) -> dict[str, int]:
    """Distinct practitioners per profession practising in the territory."""
    return dict(
        session.execute(
            select(
                HealthPractice.profession,
                func.count(func.distinct(HealthPractice.practitioner_id)),
            )
            .where(
                HealthPractice.snapshot_id == snapshot_id,
                HealthPractice.commune_insee.in_(select(Commune.insee)),
            )
            .group_by(HealthPractice.profession)
        ).all()
    )


def commune_row(place, counts, primary, access, nearest, threshold) -> dict:
    row = {"insee": place.code, "nom": place.name, "population": place.population}
    for profession in PROFESSIONS:
        heads = counts.get((place.code, profession), 0)
        row[profession] = heads
        density = per_inhabitants(heads, place.population)
        row[f"densite_{profession}"] = None if density is None else round(density, 2)
    row["generalistes_soins_primaires"] = primary.get(place.code, 0)
    value = access.get(place.code)
    row["accessibilite_generalistes"] = None if value is None else round(value * PER, 2)
    row["sans_generaliste"] = row[GP] == 0
    row["sous_dotee"] = value is not None and value * PER < threshold
    row["generaliste_proche"] = nearest[0].name if nearest else None
    row["generaliste_proche_hors_territoire"] = bool(nearest and not nearest[0].inside)
    row["distance_generaliste_km"] = round(nearest[1], 1) if nearest else None
    return row


def coverage(
    session: Session, threshold: float = DEFAULT_THRESHOLD, decay=DEFAULT_DECAY
) -> Coverage | None:
    """Indicators of the snapshot in force, or None before any import."""
    snapshot = latest_snapshot(session)
    if snapshot is None:
        return None
    places = _places(session, snapshot.id)
    counts, primary, supply = _counts(session, snapshot.id)
    access = two_step_fca(places, supply, decay)
    result = Coverage(
        snapshot.source_name,
        snapshot.extracted_at,
        snapshot.imported_at,
        snapshot.is_demo,
        threshold,
        decay,
        report=snapshot_report(snapshot),
        outside_communes=sum(not p.inside for p in places),
    )
    for place in places:
        if place.inside:
            nearest = nearest_supply(place, places, supply)
            result.communes.append(
                commune_row(place, counts, primary, access, nearest, threshold)
            )
    population = sum(c["population"] for c in result.communes)
    heads = _territory_heads(session, snapshot.id)
    under = [c for c in result.communes if c["sous_dotee"]]
    result.totals = {
        "population": population,
        "communes": len(result.communes),
        **{p: heads.get(p, 0) for p in PROFESSIONS},
        "densite_generalistes": per_inhabitants(heads.get(GP, 0), population),
        "communes_sans_generaliste": sum(
            c["sans_generaliste"] for c in result.communes
        ),
        "communes_sous_dotees": len(under),
        "population_sous_dotee": sum(c["population"] for c in under),
    }
    return result
