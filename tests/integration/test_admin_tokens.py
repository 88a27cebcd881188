"""/admin: an admin creates a source app's token and revokes it; others cannot."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.test_vigilance_api import report
from tests.integration.test_vigilance_http import dash_call


def test_admin_creates_then_revokes_an_incidents_token(app, login_as):
    admin = login_as("admin")
    assert admin.get("/admin").status_code == 200
    created = dash_call(
        admin,
        "admin-tokens.rowData",
        {
            "admin-token-create.n_clicks": 1,
            "admin-token-name.value": "voisins-vigilants",
            "admin-token-scope.value": "incidents",
        },
    ).get_data(as_text=True)
    token = re.search(r"hv_[A-Za-z0-9_-]+", created).group(0)
    row = json.loads(created)["response"]["admin-tokens"]["rowData"][0]
    assert (row["name"], row["scope"], row["state"]) == (
        "voisins-vigilants",
        "incidents",
        "actif",
    )
    headers = {"Authorization": f"Bearer {token}"}
    source_app = app.server.test_client()  # no session: the token alone
    assert (
        source_app.post("/api/v1/incidents", json=report(), headers=headers).status_code
        == 201
    )
    revoked = dash_call(
        admin,
        "admin-tokens.rowData",
        {"admin-token-revoke.n_clicks": 1, "admin-tokens.selectedRows": [row]},
    ).get_data(as_text=True)
    assert "révoqué" in revoked and token not in revoked
    fresh = login_as("admin").application.test_client()
    assert (
        fresh.post("/api/v1/incidents", json=report(), headers=headers).status_code
        == 401
    )


@pytest.mark.parametrize("username", ["operateur", "securite", "elu"])
def test_only_admin_reaches_the_tokens(login_as, username):
    client = login_as(username)
    assert client.get("/admin").status_code == 403
    body = {
        "output": "..admin-tokens.rowData...admin-token-created.children..",
        "outputs": [
            {"id": "admin-tokens", "property": "rowData"},
            {"id": "admin-token-created", "property": "children"},
        ],
        "inputs": [{"id": "admin-token-create", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["admin-token-create.n_clicks"],
    }
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 403
