"""Tools of the fault-injection tests: worker processes, sequenced readings, a
TCP proxy that can cut the database away from the application."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text

from services.mqtt_listener import parse_mqtt_url
from tests.broker import free_port
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[1]
SUBSCRIBED = "abonné aux sujets MQTT"


class Worker:
    """`flask --app app worker` in a process of its own, logs in files."""

    def __init__(self, folder: Path, name: str, env: dict):
        self.name = name
        self.out = folder / f"{name}.out"
        self.err = folder / f"{name}.err"
        self.env = {
            **os.environ,
            "HYPERVISION_ENV": "production",  # no demo feed, no migration
            "SECRET_KEY": "test-key",
            "MQTT_CLIENT_ID": name,
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with open(self.out, "a") as out, open(self.err, "a") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=err,
            )
        self.starts += 1

    def log(self) -> str:
        return self.err.read_text(errors="replace") if self.err.exists() else ""

    def wait_subscribed(self, timeout: float = 60) -> bool:
        """True once this start of the worker has subscribed on the broker."""
        return wait_until(
            lambda: self.log().count(SUBSCRIBED) >= self.starts, timeout, 0.1
        )

    def kill(self) -> None:
        """SIGKILL: no flush, no ack, no goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> str:
        """SIGTERM as docker stop sends; returns what the worker printed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.out.read_text(errors="replace")

    def rss_kb(self) -> int:
        """Resident memory of the worker (Linux /proc)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1])


def fast_publisher(url: str) -> mqtt.Client:
    """A QoS 1 publisher with a wide window, reconnecting by itself."""
    address = parse_mqtt_url(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.reconnect_delay_set(min_delay=0.2, max_delay=1)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


class Sequence:
    """Readings 0..n-1: each a distinct (sensor, time), with `seq` = its number."""

    def __init__(self, root: str, euis: list[str], base: datetime | None = None):
        self.root = root
        self.euis = euis
        self.base = base or datetime.now(UTC) - timedelta(minutes=30)

    def message(self, seq: int, when: datetime | None = None) -> tuple[str, bytes]:
        eui = self.euis[seq % len(self.euis)]
        when = when or self.base - timedelta(seconds=seq // len(self.euis))
        stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        body = f'{{"ts": "{stamp}", "fill_pct": {seq % 100}, "seq": {seq}}}'
        return f"{self.root}/waste/{eui}/up", body.encode()

    def publish(self, client: mqtt.Client, seqs) -> list:
        return [client.publish(*self.message(s), qos=1) for s in seqs]


def stored_seqs(database) -> list[int]:
    """Every stored reading's seq (a list: a seq stored twice appears twice)."""
    with database.session() as session:
        return list(session.execute(text("SELECT seq FROM readings")).scalars())


def stored_count(database) -> int:
    with database.session() as session:
        return session.execute(text("SELECT count(*) FROM readings")).scalar()


class TcpProxy:
    """Forwards a local port to a server; `cut` drops every connection and refuses
    new ones (as a database host that went away), `restore` lets them through."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self) -> None:
        server, self._server = self._server, None
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            server.shutdown(socket.SHUT_RDWR)
        server.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(
                target=self._pump, args=(client, upstream), daemon=True
            ).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (b if sock is a else a).sendall(data)
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                for sock in (a, b):
                    self._sockets.discard(sock)
                    sock.close()

    def url(self, database_url: str) -> str:
        """The same database URL, through the proxy."""
        host = f"{self.target[0]}:{self.target[1]}"
        return database_url.replace(host, f"127.0.0.1:{self.port}")
