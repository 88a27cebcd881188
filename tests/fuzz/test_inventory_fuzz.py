"""The bin-inventory CSV import, fuzzed: every line is imported or refused with its
number and reason, and no input (quotes, line breaks, NUL, huge fields or numbers)
stops the import."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.fleet import BIN_KINDS
from services.inventory import COLUMNS, import_bins
from tests.fuzz import strategies as fz
from tests.fuzz.checks import assert_reason

HEADER = ",".join(COLUMNS)
# A point inside Montbéliard (25388), as in the API tests.
GOOD = {
    "kind": "PAV_VERRE",
    "commune_insee": "25388",
    "lat": "47.5098",
    "lon": "6.7985",
    "capacity_l": "3000",
    "empty_distance_mm": "1800",
    "full_distance_mm": "300",
}
# Field values that keep the line one CSV record of nine fields.
PLAIN = st.text(
    st.characters(exclude_characters=',;"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029'),
    max_size=20,
)
NEAR = {
    "code": st.one_of(PLAIN, st.sampled_from(["", "a/b", "x" * 65, "A\x00B", "é"])),
    "kind": st.one_of(PLAIN, st.sampled_from(sorted(BIN_KINDS))),
    "commune_insee": st.one_of(PLAIN, st.sampled_from(["25388", "90010", "2538"])),
    "lat": st.one_of(PLAIN, st.sampled_from(["nan", "inf", "1e999", "47,5098", "91"])),
    "lon": st.one_of(PLAIN, st.sampled_from(["-inf", "6.7985", "6,7985", ""])),
    "capacity_l": st.one_of(
        PLAIN, st.sampled_from(["0", "-5", "9" * 30, "9" * 5000, "1_000", "٣٠٠٠"])
    ),
    "empty_distance_mm": st.one_of(PLAIN, st.sampled_from(["20001", "300", "9" * 40])),
    "full_distance_mm": st.one_of(PLAIN, st.sampled_from(["-1", "1800", "nan"])),
    "dev_eui": st.one_of(PLAIN, st.sampled_from(["", "24e124713b234567", "XYZ"])),
}


def run_import(database, text: str):
    """Import in a transaction rolled back afterwards: examples stay independent."""
    session = database.sessionmaker()
    try:
        return import_bins(session, text)
    finally:
        session.rollback()
        session.close()


@st.composite
def inventories(draw):
    """(file text, line numbers that were left intact)."""
    tag = draw(st.integers(0, 2**32 - 1))
    delimiter = draw(st.sampled_from([",", ";"]))
    lines, intact = [], set()
    for index in range(draw(st.integers(1, 8))):
        row = {
            **GOOD,
            "code": f"FZ-{tag:08X}-{index}",
            "dev_eui": f"{tag:08X}{index:08X}",
        }
        broken = draw(st.lists(st.sampled_from(COLUMNS), max_size=3, unique=True))
        for name in broken:
            row[name] = draw(NEAR[name])
        if not broken:
            intact.add(index + 2)
        lines.append(delimiter.join(row[name] for name in COLUMNS))
    text = "\n".join([HEADER.replace(",", delimiter), *lines]) + "\n"
    return text, len(lines), intact


@settings(max_examples=120, deadline=None)
@given(inventory=inventories())
def test_every_line_is_imported_or_refused_with_its_number_and_reason(
    fuzz_db, inventory
):
    text, count, intact = inventory
    report = run_import(fuzz_db, text)
    refused = dict(report.refused)
    assert len(refused) == len(report.refused)  # one reason per line
    assert report.imported + len(refused) == count
    assert set(refused) <= set(range(2, count + 2))
    assert not intact & set(refused), report.refused
    for reason in refused.values():
        assert_reason(reason)


@settings(max_examples=150, deadline=None)
@given(
    body=st.one_of(
        st.text(fz.ANY_CHAR.filter(lambda c: not 0xD800 <= ord(c) <= 0xDFFF)),
        st.lists(st.sampled_from(['"', "\r", "\n", ",", ";", "\x00", "a"])).map(
            "".join
        ),
    ),
    header=st.sampled_from([HEADER, HEADER.replace(",", ";"), "", "\ufeff" + HEADER]),
)
@example(body='"' + "x" * 200_000 + '",PAV_VERRE\nB,PAV_VERRE', header=HEADER)
@example(body='A\rB,PAV_VERRE,25388,47.5098,6.7985,1,2,1,\n"', header=HEADER)
def test_no_text_stops_the_import(fuzz_db, header, body):
    """Text as read from a UTF-8 file: any characters, quotes and line breaks."""
    report = run_import(fuzz_db, f"{header}\n{body}" if header else body)
    for number, reason in report.refused:
        assert isinstance(number, int) and number >= 1
        assert_reason(reason)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"capacity_l": "9" * 30}, "capacity_l hors limites"),
        ({"capacity_l": "100001"}, "capacity_l hors limites"),
        ({"code": "A\x00B"}, "code invalide"),
        ({"lat": "nan"}, "position hors"),
    ],
)
def test_values_the_database_cannot_hold_are_refused_not_crashing(
    fuzz_db, changes, words
):
    row = {**GOOD, "code": "FZ-ONE", "dev_eui": "", **changes}
    text = HEADER + "\n" + ",".join(row[name] for name in COLUMNS) + "\n"
    report = run_import(fuzz_db, text)
    assert report.imported == 0
    [(number, reason)] = report.refused
    assert number == 2 and words in reason
