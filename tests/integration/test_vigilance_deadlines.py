"""Per-incident deadlines: by severity and status, in SQL and in Python, on the page,
in the synthese share and in the Supervision feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from components.vigilance_deadlines import grid_fields
from db.engine import Database
from db.models import Incident, IncidentEvent
from db.types import utcnow
from services.alerts import incident_alerts
from services.incident_deadlines import (
    DEFAULT_RESOLVE_TARGETS,
    Targets,
    deadline_state,
    format_delay,
    incident_targets,
    overdue_counts,
    resolve_targets,
)
from services.incident_lifecycle import DEFAULT_ACK_TARGETS, STATUSES
from services.setup import prepare_database
from services.summary_vigilance import vigilance_period
from tests.integration.test_vigilance_http import dash_call

MIN = timedelta(minutes=1)
TARGETS = Targets()  # the documented defaults (no INCIDENT_* variable in tests)


@pytest.fixture
def territory(database_url):
    """The territory alone (no bins, no accounts), on SQLite and PostgreSQL."""
    database = Database(database_url)
    prepare_database(database, {"HYPERVISION_ENV": "production"})
    yield database
    database.engine.dispose()


def add(session, severity: str, status: str, age: timedelta, now: datetime, **kw):
    incident = Incident(
        report_id=str(uuid.uuid4()),
        ts=now - age,
        category="tapage",
        severity=severity,
        lat=47.5098,
        lon=6.7985,
        commune_insee="25388",
        source="operateur",
        status=status,
        created_at=now - age,
        updated_at=now,
        **kw,
    )
    session.add(incident)
    session.flush()
    return incident


def test_default_targets_are_the_documented_ones():
    assert {k: v.total_seconds() / 60 for k, v in TARGETS.ack.items()} == (
        DEFAULT_ACK_TARGETS
    )
    assert TARGETS.resolve == {
        "critique": timedelta(hours=4),
        "elevee": timedelta(hours=24),
        "moyenne": timedelta(hours=72),
        "faible": timedelta(days=7),
    }
    assert DEFAULT_RESOLVE_TARGETS["critique"] == 4


def test_resolve_targets_read_units_and_refuse_nonsense():
    targets = resolve_targets({"INCIDENT_RESOLVE_TARGETS": "critique=90min, faible=3j"})
    assert targets["critique"] == timedelta(minutes=90)
    assert targets["faible"] == timedelta(days=3)
    assert targets["elevee"] == timedelta(hours=24)  # untouched default
    assert resolve_targets({"INCIDENT_RESOLVE_TARGETS": "moyenne=6"})[
        "moyenne"
    ] == timedelta(hours=6)
    for bad in ("urgent=3", "critique=vite", "critique=0", "critique=-2"):
        with pytest.raises(ValueError, match="INCIDENT_RESOLVE_TARGETS"):
            resolve_targets({"INCIDENT_RESOLVE_TARGETS": bad})


# (status, age past which: None = fresh, "ack" = past ack only, "resolve" = past both)
CASES = [
    ("nouveau", "fresh", False, False),
    ("nouveau", "ack", True, False),
    ("nouveau", "resolve", True, True),
    ("pris_en_compte", "ack", False, False),
    ("pris_en_compte", "resolve", False, True),
    ("en_intervention", "resolve", False, True),
    ("resolu", "resolve", False, False),
    ("clos", "resolve", False, False),
    ("rejete", "resolve", False, False),
    ("doublon", "resolve", False, False),
]


@pytest.mark.parametrize("severity", list(DEFAULT_ACK_TARGETS))
def test_deadlines_by_severity_and_status_in_sql_and_python(territory, severity):
    now = utcnow()
    ack, resolve = TARGETS.ack[severity], TARGETS.resolve[severity]
    ages = {"fresh": ack - MIN, "ack": ack + MIN, "resolve": resolve + MIN}
    with territory.session() as session:
        before = overdue_counts(session, TARGETS, now)
        made = [
            (add(session, severity, status, ages[age], now), ack_late, fix_late)
            for status, age, ack_late, fix_late in CASES
        ]
        after = overdue_counts(session, TARGETS, now)
        for incident, ack_late, fix_late in made:
            state = deadline_state(
                incident.created_at, severity, incident.status, TARGETS, now
            )
            assert (state["ack_late"] is not None) == ack_late, incident.status
            assert (state["resolve_late"] is not None) == fix_late, incident.status
            assert state["ack_due"] == incident.created_at + ack
            assert state["resolve_due"] == incident.created_at + resolve
            if incident.status in ("resolu", "clos", "rejete", "doublon"):
                assert state["due"] is None and state["late"] is None
        session.rollback()
    assert after["ack"] - before["ack"] == sum(a for _, a, _ in made)
    assert after["resolve"] - before["resolve"] == sum(r for _, _, r in made)


def test_the_grid_says_due_and_how_late():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=utcnow().tzinfo)
    created = now - timedelta(minutes=15) - timedelta(hours=2, minutes=10)
    state = deadline_state(created, "critique", "nouveau", TARGETS, now)
    fields = grid_fields(state)
    assert fields["late"] == "en retard de 2 h 10"
    assert fields["due"].startswith("prise en compte · 22/11 ")
    assert fields["overdue_ack"] and not fields["overdue_resolve"]
    handled = deadline_state(
        now - timedelta(hours=1), "critique", "en_intervention", TARGETS, now
    )
    assert grid_fields(handled)["late"] == "dans 3 h 00"
    assert grid_fields(handled)["due"].startswith("résolution · ")
    done = deadline_state(now - timedelta(days=30), "faible", "clos", TARGETS, now)
    assert grid_fields(done) | {} == {
        "due": "",
        "late": "",
        "late_flag": False,
        "overdue_ack": False,
        "overdue_resolve": False,
    }
    assert format_delay(timedelta(minutes=25)) == "25 min"
    assert format_delay(timedelta(days=3, hours=4, minutes=5)) == "3 j 4 h"


@dataclass
class Window:
    start: datetime
    end: datetime


def test_synthese_share_counts_either_missed_deadline(territory):
    now = utcnow()
    with territory.session() as session:
        # 1. acknowledged in time, resolved in time: not late
        ok = add(session, "moyenne", "clos", timedelta(days=2), now)
        ok.acknowledged_at = ok.created_at + timedelta(minutes=30)
        # 2. acknowledged after its 2 h target: late
        slow = add(session, "moyenne", "pris_en_compte", timedelta(hours=5), now)
        slow.acknowledged_at = slow.created_at + timedelta(hours=3)
        # 3. acknowledged in time but resolved after its 4 h target: late
        fix = add(session, "critique", "resolu", timedelta(hours=10), now)
        fix.acknowledged_at = fix.created_at + timedelta(minutes=5)
        # 4. acknowledged in time, still open past its 24 h target: late
        stuck = add(session, "elevee", "en_intervention", timedelta(hours=30), now)
        stuck.acknowledged_at = stuck.created_at + timedelta(minutes=10)
        # 5. rejected in time: no resolution deadline, not late
        gone = add(session, "faible", "rejete", timedelta(days=9), now)
        gone.acknowledged_at = gone.created_at + timedelta(hours=1)
        for incident, hours in ((ok, 20), (fix, 6)):
            session.add(
                IncidentEvent(
                    incident_id=incident.id,
                    at=incident.created_at + timedelta(hours=hours),
                    actor="test",
                    action="statut",
                    to_status="resolu",
                )
            )
        session.commit()
        figures = vigilance_period(
            session, Window(now - timedelta(days=10), now + MIN), None, {}
        )
    assert figures["incidents"] == 5
    assert figures["overdue_share"] == 60.0  # 3 of 5


def test_supervision_feed_shows_how_late_a_serious_incident_is(territory):
    now = utcnow()
    with territory.session() as session:
        old = add(session, "critique", "nouveau", timedelta(hours=30), now)
        fresh = add(session, "elevee", "nouveau", timedelta(minutes=5), now)
        session.commit()
        alerts = {a["incident_id"]: a for a in incident_alerts(session, now=now)}
    # Past 24 h but late: still in the feed, with its lateness.
    assert alerts[old.id]["late"] == timedelta(hours=30) - TARGETS.ack["critique"]
    assert alerts[fresh.id]["late"] is None


def kpi_value(response_json: dict, card_id: str) -> str:
    """The big figure of a KPI card in a Dash callback response."""

    def find(node):
        if isinstance(node, dict):
            if (node.get("props") or {}).get("id") == card_id:
                return node
            return next((f for v in node.values() if (f := find(v))), None)
        if isinstance(node, list):
            return next((f for v in node if (f := find(v))), None)
        return None

    def texts(node):
        if isinstance(node, dict):
            yield from texts(node.get("props", {}).get("children"))
        elif isinstance(node, list):
            for item in node:
                yield from texts(item)
        elif node is not None:
            yield str(node)

    card = find(response_json)
    assert card is not None, card_id
    return next(texts(card))


def test_kpis_on_the_page_count_late_incidents(app, database, login_as):
    now = utcnow()
    targets = incident_targets({})
    with database.session() as session:
        for status in STATUSES:
            add(session, "moyenne", status, timedelta(hours=3), now)  # past ack
            add(session, "elevee", status, timedelta(hours=25), now)  # past both
        expected = overdue_counts(session, targets, now + MIN)
        rows = session.scalars(select(Incident.status)).all()
    assert expected == {"ack": 2, "resolve": 3} and len(rows) == 14
    response = dash_call(
        login_as("securite"),
        "vigilance-points.data",
        {"vigilance-period.value": "30j", "vigilance-map-mode.value": "points"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert kpi_value(body, "vigilance-kpi-late-ack") == "2"
    assert kpi_value(body, "vigilance-kpi-late-resolve") == "3"
    assert kpi_value(body, "vigilance-kpi-open") == "6"


def test_the_late_filter_lists_exactly_the_late_incidents(territory):
    from services.incident_queries import IncidentFilter, list_incidents

    now = utcnow()
    with territory.session() as session:
        late_ack = add(session, "critique", "nouveau", timedelta(minutes=20), now)
        late_fix = add(session, "moyenne", "en_intervention", timedelta(days=4), now)
        add(session, "critique", "nouveau", timedelta(minutes=5), now)
        add(session, "moyenne", "clos", timedelta(days=4), now)
        add(session, "faible", "pris_en_compte", timedelta(days=2), now)
        items, total = list_incidents(
            session, IncidentFilter(status="en_retard"), TARGETS, now=now
        )
        session.rollback()
    assert total == 2
    assert {i["id"] for i in items} == {late_ack.id, late_fix.id}


def test_the_detail_panel_shows_both_deadlines(app, database, login_as):
    now = utcnow()
    with database.session() as session:
        incident = add(
            session, "elevee", "pris_en_compte", timedelta(hours=26, minutes=5), now
        )
        incident.acknowledged_at = incident.created_at + timedelta(minutes=45)
        key = incident.id
    detail = dash_call(
        login_as("operateur"),
        "vigilance-detail.children",
        {"vigilance-selected.data": key, "vigilance-version.data": 0},
    ).get_data(as_text=True)
    assert "Échéances" in detail
    assert "dépassée (pris en compte en retard)" in detail  # 45 min > 30 min
    assert "Résolution en retard de 2 h 0" in detail  # 26 h 05 - 24 h
