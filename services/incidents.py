"""Incident intake: the nomenclature and the one validation used by every channel.

MQTT reports, `POST /api/v1/incidents` and the operator form on /vigilance all go
through `validate_report` (French field errors) and `store_incident` (a report_id
already received gives back the existing incident).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Incident, IncidentEvent
from db.types import utcnow
from services.decoders import PayloadError, parse_timestamp

CATEGORIES = {
    "comportement_suspect": "Comportement suspect",
    "cambriolage": "Cambriolage",
    "vandalisme_degradation": "Vandalisme / dégradation",
    "depot_sauvage": "Dépôt sauvage",
    "objet_abandonne": "Objet abandonné",
    "danger_voie": "Danger sur la voie",
    "incendie": "Incendie",
    "tapage": "Tapage",
    "autre": "Autre",
}
CATEGORY_ALIASES = {
    "vandalisme": "vandalisme_degradation",
    "degradation": "vandalisme_degradation",
    "vandalisme_degradation": "vandalisme_degradation",
    "danger_sur_la_voie": "danger_voie",
}
SEVERITIES = {
    "faible": "Faible",
    "moyenne": "Moyenne",
    "elevee": "Élevée",
    "critique": "Critique",
}
_SEV_LIST = ", ".join(SEVERITIES)
HIGH_SEVERITIES = ("elevee", "critique")
DEFAULT_SEVERITY = {
    "incendie": "critique",
    "danger_voie": "elevee",
    "cambriolage": "elevee",
    "comportement_suspect": "moyenne",
    "objet_abandonne": "moyenne",
    "vandalisme_degradation": "moyenne",
}
MAX_DESCRIPTION = 2000
MAX_REPORTER_REF = 128
_TEXT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_SOURCE = re.compile(r"^[a-z0-9_.-]{1,64}$")
# Control characters (tab and line breaks allowed): PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LAT_RANGE, LON_RANGE = (-90.0, 90.0), (-180.0, 180.0)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


class ReportRefused(Exception):
    """A report refused with its field errors."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field} : {e.message}" for e in errors))
        self.errors = errors


def _slug(value: str) -> str:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def normalise_category(value: Any) -> str | None:
    """The nomenclature key for a key, a label or a known alias, else None."""
    if not isinstance(value, str):
        return None
    slug = _slug(value)
    if slug in CATEGORIES:
        return slug
    if slug in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[slug]
    for key, label in CATEGORIES.items():
        if _slug(label) == slug:
            return key
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return value if value == value and abs(value) != float("inf") else None


def _optional_text(data, name, limit, errors) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.append(FieldError(name, "texte attendu"))
        return None
    value = value.strip()
    if len(value) > limit:
        errors.append(FieldError(name, f"trop long ({limit} caractères au plus)"))
    elif problem := _unstorable(value):
        errors.append(FieldError(name, problem))
    return value or None


def _unstorable(text: str) -> str | None:
    """Why a text cannot be stored as is, or None.

    JSON may carry a lone surrogate ("\\ud800") or a NUL: neither can be written
    to the database, and a report that fails at commit would block its batch.
    """
    if _CONTROL.search(text):
        return "caractère de contrôle interdit"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "texte Unicode invalide (caractère de substitution isolé)"
    return None


def validate_report(
    data: Any, territory, now: datetime | None = None, default_source: str = "api"
) -> dict:
    """A clean report from raw input, or ReportRefused with every field error.

    `territory` locates the commune (services.geo.Territory): a position outside
    the agglomeration is refused.
    """
    now = now or utcnow()
    if not isinstance(data, dict):
        raise ReportRefused([FieldError("body", "objet JSON attendu")])
    errors: list[FieldError] = []
    report_id = data.get("report_id")
    if report_id is None or report_id == "":
        errors.append(FieldError("report_id", "obligatoire"))
    elif not isinstance(report_id, str) or not _TEXT_ID.fullmatch(report_id):
        errors.append(
            FieldError(
                "report_id",
                "identifiant invalide (1 à 64 lettres, chiffres, . _ : -)",
            )
        )
    ts = None
    if data.get("ts") is None:
        errors.append(FieldError("ts", "obligatoire"))
    else:
        try:
            ts = parse_timestamp(data["ts"], now)
        except PayloadError as error:
            errors.append(FieldError("ts", str(error)))
    category = normalise_category(data.get("category"))
    if data.get("category") is None:
        errors.append(FieldError("category", "obligatoire"))
    elif category is None:
        errors.append(
            FieldError(
                "category",
                "catégorie inconnue (attendues : " + ", ".join(CATEGORIES) + ")",
            )
        )
    severity = data.get("severity")
    if severity is None or severity == "":
        severity = DEFAULT_SEVERITY.get(category or "", "faible")
    elif not isinstance(severity, str) or _slug(severity) not in SEVERITIES:
        errors.append(
            FieldError("severity", "gravité inconnue (attendues : " + _SEV_LIST + ")")
        )
    else:
        severity = _slug(severity)
    description = _optional_text(data, "description", MAX_DESCRIPTION, errors)
    reporter_ref = _optional_text(data, "reporter_ref", MAX_REPORTER_REF, errors)
    source = data.get("source") or default_source
    if not isinstance(source, str) or not _SOURCE.fullmatch(source):
        errors.append(
            FieldError("source", "source invalide (minuscules, chiffres, _ . -)")
        )
    position = {}
    for name, (low, high) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        if data.get(name) is None:
            errors.append(FieldError(name, "obligatoire"))
            continue
        value = _number(data[name])
        if value is None:
            errors.append(FieldError(name, "nombre attendu"))
        elif not low <= value <= high:
            errors.append(FieldError(name, f"hors limites ({low} à {high})"))
        else:
            position[name] = value
    commune = None
    if len(position) == 2:
        commune = territory.locate(position["lat"], position["lon"])
        if commune is None:
            errors.append(
                FieldError(
                    "lat",
                    "position hors du territoire de Pays de Montbéliard Agglomération",
                )
            )
    if errors:
        raise ReportRefused(errors)
    return {
        "report_id": report_id,
        "ts": ts,
        "category": category,
        "severity": severity,
        "description": description,
        "lat": position["lat"],
        "lon": position["lon"],
        "commune_insee": commune,
        "source": source,
        "reporter_ref": reporter_ref,
    }


def find_by_report_id(session: Session, report_id: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.report_id == report_id))


def store_incident(
    session: Session, report: dict, actor: str, now: datetime | None = None
) -> tuple[Incident, bool]:
    """Insert a validated report; (incident, created). A known report_id is kept."""
    existing = find_by_report_id(session, report["report_id"])
    if existing is not None:
        return existing, False
    now = now or utcnow()
    incident = Incident(**report, status="nouveau", created_at=now, updated_at=now)
    session.add(incident)
    session.flush()
    session.add(
        IncidentEvent(
            incident_id=incident.id,
            at=now,
            actor=actor[:100],
            action="creation",
            to_status="nouveau",
            detail=f"source {report['source']}"[:200],
        )
    )
    return incident, True
