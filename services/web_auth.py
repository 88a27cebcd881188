"""Login, logout and the server-side guard in front of pages, callbacks and the API."""

from __future__ import annotations

import json
from urllib.parse import urlparse

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
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from db.engine import get_session
from db.models import User
from services.access import (
    ROLE_LABELS,
    can_open,
    home_page,
    page_for_component,
)
from services.users import authenticate, find_token

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


def init_app(server: Flask) -> None:
    """Install the login manager, the login views and the request guard."""
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str):
        user = get_session().get(User, int(user_id))
        return SessionUser(user) if user is not None and user.active else None

    server.add_url_rule("/login", "login", login_view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout_view, methods=["GET", "POST"])
    server.before_request(guard_request)
    server.after_request(add_security_headers)


class SessionUser:
    """What Flask-Login keeps of a user: detached from the database session."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.role = user.role

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def get_id(self) -> str:
        return str(self.id)


def current_role() -> str | None:
    """The role of the session user or token (None when anonymous)."""
    if current_user.is_authenticated:
        return current_user.role
    return None


def _safe_next(target: str | None, role: str) -> str:
    """A local path to go to after login; never another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return home_page(role)
    parsed = urlparse(target)
    if parsed.netloc or parsed.scheme or not can_open(role, parsed.path):
        return home_page(role)
    return target


def login_view():
    error = None
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token", ""))
        except ValidationError:
            error = "Le formulaire a expiré, veuillez réessayer."
        else:
            user = authenticate(
                get_session(),
                request.form.get("username", "").strip(),
                request.form.get("password", ""),
            )
            if user is not None:
                login_user(SessionUser(user))
                return redirect(_safe_next(request.args.get("next"), user.role))
            error = "Identifiant ou mot de passe incorrect."
    status = 401 if error else 200
    return render_template(
        "login.html", error=error, csrf_token=generate_csrf()
    ), status


def logout_view():
    logout_user()
    return redirect(url_for("login"))


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


def add_security_headers(response):
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
