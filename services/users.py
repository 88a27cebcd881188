"""Users and API tokens: creation, password checks, token lookup."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from db.models import ApiToken, User
from db.types import utcnow
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
    session: Session, username: str, role: str, password: str, *, demo: bool = False
) -> User:
    """Create or update a user; outside demo the password must be long enough."""
    if not demo and len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères minimum)"
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username)
        session.add(user)
    user.role = normalise_role(role)
    user.password_hash = generate_password_hash(password)
    user.active = True
    session.flush()
    return user


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


def create_token(session: Session, name: str, scope: str) -> str:
    """Create a token and return it in clear, the only time it is known."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"portée inconnue : {scope} (attendues : read, incidents)")
    token = "hv_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=hash_token(token), scope=scope))
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
