"""`POST /api/v1/incidents`: source apps report incidents with a Bearer token."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import IntegrityError

from db.engine import get_session
from services.decoders import PayloadError, parse_json_object
from services.geo import Territory, commune_areas
from services.incidents import (
    ReportRefused,
    find_by_report_id,
    store_incident,
    validate_report,
)

# Same limit as an MQTT payload: a report is a few hundred bytes.
MAX_BODY_BYTES = 64 * 1024

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
    # Refused before parsing: by its declared length, or, for a body sent without
    # one (chunked; gunicorn passes it through unbounded), after reading one byte
    # past the limit. Never read whole.
    raw = b""
    if (request.content_length or 0) <= MAX_BODY_BYTES:
        raw = _read_at_most(request.stream, MAX_BODY_BYTES + 1)
    if (request.content_length or 0) > MAX_BODY_BYTES or len(raw) > MAX_BODY_BYTES:
        message = f"corps trop grand (plus de {MAX_BODY_BYTES // 1024} Ko)"
        return _body_error(message, 413)
    data = None  # another media type: refused below as "objet JSON attendu"
    if request.is_json:
        try:  # the MQTT parser: also refuses NaN and JSON nested past recursion
            data = parse_json_object(raw)
        except PayloadError as error:
            return _body_error(error.reason, 400)
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


def _read_at_most(stream, size: int) -> bytes:
    """Up to `size` bytes of a stream (a read may return fewer: loop)."""
    chunks, total = [], 0
    while total < size:
        chunk = stream.read(size - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _body_error(message: str, status: int):
    return jsonify({"errors": [{"field": "body", "message": message}]}), status
