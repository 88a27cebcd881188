"""Demo stream of incident reports: rates by commune population and hour of day.

Reports are JSON payloads submitted to the ingest pipeline on the contract's topic,
so they go through the same validation as real source apps.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from services.fleet import CommuneArea, random_points_in

PARIS = ZoneInfo("Europe/Paris")
REPORTS_PER_DAY = 40.0  # across the agglomeration (about 140,000 inhabitants)
# Relative activity by local hour: quiet nights, busy evenings.
HOUR_WEIGHTS = np.array(
    [3, 2, 1, 1, 1, 1, 2, 4, 5, 5, 5, 6, 6, 6, 6, 6, 7, 8, 9, 9, 9, 8, 6, 4], float
)
CATEGORY_WEIGHTS = {
    "comportement_suspect": 18,
    "vandalisme_degradation": 16,
    "depot_sauvage": 20,
    "tapage": 14,
    "cambriolage": 7,
    "objet_abandonne": 6,
    "danger_voie": 9,
    "incendie": 2,
    "autre": 8,
}
SOURCES = ("voisins_vigilants", "voisins_vigilants", "appel_operateur", "police")
DESCRIPTIONS = {
    "comportement_suspect": "Individus qui observent les entrées d'immeuble",
    "vandalisme_degradation": "Abribus vitre brisée",
    "depot_sauvage": "Encombrants déposés au pied du point d'apport",
    "tapage": "Musique forte depuis un véhicule",
    "cambriolage": "Porte d'entrée forcée, occupants absents",
    "objet_abandonne": "Sac laissé sur un banc",
    "danger_voie": "Branche tombée sur la chaussée",
    "incendie": "Fumée dans un local poubelles",
    "autre": "Lampadaire éteint sur tout le quartier",
}


class IncidentStream:
    """Draws the reports due in a time window, as (topic, payload) pairs."""

    def __init__(self, communes: list[CommuneArea], root: str = "pma", seed=None):
        self.communes = [c for c in communes if c.population > 0]
        population = np.array([c.population for c in self.communes], float)
        self.share = population / population.sum()
        self.topic = f"{root}/vigilance/reports"
        self.rng = np.random.default_rng(seed)
        self.categories = list(CATEGORY_WEIGHTS)
        weights = np.array(list(CATEGORY_WEIGHTS.values()), float)
        self.category_p = weights / weights.sum()

    def rate_per_hour(self, when: datetime) -> np.ndarray:
        """Expected reports per hour in each commune at `when`."""
        hour = when.astimezone(PARIS).hour
        factor = HOUR_WEIGHTS[hour] / HOUR_WEIGHTS.mean()
        return REPORTS_PER_DAY / 24 * factor * self.share

    def due(self, start: datetime, end: datetime) -> list[tuple[str, bytes]]:
        """Poisson draws per commune for [start, end) (a short window)."""
        hours = (end - start) / timedelta(hours=1)
        counts = self.rng.poisson(self.rate_per_hour(start) * max(hours, 0))
        messages = []
        for index in np.flatnonzero(counts):
            commune = self.communes[index]
            points = random_points_in(commune.geometry, int(counts[index]), self.rng)
            for lon, lat in points:
                ts = start + (end - start) * float(self.rng.random())
                messages.append((self.topic, self.payload(ts, lat, lon)))
        return messages

    def payload(self, ts: datetime, lat: float, lon: float) -> bytes:
        category = str(self.rng.choice(self.categories, p=self.category_p))
        return json.dumps(
            {
                "report_id": str(uuid.UUID(bytes=self.rng.bytes(16))),
                "ts": ts.replace(microsecond=0).isoformat(),
                "category": category,
                "description": DESCRIPTIONS.get(category, ""),
                "lat": float(lat),
                "lon": float(lon),
                "source": str(self.rng.choice(SOURCES)),
                "reporter_ref": f"demo-{int(self.rng.integers(1, 5000)):04d}",
            }
        ).encode()


def age_demo_incidents(database, now: datetime) -> int:
    """Move backfilled reports along the lifecycle, as a control room would have."""
    from sqlalchemy import select, update

    from db.models import Incident, IncidentEvent
    from services.incident_lifecycle import assign, change_status

    steps = (
        (timedelta(minutes=20), "pris_en_compte"),
        (timedelta(hours=2), "en_intervention"),
        (timedelta(hours=8), "resolu"),
        (timedelta(days=2), "clos"),
    )
    moved = 0
    with database.session() as session:
        # Backfilled reports were received when they were made, not all just now.
        for key, ts in session.execute(
            select(Incident.id, Incident.ts).where(Incident.status == "nouveau")
        ):
            session.execute(
                update(IncidentEvent)
                .where(IncidentEvent.incident_id == key)
                .where(IncidentEvent.action == "creation")
                .values(at=ts)
            )
        session.execute(
            Incident.__table__.update()
            .where(Incident.status == "nouveau")
            .values(created_at=Incident.ts, updated_at=Incident.ts)
        )
        rows = session.execute(
            select(Incident.id, Incident.ts).where(
                Incident.status == "nouveau", Incident.ts < now - steps[0][0]
            )
        ).all()
        for key, created in rows:
            at = created
            for delay, status in steps:
                if created >= now - delay:
                    break
                at = created + delay
                change_status(session, key, status, "démo", now=at)
                if status == "pris_en_compte":
                    assign(session, key, "PMA – Coordination sécurité", "démo", now=at)
            moved += 1
    return moved
