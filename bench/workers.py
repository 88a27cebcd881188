"""One vs two ingest workers on an MQTT 5 shared subscription.

Each worker is a process of its own (`bench.ingest_worker`) with a distinct client
id, subscribed through `$share/hypervision/`; the broker balances the messages. The
publisher sends N messages as fast as the broker acknowledges them; the stored rate
is rows / (moment the last row was seen - first publish). Zero loss = N rows; no
double = the workers together accepted N and counted no duplicate (a message
delivered to both would show up as a duplicate).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench.ingest import RowCounter, _publish_rate, _wait_for
from bench.ingest_worker import Worker, WorkerPlan
from bench.publisher import Publisher, PublishPlan, _new_root, _purge_session


@dataclass
class WorkersRun:
    workers: int
    expected: int = 0
    stored: int = 0
    seconds: float = 0.0
    publish_rate: float = 0.0
    counters: list[dict] = field(default_factory=list)
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0

    @property
    def accepted(self) -> int:
        return sum(c.get("accepted", 0) for c in self.counters)

    @property
    def duplicates(self) -> int:
        return sum(c.get("duplicates", 0) for c in self.counters)

    @property
    def share(self) -> str:
        """How the broker split the messages between the workers."""
        return " / ".join(f"{c.get('accepted', 0):,}" for c in self.counters)

    @property
    def verdict(self) -> str:
        lost = self.expected - self.stored
        if lost or self.accepted != self.expected or self.duplicates:
            return (
                f"PROBLEM: lost {lost:,}, accepted {self.accepted:,}, "
                f"duplicates {self.duplicates:,}"
            )
        return "zero loss, no double"


def run_workers(args, bench_db, count: int, base) -> WorkersRun:
    """N messages through `count` worker processes sharing one subscription."""
    root = _new_root()
    out = WorkersRun(workers=count, expected=args.messages)
    plans = [
        WorkerPlan(args.mqtt_url, bench_db.url, root, f"{root}-w{k}", shared=True)
        for k in range(1, count + 1)
    ]
    workers = [Worker(plan) for plan in plans]
    counter = RowCounter(bench_db.database)
    baseline = counter()
    publisher = Publisher(
        PublishPlan(args.mqtt_url, root, bench_db.dev_euis, base, args.messages)
    )
    end = 0.0
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_connected()
        publisher.start()
        publisher.go()
        end = _wait_for(
            lambda: counter() - baseline, args.messages, publisher, args.stall
        )
    except RuntimeError as error:
        out.error = str(error)
    finally:
        result = publisher.join()
        out.counters = [worker.stop() for worker in workers]
        for plan in plans:
            _purge_session(args.mqtt_url, plan.client_id)
    out.stored = counter() - baseline
    counter.close()
    out.seconds = max(end - result.first_publish, 0.0)
    out.publish_rate = _publish_rate(result)
    out.error = out.error or result.error
    return out


def run_one_and_two(args, bench_db, bases) -> list[WorkersRun]:
    runs = []
    for count, base in zip((1, 2), bases, strict=True):
        print(f"[{bench_db.backend}] {count} worker(s), shared subscription...")
        run = run_workers(args, bench_db, count, base)
        print(f"[{bench_db.backend}]   {run.rate:,.0f} msg/s, {run.verdict}")
        runs.append(run)
        time.sleep(1)
    return runs


def print_workers(args, results: list[dict]) -> None:
    print()
    print(f"== one vs two ingest workers: {args.messages:,} messages ==")
    header = f"{'backend':<11}{'1 worker/s':>12}{'2 workers/s':>13}{'2/1':>6}  check"
    print(header)
    print("-" * len(header))
    for r in results:
        one, two = r["workers"]
        ratio = f"{two.rate / one.rate:.2f}" if one.rate and two.rate else "-"
        check = "ok" if "zero" in one.verdict and "zero" in two.verdict else "FAIL"
        print(
            f"{r['backend']:<11}{one.rate:>12,.0f}{two.rate:>13,.0f}{ratio:>6}  {check}"
        )
    for r in results:
        for run in r["workers"]:
            print(
                f"{r['backend']}: {run.workers} worker(s): {run.stored:,}/"
                f"{run.expected:,} rows in {run.seconds:.2f} s, {run.verdict}; "
                f"split {run.share}; publisher {run.publish_rate:,.0f} PUBACK/s"
                + (f"; {run.error}" if run.error else "")
            )
    print()
