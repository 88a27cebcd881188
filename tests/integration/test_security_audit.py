"""The security audit log: logins, failures, logouts, user and token changes."""

from __future__ import annotations

import json

from sqlalchemy import select

from db.models import SecurityEvent
from services.cli import CLI_ACTOR
from tests.conftest import login
from tests.integration.test_vigilance_http import dash_call


def events(database) -> list[tuple]:
    with database.session() as session:
        rows = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))
        return [(r.event, r.actor, r.target, r.source_ip, r.detail) for r in rows]


def all_text(database) -> str:
    return json.dumps(events(database), ensure_ascii=False)


def test_logins_failures_and_logouts_are_recorded_without_passwords(app, database):
    client = app.server.test_client()
    login(client, "operateur", "Secret-mal-tape-42")
    login(client, "Secret-dans-le-champ-identifiant", "demo")
    login(client, "operateur")
    client.post("/logout")
    assert events(database)[-4:] == [
        ("login_failed", "operateur", None, "127.0.0.1", None),
        ("login_failed", None, None, "127.0.0.1", "identifiant inconnu"),
        ("login", "operateur", None, "127.0.0.1", None),
        ("logout", "operateur", None, "127.0.0.1", None),
    ]
    assert "Secret" not in all_text(database)


def test_a_blocked_login_is_recorded(sqlite_url):
    from tests.conftest import make_app

    app = make_app(sqlite_url, LOGIN_RATE_LIMIT="1 per minute")
    database = app.server.extensions["hypervision_db"]
    client = app.server.test_client()
    login(client, "admin", "mauvais")
    for _ in range(5):  # a flood of blocked attempts adds one line, not five
        assert login(client, "admin", "mauvais").status_code == 429
    kinds = [e[0] for e in events(database)]
    assert kinds[-1] == "login_blocked" and kinds.count("login_blocked") == 1


def test_cli_user_and_token_commands_are_recorded(app, database):
    runner = app.server.test_cli_runner()
    created = runner.invoke(
        args=["create-user", "agent", "--role", "operator", "--password-stdin"],
        input="mot-de-passe-solide\n",
    )
    assert created.exit_code == 0, created.output
    runner.invoke(
        args=["create-user", "agent", "--role", "elu", "--password-stdin"],
        input="autre-mot-de-passe\n",
    )
    token = runner.invoke(args=["create-token", "capteurs", "--scope", "read"])
    assert token.output.startswith("hv_")
    assert events(database)[-4:] == [
        ("user_created", CLI_ACTOR, "agent", None, "rôle operator"),
        ("role_changed", CLI_ACTOR, "agent", None, "operator → elected_official"),
        ("password_changed", CLI_ACTOR, "agent", None, None),
        ("token_created", CLI_ACTOR, "capteurs", None, "portée read"),
    ]
    text = all_text(database)
    assert "mot-de-passe" not in text and token.output.strip() not in text


def test_admin_changes_are_recorded_and_shown_on_admin(app, database, login_as):
    admin = login_as("admin")
    saved = dash_call(
        admin,
        "admin-users.rowData",
        {
            "admin-user-save.n_clicks": 1,
            "admin-user-name.value": "gardien",
            "admin-user-role.value": "security_coordinator",
            "admin-user-password.value": "gardien-du-parc-1",
        },
    ).get_json()["response"]
    assert "enregistré" in json.dumps(saved["admin-user-feedback"], ensure_ascii=False)
    assert {"username": "gardien", "state": "actif"}.items() <= next(
        r for r in saved["admin-users"]["rowData"] if r["username"] == "gardien"
    ).items()
    dash_call(
        admin,
        "admin-users.rowData",
        {
            "admin-user-save.n_clicks": 2,
            "admin-user-name.value": "gardien",
            "admin-user-role.value": "operator",
        },
    )
    dash_call(
        admin,
        "admin-users.rowData",
        {
            "admin-user-toggle.n_clicks": 1,
            "admin-users.selectedRows": [{"username": "gardien", "state": "actif"}],
        },
    )
    assert (
        login(app.server.test_client(), "gardien", "gardien-du-parc-1").status_code
        == 401
    )
    created = dash_call(
        admin,
        "admin-tokens.rowData",
        {
            "admin-token-create.n_clicks": 1,
            "admin-token-name.value": "appli-citoyenne",
            "admin-token-scope.value": "incidents",
        },
    ).get_json()["response"]
    row = created["admin-tokens"]["rowData"][0]
    dash_call(
        admin,
        "admin-tokens.rowData",
        {"admin-token-revoke.n_clicks": 1, "admin-tokens.selectedRows": [row]},
    )
    recorded = [e for e in events(database) if e[1] == "admin" and e[0] != "login"]
    assert [(e[0], e[2], e[3]) for e in recorded] == [
        ("user_created", "gardien", "127.0.0.1"),
        ("role_changed", "gardien", "127.0.0.1"),
        ("user_disabled", "gardien", "127.0.0.1"),
        ("token_created", "appli-citoyenne", "127.0.0.1"),
        ("token_revoked", "appli-citoyenne", "127.0.0.1"),
    ]
    assert "gardien-du-parc" not in all_text(database)
    shown = dash_call(admin, "admin-audit.rowData", {"admin-users.rowData": []})
    rows = shown.get_json()["response"]["admin-audit"]["rowData"]
    assert rows[0]["label"] == "jeton révoqué"
    assert rows[0]["actor"] == "admin" and rows[0]["target"] == "appli-citoyenne"
    assert "utilisateur désactivé" in [r["label"] for r in rows]


def test_an_admin_cannot_disable_their_own_account(login_as, database):
    admin = login_as("admin")
    response = dash_call(
        admin,
        "admin-users.rowData",
        {
            "admin-user-toggle.n_clicks": 1,
            "admin-users.selectedRows": [{"username": "admin", "state": "actif"}],
        },
    ).get_json()["response"]
    assert "propre compte" in json.dumps(response, ensure_ascii=False)
    assert "user_disabled" not in [e[0] for e in events(database)]
