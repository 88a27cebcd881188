"""The RPPS importer on fuzzed extracts: wrong column counts, bad encodings, odd
identifiers. Every row read is kept or dropped under a reason (the counts add up),
the import never stops on a row, and a wrong header refuses the file with a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import HealthPractice, HealthSnapshot
from services.rpps import (
    BAD_ENCODING,
    BAD_ID,
    BAD_LINE,
    COL,
    COLUMNS,
    HEADER,
    NO_ID,
    ImportReport,
    check_header,
    import_stream,
    read_extract,
)
from services.rpps_places import Placer
from services.rpps_store import RppsFormatError, read_neighbours
from tests.conftest import make_app
from tests.fuzz.checks import assert_reason

EXTRACTED = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
HEADER_LINE = (HEADER + "|\n").encode()
FIELD_BYTES = st.one_of(
    st.text(max_size=12).map(str.encode),
    st.binary(max_size=6),  # often not UTF-8
    st.sampled_from([b"\xff\xfe", b"\xc3", b"\x00", b"|", b"\r", b" " * 3]),
)


@st.composite
def rows(draw) -> bytes:
    """One row of the extract, near the real thing, sometimes damaged."""
    values = {
        "Identifiant PP": draw(st.from_regex(r"[0-9]{11}", fullmatch=True)),
        "Code profession": draw(st.sampled_from(["10", "60", "40", "70", "21", "91"])),
        "Code savoir-faire": draw(st.sampled_from(["SM54", "SM26", "SM02", ""])),
        "Code mode exercice": draw(st.sampled_from(["L", "S", ""])),
        "Code commune (coord. structure)": draw(
            st.sampled_from(["25388", "25031", "90010", ""])
        ),
        "Code postal (coord. structure)": draw(
            st.sampled_from(["25200", "25350", "25400", "75001", ""])
        ),
    }
    fields = [values.get(name, "").encode() for name in COLUMNS]
    for _ in range(draw(st.integers(0, 2))):
        index = draw(st.sampled_from(sorted(COL.values())))
        fields[index] = draw(FIELD_BYTES)
    if draw(st.integers(0, 5)) == 0:
        fields[COL["Identifiant PP"]] = draw(
            st.sampled_from([b"", b"12\x00345", b"9" * 30, "\u2028".encode()])
        )
    if draw(st.integers(0, 5)) == 0:  # wrong column count
        fields = fields[: draw(st.integers(0, 60))] + [b"x"] * draw(st.integers(0, 3))
    ending = draw(st.sampled_from([b"|\n", b"|\r\n", b"\n", b""]))
    return b"|".join(fields) + ending


LINES = st.lists(
    st.one_of(rows(), rows(), st.binary(max_size=80), st.just(b"\n")), max_size=25
)


@settings(max_examples=50, deadline=None)
@given(lines=LINES)
def test_every_row_is_kept_or_dropped_with_a_reason(fuzz_db, lines):
    # A file is split on "\n" when read: do the same with the generated lines.
    body = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
    physical = body.split(b"\n")[:-1]
    report = import_stream(
        fuzz_db, [HEADER_LINE, *(p + b"\n" for p in physical)], "fuzz.txt", EXTRACTED
    )
    assert report.rows_read == sum(1 for p in physical if p.strip())
    assert report.rows_read == report.rows_kept + sum(report.dropped.values())
    for number, reason in report.bad_lines:
        assert 2 <= number <= len(physical) + 1
        assert_reason(reason)
    for reason in report.dropped:
        assert_reason(reason)
    with fuzz_db.session() as session:
        snapshot = session.scalar(select(HealthSnapshot))
        stored = session.scalar(select(func.count()).select_from(HealthPractice))
        ids = list(session.scalars(select(HealthPractice.practitioner_id)))
    assert (snapshot.rows_read, snapshot.rows_kept) == (report.rows_read, stored)
    assert all(i.isprintable() and 0 < len(i) <= 20 for i in ids)


@settings(max_examples=150, deadline=None)
@given(
    header=st.one_of(
        st.binary(max_size=200),
        st.lists(st.sampled_from(COLUMNS), max_size=55).map(
            lambda names: "|".join(names).encode()
        ),
        st.just(HEADER_LINE[:-20]),
        st.just(HEADER.encode("latin-1", "replace")),
    )
)
def test_a_wrong_header_refuses_the_file_with_a_reason(header):
    try:
        check_header(header)
    except RppsFormatError as error:
        assert_reason(str(error), limit=2000)
        assert "fichier refusé" in str(error)
    else:
        names = header.decode().rstrip("\r\n|").split("|")
        assert names == list(COLUMNS)


def test_damaged_rows_are_counted_under_their_reasons():
    """Each damage is named in the report (the property test checks the sums)."""
    good = ["" for _ in COLUMNS]
    good[COL["Code profession"]], good[COL["Code commune (coord. structure)"]] = (
        "60",
        "25388",
    )

    def line(**changes) -> bytes:
        fields = [value.encode() for value in good]
        for name, value in changes.items():
            fields[COL[name]] = value
        return b"|".join(fields) + b"|\n"

    lines = [
        HEADER_LINE,
        line(**{"Identifiant PP": b"10000000001"}),  # 2 kept
        b"60|25388|\n",  # 3 too few columns
        line(
            **{
                "Identifiant PP": b"10000000002",
                "Code postal (coord. structure)": b"\xff",
            }
        ),
        line(**{"Identifiant PP": b""}),  # 5 no identifier
        line(**{"Identifiant PP": b"12\x00345"}),  # 6 NUL
        line(**{"Identifiant PP": b"1" * 21}),  # 7 too long for the column
    ]
    report = ImportReport("x")
    practices = read_extract(lines, Placer.load({"25388"}), report)
    assert report.rows_read == 6 and report.rows_kept == len(practices) == 1
    assert dict(report.bad_lines) == {
        3: f"{BAD_LINE} : 2 séparateurs au lieu de 52",
        4: BAD_ENCODING,
        5: NO_ID,
        6: BAD_ID,
        7: BAD_ID,
    }


@pytest.mark.integration
def test_a_nul_in_an_identifier_no_longer_fails_the_import_on_postgresql(
    postgresql_url,
):
    app = make_app(postgresql_url, SIM_SENSORS=10)
    database = app.server.extensions["hypervision_db"]
    fields = ["" for _ in COLUMNS]
    fields[COL["Code profession"]] = "60"
    fields[COL["Code commune (coord. structure)"]] = "25388"
    lines = [HEADER_LINE]
    for pp in ("10000000001", "1000\x0000002"):
        fields[COL["Identifiant PP"]] = pp
        lines.append(("|".join(fields) + "|\n").encode())
    report = import_stream(database, lines, "nul.txt", EXTRACTED)
    assert report.rows_kept == 1 and report.dropped == {BAD_ID: 1}
    with database.session() as session:
        assert list(session.scalars(select(HealthPractice.practitioner_id))) == [
            "10000000001"
        ]


NEIGHBOUR_HEADER = "code_insee,nom,population,lat,lon"
NEIGHBOUR_LINES = st.lists(
    st.one_of(
        st.just("90010,Belfort,46000,47.6380,6.8628"),
        st.just("70285,Héricourt,10500,47.5780,6.7617"),
        st.lists(
            st.one_of(
                st.text(max_size=8), st.sampled_from(["nan", "inf", "1e999", ""])
            ),
            max_size=7,
        ).map(",".join),
    ),
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(lines=NEIGHBOUR_LINES, raw=st.binary(max_size=30))
def test_a_neighbours_file_is_read_or_refused_with_its_line(
    tmp_path_factory, lines, raw
):
    path = tmp_path_factory.mktemp("voisines") / "voisines.csv"
    path.write_bytes("\n".join([NEIGHBOUR_HEADER, *lines]).encode() + b"\n" + raw)
    try:
        items = read_neighbours(path)
    except RppsFormatError as error:
        assert_reason(str(error))
        return
    assert len({item["insee"] for item in items}) == len(items)
    for item in items:
        assert len(item["insee"]) == 5 and -90 <= item["lat"] <= 90
        assert -180 <= item["lon"] <= 180 and 0 < len(item["name"]) <= 100
