"""Ingest bench: simulated sensors publishing to the real Mosquitto.

Prints, for each database backend, in one run:
- the ceiling: messages/s received by a bare paho subscriber that only counts;
- the sustained rate stored by the real `MqttListener` + `IngestPipeline`, from the
  first publish to the moment `readings` holds every message (zero loss checked);
- the publish-to-commit latency (p50/p95/p99) at a paced rate (default 2,000/s);
- with `--phases workers`: one vs two worker processes on a shared subscription
  (bench/workers.py);
- with `--phases outage`: a 10-minute outage backlog drained (bench/outage.py).

Run from the repository root (Mosquitto at --mqtt-url, PostgreSQL for --db
postgresql with trust auth; the bench creates and drops its own database):

    python -m bench.ingest --db both

It prints figures; it asserts nothing. See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/ingest.py` works too
    sys.path.insert(0, str(ROOT))

from bench.bench_db import BenchDatabase, machine  # noqa: E402
from bench.publisher import (  # noqa: E402
    Publisher,
    PublishPlan,
    PublishResult,
    _host_port,
    _new_root,
    _purge_session,
)

PHASES = ("ceiling", "stored", "latency", "workers", "outage")
POLL_S = 0.1  # how often the stored count is read from the database...
POLL_NEAR_END_S = 0.01  # ...and once 90 % of the messages are in
CONNECT_TIMEOUT_S = 15.0
RECEIVE_MAXIMUM = 65_535  # bare subscriber: the broker may send this many unacked

log = logging.getLogger("bench.ingest")


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


class RowCounter:
    """`SELECT count(*) FROM readings` on a raw driver connection.

    Polled while the listener runs in this process: the ORM session round trip
    would take a noticeable share of the GIL the listener needs.
    """

    def __init__(self, database):
        self._conn = database.engine.raw_connection()

    def __call__(self) -> int:
        cursor = self._conn.cursor()
        cursor.execute("SELECT count(*) FROM readings")
        (count,) = cursor.fetchone()
        cursor.close()
        self._conn.commit()  # end the read transaction: the next count sees more
        return count

    def close(self) -> None:
        self._conn.close()


# -- the three measurements -------------------------------------------------------
@dataclass
class Ceiling:
    received: int = 0
    expected: int = 0
    seconds: float = 0.0
    publish_rate: float = 0.0
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


@dataclass
class Stored:
    stored: int = 0
    expected: int = 0
    seconds: float = 0.0
    publish_rate: float = 0.0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0

    @property
    def zero_loss(self) -> bool:
        return self.stored == self.expected and self.rejected == 0


@dataclass
class Latency:
    rate: float = 0.0  # asked
    achieved: float = 0.0
    expected: int = 0
    stored: int = 0
    ms: list[float] = field(default_factory=list)  # publish -> commit (ack)
    enqueue_ms: list[float] = field(default_factory=list)  # publish -> received_at
    error: str | None = None

    def p(self, q: float) -> float:
        return _percentile(self.ms, q)


def _wait_connected(listener) -> None:
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while listener.state != "connected":
        if time.monotonic() > deadline:
            raise RuntimeError("MQTT listener not subscribed after 15 s")
        time.sleep(0.02)


def run_ceiling(args, dev_euis: list[str], base: datetime) -> Ceiling:
    """A bare paho subscriber (MQTT 5, QoS 1) that only counts."""
    root = _new_root()
    out = Ceiling(expected=args.messages)
    state = {"count": 0, "last": 0.0}
    subscribed = threading.Event()

    def on_message(_client, _userdata, _message):
        state["count"] += 1
        state["last"] = time.time()

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"{root}-count", protocol=mqtt.MQTTv5
    )
    client.on_connect = lambda c, *_: c.subscribe(f"{root}/waste/+/up", qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = on_message
    host, port = _host_port(args.mqtt_url)
    # Mosquitto's default window (max_inflight_messages 20) would throttle it.
    properties = Properties(PacketTypes.CONNECT)
    properties.ReceiveMaximum = RECEIVE_MAXIMUM
    client.connect(host, port, keepalive=60, clean_start=True, properties=properties)
    client.loop_start()
    publisher = Publisher(
        PublishPlan(args.mqtt_url, root, dev_euis, base, args.messages)
    )
    try:
        if not subscribed.wait(CONNECT_TIMEOUT_S):
            raise RuntimeError("bare subscriber not subscribed after 15 s")
        publisher.start()
        publisher.go()
        _wait_for(lambda: state["count"], args.messages, publisher, args.stall)
    finally:
        result = publisher.join()
        client.disconnect()
        client.loop_stop()
    out.received = state["count"]
    out.seconds = state["last"] - result.first_publish if out.received else 0.0
    out.publish_rate = _publish_rate(result)
    out.error = result.error
    return out


def _publish_rate(result: PublishResult) -> float:
    if not result.all_acked:
        return 0.0
    return result.acked / (result.all_acked - result.first_publish)


def _wait_for(count, target: int, publisher: Publisher, stall_s: float) -> float:
    """Poll count() until it reaches target, or nothing moved for stall_s after
    publishing; returns the wall time at which its final value was first seen."""
    last, moved, seen = -1, time.monotonic(), time.time()
    while True:
        now = count()
        if now != last:
            last, moved, seen = now, time.monotonic(), time.time()
        if now >= target:
            return seen
        if publisher.done() and time.monotonic() - moved > stall_s:
            return seen
        time.sleep(POLL_NEAR_END_S if now >= 0.9 * target else POLL_S)


def run_stored(args, database, dev_euis: list[str], base: datetime) -> Stored:
    """The real listener + pipeline; N messages as fast as the publisher can."""
    from services.ingest import IngestPipeline
    from services.mqtt_listener import MqttListener

    root = _new_root()
    client_id = f"{root}-ingest"
    out = Stored(expected=args.messages)
    counter = RowCounter(database)
    baseline = counter()
    pipeline = IngestPipeline(database, topic_root=root)
    listener = MqttListener(args.mqtt_url, pipeline, root, client_id=client_id)
    publisher = Publisher(
        PublishPlan(args.mqtt_url, root, dev_euis, base, args.messages)
    )
    end = 0.0
    pipeline.start()
    listener.start()
    try:
        _wait_connected(listener)
        publisher.start()
        publisher.go()
        end = _wait_for(
            lambda: counter() - baseline, args.messages, publisher, args.stall
        )
    finally:
        result = publisher.join()
        listener.stop()
        pipeline.stop()
        _purge_session(args.mqtt_url, client_id)
    out.stored = counter() - baseline
    counter.close()
    out.seconds = end - result.first_publish
    out.publish_rate = _publish_rate(result)
    out.accepted = pipeline.counters.accepted
    out.duplicates = pipeline.counters.duplicates
    out.rejected = pipeline.counters.rejected
    out.error = result.error
    return out


def _sent_us(payload: bytes) -> int:
    """The publish time the paced publisher wrote into `seq` (µs since epoch)."""
    tail = payload.rsplit(b'"seq":', 1)[1]
    return int(tail[: tail.index(b"}")])


def run_latency(args, database, dev_euis: list[str], base: datetime) -> Latency:
    """Paced publisher; publish-to-commit time taken when the pipeline acks."""
    from services.ingest import IngestPipeline
    from services.mqtt_listener import MqttListener

    class TimedPipeline(IngestPipeline):
        """The real pipeline; each message's ack (called right after its batch
        committed) first records now minus the publish time carried in `seq`."""

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.latencies_us: list[int] = []

        def submit(self, topic, payload, ack=None):
            sent = _sent_us(bytes(payload))
            record = self.latencies_us.append

            def timed_ack():
                record(time.time_ns() // 1000 - sent)
                if ack is not None:
                    ack()

            super().submit(topic, payload, timed_ack)

    root = _new_root()
    client_id = f"{root}-ingest"
    messages = int(args.rate * args.duration)
    out = Latency(rate=args.rate, expected=messages)
    counter = RowCounter(database)
    baseline = counter()
    pipeline = TimedPipeline(database, topic_root=root)
    listener = MqttListener(args.mqtt_url, pipeline, root, client_id=client_id)
    publisher = Publisher(
        PublishPlan(args.mqtt_url, root, dev_euis, base, messages, rate=args.rate)
    )
    pipeline.start()
    listener.start()
    try:
        _wait_connected(listener)
        publisher.start()
        publisher.go()
        _wait_for(lambda: len(pipeline.latencies_us), messages, publisher, args.stall)
    finally:
        result = publisher.join()
        listener.stop()
        pipeline.stop()
        _purge_session(args.mqtt_url, client_id)
    out.stored = counter() - baseline
    counter.close()
    out.ms = sorted(us / 1000 for us in pipeline.latencies_us)
    out.enqueue_ms = _enqueue_ms(database)
    if result.all_acked:
        out.achieved = result.sent / (result.all_acked - result.first_publish)
    out.error = result.error
    return out


def _enqueue_ms(database) -> list[float]:
    """Publish -> pipeline entry (`received_at`) of the paced run's rows."""
    from sqlalchemy import select

    from db.models import Reading

    with database.session() as session:
        rows = session.execute(
            select(Reading.seq, Reading.received_at).where(Reading.seq > 10**15)
        )
        return sorted(at.timestamp() * 1000 - seq / 1000 for seq, at in rows)


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value else "-"


def _ms(values: list[float], q: float) -> str:
    return f"{_percentile(values, q):.1f}" if values else "-"


def print_report(args, results: list[dict], machine_rows) -> None:
    phases = args.phases
    print()
    print("== machine ==")
    for name, value in machine_rows:
        print(f"  {name:<14} {value}")
    for r in results:
        print(f"  {r['backend']:<14} {r['version']}")
    print()
    if not phases & {"ceiling", "stored", "latency"}:
        return
    print(
        f"== ingest: {args.messages:,} messages, {args.sensors:,} sensors, "
        f"latency at {args.rate:,.0f} msg/s for {args.duration:g} s =="
    )
    header = (
        f"{'backend':<11}{'ceiling/s':>11}{'stored/s':>11}{'ratio':>7}"
        f"{'lost':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        c, s, lat = r["ceiling"], r["stored"], r["latency"]
        ratio = f"{s.rate / c.rate:.2f}" if c.rate and s.rate else "-"
        lost = f"{s.expected - s.stored:,}" if "stored" in phases else "-"
        print(
            f"{r['backend']:<11}{_fmt_rate(c.rate):>11}{_fmt_rate(s.rate):>11}"
            f"{ratio:>7}{lost:>8}{_ms(lat.ms, 50):>9}{_ms(lat.ms, 95):>9}"
            f"{_ms(lat.ms, 99):>9}{_ms(lat.ms, 100):>9}"
        )
    print()
    for r in results:
        c, s, lat = r["ceiling"], r["stored"], r["latency"]
        b = r["backend"]
        if "ceiling" in phases:
            print(
                f"{b}: ceiling: bare subscriber got {c.received:,}/{c.expected:,} "
                f"in {c.seconds:.2f} s (publisher {_fmt_rate(c.publish_rate)} "
                "PUBACK/s)"
            )
        if "stored" in phases:
            verdict = "zero loss" if s.zero_loss else "LOSS"
            print(
                f"{b}: stored: {s.stored:,}/{s.expected:,} rows in "
                f"{s.seconds:.2f} s, {verdict} (pipeline accepted {s.accepted:,}, "
                f"duplicates {s.duplicates:,}, rejected {s.rejected:,}; "
                f"publisher {_fmt_rate(s.publish_rate)} PUBACK/s)"
            )
        if "latency" in phases:
            enq = lat.enqueue_ms
            print(
                f"{b}: latency: {len(lat.ms):,}/{lat.expected:,} committed, "
                f"{lat.stored:,} rows, publisher achieved "
                f"{_fmt_rate(lat.achieved)} msg/s; publish -> pipeline entry "
                f"p50 {_ms(enq, 50)} ms, p95 {_ms(enq, 95)} ms"
            )
        for name, phase in (("ceiling", c), ("stored", s), ("latency", lat)):
            if phase.error:
                print(f"{b}: {name}: {phase.error}")
    print()
    for r in results:
        s, lat = r["stored"], r["latency"]
        rate = p95 = "not measured"
        if "stored" in phases:
            rate = "met" if s.zero_loss and s.rate >= 10_000 else "NOT met"
        if "latency" in phases:
            ok = len(lat.ms) == lat.expected and lat.p(95) < 100
            p95 = "met" if ok else "NOT met"
        print(
            f"{r['backend']}: >= 10,000 msg/s stored with zero loss: {rate}; "
            f"p95 < 100 ms at {args.rate:,.0f} msg/s: {p95}"
        )
    sys.stdout.flush()


def bench_backend(args, backend: str) -> dict:
    print(
        f"[{backend}] preparing the database ({args.sensors:,} sensors)...", flush=True
    )
    bench_db = BenchDatabase(backend, args.sensors)
    try:
        version = bench_db.version()
        # Each phase gets its own window of past measurement times (every key is
        # new), and time moves forward in it, as with real sensors.
        most = max(args.messages, int(args.rate * args.duration))
        span = timedelta(minutes=-(-most // args.sensors) + 1)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        bases = [now - span * k for k in (5, 4, 3, 2, 1)]
        ceiling, stored, latency, workers = Ceiling(), Stored(), Latency(), []
        if "ceiling" in args.phases:
            print(f"[{backend}] ceiling (bare subscriber)...", flush=True)
            ceiling = run_ceiling(args, bench_db.dev_euis, bases[0])
            print(f"[{backend}]   {_fmt_rate(ceiling.rate)} msg/s", flush=True)
        if "stored" in args.phases:
            print(f"[{backend}] stored (listener + pipeline)...", flush=True)
            stored = run_stored(args, bench_db.database, bench_db.dev_euis, bases[1])
            print(
                f"[{backend}]   {_fmt_rate(stored.rate)} msg/s, "
                f"{stored.stored:,}/{stored.expected:,} stored",
                flush=True,
            )
        if "latency" in args.phases:
            print(f"[{backend}] latency at {args.rate:,.0f} msg/s...", flush=True)
            latency = run_latency(args, bench_db.database, bench_db.dev_euis, bases[2])
            print(
                f"[{backend}]   p50 {latency.p(50):.1f} ms, p95 {latency.p(95):.1f} ms",
                flush=True,
            )
        if "workers" in args.phases:
            from bench.workers import run_one_and_two

            workers = run_one_and_two(args, bench_db, bases[3:])
    finally:
        bench_db.close()
    return {
        "backend": backend,
        "version": version,
        "ceiling": ceiling,
        "stored": stored,
        "latency": latency,
        "workers": workers,
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="sqlite"
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--sensors", type=int, default=1500)
    parser.add_argument(
        "--rate", type=float, default=2000, help="paced rate of the latency run"
    )
    parser.add_argument(
        "--duration", type=float, default=15, help="seconds of the latency run"
    )
    parser.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883")
    parser.add_argument(
        "--stall",
        type=float,
        default=10,
        help="give up a phase when nothing arrived for this long after publishing",
    )
    parser.add_argument(
        "--phases",
        default="ceiling,stored,latency",
        help=f"comma-separated subset of {','.join(PHASES)}",
    )
    parser.add_argument(
        "--outage-s",
        type=float,
        default=600,
        help="outage phase: seconds the worker stays away (recorded figure: 600)",
    )
    parser.add_argument(
        "--outage-rates",
        default="pma,high",
        help="outage phase: msg/s during the outage, comma-separated numbers, "
        "'pma' (1,100 sensors every 12.5 min) or 'high' (demo fleet rate x100)",
    )
    args = parser.parse_args(argv)
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if not args.phases <= set(PHASES):
        parser.error(f"--phases: choose among {', '.join(PHASES)}")
    from bench.outage import HIGH_RATE, PMA_RATE

    named = {"pma": PMA_RATE, "high": HIGH_RATE}
    try:
        args.outage_rates = [
            named.get(r.strip()) or float(r) for r in args.outage_rates.split(",")
        ]
    except ValueError:
        parser.error("--outage-rates: numbers, 'pma' or 'high'")
    if args.outage_s <= 0 or min(args.outage_rates) <= 0:
        parser.error("--outage-s and --outage-rates must be positive")
    if args.messages < 1 or args.sensors < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--messages, --sensors, --rate and --duration must be positive")
    return args


def main(argv=None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s %(message)s"
    )
    args = parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    load_before = os.getloadavg()
    per_backend = args.phases & {"ceiling", "stored", "latency", "workers"}
    outage = []
    try:
        results = (
            [bench_backend(args, backend) for backend in backends]
            if per_backend
            else []
        )
        if "outage" in args.phases:
            from bench.outage import run_outage

            outage = run_outage(args, backends)
    except (OSError, RuntimeError) as error:  # broker or database unreachable
        print(f"bench aborted: {error}", file=sys.stderr)
        return 2
    rows = machine()
    loads = " ".join(f"{x:.2f}" for x in load_before)
    loads += ", after " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows.append(("load average", f"before {loads} (1/5/15 min)"))
    print_report(args, results, rows)
    if "workers" in args.phases:
        from bench.workers import print_workers

        print_workers(args, results)
    if outage:
        from bench.outage import print_outage

        print_outage(args, outage)
    return 0


if __name__ == "__main__":
    sys.exit(main())
