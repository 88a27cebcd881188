"""The real commands together: `simulate` publishes, `worker` stores, /healthz tells."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Reading
from tests.conftest import make_app
from tests.helpers import wait_until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def flask(*args, env) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def test_simulated_tts_traffic_reaches_the_worker_and_healthz(
    sqlite_url, mqtt_url, topic_root
):
    env = dict(
        os.environ,
        DATABASE_URL=sqlite_url,
        SIM_SENSORS="150",
        MQTT_URL=mqtt_url,
        MQTT_TOPIC_ROOT=topic_root,
        MQTT_CLIENT_ID=f"worker-{topic_root}",
        SECRET_KEY="test",
    )
    app = make_app(sqlite_url, SIM_SENSORS=150, MQTT_URL=mqtt_url)
    database = app.server.extensions["hypervision_db"]
    worker = subprocess.Popen(
        flask("worker", env=env),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        client = app.server.test_client()
        assert wait_until(
            lambda: client.get("/healthz").get_json()["mqtt"] == "connected", timeout=30
        )
        sim = subprocess.run(
            flask(
                "simulate",
                "--mqtt",
                mqtt_url,
                "--speed",
                "900",
                "--duration",
                "5",
                "--format",
                "tts",
                env=env,
            ),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert sim.returncode == 0, sim.stderr
        published = int(sim.stdout.strip().splitlines()[-1].split()[0])
        assert published > 100

        def stored() -> int:
            with database.session() as session:
                return session.scalar(select(func.count()).select_from(Reading))

        # The simulator sends a few exact duplicates on purpose (a known sensor fault).
        assert wait_until(lambda: stored() > 0.95 * published, timeout=30)
        health = client.get("/healthz").get_json()
        assert health["status"] == "ok"
        assert health["ingest"]["accepted"] == stored()
        assert (
            health["ingest"]["accepted"] + health["ingest"]["duplicates"] == published
        )
        assert health["last_reading_age_s"] < 60
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    assert worker.returncode == 0
    health = app.server.test_client().get("/healthz").get_json()
    assert (health["mqtt"], health["status"]) == ("disconnected", "degraded")
