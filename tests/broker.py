"""Start a private Mosquitto with the project's settings on a free local port.

Debian's default broker (port 1883) drops messages past 1,000 queued per client,
which is not how the hypervisor must be deployed; tests use deploy/mosquitto.conf.
"""

from __future__ import annotations

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


@contextmanager
def private_broker():
    """Yield mqtt://127.0.0.1:PORT of a Mosquitto that lives for the block."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        conf = Path(folder) / "mosquitto.conf"
        conf.write_text(broker_config(port, folder))
        process = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None:
                        raise RuntimeError(process.stderr.read().decode()) from None
                    time.sleep(0.05)
            yield f"mqtt://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)
