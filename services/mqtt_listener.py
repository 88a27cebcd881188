"""The MQTT listener (paho-mqtt 2, MQTT 5, QoS 1, persistent session, manual acks).

The broker keeps what we have not acknowledged; we acknowledge a message only
after the pipeline committed it, so a crash loses nothing. Subscriptions are made
in on_connect so that every reconnection renews them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from db.types import utcnow
from services import service_status
from services.ingest import IngestPipeline

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
SHARE_GROUP = "hypervision"


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> BrokerAddress:
    """mqtt://[user:pass@]host[:port] or mqtts://..."""
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
        raise ValueError(f"MQTT_URL invalide : {url!r} (attendu mqtt://hôte:port)")
    tls = parsed.scheme == "mqtts"
    return BrokerAddress(
        host=parsed.hostname,
        port=parsed.port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
    )


def topics(root: str) -> list[str]:
    """The contract's subscriptions."""
    return [f"{root}/waste/+/up", "v3/+/devices/+/up", f"{root}/vigilance/reports"]


def share_group(shared: bool | str | None) -> str | None:
    """The share group to subscribe through, or None for a plain subscription.

    True means the default group; a text is a group name (MQTT_SHARED_GROUP).
    """
    if shared is True:
        return SHARE_GROUP
    if not shared:
        return None
    group = str(shared).strip()
    if not group or any(c in group for c in "/+#"):
        raise ValueError(
            f"MQTT_SHARED_GROUP invalide : {shared!r} (un nom sans / + ni #)"
        )
    return group


class MqttListener:
    """Feeds the pipeline from the broker and reports its state in the database."""

    def __init__(
        self,
        url: str,
        pipeline: IngestPipeline,
        topic_root: str = "pma",
        client_id: str = "hypervision-ingest",
        shared: bool | str | None = False,
    ):
        self.address = parse_mqtt_url(url)
        self.pipeline = pipeline
        self.topic_root = topic_root
        self.share_group = share_group(shared)
        self._stopping = False
        self._disconnected = threading.Event()
        self.state = "disconnected"
        self.reconnects = 0
        self.started_at = utcnow()
        self._connected_once = False
        self._stop = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def start(self) -> None:
        """Connect in the background; paho reconnects by itself with backoff."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        # Mosquitto's default window is 20 unacknowledged messages; we ack after
        # commit, so let the broker send up to what the pipeline can queue.
        properties.ReceiveMaximum = min(65535, self.pipeline.queue.maxsize or 65535)
        self.client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()
        threading.Thread(
            target=self._heartbeat, name="mqtt-heartbeat", daemon=True
        ).start()

    def stop(self, flush_s: float = 10.0) -> None:
        """Leave cleanly: commit and acknowledge the batch being written, then
        disconnect.

        Queued messages and deliveries arriving meanwhile are left unacknowledged:
        the broker keeps them for this session and sends them again when it
        reconnects (stored then, not counted as duplicates).
        """
        self._stopping = True
        self.pipeline.release(flush_s)
        self._stop.set()
        if self.client.is_connected():
            # disconnect() only queues the packet: wait until the acks queued
            # before it are on the wire, or the broker would send them again.
            self._disconnected.clear()
            self.client.disconnect()
            if not self._disconnected.wait(5):
                log.warning("déconnexion MQTT non confirmée : acquittements perdus")
        else:
            log.warning("arrêt sans connexion MQTT : le broker renverra le lot")
        self.client.loop_stop()
        self.state = "stopped"
        self.write_status()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if reason_code.is_failure:
            log.warning("connexion MQTT refusée : %s", reason_code)
            return
        if self._connected_once:
            self.reconnects += 1
        self._connected_once = True
        prefix = f"$share/{self.share_group}/" if self.share_group else ""
        client.subscribe([(prefix + t, 1) for t in topics(self.topic_root)])

    def _on_subscribe(self, _client, _userdata, _mid, reason_codes, _properties):
        if all(not code.is_failure for code in reason_codes):
            self.state = "connected"
            log.info("abonné aux sujets MQTT (%s)", self.address.host)
        else:
            self.state = "disconnected"
            log.error("abonnement MQTT refusé : %s", reason_codes)

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        self.state = "disconnected"
        self._disconnected.set()
        log.warning("déconnecté du broker MQTT : %s", reason_code)

    def _on_message(self, client, _userdata, message):
        if self._stopping:
            return  # not acknowledged: redelivered to this session next time
        mid, qos = message.mid, message.qos
        self.pipeline.submit(
            message.topic, message.payload, ack=lambda: client.ack(mid, qos)
        )

    def _heartbeat(self) -> None:
        while True:
            self.write_status()
            if self._stop.wait(service_status.HEARTBEAT_S):
                return

    def write_status(self) -> None:
        """One heartbeat row per worker (keyed by its MQTT client id), with the
        queue depth and how long the previous heartbeat took to commit."""
        # paho has no public accessor for the client id it was given
        client_id = self.client._client_id.decode() or "hypervision-ingest"
        if self.state != getattr(self, "_beat_state", None):
            # seen at the heartbeat: "since" is right to HEARTBEAT_S seconds
            self._beat_state, self._state_since = self.state, utcnow()
        started = time.perf_counter()
        try:
            with self.pipeline.database.session() as session:
                service_status.beat(
                    session,
                    service_status.ingest_name(client_id),
                    self.state,
                    detail=f"{self.address.host}:{self.address.port}",
                    reconnects=self.reconnects,
                    started_at=self.started_at,
                    host=f"{socket.gethostname()}:{os.getpid()}",
                    state_since=self._state_since,
                    queue_depth=self.pipeline.queue.qsize(),
                    write_ms=getattr(self, "_write_ms", None),
                    db_errors=self.pipeline.counters.db_errors,
                )
            # a round trip to the database from the worker, shown on the next beat
            self._write_ms = (time.perf_counter() - started) * 1000
        except Exception:  # the database may be down: the ingest goes on
            log.warning("état du listener non enregistré", exc_info=True)
