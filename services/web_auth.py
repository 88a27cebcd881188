"""Login, logout and the server-side guard in front of pages, callbacks and the API.

CSRF: the login form carries a Flask-WTF token; every other state-changing request
of a session (Dash callbacks, POST /logout, session POSTs to /api/) must send the
header X-CSRFToken. dash-renderer reads it from the `_csrf_token` cookie that this
module sets, readable by scripts on purpose, for logged-in sessions. Bearer-token
API calls carry no cookie, so they need no CSRF token.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

from flask import (
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import ValidationError

from db.engine import get_session
from db.models import User
from services import audit
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
# dash-renderer's defaults (Dash(csrf_token_name=..., csrf_header_name=...)).
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_REFUSED = "jeton CSRF manquant ou invalide, rechargez la page"


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
    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=settings["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
    )
    # Only failed attempts count: agents logging in many times a day are never
    # blocked, password guessing is.
    login = limiter.limit(
        settings["LOGIN_RATE_LIMIT"],
        methods=["POST"],
        deduct_when=lambda response: response.status_code != 302,
        on_breach=_login_blocked,
    )(login_view)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout_view, methods=["GET", "POST"])
    server.register_error_handler(429, _too_many_attempts)
    server.before_request(guard_request)
    server.after_request(set_csrf_cookie)


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


def _client_ip() -> str | None:
    return request.remote_addr


def login_view():
    error = None
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token", ""))
        except ValidationError:
            error = "Le formulaire a expiré, veuillez réessayer."
        else:
            error = _check_credentials()
            if error is None:
                return redirect(_safe_next(request.args.get("next"), current_role()))
    status = 401 if error else 200
    return render_template(
        "login.html", error=error, csrf_token=generate_csrf()
    ), status


def _check_credentials() -> str | None:
    """Log the user in (None) or return the error; both outcomes are audited."""
    session = get_session()
    username = request.form.get("username", "").strip()
    user = authenticate(session, username, request.form.get("password", ""))
    if user is None:
        # An unknown name may be a mistyped password: keep only names that exist.
        known = session.scalar(select(User.id).where(User.username == username))
        audit.record(
            session,
            audit.LOGIN_FAILED,
            actor=username if known else None,
            source_ip=_client_ip(),
            detail=None if known else "identifiant inconnu",
        )
        session.commit()
        return "Identifiant ou mot de passe incorrect."
    login_user(SessionUser(user))
    audit.record(session, audit.LOGIN, actor=user.username, source_ip=_client_ip())
    session.commit()
    return None


def _login_blocked(_limit):
    session = get_session()
    audit.record(session, audit.LOGIN_BLOCKED, source_ip=_client_ip())
    session.commit()


def _too_many_attempts(_error):
    return render_template("too_many.html"), 429


def logout_view():
    if current_user.is_authenticated:
        session = get_session()
        audit.record(
            session, audit.LOGOUT, actor=current_user.username, source_ip=_client_ip()
        )
        session.commit()
    logout_user()
    response = redirect(url_for("login"))
    response.delete_cookie(CSRF_COOKIE)
    return response


def _csrf_header_valid() -> bool:
    try:
        validate_csrf(request.headers.get(CSRF_HEADER, ""))
    except ValidationError:
        return False
    return True


def set_csrf_cookie(response):
    """Give logged-in browsers the CSRF token dash-renderer sends back as a header."""
    if not current_user.is_authenticated or request.path.startswith("/api/"):
        return response
    try:
        validate_csrf(request.cookies.get(CSRF_COOKIE, ""))
    except ValidationError:
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=False,  # dash-renderer must read it
            samesite="Strict",
        )
    return response


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
            if request.method not in SAFE_METHODS and not _csrf_header_valid():
                return jsonify({"error": CSRF_REFUSED}), 403
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
    if request.method not in SAFE_METHODS and not _csrf_header_valid():
        if path == CALLBACK_ROUTE:
            return jsonify({"error": CSRF_REFUSED}), 403
        abort(403, CSRF_REFUSED)
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
