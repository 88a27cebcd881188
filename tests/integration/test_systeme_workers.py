"""Two real ingest workers on one broker each keep their own heartbeat row."""

from __future__ import annotations

import os

from services import service_status
from services.ingest import IngestPipeline
from services.mqtt_listener import MqttListener
from tests.conftest import make_app
from tests.helpers import wait_until


def workers(database) -> dict[str, dict]:
    with database.session() as session:
        return {w["worker"]: w for w in service_status.ingest_workers(session)}


def test_two_shared_workers_beat_apart_and_healthz_follows(
    sqlite_url, mqtt_url, topic_root
):
    app = make_app(sqlite_url, MQTT_URL=mqtt_url)
    database = app.server.extensions["hypervision_db"]
    pipeline = IngestPipeline(database, topic_root)
    listeners = [
        MqttListener(
            mqtt_url, pipeline, topic_root, client_id=f"{topic_root}-{k}", shared=True
        )
        for k in ("a", "b")
    ]
    for listener in listeners:
        listener.start()
    names = {f"{topic_root}-a", f"{topic_root}-b"}
    client = app.server.test_client()
    try:
        assert wait_until(
            lambda: all(
                workers(database).get(n, {}).get("state") == "connected" for n in names
            ),
            timeout=30,
        )
        seen = workers(database)
        for name in names:
            assert seen[name]["queue_depth"] == 0
            assert seen[name]["state_since"] is not None
            assert seen[name]["host"].endswith(f":{os.getpid()}")
        listeners[0].stop()
        after = workers(database)
        assert after[f"{topic_root}-a"]["state"] == "stopped"
        assert after[f"{topic_root}-b"]["state"] == "connected"
        # the ingest as a whole is still connected through worker b
        assert client.get("/healthz").get_json()["mqtt"] == "connected"
        assert wait_until(
            lambda: workers(database)[f"{topic_root}-b"]["write_ms"] is not None,
            timeout=30,
        )
    finally:
        for listener in listeners[1:]:
            listener.stop()
    assert client.get("/healthz").get_json()["mqtt"] == "disconnected"
