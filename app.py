"""Hyperviseur territorial: the Dash app factory; `python app.py` runs the demo."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from flask import Flask

from db import engine as db_engine
from db.engine import Database
from services import (
    api,
    exports,
    opendata_web,
    reports_web,
    security_headers,
    web_auth,
    web_errors,
)
from services.config import is_demo, load_config
from services.setup import prepare_database

ROOT = Path(__file__).resolve().parent
STYLESHEETS = [
    "/assets/vendor/bootstrap/bootstrap.min.css",
    "/assets/vendor/bootstrap-icons/bootstrap-icons.min.css",
]


def create_app(config: dict | None = None) -> dash.Dash:
    """Build the Dash app: defaults, then environment, then `config` (tests)."""
    settings = load_config(config)
    server = Flask(__name__, template_folder=str(ROOT / "templates"))
    server.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not is_demo(settings),
        REMEMBER_COOKIE_SECURE=not is_demo(settings),
        WTF_CSRF_TIME_LIMIT=None,
        HYPERVISION=settings,
    )
    database = Database(settings["DATABASE_URL"])
    if is_demo(settings) or settings.get("AUTO_MIGRATE"):
        prepare_database(database, settings)
    db_engine.init_app(server, database)
    web_auth.init_app(server, settings)
    web_errors.init_app(server)  # database down: a French 503, never a traceback
    api.init_app(server)
    exports.init_app(server)
    opendata_web.init_app(server)
    reports_web.init_app(server)

    from services import cli

    cli.init_app(server)
    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        # The stylesheets are listed here so that they load before app.css;
        # Dash also serves them from assets/ (no CDN anywhere).
        external_stylesheets=STYLESHEETS,
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="Hyperviseur territorial",
        update_title=None,
        assets_ignore=r"vendor/.*\.css",
    )
    from callbacks import register_callbacks
    from components.shell import shell_layout

    app.layout = shell_layout
    register_callbacks(app)
    # The CSP allows exactly Dash's inline scripts, by their hashes.
    security_headers.init_app(server, app.csp_hashes, settings)
    return app


def __getattr__(name: str):
    # `flask --app app ...` looks for a Flask object named `app`; build it lazily so
    # that importing this module runs no query.
    if name == "app":
        return create_app().server
    raise AttributeError(name)


def main() -> None:
    from services.runtime import start_background

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    settings = app.server.config["HYPERVISION"]
    start_background(app.server.extensions["hypervision_db"], settings)
    app.run(host=settings["HOST"], port=settings["PORT"], debug=False)


if __name__ == "__main__":
    main()
