"""Per-incident deadlines: acknowledge and resolve targets by severity, lateness.

Both deadlines start at reception (`created_at`): a citizen waits from the moment
the report reaches us. An incident is late to acknowledge while still `nouveau`
past its acknowledgement deadline, and late to resolve while open (nouveau, pris
en compte, en intervention) past its resolution deadline. Resolved, closed,
rejected and duplicate incidents are never counted late now.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import Incident
from db.types import utcnow
from services.incident_lifecycle import OPEN_STATUSES, ack_targets, overdue_condition
from services.incidents import SEVERITIES

# Hours to resolve, by severity; INCIDENT_RESOLVE_TARGETS="critique=2,faible=3j"
# overrides some (a bare number is hours; suffixes min, h, j are accepted).
DEFAULT_RESOLVE_TARGETS = {"critique": 4, "elevee": 24, "moyenne": 72, "faible": 168}
_VALUE = re.compile(r"^(\d+)\s*(min|h|j)?$")
_UNITS = {"min": 1, "h": 60, "j": 1440}


def resolve_targets(settings: dict | None = None) -> dict[str, timedelta]:
    """Time-to-resolve targets by severity (settings, then environment)."""
    raw = (settings or {}).get("INCIDENT_RESOLVE_TARGETS") or os.environ.get(
        "INCIDENT_RESOLVE_TARGETS", ""
    )
    minutes = {key: hours * 60 for key, hours in DEFAULT_RESOLVE_TARGETS.items()}
    for part in filter(None, (p.strip() for p in str(raw).split(","))):
        key, _, value = (s.strip() for s in part.partition("="))
        match = _VALUE.fullmatch(value)
        if key not in SEVERITIES or match is None or int(match[1]) == 0:
            raise ValueError(f"INCIDENT_RESOLVE_TARGETS illisible : {part!r}")
        minutes[key] = int(match[1]) * _UNITS[match[2] or "h"]
    return {key: timedelta(minutes=value) for key, value in minutes.items()}


@dataclass(frozen=True)
class Targets:
    """Acknowledge and resolve delays by severity."""

    ack: dict[str, timedelta] = field(default_factory=ack_targets)
    resolve: dict[str, timedelta] = field(default_factory=resolve_targets)


def incident_targets(settings: dict | None = None) -> Targets:
    return Targets(ack_targets(settings), resolve_targets(settings))


def overdue_resolve_condition(targets: dict[str, timedelta], now: datetime):
    """SQL: still open past its severity's time-to-resolve target."""
    return and_(
        Incident.status.in_(OPEN_STATUSES),
        or_(
            *(
                and_(Incident.severity == sev, Incident.created_at < now - delay)
                for sev, delay in targets.items()
            )
        ),
    )


def overdue_any_condition(targets: Targets, now: datetime):
    return or_(
        overdue_condition(targets.ack, now),
        overdue_resolve_condition(targets.resolve, now),
    )


def overdue_counts(session: Session, targets: Targets, now=None) -> dict[str, int]:
    """How many incidents are late to acknowledge, and late to resolve, now."""
    now = now or utcnow()
    count = select(func.count()).select_from(Incident)
    return {
        "ack": session.scalar(count.where(overdue_condition(targets.ack, now))),
        "resolve": session.scalar(
            count.where(overdue_resolve_condition(targets.resolve, now))
        ),
    }


def deadline_state(
    created_at: datetime,
    severity: str,
    status: str,
    targets: Targets,
    now: datetime | None = None,
) -> dict:
    """Both deadlines, the one in view for the status, and how late it is.

    `due` is the acknowledgement deadline for a `nouveau` incident and the
    resolution deadline for one being handled; `late` is how far past a missed
    deadline the incident is (the larger of the two), or None.
    """
    now = now or utcnow()
    ack = targets.ack.get(severity)
    resolve = targets.resolve.get(severity)
    ack_due = created_at + ack if ack is not None else None
    resolve_due = created_at + resolve if resolve is not None else None
    is_open = status in OPEN_STATUSES
    ack_late = (
        now - ack_due if status == "nouveau" and ack_due and now > ack_due else None
    )
    resolve_late = (
        now - resolve_due if is_open and resolve_due and now > resolve_due else None
    )
    if status == "nouveau" and resolve_late is None:
        due, due_kind = ack_due, "prise en compte"
    elif is_open:
        due, due_kind = resolve_due, "résolution"
    else:
        due, due_kind = None, None
    lates = [d for d in (ack_late, resolve_late) if d is not None]
    return {
        "ack_due": ack_due,
        "resolve_due": resolve_due,
        "ack_late": ack_late,
        "resolve_late": resolve_late,
        "due": due,
        "due_kind": due_kind,
        "late": max(lates) if lates else None,
        "remaining": due - now if due and not lates else None,
        "now": now,
    }


def format_delay(delay: timedelta) -> str:
    """French, short, readable from afar: « 25 min », « 2 h 10 », « 3 j 4 h »."""
    minutes = max(int(delay.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} j {hours} h" if hours else f"{days} j"
