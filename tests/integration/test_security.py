"""Login rate limit, CSRF on every form and callback, cookies, SECRET_KEY, headers."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from services.config import ConfigError
from services.users import create_token, create_user
from tests.conftest import login, make_app
from tests.integration.test_vigilance_api import report


def plain_client(app) -> FlaskClient:
    """A client that never sends X-CSRFToken (a forged cross-site request)."""
    return FlaskClient(app.server, app.server.response_class, use_cookies=True)


def csrf_cookie(client) -> str:
    return client.get_cookie("_csrf_token").value


def shell_callback(headers=None):
    body = {
        "output": "app-freshness.children",
        "outputs": {"id": "app-freshness", "property": "children"},
        "inputs": [{"id": "app-clock", "property": "n_intervals", "value": 1}],
        "changedPropIds": ["app-clock.n_intervals"],
    }
    return {"json": body, "headers": headers or {}}


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name)]


# -- rate limit -----------------------------------------------------------------


def test_failed_logins_are_limited_per_ip_with_a_french_page(sqlite_url):
    app = make_app(sqlite_url, LOGIN_RATE_LIMIT="3 per minute")
    client = app.server.test_client()
    for _ in range(3):
        assert login(client, "admin", "mauvais").status_code == 401
    blocked = login(client, "admin", "demo")  # even the right password waits
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    other_ip = app.server.test_client()
    other_ip.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(other_ip, "admin").status_code == 302


def test_the_default_limit_is_ten_failures_a_minute_and_successes_do_not_count(app):
    client = app.server.test_client()
    for _ in range(12):  # agents logging in and out all day are never blocked
        assert login(client, "operateur").status_code == 302
        client.post("/logout")
    for _ in range(10):
        assert login(client, "operateur", "mauvais").status_code == 401
    assert login(client, "operateur").status_code == 429


# -- CSRF -----------------------------------------------------------------------


def test_a_wrong_login_csrf_token_is_refused(client):
    client.get("/login")
    response = client.post(
        "/login", data={"username": "admin", "password": "demo", "csrf_token": "x"}
    )
    assert response.status_code == 401
    assert "expiré" in response.get_data(as_text=True)


def test_callbacks_need_the_csrf_header_from_the_cookie(app):
    client = plain_client(app)
    assert login(client, "operateur").status_code == 302
    token = csrf_cookie(client)
    url = "/_dash-update-component"
    refused = client.post(url, **shell_callback())
    assert refused.status_code == 403
    assert "CSRF" in refused.get_json()["error"]
    assert client.post(url, **shell_callback({"X-CSRFToken": "x"})).status_code == 403
    accepted = client.post(url, **shell_callback({"X-CSRFToken": token}))
    assert accepted.status_code == 200
    assert "app-freshness" in accepted.get_json()["response"]


def test_another_sessions_token_is_refused(app):
    mallory = plain_client(app)
    assert login(mallory, "elu").status_code == 302
    victim = plain_client(app)
    assert login(victim, "admin").status_code == 302
    forged = shell_callback({"X-CSRFToken": csrf_cookie(mallory)})
    assert victim.post("/_dash-update-component", **forged).status_code == 403


def test_logout_by_post_needs_the_csrf_header(app):
    client = plain_client(app)
    login(client, "operateur")
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200  # still logged in
    response = client.post("/logout", headers={"X-CSRFToken": csrf_cookie(client)})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_session_writes_to_the_api_need_csrf_but_bearer_tokens_do_not(app, database):
    client = plain_client(app)
    login(client, "admin")
    refused = client.post("/api/v1/incidents", json=report())
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["error"]
    with database.session() as session:
        token = create_token(session, "source", "incidents")
    source_app = plain_client(app)  # no session, no cookie: the token alone
    created = source_app.post(
        "/api/v1/incidents",
        json=report(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201


# -- cookies, SECRET_KEY --------------------------------------------------------


def test_demo_cookies_are_httponly_and_samesite(app):
    client = plain_client(app)
    response = login(client, "admin")
    session_cookie = set_cookie_headers(response, "session=")[0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # the demo runs on plain http
    csrf = set_cookie_headers(response, "_csrf_token=")[0]
    assert "HttpOnly" not in csrf  # dash-renderer reads it, by design
    assert "SameSite=Strict" in csrf


def test_production_cookies_are_secure(sqlite_url):
    app = make_app(
        sqlite_url,
        HYPERVISION_ENV="production",
        SECRET_KEY="k" * 64,
        AUTO_MIGRATE=True,
    )
    database = app.server.extensions["hypervision_db"]
    with database.session() as session:
        create_user(session, "chef", "admin", "un-long-mot-de-passe")
    client = plain_client(app)
    assert login(client, "admin").status_code == 401  # no demo account
    response = login(client, "chef", "un-long-mot-de-passe")
    assert response.status_code == 302
    for name in ("session=", "_csrf_token="):
        cookie = set_cookie_headers(response, name)[0]
        assert "Secure" in cookie, cookie
    assert "HttpOnly" in set_cookie_headers(response, "session=")[0]


def test_production_refuses_to_start_without_secret_key(sqlite_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(sqlite_url, HYPERVISION_ENV="production", SECRET_KEY=None)
    first = make_app(sqlite_url, SECRET_KEY=None)
    second = make_app(sqlite_url, SECRET_KEY=None)
    keys = {first.server.secret_key, second.server.secret_key}
    assert len(keys) == 2 and all(len(k) >= 32 for k in keys)  # random in demo


# -- headers --------------------------------------------------------------------


def test_security_headers_and_a_csp_without_outside_origins(client):
    response = client.get("/login")
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    policy = dict(
        part.strip().split(" ", 1)
        for part in headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert re.fullmatch(r"'self'( 'sha256-[A-Za-z0-9+/=]+')+", policy["script-src"])
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert "http" not in headers["Content-Security-Policy"]  # nothing from outside
    assert "Content-Security-Policy" in client.get("/healthz").headers


def test_the_optional_tile_server_is_allowed_for_images_only(sqlite_url):
    app = make_app(sqlite_url, TILE_URL="https://{s}.tuiles.example.fr/{z}/{x}/{y}.png")
    policy = app.server.test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tuiles.example.fr;" in policy
    assert policy.count("tuiles.example.fr") == 1


def test_behind_a_trusted_proxy_each_client_ip_has_its_own_limit(sqlite_url):
    app = make_app(sqlite_url, LOGIN_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    first, second = app.server.test_client(), app.server.test_client()
    first.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
    second.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.6"
    for _ in range(2):
        assert login(first, "admin", "mauvais").status_code == 401
    assert login(first, "admin").status_code == 429
    assert login(second, "admin").status_code == 302  # same proxy, other client


def test_a_logout_link_asks_and_only_the_posted_form_ends_the_session(app):
    client = plain_client(app)
    login(client, "operateur")
    page = client.get("/logout")  # a cross-site link or image lands here
    assert page.status_code == 200 and "Se déconnecter ?" in page.text
    assert client.get("/").status_code == 200  # still logged in
    refused = client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302
