"""Scale-out: two ingest workers share the subscription on the real Mosquitto.

Both run `flask --app app worker` with the same MQTT_SHARED_GROUP and their own
MQTT_CLIENT_ID; the broker hands each reading to one of them. Every reading is
stored exactly once and each worker stored a real part of the stream. (Combined
throughput is measured by bench/ingest.py, not asserted here.)
"""

from __future__ import annotations

import re
import time
import uuid

import pytest

from tests.conftest import make_app
from tests.fault_tools import (
    Sequence,
    Worker,
    fast_publisher,
    stored_count,
    stored_seqs,
)
from tests.helpers import wait_until
from tests.integration.test_mqtt import sensors

pytestmark = pytest.mark.integration

TOTAL = 30_000
STORED = re.compile(r"Worker arrêté : (\d+) messages enregistrés, (\d+) doublons")


def start_workers(folder, url, mqtt_url, root, count=2) -> list[Worker]:
    group = f"hv{uuid.uuid4().hex[:6]}"
    workers = [
        Worker(
            folder,
            f"hv-scale-{group}-{n}",
            {
                "DATABASE_URL": url,
                "MQTT_URL": mqtt_url,
                "MQTT_TOPIC_ROOT": root,
                "MQTT_SHARED_GROUP": group,
            },
        )
        for n in range(count)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        assert worker.wait_subscribed(), worker.log()
    return workers


def test_two_workers_sharing_the_subscription_store_every_reading_once(
    postgresql_url, mqtt_url, topic_root, tmp_path
):
    database = make_app(postgresql_url).server.extensions["hypervision_db"]
    sequence = Sequence(topic_root, sensors(database, 80))
    workers = start_workers(tmp_path, postgresql_url, mqtt_url, topic_root)
    assert all("groupe partagé hv" in w.log() for w in workers)
    client = fast_publisher(mqtt_url)
    started = time.monotonic()
    sent = sequence.publish(client, range(TOTAL))
    for info in sent:
        info.wait_for_publish(timeout=120)
    complete = wait_until(lambda: stored_count(database) >= TOTAL, 180, 0.05)
    elapsed = time.monotonic() - started
    summaries = [worker.stop() for worker in workers]
    client.loop_stop()

    seqs = stored_seqs(database)
    assert complete, f"{len(seqs)} of {TOTAL} stored"
    assert len(seqs) == TOTAL and set(seqs) == set(range(TOTAL))
    shares = [int(STORED.search(text).group(1)) for text in summaries]
    assert sum(shares) == TOTAL  # each reading stored by exactly one worker
    assert min(shares) >= TOTAL // 10, shares  # both took a real part
    print(
        f"\n2 workers, abonnement partagé : {TOTAL} lectures en {elapsed:.1f} s "
        f"({TOTAL / elapsed:.0f} lectures/s, publication comprise), parts {shares}"
    )


def test_a_shared_worker_killed_and_restarted_loses_and_doubles_nothing(
    postgresql_url, mqtt_url, topic_root, tmp_path
):
    """Mosquitto 2 keeps handing a stopped member of the group its share (queued in
    its persistent session), so nothing is lost when it comes back."""
    database = make_app(postgresql_url).server.extensions["hypervision_db"]
    sequence = Sequence(topic_root, sensors(database, 80))
    first, second = start_workers(tmp_path, postgresql_url, mqtt_url, topic_root)
    client = fast_publisher(mqtt_url)
    half = TOTAL // 3
    for info in sequence.publish(client, range(half)):
        info.wait_for_publish(timeout=120)
    assert wait_until(lambda: stored_count(database) >= half, 120, 0.05)
    second.kill()
    for info in sequence.publish(client, range(half, 2 * half)):
        info.wait_for_publish(timeout=120)
    # The survivor stores its share; the share of the killed one waits for it.
    previous = -1
    while (now := stored_count(database)) != previous:
        previous = now
        time.sleep(1.0)
    waiting = 2 * half - now
    second.start()
    assert second.wait_subscribed(), second.log()
    assert wait_until(lambda: stored_count(database) >= 2 * half, 120, 0.05)
    summaries = [worker.stop() for worker in (first, second)]
    client.loop_stop()

    seqs = stored_seqs(database)
    assert len(seqs) == 2 * half and set(seqs) == set(range(2 * half))
    assert all("Worker arrêté" in text for text in summaries)
    print(
        f"\nWorker partagé tué : {waiting} lectures attendaient son retour chez le "
        f"broker ; {2 * half} enregistrées une fois après son redémarrage."
    )
