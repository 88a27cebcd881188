"""Users and API tokens: creation, password checks, token lookup."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import ApiToken, User
from db.types import utcnow
from services import audit
from services.access import normalise_role

TOKEN_SCOPES = ("read", "incidents")
DEMO_ACCOUNTS = {
    "admin": "admin",
    "operateur": "operator",
    "dechets": "waste_manager",
    "securite": "security_coordinator",
    "elu": "elected_official",
}
DEMO_PASSWORD = "demo"
MIN_PASSWORD_LENGTH = 10


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    demo: bool = False,
    actor: str = "système",
    source_ip: str | None = None,
) -> User:
    """Create or update a user (audited); outside demo the password must be long."""
    if not demo and len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères minimum)"
        )
    role = normalise_role(role)
    user = session.scalar(select(User).where(User.username == username))
    events = []
    if user is None:
        user = User(username=username)
        session.add(user)
        events.append((audit.USER_CREATED, f"rôle {role}"))
    else:
        if user.role != role:
            events.append((audit.ROLE_CHANGED, f"{user.role} → {role}"))
        events.append((audit.PASSWORD_CHANGED, None))
        if not user.active:
            events.append((audit.USER_ENABLED, None))
    user.role = role
    user.password_hash = generate_password_hash(password)
    user.active = True
    for event, detail in events:
        audit.record(
            session,
            event,
            actor=actor,
            target=username,
            source_ip=source_ip,
            detail=detail,
        )
    session.flush()
    return user


def set_role(
    session: Session, username: str, role: str, *, actor: str, source_ip=None
) -> User:
    """Change a user's role (audited)."""
    user = _existing_user(session, username)
    role = normalise_role(role)
    if user.role != role:
        audit.record(
            session,
            audit.ROLE_CHANGED,
            actor=actor,
            target=username,
            source_ip=source_ip,
            detail=f"{user.role} → {role}",
        )
        user.role = role
    session.flush()
    return user


def set_active(
    session: Session, username: str, active: bool, *, actor: str, source_ip=None
) -> User:
    """Disable (the next request of its sessions is anonymous) or re-enable a user."""
    user = _existing_user(session, username)
    if user.active != active:
        event = audit.USER_ENABLED if active else audit.USER_DISABLED
        audit.record(session, event, actor=actor, target=username, source_ip=source_ip)
        user.active = active
    session.flush()
    return user


def _existing_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValueError(f"utilisateur inconnu : {username}")
    return user


def list_users(session: Session) -> list[dict]:
    """Every user for /admin (never the password hash)."""
    rows = session.scalars(select(User).order_by(User.username))
    return [
        {
            "username": u.username,
            "role": u.role,
            "active": u.active,
            "created_at": u.created_at,
        }
        for u in rows
    ]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, else None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        # Same cost as a real check, so timing does not reveal usernames.
        check_password_hash(generate_password_hash("x"), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def ensure_demo_accounts(session: Session) -> None:
    """The contract's demo accounts (demo mode only)."""
    existing = set(session.scalars(select(User.username)))
    for username, role in DEMO_ACCOUNTS.items():
        if username not in existing:
            create_user(session, username, role, DEMO_PASSWORD, demo=True)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    name: str,
    scope: str,
    *,
    actor: str = "système",
    source_ip: str | None = None,
) -> str:
    """Create a token (audited) and return it in clear, the only time it is known."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"portée inconnue : {scope} (attendues : read, incidents)")
    token = "hv_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=hash_token(token), scope=scope))
    audit.record(
        session,
        audit.TOKEN_CREATED,
        actor=actor,
        target=name,
        source_ip=source_ip,
        detail=f"portée {scope}",
    )
    session.flush()
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """The valid (not revoked) token record for a clear token."""
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    )
    if record is None or record.revoked_at is not None:
        return None
    record.last_used_at = utcnow()
    return record
