"""The incident lifecycle, enforced on the server, and its audit trail.

nouveau -> pris_en_compte -> en_intervention -> resolu -> clos, plus rejete and
doublon (linked to the original). Every change, comment, assignment and read of a
reporter reference is an IncidentEvent.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import Incident, IncidentEvent
from db.types import utcnow
from services.incidents import SEVERITIES

STATUSES = {
    "nouveau": "Nouveau",
    "pris_en_compte": "Pris en compte",
    "en_intervention": "En intervention",
    "resolu": "Résolu",
    "clos": "Clos",
    "rejete": "Rejeté",
    "doublon": "Doublon",
}
TRANSITIONS: dict[str, frozenset[str]] = {
    "nouveau": frozenset({"pris_en_compte", "rejete", "doublon"}),
    "pris_en_compte": frozenset({"en_intervention", "resolu", "rejete", "doublon"}),
    "en_intervention": frozenset({"resolu"}),
    "resolu": frozenset({"clos", "en_intervention"}),
    "clos": frozenset(),
    "rejete": frozenset(),
    "doublon": frozenset(),
}
OPEN_STATUSES = ("nouveau", "pris_en_compte", "en_intervention")
# Minutes to acknowledge, by severity; INCIDENT_ACK_TARGETS="critique=10,..." overrides.
DEFAULT_ACK_TARGETS = {"critique": 15, "elevee": 30, "moyenne": 120, "faible": 1440}
AGGLOMERATION_SERVICES = (
    "PMA – Coordination sécurité",
    "PMA – Propreté urbaine",
    "PMA – Voirie",
    "Sapeurs-pompiers (SDIS 25)",
)


class TransitionRefused(ValueError):
    """An action the lifecycle does not allow, with a French reason."""


def ack_targets(settings: dict | None = None) -> dict[str, timedelta]:
    """Time-to-acknowledge targets by severity (settings, then environment)."""
    raw = (settings or {}).get("INCIDENT_ACK_TARGETS") or os.environ.get(
        "INCIDENT_ACK_TARGETS", ""
    )
    minutes = dict(DEFAULT_ACK_TARGETS)
    for part in filter(None, (p.strip() for p in str(raw).split(","))):
        key, _, value = part.partition("=")
        if key.strip() not in SEVERITIES or not value.strip().isdigit():
            raise ValueError(f"INCIDENT_ACK_TARGETS illisible : {part!r}")
        minutes[key.strip()] = int(value)
    return {key: timedelta(minutes=value) for key, value in minutes.items()}


def overdue_condition(targets: dict[str, timedelta], now: datetime):
    """SQL: still `nouveau` past its severity's time-to-acknowledge target."""
    return and_(
        Incident.status == "nouveau",
        or_(
            *(
                and_(Incident.severity == sev, Incident.created_at < now - delay)
                for sev, delay in targets.items()
            )
        ),
    )


def count_overdue(session: Session, targets, now: datetime | None = None) -> int:
    now = now or utcnow()
    return session.scalar(select(func.count()).where(overdue_condition(targets, now)))


def is_overdue(incident: Incident, targets, now: datetime | None = None) -> bool:
    now = now or utcnow()
    target = targets.get(incident.severity)
    return (
        incident.status == "nouveau"
        and target is not None
        and incident.created_at < now - target
    )


def _event(session, incident, actor, action, now, **fields) -> IncidentEvent:
    event = IncidentEvent(
        incident_id=incident.id, at=now, actor=actor[:100], action=action, **fields
    )
    session.add(event)
    return event


def _get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise TransitionRefused(f"incident inconnu : {incident_id}")
    return incident


def change_status(
    session: Session,
    incident_id: int,
    to_status: str,
    actor: str,
    comment: str | None = None,
    duplicate_of: int | None = None,
    now: datetime | None = None,
) -> Incident:
    """Move an incident along the lifecycle or raise TransitionRefused."""
    now = now or utcnow()
    incident = _get(session, incident_id)
    if to_status not in STATUSES:
        raise TransitionRefused(f"statut inconnu : {to_status}")
    if to_status not in TRANSITIONS[incident.status]:
        raise TransitionRefused(
            f"transition interdite : {STATUSES[incident.status]} → "
            f"{STATUSES[to_status]}"
        )
    detail = None
    if to_status == "doublon":
        original = session.get(Incident, duplicate_of) if duplicate_of else None
        if original is None or original.id == incident.id:
            raise TransitionRefused("doublon : l'incident d'origine est obligatoire")
        if original.status == "doublon":
            raise TransitionRefused("doublon : l'origine est elle-même un doublon")
        incident.duplicate_of_id = original.id
        detail = f"doublon de l'incident {original.id}"
    elif duplicate_of is not None:
        raise TransitionRefused("seul le statut doublon désigne un incident d'origine")
    if incident.acknowledged_at is None and incident.status == "nouveau":
        incident.acknowledged_at = now
    _event(
        session,
        incident,
        actor,
        "statut",
        now,
        from_status=incident.status,
        to_status=to_status,
        detail=detail,
        comment=comment or None,
    )
    incident.status, incident.updated_at = to_status, now
    session.flush()
    return incident


def assign(
    session: Session,
    incident_id: int,
    assignee: str,
    actor: str,
    comment: str | None = None,
    now: datetime | None = None,
) -> Incident:
    """Give an open incident to a commune's police or an agglomeration service."""
    now = now or utcnow()
    incident = _get(session, incident_id)
    if incident.status not in OPEN_STATUSES:
        raise TransitionRefused(
            f"affectation impossible : incident {STATUSES[incident.status].lower()}"
        )
    assignee = (assignee or "").strip()
    if not assignee or len(assignee) > 120:
        raise TransitionRefused("affectation : service ou police municipale attendu")
    _event(
        session, incident, actor, "affectation", now, detail=assignee, comment=comment
    )
    incident.assignee, incident.updated_at = assignee, now
    session.flush()
    return incident


def add_comment(
    session: Session, incident_id: int, comment: str, actor: str, now=None
) -> IncidentEvent:
    comment = (comment or "").strip()
    if not comment:
        raise TransitionRefused("commentaire vide")
    now = now or utcnow()
    incident = _get(session, incident_id)
    incident.updated_at = now
    return _event(session, incident, actor, "commentaire", now, comment=comment[:2000])


def read_reporter_ref(
    session: Session, incident_id: int, actor: str, now=None
) -> str | None:
    """The reporter reference; every read is written to the audit trail."""
    now = now or utcnow()
    incident = _get(session, incident_id)
    _event(session, incident, actor, "lecture_signalant", now)
    return incident.reporter_ref


def timeline(session: Session, incident_id: int) -> list[dict]:
    rows = session.scalars(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "detail": e.detail,
            "comment": e.comment,
        }
        for e in rows
    ]


def assignee_options(commune_names: list[str]) -> list[str]:
    """Agglomeration services, then each commune's municipal police."""
    return list(AGGLOMERATION_SERVICES) + [
        f"Police municipale – {name}" for name in sorted(commune_names)
    ]
