"""The security audit log: who logged in, who failed, who changed users and tokens.

Callers add an event to their own session and commit with the change it records,
so a user or token change and its audit line are stored together or not at all.
Passwords and tokens are never written here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import SecurityEvent
from db.types import utcnow

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_BLOCKED = "login_blocked"
LOGOUT = "logout"
USER_CREATED = "user_created"
ROLE_CHANGED = "role_changed"
PASSWORD_CHANGED = "password_changed"
USER_DISABLED = "user_disabled"
USER_ENABLED = "user_enabled"
TOKEN_CREATED = "token_created"
TOKEN_REVOKED = "token_revoked"

EVENT_LABELS = {
    LOGIN: "connexion",
    LOGIN_FAILED: "échec de connexion",
    LOGIN_BLOCKED: "connexion bloquée (trop d'essais)",
    LOGOUT: "déconnexion",
    USER_CREATED: "utilisateur créé",
    ROLE_CHANGED: "rôle modifié",
    PASSWORD_CHANGED: "mot de passe changé",
    USER_DISABLED: "utilisateur désactivé",
    USER_ENABLED: "utilisateur réactivé",
    TOKEN_CREATED: "jeton créé",
    TOKEN_REVOKED: "jeton révoqué",
}


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else str(value)[:size]


def record(
    session: Session,
    event: str,
    *,
    actor: str | None = None,
    target: str | None = None,
    source_ip: str | None = None,
    detail: str | None = None,
) -> SecurityEvent:
    """Add one event to `session` (the caller commits)."""
    if event not in EVENT_LABELS:
        raise ValueError(f"événement d'audit inconnu : {event}")
    row = SecurityEvent(
        event=event,
        actor=_clip(actor, 100),
        target=_clip(target, 100),
        source_ip=_clip(source_ip, 45),
        detail=_clip(detail, 200),
    )
    session.add(row)
    return row


def recent(session: Session, event: str, source_ip: str | None, within) -> bool:
    """True when `event` was recorded from `source_ip` in the last `within`."""
    found = session.scalar(
        select(SecurityEvent.id)
        .where(
            SecurityEvent.event == event,
            SecurityEvent.source_ip == source_ip,
            SecurityEvent.at >= utcnow() - within,
        )
        .limit(1)
    )
    return found is not None


def latest_events(session: Session, limit: int = 200) -> list[dict]:
    """The most recent events, newest first, as /admin shows them."""
    rows = session.scalars(
        select(SecurityEvent)
        .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
        .limit(limit)
    )
    return [
        {
            "at": row.at,
            "event": row.event,
            "label": EVENT_LABELS.get(row.event, row.event),
            "actor": row.actor or "",
            "target": row.target or "",
            "source_ip": row.source_ip or "",
            "detail": row.detail or "",
        }
        for row in rows
    ]
