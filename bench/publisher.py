"""The bench's MQTT side: a publisher process and broker session helpers.

The publisher runs in a process of its own (multiprocessing `spawn`, its own GIL),
MQTT 3.1.1 like most network-server bridges, QoS 1; it sends N native payloads with
distinct (sensor, ts), as fast as the broker acknowledges them or at a paced rate.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

MAX_PENDING = 20_000  # publisher: messages published but not yet acknowledged

log = logging.getLogger("bench.ingest")


# -- the publisher process ----------------------------------------------------
@dataclass
class PublishPlan:
    """What one publisher process sends: N distinct (sensor, ts) readings."""

    url: str
    topic_root: str
    dev_euis: list[str]
    base: datetime  # first measurement time; each round over the sensors is +1 min
    messages: int
    rate: float | None = None  # None: as fast as possible


@dataclass
class PublishResult:
    sent: int = 0
    acked: int = 0
    first_publish: float = 0.0  # time.time()
    all_acked: float = 0.0
    error: str | None = None


def _reading(plan: PublishPlan, i: int, seq: int):
    from services.simulator import SimReading

    sensors = len(plan.dev_euis)
    round_, sensor = divmod(i, sensors)
    return SimReading(
        dev_eui=plan.dev_euis[sensor],
        measured_at=plan.base + timedelta(minutes=round_),
        distance_mm=400 + (i * 37) % 1500,
        battery_pct=float(60 + i % 40),
        temperature_c=round(5.0 + (i % 100) / 10, 1),
        tilt=False,
        seq=seq,
    )


def _message(plan: PublishPlan, i: int, seq: int) -> tuple[str, bytes]:
    from services.simulator import native_payload, native_topic

    reading = _reading(plan, i, seq)
    return native_topic(plan.topic_root, reading.dev_eui), native_payload(reading)


def publisher_main(plan: PublishPlan, conn) -> None:
    """Child process: connect, get ready, wait for "go", publish, report."""
    result = PublishResult()
    all_acked = threading.Event()
    acked = [0]

    def on_publish(_client, _userdata, _mid, _reason, _properties):
        acked[0] += 1
        if acked[0] >= plan.messages:
            all_acked.set()

    # MQTT 3.1.1 like most network-server bridges; QoS 1, paho's default window.
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"{plan.topic_root}-pub",
        protocol=mqtt.MQTTv311,
    )
    client.on_publish = on_publish
    host, port = _host_port(plan.url)
    try:
        client.connect(host, port, keepalive=60)
    except OSError as error:
        conn.send(("error", f"publisher cannot connect: {error}"))
        return
    client.loop_start()
    # Payloads of the as-fast-as-possible runs are encoded before the clock starts.
    ready = (
        [_message(plan, i, i) for i in range(plan.messages)]
        if plan.rate is None
        else None
    )
    conn.send(("ready", None))
    conn.recv()  # "go"
    result.first_publish = time.time()
    if ready is not None:
        for sent, (topic, payload) in enumerate(ready):
            # paho keys unacknowledged messages by their 16-bit id: keep fewer
            # than 65,535 of them pending or some would be overwritten and lost.
            while sent - acked[0] >= MAX_PENDING:
                time.sleep(0.0005)
            client.publish(topic, payload, qos=1)
        result.sent = len(ready)
    else:  # paced: the publish time (µs since the epoch) travels in `seq`
        start = time.monotonic()
        sent = 0
        while sent < plan.messages:
            due = min(plan.messages, int((time.monotonic() - start) * plan.rate) + 1)
            while sent < due:
                topic, payload = _message(plan, sent, time.time_ns() // 1000)
                client.publish(topic, payload, qos=1)
                sent += 1
            time.sleep(0.001)
        result.sent = sent
    if all_acked.wait(120):
        result.all_acked = time.time()
    else:
        result.error = "publisher: PUBACKs missing after 120 s"
    result.acked = acked[0]
    client.disconnect()
    client.loop_stop()
    conn.send(("done", result))


class Publisher:
    """The publisher child process, driven from the bench."""

    def __init__(self, plan: PublishPlan):
        ctx = mp.get_context("spawn")  # no inherited threads, its own GIL
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=publisher_main, args=(plan, child), name="bench-publisher"
        )
        self.result: PublishResult | None = None

    def start(self) -> None:
        self.process.start()
        if not self._conn.poll(120):
            raise RuntimeError("publisher not ready after 120 s")
        kind, value = self._conn.recv()
        if kind != "ready":
            raise RuntimeError(value)

    def go(self) -> None:
        self._conn.send("go")

    def done(self) -> bool:
        if self.result is None and self._conn.poll():
            kind, value = self._conn.recv()
            self.result = value if kind == "done" else PublishResult(error=value)
        return self.result is not None

    def join(self, timeout: float = 150.0) -> PublishResult:
        if self.process.pid is None:  # never started
            return PublishResult(error="publisher not started")
        deadline = time.monotonic() + timeout
        while not self.done() and time.monotonic() < deadline:
            if not self.process.is_alive() and not self._conn.poll():
                break
            time.sleep(0.05)
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        return self.result or PublishResult(error="publisher died")


# -- helpers --------------------------------------------------------------------
def _host_port(url: str) -> tuple[str, int]:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


def _new_root() -> str:
    return "bench" + uuid.uuid4().hex[:10]


def _purge_session(url: str, client_id: str) -> None:
    """Drop the persistent session the listener left on the broker."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    host, port = _host_port(url)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0
    try:
        client.connect(host, port, clean_start=True, properties=properties)
        client.loop_start()
        time.sleep(0.2)
        client.disconnect()
        client.loop_stop()
    except OSError:
        log.warning("session %s not purged from the broker", client_id)
