"""Shell callbacks: the data freshness badge shown on every page."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output
from sqlalchemy import func, select

from db.engine import get_session
from db.models import Bin
from db.types import utcnow
from services import service_status
from services.context import settings


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


def register(app) -> None:
    @app.callback(
        Output("app-freshness", "children"), Input("app-clock", "n_intervals")
    )
    def update_freshness(_n):
        session = get_session()
        history = service_status.read(session, service_status.DEMO_HISTORY)
        if history["state"] == "running":
            return dbc.Badge(
                f"Chargement de l'historique de démonstration : {history['detail']} %",
                color="info",
            )
        latest = session.scalar(select(func.max(Bin.last_measured_at)))
        age = (utcnow() - latest).total_seconds() if latest else None
        return freshness_badge(age, settings()["STALE_AFTER_S"])
