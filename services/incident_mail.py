"""E-mail notification of new high-severity incidents through SMTP_URL.

SMTP_URL: `smtp://[user:pass@]host[:port]` (`smtps://` for TLS on connect,
`?starttls=1` to upgrade); INCIDENT_MAIL_TO: comma-separated recipients;
INCIDENT_MAIL_FROM: sender. Messages carry no personal data (no free text, no
reporter reference). Each incident is mailed once: the sending is in its trail.
"""

from __future__ import annotations

import os
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import exists, select

from db.engine import Database
from db.models import Commune, Incident, IncidentEvent
from db.types import utcnow
from services.incidents import CATEGORIES, HIGH_SEVERITIES, SEVERITIES

ACTION = "notification_mail"
LOOKBACK = timedelta(hours=24)


def _setting(settings: dict | None, key: str, default=None):
    return (settings or {}).get(key) or os.environ.get(key) or default


def _send(url: str, message: EmailMessage) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP_URL : schéma smtp:// ou smtps:// attendu, pas {url!r}")
    secure = parsed.scheme == "smtps"
    port = parsed.port or (465 if secure else 25)
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client_class(parsed.hostname, port, timeout=10) as client:
        if parse_qs(parsed.query).get("starttls") == ["1"]:
            client.starttls()
        if parsed.username:
            client.login(unquote(parsed.username), unquote(parsed.password or ""))
        client.send_message(message)


def mail_configured(settings: dict | None = None) -> bool:
    return bool(
        _setting(settings, "SMTP_URL") and _setting(settings, "INCIDENT_MAIL_TO")
    )


def notify_new_incidents(database: Database, settings: dict | None = None) -> str:
    """Mail each new high-severity incident of the last 24 h not mailed yet."""
    url = _setting(settings, "SMTP_URL")
    recipients = [
        r.strip()
        for r in str(_setting(settings, "INCIDENT_MAIL_TO", "")).split(",")
        if r.strip()
    ]
    if not url or not recipients:
        return "messagerie non configurée (SMTP_URL, INCIDENT_MAIL_TO)"
    sender = _setting(settings, "INCIDENT_MAIL_FROM", "hyperviseur@localhost")
    now = utcnow()
    mailed = (
        select(IncidentEvent.id)
        .where(IncidentEvent.incident_id == Incident.id)
        .where(IncidentEvent.action == ACTION)
    )
    sent = 0
    with database.session() as session:
        rows = session.execute(
            select(Incident, Commune.name)
            .join(Commune, Commune.insee == Incident.commune_insee)
            .where(
                Incident.severity.in_(HIGH_SEVERITIES),
                Incident.created_at >= now - LOOKBACK,
                ~exists(mailed),
            )
            .order_by(Incident.id)
        ).all()
    for incident, commune in rows:
        _send(url, _message(incident, commune, sender, recipients))
        with database.session() as session:
            session.add(
                IncidentEvent(
                    incident_id=incident.id,
                    at=utcnow(),
                    actor="messagerie",
                    action=ACTION,
                    detail=f"{len(recipients)} destinataire(s)",
                )
            )
        sent += 1
    return f"{sent} incidents notifiés par e-mail"


def _message(incident: Incident, commune: str, sender: str, recipients) -> EmailMessage:
    category = CATEGORIES.get(incident.category, incident.category)
    severity = SEVERITIES.get(incident.severity, incident.severity)
    message = EmailMessage()
    message["Subject"] = f"[Vigilance] {category} ({severity.lower()}) à {commune}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(
        f"Nouvel incident n° {incident.id}\n"
        f"Catégorie : {category}\nGravité : {severity}\nCommune : {commune}\n"
        f"Signalé le : {incident.ts.isoformat()}\nStatut : {incident.status}\n\n"
        "Détails sur /vigilance (réservé aux personnes habilitées).\n"
    )
    return message
