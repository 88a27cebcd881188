"""Open data: every file parses back and matches its metadata, RGPD rules hold,
and anonymous visitors reach open data and nothing else."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from db.models import Sensor
from services.opendata_datasets import SUPPRESSED, aggregate_incidents, suppress
from tests.activity import (
    CREW,
    SECRET_COMMENT,
    SECRET_REPORTER,
    SECRET_TEXT,
    seed_activity,
)
from tests.conftest import make_app

IDS = {
    "bacs",
    "remplissage-quotidien",
    "collectes-mensuelles",
    "incidents-hebdomadaires",
    "sante-communes",
    "communes",
}


@pytest.fixture
def seeded(sqlite_url):
    app = make_app(sqlite_url)
    database = app.server.extensions["hypervision_db"]
    activity = seed_activity(database)
    return app, database, activity


def _check(field: dict, value) -> None:
    """`value` (text from CSV, or JSON value) is valid for the field's type."""
    if value in ("", None):
        return
    if field.get("suppression") and value == field["suppression"]:
        return
    text = str(value)
    kind = field["type"]
    if kind == "integer":
        assert re.fullmatch(r"-?\d+", text), (field["name"], value)
    elif kind == "number":
        float(text)
    elif kind == "boolean":
        assert text.lower() in ("true", "false"), (field["name"], value)
    elif kind == "date":
        date.fromisoformat(text)
    elif kind == "month":
        assert re.fullmatch(r"\d{4}-\d{2}", text), value
    elif kind == "week":
        assert re.fullmatch(r"\d{4}-W\d{2}", text), value
    else:
        assert kind == "string" and isinstance(value, str), (field["name"], value)


def _files(client) -> dict[str, str]:
    catalog = client.get("/opendata/catalog.json").get_json()
    files = {}
    for dataset in catalog["datasets"]:
        for dist in dataset["distributions"]:
            response = client.get(dist["url"])
            assert response.status_code == 200, dist["url"]
            files[dist["url"]] = response.get_data(as_text=True)
    return files


def test_catalog_lists_the_contract_datasets_with_metadata(client):
    catalog = client.get("/opendata/catalog.json").get_json()
    assert {d["id"] for d in catalog["datasets"]} == IDS
    for d in catalog["datasets"]:
        assert d["licence"] == "Licence Ouverte 2.0"
        assert d["title"] and d["description"] and d["source"] and d["frequency"]
        assert d["updated_at"]
        for field in d["fields"]:
            assert set(field) >= {"name", "type", "unit", "description"}
        formats = {x["format"] for x in d["distributions"]}
        assert {"csv", "json"} <= formats
        for dist in d["distributions"]:
            assert dist["url"] == f"/opendata/{d['id']}.{dist['format']}"
    geometric = {
        d["id"]
        for d in catalog["datasets"]
        if "geojson" in {x["format"] for x in d["distributions"]}
    }
    assert geometric == {"bacs", "communes"}


def test_every_file_parses_back_and_matches_its_fields(seeded):
    app, _database, _ = seeded
    client = app.server.test_client()
    catalog = client.get("/opendata/catalog.json").get_json()
    for d in catalog["datasets"]:
        fields = {f["name"]: f for f in d["fields"]}
        text = client.get(f"/opendata/{d['id']}.csv").get_data(as_text=True)
        assert not text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text)))
        header = next(csv.reader(io.StringIO(text)))
        assert header == list(fields), d["id"]
        assert "code_insee" in header
        for row in rows:
            for name, value in row.items():
                _check(fields[name], value)
        body = json.loads(client.get(f"/opendata/{d['id']}.json").data)
        assert body["licence"] == "Licence Ouverte 2.0"
        assert len(body["data"]) == len(rows) == d["rows"]
        for record in body["data"]:
            assert set(record) == set(fields), d["id"]
            for name, value in record.items():
                _check(fields[name], value)
        if d["id"] in ("bacs", "communes"):
            geo = json.loads(client.get(f"/opendata/{d['id']}.geojson").data)
            assert geo["type"] == "FeatureCollection"
            assert len(geo["features"]) == len(rows) > 0
            for feature in geo["features"]:
                assert feature["geometry"]["type"] in (
                    "Point",
                    "Polygon",
                    "MultiPolygon",
                )
                assert set(feature["properties"]) == set(fields)
    by_id = {d["id"]: d["rows"] for d in catalog["datasets"]}
    assert by_id["remplissage-quotidien"] > 0
    assert by_id["collectes-mensuelles"] > 0
    assert by_id["sante-communes"] == by_id["communes"] == 73


def test_gp_head_counts_are_published_per_commune(client):
    rows = list(
        csv.DictReader(io.StringIO(client.get("/opendata/sante-communes.csv").text))
    )
    assert len({r["code_insee"] for r in rows}) == len(rows) == 73
    assert sum(int(r["medecins_generalistes"]) for r in rows) > 0


def test_small_counts_are_replaced_by_the_marker():
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    from datetime import UTC, datetime

    monday = datetime(2026, 11, 16, 10, tzinfo=UTC)
    events = [("25388", "vol", monday)] * 7 + [("25031", "vol", monday)] * 3
    rows = aggregate_incidents(events, {"25388": "Montbéliard"})
    assert [(r["code_insee"], r["semaine"], r["incidents"]) for r in rows] == [
        ("25031", "2026-W47", SUPPRESSED),
        ("25388", "2026-W47", 7),
    ]


def test_incident_counts_from_the_vigilance_module_are_suppressed(seeded):
    app, _database, activity = seeded
    assert activity["incidents"]  # the vigilance module stores incidents
    text = app.server.test_client().get("/opendata/incidents-hebdomadaires.csv").text
    counts = sorted(r["incidents"] for r in csv.DictReader(io.StringIO(text)))
    assert counts == ["6", SUPPRESSED]


def test_no_personal_or_sensor_data_in_any_export(seeded):
    app, database, _ = seeded
    client = app.server.test_client()
    with database.session() as session:
        dev_euis = list(session.scalars(select(Sensor.dev_eui)))
    files = "\n".join(_files(client).values())
    exports = files + client.get("/opendata/").get_data(as_text=True)
    exports += client.get("/opendata/catalog.json").get_data(as_text=True)
    for secret in (SECRET_REPORTER, SECRET_TEXT, SECRET_COMMENT, CREW):
        assert secret not in exports
    assert "47.512345" not in exports  # an exact incident position
    lowered = exports.lower()
    for eui in dev_euis:
        assert eui.lower() not in lowered
    lowered = files.lower()  # column names of the data files themselves
    for word in ("deveui", "dev_eui", "batterie", "rssi", "reporter", "description"):
        assert f'"{word}' not in lowered and f",{word}" not in lowered


def test_anonymous_visitors_get_open_data_and_nothing_else(client):
    page = client.get("/opendata/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Licence Ouverte 2.0" in html and "secret statistique" in html
    assert "/assets/vendor/bootstrap/bootstrap.min.css" in html
    assert client.get("/opendata/catalog.json").status_code == 200
    assert client.get("/opendata/bacs.csv").status_code == 200
    assert client.get("/opendata/inconnu.csv").status_code == 404
    assert client.get("/opendata/sante-communes.geojson").status_code == 404
    for path in ("/", "/synthese", "/dechets", "/dechets/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path
    assert client.get("/api/v1/bins").status_code == 401
