"""The access matrix, checked on every page, callback, route and API route.

The intended matrix is written here from CONTRACT.md (who may open which page),
independently of services/access.py. The things checked come from the app itself
(Dash's page registry and callback list, Flask's URL map), so a new page,
callback or route is covered without editing this file; a new /api/ route must be
given its rule below, or the test fails.
"""

from __future__ import annotations

import json
import re

import dash
import pytest
from sqlalchemy import select

from db.models import Bin
from services.users import create_token
from tests.conftest import login, make_app

# CONTRACT.md, "Demo accounts ... and what each role may open" (None = anonymous).
SECTIONS = {"/", "/dechets", "/vigilance", "/sante", "/synthese", "/systeme", "/admin"}
MAY_OPEN = {
    None: {"/opendata"},
    "admin": SECTIONS | {"/opendata"},
    "operateur": SECTIONS - {"/admin"} | {"/opendata"},
    "dechets": {"/", "/dechets", "/synthese", "/opendata"},
    "securite": {"/", "/vigilance", "/synthese", "/opendata"},
    "elu": {"/synthese", "/sante", "/opendata"},
}
USERS = list(MAY_OPEN)
HOME = {"elu": "/synthese"}
# Component ids carry their page as prefix (common rules); "app-" is the shell.
ID_PREFIXES = {
    "supervision-": "/",
    "dechets-": "/dechets",
    "bac-": "/dechets",
    "tournees-": "/dechets",
    "vigilance-": "/vigilance",
    "sante-": "/sante",
    "synthese-": "/synthese",
    "systeme-": "/systeme",
    "admin-": "/admin",
    "app-": "shell",
}
SAMPLE = {"plan_id": "1", "truck": "1", "month": "2026-10", "scope": "pma"}
TECHNICAL = ("/assets/", "/_dash-component-suites/", "/static/", "/_favicon")


def section(path: str) -> str:
    first = "/" + path.strip("/").split("/")[0]
    return "/" if path == "/" else first


def may_open(user, path: str) -> bool:
    return section(path) in MAY_OPEN[user]


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'm.db'}")
    app.server.test_client().get("/login")  # lets Dash finish its set-up
    database = app.server.extensions["hypervision_db"]
    with database.session() as session:
        code = session.scalar(select(Bin.code).order_by(Bin.code))
        tokens = {
            s: create_token(session, f"matrice-{s}", s) for s in ("read", "incidents")
        }
    return app, code, tokens


def client_for(app, user):
    client = app.server.test_client()
    if user is not None:
        assert login(client, user).status_code == 302
    return client


def fill(rule: str, code: str) -> str:
    values = {**SAMPLE, "code": code, "dataset_id": "bacs", "fmt": "csv"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def page_paths(app, code: str) -> list[str]:
    """Every Dash page and every GET route of the server, parameters filled in."""
    paths = {"/login", "/opendata/", "/healthz"}
    for page in dash.page_registry.values():
        paths.add(fill(page.get("path_template") or page["path"], code))
    for rule in app.server.url_map.iter_rules():
        text = rule.rule
        if "GET" not in rule.methods or text.startswith(TECHNICAL + ("/api/",)):
            continue
        if "<path:" in text or text.startswith("/_") or text == "/logout":
            continue  # Dash's own data routes are callbacks' business
        paths.add(fill(text, code))
    return sorted(paths)


@pytest.mark.parametrize("user", USERS)
def test_every_page_and_route_answers_by_the_matrix(matrix_app, user):
    app, code, _tokens = matrix_app
    client = client_for(app, user)
    paths = page_paths(app, code)
    assert f"/dechets/bac/{code}" in paths and "/admin" in paths
    for path in paths:
        response = client.get(path)
        status = response.status_code
        public = path in ("/login", "/healthz") or path.startswith("/opendata")
        if public or (user is not None and may_open(user, path)):
            assert status not in (302, 401, 403), (user, path, status)
        elif user is None:
            assert status == 302 and "/login" in response.headers["Location"], path
        elif path == "/":
            assert status == 302, (user, path, status)
            assert response.headers["Location"] == HOME.get(user, "/")
        else:
            assert status == 403, (user, path, status)
            assert "Accès refusé" in response.get_data(as_text=True)


def concrete(component_id, value="x"):
    """A pattern-matching id with its wildcards replaced (MATCH/ALLSMALLER too)."""
    if isinstance(component_id, dict):
        return {k: value if isinstance(v, list) else v for k, v in component_id.items()}
    return component_id


def items(specs: list[dict]) -> list:
    out = []
    for spec in specs:
        component_id = spec["id"]
        if component_id.startswith("{"):
            component_id = json.loads(component_id)
            if "ALL" in json.dumps(component_id):
                out.append([])
                continue
        out.append({"id": concrete(component_id), "property": spec["property"]})
    return out


def callback_request(callback: dict, pathname: str | None = None) -> dict:
    """The request dash-renderer would send for `callback`, with empty values."""
    outputs = []
    for part in callback["output"].removeprefix("..").removesuffix("..").split("..."):
        component_id, prop = part.rsplit(".", 1)
        if component_id.startswith("{"):
            component_id = concrete(json.loads(component_id))
        outputs.append({"id": component_id, "property": prop.split("@")[0]})
    inputs = items(callback["inputs"])
    for item in inputs:
        if isinstance(item, dict) and item["id"] == "_pages_location":
            item["value"] = pathname if item["property"] == "pathname" else ""
    return {
        "output": callback["output"],
        "outputs": outputs if callback["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": items(callback["state"]),
        "changedPropIds": [],
    }


def owner(callback: dict) -> str:
    """The page section owning a callback's first output ("?" when unknown)."""
    first = callback["output"].removeprefix("..").split("...")[0].rsplit(".", 1)[0]
    if first.startswith("{"):
        first = json.loads(first)["type"]
    for prefix, page in ID_PREFIXES.items():
        if first.startswith(prefix):
            return page
    return "?"


@pytest.fixture(scope="module")
def callbacks(matrix_app):
    app, _code, _tokens = matrix_app
    listed = client_for(app, "admin").get("/_dash-dependencies").get_json()
    assert len(listed) == len(app.callback_map) >= 30
    return listed


def post(client, body: dict):
    return client.post("/_dash-update-component", json=body)


@pytest.mark.parametrize("user", USERS)
def test_every_callback_answers_by_the_matrix(matrix_app, callbacks, user):
    app, _code, _tokens = matrix_app
    client = client_for(app, user)
    for callback in callbacks:
        if "_pages_content" in callback["output"]:
            continue  # the page router: next test, once per page
        if callback.get("clientside_function"):
            continue  # runs in the browser, never on the server
        page = owner(callback)
        assert page != "?", f"callback sans page connue : {callback['output']}"
        status = post(client, callback_request(callback)).status_code
        if user is None:
            assert status == 401, callback["output"]
        elif page == "shell" or page in MAY_OPEN[user]:
            assert status not in (401, 403), (user, callback["output"], status)
        else:
            assert status == 403, (user, callback["output"], status)


@pytest.mark.parametrize("user", USERS)
def test_the_page_router_answers_by_the_matrix_for_every_page(
    matrix_app, callbacks, user
):
    app, code, _tokens = matrix_app
    client = client_for(app, user)
    router = next(c for c in callbacks if "_pages_content" in c["output"])
    paths = [
        fill(p.get("path_template") or p["path"], code)
        for p in dash.page_registry.values()
    ]
    for path in paths:
        response = post(client, callback_request(router, path))
        if user is None:
            assert response.status_code == 401, path
        elif may_open(user, path):
            assert response.status_code == 200, (user, path, response.status_code)
        else:
            assert response.status_code == 403, (user, path, response.status_code)


# The API's rules: who may call each /api/ route (CONTRACT.md, "HTTP API").
API_RULES = {
    ("GET", "/api/v1/bins"): {"admin", "operateur", "dechets", "token:read"},
    ("GET", "/api/v1/bins/<code>"): {"admin", "operateur", "dechets", "token:read"},
    ("POST", "/api/v1/incidents"): {"token:incidents"},
}
API_CALLERS = [*USERS, "token:read", "token:incidents"]


def test_every_api_route_has_a_rule(matrix_app):
    app, _code, _tokens = matrix_app
    routes = {
        (method, rule.rule)
        for rule in app.server.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(API_RULES)


@pytest.mark.parametrize("caller", API_CALLERS)
def test_every_api_route_answers_by_its_rule(matrix_app, caller):
    app, code, tokens = matrix_app
    headers = {}
    if caller is not None and caller.startswith("token:"):
        client = app.server.test_client()
        headers["Authorization"] = f"Bearer {tokens[caller.split(':')[1]]}"
    else:
        client = client_for(app, caller)
    for (method, rule), allowed in API_RULES.items():
        path = fill(rule, code)
        response = client.open(path, method=method, json={}, headers=headers)
        status = response.status_code
        if caller is None:
            assert status == 401, (method, path)
        elif caller in allowed:
            assert status not in (401, 403), (caller, method, path, status)
        else:
            assert status == 403, (caller, method, path, status)
