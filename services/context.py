"""Request-scoped access to settings and thresholds (Flask, no Dash)."""

from __future__ import annotations

from flask import current_app

from services.bins import Thresholds


def settings() -> dict:
    return current_app.config["HYPERVISION"]


def thresholds() -> Thresholds:
    return Thresholds.from_config(settings())
