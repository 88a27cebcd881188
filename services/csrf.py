"""CSRF protection of a session's state-changing requests other than the login form.

dash-renderer copies the `_csrf_token` cookie into the X-CSRFToken header of its
requests (its defaults, see Dash(csrf_token_name=..., csrf_header_name=...)). This
module sets that cookie, readable by scripts on purpose, for logged-in sessions,
and checks the header. Bearer-token API calls carry no cookie: no CSRF needed.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_REFUSED = "jeton CSRF manquant ou invalide, rechargez la page"


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_header_valid() -> bool:
    """The X-CSRFToken header (Dash) or, for a plain HTML form, its csrf_token."""
    token = request.headers.get(CSRF_HEADER, "")
    if not token and request.mimetype in FORM_TYPES:
        token = request.form.get("csrf_token", "")
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def set_csrf_cookie(response):
    """Give logged-in browsers the CSRF token dash-renderer sends back as a header.

    Only on HTML responses (pages, the login redirect): a page always loads before
    its callbacks, and assets then cost no user lookup.
    """
    if response.status_code >= 500:  # the database may be down: no user lookup
        return response
    if response.mimetype != "text/html" or not current_user.is_authenticated:
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
