"""/synthese: figures equal to independent SQL on a seeded database, the period and
commune selectors through callback requests, and who may open it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from statistics import median

import pytest
from sqlalchemy import text

from services.bins import Thresholds
from services.health_indicators import PROFESSIONS
from services.periods import Period, current_and_previous
from services.planning import PARIS
from services.synthese import build_summary, today_paris
from tests.activity import seed_activity
from tests.integration.test_auth_http import router_body
from tests.integration.test_sante_http import callback


def _utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _naive(value: datetime) -> datetime:
    """UTC without zone, as SQLite stores it (the `app` fixture is SQLite)."""
    return value.astimezone(UTC).replace(tzinfo=None)


def _sql(database, query: str, **params):
    with database.engine.connect() as connection:
        return connection.execute(text(query), params).all()


def expected_waste(database, period: Period, insee: str | None) -> dict:
    where = "" if insee is None else "WHERE b.commune_insee = :insee"
    readings = _sql(
        database,
        "SELECT r.bin_id, r.measured_at, r.fill_pct FROM readings r "
        f"JOIN bins b ON b.id = r.bin_id {where}",
        insee=insee,
    )
    inside = [
        (b, _utc(t), f) for b, t, f in readings if period.start <= _utc(t) < period.end
    ]
    events = _sql(
        database,
        "SELECT e.status, e.recorded_at, e.fill_before FROM collection_events e "
        f"JOIN bins b ON b.id = e.bin_id {where}",
        insee=insee,
    )
    fills = [
        f
        for s, t, f in events
        if s == "collecte" and period.start <= _utc(t) < period.end
    ]
    return {
        "bins_monitored": len({b for b, _, _ in inside}),
        "overflows": len(
            {(b, t.astimezone(PARIS).date()) for b, t, f in inside if f >= 100}
        ),
        "pickups": len(fills),
        "mean_fill_at_collection": round(sum(fills) / len(fills), 1) if fills else None,
    }


@pytest.fixture
def seeded(app, database):
    activity = seed_activity(database)
    first = activity["pairs"][0]
    with database.session() as session:
        session.execute(
            text("UPDATE bins SET last_measured_at = :now WHERE id <= 5"),
            {"now": datetime.now(UTC).replace(tzinfo=None)},
        )
    return activity, first[2]


def _summary(app, database, kind, insee):
    settings = app.server.config["HYPERVISION"]
    with database.session() as session:
        return build_summary(
            session, kind, insee, settings, Thresholds.from_config(settings)
        )


@pytest.mark.parametrize("kind", ["mois", "trimestre", "annee"])
def test_waste_figures_equal_independent_sql(app, database, seeded, kind):
    _activity, insee = seeded
    for scope in (None, insee):
        data = _summary(app, database, kind, scope)
        period, previous = current_and_previous(kind, today_paris())
        assert data["period"] == period
        for key, value in expected_waste(database, period, scope).items():
            assert data["local"]["waste"][key] == value, (kind, scope, key)
        for key, value in expected_waste(database, previous, scope).items():
            assert data["local"]["waste_before"][key] == value, (kind, scope, key)
    territory = _summary(app, database, kind, None)["local"]
    assert territory["waste"]["bins_monitored"] == 12
    assert territory["sensors_out"] == 80 - 5


def test_fill_distribution_counts_every_pickup(app, database, seeded):
    data = _summary(app, database, "mois", None)["local"]["waste"]
    assert sum(b["pickups"] for b in data["fill_at_collection"]) == data["pickups"]
    assert data["pickups"] == 9  # 12 reports, one in four inaccessible


def test_health_figures_equal_independent_sql(app, database, seeded):
    health = _summary(app, database, "mois", None)["health"]
    (snapshot,) = _sql(database, "SELECT max(id) FROM health_snapshots")[0]
    gps = _sql(
        database,
        "SELECT count(DISTINCT practitioner_id) FROM health_practices "
        "WHERE snapshot_id = :s AND profession = 'medecins_generalistes' "
        "AND commune_insee IN (SELECT insee FROM communes)",
        s=snapshot,
    )[0][0]
    population = _sql(database, "SELECT sum(population) FROM communes")[0][0]
    without = _sql(
        database,
        "SELECT count(*) FROM communes WHERE insee NOT IN (SELECT commune_insee "
        "FROM health_practices WHERE snapshot_id = :s "
        "AND profession = 'medecins_generalistes')",
        s=snapshot,
    )[0][0]
    assert health["gps"] == gps
    heads = dict(
        _sql(
            database,
            "SELECT profession, count(DISTINCT practitioner_id) FROM health_practices "
            "WHERE snapshot_id = :s AND commune_insee IN (SELECT insee FROM communes) "
            "GROUP BY profession",
            s=snapshot,
        )
    )
    densities = dict(health["professions"])
    assert len(densities) == 7 and densities["Infirmiers"] > 0
    for key, label in PROFESSIONS.items():
        expected = round(heads.get(key, 0) / population * 10_000, 1)
        assert densities[label] == expected, label
    assert health["gp_density"] == round(gps / population * 10_000, 1)
    assert health["without_gp"] == without


def test_vigilance_aggregates_when_incidents_exist(app, database, seeded):
    vigilance = _summary(app, database, "mois", None)["local"]["vigilance"]
    assert vigilance is not None  # the vigilance module stores incidents
    rows = _sql(database, "SELECT category, count(*) FROM incidents GROUP BY category")
    assert vigilance["incidents"] == sum(n for _, n in rows)
    from services.incidents import CATEGORIES

    assert dict(vigilance["by_category"]) == {CATEGORIES[c]: n for c, n in rows}
    per_commune = _sql(
        database,
        "SELECT c.name, count(*) FROM incidents i JOIN communes c "
        "ON c.insee = i.commune_insee GROUP BY c.name",
    )
    assert dict(vigilance["by_commune"]) == dict(per_commune)


def test_previous_period_has_the_same_length():
    now, before = current_and_previous("mois", date(2026, 3, 31))
    assert (before.first, before.last) == (date(2026, 2, 1), date(2026, 2, 28))
    now, before = current_and_previous("trimestre", date(2026, 11, 22))
    assert (now.first, before.first, before.last) == (
        date(2026, 10, 1),
        date(2026, 7, 1),
        date(2026, 8, 22),
    )
    now, before = current_and_previous("annee", date(2026, 11, 22))
    assert before.days == now.days


def _select(client, period, commune):
    return callback(
        client,
        [("synthese-content", "children"), ("synthese-reports", "children")],
        [
            {"id": "synthese-period", "property": "value", "value": period},
            {"id": "synthese-commune", "property": "value", "value": commune},
        ],
    )


def test_period_and_commune_selectors_rebuild_the_summary(login_as, seeded):
    _activity, insee = seeded
    client = login_as("elu")
    quarter = _select(client, "trimestre", None)
    assert quarter.status_code == 200
    body = json.dumps(quarter.json, ensure_ascii=False)
    assert "trimestre" in body and "Pays de Montbéliard Agglomération" in body
    local = json.dumps(_select(client, "annee", insee).json, ensure_ascii=False)
    assert "comparée à l'agglomération" in local and "Agglomération :" in local
    assert "année" in local
    bad = _select(client, "siècle", "<script>")
    assert bad.status_code == 200  # falls back to the month and the agglomeration


@pytest.mark.parametrize(
    "username", ["elu", "admin", "operateur", "dechets", "securite"]
)
def test_every_role_opens_synthese(login_as, username):
    client = login_as(username)
    assert client.get("/synthese").status_code == 200
    client.get("/_dash-layout")
    response = client.post(
        "/_dash-update-component",
        data=router_body("/synthese"),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "synthese-waste" in response.get_data(as_text=True)


def _find(node, component_id):
    """The component with `component_id` in a callback's JSON output."""
    if isinstance(node, list):
        for child in node:
            found = _find(child, component_id)
            if found is not None:
                return found
    elif isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == component_id:
            return node
        return _find(props.get("children"), component_id)
    return None


def _text(node) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list):
        return " ".join(_text(child) for child in node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children") or "")
    return ""


def test_the_page_shows_the_trend_against_the_previous_period(
    login_as, database, seeded
):
    activity, _insee = seeded
    _now, before = current_and_previous("annee", today_paris())
    with database.session() as session:  # 4 bins reported in the previous period
        for bin_id, sensor_id, _ in activity["pairs"][:4]:
            when = before.start + timedelta(days=1, hours=bin_id % 5)
            session.execute(
                text(
                    "INSERT INTO readings (bin_id, sensor_id, measured_at, "
                    "received_at, fill_pct, source) VALUES (:b, :s, :t, :t, 50, 'x')"
                ),
                {"b": bin_id, "s": sensor_id, "t": when.replace(tzinfo=None)},
            )
    (monitored_before,) = _sql(
        database,
        "SELECT count(DISTINCT bin_id) FROM readings WHERE measured_at >= :a "
        "AND measured_at < :b",
        a=before.start.replace(tzinfo=None),
        b=before.end.replace(tzinfo=None),
    )[0]
    assert monitored_before == 4
    content = _select(login_as("elu"), "annee", None).json["response"]
    card = _text(_find(content["synthese-content"]["children"], "synthese-bins"))
    assert "12" in card and "bacs" in card
    assert "+200,0 %" in card  # (12 - 4) / 4, against the previous period


def test_median_delays_equal_independent_sql(app, database, seeded):
    with database.session() as session:
        rows = session.execute(text("SELECT id, created_at FROM incidents")).all()
        created = {i: _utc(t) for i, t in rows}
        for k, incident_id in enumerate(sorted(created)[:5], start=1):
            at = created[incident_id] + timedelta(minutes=7 * k)
            session.execute(
                text("UPDATE incidents SET acknowledged_at = :t WHERE id = :i"),
                {"i": incident_id, "t": _naive(at)},
            )
        for k, incident_id in enumerate(sorted(created)[:3], start=1):
            at = created[incident_id] + timedelta(hours=1.5 * k)
            session.execute(
                text(
                    "INSERT INTO incident_events (incident_id, at, actor, action, "
                    "to_status) VALUES (:i, :t, 'operateur', 'statut', 'resolu')"
                ),
                {"i": incident_id, "t": _naive(at)},
            )
    acks = [
        (_utc(a) - _utc(c)).total_seconds() / 60
        for c, a in _sql(
            database,
            "SELECT created_at, acknowledged_at FROM incidents "
            "WHERE acknowledged_at IS NOT NULL AND duplicate_of_id IS NULL",
        )
    ]
    fixes = [
        (_utc(r) - _utc(c)).total_seconds() / 3600
        for c, r in _sql(
            database,
            "SELECT i.created_at, min(e.at) FROM incidents i JOIN incident_events e "
            "ON e.incident_id = i.id WHERE e.to_status = 'resolu' "
            "GROUP BY i.id, i.created_at",
        )
    ]
    vigilance = _summary(app, database, "mois", None)["local"]["vigilance"]
    assert vigilance["median_ack_min"] == round(median(acks)) == 21
    assert vigilance["median_resolve_h"] == round(median(fixes), 1) == 3.0
