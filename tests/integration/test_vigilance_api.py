"""POST /api/v1/incidents as source apps use it: tokens, validation, duplicates."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from db.models import ApiToken, Incident, IncidentEvent
from db.types import utcnow
from services.users import create_token, hash_token
from tests.helpers import recent

URL = "/api/v1/incidents"


def token(database, scope: str = "incidents") -> str:
    with database.session() as session:
        return create_token(session, f"app-{uuid.uuid4().hex[:6]}", scope)


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def report(**changes) -> dict:
    body = {
        "report_id": str(uuid.uuid4()),
        "ts": recent(3).isoformat().replace("+00:00", "Z"),
        "category": "cambriolage",
        "description": "Porte fracturée rue de Belfort",
        "lat": 47.5098,
        "lon": 6.7985,
        "source": "voisins_vigilants",
        "reporter_ref": "vv-123",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def test_a_valid_report_creates_an_incident_with_its_commune(database, client):
    response = client.post(URL, json=report(), headers=bearer(token(database)))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "nouveau" and isinstance(body["id"], int)
    with database.session() as session:
        incident = session.get(Incident, body["id"])
        events = session.scalars(select(IncidentEvent.action)).all()
    assert incident.commune_insee == "25388"  # Montbéliard
    assert incident.category == "cambriolage" and incident.severity == "elevee"
    assert incident.reporter_ref == "vv-123"
    assert events == ["creation"]


def test_category_may_be_the_french_label(database, client):
    body = report(category="Vandalisme / dégradation", severity="faible")
    response = client.post(URL, json=body, headers=bearer(token(database)))
    assert response.status_code == 201
    with database.session() as session:
        incident = session.get(Incident, response.get_json()["id"])
    assert incident.category == "vandalisme_degradation"
    assert incident.severity == "faible"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"report_id": ...}, "report_id", "obligatoire"),
        ({"report_id": "a b/c"}, "report_id", "invalide"),
        ({"ts": ...}, "ts", "obligatoire"),
        ({"ts": "hier"}, "ts", "illisible"),
        ({"ts": "2026-01-01T10:00:00"}, "ts", "fuseau"),
        ({"ts": "2099-01-01T10:00:00Z"}, "ts", "futur"),
        ({"category": ...}, "category", "obligatoire"),
        ({"category": "ovni"}, "category", "inconnue"),
        ({"severity": "apocalyptique"}, "severity", "inconnue"),
        ({"description": 12}, "description", "texte"),
        ({"description": "x" * 2001}, "description", "trop long"),
        ({"lat": ...}, "lat", "obligatoire"),
        ({"lat": "47.5"}, "lat", "nombre"),
        ({"lat": 147.5}, "lat", "hors limites"),
        ({"lon": True}, "lon", "nombre"),
        ({"lat": 48.8566, "lon": 2.3522}, "lat", "hors du territoire"),
        ({"source": "Voisins Vigilants!"}, "source", "invalide"),
        ({"reporter_ref": ["x"]}, "reporter_ref", "texte"),
    ],
)
def test_each_invalid_field_is_refused_with_a_french_error(
    database, client, changes, field, words
):
    response = client.post(URL, json=report(**changes), headers=bearer(token(database)))
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    with database.session() as session:
        assert session.scalar(select(Incident)) is None


def test_a_body_that_is_not_an_object_is_refused(database, client):
    headers = bearer(token(database))
    response = client.post(
        URL, data="[1]", content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "body"


def test_several_errors_are_listed_together(database, client):
    body = {"report_id": "r1", "category": "ovni", "lat": "x"}
    response = client.post(URL, json=body, headers=bearer(token(database)))
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"ts", "category", "lat", "lon"} <= fields


def test_without_a_token_the_api_answers_401(client):
    assert client.post(URL, json=report()).status_code == 401
    assert client.post(URL, json=report(), headers=bearer("hv_nope")).status_code == 401


def test_a_token_of_another_scope_gets_403(database, client):
    response = client.post(URL, json=report(), headers=bearer(token(database, "read")))
    assert response.status_code == 403


def test_a_revoked_token_gets_401(database, client):
    value = token(database)
    with database.session() as session:
        record = session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(value))
        )
        record.revoked_at = utcnow()
    assert client.post(URL, json=report(), headers=bearer(value)).status_code == 401


def test_a_logged_in_user_cannot_post_reports(login_as):
    assert login_as("securite").post(URL, json=report()).status_code == 403


def test_a_duplicate_report_id_answers_200_with_the_existing_incident(database, client):
    headers = bearer(token(database))
    body = report()
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=dict(body, category="autre"), headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    with database.session() as session:
        assert len(session.scalars(select(Incident)).all()) == 1
