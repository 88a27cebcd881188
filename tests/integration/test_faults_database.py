"""Database trouble: PostgreSQL unreachable for a while, SQLite locked.

The application reaches PostgreSQL through a small TCP proxy that the test cuts
(every connection dropped, new ones refused) and restores. Meanwhile the ingest
retries with backoff without acknowledging, so the broker keeps the backlog and
the process holds at most its receive window; pages answer a French 503 and
callbacks a clean error, never a traceback; after recovery every reading is
stored exactly once.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import JobRun
from services.ingest import IngestPipeline
from services.mqtt_listener import MqttListener
from tests.conftest import login, make_app
from tests.fault_tools import (
    Sequence,
    TcpProxy,
    Worker,
    fast_publisher,
    stored_count,
    stored_seqs,
)
from tests.helpers import wait_until
from tests.integration.test_live_views import freshness_text, post_callback
from tests.integration.test_mqtt import sensors

pytestmark = pytest.mark.integration

TOTAL = 20_000
WINDOW = 500  # INGEST_MAX_QUEUE of this pipeline, hence its MQTT receive maximum
OUTAGE_S = 10


class WatchedPipeline(IngestPipeline):
    """The real pipeline, counting what it received and what it acknowledged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.received = self.acked = 0

    def submit(self, topic, payload, ack=None):
        self.received += 1

        def counted():
            ack()
            self.acked += 1

        super().submit(topic, payload, counted)


def forecast_done(database) -> bool:
    with database.session() as session:
        return bool(
            session.scalar(
                select(func.count())
                .select_from(JobRun)
                .where(JobRun.job == "previsions", JobRun.finished_at.is_not(None))
            )
        )


def kpis(web):
    tick = [{"id": "supervision-interval", "property": "n_intervals", "value": 1}]
    return post_callback(web, ["supervision-kpis.children"], tick)


def test_postgresql_unreachable_the_ingest_waits_bounded_and_loses_nothing(
    postgresql_url, mqtt_url, topic_root
):
    direct = make_app(postgresql_url).server.extensions["hypervision_db"]
    proxy = TcpProxy(5432)
    app = make_app(proxy.url(postgresql_url), MQTT_URL=mqtt_url)
    web = app.server.test_client()
    login(web, "operateur")
    pipeline = WatchedPipeline(
        Database(proxy.url(postgresql_url)), topic_root, max_queue=WINDOW
    )
    pipeline.start()
    listener = MqttListener(
        mqtt_url, pipeline, topic_root, f"hv-dbcut-{uuid.uuid4().hex[:8]}"
    )
    listener.start()
    assert wait_until(lambda: listener.state == "connected")
    client = fast_publisher(mqtt_url)
    sent = Sequence(topic_root, sensors(direct, 80)).publish(client, range(TOTAL))
    assert wait_until(lambda: stored_count(direct) >= 2000, 60)

    errors_before = pipeline.counters.db_errors
    proxy.cut()
    cut_at = time.monotonic()
    time.sleep(1)  # the batch in flight fails and starts its retries
    frozen = stored_count(direct)
    held, queued, pages = [], [], []
    while time.monotonic() - cut_at < OUTAGE_S:
        held.append(pipeline.received - pipeline.acked)
        queued.append(pipeline.queue.qsize())
        page = web.get("/dechets")
        pages.append((page.status_code, page.get_data(as_text=True)))
        time.sleep(0.2)
    down = {
        "healthz": web.get("/healthz"),
        "api": web.get("/api/v1/bins?limit=5"),
        "callback": kpis(web),
        "badge": freshness_text(web),
    }
    assert stored_count(direct) == frozen  # nothing committed, nothing acked
    errors_during = pipeline.counters.db_errors - errors_before

    proxy.restore()
    for info in sent:
        info.wait_for_publish(timeout=60)
    assert wait_until(lambda: stored_count(direct) >= TOTAL, 120, 0.1)
    recovered = web.get("/dechets")
    listener.stop()
    pipeline.stop()
    client.loop_stop()

    # The writer retried with backoff: a few attempts, not a busy loop.
    assert 3 <= errors_during <= 30
    # Memory stays bounded: the queue, the batch being retried and one message
    # waiting to enter the queue (paho's thread blocks there, so the socket
    # stops being read); the broker keeps the rest of the 20,000 readings.
    bound = WINDOW + pipeline.batch_size + 1
    assert max(queued) <= WINDOW
    assert max(held) <= bound < TOTAL - frozen
    assert pipeline.received - pipeline.acked == 0
    # The web says the database is down, in French, without a traceback.
    for status, body in pages:
        assert status == 503
        assert "Base de données indisponible" in body
        assert "Traceback" not in body and "OperationalError" not in body
    assert down["healthz"].status_code == 503
    assert down["healthz"].get_json()["db"] is False
    assert down["api"].status_code == 503
    assert down["api"].get_json()["error"] == "Base de données indisponible"
    assert down["callback"].status_code == 503
    assert down["callback"].get_json()["error"] == "Base de données indisponible"
    assert "Base de données indisponible" in down["badge"]
    # After recovery: every reading once, pages back.
    seqs = stored_seqs(direct)
    assert len(seqs) == TOTAL and set(seqs) == set(range(TOTAL))
    assert recovered.status_code == 200
    print(
        f"\nPostgreSQL coupé {OUTAGE_S} s : {errors_during} essais d'écriture "
        f"(attente croissante), au plus {max(held)} messages non acquittés en "
        f"mémoire (file {max(queued)}/{WINDOW}, borne {bound}) ; {TOTAL} lectures "
        f"enregistrées une fois après le retour."
    )


def test_sqlite_locked_the_worker_keeps_its_memory_and_stores_everything(
    sqlite_url, mqtt_url, topic_root, tmp_path
):
    """Another connection holds SQLite's write lock for a while: the worker process
    (queue of 1,000) retries, its memory stays flat while 20,000 readings wait at
    the broker, and everything is stored once after the lock is released.

    Measured with 30,000 readings: +3 MB with the 1,000 queue, +23 MB when the
    worker's queue can hold them all (INGEST_MAX_QUEUE=50000)."""
    total, window = 20_000, 1_000
    app = make_app(sqlite_url)
    database = app.server.extensions["hypervision_db"]
    sequence = Sequence(topic_root, sensors(database, 80))
    worker = Worker(
        tmp_path,
        f"hv-lock-{uuid.uuid4().hex[:8]}",
        {
            "DATABASE_URL": sqlite_url,
            "MQTT_URL": mqtt_url,
            "MQTT_TOPIC_ROOT": topic_root,
            "INGEST_MAX_QUEUE": str(window),
        },
    )
    worker.start()
    assert worker.wait_subscribed(), worker.log()
    # Past the start-up allocations and the first forecast run (5 s after start),
    # so that what the memory does next is the ingest's.
    assert wait_until(lambda: forecast_done(database), 120, 0.5), worker.log()
    time.sleep(1)
    rss_before = worker.rss_kb()
    blocker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    blocker.execute("BEGIN EXCLUSIVE")
    client = fast_publisher(mqtt_url)
    sent = sequence.publish(client, range(total))
    for info in sent:
        info.wait_for_publish(timeout=120)  # all of it is at the broker now
    web = app.server.test_client()
    login(web, "operateur")
    rss, pages = [], []
    for _ in range(12):  # longer than busy_timeout (10 s): the writer gives up once
        rss.append(worker.rss_kb())
        pages.append(web.get("/dechets").status_code)
        time.sleep(1)
    locked_count = stored_count(database)
    blocker.rollback()
    blocker.close()
    assert wait_until(lambda: stored_count(database) >= total, 120, 0.1)
    summary = worker.stop()
    client.loop_stop()

    seqs = stored_seqs(database)
    assert locked_count == 0
    assert len(seqs) == total and set(seqs) == set(range(total))
    errors = int(re.search(r"(\d+) erreurs de base", summary).group(1))
    assert errors >= 1
    assert set(pages) == {200}  # readers are not blocked by the writer's lock (WAL)
    growth_mb = (max(rss) - rss_before) / 1024
    print(
        f"\nSQLite verrouillé 12 s : {errors} échecs d'écriture, mémoire du worker "
        f"{rss_before / 1024:.0f} Mo -> max {max(rss) / 1024:.0f} Mo "
        f"(+{growth_mb:.1f} Mo) pendant que {total} lectures attendaient au broker."
    )
    assert growth_mb < 10  # holding the backlog would take about 1 KB a reading
