"""The server-side guard in front of pages, callbacks and the API.

Login and logout live in services.login_views; CSRF checks in services.csrf: every
state-changing request of a session other than the login form (Dash callbacks,
POST /logout, session POSTs to /api/) must carry the X-CSRFToken header.
"""

from __future__ import annotations

import json

from flask import (
    Flask,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from db.engine import get_session
from db.models import User
from services import csrf, login_views
from services.access import can_open, home_page, page_for_component
from services.login_views import SessionUser, current_role
from services.users import find_token

PUBLIC_PREFIXES = (
    "/login",
    "/healthz",
    "/opendata",
    "/assets/",
    "/_dash-component-suites/",
    "/_favicon.ico",
    "/favicon.ico",
)
DASH_DATA_ROUTES = ("/_dash-layout", "/_dash-dependencies", "/_reload-hash")
CALLBACK_ROUTE = "/_dash-update-component"
PAGES_ROUTER_IDS = {"_pages_content", "_pages_store"}


def init_app(server: Flask, settings: dict) -> None:
    """Install the login manager, the rate-limited login views and the guard."""
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str):
        user = get_session().get(User, int(user_id))
        return SessionUser(user) if user is not None and user.active else None

    proxies = settings["TRUSTED_PROXIES"]
    if proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies)
    login_views.install(server, settings)
    server.before_request(guard_request)
    server.after_request(csrf.set_csrf_cookie)


__all__ = ["SessionUser", "current_role", "guard_request", "init_app"]


def _bearer_token():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return find_token(get_session(), header.removeprefix("Bearer ").strip())


def _callback_pages(body: dict) -> list[str]:
    """The page paths a Dash callback request touches (outputs and router path)."""
    outputs = body.get("outputs") or []
    outputs = outputs if isinstance(outputs, list) else [outputs]
    ids = []
    for output in outputs:
        ids.extend(output if isinstance(output, list) else [output])
    pages = []
    for output in ids:
        component = output.get("id") if isinstance(output, dict) else None
        if isinstance(component, dict):  # pattern-matching id: its type names it
            component = component.get("type")
        if not isinstance(component, str):
            return ["?"]
        if component in PAGES_ROUTER_IDS:
            pages.extend(
                str(item.get("value") or "/")
                for item in body.get("inputs") or []
                if isinstance(item, dict)
                and item.get("id") == "_pages_location"
                and item.get("property") == "pathname"
            )
            continue
        page = page_for_component(component)
        pages.append("?" if page is None else page)
    return pages


def _guard_callback():
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        abort(400)
    role = current_role()
    for page in _callback_pages(body if isinstance(body, dict) else {}):
        if page == "":
            continue
        if page == "?" or not can_open(role, page):
            return jsonify({"error": "accès refusé"}), 403
    return None


def guard_request():
    """Refuse, on the server, whatever the session or token may not see."""
    path = request.path
    if path.startswith(PUBLIC_PREFIXES):
        return None
    if path.startswith("/api/"):
        if current_user.is_authenticated:
            g.api_scope = "session"
            if request.method not in csrf.SAFE_METHODS and not csrf.csrf_header_valid():
                return jsonify({"error": csrf.CSRF_REFUSED}), 403
            return None
        token = _bearer_token()
        if token is None:
            return jsonify({"error": "authentification requise"}), 401
        g.api_scope = token.scope
        get_session().commit()  # keeps last_used_at
        return None
    if not current_user.is_authenticated:
        if path == CALLBACK_ROUTE or path.startswith(DASH_DATA_ROUTES):
            return jsonify({"error": "authentification requise"}), 401
        return redirect(url_for("login", next=request.full_path.rstrip("?")))
    if request.method not in csrf.SAFE_METHODS and not csrf.csrf_header_valid():
        if path == CALLBACK_ROUTE:
            return jsonify({"error": csrf.CSRF_REFUSED}), 403
        abort(403, csrf.CSRF_REFUSED)
    if path == CALLBACK_ROUTE:
        return _guard_callback()
    if path.startswith(DASH_DATA_ROUTES) or path.startswith("/_"):
        return None
    role = current_role()
    if path == "/" and not can_open(role, "/"):
        return redirect(home_page(role))
    if not can_open(role, path):
        return render_template("forbidden.html", home=home_page(role)), 403
    return None
