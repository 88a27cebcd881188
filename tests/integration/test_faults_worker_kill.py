"""No loss, no double: the ingest worker killed with SIGKILL twice mid-stream.

50,000 sequenced readings go through the real Mosquitto (deploy/mosquitto.conf)
to a real `flask --app app worker` process, killed without warning at about a
third and two thirds of the stream and started again under the same client id.
The persistent MQTT session keeps what was not acknowledged, acknowledgement
comes only after commit, and the insert ignores a reading already stored: every
reading must be stored exactly once.
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

TOTAL = 50_000
SUMMARY = r"Worker arrêté : (\d+) messages enregistrés, (\d+) doublons"


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_worker_killed_twice_mid_stream_stores_every_reading_exactly_once(
    backend, request, mqtt_url, topic_root, tmp_path
):
    url = request.getfixturevalue(f"{backend}_url")
    database = make_app(url).server.extensions["hypervision_db"]  # schema + fleet
    sequence = Sequence(topic_root, sensors(database, 80))
    worker = Worker(
        tmp_path,
        f"hv-kill-{uuid.uuid4().hex[:8]}",
        {"DATABASE_URL": url, "MQTT_URL": mqtt_url, "MQTT_TOPIC_ROOT": topic_root},
    )
    worker.start()
    assert worker.wait_subscribed(), worker.log()
    client = fast_publisher(mqtt_url)
    started = time.monotonic()
    sent = sequence.publish(client, range(TOTAL))  # queued; paho sends at full speed
    killed_at = []
    for fraction in (1 / 3, 2 / 3):
        assert wait_until(
            lambda f=fraction: stored_count(database) >= TOTAL * f, 180, 0.02
        ), f"{stored_count(database)} stored, worker log:\n{worker.log()[-3000:]}"
        worker.kill()
        killed_at.append(stored_count(database))
        worker.start()
        assert worker.wait_subscribed(), worker.log()
    for info in sent:
        info.wait_for_publish(timeout=120)
    assert all(info.is_published() for info in sent)
    complete = wait_until(lambda: stored_count(database) >= TOTAL, 180, 0.1)
    elapsed = time.monotonic() - started
    summary = worker.stop()
    client.loop_stop()
    client.disconnect()

    seqs = stored_seqs(database)
    assert complete, f"{len(seqs)} of {TOTAL} stored"
    assert len(seqs) == TOTAL  # nothing doubled
    assert set(seqs) == set(range(TOTAL))  # nothing lost
    assert worker.starts == 3 and len(killed_at) == 2
    assert "Worker arrêté" in summary  # the last start ended cleanly
    print(
        f"\n[{backend}] {TOTAL} lectures, worker tué à {killed_at} lectures "
        f"enregistrées ; tout enregistré une fois en {elapsed:.1f} s "
        f"({TOTAL / elapsed:.0f} lectures/s, redémarrages compris) ; "
        f"dernier démarrage : {summary.strip().splitlines()[-1]}"
    )


def test_a_worker_stopped_with_sigterm_mid_stream_hands_over_cleanly(
    postgresql_url, mqtt_url, topic_root, tmp_path
):
    """SIGTERM (docker stop, systemd): the worker commits the batch it is writing,
    leaves its queue to the broker and exits; the next start stores the rest.

    Nothing is lost or stored twice. At most the last batch comes back as
    duplicates (observed: 0 to 999 with 1,000 per batch; its acks seem not to
    reach Mosquitto before the disconnect), which the idempotent insert ignores."""
    total = 20_000
    database = make_app(postgresql_url).server.extensions["hypervision_db"]
    sequence = Sequence(topic_root, sensors(database, 80))
    worker = Worker(
        tmp_path,
        f"hv-term-{uuid.uuid4().hex[:8]}",
        {
            "DATABASE_URL": postgresql_url,
            "MQTT_URL": mqtt_url,
            "MQTT_TOPIC_ROOT": topic_root,
        },
    )
    worker.start()
    assert worker.wait_subscribed(), worker.log()
    client = fast_publisher(mqtt_url)
    sent = sequence.publish(client, range(total))
    assert wait_until(lambda: stored_count(database) >= total // 2, 120, 0.02)
    first = worker.stop()
    worker.start()
    assert worker.wait_subscribed(), worker.log()
    for info in sent:
        info.wait_for_publish(timeout=120)
    assert wait_until(lambda: stored_count(database) >= total, 120, 0.1)
    second = worker.stop()[len(first) :]
    client.loop_stop()

    seqs = stored_seqs(database)
    assert len(seqs) == total and set(seqs) == set(range(total))
    runs = [
        tuple(int(n) for n in re.search(SUMMARY, text).groups())
        for text in (first, second)
    ]
    assert runs[0][0] > 0 and runs[1][0] > 0  # both runs stored a part
    assert runs[0][0] + runs[1][0] == total
    assert runs[1][1] <= 1000  # at most one batch (batch_size) came back
