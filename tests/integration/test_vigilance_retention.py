"""RGPD retention: reporter references and free text go, anonymous facts stay."""

from __future__ import annotations

import uuid
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from db.models import Incident, IncidentEvent, JobRun
from db.types import utcnow
from services import incident_lifecycle as life
from services.incident_retention import erase_personal_data
from services.incidents import store_incident
from services.jobs import register_jobs, run_job


def add(database, age_days: int) -> int:
    report = {
        "report_id": str(uuid.uuid4()),
        "ts": utcnow() - timedelta(days=age_days),
        "category": "cambriolage",
        "severity": "elevee",
        "description": "Nom du voisin : M. Dupont",
        "lat": 47.5098,
        "lon": 6.7985,
        "commune_insee": "25388",
        "source": "voisins_vigilants",
        "reporter_ref": "vv-dupont",
    }
    with database.session() as session:
        incident, _ = store_incident(session, report, "test")
        life.add_comment(session, incident.id, "Rappeler M. Dupont", "securite")
        return incident.id


def test_old_incidents_lose_personal_data_and_keep_their_facts(database):
    old, recent = add(database, 400), add(database, 30)
    summary = erase_personal_data(database, {})
    assert summary.startswith("1 incidents anonymisés")
    with database.session() as session:
        erased, kept = session.get(Incident, old), session.get(Incident, recent)
        comments = dict(
            session.execute(
                select(IncidentEvent.incident_id, IncidentEvent.comment).where(
                    IncidentEvent.action == "commentaire"
                )
            ).all()
        )
        trail = session.scalars(
            select(IncidentEvent.action).where(IncidentEvent.incident_id == old)
        ).all()
    assert (erased.reporter_ref, erased.description) == (None, None)
    assert erased.erased_at is not None
    assert (erased.category, erased.commune_insee, erased.severity) == (
        "cambriolage",
        "25388",
        "elevee",
    )
    assert comments == {old: None, recent: "Rappeler M. Dupont"}
    assert trail[-1] == "effacement_rgpd"
    assert kept.reporter_ref == "vv-dupont" and kept.description
    assert erase_personal_data(database, {}).startswith("0 incidents")


def test_the_retention_period_is_configurable(database):
    add(database, 40)
    assert erase_personal_data(database, {"INCIDENT_RETENTION_DAYS": "30"}).startswith(
        "1 incidents"
    )


def test_the_retention_job_is_scheduled_and_recorded(database, app):
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, database, app.server.config["HYPERVISION"])
    assert scheduler.get_job("retention-incidents") is not None
    add(database, 500)
    status = run_job(
        database, "retention-incidents", lambda: erase_personal_data(database)
    )
    assert status == "ok"
    with database.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == "retention-incidents"))
    assert run.detail.startswith("1 incidents anonymisés")
