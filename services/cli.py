"""The `flask --app app ...` commands of the contract."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from db.migrate import upgrade
from db.seed import seed_territory

# Who the audit log names for changes made with these commands.
CLI_ACTOR = "ligne de commande"


def _db():
    return current_app.extensions["hypervision_db"]


def _settings() -> dict:
    return current_app.config["HYPERVISION"]


def init_app(server) -> None:
    from services.cli_forecast import backtest_command, forecast_command
    from services.cli_health import import_rpps_command

    for command in (
        forecast_command,
        backtest_command,
        import_rpps_command,
        db_upgrade,
        create_user_command,
        create_token_command,
        import_bins_command,
        simulate_command,
        worker_command,
    ):
        server.cli.add_command(command)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Apply the Alembic migrations and load the territory."""
    database = _db()
    upgrade(database.url)
    with database.session() as session:
        count = seed_territory(session)
    click.echo(f"Schéma à jour ; {count} communes chargées.")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option(
    "--role",
    required=True,
    help="admin, operator, waste_manager, security_coordinator, elected_official",
)
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur stdin.")
def create_user_command(username: str, role: str, password_stdin: bool):
    """Create a user (or reset its password and role)."""
    from services.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt=True
        )
    try:
        with _db().session() as session:
            user = create_user(session, username, role, password, actor=CLI_ACTOR)
            click.echo(f"Utilisateur {user.username} ({user.role}) enregistré.")
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@click.command("create-token")
@with_appcontext
@click.argument("name")
@click.option("--scope", required=True, type=click.Choice(["read", "incidents"]))
def create_token_command(name: str, scope: str):
    """Create an API token; it is printed once and only its hash is kept."""
    from services.users import create_token

    with _db().session() as session:
        token = create_token(session, name, scope, actor=CLI_ACTOR)
    click.echo(token)


@click.command("import-bins")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_bins_command(path: Path):
    """Import or update the bin inventory from a CSV file."""
    from services.inventory import import_bins

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException("le fichier n'est pas en UTF-8") from None
    total = max(len(text.splitlines()) - 1, 1)
    with click.progressbar(length=total, label="Import des bacs") as bar:
        done = {"n": 1}

        def progress(line: int) -> None:
            bar.update(line - done["n"])
            done["n"] = line

        with _db().session() as session:
            report = import_bins(session, text, progress)
    click.echo(
        f"{report.created} bacs créés, {report.updated} mis à jour, "
        f"{report.replaced_sensors} capteurs remplacés, "
        f"{len(report.refused)} lignes refusées."
    )
    for line, reason in report.refused:
        click.echo(f"  ligne {line} : {reason}")


@click.command("simulate")
@with_appcontext
@click.option("--mqtt", "mqtt_url", required=True, help="mqtt://HOST:PORT")
@click.option("--sensors", type=int, default=None, help="Nombre de capteurs simulés.")
@click.option("--speed", type=float, default=1.0, help="Accélération du temps simulé.")
@click.option(
    "--format", "payload_format", type=click.Choice(["native", "tts"]), default="native"
)
@click.option("--duration", type=float, default=None, help="Arrêt après N secondes.")
def simulate_command(mqtt_url, sensors, speed, payload_format, duration):
    """Publish simulated sensor uplinks to a broker (QoS 1)."""
    from services.publisher import run_publisher

    sent = run_publisher(
        _db(),
        _settings(),
        mqtt_url,
        sensors,
        speed,
        payload_format,
        duration,
        echo=click.echo,
    )
    click.echo(f"{sent} messages publiés.")


@click.command("worker")
@with_appcontext
def worker_command():
    """Run the MQTT listener (or the demo simulator) and the scheduled jobs."""
    from services.runtime import start_background

    if not logging.getLogger().handlers:  # journald / docker logs read stderr
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    services = start_background(_db(), _settings())
    # docker stop / systemd send SIGTERM: stop as cleanly as with Ctrl+C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    click.echo("Worker démarré (Ctrl+C pour arrêter).")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        services.stop()  # readings queued are committed and acknowledged first
        counters = services.pipeline.counters
        click.echo(
            f"Worker arrêté : {counters.accepted} messages enregistrés, "
            f"{counters.duplicates} doublons ignorés, {counters.rejected} refusés, "
            f"{counters.db_errors} erreurs de base."
        )
        # A long job (monthly reports) may still run in the scheduler's thread pool;
        # it is locked and idempotent, so leave now rather than wait for it.
        sys.stdout.flush()
        os._exit(0)
