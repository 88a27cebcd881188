"""HTTP API: /healthz (public) and /api/v1/bins (session or Bearer token)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from db.engine import get_db, get_session
from services.access import can_open
from services.bins import KIND_LABELS, BinFilter, Thresholds, get_bin, list_bins
from services.health import health

DEFAULT_LIMIT = 2000
MAX_LIMIT = 10_000

api = Blueprint("api", __name__)


def init_app(server) -> None:
    from services.api_incidents import incidents_api

    server.register_blueprint(api)
    server.register_blueprint(incidents_api)


def _settings() -> dict:
    return current_app.config["HYPERVISION"]


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _serialise(item: dict) -> dict:
    """The contract's bin item: internal ids stay inside."""
    return {key: _iso(value) for key, value in item.items() if key != "id"}


def _may_read_bins():
    """Session users with the waste pages, or tokens of scope `read`."""
    if current_user.is_authenticated:
        return can_open(current_user.role, "/dechets")
    return g.get("api_scope") == "read"


def _error(status: int, field: str, message: str):
    return jsonify({"errors": [{"field": field, "message": message}]}), status


@api.get("/healthz")
def healthz():
    settings = _settings()
    document = health(get_db(), mqtt_enabled=bool(settings["MQTT_URL"]))
    return jsonify(document), 200 if document["db"] else 503


@api.get("/api/v1/bins")
def bins_index():
    if not _may_read_bins():
        return jsonify({"error": "accès refusé"}), 403
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return _error(400, "limit", "limit et offset doivent être des entiers")
    if not 1 <= limit <= MAX_LIMIT:
        return _error(400, "limit", f"limit doit être entre 1 et {MAX_LIMIT}")
    if offset < 0:
        return _error(400, "offset", "offset doit être positif ou nul")
    kind = request.args.get("kind") or None
    if kind and kind not in KIND_LABELS:
        return _error(400, "kind", f"type de bac inconnu : {kind}")
    filters = BinFilter(commune=request.args.get("commune") or None, kind=kind)
    items, total = list_bins(
        get_session(),
        filters,
        limit=limit,
        offset=offset,
        thresholds=Thresholds.from_config(_settings()),
    )
    next_url = None
    if offset + len(items) < total:
        params = {k: v for k, v in request.args.items() if k not in ("limit", "offset")}
        params.update(limit=limit, offset=offset + limit)
        next_url = f"{request.path}?{urlencode(params)}"
    return jsonify(
        {"items": [_serialise(i) for i in items], "total": total, "next": next_url}
    )


@api.get("/api/v1/bins/<code>")
def bins_show(code: str):
    if not _may_read_bins():
        return jsonify({"error": "accès refusé"}), 403
    item = get_bin(get_session(), code, Thresholds.from_config(_settings()))
    if item is None:
        return jsonify({"error": f"bac inconnu : {code}"}), 404
    return jsonify(_serialise(item))
