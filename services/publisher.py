"""`flask --app app simulate`: publish a simulated fleet to a real broker (QoS 1)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from db.engine import Database
from db.types import utcnow
from services.demo_feed import fleet_from_db
from services.mqtt_listener import parse_mqtt_url
from services.simulator import (
    FleetSimulator,
    native_payload,
    native_topic,
    tts_payload,
    tts_topic,
)

TICK_S = 1.0
MAX_PENDING = 20_000


def encode(reading, payload_format: str, root: str) -> tuple[str, bytes]:
    """Topic and payload of a reading in the chosen format."""
    if payload_format == "tts":
        return tts_topic(reading), tts_payload(reading)
    return native_topic(root, reading.dev_eui), native_payload(reading)


def run_publisher(
    database: Database,
    settings: dict,
    url: str,
    sensors: int | None,
    speed: float,
    payload_format: str,
    duration: float | None,
    echo=print,
) -> int:
    """Publish until `duration` seconds have passed (or forever); returns the count."""
    bins, populations = fleet_from_db(database, sensors)
    if not bins:
        raise SystemExit("aucun bac équipé en base : importez l'inventaire d'abord")
    simulator = FleetSimulator(bins, populations)
    address = parse_mqtt_url(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.connect(address.host, address.port)
    client.loop_start()
    echo(
        f"{len(bins)} capteurs simulés vers {address.host}:{address.port} "
        f"(format {payload_format}, vitesse x{speed:g})"
    )
    virtual = utcnow()
    simulator.advance(virtual, timedelta(0))
    started = time.monotonic()
    sent = 0
    pending: list = []
    try:
        while duration is None or time.monotonic() - started < duration:
            time.sleep(TICK_S)
            virtual += timedelta(seconds=TICK_S * max(speed, 0.01))
            now = utcnow().replace(microsecond=0)
            for reading in simulator.due_readings(virtual):
                topic, payload = encode(
                    replace(reading, measured_at=now),
                    payload_format,
                    settings["MQTT_TOPIC_ROOT"],
                )
                pending.append(client.publish(topic, payload, qos=1))
                sent += 1
                if len(pending) >= MAX_PENDING:
                    # paho numbers in-flight messages on 16 bits: never let them wrap.
                    _wait(pending)
    except KeyboardInterrupt:
        pass
    finally:
        _wait(pending)  # every message acknowledged by the broker before leaving
        client.disconnect()
        client.loop_stop()
    return sent


def _wait(pending: list, timeout: float = 30.0) -> None:
    for info in pending:
        info.wait_for_publish(timeout=timeout)
    pending.clear()
