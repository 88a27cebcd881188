"""/systeme as an operator sees it: workers, refusals, jobs, database, banners."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from db.models import DeadLetter, JobRun, ServiceStatus
from db.types import utcnow
from services import ingest_stats, service_status
from tests.conftest import make_app

OUTPUTS = [
    ("systeme-banner", "children"),
    ("systeme-status", "children"),
    ("systeme-workers", "children"),
    ("systeme-rate-chart", "figure"),
    ("systeme-sources", "children"),
    ("systeme-dead-chart", "figure"),
    ("systeme-dead-letters", "rowData"),
    ("systeme-jobs-summary", "children"),
    ("systeme-jobs", "children"),
    ("systeme-db-history", "data"),
    ("systeme-latency-chart", "figure"),
    ("systeme-updated", "children"),
    ("systeme-last-ok", "data"),
]


def refresh(client, window="24h", history=None, last_ok=None):
    """The page's 5 s refresh, as the browser posts it."""
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
        "inputs": [
            {"id": "systeme-interval", "property": "n_intervals", "value": 1},
            {"id": "systeme-dead-window", "property": "value", "value": window},
        ],
        "state": [
            {"id": "systeme-db-history", "property": "data", "value": history},
            {"id": "systeme-last-ok", "property": "data", "value": last_ok},
        ],
        "changedPropIds": ["systeme-interval.n_intervals"],
    }
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )
    return response


def texts(node) -> str:
    """Every string of a component tree, joined: what the user reads."""
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return str(node)
    if isinstance(node, list):
        return " ".join(texts(n) for n in node)
    if isinstance(node, dict):
        props = node.get("props", {})
        return texts(props.get("children", "")) if "props" in node else ""
    return ""


def rows_of(node, table_id: str) -> list[str]:
    """The text of each body row of a table, found by id."""
    found = []

    def walk(n, inside=False):
        if isinstance(n, list):
            for child in n:
                walk(child, inside)
        elif isinstance(n, dict) and "props" in n:
            props = n["props"]
            inside = inside or props.get("id") == table_id
            if inside and n.get("type") == "Tr" and "Td" in json.dumps(props):
                found.append(texts(props.get("children")))
            else:
                walk(props.get("children"), inside)

    walk(node)
    return found


def seed(database):
    now = utcnow()
    with database.session() as session:
        service_status.beat(
            session,
            service_status.ingest_name("worker-a"),
            "connected",
            detail="broker:1883",
            reconnects=2,
            started_at=now - timedelta(hours=1),
            host="hote-a:101",
            state_since=now - timedelta(minutes=30),
            queue_depth=37,
            write_ms=4.25,
            db_errors=0,
        )
        service_status.beat(
            session,
            service_status.ingest_name("worker-b"),
            "connected",
            started_at=now - timedelta(hours=2),
            host="hote-b:202",
        )
        # worker-b stopped beating two minutes ago
        session.get(ServiceStatus, "ingest:worker-b").updated_at = now - timedelta(
            minutes=2
        )
        for minutes, reason in [
            (5, "JSON invalide"),
            (6, "JSON invalide"),
            (7, "JSON invalide"),
            (8, "capteur inconnu"),
            (3 * 24 * 60, "charge utile trop grande"),  # three days ago
        ]:
            session.add(
                DeadLetter(
                    received_at=now - timedelta(minutes=minutes),
                    topic="pma/waste/X/up",
                    reason=reason,
                    payload_excerpt="{",
                    payload_size=1,
                )
            )
        tally = ingest_stats.Tally()
        tally.add("native", now - timedelta(minutes=3), accepted=5, rejected=2)
        tally.add("tts", now - timedelta(minutes=2), accepted=1, duplicates=4)
        ingest_stats.save(session, tally)
        session.add_all(
            [
                JobRun(
                    job="retention",
                    started_at=now - timedelta(minutes=20),
                    finished_at=now - timedelta(minutes=20),
                    status="ok",
                    host="hote-a",
                ),
                JobRun(
                    job="previsions",
                    started_at=now - timedelta(minutes=40),
                    finished_at=now - timedelta(minutes=39),
                    status="ok",
                    host="hote-a",
                ),
                JobRun(
                    job="previsions",
                    started_at=now - timedelta(minutes=10),
                    finished_at=now - timedelta(minutes=10),
                    status="erreur",
                    detail="OperationalError : base verrouillée",
                    host="hote-b",
                ),
            ]
        )


@pytest.fixture
def mqtt_app(sqlite_url):
    # MQTT_URL set (nothing listens there): the page expects ingest workers
    return make_app(sqlite_url, MQTT_URL="mqtt://127.0.0.1:1")


def logged(app, username="operateur"):
    from tests.conftest import login

    client = app.server.test_client()
    assert login(client, username).status_code == 302
    return client


def test_operator_sees_workers_refusals_jobs_and_database(database_url):
    mqtt_app = make_app(database_url, MQTT_URL="mqtt://127.0.0.1:1")
    seed(mqtt_app.server.extensions["hypervision_db"])
    response = refresh(logged(mqtt_app))
    assert response.status_code == 200
    out = response.get_json()["response"]

    workers = rows_of(out["systeme-workers"]["children"], "systeme-worker-table")
    assert len(workers) == 2
    a, b = sorted(workers)
    assert "worker-a" in a and "Connecté et abonné" in a and "hote-a:101" in a
    assert "37" in a and "4,2 ms" in a  # queue depth, write time in French
    assert "worker-b" in b and "Muet" in b and "il y a 2 min" in b

    status = texts(out["systeme-status"]["children"])
    assert "Connecté et abonné" in status  # worker-a keeps the ingest connected
    assert "Reconnexions : 2" in status  # only live workers count
    kind = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    assert f"Base de données ({kind})" in status
    assert "ms" in status

    sources = rows_of(out["systeme-sources"]["children"], "systeme-source-table")
    native = next(r for r in sources if r.startswith("Capteurs (JSON natif)"))
    assert native.endswith(" 5 2 0")  # accepted, refused, duplicates (last hour)
    tts = next(r for r in sources if r.startswith("The Things Stack"))
    assert tts.endswith(" 1 0 4")

    banner = texts(out["systeme-banner"]["children"])
    assert "muet" in banner and "worker-b" in banner
    assert "Broker MQTT déconnecté" not in banner

    chart = out["systeme-dead-chart"]["figure"]
    bars = chart["data"][0]
    assert dict(zip(bars["y"], bars["x"], strict=True)) == {
        "JSON invalide": 3,
        "capteur inconnu": 1,
    }
    assert "24 h" in chart["layout"]["title"]["text"]
    assert {row["reason"] for row in out["systeme-dead-letters"]["rowData"]} == {
        "JSON invalide",
        "capteur inconnu",
        "charge utile trop grande",
    }

    summary = out["systeme-jobs-summary"]["children"]
    jobs = rows_of(summary, "systeme-jobs-summary-table")
    previsions = next(r for r in jobs if r.startswith("previsions"))
    assert "erreur" in previsions and "base verrouillée" in previsions
    assert "hote-b" in previsions
    retention = next(r for r in jobs if r.startswith("retention "))
    assert "ok" in retention
    # never run yet, but registered by the worker: listed with no date
    assert any("qualite-previsions" in r and "pas encore" in r for r in jobs)

    history = out["systeme-db-history"]["data"]
    assert len(history) == 1 and history[0][1] >= 0
    assert out["systeme-updated"]["children"].startswith("Mis à jour le")


def test_failed_job_row_is_highlighted_and_next_run_estimated(mqtt_app):
    seed(mqtt_app.server.extensions["hypervision_db"])
    out = refresh(logged(mqtt_app)).get_json()["response"]
    table = json.dumps(out["systeme-jobs-summary"]["children"])
    assert table.count("table-danger") == 1  # the failed "previsions" only
    # retention ran 20 minutes ago and runs hourly: due in about 40 minutes
    from services.job_status import jobs_summary

    database = mqtt_app.server.extensions["hypervision_db"]
    with database.session() as session:
        summary = jobs_summary(session, {"retention": timedelta(hours=1)}, utcnow())
    run = next(j for j in summary if j["job"] == "retention")
    assert run["next_run"] - run["started_at"] == timedelta(hours=1)
    failed = next(j for j in summary if j["job"] == "previsions")
    assert failed["failures_24h"] == 1 and failed["last_ok"] is not None


def test_dead_letter_window_changes_the_chart(mqtt_app):
    seed(mqtt_app.server.extensions["hypervision_db"])
    client = logged(mqtt_app)
    week = refresh(client, window="7j").get_json()["response"]
    bars = week["systeme-dead-chart"]["figure"]["data"][0]
    assert "charge utile trop grande" in bars["y"]
    hour = refresh(client, window="1h").get_json()["response"]
    assert sum(hour["systeme-dead-chart"]["figure"]["data"][0]["x"]) == 4


def test_latency_history_grows_with_each_refresh(mqtt_app):
    client = logged(mqtt_app)
    first = refresh(client).get_json()["response"]["systeme-db-history"]["data"]
    second = refresh(client, history=first).get_json()["response"]
    history = second["systeme-db-history"]["data"]
    assert len(history) == 2
    assert len(second["systeme-latency-chart"]["figure"]["data"][0]["y"]) == 2


def test_no_live_worker_shows_the_broker_banner(mqtt_app):
    out = refresh(logged(mqtt_app)).get_json()["response"]
    assert "Broker MQTT déconnecté" in texts(out["systeme-banner"]["children"])
    assert "Aucun worker" in texts(out["systeme-workers"]["children"])


def test_database_error_shows_a_banner_not_a_traceback(mqtt_app):
    client = logged(mqtt_app)
    database = mqtt_app.server.extensions["hypervision_db"]
    # the login check still works, the page's own queries fail
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE job_runs RENAME TO job_runs_away")
    response = refresh(client, last_ok="22/11 06:00:00")
    assert response.status_code == 200
    out = response.get_json()["response"]
    banner = texts(out["systeme-banner"]["children"])
    assert "La base de données ne répond pas" in banner
    assert "22/11 06:00:00" in banner  # the figures shown are that old
    assert "Traceback" not in response.get_data(as_text=True)
    assert "systeme-status" not in out  # last figures kept on screen
    assert "base de données muette" in out["systeme-updated"]["children"]


@pytest.mark.parametrize(("username", "allowed"), [("dechets", False), ("elu", False)])
def test_other_roles_get_no_system_figures(mqtt_app, username, allowed):
    seed(mqtt_app.server.extensions["hypervision_db"])
    response = refresh(logged(mqtt_app, username))
    assert response.status_code == 403
    assert "worker-a" not in response.get_data(as_text=True)
