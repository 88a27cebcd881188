"""The demo stream of reports: realistic rates, valid payloads, a living page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from db.models import DeadLetter, Incident
from services.demo_feed import DemoFeed
from services.geo import Territory, commune_areas
from services.incident_demo import IncidentStream
from services.incident_lifecycle import timeline
from services.incidents import validate_report
from services.ingest import IngestPipeline


def test_rates_follow_population_and_hour(database):
    with database.session() as session:
        areas = commune_areas(session)
    stream = IncidentStream(areas, seed=1)
    evening = datetime(2026, 11, 20, 19, tzinfo=UTC)
    night = datetime(2026, 11, 20, 3, tzinfo=UTC)
    assert stream.rate_per_hour(evening).sum() > 3 * stream.rate_per_hour(night).sum()
    rates = stream.rate_per_hour(evening)
    biggest = max(range(len(areas)), key=lambda i: stream.communes[i].population)
    assert rates[biggest] == rates.max()


def test_every_demo_payload_passes_the_real_validation(database):
    with database.session() as session:
        areas = commune_areas(session)
    stream, territory = IncidentStream(areas, seed=2), Territory(areas)
    now = datetime.now(UTC)
    messages = [
        message
        for hour in range(72, 0, -1)
        for message in stream.due(
            now - timedelta(hours=hour), now - timedelta(hours=hour - 1)
        )
    ]
    assert len(messages) > 60
    for _topic, payload in messages:
        validate_report(json.loads(payload), territory, now)


def test_the_demo_backfills_a_week_of_reports_through_the_pipeline(app, database):
    pipeline = IngestPipeline(database)
    pipeline.start()
    try:
        feed = DemoFeed(database, pipeline, app.server.config["HYPERVISION"])
        sent = feed.backfill_incidents()
        assert feed.backfill_incidents() == 0  # only once
    finally:
        pipeline.stop()
    with database.session() as session:
        stored = session.scalar(select(func.count()).select_from(Incident))
        statuses = set(session.scalars(select(Incident.status)))
        dead = session.scalar(select(func.count()).select_from(DeadLetter))
    assert stored == sent > 100 and dead == 0
    assert "clos" in statuses and len(statuses) >= 2
    with database.session() as session:
        closed = session.scalar(select(Incident.id).where(Incident.status == "clos"))
        trail = timeline(session, closed)
    assert [e["action"] for e in trail][:2] == ["creation", "statut"]
    assert [e["at"] for e in trail] == sorted(e["at"] for e in trail)
