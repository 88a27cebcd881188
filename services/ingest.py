"""The ingest pipeline: route by topic, decode, validate, store in batches, then ack.

Messages come from the MQTT listener or the in-process simulator through `submit`.
A single writer thread drains a bounded queue (so memory stays bounded and the
broker keeps what we have not taken), commits a batch, and only then calls each
message's `ack`. Nothing a message contains can raise out of the pipeline: a
refused message becomes a dead letter with a French reason.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import DataError, IntegrityError

from db.engine import Database
from db.models import DeadLetter
from db.types import utcnow
from services import decoders, incidents, ingest_stats
from services.geo import Territory, commune_areas
from services.readings import Device, load_devices, reading_row, store_readings

log = logging.getLogger(__name__)

EXCERPT_BYTES = 500
DEVICE_REFRESH_S = 30.0
UNKNOWN_REFRESH_S = 5.0
RETRY_FIRST_S = 0.1  # database error: first retry, doubled up to RETRY_MAX_S
RETRY_MAX_S = 5.0
_DEV_EUI = "[0-9A-Za-z]+"


@dataclass(slots=True)
class Message:
    topic: str
    payload: bytes
    ack: Callable[[], None] | None = None
    received_at: datetime = field(default_factory=utcnow)
    refusal: str | None = None  # set when storing it failed: kept as a dead letter


@dataclass
class Counters:
    """What this process stored since it started (the database holds the totals)."""

    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    batches: int = 0
    db_errors: int = 0


class Refused(Exception):
    """A message refused for a reason, with the source it was counted under."""

    def __init__(self, reason: str, source: str):
        super().__init__(reason)
        self.reason = reason
        self.source = source


class IngestPipeline:
    """Bounded queue + one writer thread committing batches."""

    def __init__(
        self,
        database: Database,
        topic_root: str = "pma",
        batch_size: int = 1000,
        max_wait_s: float = 0.05,
        max_queue: int = 50_000,
    ):
        self.database = database
        self.batch_size = batch_size
        self.max_wait_s = max_wait_s
        self.queue: queue.Queue[Message] = queue.Queue(maxsize=max_queue)
        self.counters = Counters()
        root = re.escape(topic_root)
        self._native = re.compile(rf"^{root}/waste/({_DEV_EUI})/up$")
        self._tts = re.compile(r"^v3/[^/]+/devices/[^/]+/up$")
        self._reports = f"{topic_root}/vigilance/reports"
        self._devices: dict[str, Device] = {}
        self._devices_at = 0.0
        self._territory: Territory | None = None
        self._stop = threading.Event()
        self._release = threading.Event()
        self._thread: threading.Thread | None = None

    # -- producer side -------------------------------------------------------
    def submit(self, topic: str, payload: bytes, ack: Callable | None = None) -> None:
        """Queue a message; blocks when the queue is full (back-pressure)."""
        self.queue.put(Message(topic, bytes(payload), ack))

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="ingest-writer", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Flush what is queued and stop the writer."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until the queue is empty and processed (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    # -- writer side ---------------------------------------------------------
    def release(self, timeout: float = 10.0) -> None:
        """Stop writing once the batch in hand is committed and acknowledged; drop
        what is still queued. For acknowledged sources (MQTT): those messages
        were not acknowledged, so the broker sends them again, and a stop takes
        one batch, not the whole queue."""
        self._release.set()
        if self._thread is not None:
            self._thread.join(timeout)
        while True:  # frees a producer blocked on a full queue
            try:
                self.queue.get_nowait()
                self.queue.task_done()
            except queue.Empty:
                return

    def _run(self) -> None:
        while not self._release.is_set() and not (
            self._stop.is_set() and self.queue.empty()
        ):
            batch = self._take_batch()
            if batch:
                self._commit_with_retry(batch)

    def _take_batch(self) -> list[Message]:
        try:
            batch = [self.queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.max_wait_s
        while len(batch) < self.batch_size:
            try:  # what queued up during the last commit goes in at once
                batch.append(self.queue.get_nowait())
                continue
            except queue.Empty:
                if len(batch) > 1:  # a backlog was there: do not linger
                    break
            remaining = deadline - time.monotonic()
            try:
                batch.append(self.queue.get(timeout=max(remaining, 0)))
            except queue.Empty:
                break
        return batch

    def _commit_with_retry(self, batch: list[Message]) -> None:
        """Store the batch, then acknowledge it."""
        self._store(batch)
        for message in batch:
            if message.ack is not None:
                try:
                    message.ack()
                except Exception:  # a lost connection: the broker will resend
                    log.warning("acquittement impossible pour %s", message.topic)
            self.queue.task_done()  # after the ack: drain() means acknowledged

    def _store(self, batch: list[Message]) -> None:
        """Commit, retrying with a growing delay while the database is in trouble
        (the broker keeps the backlog: nothing is acknowledged meanwhile)."""
        delay = RETRY_FIRST_S
        while True:
            try:
                self.process(batch)
                return
            except Exception as error:
                if _caused_by_a_message(error):
                    self._isolate(batch, error)
                    return
                self.counters.db_errors += 1
                if delay == RETRY_FIRST_S:  # one traceback per outage, then a line
                    log.exception(
                        "échec d'écriture du lot, nouvel essai dans %.1f s", delay
                    )
                else:
                    log.warning(
                        "base toujours indisponible (%s), nouvel essai dans %.1f s",
                        type(error).__name__,
                        delay,
                    )
                time.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    def _isolate(self, batch: list[Message], error: Exception) -> None:
        """A message the database refuses must not block the others for ever:
        store them one by one and keep the culprit as a dead letter."""
        if len(batch) > 1:
            for message in batch:
                self._store([message])
            return
        message = batch[0]
        if message.refusal is not None:  # even its dead letter cannot be stored
            log.error("message abandonné (%s) : %s", message.topic[:100], error)
            self.counters.rejected += 1
            return
        log.warning("message impossible à enregistrer (%s)", type(error).__name__)
        message.refusal = f"enregistrement impossible ({type(error).__name__})"
        self._store([message])

    def process(self, batch: list[Message]) -> None:
        """Decode, validate and commit one batch (raises only on database errors)."""
        now = utcnow()
        rows, dead, reports, stats = [], [], [], ingest_stats.Tally()
        for message in batch:
            try:
                if message.refusal is not None:
                    raise Refused(message.refusal, self._source(message.topic))
                kind, value = self._classify(message, now)
            except Refused as refused:
                dead.append(_dead_letter(message, refused.reason))
                stats.add(refused.source, message.received_at, rejected=1)
                continue
            if kind == "report":
                reports.append((value, message.received_at))
            else:
                rows.append((value, message.received_at))
        with self.database.session() as session:
            inserted = store_readings(session, [row for row, _ in rows])
            for row, received_at in rows:
                key = (row["sensor_id"], row["measured_at"])
                new = key in inserted
                inserted.discard(key)  # a second copy in the same batch is a duplicate
                stats.add(row["source"], received_at, accepted=new, duplicates=not new)
            session.add_all(dead)
            for report, received_at in reports:
                _incident, new = incidents.store_incident(
                    session, report, f"mqtt:{report['source']}", received_at
                )
                stats.add("vigilance", received_at, accepted=new, duplicates=not new)
            ingest_stats.save(session, stats)
        self.counters.accepted += stats.total("accepted")
        self.counters.duplicates += stats.total("duplicates")
        self.counters.rejected += stats.total("rejected")
        self.counters.batches += 1

    def _classify(self, message: Message, now: datetime):
        topic = message.topic
        if len(message.payload) > decoders.MAX_PAYLOAD_BYTES:
            source = self._source(topic)
            raise Refused(
                f"charge utile trop grande ({len(message.payload)} octets > "
                f"{decoders.MAX_PAYLOAD_BYTES})",
                source,
            )
        try:
            if topic == self._reports:
                return "report", self._report(message.payload, now)
            if match := self._native.match(topic):
                source = "native"
                uplink = decoders.decode_native(match.group(1), message.payload, now)
            elif self._tts.match(topic):
                source = "tts"
                uplink = decoders.decode_tts(message.payload, now)
            else:
                raise Refused("sujet MQTT non reconnu", "other")
        except decoders.PayloadError as error:
            source = "vigilance" if topic == self._reports else source
            raise Refused(str(error), source) from None
        device = self._device(uplink.dev_eui)
        if device is None:
            raise Refused(f"capteur inconnu (DevEUI {uplink.dev_eui})", source)
        return "reading", reading_row(uplink, device, message.received_at)

    def _source(self, topic: str) -> str:
        if topic == self._reports:
            return "vigilance"
        if self._native.match(topic):
            return "native"
        return "tts" if self._tts.match(topic) else "other"

    def _report(self, payload: bytes, now: datetime) -> dict:
        """A validated incident report (same rules as the API and the form)."""
        data = decoders.parse_json_object(payload)
        if self._territory is None:
            with self.database.session() as session:
                self._territory = Territory(commune_areas(session))
        try:
            return incidents.validate_report(
                data, self._territory, now, default_source="mqtt"
            )
        except incidents.ReportRefused as refused:
            raise Refused(
                f"signalement refusé : {refused}"[:300], "vigilance"
            ) from None

    def _device(self, dev_eui: str) -> Device | None:
        age = time.monotonic() - self._devices_at
        if age > DEVICE_REFRESH_S or (
            dev_eui not in self._devices and age > UNKNOWN_REFRESH_S
        ):
            self.refresh_devices()
        return self._devices.get(dev_eui)

    def refresh_devices(self) -> None:
        """Reload the DevEUI table (imports and sensor swaps show up within 30 s)."""
        with self.database.session() as session:
            self._devices = load_devices(session)
        self._devices_at = time.monotonic()


def _caused_by_a_message(error: Exception) -> bool:
    """Errors a payload can cause (bad value, constraint, a bug on odd input),
    as opposed to the database being down, locked or not migrated."""
    if isinstance(error, DataError | IntegrityError):
        return True
    return not type(error).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3"))


def _dead_letter(message: Message, reason: str) -> DeadLetter:
    # PostgreSQL text cannot hold NUL: keep it visible as U+FFFD.
    excerpt = message.payload[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    return DeadLetter(
        received_at=message.received_at,
        topic=message.topic[:300].replace("\x00", "\ufffd"),
        reason=reason[:300],
        payload_excerpt=excerpt.replace("\x00", "\ufffd"),
        payload_size=len(message.payload),
    )
