"""Seeded activity for summary and open-data tests: readings, pickups, incidents."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db import models
from db.models import Bin, CollectionEvent, Reading, Sensor
from db.types import utcnow

SECRET_REPORTER = "rapporteur-7f3a9c"
SECRET_TEXT = "Texte-libre-confidentiel"
SECRET_COMMENT = "Commentaire-equipe-prive"
CREW = "agent.collecte.42"


def seed_activity(database, bins: int = 12, days: int = 3) -> dict:
    """Readings every 6 h on `bins` bins, pickups and, when the vigilance module
    exists, incidents: 6 in one commune and category, 2 in another."""
    now = utcnow().replace(microsecond=0)
    with database.session() as session:
        pairs = session.execute(
            select(Bin.id, Sensor.id, Bin.commune_insee)
            .join(Sensor, Sensor.bin_id == Bin.id)
            .order_by(Bin.id)
            .limit(bins)
        ).all()
        for i, (bin_id, sensor_id, _insee) in enumerate(pairs):
            for step in range(days * 4):
                when = now - timedelta(hours=6 * step)
                session.add(
                    Reading(
                        bin_id=bin_id,
                        sensor_id=sensor_id,
                        measured_at=when,
                        received_at=when,
                        fill_pct=float((i * 7 + step * 9) % 105),
                        source="test",
                    )
                )
            session.add(
                CollectionEvent(
                    bin_id=bin_id,
                    status="collecte" if i % 4 else "inaccessible",
                    fill_before=float(40 + i * 5),
                    recorded_at=now - timedelta(hours=i),
                    recorded_by=CREW,
                    comment=SECRET_COMMENT,
                )
            )
        incidents = seed_incidents(session, pairs, now)
    return {"pairs": pairs, "incidents": incidents, "now": now}


def seed_incidents(session, pairs, now) -> int:
    model = getattr(models, "Incident", None)
    if model is None:
        return 0
    first, other = pairs[0][2], next(p[2] for p in pairs if p[2] != pairs[0][2])
    rows = [(first, "cambriolage")] * 6 + [(other, "incendie")] * 2
    for n, (insee, category) in enumerate(rows):
        session.add(
            model(
                report_id=f"r-{n}",
                ts=now - timedelta(minutes=n),
                category=category,
                severity="moyenne",
                description=SECRET_TEXT,
                lat=47.512345 + n / 1e6,
                lon=6.798765,
                commune_insee=insee,
                source="appli",
                reporter_ref=SECRET_REPORTER,
                status="nouveau",
            )
        )
    return len(rows)
