"""Charts of /systeme: messages per minute, refusals by reason, database latency."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.feed import PARIS

LAYOUT = {
    "template": "plotly_white",
    "separators": ", ",
    "margin": {"l": 50, "r": 10, "t": 40, "b": 35},
}


def rate_chart(per_minute: list[dict]) -> go.Figure:
    frame = pd.DataFrame(
        per_minute, columns=["minute", "source", "accepted", "rejected", "duplicates"]
    )
    fig = go.Figure()
    if not frame.empty:
        grouped = frame.groupby("minute")[["accepted", "rejected", "duplicates"]].sum()
        times = pd.to_datetime(grouped.index, utc=True).tz_convert(PARIS)
        for column, label, color in (
            ("accepted", "Acceptés", "#2e7d32"),
            ("duplicates", "Doublons", "#95a5a6"),
            ("rejected", "Refusés", "#c0392b"),
        ):
            fig.add_bar(x=times, y=grouped[column], name=label, marker_color=color)
    fig.update_xaxes(tickformat="%H:%M")
    fig.update_layout(
        **LAYOUT,
        barmode="stack",
        height=300,
        title={"text": "Messages par minute (dernière heure)", "font": {"size": 15}},
        yaxis_title="messages / min",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def dead_reasons_chart(reasons: list[tuple[str, int]], window: str) -> go.Figure:
    """Refused messages by reason, most frequent on top."""
    fig = go.Figure()
    if reasons:
        ordered = list(reversed(reasons))
        fig.add_bar(
            x=[count for _reason, count in ordered],
            y=[reason[:60] for reason, _count in ordered],
            orientation="h",
            marker_color="#c0392b",
            hovertemplate="%{y} : %{x} message(s)<extra></extra>",
        )
    else:
        fig.add_annotation(
            text=f"Aucun message refusé ({window})",
            showarrow=False,
            font={"size": 14, "color": "#5a6570"},
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    fig.update_layout(
        **LAYOUT,
        height=300,
        title={"text": f"Refus par motif ({window})", "font": {"size": 15}},
        xaxis_title="messages refusés",
    )
    fig.update_layout(margin={"l": 10})
    fig.update_yaxes(automargin=True)
    return fig


def latency_chart(history: list[list]) -> go.Figure:
    """The web process's `SELECT 1` round trips since the page was opened."""
    fig = go.Figure()
    if history:
        times = pd.to_datetime([t for t, _ms in history], utc=True).tz_convert(PARIS)
        fig.add_scatter(
            x=times,
            y=[ms for _t, ms in history],
            mode="lines+markers",
            line={"color": "#1f6f8b"},
            name="SELECT 1",
            hovertemplate="%{x|%H:%M:%S} : %{y:.1f} ms<extra></extra>",
        )
    fig.update_xaxes(tickformat="%H:%M:%S")
    fig.update_layout(
        **LAYOUT,
        height=300,
        title={
            "text": "Latence de la base vue du serveur web (depuis l'ouverture)",
            "font": {"size": 15},
        },
        yaxis_title="ms (aller-retour)",
        yaxis_rangemode="tozero",
        showlegend=False,
    )
    return fig
