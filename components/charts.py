"""Plotly figures with French labels, units and a Europe/Paris time axis."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

PARIS = "Europe/Paris"
DISPLAY_MAX = 115


def _layout(fig: go.Figure, title: str, unit: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        margin={"l": 50, "r": 10, "t": 40, "b": 35},
        height=260,
        yaxis_title=unit,
        xaxis_title=None,
        separators=", ",
        template="plotly_white",
        hovermode="x unified",
    )
    # Day/month digits avoid plotly's English month names (no locale file offline).
    fig.update_xaxes(tickformat="%d/%m", hoverformat="%d/%m/%Y %H:%M")
    return fig


def time_series(
    frame: pd.DataFrame,
    column: str,
    title: str,
    unit: str,
    color: str,
    y_range: tuple[float, float] | None = None,
    threshold: float | None = None,
) -> go.Figure:
    """A line of one reading column over time, shown in Paris time."""
    times = pd.to_datetime(frame["measured_at"], utc=True).dt.tz_convert(PARIS)
    fig = go.Figure(
        go.Scatter(
            name="Mesures" if threshold is not None else title,
            x=times,
            y=frame[column],
            mode="lines",
            line={"color": color},
            connectgaps=False,
        )
    )
    if threshold is not None:
        fig.add_hline(
            y=threshold,
            line_dash="dot",
            line_color="#f39c12",
            annotation_text=f"seuil {threshold:.0f} {unit}",
        )
    if y_range:
        fig.update_yaxes(range=list(y_range))
    return _layout(fig, title, unit)


def add_forecast_band(fig: go.Figure, forecast: dict) -> go.Figure:
    """Overlay a forecast: the expected fill and its prediction interval."""
    times = forecast["times"].tz_convert(PARIS)
    # The model lets the fill run past 100 %; the chart shows it up to the axis top.
    forecast = {
        **forecast,
        **{
            k: [min(v, DISPLAY_MAX) for v in forecast[k]]
            for k in ("expected", "lower", "upper")
        },
    }
    fig.add_scatter(
        x=times,
        y=forecast["upper"],
        mode="lines",
        line={"width": 0},
        showlegend=False,
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=times,
        y=forecast["lower"],
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(230,126,34,0.2)",
        name="Intervalle de prévision",
    )
    fig.add_scatter(
        x=times,
        y=forecast["expected"],
        mode="lines",
        line={"color": "#e67e22", "dash": "dash"},
        name="Prévision",
    )
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.25})
    return fig
