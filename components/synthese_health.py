"""The health theme of /synthese: GP density, under-served communes, no GP."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html

from components.synthese_view import (
    BLUE,
    GREEN,
    bar,
    figure_card,
    fmt,
    graph,
    row,
    section,
    source_note,
)

DENSITY_UNIT = "pour 10 000 hab."


def _yes_no(value) -> str | None:
    return None if value is None else ("oui" if value else "non")


def professions_chart(health, commune_name: str | None) -> go.Figure:
    """Practitioners per 10,000 inhabitants by profession (commune vs agglomeration)."""
    scopes = [("Agglomération", health["professions"], BLUE)]
    if commune_name is not None:
        scopes.insert(0, (commune_name, health["commune"]["professions"], GREEN))
    fig = go.Figure()
    for name, values, color in scopes:
        fig.add_bar(
            y=[label for label, _ in values][::-1],
            x=[value or 0.0 for _, value in values][::-1],
            orientation="h",
            name=name,
            marker_color=color,
            text=[fmt(value, 1) or "—" for _, value in values][::-1],
            textposition="outside",
            cliponaxis=False,
        )
    fig.update_layout(
        title={
            "text": "Professionnels de santé pour 10 000 habitants",
            "font": {"size": 15},
        },
        template="plotly_white",
        height=400,
        separators=", ",
        barmode="group",
        showlegend=commune_name is not None,
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 10, "r": 30, "t": 40, "b": 40},
        xaxis_title="pour 10 000 habitants",
    )
    fig.update_yaxes(automargin=True)
    return fig


def health_section(data) -> html.Section:
    health = data["health"]
    if health is None:
        return section(
            "Offre de soins",
            "bi-heart-pulse",
            [html.P("Aucun extrait RPPS importé pour l'instant.")],
            "synthese-health",
        )
    commune = health.get("commune")
    source = (
        f"Source : Annuaire Santé (RPPS), extrait du "
        f"{health['extracted_at']:%d/%m/%Y}. Situation à cette date, sans "
        "comparaison dans le temps."
    )
    if commune is None:
        cards = [
            figure_card(
                "Médecins généralistes pour 10 000 habitants",
                fmt(health["gp_density"], 1),
                DENSITY_UNIT,
                hint=f"{fmt(health['gps'])} médecins généralistes",
                card_id="synthese-gp-density",
            ),
            figure_card(
                "Communes sous-dotées",
                fmt(health["underserved"]),
                f"sur {health['communes']}",
                hint="accessibilité aux généralistes sous le seuil",
                card_id="synthese-underserved",
            ),
            figure_card(
                "Communes sans médecin généraliste",
                fmt(health["without_gp"]),
                f"sur {health['communes']}",
                card_id="synthese-without-gp",
            ),
        ]
        lowest = health["least_served"][:12]
        chart = bar(
            [name for name, _ in lowest],
            [round(value, 1) for _, value in lowest],
            "Les 12 communes les moins bien desservies<br><sup>accessibilité aux "
            "généralistes, communes voisines comprises</sup>",
            "généralistes accessibles pour 10 000 hab.",
            BLUE,
            horizontal=True,
            height=400,
        )
        chart.update_layout(margin={"t": 64})  # the two-line title
        # A fixed range: on a narrow (printed) chart the autorange made room for
        # the threshold's label and squashed the bars.
        top = max([value for _, value in lowest] + [health["threshold"]])
        chart.update_xaxes(range=[0, top * 1.3])
        chart.add_vline(
            x=health["threshold"],
            line_dash="dash",
            line_color="#dc3545",
            annotation_text=f"seuil : {fmt(health['threshold'], 1)}",
        )
    else:
        cards = [
            figure_card(
                "Médecins généralistes pour 10 000 habitants",
                fmt(commune["gp_density"], 1),
                DENSITY_UNIT,
                hint=f"Agglomération : {fmt(health['gp_density'], 1)}",
                card_id="synthese-gp-density",
            ),
            figure_card(
                "Commune sous-dotée",
                _yes_no(commune["underserved"]),
                "",
                hint=f"{fmt(health['underserved'])} communes sous-dotées dans "
                "l'agglomération",
                card_id="synthese-underserved",
            ),
            figure_card(
                "Médecin généraliste dans la commune",
                fmt(commune["gps"]),
                "médecins",
                hint=None
                if commune["nearest_gp"] is None or commune["gps"]
                else f"le plus proche : {commune['nearest_gp']} "
                f"({fmt(commune['nearest_km'], 1)} km)",
                card_id="synthese-without-gp",
            ),
        ]
        chart = bar(
            [data["commune"]["name"], "Agglomération"],
            [commune["gp_density"] or 0.0, health["gp_density"] or 0.0],
            "Médecins généralistes pour 10 000 habitants",
            "pour 10 000 habitants",
            BLUE,
            horizontal=True,
        )
    return section(
        "Offre de soins",
        "bi-heart-pulse",
        [
            row(cards, md=4),
            row(
                [
                    graph("synthese-health-chart", chart),
                    graph(
                        "synthese-professions-chart",
                        professions_chart(
                            health, data["commune"] and data["commune"]["name"]
                        ),
                    ),
                ],
                md=6,
            ),
            source_note(source),
        ],
        "synthese-health",
    )
