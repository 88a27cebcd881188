"""The real worker (`flask --app app worker`) takes 100,000 garbage messages from a
real Mosquitto: every one is counted as a dead letter, and its memory stays flat.

A memory bound, not a time bound. Messages go in chunks of 5,000, each drained
before the next, so that both samples are taken with the same backlog (the
bounded queue's high-water mark is not what is measured; what each message
leaves behind is).
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from db.models import DeadLetter, IngestStat, JobRun
from db.types import utcnow
from services.decoders import MAX_PAYLOAD_BYTES
from services.mqtt_listener import parse_mqtt_url
from tests.conftest import make_app
from tests.fuzz.strategies import iso
from tests.helpers import wait_until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TOTAL, WARM_UP, CHUNK = 100_000, 10_000, 5_000
MAX_GROWTH_MB = 30


def garbage(rng: random.Random, root: str, number: int) -> tuple[str, bytes]:
    """Message `number`: one of ten kinds of refusal, with varying content."""
    eui = f"{rng.getrandbits(64):016X}"  # well formed but not installed
    native, tts = f"{root}/waste/{eui}/up", f"v3/app@t/devices/d{number % 97}/up"
    kind = number % 10
    if number % 5_000 == 4_999:  # twenty payloads over 64 KB in all
        return native, b"{" + b" " * (MAX_PAYLOAD_BYTES + rng.randrange(1, 9_999))
    if kind == 0:
        return native, rng.randbytes(rng.randrange(0, 200))
    if kind == 1:
        text = json.dumps({"ts": iso(utcnow()), "distance_mm": number})
        return native, text[: rng.randrange(1, len(text))].encode()
    if kind == 2:
        body = {"ts": number, "distance_mm": str(number), "tilt": "oui"}
        return native, json.dumps(body).encode()
    if kind == 3:  # valid, but the sensor is unknown
        return native, json.dumps({"ts": iso(utcnow()), "fill_pct": 50}).encode()
    if kind == 4:
        return native, b'{"ts": "2099-01-01T00:00:00Z", "distance_mm": NaN}'
    if kind == 5:
        frame = base64.b64encode(rng.randbytes(rng.randrange(1, 12))).decode()
        up = {"frm_payload": frame[: rng.randrange(1, len(frame) + 1)]}
        body = {"end_device_ids": {"dev_eui": eui}, "received_at": iso(utcnow())}
        return tts, json.dumps({**body, "uplink_message": up}).encode()
    if kind == 6:
        return tts, json.dumps({"end_device_ids": [eui] * 50}).encode()
    if kind == 7:
        body = {"report_id": f"r{number}", "lat": "x" * rng.randrange(500)}
        return f"{root}/vigilance/reports", json.dumps(body).encode()
    if kind == 8:
        text = "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(40))
        return native, json.dumps({"ts": text}, ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
    return native, b"[" * rng.randrange(1, 3_000)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("VmRSS absent")


def rejected(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.coalesce(func.sum(IngestStat.rejected), 0)))


def publisher(url: str) -> mqtt.Client:
    address = parse_mqtt_url(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1_000)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def publish_chunk(client, database, root, rng, start: int, end: int, base: int):
    """Publish messages start..end-1 and wait until the worker refused them all."""
    last = None
    for number in range(start, end):
        topic, payload = garbage(rng, root, number)
        last = client.publish(topic, payload, qos=1)
    last.wait_for_publish(timeout=120)
    done = wait_until(lambda: rejected(database) - base >= end, 300, interval=0.2)
    assert done, (rejected(database) - base, end)


def test_worker_memory_stays_flat_over_100000_garbage_messages(
    tmp_path, mqtt_url, topic_root
):
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    app = make_app(url, SIM_SENSORS=20, MQTT_URL=mqtt_url)  # schema and demo fleet
    database, app_client = (
        app.server.extensions["hypervision_db"],
        app.server.test_client(),
    )
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SIM_SENSORS="20",
        MQTT_URL=mqtt_url,
        MQTT_TOPIC_ROOT=topic_root,
        MQTT_CLIENT_ID=f"fuzz-{topic_root}",
        SECRET_KEY="test",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = publisher(mqtt_url)
    rng = random.Random(20261122)
    try:
        assert wait_until(
            lambda: app_client.get("/healthz").get_json()["mqtt"] == "connected",
            timeout=60,
        )
        base, health = rejected(database), app_client.get("/healthz").get_json()
        for start in range(0, WARM_UP, CHUNK):
            publish_chunk(client, database, topic_root, rng, start, start + CHUNK, base)

        def forecasts_done() -> bool:  # the one job that starts at once, 5 s in
            with database.session() as session:
                return session.scalar(
                    select(func.count()).where(
                        JobRun.job == "previsions", JobRun.finished_at.is_not(None)
                    )
                )

        assert wait_until(forecasts_done, timeout=120)
        before = rss_kb(worker.pid)
        for start in range(WARM_UP, TOTAL, CHUNK):
            publish_chunk(client, database, topic_root, rng, start, start + CHUNK, base)
        after = rss_kb(worker.pid)
        growth_mb = (after - before) / 1024
        print(f"RSS {before / 1024:.1f} Mo -> {after / 1024:.1f} Mo ({growth_mb:+.1f})")
        assert growth_mb < MAX_GROWTH_MB
        assert worker.poll() is None  # still running
        with database.session() as session:
            dead = session.scalar(select(func.count()).select_from(DeadLetter))
            sizes = session.execute(
                select(
                    func.max(func.length(DeadLetter.payload_excerpt)),
                    func.count().filter(DeadLetter.payload_size > MAX_PAYLOAD_BYTES),
                )
            ).one()
        ingest = app_client.get("/healthz").get_json()["ingest"]
        assert dead == rejected(database) - base == TOTAL  # one dead letter each
        assert ingest["rejected"] - health["ingest"]["rejected"] == TOTAL
        assert ingest["accepted"] == health["ingest"]["accepted"]
        assert sizes == (500, TOTAL // 5_000)  # only excerpts of the 20 big ones
    finally:
        client.loop_stop()
        client.disconnect()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
