"""Forecasts through the database: refresh, API fields, statuses, quality panel."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from db.engine import Database
from db.models import Base, ForecastQuality, ForecastRow
from services.demo_feed import DemoFeed
from services.forecast_jobs import evaluate_forecasts, refresh_forecasts
from services.ingest import IngestPipeline
from services.setup import prepare_database
from tests.conftest import make_app


def test_migrations_build_exactly_the_models(database_url):
    database = Database(database_url)
    prepare_database(database, {"HYPERVISION_ENV": "production"})
    with database.engine.connect() as connection:
        assert (
            compare_metadata(MigrationContext.configure(connection), Base.metadata)
            == []
        )
    database.engine.dispose()


def test_refresh_stores_forecasts_that_the_api_and_pages_use(tmp_path, login_as):
    app = make_app(
        f"sqlite:///{tmp_path / 'f.db'}", SIM_SENSORS=60, SIM_HISTORY_DAYS=12
    )
    database = app.server.extensions["hypervision_db"]
    settings = app.server.config["HYPERVISION"]
    DemoFeed(database, IngestPipeline(database), settings).prepare_history()
    summary = refresh_forecasts(database, settings)
    assert summary.startswith("60 bacs prévus")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ForecastRow)) == 60
        with_eta = session.scalar(
            select(func.count()).where(ForecastRow.overflow_eta.is_not(None))
        )
    assert with_eta > 0
    client = app.server.test_client()
    from tests.conftest import login

    login(client, "dechets")
    items = client.get("/api/v1/bins").get_json()["items"]
    assert sum(1 for i in items if i["overflow_eta"]) == with_eta
    predicted = [i for i in items if i["status"] == "debordement_prevu"]
    for item in predicted:
        assert item["fill_pct"] < 80
    table = evaluate_forecasts(database, settings, origins=2)
    assert {"modele", "baseline"} <= set(table["method"])
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ForecastQuality)) == 1
