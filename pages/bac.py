"""One bin: its card and its 30-day fill, battery and temperature history."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.charts import time_series
from components.feed import local_time
from db.engine import get_session
from services.bins import KIND_LABELS, STATUS_LABELS, get_bin
from services.context import settings, thresholds
from services.history import bin_history

dash.register_page(
    __name__,
    path_template="/dechets/bac/<code>",
    name="Fiche bac",
    title="Fiche bac · Hyperviseur",
    nav=False,
)

SOURCE = "Source : capteurs de remplissage LoRaWAN (distance mesurée, mm)"


def _fact(label: str, value) -> html.Div:
    return html.Div(
        [html.Small(label, className="text-muted d-block"), html.Strong(value)],
        className="me-4 mb-2",
    )


def layout(code=None, **_kwargs):
    session = get_session()
    item = get_bin(session, code or "", thresholds())
    if item is None:
        return dbc.Alert(f"Bac inconnu : {code}", color="warning", id="bac-unknown")
    history = bin_history(session, item["code"])
    fill = "—" if item["fill_pct"] is None else f"{item['fill_pct']:.0f} %"
    battery = "—" if item["battery_pct"] is None else f"{item['battery_pct']:.0f} %"
    temperature = (
        "—"
        if item["temperature_c"] is None
        else f"{item['temperature_c']:.1f} °C".replace(".", ",")
    )
    card = dbc.Card(
        dbc.CardBody(
            [
                html.H1(
                    ["Bac ", html.Span(item["code"], id="bac-code")], className="h3"
                ),
                html.Div(
                    [
                        _fact("Type", KIND_LABELS[item["kind"]]),
                        _fact(
                            "Commune",
                            f"{item['commune_name']} ({item['commune_insee']})",
                        ),
                        _fact("Remplissage", html.Span(fill, id="bac-fill")),
                        _fact("État", STATUS_LABELS[item["status"]]),
                        _fact(
                            "Dernière mesure",
                            local_time(item["measured_at"], "%d/%m/%Y %H:%M"),
                        ),
                        _fact("Batterie", battery),
                        _fact("Température", temperature),
                        _fact("Volume", f"{item['capacity_l']} L"),
                        _fact("Capteur (DevEUI)", item["dev_eui"] or "aucun"),
                    ],
                    className="d-flex flex-wrap",
                ),
            ]
        ),
        className="shadow-sm mb-3",
    )
    if history.empty:
        charts = dbc.Alert("Aucune mesure sur les 30 derniers jours.", color="light")
    else:
        charts = html.Div(
            [
                dcc.Graph(
                    id="bac-fill-chart",
                    figure=time_series(
                        history,
                        "fill_pct",
                        "Remplissage sur 30 jours",
                        "%",
                        "#2e7d32",
                        (0, 105),
                        settings()["ALERT_FILL_PCT"],
                    ),
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            dcc.Graph(
                                id="bac-battery-chart",
                                figure=time_series(
                                    history,
                                    "battery_pct",
                                    "Batterie",
                                    "%",
                                    "#2c3e50",
                                    (0, 100),
                                ),
                            ),
                            md=6,
                        ),
                        dbc.Col(
                            dcc.Graph(
                                id="bac-temperature-chart",
                                figure=time_series(
                                    history,
                                    "temperature_c",
                                    "Température",
                                    "°C",
                                    "#c0392b",
                                ),
                            ),
                            md=6,
                        ),
                    ]
                ),
                html.Small(
                    f"{SOURCE} · {len(history)} mesures · heures de Paris",
                    className="text-muted",
                ),
            ]
        )
    return html.Div([dcc.Link("← Retour aux bacs", href="/dechets"), card, charts])
