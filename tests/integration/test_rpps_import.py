"""RPPS import on a crafted file in the real format, on SQLite and PostgreSQL:
every edge case, the refused header, the atomic replacement and the command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from db.models import HealthOutsideCommune, HealthPractice, HealthSnapshot
from services import rpps
from services.health_indicators import coverage
from services.rpps import COLUMNS, HEADER, import_rpps
from services.rpps_store import RppsFormatError
from tests.conftest import make_app

GP = {"Code profession": "10", "Code savoir-faire": "SM54"}


def line(pp: str, insee="", postcode="", trailing=True, **fields) -> str:
    """One row of the extract: 52 fields, `|`-separated, trailing `|`."""
    values = {
        "Type d'identifiant PP": "8",
        "Identifiant PP": pp,
        "Identification nationale PP": f"8{pp}" if pp else "",
        "Nom d'exercice": "TEST",
        "Code mode exercice": "L",
        "Code secteur d'activité": "SA07",
        "Code commune (coord. structure)": insee,
        "Code postal (coord. structure)": postcode,
        **{k.replace("_", " "): v for k, v in fields.items()},
    }
    text = "|".join(values.get(name, "") for name in COLUMNS)
    return text + ("|\n" if trailing else "\n")


def nurse(pp, insee="", postcode="", **kw):
    return line(pp, insee, postcode, **{"Code profession": "60", **kw})


def crafted_rows() -> list[str]:
    """Line numbers in comments (the header is line 1)."""
    return [
        line("10000000001", "25388", "25200", **GP),  # 2 kept: GP Montbéliard
        line("10000000001", "25388", "25200", **GP, **{"Raison sociale site": "B"}),
        # 3 same GP, other site in Montbéliard: counted once there
        line("10000000001", "25031", "25400", **GP),  # 4 kept: 2nd commune
        line("10000000001", "25388", "25200", **GP),  # 5 exact duplicate of line 2
        nurse("10000000002", postcode="25350"),  # 6 no INSEE: Mandeure by postcode
        nurse(
            "10000000003",
            postcode="25200",
            **{"Bureau cedex (coord. structure)": "25200 GRAND CHARMONT"},
        ),  # 7 shared postcode resolved by its label: Grand-Charmont
        nurse("10000000004", postcode="25200"),  # 8 shared postcode, no label
        nurse("10000000005", "90010", "90000"),  # 9 Belfort: outside
        nurse("10000000006", postcode="75001"),  # 10 Paris by postcode: outside
        line("10000000007", "25388", "25200", **{"Code profession": "91"}),  # 11
        "8|10000000008|810000000008|DR|Docteur|M\n",  # 12 short line
        nurse("10000000009", "25031", "25400").replace("TEST", "T\xe9ST"),  # 13 ok
        line("10000000010", "25031", "25400", **{"Code profession": "10"}),  # 14
        nurse("10000000011"),  # 15 neither INSEE nor postcode
        nurse(
            "10000000012",
            postcode="25190",
            **{"Libellé commune (coord. structure)": "SAINT-HIPPOLYTE"},
        ),  # 16 postcode shared with communes outside, label outside
        nurse(
            "10000000013",
            postcode="25190",
            **{"Libellé commune (coord. structure)": "Feule"},
        ),  # 17 same postcode, label inside: Feule
        nurse(
            "10000000014",
            postcode="25209",
            **{"Bureau cedex (coord. structure)": "25209 MONTBELIARD CEDEX"},
        ),  # 18 CEDEX code of the territory's department
        line(
            "10000000015",
            "25580",
            "25700",
            **GP,
            **{"Code mode exercice": "S", "Code secteur d'activité": "SA01"},
        ),  # 19 hospital GP in Valentigney: not in primary care
        line("10000000016", "25580", "25700", trailing=False, **GP),  # 20 no last |
        line("", "25580", "25700", **GP),  # 21 no identifier
        line("10000000017", "25388", "25200", **{"Code profession": "70"}),  # 22
        "\n",  # blank line at the end: ignored
    ]


def write_extract(path, rows: list[str], header: str = HEADER + "|") -> None:
    path.write_bytes((header + "\n" + "".join(rows)).encode("utf-8"))


@pytest.fixture
def storage(database_url):
    app = make_app(database_url, SIM_SENSORS=20)
    return app, app.server.extensions["hypervision_db"]


def practices(database) -> set[tuple]:
    with database.session() as session:
        rows = session.execute(
            select(
                HealthPractice.practitioner_id,
                HealthPractice.profession,
                HealthPractice.commune_insee,
                HealthPractice.primary_care,
                HealthPractice.placed_by,
                HealthPractice.sites,
            )
        )
        return set(rows)


def test_import_handles_every_edge_case_of_the_real_format(storage, tmp_path):
    _app, database = storage
    path = tmp_path / "PS_LibreAcces_Personne_activite_202611150830.txt"
    rows = crafted_rows()
    bad = nurse(
        "10000000018", "25388", "25200", **{"Libellé commune (coord. structure)": "X"}
    ).encode()
    bad = bad.replace(b"|X|", b"|MONTB\xc9LIARD|")  # Latin-1, not UTF-8
    write_extract(path, rows)
    path.write_bytes(path.read_bytes() + bad)  # line 24: a used field not in UTF-8

    report = import_rpps(database, path)

    assert report.rows_read == 22  # the blank line is not a row
    assert report.rows_kept == 11
    assert dict(report.dropped) == {
        rpps.SAME_COMMUNE: 1,
        rpps.DUPLICATE: 1,
        "code postal ambigu": 1,
        "hors territoire": 3,
        rpps.OTHER_PROFESSION: 1,
        rpps.BAD_LINE: 1,
        "sans code commune ni code postal": 1,
        rpps.NO_ID: 1,
        rpps.BAD_ENCODING: 1,
    }
    assert report.rows_read == report.rows_kept + sum(report.dropped.values())
    assert report.placed_by_postcode == 4
    assert [n for n, _ in report.bad_lines] == [12, 21, 24]
    assert "5 séparateurs au lieu de 52" in report.bad_lines[0][1]
    assert practices(database) == {
        ("10000000001", "medecins_generalistes", "25388", True, "insee", 2),
        ("10000000001", "medecins_generalistes", "25031", True, "insee", 2),
        ("10000000002", "infirmiers", "25367", True, "code_postal", 1),
        ("10000000003", "infirmiers", "25284", True, "code_postal", 1),
        ("10000000009", "infirmiers", "25031", True, "insee", 1),
        ("10000000010", "autres_medecins", "25031", True, "insee", 1),
        ("10000000013", "infirmiers", "25239", True, "code_postal", 1),
        ("10000000014", "infirmiers", "25388", True, "code_postal", 1),
        ("10000000015", "medecins_generalistes", "25580", False, "insee", 1),
        ("10000000016", "medecins_generalistes", "25580", True, "insee", 1),
        ("10000000017", "masseurs_kinesitherapeutes", "25388", True, "insee", 1),
    }
    with database.session() as session:
        snapshot = session.scalar(select(HealthSnapshot))
        assert session.scalar(select(func.count()).select_from(HealthSnapshot)) == 1
    assert snapshot.extracted_at == datetime(2026, 11, 15, 7, 30, tzinfo=UTC)
    assert snapshot.is_demo is False and snapshot.rows_kept == 11
    assert '"code postal ambigu": 1' in snapshot.report


def test_indicators_of_an_imported_extract(storage, tmp_path):
    _app, database = storage
    path = tmp_path / "PS_LibreAcces_Personne_activite_202611150830.txt"
    write_extract(path, crafted_rows())
    import_rpps(database, path)
    with database.session() as session:
        data = coverage(session, threshold=6.0)
    montbeliard = data.commune("25388")
    assert montbeliard["medecins_generalistes"] == 1
    assert montbeliard["masseurs_kinesitherapeutes"] == 1
    assert montbeliard["infirmiers"] == 1
    assert montbeliard["densite_medecins_generalistes"] == round(1 / 24672 * 1e4, 2)
    valentigney = data.commune("25580")
    assert valentigney["medecins_generalistes"] == 2
    assert valentigney["generalistes_soins_primaires"] == 1
    assert data.commune("25004")["sans_generaliste"] is True
    assert data.totals["medecins_generalistes"] == 3  # distinct people
    assert data.totals["communes_sans_generaliste"] == 70
    assert data.is_demo is False


def test_a_wrong_header_is_refused_whole_and_keeps_the_snapshot(storage, tmp_path):
    _app, database = storage
    with database.session() as session:
        before = session.scalar(select(HealthSnapshot))  # the demo extract
        count = session.scalar(select(func.count()).select_from(HealthPractice))
    assert before is not None and before.is_demo and count > 500
    path = tmp_path / "PS_LibreAcces_Personne_activite_202611150830.txt"
    write_extract(path, crafted_rows(), header=HEADER.replace("Code postal", "CP"))
    with pytest.raises(RppsFormatError, match="colonne 36"):
        import_rpps(database, path)
    write_extract(path, crafted_rows(), header="a;b;c")
    with pytest.raises(RppsFormatError, match="fichier refusé"):
        import_rpps(database, path)
    with database.session() as session:
        after = session.scalar(select(HealthSnapshot))
        assert session.scalar(select(func.count()).select_from(HealthPractice)) == count
    assert (after.id, after.extracted_at) == (before.id, before.extracted_at)


def test_a_failed_write_rolls_back_to_the_previous_snapshot(
    storage, tmp_path, monkeypatch
):
    _app, database = storage
    first = tmp_path / "PS_LibreAcces_Personne_activite_202601150830.txt"
    write_extract(first, crafted_rows())
    import_rpps(database, first)
    kept = practices(database)
    real_store = rpps.store_snapshot

    def store_then_fail(session, *args):
        real_store(session, *args)  # inserted the new one, deleted the old one
        raise RuntimeError("disque plein")

    monkeypatch.setattr(rpps, "store_snapshot", store_then_fail)
    second = tmp_path / "PS_LibreAcces_Personne_activite_202603010900.txt"
    write_extract(second, [nurse("20000000001", "25388", "25200")])
    with pytest.raises(RuntimeError):
        import_rpps(database, second)
    assert practices(database) == kept
    with database.session() as session:
        snapshot = session.scalar(select(HealthSnapshot))
    assert snapshot.extracted_at == datetime(2026, 1, 15, 7, 30, tzinfo=UTC)


def test_a_successful_import_replaces_the_snapshot_and_keeps_its_date(
    storage, tmp_path
):
    _app, database = storage
    first = tmp_path / "PS_LibreAcces_Personne_activite_202601150830.txt"
    write_extract(first, crafted_rows())
    import_rpps(database, first)
    second = tmp_path / "PS_LibreAcces_Personne_activite_202603010900.txt"
    write_extract(second, [nurse("20000000001", "25388", "25200")])
    report = import_rpps(database, second)
    assert report.rows_kept == 1
    assert practices(database) == {
        ("20000000001", "infirmiers", "25388", True, "insee", 1)
    }
    with database.session() as session:
        snapshots = session.scalars(select(HealthSnapshot)).all()
    assert len(snapshots) == 1
    assert snapshots[0].extracted_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert snapshots[0].source_name == second.name


def test_the_command_prints_the_report_and_uses_nearby_communes(storage, tmp_path):
    app, database = storage
    path = tmp_path / "annuaire.txt"
    write_extract(
        path,
        [
            *crafted_rows(),
            line("10000000020", "70285", "70400", **GP),  # Héricourt
            line("10000000021", "90010", "90000", **GP),  # Belfort: not listed
        ],
    )
    voisines = tmp_path / "voisines.csv"
    voisines.write_text(
        "code_insee;nom;population;lat;lon\n70285;Héricourt;10621;47.5767;6.7617\n",
        encoding="utf-8",
    )
    runner = app.server.test_cli_runner()
    result = runner.invoke(
        args=[
            "import-rpps",
            str(path),
            "--date",
            "2026-11-20",
            "--voisines",
            str(voisines),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Extraction du 20/11/2026 importée" in result.output
    assert (
        "23 lignes lues, 12 exercices retenus dont 1 dans des communes voisines ; "
        "4 placés par code postal." in result.output
    )
    assert "ligne 12 : ligne mal formée" in result.output
    with database.session() as session:
        outside = session.scalars(select(HealthOutsideCommune)).all()
        data = coverage(session, threshold=6.0)
    assert [o.insee for o in outside] == ["70285"]
    assert data.outside_communes == 1
    semondans = data.commune("25540")  # next to Héricourt, no GP of its own
    assert semondans["generaliste_proche"] == "Héricourt"
    assert semondans["generaliste_proche_hors_territoire"] is True
    assert semondans["accessibilite_generalistes"] > 0

    bad = tmp_path / "autre.txt"
    bad.write_text("pas|le|bon|fichier|\n", encoding="utf-8")
    result = runner.invoke(args=["import-rpps", str(bad)])
    assert result.exit_code == 1
    assert "fichier refusé" in result.output
    assert "l'instantané précédent est conservé" in result.output
