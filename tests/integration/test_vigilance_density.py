"""The density view: cells counted in SQL equal an independent count, filters apply,
and the page sends cells (not points) with a legend saying unit and period."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import Commune, Incident
from db.types import utcnow
from services.incident_density import class_limits, density_cells, grid_steps
from services.incident_queries import IncidentFilter
from services.setup import prepare_database
from tests.integration.test_vigilance_http import dash_call

CATEGORIES = ["tapage", "cambriolage", "depot_sauvage", "incendie"]
STATUSES = ["nouveau", "pris_en_compte", "resolu", "clos"]
AGES_DAYS = [0.1, 3, 12, 45]


def seed(session, now, count: int = 160, seed_value: int = 7) -> None:
    """Incidents around six communes' label points, up to ~700 m away."""
    rng = random.Random(seed_value)
    places = session.execute(
        select(Commune.insee, Commune.label_lat, Commune.label_lon)
        .order_by(Commune.population.desc())
        .limit(6)
    ).all()
    for i in range(count):
        insee, lat, lon = places[i % len(places)]
        created = now - timedelta(days=rng.choice(AGES_DAYS))
        session.add(
            Incident(
                report_id=str(uuid.uuid4()),
                ts=created,
                category=CATEGORIES[i % 4],
                severity=rng.choice(["faible", "moyenne", "elevee"]),
                lat=lat + rng.uniform(-0.006, 0.006),
                lon=lon + rng.uniform(-0.009, 0.009),
                commune_insee=insee,
                source="test",
                status=STATUSES[(i // 4) % 4],
                created_at=created,
                updated_at=created,
            )
        )


# Each filter and its own conditions, written here (no code shared with the service).
FILTERS = [
    (IncidentFilter(), lambda now: []),
    (IncidentFilter(category="tapage"), lambda now: [Incident.category == "tapage"]),
    (IncidentFilter(period="7j"), lambda now: [Incident.ts >= now - timedelta(7)]),
    (
        IncidentFilter(status="ouverts", period="30j"),
        lambda now: [
            Incident.status.in_(["nouveau", "pris_en_compte", "en_intervention"]),
            Incident.ts >= now - timedelta(days=30),
        ],
    ),
]


@pytest.fixture
def seeded(database_url):
    database = Database(database_url)
    prepare_database(database, {"HYPERVISION_ENV": "production"})
    now = utcnow()
    with database.session() as session:
        seed(session, now)
    yield database, now
    database.engine.dispose()


@pytest.mark.parametrize(("filters", "where"), FILTERS)
def test_cells_equal_an_independent_count(seeded, filters, where):
    database, now = seeded
    count = select(func.count()).select_from(Incident)
    with database.session() as session:
        cells = density_cells(session, filters, now=now)
        total = session.scalar(count.where(*where(now)))
        for cell in cells:
            inside = session.scalar(
                count.where(
                    *where(now),
                    Incident.lat >= cell["south"],
                    Incident.lat < cell["north"],
                    Incident.lon >= cell["west"],
                    Incident.lon < cell["east"],
                )
            )
            assert cell["count"] == inside, cell
        dlat, dlon = grid_steps(session)
    assert total > 0
    assert sum(c["count"] for c in cells) == total
    assert len({(c["row"], c["col"]) for c in cells}) == len(cells)
    assert any(c["count"] > 1 for c in cells)  # incidents really gather
    # About one km² per cell at PMA's latitude.
    assert abs(dlat * 111.32 - 1) < 1e-9
    assert 0.99 < dlon * 111.32 * 0.676 < 1.01


def test_class_limits_grow_with_the_busiest_cell():
    assert class_limits(0) == [] and class_limits(1) == []
    assert class_limits(4) == [2, 3, 4]
    assert class_limits(40) == [3, 5, 10, 20]
    limits = class_limits(500)
    assert limits == sorted(set(limits)) and limits[-1] < 500


def test_the_page_sends_density_cells_with_unit_and_period(app, database, login_as):
    now = utcnow()
    with database.session() as session:
        seed(session, now, count=60)
    client = login_as("securite")
    values = {
        "vigilance-map-mode.value": "densite",
        "vigilance-period.value": "7j",
        "vigilance-category.value": "cambriolage",
    }
    body = dash_call(client, "vigilance-points.data", values).get_json()
    response = body["response"]
    cells = response["vigilance-density"]["data"]["features"]
    assert response["vigilance-points"]["data"]["features"] == []
    with database.session() as session:
        expected = session.scalar(
            select(func.count()).where(
                Incident.category == "cambriolage",
                Incident.ts >= now - timedelta(days=7),
            )
        )
    assert expected > 0
    assert sum(f["properties"]["n"] for f in cells) == expected
    legend = str(response["vigilance-map-legend"]["children"])
    assert "incidents par km²" in legend and "7 derniers jours" in legend
    assert f"{expected} incident" in legend


@pytest.mark.parametrize("username", ["elu", "dechets"])
def test_map_layers_are_refused_to_roles_without_the_page(login_as, username):
    client = login_as(username)
    for output, values in (
        ("vigilance-points.data", {"vigilance-map-mode.value": "densite"}),
        ("vigilance-context.data", {"vigilance-context-on.value": True}),
    ):
        # The dependencies list is the same for every role: ask as an admin
        # would, send as this role.
        response = dash_call(client, output, values)
        assert response.status_code == 403
