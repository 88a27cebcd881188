"""End to end through the real Mosquitto: publish, store, serve, survive garbage."""

from __future__ import annotations

import json
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from db.models import Bin, Reading, Sensor
from services.ingest import IngestPipeline
from services.mqtt_listener import MqttListener, parse_mqtt_url
from tests.conftest import login
from tests.helpers import count, dead_reasons, native, recent, wait_until

pytestmark = pytest.mark.integration


def publisher(url: str) -> mqtt.Client:
    address = parse_mqtt_url(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def publish_all(client, messages) -> None:
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(timeout=30)


def start_listener(url, database, root, client_id):
    pipeline = IngestPipeline(database, root)
    pipeline.start()
    listener = MqttListener(url, pipeline, root, client_id)
    listener.start()
    assert wait_until(lambda: listener.state == "connected"), "listener not subscribed"
    return pipeline, listener


def stop_listener(pipeline, listener) -> None:
    listener.stop()
    pipeline.stop()


def sensors(database, n):
    with database.session() as session:
        return list(
            session.scalars(
                select(Sensor.dev_eui).where(Sensor.removed_at.is_(None)).limit(n)
            )
        )


@pytest.fixture
def live(app, database, topic_root, mqtt_url):
    client_id = f"hv-test-{uuid.uuid4().hex[:8]}"
    pipeline, listener = start_listener(mqtt_url, database, topic_root, client_id)
    yield pipeline, listener, client_id
    stop_listener(pipeline, listener)


def test_published_readings_reach_the_database_and_the_api(
    app, database, live, topic_root, mqtt_url
):
    euis = sensors(database, 5)
    client = publisher(mqtt_url)
    publish_all(
        client,
        [
            (f"{topic_root}/waste/{e}/up", native(recent(1), fill_pct=12.5 + i))
            for i, e in enumerate(euis)
        ],
    )
    assert wait_until(lambda: count(database) == 5)
    web = app.server.test_client()
    login(web, "operateur")
    with database.session() as session:
        code = session.scalar(
            select(Bin.code).join(Sensor).where(Sensor.dev_eui == euis[2])
        )
    item = web.get(f"/api/v1/bins/{code}").get_json()
    assert item["fill_pct"] == 14.5
    assert item["measured_at"].endswith("+00:00")
    client.loop_stop()


def test_garbage_goes_to_dead_letters_and_the_listener_keeps_working(
    database, live, topic_root, mqtt_url
):
    pipeline, listener, _ = live
    eui = sensors(database, 1)[0]
    garbage = [
        b"",
        b"\xff\xfe",
        b"null",
        b"[]",
        b"{}",
        b'{"ts": 3}',
        native(recent(), distance_mm=-4),
        native(recent(), distance_mm="x"),
        b"x" * 70_000,
        json.dumps({"ts": "2099-01-01T00:00:00Z", "distance_mm": 10}).encode(),
    ]
    client = publisher(mqtt_url)
    publish_all(client, [(f"{topic_root}/waste/{eui}/up", g) for g in garbage])
    publish_all(client, [("v3/app@t/devices/d/up", b"{bad")])
    publish_all(
        client, [(f"{topic_root}/waste/{eui}/up", native(recent(), fill_pct=33))]
    )
    assert wait_until(lambda: count(database) == 1)
    reasons = dead_reasons(database)
    assert len(reasons) == len(garbage) + 1
    assert all(reasons)
    assert listener.state == "connected"
    client.loop_stop()


def test_restarting_the_listener_mid_stream_loses_nothing(
    database, topic_root, mqtt_url
):
    client_id = f"hv-test-{uuid.uuid4().hex[:8]}"
    euis = sensors(database, 40)
    messages = [
        (f"{topic_root}/waste/{eui}/up", native(recent(minutes=m), fill_pct=m % 100))
        for m in range(50)
        for eui in euis
    ]  # 2,000 distinct readings
    pipeline, listener = start_listener(mqtt_url, database, topic_root, client_id)
    client = publisher(mqtt_url)
    publish_all(client, messages[:700])
    stop_listener(pipeline, listener)  # while messages are in flight
    publish_all(client, messages[700:1400])  # kept by the broker for our session
    pipeline, listener = start_listener(mqtt_url, database, topic_root, client_id)
    publish_all(client, messages[1400:])
    stored = wait_until(lambda: count(database) == len(messages), timeout=60)
    assert stored, f"{count(database)} of {len(messages)} stored"
    stop_listener(pipeline, listener)
    with database.session() as session:
        keys = session.execute(select(Reading.sensor_id, Reading.measured_at)).all()
    assert len(keys) == len(set(keys)) == 2000
    client.loop_stop()
