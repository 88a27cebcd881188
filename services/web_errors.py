"""The web's answer when the database is down or locked: French 503, no traceback.

Every request may touch the database (Flask-Login loads the user on each one), so
a database outage surfaces anywhere: the page guard, a Dash callback, the API.
Pages get a short French page that retries by itself; Dash callbacks and the API
get a small JSON error the client can show or ignore.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import current_app, jsonify, request
from sqlalchemy import exc

log = logging.getLogger(__name__)

RETRY_AFTER_S = 15
MESSAGE = "Base de données indisponible"
JSON_PREFIXES = ("/_dash-", "/api/", "/healthz")
CALLBACK_ROUTE = "/_dash-update-component"
FALLBACKS = "hypervision_db_down_outputs"
# Connection lost or refused, lock timeout, pool exhausted: the database, not a bug.
UNAVAILABLE = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
)


def database_unavailable(error: Exception):
    """503 in the shape the requester understands."""
    log.warning("%s pour %s : %s", MESSAGE, request.path, str(error).splitlines()[0])
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    path = request.path
    if path == CALLBACK_ROUTE and (fallback := _fallback()) is not None:
        return current_app.response_class(
            fallback(), status=200, mimetype="application/json", headers=headers
        )
    if path.startswith(JSON_PREFIXES):
        body = {"error": MESSAGE, "retry_after_s": RETRY_AFTER_S}
        return jsonify(body), 503, headers
    # Straight from Jinja: Flask's context processors would load the user again
    # (Flask-Login's current_user), that is, query the database that is down.
    template = current_app.jinja_env.get_template("unavailable.html")
    page = template.render(retry_s=RETRY_AFTER_S, path=path)
    return page, 503, headers


def register_fallback(server, output: str, body: Callable[[], str]) -> None:
    """Answer callbacks of `output` ("id.prop") with `body()` while the database
    is down: the shell badge can then say so even though no user can be loaded
    (the answer holds no data, only the outage)."""
    server.extensions.setdefault(FALLBACKS, {})[output] = body


def _fallback() -> Callable[[], str] | None:
    try:
        output = json.loads(request.get_data(cache=True) or b"{}").get("output")
    except (ValueError, AttributeError):
        return None
    return current_app.extensions.get(FALLBACKS, {}).get(output)


def init_app(server) -> None:
    for kind in UNAVAILABLE:
        server.register_error_handler(kind, database_unavailable)
