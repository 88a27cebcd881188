"""Outage backlog: the worker is away while sensors keep publishing, then returns.

For every (backend, rate) scenario, in ONE common outage window:
1. a worker process (`bench.ingest_worker`, persistent MQTT 5 session) subscribes,
   then leaves: the broker now keeps what arrives for it (deploy/mosquitto.conf
   allows 1,000,000 queued messages);
2. paced publishers send `rate` msg/s for `--outage-s` seconds (all scenarios at
   once, each on its own topic root and client id);
3. the scenarios' workers come back ONE AFTER THE OTHER (so a drain has the
   machine to itself): drain time = from launching the worker process (Python
   start and imports included, as a real restart) to the moment the database
   holds every message; also from its subscription. Peak RSS = the worker's VmHWM.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench.bench_db import BenchDatabase
from bench.ingest import POLL_S, RowCounter
from bench.ingest_worker import Worker, WorkerPlan
from bench.publisher import Publisher, PublishPlan, _new_root, _purge_session

# PMA: ~1,100 sensors, one reading every 10-15 min each -> about 1.5 msg/s.
PMA_RATE = 1_100 / (12.5 * 60)
# The demo fleet (1,500 sensors, one reading per 10 min) is 2.5 msg/s; x100 for a
# territory or a reporting frequency far beyond PMA's.
HIGH_RATE = 1_500 / 600 * 100


@dataclass
class OutageRun:
    backend: str
    rate: float
    expected: int
    root: str = field(default_factory=_new_root)
    outage_s: float = 0.0  # first publish -> last PUBACK (worker away throughout)
    drain_s: float = 0.0  # worker launched -> every row stored
    # worker reported subscribed -> every row stored: a lower bound, since the
    # broker resumes the session and sends at CONNACK, before the SUBACK
    drain_connected_s: float = 0.0
    start_s: float = 0.0  # worker launched -> subscribed (Python start, imports)
    stored: int = 0
    peak_rss_kb: int = 0
    counters: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def client_id(self) -> str:
        return f"{self.root}-ingest"

    @property
    def verdict(self) -> str:
        lost = self.expected - self.stored
        dup = self.counters.get("duplicates", 0)
        return "zero loss" if not lost and not dup else f"LOST {lost:,}, dup {dup:,}"


def _plan(run: OutageRun, args, bench_db) -> WorkerPlan:
    return WorkerPlan(args.mqtt_url, bench_db.url, run.root, run.client_id)


def _drain(run: OutageRun, args, bench_db) -> None:
    counter = RowCounter(bench_db.database)
    baseline = counter()
    worker = Worker(_plan(run, args, bench_db))
    worker.start()
    try:
        worker.wait_connected()
        last, moved, seen = -1, time.monotonic(), time.time()
        while True:
            now = counter() - baseline
            if now != last:
                last, moved, seen = now, time.monotonic(), time.time()
            if now >= run.expected or time.monotonic() - moved > args.stall:
                break
            time.sleep(POLL_S)
        run.drain_s = seen - worker.started
        run.drain_connected_s = seen - worker.connected
        run.start_s = worker.connected - worker.started
        run.peak_rss_kb = worker.read_peak_rss()
    except RuntimeError as error:
        run.error = str(error)
    finally:
        run.counters = worker.stop()
        _purge_session(args.mqtt_url, run.client_id)
    run.stored = counter() - baseline
    counter.close()


def run_outage(args, backends: list[str]) -> list[OutageRun]:
    dbs = {b: BenchDatabase(b, args.sensors) for b in backends}
    try:
        return _run(args, dbs)
    finally:
        for bench_db in dbs.values():
            bench_db.close()


def _run(args, dbs: dict) -> list[OutageRun]:
    runs = [
        OutageRun(backend, rate, max(1, round(rate * args.outage_s)))
        for backend in dbs
        for rate in args.outage_rates
    ]
    # Past, disjoint measurement windows per scenario (every key is new).
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    bases = {}
    for run in runs:
        span = timedelta(minutes=-(-run.expected // args.sensors) + 1)
        end -= span
        bases[run.root] = end
    print("[outage] workers subscribe, then leave...", flush=True)
    for run in runs:
        worker = Worker(_plan(run, args, dbs[run.backend]))
        worker.start()
        worker.wait_connected()
        worker.stop()
    publishers = [
        Publisher(
            PublishPlan(
                args.mqtt_url,
                run.root,
                dbs[run.backend].dev_euis,
                bases[run.root],
                run.expected,
                rate=run.rate,
            )
        )
        for run in runs
    ]
    for publisher in publishers:
        publisher.start()
    print(f"[outage] publishing for {args.outage_s:g} s, no worker...", flush=True)
    for publisher in publishers:
        publisher.go()
    for run, publisher in zip(runs, publishers, strict=True):
        result = publisher.join(timeout=args.outage_s + 300)
        run.outage_s = (result.all_acked or time.time()) - result.first_publish
        run.error = result.error
    for run in runs:
        print(
            f"[outage] {run.backend} at {run.rate:,.1f} msg/s: worker returns, "
            f"{run.expected:,} messages waiting...",
            flush=True,
        )
        _drain(run, args, dbs[run.backend])
        print(f"[outage]   drained in {run.drain_s:.1f} s, {run.verdict}", flush=True)
    return runs


def print_outage(args, runs: list[OutageRun]) -> None:
    print()
    print(f"== outage backlog: worker away {args.outage_s:g} s, then drained ==")
    header = (
        f"{'backend':<11}{'msg/s':>8}{'messages':>10}{'outage s':>10}{'drain s':>9}"
        f"{'drain/outage':>14}{'peak RSS MB':>13}  check"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        ratio = run.drain_s / run.outage_s if run.outage_s else 0.0
        print(
            f"{run.backend:<11}{run.rate:>8,.1f}{run.expected:>10,}"
            f"{run.outage_s:>10.1f}{run.drain_s:>9.1f}{ratio:>14.4f}"
            f"{run.peak_rss_kb / 1024:>13.0f}  {run.verdict}"
        )
    for run in runs:
        print(
            f"{run.backend} at {run.rate:,.1f} msg/s: {run.stored:,}/"
            f"{run.expected:,} rows; drain {run.drain_s:.1f} s from the worker's "
            f"launch ({run.start_s:.1f} s to start and subscribe), "
            f"{run.drain_connected_s:.1f} s after it reported subscribed; "
            f"{run.stored / run.drain_s if run.drain_s else 0:,.0f} msg/s overall"
            + (f"; {run.error}" if run.error else "")
        )
    print()
