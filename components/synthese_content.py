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
