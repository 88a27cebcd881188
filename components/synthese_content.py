"""The whole /synthese body for one summary (also used by the monthly report)."""

from __future__ import annotations

from dash import html

from components.synthese_health import health_section
from components.synthese_sections import heading, vigilance_section, waste_section


def summary_content(data) -> list:
    parts = [*heading(data), waste_section(data)]
    vigilance = vigilance_section(data)
    if vigilance is not None:
        parts.append(vigilance)
    parts.append(health_section(data))
    parts.append(
        html.P(
            "Hypothèses des économies : calendrier fixe de collecte antérieur aux "
            "capteurs, 55 L de gazole aux 100 km, 3,17 kg CO₂e par litre (ADEME). "
            "Les kilomètres et le CO₂ sont calculés pour l'agglomération.",
            className="small text-muted mt-3",
        )
    )
    return parts


def reports_block(rows) -> list:
    """Past monthly reports, newest first, with their HTML (and PDF) links."""
    if not rows:
        items = [
            html.Li(
                "Aucun rapport pour l'instant : le premier est écrit au début du "
                "mois suivant.",
                className="list-group-item text-muted",
            )
        ]
    else:
        items = []
        for month, scope, title, has_pdf in rows:
            base = f"/synthese/rapports/{month}/{scope}"
            links = [
                html.A("HTML", href=f"{base}.html", target="_blank", className="me-3")
            ]
            if has_pdf:
                links.append(html.A("PDF", href=f"{base}.pdf"))
            items.append(
                html.Li(
                    [html.Span(title, className="me-3"), *links],
                    className="list-group-item",
                )
            )
    return [
        html.H2(
            [html.I(className="bi bi-file-earmark-text me-2"), "Rapports mensuels"],
            className="h5 mt-4",
        ),
        html.Ul(items, className="list-group", id="synthese-report-list"),
    ]
