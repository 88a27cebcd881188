"""Shared fixtures: fresh databases, apps, logged-in clients, real services."""

from __future__ import annotations

import os
import re
import uuid

import psycopg
import pytest

from app import create_app
from tests.broker import private_broker
from tests.dash_client import DashRendererClient

PG_ADMIN = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hypervision.db'}"


@pytest.fixture
def postgresql_url():
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    name = f"hv_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.rsplit("/", 1)[0].replace(
        "postgresql://", "postgresql+psycopg://"
    ) + (f"/{name}")
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """Each storage test runs on SQLite and on the real PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


def make_app(url: str, **overrides):
    config = {"DATABASE_URL": url, "SIM_SENSORS": 80, "SECRET_KEY": "test-key"}
    config.update(overrides)
    app = create_app(config)
    app.server.test_client_class = DashRendererClient  # sends X-CSRFToken
    return app


@pytest.fixture
def app(sqlite_url):
    return make_app(sqlite_url)


@pytest.fixture
def database(app):
    return app.server.extensions["hypervision_db"]


@pytest.fixture
def client(app):
    return app.server.test_client()


def login(client, username: str, password: str = "demo"):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


@pytest.fixture
def login_as(app):
    """A factory of test clients logged in as a demo account."""

    def factory(username: str):
        client = app.server.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return factory


@pytest.fixture
def topic_root() -> str:
    """A topic root of our own, so parallel runs and leftovers never interfere."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def mqtt_url():
    """A real Mosquitto with the project's settings (deploy/mosquitto.conf)."""
    with private_broker() as url:
        yield url
