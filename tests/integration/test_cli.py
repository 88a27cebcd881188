"""Users, tokens and configuration from the command line."""

from __future__ import annotations

import pytest

from app import create_app
from services.config import ConfigError
from tests.conftest import login


def test_create_user_then_log_in(app):
    runner = app.server.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "marie", "--role", "waste_manager", "--password-stdin"],
        input="un-long-secret\n",
    )
    assert result.exit_code == 0, result.output
    client = app.server.test_client()
    assert login(client, "marie", "un-long-secret").status_code == 302
    assert client.get("/dechets").status_code == 200
    assert client.get("/systeme").status_code == 403


def test_create_user_refuses_short_passwords_and_unknown_roles(app):
    runner = app.server.test_cli_runner()
    short = runner.invoke(
        args=["create-user", "x", "--role", "operator", "--password-stdin"],
        input="court\n",
    )
    assert short.exit_code != 0 and "trop court" in short.output
    role = runner.invoke(
        args=["create-user", "x", "--role", "chef", "--password-stdin"],
        input="un-long-secret\n",
    )
    assert role.exit_code != 0 and "rôle inconnu" in role.output


def test_create_token_prints_a_token_that_works_once_shown(app):
    result = app.server.test_cli_runner().invoke(
        args=["create-token", "sig", "--scope", "read"]
    )
    token = result.output.strip()
    client = app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/bins?limit=1", headers=headers).status_code == 200


def test_production_needs_a_secret_key_and_creates_no_demo_accounts(
    sqlite_url, monkeypatch
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"HYPERVISION_ENV": "production", "DATABASE_URL": sqlite_url})
    app = create_app(
        {
            "HYPERVISION_ENV": "production",
            "DATABASE_URL": sqlite_url,
            "SECRET_KEY": "s" * 32,
            "AUTO_MIGRATE": True,
        }
    )
    client = app.server.test_client()
    assert login(client, "admin", "demo").status_code == 401
    assert app.server.config["SESSION_COOKIE_SECURE"] is True
    body = client.get("/healthz").get_json()
    assert body["db"] is True


def test_db_upgrade_loads_the_73_communes(sqlite_url):
    app = create_app(
        {
            "HYPERVISION_ENV": "production",
            "DATABASE_URL": sqlite_url,
            "SECRET_KEY": "s" * 32,
        }
    )
    result = app.server.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert "73 communes" in result.output
