"""The « Qualité des prévisions » panel: backtest errors, model against baseline."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.feed import local_time

TARGETS = {"overflow": "débordement", "alert": "seuil de collecte"}
METHOD_LABELS = {"modele": "Modèle", "baseline": "Extrapolation linéaire"}


def quality_panel(latest: tuple | None):
    if latest is None:
        return dbc.Alert(
            "Aucune évaluation encore : elle est calculée chaque jour, ou "
            "avec « flask --app app backtest ».",
            color="light",
            id="systeme-quality",
        )
    computed_at, table = latest
    overall = table[table["kind"] == "TOUS"]
    fig = go.Figure()
    for method, color in (("modele", "#2c7fb8"), ("baseline", "#bdbdbd")):
        rows = overall[overall["method"] == method]
        fig.add_bar(
            x=[f"{h} h" for h in rows["horizon_h"]],
            y=rows["mae_h"],
            name=METHOD_LABELS.get(method, method),
            marker_color=color,
            text=[f"{v:.1f} h".replace(".", ",") for v in rows["mae_h"]],
            textposition="outside",
        )
    target = str(table["target"].iloc[0]) if "target" in table else ""
    fig.update_layout(
        title={
            "text": "Erreur moyenne sur l'heure de débordement prévue, par horizon",
            "font": {"size": 15},
        },
        yaxis_title="erreur absolue moyenne (h)",
        xaxis_title="horizon de prévision",
        template="plotly_white",
        height=300,
        barmode="group",
        separators=", ",
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
    )
    at24 = table[(table["horizon_h"] == 24)].pivot_table(
        index="kind", columns="method", values="mae_h"
    )
    rows = [
        html.Tr(
            [
                html.Td(kind),
                *[
                    html.Td(
                        f"{at24.loc[kind].get(m, float('nan')):.1f}".replace(".", ",")
                    )
                    for m in METHOD_LABELS
                ],
            ]
        )
        for kind in at24.index
    ]
    coverage = overall[overall["method"] == "modele"]["coverage"]
    return html.Div(
        [
            dcc.Graph(figure=fig, id="systeme-quality-chart"),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("Type de bac (24 h)"),
                                *[html.Th(f"{v} (h)") for v in METHOD_LABELS.values()],
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                size="sm",
                striped=True,
            ),
            html.Small(
                f"Évaluation du {local_time(computed_at, '%d/%m/%Y %H:%M')} sur "
                "l'historique enregistré (origines glissantes, cible : "
                f"{TARGETS.get(target, target)}). Couverture de l'intervalle à 80 % : "
                + (
                    f"{pd.Series(coverage).mean() * 100:.0f} %"
                    if len(coverage)
                    else "—"
                ),
                className="text-muted",
            ),
        ],
        id="systeme-quality",
    )


def job_runs_table(runs: list) -> dbc.Table:
    status = {"ok": "success", "erreur": "danger", "en_cours": "info"}
    body = [
        html.Tr(
            [
                html.Td(run.job),
                html.Td(local_time(run.started_at, "%d/%m %H:%M:%S")),
                html.Td(
                    html.Span(
                        run.status,
                        className=f"badge text-bg-"
                        f"{status.get(run.status, 'secondary')}",
                    )
                ),
                html.Td(run.detail),
                html.Td(run.host),
            ]
        )
        for run in runs
    ]
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(h)
                        for h in ("Tâche", "Début", "État", "Détail", "Machine")
                    ]
                )
            ),
            html.Tbody(body),
        ],
        size="sm",
        striped=True,
        id="systeme-job-table",
    )
