"""Demo data: 30 days of backfilled history, then a live in-process sensor feed.

SIM_SPEED accelerates the simulated physics (fill, collections) while readings keep
real timestamps, so an operator sees bins move within minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select

from db.engine import Database
from db.models import Bin, Commune, Incident, Reading, Sensor
from db.types import utcnow
from services import service_status
from services.decoders import Uplink
from services.geo import commune_areas
from services.incident_demo import IncidentStream, age_demo_incidents
from services.ingest import IngestPipeline
from services.readings import load_devices, reading_row, store_history
from services.simulator import FleetSimulator, SimReading, native_payload, native_topic

log = logging.getLogger(__name__)
BACKFILL_CHUNK = 20_000


@dataclass(frozen=True)
class SimBin:
    code: str
    kind: str
    commune_insee: str
    empty_distance_mm: int
    full_distance_mm: int
    dev_eui: str
    last_fill_pct: float | None = None


def fleet_from_db(database: Database, limit: int | None = None) -> tuple[list, dict]:
    """The bins with an active sensor, and commune populations, for a simulator."""
    with database.session() as session:
        query = (
            select(
                Bin.code,
                Bin.kind,
                Bin.commune_insee,
                Bin.empty_distance_mm,
                Bin.full_distance_mm,
                Sensor.dev_eui,
                Bin.last_fill_pct,
            )
            .join(Sensor, (Sensor.bin_id == Bin.id) & Sensor.removed_at.is_(None))
            .order_by(Bin.id)
        )
        if limit:
            query = query.limit(limit)
        bins = [SimBin(*row) for row in session.execute(query)]
        populations = {
            key: value
            for key, value in session.execute(select(Commune.insee, Commune.population))
        }
    return bins, populations


def to_uplink(reading: SimReading) -> Uplink:
    return Uplink(
        dev_eui=reading.dev_eui,
        measured_at=reading.measured_at,
        distance_mm=reading.distance_mm,
        fill_pct=None,
        battery_pct=reading.battery_pct,
        temperature_c=reading.temperature_c,
        tilt=reading.tilt,
        rssi=None,
        snr=None,
        seq=reading.seq,
        source="native",
    )


def backfill(
    database: Database,
    simulator: FleetSimulator,
    start: datetime,
    end: datetime,
    progress=None,
) -> int:
    """Store the readings the fleet would have sent; returns how many were sent."""
    with database.session() as session:
        devices = load_devices(session)
    total_steps = max(int((end - start) / timedelta(hours=1)), 1)
    stored, rows = 0, []
    for step, readings in enumerate(simulator.history(start, end), start=1):
        for reading in readings:
            device = devices.get(reading.dev_eui)
            if device is not None:
                rows.append(
                    reading_row(to_uplink(reading), device, reading.measured_at)
                )
        if len(rows) >= BACKFILL_CHUNK or step == total_steps:
            with database.session() as session:
                store_history(session, rows)
            stored += len(rows)
            rows = []
            if progress:
                progress(step / total_steps)
    if rows:
        with database.session() as session:
            store_history(session, rows)
        stored += len(rows)
    return stored


class DemoFeed:
    """Backfill what is missing, then publish live readings into the pipeline."""

    def __init__(self, database: Database, pipeline: IngestPipeline, settings: dict):
        self.database = database
        self.pipeline = pipeline
        self.settings = settings
        self.speed = max(settings["SIM_SPEED"], 0.1)
        self._stop = threading.Event()
        bins, populations = fleet_from_db(database)
        with database.session() as session:
            self.incidents = IncidentStream(
                commune_areas(session), settings["MQTT_TOPIC_ROOT"]
            )
        self.simulator = FleetSimulator(bins, populations)
        # After a restart, bins resume from their last known fill, not a random one.
        for index, bin_ in enumerate(bins):
            if bin_.last_fill_pct is not None:
                self.simulator.fill[index] = bin_.last_fill_pct / 100

    def prepare_history(self, progress=None) -> int:
        """Backfill from the last stored reading (at most SIM_HISTORY_DAYS) to now."""
        now = utcnow().replace(microsecond=0)
        with self.database.session() as session:
            latest = session.scalar(select(func.max(Reading.measured_at)))
        start = now - timedelta(days=self.settings["SIM_HISTORY_DAYS"])
        if latest is not None and latest > start:
            start = latest
        if now - start < timedelta(hours=1):
            self.simulator.advance(now, timedelta(0))
            return 0
        return backfill(self.database, self.simulator, start, now, progress)

    def start(self, progress=None) -> None:
        """Backfill (in the background), then feed live readings."""
        threading.Thread(
            target=self._run, args=(progress,), name="demo-feed", daemon=True
        ).start()

    def stop(self) -> None:
        self._stop.set()

    def backfill_incidents(self, days: int = 7) -> int:
        """A week of reports through the pipeline when there are none yet."""
        with self.database.session() as session:
            if session.scalar(select(func.count()).select_from(Incident)):
                return 0
        now = utcnow()
        sent = 0
        for hour in range(days * 24, 0, -1):
            start = now - timedelta(hours=hour)
            for topic, payload in self.incidents.due(start, start + timedelta(hours=1)):
                self.pipeline.submit(topic, payload)
                sent += 1
        self.pipeline.drain()
        age_demo_incidents(self.database, now)
        log.info("signalements de démonstration : %d sur %d jours", sent, days)
        return sent

    def _backfill_with_status(self, progress=None) -> None:
        started = utcnow()
        last_shown = -1

        def report(fraction: float) -> None:
            nonlocal last_shown
            if progress:
                progress(fraction)
            percent = int(fraction * 100)
            if percent != last_shown:
                last_shown = percent
                with self.database.session() as session:
                    service_status.beat(
                        session,
                        service_status.DEMO_HISTORY,
                        "running",
                        detail=str(percent),
                        started_at=started,
                    )

        stored = self.prepare_history(report)
        with self.database.session() as session:
            service_status.beat(
                session,
                service_status.DEMO_HISTORY,
                "done",
                detail="100",
                started_at=started,
            )
        log.info("historique de démonstration : %d mesures ajoutées", stored)

    def _run(self, progress=None) -> None:
        try:
            self._backfill_with_status(progress)
        except Exception:  # the live feed must start even if the history failed
            log.exception("échec de l'historique de démonstration")
        try:
            self.backfill_incidents()
        except Exception:  # the live feed must start even if this failed
            log.exception("échec de l'historique des signalements de démonstration")
        root = self.settings["MQTT_TOPIC_ROOT"]
        virtual = utcnow()
        reports_from = utcnow()
        last = time.monotonic()
        while not self._stop.wait(1.0):
            elapsed = time.monotonic() - last
            last = time.monotonic()
            virtual += timedelta(seconds=elapsed * self.speed)
            now = utcnow().replace(microsecond=0)
            try:
                for topic, payload in self.incidents.due(reports_from, now):
                    self.pipeline.submit(topic, payload)
                reports_from = now
                for reading in self.simulator.due_readings(virtual):
                    live = replace(reading, measured_at=now)
                    self.pipeline.submit(
                        native_topic(root, live.dev_eui), native_payload(live)
                    )
            except Exception:  # a simulator bug must not stop the demo
                log.exception("erreur du simulateur de démonstration")
