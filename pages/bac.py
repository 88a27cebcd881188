"""One bin: its card and its 30-day fill, battery and temperature history."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.charts import add_forecast_band, time_series
from components.feed import local_time
from db.engine import get_session
from services.bins import KIND_LABELS, STATUS_LABELS, get_bin
from services.context import settings, thresholds
from services.forecast_jobs import stored_forecast
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


def fill_chart(history, forecast):
    """30 days of fill, and the 72-hour forecast with its interval when known."""
    title = "Remplissage sur 30 jours" + (" et prévision à 72 h" if forecast else "")
    figure = time_series(
        history,
        "fill_pct",
        title,
        "%",
        "#2e7d32",
        (0, 115),
        settings()["ALERT_FILL_PCT"],
    )
    return add_forecast_band(figure, forecast) if forecast else figure


def forecast_facts(forecast: dict | None):
    if forecast is None:
        return html.Small(
            "Prévision pas encore calculée (actualisation toutes les "
            f"{settings()['FORECAST_INTERVAL_MIN']} min).",
            className="text-muted",
            id="bac-forecast",
        )

    def eta(value):
        return local_time(value, "%d/%m %H:%M") if value else "au-delà de 72 h"

    note = " · capteur bloqué (même mesure répétée)" if forecast["stuck"] else ""
    return html.Div(
        [
            _fact(
                "Seuil de collecte prévu",
                html.Span(eta(forecast["alert_eta"]), id="bac-alert-eta"),
            ),
            _fact(
                "Débordement prévu",
                html.Span(eta(forecast["overflow_eta"]), id="bac-overflow-eta"),
            ),
            _fact(
                "Vitesse de remplissage",
                f"{forecast['rate_pct_per_h']:.2f} %/h".replace(".", ","),
            ),
            _fact(
                "Prévision calculée",
                local_time(forecast["generated_at"], "%d/%m %H:%M") + note,
            ),
        ],
        className="d-flex flex-wrap border-top pt-2",
        id="bac-forecast",
    )


def layout(code=None, **_kwargs):
    session = get_session()
    item = get_bin(session, code or "", thresholds())
    if item is None:
        return dbc.Alert(f"Bac inconnu : {code}", color="warning", id="bac-unknown")
    history = bin_history(session, item["code"])
    forecast = stored_forecast(session, item["id"])
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
                forecast_facts(forecast),
            ]
        ),
        className="shadow-sm mb-3",
    )
    if history.empty:
        charts = dbc.Alert("Aucune mesure sur les 30 derniers jours.", color="light")
    else:
        charts = html.Div(
            [
                dcc.Graph(id="bac-fill-chart", figure=fill_chart(history, forecast)),
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
