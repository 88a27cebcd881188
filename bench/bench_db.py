"""The bench's database (fresh, migrated, seeded) and the machine it runs on."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_BENCH_DB = "hv_bench"
PG_BENCH_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


# -- databases --------------------------------------------------------------------
class BenchDatabase:
    """A fresh, migrated, seeded database, removed on close."""

    def __init__(self, backend: str, sensors: int):
        from db.engine import Database
        from db.migrate import upgrade

        self.backend = backend
        self._tmp: str | None = None
        if backend == "sqlite":
            self._tmp = tempfile.mkdtemp(prefix="hv_bench_")
            self.url = f"sqlite:///{self._tmp}/bench.db"
        else:
            self._pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            self._pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
            self.url = PG_BENCH_URL
        upgrade(self.url)
        self.database = Database(self.url)
        self.dev_euis = self._seed(sensors)

    def _seed(self, sensors: int) -> list[str]:
        from db.seed import seed_demo_fleet, seed_territory
        from services.readings import load_devices

        with self.database.session() as session:
            seed_territory(session)
            seed_demo_fleet(session, sensors)
        with self.database.session() as session:
            return sorted(load_devices(session))

    @staticmethod
    def _pg_admin(sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql)

    def version(self) -> str:
        if self.backend == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        from sqlalchemy import text

        with self.database.session() as session:
            return "PostgreSQL " + session.scalar(text("SHOW server_version"))

    def close(self) -> None:
        self.database.engine.dispose()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
        else:
            self._pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")


# -- report -------------------------------------------------------------------------
def machine() -> list[tuple[str, str]]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mosquitto = subprocess.run(
            ["mosquitto", "-h"], capture_output=True, text=True, timeout=5
        ).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        mosquitto = "?"
    import paho.mqtt
    import sqlalchemy

    return [
        ("CPUs (nproc)", str(len(os.sched_getaffinity(0)))),
        ("CPU model", model),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("SQLAlchemy", sqlalchemy.__version__),
        ("paho-mqtt", paho.mqtt.__version__),
        ("broker", mosquitto),
    ]
