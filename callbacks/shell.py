"""Shell callbacks: the data freshness badge shown on every page.

It also says when something upstream is down, so that an agent knows why the
figures stop moving: the sensor feed (MQTT listener disconnected) or the database.
"""

from __future__ import annotations

import json
import logging

import dash_bootstrap_components as dbc
from dash import Input, Output, html
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from db.engine import get_session
from db.models import Bin
from db.types import utcnow
from services import service_status, web_errors
from services.context import settings

log = logging.getLogger(__name__)


def freshness_badge(age_s: float | None, stale_after_s: float):
    """Green when data is recent, red 'Données périmées' otherwise."""
    if age_s is None:
        return dbc.Badge("Aucune donnée reçue", color="secondary", className="hv-stale")
    if age_s > stale_after_s:
        minutes = int(age_s // 60)
        return dbc.Badge(
            f"Données périmées (dernière mesure il y a {minutes} min)",
            color="danger",
            className="hv-stale",
            id="app-stale",
        )
    return dbc.Badge(f"Données à jour (il y a {int(age_s)} s)", color="success")


FEED_DOWN_TITLE = (
    "Le service d'ingestion n'est pas connecté au broker MQTT : "
    "les mesures des capteurs n'arrivent plus."
)


def feed_down_badge(age_s: float | None, stale_after_s: float):
    """The listener is not receiving (readings wait at the broker): one short
    badge, so that the navbar keeps its width."""
    if age_s is None:
        text, color = "Aucune donnée", "secondary"
    elif age_s > stale_after_s:
        text, color = f"Données périmées ({int(age_s // 60)} min)", "danger"
    else:
        text, color = None, "warning"
    parts = [html.I(className="bi bi-wifi-off me-1")]
    parts += [f"{text} · Réception interrompue"] if text else ["Réception interrompue"]
    return dbc.Badge(
        parts,
        color=color,
        text_color="dark" if color == "warning" else None,
        className="hv-stale",
        id="app-feed-down",
        title=FEED_DOWN_TITLE,
    )


def database_badge():
    return dbc.Badge(
        "Base de données indisponible",
        color="danger",
        className="hv-stale",
        id="app-db-down",
        title="Les valeurs affichées datent d'avant la coupure.",
    )


def database_down_response() -> str:
    """The Dash answer of update_freshness while no request can reach the database."""
    output = {"app-freshness": {"children": database_badge()}}
    body = {"multi": True, "response": output}
    return json.dumps(body, cls=PlotlyJSONEncoder)


def register(app) -> None:
    web_errors.register_fallback(
        app.server, "app-freshness.children", database_down_response
    )

    @app.callback(
        Output("app-freshness", "children"), Input("app-clock", "n_intervals")
    )
    def update_freshness(_n):
        config = settings()
        session = get_session()
        try:
            history = service_status.read(session, service_status.DEMO_HISTORY)
            if history["state"] == "running":
                return dbc.Badge(
                    "Chargement de l'historique de démonstration : "
                    f"{history['detail']} %",
                    color="info",
                )
            latest = session.scalar(select(func.max(Bin.last_measured_at)))
            ingest = service_status.read(session, "ingest")
        except SQLAlchemyError as error:  # the page keeps its figures, says why
            log.warning("badge de fraîcheur : base indisponible (%s)", type(error))
            return database_badge()
        age = (utcnow() - latest).total_seconds() if latest else None
        if config["MQTT_URL"] and ingest["state"] != "connected":
            return feed_down_badge(age, config["STALE_AFTER_S"])
        return freshness_badge(age, config["STALE_AFTER_S"])
