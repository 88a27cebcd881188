"""The card of one commune on the health page, and the « données fictives » badge."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.kpi import number_fr
from services.health_indicators import PROFESSIONS


def demo_badge(is_demo: bool, badge_id: str | None = None):
    """A visible warning that the extract shown is generated, not real."""
    if not is_demo:
        return None
    kwargs = {"id": badge_id} if badge_id else {}
    return dbc.Badge(
        "Données fictives",
        color="warning",
        text_color="dark",
        className="ms-2 align-middle",
        title="Extrait RPPS généré pour la démonstration : aucun praticien réel.",
        **kwargs,
    )


def _nearest(row: dict) -> str:
    if row["generaliste_proche"] is None:
        return "aucun connu"
    if row["distance_generaliste_km"] == 0:
        return "dans la commune (0 km)"
    outside = " (hors territoire)" if row["generaliste_proche_hors_territoire"] else ""
    return (
        f"{row['generaliste_proche']}{outside}, "
        f"{number_fr(row['distance_generaliste_km'], 1)} km à vol d'oiseau"
    )


def commune_card(row: dict, threshold: float, is_demo: bool):
    """Population, head counts, GP accessibility and the nearest GP commune."""
    access = row["accessibilite_generalistes"]
    flag = (
        dbc.Badge("Sous-dotée", color="danger", className="ms-2")
        if row["sous_dotee"]
        else dbc.Badge("Au-dessus du seuil", color="success", className="ms-2")
    )
    counts = []
    for key, label in PROFESSIONS.items():
        density = row[f"densite_{key}"]
        counts += [
            html.Dt(label, className="col-7"),
            html.Dd(
                f"{row[key]} ({number_fr(density or 0, 1)} pour 10 000 hab.)",
                className="col-5",
            ),
        ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(
                    [row["nom"], flag, demo_badge(is_demo)],
                    className="h5",
                    id="sante-card-title",
                ),
                html.Dl(
                    [
                        html.Dt("Population", className="col-7"),
                        html.Dd(
                            f"{number_fr(row['population'])} hab.",
                            className="col-5",
                            id="sante-card-population",
                        ),
                        html.Dt("Accessibilité aux généralistes", className="col-7"),
                        html.Dd(
                            f"{number_fr(access or 0, 1)} pour 10 000 hab. "
                            f"(seuil {number_fr(threshold, 1)})",
                            className="col-5",
                        ),
                        html.Dt("Généraliste le plus proche", className="col-7"),
                        html.Dd(_nearest(row), className="col-5"),
                        html.Dt("Généralistes de ville", className="col-7"),
                        html.Dd(
                            f"{row['generalistes_soins_primaires']} "
                            "(libéraux ou centre de santé)",
                            className="col-5",
                        ),
                        *counts,
                    ],
                    className="row mb-0",
                ),
            ]
        ),
        className="hv-sante-card shadow-sm",
    )
