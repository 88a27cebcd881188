"""Incident reports at scale: the shared validation and POST /api/v1/incidents.

Whatever the body, the API answers 201, 200 (report_id already received) or 400
with `{"errors": [{"field", "message"}]}`; never 500, and a body over 64 KB is
refused (413) without being parsed.
"""

from __future__ import annotations

import io
import json
import math
import uuid

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import Incident
from db.types import utcnow
from services.api_incidents import MAX_BODY_BYTES
from services.incidents import CATEGORIES, SEVERITIES, ReportRefused, validate_report
from services.users import create_token
from tests.conftest import make_app
from tests.fuzz import strategies as fz
from tests.fuzz.checks import assert_reason

URL = "/api/v1/incidents"
REPORT_FIELDS = {
    "body", "report_id", "ts", "category", "severity", "description", "lat", "lon",
    "source", "reporter_ref",
}  # fmt: skip


def bearer(database) -> dict:
    with database.session() as session:
        token = create_token(session, f"fuzz-{uuid.uuid4().hex[:6]}", "incidents")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def api(fuzz_app, fuzz_db):
    return fuzz_app.server.test_client(), bearer(fuzz_db)


def count_incidents(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Incident))


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(fz.report_document(), fz.JUNK))
@example(data={"report_id": "r1", "ts": fz.iso(fz.NOW), "description": "a\x00b"})
@example(data={"report_id": "r2", "category": "tapage", "lat": 10**400, "lon": 6.8})
def test_validation_gives_a_clean_report_or_field_errors(territory, data):
    try:
        report = validate_report(data, territory, fz.NOW)
    except ReportRefused as refused:
        assert refused.errors
        for error in refused.errors:
            assert error.field in REPORT_FIELDS
            assert_reason(error.message)
        return
    assert report["category"] in CATEGORIES and report["severity"] in SEVERITIES
    assert report["commune_insee"] in territory.areas
    assert math.isfinite(report["lat"]) and math.isfinite(report["lon"])
    for text in (report["description"], report["reporter_ref"], report["report_id"]):
        assert text is None or "\x00" not in text
        assert text is None or text.encode("utf-8")


def raw_bodies(now):
    """(bytes, content type): JSON documents, broken JSON, other media types."""
    documents = st.one_of(fz.report_document(now), fz.JUNK)
    return st.one_of(
        st.tuples(fz.as_payload(documents), st.just("application/json")),
        st.tuples(
            documents.map(fz.dumps),
            st.sampled_from(["text/plain", "application/x-www-form-urlencoded", ""]),
        ),
    )


@settings(max_examples=150, deadline=None)
@given(body=raw_bodies(utcnow()))
def test_any_body_gets_201_200_or_400_with_reasons_never_500(fuzz_db, api, body):
    client, headers = api
    payload, content_type = body
    before = count_incidents(fuzz_db)
    response = client.post(
        URL, data=payload, content_type=content_type, headers=headers
    )
    assert response.status_code in (200, 201, 400), response.get_data()[:300]
    answer = response.get_json()
    created = count_incidents(fuzz_db) - before
    if response.status_code == 400:
        assert set(answer) == {"errors"} and answer["errors"]
        for error in answer["errors"]:
            assert set(error) == {"field", "message"}
            assert error["field"] in REPORT_FIELDS
            assert_reason(error["message"])
        assert created == 0
    else:
        assert created == (response.status_code == 201)
        with fuzz_db.session() as session:
            incident = session.get(Incident, answer["id"])
        assert incident is not None and answer["status"] == incident.status


def valid_report(**changes) -> dict:
    return {
        "report_id": uuid.uuid4().hex,
        "ts": fz.iso(utcnow()),
        "category": "incendie",
        "lat": 47.5098,
        "lon": 6.7985,
        "source": "fuzz",
        **changes,
    }


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 10 * MAX_BODY_BYTES])
def test_a_body_over_64_kb_is_refused_with_413_and_nothing_is_stored(
    fuzz_db, api, size
):
    client, headers = api
    body = json.dumps(valid_report(description="x")).encode()
    body += b" " * (size - len(body))  # valid JSON: only its size is wrong
    before = count_incidents(fuzz_db)
    response = client.post(
        URL, data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 413
    [error] = response.get_json()["errors"]
    assert error["field"] == "body" and "trop grand" in error["message"]
    assert count_incidents(fuzz_db) == before


def test_a_chunked_body_is_cut_at_64_kb_without_being_read_whole(fuzz_db, api):
    """No Content-Length (chunked transfer): reading stops past the limit."""
    client, headers = api
    stream = io.BytesIO(b'{"description": "' + b"x" * (4 * MAX_BODY_BYTES) + b'"}')
    response = client.post(
        URL,
        input_stream=stream,
        content_type="application/json",
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert stream.tell() <= MAX_BODY_BYTES + 1  # never read whole


def test_a_body_just_under_64_kb_is_still_accepted(fuzz_db, api):
    client, headers = api
    body = json.dumps(valid_report(description="Feu de poubelle")).encode()
    body += b" " * (MAX_BODY_BYTES - len(body))
    response = client.post(
        URL, data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 201


@pytest.mark.integration
def test_unstorable_text_is_a_400_on_postgresql_too(postgresql_url):
    """NUL and lone surrogates used to reach the database: 500 on the API, and a
    batch the MQTT ingest retried for ever."""
    app = make_app(postgresql_url, SIM_SENSORS=10)
    database = app.server.extensions["hypervision_db"]
    client, headers = app.server.test_client(), bearer(database)
    for field, text in (
        ("description", "a\x00b"),
        ("description", "\ud83d"),
        ("reporter_ref", "ref\x07"),
    ):
        body = json.dumps(valid_report(**{field: text}))
        response = client.post(
            URL, data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, (field, text)
        assert response.get_json()["errors"][0]["field"] == field
    body = json.dumps(valid_report(description="Dépôt 🗑️ rue\tdu Parc\nligne 2"))
    response = client.post(
        URL, data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 201
    assert count_incidents(database) == 1
