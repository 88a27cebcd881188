"""/api/v1/bins and /healthz as integrators use them."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import Database
from db.models import Bin
from services.users import create_token


def token(database, scope: str) -> str:
    with database.session() as session:
        return create_token(session, f"test-{scope}", scope)


def test_bins_are_paged_with_a_next_link(database, client):
    headers = {"Authorization": f"Bearer {token(database, 'read')}"}
    first = client.get("/api/v1/bins?limit=30", headers=headers).get_json()
    assert first["total"] == 80
    assert len(first["items"]) == 30
    second = client.get(first["next"], headers=headers).get_json()
    last = client.get(second["next"], headers=headers).get_json()
    assert len(last["items"]) == 20 and last["next"] is None
    codes = [i["code"] for page in (first, second, last) for i in page["items"]]
    assert len(set(codes)) == 80


def test_bin_items_have_the_contract_fields(database, client):
    headers = {"Authorization": f"Bearer {token(database, 'read')}"}
    item = client.get("/api/v1/bins?limit=1", headers=headers).get_json()["items"][0]
    assert set(item) == {
        "code",
        "kind",
        "commune_insee",
        "commune_name",
        "lat",
        "lon",
        "capacity_l",
        "dev_eui",
        "fill_pct",
        "measured_at",
        "battery_pct",
        "temperature_c",
        "tilt",
        "status",
        "overflow_eta",
        "alert_eta",
    }
    assert item["fill_pct"] is None and item["status"] == "sans_donnee"
    one = client.get(f"/api/v1/bins/{item['code']}", headers=headers).get_json()
    assert one == item


def test_filters_by_commune_and_kind(database, client):
    headers = {"Authorization": f"Bearer {token(database, 'read')}"}
    with database.session() as session:
        commune, kind = session.execute(select(Bin.commune_insee, Bin.kind)).first()
        expected = len(
            session.scalars(
                select(Bin.id).where(Bin.commune_insee == commune, Bin.kind == kind)
            ).all()
        )
    body = client.get(
        f"/api/v1/bins?commune={commune}&kind={kind}", headers=headers
    ).get_json()
    assert body["total"] == expected
    assert all(
        i["commune_insee"] == commune and i["kind"] == kind for i in body["items"]
    )


def test_bad_parameters_get_field_errors(database, client):
    headers = {"Authorization": f"Bearer {token(database, 'read')}"}
    for query, field in (
        ("limit=0", "limit"),
        ("limit=20000", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("kind=POUBELLE", "kind"),
    ):
        response = client.get(f"/api/v1/bins?{query}", headers=headers)
        assert response.status_code == 400
        assert response.get_json()["errors"][0]["field"] == field
    assert client.get("/api/v1/bins/NOPE", headers=headers).status_code == 404


def test_tokens_are_checked(database, client):
    assert client.get("/api/v1/bins").status_code == 401
    bad = {"Authorization": "Bearer hv_not-a-token"}
    assert client.get("/api/v1/bins", headers=bad).status_code == 401
    incidents = {"Authorization": f"Bearer {token(database, 'incidents')}"}
    assert client.get("/api/v1/bins", headers=incidents).status_code == 403


def test_session_roles_apply_to_the_api(login_as):
    assert login_as("dechets").get("/api/v1/bins").status_code == 200
    assert login_as("securite").get("/api/v1/bins").status_code == 403


def test_healthz_reports_counts_and_freshness(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["db"] is True
    assert body["mqtt"] == "disabled"
    assert body["last_reading_age_s"] is None
    assert body["ingest"] == {"accepted": 0, "rejected": 0, "duplicates": 0}


def test_healthz_is_503_when_the_database_does_not_answer(app, client, tmp_path):
    app.server.extensions["hypervision_db"] = Database(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["db"] is False
