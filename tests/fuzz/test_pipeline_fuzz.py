"""Garbage through the real ingest pipeline (IngestPipeline.process, real database):
each refused message becomes a dead letter with a French reason, only an excerpt of
it is stored, and accepted + refused + duplicates always equals the messages sent."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import DeadLetter, IngestStat
from db.types import utcnow
from services.decoders import MAX_PAYLOAD_BYTES
from services.ingest import EXCERPT_BYTES, IngestPipeline, Message
from services.readings import load_devices
from tests.conftest import make_app
from tests.fuzz import strategies as fz
from tests.fuzz.checks import assert_reason

ROOT = "pma"
REPORTS = f"{ROOT}/vigilance/reports"


def known_euis(database) -> list[str]:
    with database.session() as session:
        return sorted(load_devices(session))[:5]


def messages(euis: list[str]) -> st.SearchStrategy[list[tuple[str, bytes]]]:
    """(topic, payload) batches mixing every route with junk and near-valid bodies."""
    now = utcnow()
    eui = st.one_of(st.sampled_from(euis), st.just(fz.EUI))
    native = st.tuples(
        st.one_of(eui, eui, eui, fz.TEXT.filter(lambda t: "/" not in t)).map(
            lambda e: f"{ROOT}/waste/{e}/up"
        ),
        fz.as_payload(fz.native_document(now)),
    )
    tts = st.tuples(
        st.just("v3/app@tenant/devices/dev-1/up"),
        fz.as_payload(fz.tts_with(eui, now)),
    )
    report = st.tuples(st.just(REPORTS), fz.as_payload(fz.report_document(now)))
    other = st.tuples(
        st.one_of(fz.TEXT, st.just(f"{ROOT}/waste/up")), st.binary(max_size=50)
    )
    return st.lists(st.one_of(native, native, tts, report, other), max_size=12)


def totals(database) -> tuple[int, int, int, int]:
    with database.session() as session:
        stats = session.execute(
            select(
                func.coalesce(func.sum(IngestStat.accepted), 0),
                func.coalesce(func.sum(IngestStat.rejected), 0),
                func.coalesce(func.sum(IngestStat.duplicates), 0),
            )
        ).one()
        dead = session.scalar(select(func.count()).select_from(DeadLetter))
    return (*stats, dead)


def check_batch(database, batch: list[tuple[str, bytes]]) -> None:
    pipeline = IngestPipeline(database, ROOT)
    before = totals(database)
    pipeline.process([Message(topic, payload) for topic, payload in batch])
    counters = pipeline.counters
    assert counters.accepted + counters.rejected + counters.duplicates == len(batch)
    accepted, rejected, duplicates, dead = (
        a - b for a, b in zip(totals(database), before, strict=True)
    )
    assert (accepted, rejected, duplicates) == (
        counters.accepted,
        counters.rejected,
        counters.duplicates,
    )
    assert dead == rejected
    with database.session() as session:
        letters = session.scalars(
            select(DeadLetter).order_by(DeadLetter.id.desc()).limit(max(dead, 1))
        ).all()
    for letter in letters[:dead]:
        assert_reason(letter.reason)
        assert len(letter.payload_excerpt) <= EXCERPT_BYTES  # never stored whole
        assert letter.payload_size >= len(letter.payload_excerpt.encode()) // 3


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_garbage_batches_on_sqlite_add_up_and_leave_reasons(fuzz_db, data):
    check_batch(fuzz_db, data.draw(messages(known_euis(fuzz_db))))


@pytest.mark.integration
def test_garbage_batches_on_postgresql_add_up_and_leave_reasons(postgresql_url):
    database = make_app(postgresql_url, SIM_SENSORS=10).server.extensions[
        "hypervision_db"
    ]
    euis = known_euis(database)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(batch=messages(euis))
    def run(batch):
        # MQTT forbids NUL in topics; NUL bytes in payloads are left out here
        # (see the expected failure below).
        check_batch(
            database,
            [(t.replace("\x00", "0"), p.replace(b"\x00", b"0")) for t, p in batch],
        )

    run()


@pytest.mark.parametrize("size", [MAX_PAYLOAD_BYTES + 1, 1_000_000])
@pytest.mark.parametrize(
    "topic", [f"{ROOT}/waste/24E124713B234567/up", "v3/a@t/devices/d/up", REPORTS]
)
def test_an_oversized_message_keeps_only_an_excerpt_and_its_size(fuzz_db, topic, size):
    before = totals(fuzz_db)
    payload = b'{"ts": "' + b"9" * size + b'"}'
    check_batch(fuzz_db, [(topic, payload)])
    assert totals(fuzz_db)[1] == before[1] + 1
    with fuzz_db.session() as session:
        letter = session.scalar(select(DeadLetter).order_by(DeadLetter.id.desc()))
    assert "trop grande" in letter.reason
    assert letter.payload_size == len(payload)
    assert len(letter.payload_excerpt) == EXCERPT_BYTES


def test_a_report_with_a_lone_surrogate_is_a_dead_letter_not_a_stuck_batch(fuzz_db):
    """It passed validation, then failed at commit: the writer retried for ever."""
    now = fz.iso(utcnow())
    body = (
        '{"report_id": "r-surrogate", "ts": "' + now + '", "category": "incendie",'
        ' "lat": 47.5098, "lon": 6.7985, "description": "feu \\ud83d"}'
    ).encode()
    before = totals(fuzz_db)
    check_batch(fuzz_db, [(REPORTS, body)])
    assert totals(fuzz_db)[1] == before[1] + 1


@pytest.mark.integration
def test_a_payload_with_a_nul_byte_becomes_a_dead_letter_on_postgresql(
    postgresql_url,
):
    database = make_app(postgresql_url, SIM_SENSORS=10).server.extensions[
        "hypervision_db"
    ]
    check_batch(database, [(f"{ROOT}/waste/24E124713B234567/up", b"{\x00}")])
    assert totals(database)[3] == 1


def test_a_mixed_batch_counts_each_message_once(fuzz_db):
    """The sums above also hold when readings are accepted and duplicated."""
    eui = known_euis(fuzz_db)[0]
    now = utcnow()
    reading = fz.dumps({"ts": fz.iso(now), "distance_mm": 900})
    report = fz.dumps(
        {"report_id": f"mix-{now.timestamp()}", "ts": fz.iso(now),
         "category": "tapage", "lat": 47.5098, "lon": 6.7985}
    )  # fmt: skip
    pipeline = IngestPipeline(fuzz_db, ROOT)
    before = totals(fuzz_db)
    batch = [
        (f"{ROOT}/waste/{eui}/up", reading),
        (f"{ROOT}/waste/{eui}/up", reading),  # the same reading again
        (f"{ROOT}/waste/{eui}/up", b"\xff" * (MAX_PAYLOAD_BYTES + 1)),
        (REPORTS, report),
        ("v3/a@t/devices/d/up", b"{}"),
    ]
    pipeline.process([Message(topic, payload) for topic, payload in batch])
    after = totals(fuzz_db)
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 2, 1, 2]


class _BrokenOnOneShape(IngestPipeline):
    """Stands for a bug on an input nobody foresaw: the code raises on it."""

    def _classify(self, message, now):
        if message.payload == b"POISON":
            raise TypeError("unforeseen input")
        return super()._classify(message, now)


def test_a_message_that_breaks_its_batch_is_isolated_and_the_others_stored(fuzz_db):
    eui = known_euis(fuzz_db)[1]
    start = utcnow()
    acked = []
    pipeline = _BrokenOnOneShape(fuzz_db, ROOT)
    pipeline.start()
    for i in range(20):
        payload = (
            b"POISON"
            if i == 7
            else fz.dumps({"ts": fz.iso(start.replace(microsecond=0)) [:-1]
                           + f".{i:03d}Z", "distance_mm": 900 + i})
        )  # fmt: skip
        pipeline.submit(
            f"{ROOT}/waste/{eui}/up", payload, ack=lambda i=i: acked.append(i)
        )
    assert pipeline.drain(60)
    pipeline.stop()
    assert sorted(acked) == list(range(20))  # nothing left unacknowledged
    with fuzz_db.session() as session:
        reasons = session.scalars(
            select(DeadLetter.reason).where(DeadLetter.payload_excerpt == "POISON")
        ).all()
    assert reasons == ["enregistrement impossible (TypeError)"]
    assert pipeline.counters.accepted == 19
