"""`flask --app app forecast` and `flask --app app backtest`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("forecast")
@with_appcontext
def forecast_command():
    """Refresh every bin's forecast now (prints how many bins and how long)."""
    from services.forecast_jobs import refresh_forecasts
    from services.jobs import run_job

    database = current_app.extensions["hypervision_db"]
    settings = current_app.config["HYPERVISION"]
    started = time.perf_counter()
    summary = {}

    def work() -> str:
        summary["text"] = refresh_forecasts(database, settings)
        return summary["text"]

    status = run_job(database, "previsions", work)
    if status == "ignore":
        raise click.ClickException("une actualisation est déjà en cours ailleurs")
    if status == "erreur":
        raise click.ClickException("échec de l'actualisation (voir /systeme)")
    click.echo(f"{summary['text']} (total {time.perf_counter() - started:.1f} s)")


@click.command("backtest")
@click.option("--origins", type=int, default=4, help="Origines par bac.")
@with_appcontext
def backtest_command(origins: int):
    """Rolling-origin evaluation of the forecasts against stored history."""
    from services.forecast_jobs import evaluate_forecasts

    database = current_app.extensions["hypervision_db"]
    settings = current_app.config["HYPERVISION"]
    with click.progressbar(length=1, label="Évaluation des prévisions") as bar:
        table = evaluate_forecasts(database, settings, origins)
        bar.update(1)
    click.echo(table.to_string(index=False))
    click.echo("Résultat enregistré : panneau « Qualité des prévisions » de /systeme.")
