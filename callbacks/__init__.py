"""Callbacks, one module per page, registered on each app built by create_app.

Each module exposes `register(app)` using `app.callback`: `dash.callback` keeps a
process-wide list that only the first app receives, which breaks the app factory
(several apps per process in tests, one per gunicorn worker).
"""

from callbacks import (
    admin,
    dechets,
    equipe,
    sante,
    shell,
    supervision,
    synthese,
    systeme,
    tournees,
    vigilance,
)

MODULES = (
    shell,
    supervision,
    dechets,
    tournees,
    equipe,
    sante,
    systeme,
    synthese,
    vigilance,
    admin,
)


def register_callbacks(app) -> None:
    for module in MODULES:
        module.register(app)
