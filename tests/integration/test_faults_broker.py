"""Broker outage under load: Mosquitto stopped for 30 s while sensors publish.

The web keeps answering and says the data is stale and the feed interrupted
(« Réception interrompue »); /healthz says degraded with MQTT disconnected; the
listener reconnects by itself once the broker is back (paho retries at most
every 5 s) and stores every reading the broker had acknowledged, before and
after the outage.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from tests.broker import private_broker
from tests.conftest import login as log_in
from tests.conftest import make_app
from tests.fault_tools import Sequence, fast_publisher, stored_count, stored_seqs
from tests.helpers import wait_until
from tests.integration.test_live_views import freshness_text, post_callback
from tests.integration.test_mqtt import sensors, start_listener, stop_listener

pytestmark = pytest.mark.integration

OUTAGE_S = 30


class Load:
    """Sensors publishing fresh readings (about 400 a second) while they can."""

    def __init__(self, url: str, sequence: Sequence):
        self.client = fast_publisher(url)
        self.sequence = sequence
        self.sent: list = []  # (seq, MQTTMessageInfo)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = 0
        while not self._stop.wait(0.05):
            if not self.client.is_connected():
                continue  # a LoRaWAN server would retry later, it does not count
            for _ in range(20):
                message = self.sequence.message(seq, datetime.now(UTC))
                self.sent.append((seq, self.client.publish(*message, qos=1)))
                seq += 1

    def stop(self) -> set[int]:
        """Stop publishing; the seqs the broker acknowledged (PUBACK)."""
        self._stop.set()
        self._thread.join()
        for _seq, info in self.sent:
            if info.rc == 0:
                info.wait_for_publish(timeout=10)
        self.client.loop_stop()
        return {seq for seq, info in self.sent if info.is_published()}


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def test_a_30_s_broker_outage_under_load_degrades_then_recovers_without_loss(
    postgresql_url, topic_root
):
    with private_broker(handle=True) as broker:
        app = make_app(postgresql_url, MQTT_URL=broker.url, STALE_AFTER_S=5)
        database = app.server.extensions["hypervision_db"]
        web = app.server.test_client()
        log_in(web, "operateur")
        pipeline, listener = start_listener(
            broker.url, database, topic_root, f"hv-outage-{uuid.uuid4().hex[:8]}"
        )
        load = Load(broker.url, Sequence(topic_root, sensors(database, 80)))
        assert wait_until(lambda: stored_count(database) > 1000, 60)
        assert wait_until(lambda: health(web)[1]["mqtt"] == "connected", 15)
        assert health(web)[1]["status"] == "ok"
        assert "Données à jour" in freshness_text(web)

        broker.stop()
        outage_started = time.monotonic()
        at_outage = stored_count(database)
        seen, statuses = set(), []
        while time.monotonic() - outage_started < OUTAGE_S:
            for path in ("/", "/_dash-layout", "/dechets"):
                statuses.append((path, web.get(path).status_code))
            kpis = post_callback(
                web,
                ["supervision-kpis.children"],
                [{"id": "supervision-interval", "property": "n_intervals", "value": 1}],
            )
            statuses.append(("supervision-kpis", kpis.status_code))
            badge = freshness_text(web)
            if "Données périmées" in badge:
                seen.add("périmées")
            if "Réception interrompue" in badge:
                seen.add("réception interrompue")
            code, document = health(web)
            if (code, document["status"], document["mqtt"]) == (
                200,
                "degraded",
                "disconnected",
            ):
                seen.add("healthz dégradé")
            time.sleep(1)
        assert listener.state == "disconnected"

        broker.start()
        back = time.monotonic()
        assert wait_until(lambda: listener.state == "connected", 30, 0.01)
        reconnect_s = time.monotonic() - back
        assert wait_until(lambda: stored_count(database) > at_outage + 1000, 60)
        acknowledged = load.stop()
        assert wait_until(lambda: set(stored_seqs(database)) >= acknowledged, 60)
        assert wait_until(lambda: health(web)[1]["mqtt"] == "connected", 15)
        after = health(web)
        badge = freshness_text(web)
        stop_listener(pipeline, listener)

    failures = [(path, code) for path, code in statuses if code != 200]
    assert statuses and not failures
    assert seen == {"périmées", "réception interrompue", "healthz dégradé"}
    assert listener.reconnects == 1
    seqs = stored_seqs(database)
    assert len(seqs) == len(set(seqs))  # no double
    assert set(seqs) >= acknowledged  # no loss of what the broker took
    assert after == (200, after[1]) and after[1]["status"] == "ok"
    assert "Données à jour" in badge
    print(
        f"\nCoupure du broker {OUTAGE_S} s : reconnexion {reconnect_s:.2f} s après "
        f"son retour ; {len(acknowledged)} lectures acquittées par le broker, "
        f"toutes enregistrées une fois ({len(seqs)} en base)."
    )
    print(json.dumps(after[1], ensure_ascii=False))
