"""/sante at HTTP level: who may open it, crafted callbacks, and what its callbacks
answer (map classes, ranked grid, commune card) on the demo extract."""

from __future__ import annotations

import json

import pytest

from services.health_indicators import coverage
from tests.integration.test_auth_http import router_body


def callback(client, outputs: list[tuple[str, str]], inputs: list[dict]):
    body = {
        "output": "...".join(f"{i}.{p}" for i, p in outputs),
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    if len(outputs) == 1:
        body["output"] = f"{outputs[0][0]}.{outputs[0][1]}"
        body["outputs"] = body["outputs"][0]
    else:
        body["output"] = ".." + body["output"] + ".."
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )


def choice_inputs(indicator: str, profession: str) -> list[dict]:
    return [
        {"id": "sante-indicator", "property": "value", "value": indicator},
        {"id": "sante-profession", "property": "value", "value": profession},
    ]


@pytest.mark.parametrize(
    ("username", "status"),
    [("elu", 200), ("operateur", 200), ("admin", 200), ("dechets", 403)],
)
def test_sante_is_open_to_elected_officials_and_the_control_room(
    login_as, username, status
):
    response = login_as(username).get("/sante")
    assert response.status_code == status
    if status == 403:
        assert "Accès refusé" in response.get_data(as_text=True)


def test_security_coordinator_gets_403_on_sante(login_as):
    assert login_as("securite").get("/sante").status_code == 403


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("dechets", False), ("securite", False), ("elu", True), ("operateur", True)],
)
def test_crafted_callbacks_to_sante_ids_are_checked(login_as, username, allowed):
    response = callback(
        login_as(username),
        [("sante-grid", "rowData"), ("sante-grid", "columnDefs")],
        choice_inputs("densite", "infirmiers"),
    )
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize(("username", "allowed"), [("elu", True), ("dechets", False)])
def test_the_page_router_serves_sante_only_to_allowed_roles(
    login_as, username, allowed
):
    client = login_as(username)
    client.get("/_dash-layout")
    response = client.post(
        "/_dash-update-component",
        data=router_body("/sante"),
        content_type="application/json",
    )
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        text = response.get_data(as_text=True)
        assert "sante-map" in text and "Données fictives" in text


def test_navigation_shows_sante_to_elected_officials_only_among_these(login_as):
    assert "app-nav-sante" in json.dumps(login_as("elu").get("/_dash-layout").json)
    assert "app-nav-sante" not in json.dumps(
        login_as("dechets").get("/_dash-layout").json
    )


def test_selectors_recolour_the_map_and_rerank_the_grid(login_as):
    client = login_as("elu")
    response = callback(
        client,
        [("sante-grid", "rowData"), ("sante-grid", "columnDefs")],
        choice_inputs("effectif", "pharmaciens"),
    )
    assert response.status_code == 200
    rows = response.json["response"]["sante-grid"]["rowData"]
    assert len(rows) == 73
    values = [r["valeur"] for r in rows]
    assert values == sorted(values)  # least served first
    assert [r["rang"] for r in rows] == list(range(1, 74))
    response = callback(
        client,
        [
            ("sante-communes", "hideout"),
            ("sante-legend", "children"),
            ("sante-map-title", "children"),
            ("sante-profession", "disabled"),
            ("sante-profession", "value"),
        ],
        [
            *choice_inputs("accessibilite", "infirmiers"),
            {
                "id": "sante-communes",
                "property": "clickData",
                "value": {"properties": {"code": "25388"}},
            },
        ],
    )
    assert response.status_code == 200
    out = response.json["response"]
    assert out["sante-communes"]["hideout"]["prop"] == "accessibilite_generalistes"
    assert out["sante-communes"]["hideout"]["limits"] == [3.0, 6.0, 9.0, 12.0]
    assert out["sante-communes"]["hideout"]["selected"] == "25388"
    assert out["sante-profession"] == {
        "disabled": True,
        "value": "medecins_generalistes",
    }


def test_a_click_on_a_commune_opens_its_card(login_as, database):
    client = login_as("elu")
    response = callback(
        client,
        [("sante-card", "children")],
        [
            {
                "id": "sante-communes",
                "property": "clickData",
                "value": {"properties": {"code": "25388"}},
            }
        ],
    )
    assert response.status_code == 200
    text = json.dumps(response.json, ensure_ascii=False)
    with database.session() as session:
        row = coverage(session).commune("25388")
    assert "Montbéliard" in text and "24\u202f672 hab." in text
    assert "Données fictives" in text
    assert f"{row['medecins_generalistes']} (" in text
