"""Background services of a process: ingest, MQTT or demo feed, scheduled jobs."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

from apscheduler.schedulers.background import BackgroundScheduler

from db.engine import Database
from services.config import is_demo
from services.ingest import IngestPipeline
from services.jobs import register_jobs

log = logging.getLogger(__name__)


@dataclass
class BackgroundServices:
    pipeline: IngestPipeline
    scheduler: BackgroundScheduler
    stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in self.stoppers:
            stop()
        self.scheduler.shutdown(wait=False)
        self.pipeline.stop()


def _console_progress(fraction: float) -> None:
    width = 30
    done = int(fraction * width)
    sys.stderr.write(
        f"\rHistorique de démonstration [{'#' * done}{'.' * (width - done)}]"
        f" {fraction:5.0%}"
    )
    if fraction >= 1:
        sys.stderr.write("\n")
    sys.stderr.flush()


def start_background(database: Database, settings: dict) -> BackgroundServices:
    """Start the ingest (MQTT listener, or the demo feed) and the scheduler."""
    pipeline = IngestPipeline(
        database,
        settings["MQTT_TOPIC_ROOT"],
        max_queue=settings.get("INGEST_MAX_QUEUE", 50_000),
    )
    pipeline.start()
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, database, settings)
    scheduler.start()
    services = BackgroundServices(pipeline, scheduler)
    if settings["MQTT_URL"]:
        from services.mqtt_listener import MqttListener

        listener = MqttListener(
            settings["MQTT_URL"],
            pipeline,
            settings["MQTT_TOPIC_ROOT"],
            settings["MQTT_CLIENT_ID"],
            shared=settings.get("MQTT_SHARED_GROUP"),
        )
        listener.start()
        services.stoppers.append(listener.stop)
        log.info(
            "listener MQTT démarré sur %s (client %s, groupe partagé %s)",
            settings["MQTT_URL"],
            settings["MQTT_CLIENT_ID"],
            listener.share_group or "aucun",
        )
    elif is_demo(settings):
        from services.demo_feed import DemoFeed

        feed = DemoFeed(database, pipeline, settings)
        # The web answers at once; the history fills in behind, with its progress
        # shown in the terminal and in the navbar badge of every page.
        feed.start(progress=_console_progress)
        services.stoppers.append(feed.stop)
    else:
        log.warning(
            "MQTT_URL absent en production : aucune donnée capteur ne sera reçue"
        )
    return services
