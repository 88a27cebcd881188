"""`flask --app app import-rpps PATH`: import the Annuaire Santé (RPPS) extract."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from services.rpps import PARIS, RppsFormatError, import_rpps


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise click.BadParameter("date attendue au format AAAA-MM-JJ") from None
    return day.replace(tzinfo=PARIS).astimezone(UTC)


@click.command("import-rpps")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--date",
    "extract_date",
    help="Date de l'extraction (AAAA-MM-JJ) quand le nom du fichier ne la donne pas.",
)
@click.option(
    "--voisines",
    "neighbours",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV des communes voisines (code_insee,nom,population,lat,lon) dont "
    "l'offre compte dans l'accessibilité.",
)
def import_rpps_command(path: Path, extract_date: str | None, neighbours):
    """Import the RPPS extract (PS_LibreAcces_Personne_activite_*.txt)."""
    database = current_app.extensions["hypervision_db"]
    size = max(path.stat().st_size, 1)
    try:
        with click.progressbar(length=size, label="Import RPPS") as bar:
            done = {"bytes": 0}

            def progress(position: int) -> None:
                bar.update(position - done["bytes"])
                done["bytes"] = position

            report = import_rpps(
                database,
                path,
                progress=progress,
                extracted_at=_parse_date(extract_date),
                neighbours_path=neighbours,
            )
    except RppsFormatError as error:
        raise click.ClickException(
            f"{error} ; l'instantané précédent est conservé"
        ) from None
    except UnicodeDecodeError:
        raise click.ClickException("en-tête illisible (UTF-8 attendu)") from None
    day = report.extracted_at.astimezone(PARIS).strftime("%d/%m/%Y")
    click.echo(f"Extraction du {day} importée ({path.name}).")
    for line in report.lines():
        click.echo(line)
