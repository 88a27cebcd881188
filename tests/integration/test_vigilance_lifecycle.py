"""The incident lifecycle on the server: every transition, the audit trail, delays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Incident, IncidentEvent
from db.types import utcnow
from services import incident_lifecycle as life
from services.incidents import store_incident
from services.setup import prepare_database

LEGAL = [(a, b) for a, targets in life.TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [
    (a, b) for a in life.STATUSES for b in life.STATUSES if b not in life.TRANSITIONS[a]
]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """One territory database for the module: each test makes its own incidents."""
    url = f"sqlite:///{tmp_path_factory.mktemp('life') / 'life.db'}"
    database = Database(url)
    prepare_database(database, {"HYPERVISION_ENV": "production"})
    yield database
    database.engine.dispose()


def new_incident(session, severity="moyenne", created_at=None) -> Incident:
    report = {
        "report_id": str(uuid.uuid4()),
        "ts": utcnow(),
        "category": "tapage",
        "severity": severity,
        "description": "Musique forte",
        "lat": 47.5098,
        "lon": 6.7985,
        "commune_insee": "25388",
        "source": "operateur",
        "reporter_ref": "tel-0042",
    }
    incident, _ = store_incident(session, report, "test", created_at)
    return incident


def put_in(session, incident: Incident, status: str) -> None:
    """Bring an incident to `status` directly (the set-up, not the rule under test)."""
    incident.status = status
    session.flush()


@pytest.mark.parametrize(("start", "end"), LEGAL)
def test_every_legal_transition_is_accepted_and_audited(database, start, end):
    with database.session() as session:
        incident = new_incident(session)
        original = new_incident(session)
        put_in(session, incident, start)
        life.change_status(
            session,
            incident.id,
            end,
            "securite",
            comment="vu",
            duplicate_of=original.id if end == "doublon" else None,
        )
        event = session.scalars(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident.id)
            .order_by(IncidentEvent.id.desc())
        ).first()
        assert incident.status == end
        assert (event.actor, event.action) == ("securite", "statut")
        assert event.comment == "vu"
        assert (event.from_status, event.to_status) == (start, end)
        if end == "doublon":
            assert incident.duplicate_of_id == original.id


@pytest.mark.parametrize(("start", "end"), ILLEGAL)
def test_every_illegal_transition_is_refused_and_changes_nothing(database, start, end):
    with database.session() as session:
        incident = new_incident(session)
        put_in(session, incident, start)
        latest = select(IncidentEvent.id).order_by(IncidentEvent.id.desc())
        before = session.scalar(latest)
        with pytest.raises(life.TransitionRefused, match="interdite"):
            life.change_status(session, incident.id, end, "securite")
        assert incident.status == start
        assert session.scalar(latest) == before


def test_unknown_status_and_doublon_without_original_are_refused(database):
    with database.session() as session:
        incident = new_incident(session)
        with pytest.raises(life.TransitionRefused, match="inconnu"):
            life.change_status(session, incident.id, "envole", "securite")
        with pytest.raises(life.TransitionRefused, match="origine"):
            life.change_status(session, incident.id, "doublon", "securite")
        with pytest.raises(life.TransitionRefused, match="origine"):
            life.change_status(
                session, incident.id, "doublon", "securite", duplicate_of=incident.id
            )
        assert incident.status == "nouveau"


def test_the_audit_trail_tells_who_did_what_and_when(database):
    with database.session() as session:
        incident = new_incident(session)
        life.change_status(session, incident.id, "pris_en_compte", "securite")
        life.assign(session, incident.id, "Police municipale – Audincourt", "securite")
        life.add_comment(session, incident.id, "Patrouille prévenue", "operateur")
        life.change_status(session, incident.id, "en_intervention", "securite")
        assert life.read_reporter_ref(session, incident.id, "admin") == "tel-0042"
        life.change_status(session, incident.id, "resolu", "securite", "Calme revenu")
        life.change_status(session, incident.id, "clos", "admin")
        trail = life.timeline(session, incident.id)
        assert incident.acknowledged_at is not None
        assert incident.assignee == "Police municipale – Audincourt"
    assert [(e["actor"], e["action"]) for e in trail] == [
        ("test", "creation"),
        ("securite", "statut"),
        ("securite", "affectation"),
        ("operateur", "commentaire"),
        ("securite", "statut"),
        ("admin", "lecture_signalant"),
        ("securite", "statut"),
        ("admin", "statut"),
    ]
    assert trail[2]["detail"] == "Police municipale – Audincourt"
    assert trail[3]["comment"] == "Patrouille prévenue"
    assert trail[6]["comment"] == "Calme revenu"
    assert [e["to_status"] for e in trail if e["action"] == "statut"] == [
        "pris_en_compte",
        "en_intervention",
        "resolu",
        "clos",
    ]
    assert all(e["at"].tzinfo is not None for e in trail)


def test_a_closed_incident_cannot_be_assigned_or_commented_empty(database):
    with database.session() as session:
        incident = new_incident(session)
        put_in(session, incident, "clos")
        with pytest.raises(life.TransitionRefused, match="affectation"):
            life.assign(session, incident.id, "PMA – Voirie", "securite")
        with pytest.raises(life.TransitionRefused, match="vide"):
            life.add_comment(session, incident.id, "  ", "securite")


def test_overdue_incidents_follow_the_targets_by_severity(database):
    targets = life.ack_targets({"INCIDENT_ACK_TARGETS": "critique=5, faible=60"})
    assert targets["critique"] == timedelta(minutes=5)
    assert targets["elevee"] == timedelta(minutes=30)  # default kept
    now = utcnow()
    with database.session() as session:
        late = new_incident(session, "critique", now - timedelta(minutes=10))
        new_incident(session, "faible", now - timedelta(minutes=10))
        acked = new_incident(session, "critique", now - timedelta(minutes=10))
        life.change_status(session, acked.id, "pris_en_compte", "securite")
        before = life.count_overdue(session, targets, now - timedelta(minutes=6))
        assert life.count_overdue(session, targets, now) - before == 1
        assert life.is_overdue(late, targets, now)
        assert not life.is_overdue(acked, targets, now)
    with pytest.raises(ValueError, match="INCIDENT_ACK_TARGETS"):
        life.ack_targets({"INCIDENT_ACK_TARGETS": "urgent=3"})
