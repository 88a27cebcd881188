"""`flask --app app import-bins`: the real inventory, line by line."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import Bin, Reading, Sensor
from services.ingest import IngestPipeline, Message
from tests.helpers import native, recent

HEADER = (
    "code,kind,commune_insee,lat,lon,capacity_l,empty_distance_mm,full_distance_mm,"
    "dev_eui"
)
# Montbéliard (25388) label point, and a point in Audincourt (25031).
GOOD = [
    "MB-VERRE-1,PAV_VERRE,25388,47.5096,6.7986,3000,2000,300,00AA00AA00AA0001",
    "MB-OM-7,PAV_OM,25388,47.5096,6.7986,5000,2400,300,00aa00aa00aa0002",
]
BAD = {
    "X1,POUBELLE,25388,47.5096,6.7986,3000,2000,300,00AA00AA00AA0003": "type de bac",
    "X2,PAV_VERRE,99999,47.5096,6.7986,3000,2000,300,00AA00AA00AA0004": "commune",
    "X3,PAV_VERRE,25388,47.43,6.92,3000,2000,300,00AA00AA00AA0005": "hors de la",
    "X4,PAV_VERRE,25388,47.5096,6.7986,3000,2000,300,00AA00AA00AA0001": "DevEUI",
    "X5,PAV_VERRE,25388,abc,6.7986,3000,2000,300,00AA00AA00AA0006": "lat",
    "X 6,PAV_VERRE,25388,47.5096,6.7986,3000,2000,300,": "code",
    "X7,PAV_VERRE,25388,47.5096,6.7986,3000,200,300,": "distances",
    "X8,PAV_VERRE,25388,47.5096,6.7986,3000,2000,300,XYZ": "DevEUI invalide",
    "X9,PAV_VERRE,25388": "colonnes",
}


def run(app, tmp_path, lines, name="bins.csv", sep=","):
    path = tmp_path / name
    path.write_text(
        "\n".join([HEADER.replace(",", sep), *lines]) + "\n", encoding="utf-8"
    )
    return app.server.test_cli_runner().invoke(args=["import-bins", str(path)])


def test_good_lines_are_imported_and_bad_ones_reported_with_reasons(
    app, database, tmp_path
):
    lines = [*GOOD, *BAD]
    result = run(app, tmp_path, lines)
    assert result.exit_code == 0, result.output
    assert "2 bacs créés" in result.output
    assert f"{len(BAD)} lignes refusées" in result.output
    for number, (_line, reason) in enumerate(BAD.items(), start=4):
        assert f"ligne {number} : " in result.output
        report_line = next(
            x
            for x in result.output.splitlines()
            if x.strip().startswith(f"ligne {number} :")
        )
        assert reason in report_line
    with database.session() as session:
        bin_ = session.scalar(select(Bin).where(Bin.code == "MB-OM-7"))
        eui = session.scalar(select(Sensor.dev_eui).where(Sensor.bin_id == bin_.id))
    assert eui == "00AA00AA00AA0002"


def test_semicolon_files_and_updates_by_code(app, database, tmp_path):
    run(app, tmp_path, GOOD)
    changed = GOOD[0].replace(",3000,", ",3500,").replace(",", ";")
    result = run(app, tmp_path, [changed], name="again.csv", sep=";")
    assert "0 bacs créés, 1 mis à jour" in result.output
    with database.session() as session:
        assert (
            session.scalar(select(Bin.capacity_l).where(Bin.code == "MB-VERRE-1"))
            == 3500
        )


def test_a_new_dev_eui_replaces_the_sensor_and_keeps_the_history(
    app, database, tmp_path
):
    run(app, tmp_path, GOOD)
    pipeline = IngestPipeline(database, "pma")
    pipeline.process(
        [Message("pma/waste/00AA00AA00AA0001/up", native(recent(30), fill_pct=40.0))]
    )
    replaced = GOOD[0].replace("00AA00AA00AA0001", "00BB00BB00BB0001")
    result = run(app, tmp_path, [replaced], name="swap.csv")
    assert "1 capteurs remplacés" in result.output
    pipeline.refresh_devices()
    pipeline.process(
        [
            Message("pma/waste/00BB00BB00BB0001/up", native(recent(1), fill_pct=55.0)),
            Message("pma/waste/00AA00AA00AA0001/up", native(recent(2), fill_pct=1.0)),
        ]
    )
    with database.session() as session:
        bin_id = session.scalar(select(Bin.id).where(Bin.code == "MB-VERRE-1"))
        fills = session.scalars(
            select(Reading.fill_pct)
            .where(Reading.bin_id == bin_id)
            .order_by(Reading.measured_at)
        ).all()
        sensors = session.scalar(select(func.count()).where(Sensor.bin_id == bin_id))
    assert fills == [40.0, 55.0]  # the removed sensor is no longer accepted
    assert sensors == 2


def test_a_file_without_the_header_is_refused_whole(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = app.server.test_cli_runner().invoke(args=["import-bins", str(path)])
    assert "colonnes manquantes" in result.output
