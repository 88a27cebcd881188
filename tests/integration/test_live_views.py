"""What live views send: freshness warning, incremental map updates, exports."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from db.models import Bin, Sensor
from services import service_status
from services.ingest import IngestPipeline, Message
from services.live import data_version
from tests.helpers import native, recent


def post_callback(client, outputs: list[str], inputs: list, state: list | None = None):
    """A Dash callback request as the browser sends it."""
    pairs = [o.split(".") for o in outputs]
    body = {
        "output": outputs[0] if len(outputs) == 1 else f"..{'...'.join(outputs)}..",
        "outputs": (
            {"id": pairs[0][0], "property": pairs[0][1]}
            if len(outputs) == 1
            else [{"id": c, "property": p} for c, p in pairs]
        ),
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
    )


def store(database, minutes_ago: int, n: int = 3, fill: float = 50.0):
    with database.session() as session:
        euis = session.scalars(select(Sensor.dev_eui).limit(n)).all()
    IngestPipeline(database).process(
        [
            Message(f"pma/waste/{eui}/up", native(recent(minutes_ago), fill_pct=fill))
            for eui in euis
        ]
    )
    return euis


def freshness_text(client) -> str:
    response = post_callback(
        client,
        ["app-freshness.children"],
        [{"id": "app-clock", "property": "n_intervals", "value": 1}],
    )
    assert response.status_code == 200
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_old_data_shows_the_stale_warning(database, login_as):
    client = login_as("operateur")
    assert "Aucune donnée reçue" in freshness_text(client)
    store(database, minutes_ago=30)
    assert "Données périmées" in freshness_text(client)
    store(database, minutes_ago=0)
    assert "Données à jour" in freshness_text(client)


def test_the_live_map_sends_only_the_bins_that_changed(database, login_as):
    client = login_as("operateur")
    store(database, minutes_ago=5, n=80, fill=10.0)
    page = client.get("/_dash-layout")
    assert page.status_code == 200
    tick = [{"id": "supervision-interval", "property": "n_intervals", "value": 1}]
    with database.session() as session:
        codes = session.scalars(select(Bin.code).order_by(Bin.code)).all()
        state = {"version": data_version(session), "codes": list(codes)}
    unchanged = post_callback(
        client,
        ["supervision-bins.data", "supervision-map-state.data"],
        tick,
        [{"id": "supervision-map-state", "property": "data", "value": state}],
    )
    # nothing new: nothing sent (Dash answers 204, or 200 with an empty response)
    assert unchanged.status_code == 204 or unchanged.get_json()["response"] == {}
    store(database, minutes_ago=0, n=2, fill=90.0)
    response = post_callback(
        client,
        ["supervision-bins.data", "supervision-map-state.data"],
        tick,
        [{"id": "supervision-map-state", "property": "data", "value": state}],
    )
    patch = response.get_json()["response"]["supervision-bins"]["data"]
    assert patch["__dash_patch_update"] == "__dash_patch_update"
    operations = patch["operations"]
    assert len(operations) == 2
    assert all(op["params"]["value"]["f"] == 90 for op in operations)


def test_csv_export_follows_the_filters(database, login_as):
    client = login_as("dechets")
    with database.session() as session:
        commune = session.scalar(select(Bin.commune_insee))
        expected = len(
            session.scalars(select(Bin.id).where(Bin.commune_insee == commune)).all()
        )
    response = client.get(f"/dechets/export.csv?commune={commune}")
    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert len(rows) == expected
    assert {r["code_insee"] for r in rows} == {commune}
    assert login_as("securite").get("/dechets/export.csv").status_code == 403


def test_sensor_state_filters_find_low_batteries_and_tilted_bins(database, login_as):
    with database.session() as session:
        euis = session.scalars(select(Sensor.dev_eui).limit(3)).all()
    IngestPipeline(database).process(
        [
            Message(
                f"pma/waste/{euis[0]}/up", native(recent(1), fill_pct=5, battery_pct=8)
            ),
            Message(
                f"pma/waste/{euis[1]}/up", native(recent(1), fill_pct=5, tilt=True)
            ),
            Message(
                f"pma/waste/{euis[2]}/up", native(recent(1), fill_pct=5, battery_pct=90)
            ),
        ]
    )
    client = login_as("dechets")

    def exported(state: str) -> list[str]:
        text = client.get(f"/dechets/export.csv?status={state}").get_data(as_text=True)
        return [
            row["deveui"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        ]

    assert exported("batterie_faible") == [euis[0]]
    assert exported("bascule") == [euis[1]]
    assert len(exported("normal")) == 3


def test_demo_history_progress_shows_in_the_badge(database, login_as):
    with database.session() as session:
        service_status.beat(
            session,
            service_status.DEMO_HISTORY,
            "running",
            detail="42",
            started_at=recent(),
        )
    assert "historique de démonstration : 42 %" in freshness_text(login_as("elu"))
    with database.session() as session:
        service_status.beat(
            session,
            service_status.DEMO_HISTORY,
            "done",
            detail="100",
            started_at=recent(),
        )
    assert "Aucune donnée reçue" in freshness_text(login_as("elu"))
