"""Database trouble: PostgreSQL unreachable for a while, SQLite locked.

The application reaches PostgreSQL through a small TCP proxy that the test cuts
(every connection dropped, new ones refused) and restores. Meanwhile the ingest
retries with backoff without acknowledging, so the broker keeps the backlog and
the process holds at most its receive window; pages answer a French 503 and
callbacks a clean error, never a traceback; after recovery every reading is
stored exactly once.
"""

from __future__ import annotations

import time
import uuid

import pytest

from db.engine import Database
from services.ingest import IngestPipeline
from services.mqtt_listener import MqttListener
from tests.conftest import login, make_app
from tests.fault_tools import (
    Sequence,
    TcpProxy,
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
