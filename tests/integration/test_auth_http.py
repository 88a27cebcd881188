"""Login and roles at HTTP level: pages, Dash callbacks and the API."""

from __future__ import annotations

import json

import pytest

from tests.conftest import login

BAC = "/dechets/bac/PAV-25388-0001"
PAGES = ["/", "/dechets", BAC, "/systeme", "/synthese"]
ALLOWED = {
    "admin": {"/", "/dechets", BAC, "/systeme", "/synthese"},
    "operateur": {"/", "/dechets", BAC, "/systeme", "/synthese"},
    "dechets": {"/", "/dechets", BAC, "/synthese"},
    "securite": {"/", "/synthese"},
    "elu": {"/synthese"},
}


def callback_body(output_id: str, prop: str = "children", inputs=None) -> str:
    return json.dumps(
        {
            "output": f"{output_id}.{prop}",
            "outputs": {"id": output_id, "property": prop},
            "inputs": inputs
            or [{"id": "supervision-interval", "property": "n_intervals", "value": 1}],
            "changedPropIds": [],
        }
    )


def router_body(pathname: str) -> str:
    return json.dumps(
        {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": pathname},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "changedPropIds": ["_pages_location.pathname"],
        }
    )


@pytest.mark.parametrize("path", [*PAGES, "/_dash-layout", "/_dash-dependencies"])
def test_anonymous_users_get_nothing_but_the_login(client, path):
    response = client.get(path)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    assert b"supervision-map" not in response.data


def test_anonymous_callback_and_api_requests_are_refused(client):
    response = client.post(
        "/_dash-update-component",
        data=callback_body("supervision-kpis"),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert client.get("/api/v1/bins").status_code == 401


def test_public_routes_answer_without_login(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/assets/vendor/bootstrap/bootstrap.min.css").status_code == 200


@pytest.mark.parametrize("username", ALLOWED)
@pytest.mark.parametrize("path", PAGES)
def test_each_role_reaches_exactly_its_pages(login_as, username, path):
    response = login_as(username).get(path)
    if path in ALLOWED[username]:
        assert response.status_code == 200
    elif path == "/":
        assert response.status_code == 302  # lands on its home page instead
        assert response.headers["Location"].endswith("/synthese")
    else:
        assert response.status_code == 403
        assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "output_id", "allowed"),
    [
        ("dechets", "systeme-status", False),
        ("securite", "dechets-grid", False),
        ("elu", "supervision-kpis", False),
        ("operateur", "supervision-kpis", True),
        ("dechets", "supervision-kpis", True),
        ("elu", "mystery-output", False),
    ],
)
def test_crafted_callback_requests_are_checked_against_the_role(
    login_as, username, output_id, allowed
):
    response = login_as(username).post(
        "/_dash-update-component",
        data=callback_body(output_id),
        content_type="application/json",
    )
    if allowed:
        assert response.status_code in (200, 204)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("username", "path", "allowed"),
    [
        ("elu", "/systeme", False),
        ("securite", "/dechets", False),
        ("dechets", "/dechets/bac/X", True),
        ("operateur", "/systeme", True),
    ],
)
def test_the_page_router_callback_refuses_forbidden_paths(
    login_as, username, path, allowed
):
    client = login_as(username)
    client.get("/_dash-layout")
    response = client.post(
        "/_dash-update-component",
        data=router_body(path),
        content_type="application/json",
    )
    assert response.status_code == (200 if allowed else 403)


def test_navigation_lists_only_the_role_pages(login_as):
    layout = login_as("dechets").get("/_dash-layout").get_json()
    text = json.dumps(layout)
    assert "app-nav-dechets" in text
    assert "app-nav-supervision" in text
    assert "app-nav-systeme" not in text
    admin_layout = json.dumps(login_as("admin").get("/_dash-layout").get_json())
    assert "app-nav-systeme" in admin_layout


def test_wrong_password_and_missing_csrf_are_refused(client):
    assert login(client, "admin", "wrong").status_code == 401
    response = client.post("/login", data={"username": "admin", "password": "demo"})
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(login_as):
    client = login_as("operateur")
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_login_redirects_only_to_local_pages(client):
    page = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "operateur", "password": "demo", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"
