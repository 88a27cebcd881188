"""Incident reports through the real Mosquitto, with garbage mixed in."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from db.models import Incident
from services import ingest_stats
from tests.helpers import dead_reasons, recent, wait_until
from tests.integration.test_mqtt import (
    publish_all,
    publisher,
    start_listener,
    stop_listener,
)

pytestmark = pytest.mark.integration


def payload(**changes) -> bytes:
    body = {
        "report_id": str(uuid.uuid4()),
        "ts": recent(2).isoformat(),
        "category": "depot_sauvage",
        "description": "Matelas devant le point d'apport",
        "lat": 47.5098,
        "lon": 6.7985,
        "source": "voisins_vigilants",
        "reporter_ref": "vv-9",
    }
    body.update(changes)
    return json.dumps(body).encode()


def test_vigilance_reports_are_validated_and_garbage_goes_to_dead_letters(
    database, topic_root, mqtt_url
):
    pipeline, listener = start_listener(
        mqtt_url, database, topic_root, f"hv-vig-{uuid.uuid4().hex[:8]}"
    )
    topic = f"{topic_root}/vigilance/reports"
    good = [payload(), payload(category="tapage", lat=47.4833, lon=6.8416)]
    garbage = [
        b"{not json",
        b"\xff\xfe",
        b'"a string"',
        payload(category="ovni"),
        payload(lat=48.85, lon=2.35),
        payload(ts="2099-01-01T00:00:00Z"),
        b"x" * (65 * 1024),
    ]
    try:
        client = publisher(mqtt_url)
        messages = [(topic, good[0]), *((topic, g) for g in garbage)]
        messages += [(topic, good[1]), (topic, good[0])]  # the last is a duplicate
        publish_all(client, messages)
        assert wait_until(lambda: len(dead_reasons(database)) == len(garbage))
        assert wait_until(lambda: pipeline.queue.unfinished_tasks == 0)
        client.disconnect()
    finally:
        stop_listener(pipeline, listener)
    with database.session() as session:
        stored = session.scalars(select(Incident).order_by(Incident.id)).all()
        totals = ingest_stats.totals(session)
        last = ingest_stats.last_message_by_source(session)
    assert [i.category for i in stored] == ["depot_sauvage", "tapage"]
    assert {i.source for i in stored} == {"voisins_vigilants"}
    reasons = dead_reasons(database)
    assert any("hors du territoire" in r for r in reasons)
    assert any("catégorie inconnue" in r for r in reasons)
    assert any("JSON" in r for r in reasons)
    assert totals["duplicates"] == 1 and totals["rejected"] == len(garbage)
    assert "vigilance" in last
