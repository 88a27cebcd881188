"""The login and logout views: rate-limited, audited, CSRF-checked login form."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from flask import Flask, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from db.engine import get_session
from db.models import User
from services import audit
from services.access import ROLE_LABELS, can_open, home_page
from services.csrf import CSRF_COOKIE
from services.users import authenticate


def install(server: Flask, settings: dict) -> None:
    """Add /login (failed attempts limited per client IP) and /logout."""
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
    """Audit a blocked attempt, once a minute per IP: a flood adds no rows."""
    session = get_session()
    ip = _client_ip()
    if not audit.recent(session, audit.LOGIN_BLOCKED, ip, timedelta(minutes=1)):
        audit.record(session, audit.LOGIN_BLOCKED, source_ip=ip)
        session.commit()


def _too_many_attempts(_error):
    return render_template("too_many.html"), 429


def logout_view():
    if request.method != "POST":  # a link or an image must not end a session
        return render_template("logout.html", csrf_token=generate_csrf())
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
