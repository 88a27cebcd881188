"""The ingest pipeline's storage, run on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Bin, Incident, Reading, Sensor
from services import ingest_stats
from services.ingest import IngestPipeline, Message
from services.setup import prepare_database
from tests.helpers import count, dead_reasons, native, recent

SETTINGS = {"HYPERVISION_ENV": "demo", "SIM_SENSORS": 20}


@pytest.fixture
def stack(database_url):
    database = Database(database_url)
    prepare_database(database, SETTINGS)
    pipeline = IngestPipeline(database, "pma")
    with database.session() as session:
        first = session.execute(
            select(Bin, Sensor.dev_eui).join(Sensor, Sensor.bin_id == Bin.id).limit(1)
        ).one()
    yield database, pipeline, first.Bin, first.dev_eui
    database.engine.dispose()


def feed(pipeline, *messages):
    pipeline.process([Message(topic, payload) for topic, payload in messages])


def test_a_reading_is_stored_with_its_fill_and_the_bin_state(stack):
    database, pipeline, bin_, eui = stack
    depth = bin_.empty_distance_mm - bin_.full_distance_mm
    distance = bin_.empty_distance_mm - depth // 2
    feed(
        pipeline,
        (
            f"pma/waste/{eui}/up",
            native(recent(1), distance_mm=distance, battery_pct=91, tilt=False),
        ),
    )
    with database.session() as session:
        reading = session.scalar(select(Reading))
        state = session.get(Bin, bin_.id)
    assert reading.distance_mm == distance
    assert reading.fill_pct == pytest.approx(50, abs=0.1)
    assert reading.measured_at.tzinfo is not None
    assert state.last_fill_pct == pytest.approx(50, abs=0.1)
    assert state.last_battery_pct == 91


def test_the_same_reading_twice_is_stored_once_and_counted_as_duplicate(stack):
    database, pipeline, _bin, eui = stack
    message = (f"pma/waste/{eui}/up", native(recent(2), distance_mm=1000))
    feed(pipeline, message, message)
    feed(pipeline, message)
    assert count(database) == 1
    with database.session() as session:
        totals = ingest_stats.totals(session)
    assert totals == {"accepted": 1, "rejected": 0, "duplicates": 2}


def test_error_distance_keeps_the_last_known_fill(stack):
    database, pipeline, bin_, eui = stack
    feed(pipeline, (f"pma/waste/{eui}/up", native(recent(10), fill_pct=42.0)))
    feed(pipeline, (f"pma/waste/{eui}/up", native(recent(5), distance_mm=9999)))
    with database.session() as session:
        state = session.get(Bin, bin_.id)
        error_row = session.scalar(select(Reading).where(Reading.distance_mm == 9999))
    assert state.last_fill_pct == 42.0
    assert state.last_error is True
    assert error_row.fill_pct is None


def test_an_older_reading_does_not_overwrite_the_bin_state(stack):
    database, pipeline, bin_, eui = stack
    feed(pipeline, (f"pma/waste/{eui}/up", native(recent(1), fill_pct=70.0)))
    feed(pipeline, (f"pma/waste/{eui}/up", native(recent(30), fill_pct=10.0)))
    with database.session() as session:
        assert session.get(Bin, bin_.id).last_fill_pct == 70.0
    assert count(database) == 2


def test_refused_messages_become_dead_letters_with_reasons(stack):
    database, pipeline, _bin, eui = stack
    feed(
        pipeline,
        (f"pma/waste/{eui}/up", b"{not json"),
        ("pma/waste/0000000000000000/up", native(recent(), distance_mm=1000)),
        ("pma/unknown/topic", b"{}"),
        (f"pma/waste/{eui}/up", b"x" * 70_000),
        (f"pma/waste/{eui}/up", native(recent(), distance_mm=1000)),
    )
    reasons = dead_reasons(database)
    assert len(reasons) == 4
    assert any("JSON" in r for r in reasons)
    assert any("capteur inconnu" in r for r in reasons)
    assert any("sujet" in r for r in reasons)
    assert any("trop grande" in r for r in reasons)
    assert count(database) == 1  # the good message of the batch is kept


def test_incident_reports_become_incidents_and_garbage_is_refused(stack):
    database, pipeline, _bin, _eui = stack
    report = {
        "report_id": "b3c1",
        "ts": recent(5).isoformat(),
        "category": "vandalisme",
        "lat": 47.5098,
        "lon": 6.7985,
        "source": "voisins_vigilants",
        "reporter_ref": "vv-42",
    }
    outside = dict(report, report_id="b3c2", lat=48.85, lon=2.35)
    feed(
        pipeline,
        ("pma/vigilance/reports", json.dumps(report).encode()),
        ("pma/vigilance/reports", json.dumps(report).encode()),
        ("pma/vigilance/reports", json.dumps(outside).encode()),
        ("pma/vigilance/reports", b"[1, 2]"),
    )
    with database.session() as session:
        stored = session.scalars(select(Incident)).all()
        totals = ingest_stats.totals(session)
    assert [(i.report_id, i.category, i.commune_insee) for i in stored] == [
        ("b3c1", "vandalisme_degradation", "25388")
    ]
    reasons = dead_reasons(database)
    assert len(reasons) == 2
    assert any("hors du territoire" in r for r in reasons)
    assert totals["duplicates"] >= 1


def test_tts_uplink_with_frm_payload_is_stored_with_radio_metadata(stack):
    database, pipeline, _bin, eui = stack
    envelope = {
        "end_device_ids": {"device_id": "bac-1", "dev_eui": eui.lower()},
        "received_at": recent(1).isoformat().replace("+00:00", "Z"),
        "uplink_message": {
            "f_cnt": 12,
            "frm_payload": "AXVcA2cBAQSCRAgFAAE=",
            "rx_metadata": [{"rssi": -97, "snr": 7.5}],
        },
    }
    feed(
        pipeline, ("v3/pma-dechets@pma/devices/bac-1/up", json.dumps(envelope).encode())
    )
    with database.session() as session:
        reading = session.scalar(select(Reading))
    assert (reading.distance_mm, reading.battery_pct, reading.temperature_c) == (
        2116,
        92,
        25.7,
    )
    assert (reading.rssi, reading.snr, reading.tilt, reading.source) == (
        -97,
        7.5,
        True,
        "tts",
    )
