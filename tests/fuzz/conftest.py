"""One demo database per module: hypothesis runs many examples against it."""

from __future__ import annotations

import pytest

from services.geo import Territory, commune_areas
from tests.conftest import make_app


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """A demo app on its own SQLite file (40 sensors), shared by a module's tests."""
    folder = tmp_path_factory.mktemp("fuzz")
    return make_app(f"sqlite:///{folder / 'hypervision.db'}", SIM_SENSORS=40)


@pytest.fixture(scope="module")
def fuzz_db(fuzz_app):
    return fuzz_app.server.extensions["hypervision_db"]


@pytest.fixture(scope="module")
def territory(fuzz_db):
    with fuzz_db.session() as session:
        return Territory(commune_areas(session))
