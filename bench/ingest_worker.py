"""An ingest worker in a process of its own, for the benches.

It builds `IngestPipeline` + `MqttListener` directly, as the production worker does,
so the benches do not depend on the command line. The parent drives it through a
pipe: the child says "connected" once subscribed, and leaves on "stop" after the
pipeline is flushed, sending back its counters.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import asdict, dataclass
from pathlib import Path

CONNECT_TIMEOUT_S = 60.0  # a spawned child imports the whole app first


@dataclass(frozen=True)
class WorkerPlan:
    mqtt_url: str
    database_url: str
    topic_root: str
    client_id: str
    shared: bool = False


def worker_main(plan: WorkerPlan, conn) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from db.engine import Database
    from services.ingest import IngestPipeline
    from services.mqtt_listener import MqttListener

    database = Database(plan.database_url)
    pipeline = IngestPipeline(database, topic_root=plan.topic_root)
    listener = MqttListener(
        plan.mqtt_url,
        pipeline,
        plan.topic_root,
        client_id=plan.client_id,
        shared=plan.shared,
    )
    pipeline.start()
    listener.start()
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while listener.state != "connected" and time.monotonic() < deadline:
        time.sleep(0.02)
    conn.send(("connected" if listener.state == "connected" else "error", time.time()))
    conn.recv()  # "stop"
    listener.stop()  # no more messages come in; what is queued gets committed
    pipeline.stop(timeout=120)
    database.engine.dispose()
    conn.send(("stopped", asdict(pipeline.counters)))


class Worker:
    """The child process, seen from the bench."""

    def __init__(self, plan: WorkerPlan):
        ctx = mp.get_context("spawn")  # no inherited threads, its own GIL
        self._conn, child = ctx.Pipe()
        self.plan = plan
        self.process = ctx.Process(
            target=worker_main, args=(plan, child), name=plan.client_id
        )
        self.started = 0.0  # time.time() when the process was launched
        self.connected = 0.0  # time.time() when subscribed
        self.counters: dict = {}
        self.peak_rss_kb = 0

    def start(self) -> None:
        self.started = time.time()
        self.process.start()

    def wait_connected(self) -> float:
        if not self._conn.poll(CONNECT_TIMEOUT_S + 30):
            raise RuntimeError(f"{self.plan.client_id}: no answer from the worker")
        kind, when = self._conn.recv()
        if kind != "connected":
            raise RuntimeError(f"{self.plan.client_id}: not subscribed")
        self.connected = when
        return when

    def read_peak_rss(self) -> int:
        """VmHWM: the largest resident set the process has had, in kB."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return self.peak_rss_kb
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_rss_kb = int(line.split()[1])
        return self.peak_rss_kb

    def stop(self) -> dict:
        if self.process.pid is None:
            return {}
        if self.process.is_alive():
            self.read_peak_rss()
            try:
                self._conn.send("stop")
                if self._conn.poll(150):
                    _kind, self.counters = self._conn.recv()
            except (OSError, EOFError):
                pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        return self.counters
