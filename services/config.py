"""Configuration: defaults, then the environment, then an explicit dict (tests)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEFAULTS: dict[str, object] = {
    "HYPERVISION_ENV": "demo",
    "DATABASE_URL": f"sqlite:///{ROOT / 'instance' / 'hypervision.db'}",
    "MQTT_URL": None,
    "MQTT_TOPIC_ROOT": "pma",
    "MQTT_CLIENT_ID": "hypervision-ingest",
    # Set on every ingest worker of a group to share the subscription
    # ($share/<group>/...): the broker hands each reading to one of them.
    "MQTT_SHARED_GROUP": None,
    # Readings held in memory by a worker; the broker keeps the rest (no ack).
    "INGEST_MAX_QUEUE": 50_000,
    "SECRET_KEY": None,
    "HOST": "127.0.0.1",
    "PORT": 8050,
    "TILE_URL": None,
    "SIM_SENSORS": 1500,
    "SIM_SPEED": 1.0,
    "SIM_HISTORY_DAYS": 30,
    "STALE_AFTER_S": 180,
    "SILENT_AFTER_H": 6,
    "LOW_BATTERY_PCT": 20,
    "ALERT_FILL_PCT": 80,
    "FORECAST_INTERVAL_MIN": 15,
    "FORECAST_HORIZON_H": 24,
    "OSRM_URL": None,
    "ALERT_FILL_PCT_BY_KIND": None,
    "DEPOTS": None,
    "OPENDATA_REFRESH_S": 60,
    # Time to resolve an incident by severity, e.g. "critique=4h,faible=7j"
    # (services/incident_deadlines.py has the defaults; a bare number is hours).
    "INCIDENT_RESOLVE_TARGETS": None,
    # Failed logins allowed per client IP (flask-limiter syntax); share the count
    # between gunicorn workers with RATELIMIT_STORAGE_URI (e.g. redis://...).
    "LOGIN_RATE_LIMIT": "10 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0 = none):
    # client IPs (rate limit, audit log) then come from that header.
    "TRUSTED_PROXIES": 0,
}

INT_KEYS = {
    "PORT",
    "SIM_SENSORS",
    "SIM_HISTORY_DAYS",
    "STALE_AFTER_S",
    "SILENT_AFTER_H",
    "LOW_BATTERY_PCT",
    "ALERT_FILL_PCT",
    "FORECAST_INTERVAL_MIN",
    "FORECAST_HORIZON_H",
    "OPENDATA_REFRESH_S",
    "TRUSTED_PROXIES",
    "INGEST_MAX_QUEUE",
}
FLOAT_KEYS = {"SIM_SPEED"}


class ConfigError(RuntimeError):
    """The configuration cannot run (for example production without SECRET_KEY)."""


def load_config(overrides: dict | None = None) -> dict:
    """Merge defaults, environment variables and overrides; validate the result."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if os.environ.get(key):
            config[key] = os.environ[key]
    config.update(overrides or {})
    for key in INT_KEYS:
        config[key] = int(config[key])
    for key in FLOAT_KEYS:
        config[key] = float(config[key])
    env = config["HYPERVISION_ENV"]
    if env not in ("demo", "production"):
        raise ConfigError(
            f"HYPERVISION_ENV doit valoir demo ou production, pas {env!r}"
        )
    if env == "production" and not config["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY est obligatoire en production")
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = secrets.token_hex(32)
    return config


def is_demo(config: dict) -> bool:
    """True when the app runs the demo (accounts, simulator)."""
    return config["HYPERVISION_ENV"] == "demo"
