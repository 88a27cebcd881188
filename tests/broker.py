"""Start a private Mosquitto with the project's settings on a free local port.

Debian's default broker (port 1883) drops messages past 1,000 queued per client,
which is not how the hypervisor must be deployed; tests use deploy/mosquitto.conf.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "deploy" / "mosquitto.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker_config(port: int, data_dir: str) -> str:
    """The deployment config with a local listener and a temporary data folder."""
    lines = []
    for line in CONF.read_text().splitlines():
        if line.startswith("listener "):
            line = f"listener {port} 127.0.0.1"
        elif line.startswith("persistence_location"):
            line = f"persistence_location {data_dir}/"
        lines.append(line)
    return "\n".join(lines) + "\n"


class Broker:
    """A Mosquitto process on a fixed port, which tests may stop and restart."""

    def __init__(self, folder: str):
        self.folder = folder
        # Mosquitto started as root drops to the `mosquitto` user: without this it
        # cannot write its persistence file, and a restart forgets every session.
        os.chmod(folder, 0o777)
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.conf = Path(folder) / "mosquitto.conf"
        self.conf.write_text(broker_config(self.port, folder))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(
            [binary, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.05)
        raise RuntimeError(f"Mosquitto n'écoute pas sur le port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def private_broker(handle: bool = False):
    """Yield the URL (or the Broker) of a Mosquitto that lives for the block."""
    with tempfile.TemporaryDirectory() as folder:
        broker = Broker(folder)
        broker.start()
        try:
            yield broker if handle else broker.url
        finally:
            broker.stop()
