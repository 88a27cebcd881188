"""API tokens as /admin shows them: list and revoke (creation is services.users)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ApiToken
from db.types import utcnow
from services import audit


def list_tokens(session: Session) -> list[dict]:
    """Every token, newest first; the secret itself is never known again."""
    rows = session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))
    return [
        {
            "id": t.id,
            "name": t.name,
            "scope": t.scope,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "revoked_at": t.revoked_at,
        }
        for t in rows
    ]


def revoke_token(
    session: Session,
    token_id: int,
    *,
    actor: str = "système",
    source_ip: str | None = None,
) -> ApiToken:
    """Revoke a token at once (audited): the next request with it answers 401."""
    record = session.get(ApiToken, token_id)
    if record is None:
        raise ValueError(f"jeton inconnu : {token_id}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.record(
            session,
            audit.TOKEN_REVOKED,
            actor=actor,
            target=record.name,
            source_ip=source_ip,
            detail=f"jeton n° {record.id}",
        )
    return record
