"""`POST /api/v1/incidents`: source apps report incidents with a Bearer token."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError

from db.engine import get_session
from services.geo import Territory, commune_areas
from services.incidents import (
    ReportRefused,
    find_by_report_id,
    store_incident,
    validate_report,
)

incidents_api = Blueprint("incidents_api", __name__)


def territory() -> Territory:
    """The commune boundaries, prepared once per app (they do not change live)."""
    cached = current_app.extensions.get("hypervision_territory")
    if cached is None:
        cached = Territory(commune_areas(get_session()))
        current_app.extensions["hypervision_territory"] = cached
    return cached


@incidents_api.post("/api/v1/incidents")
def incidents_create():
    if g.get("api_scope") != "incidents":
        message = "accès refusé : jeton de portée incidents requis"
        return jsonify({"error": message}), 403
    data = request.get_json(silent=True)
    try:
        report = validate_report(data, territory())
    except ReportRefused as refused:
        return jsonify({"errors": [e.as_dict() for e in refused.errors]}), 400
    session = get_session()
    try:
        incident, created = store_incident(session, report, f"api:{report['source']}")
        session.commit()
    except IntegrityError:  # the same report_id posted twice at the same moment
        session.rollback()
        incident, created = find_by_report_id(session, report["report_id"]), False
    body = {"id": incident.id, "status": incident.status}
    return jsonify(body), 201 if created else 200
