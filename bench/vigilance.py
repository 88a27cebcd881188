"""Vigilance bench: the density view and the KPIs on a large incident table.

Seeds N incidents spread over the communes (seeding is not timed), then prints the
wall time (best of --repeat) of `density_cells` for a year and for 30 days, of the
KPIs (open, late to acknowledge, late to resolve) and the number of cells sent.

Run from the repository root:

    python -m bench.vigilance --incidents 100000 [--url postgresql+psycopg://...]

It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from db.engine import Database
from db.models import Commune, Incident
from db.types import utcnow
from services.incident_deadlines import Targets
from services.incident_density import density_cells
from services.incident_queries import IncidentFilter, vigilance_kpis
from services.setup import prepare_database


def seed(database: Database, count: int) -> None:
    rng, now = random.Random(1), utcnow()
    with database.session() as session:
        places = session.execute(
            select(Commune.insee, Commune.label_lat, Commune.label_lon)
        ).all()
        rows = []
        for i in range(count):
            insee, lat, lon = rng.choice(places)
            created = now - timedelta(minutes=rng.uniform(0, 365 * 1440))
            rows.append(
                {
                    "report_id": str(uuid.uuid4()),
                    "ts": created,
                    "category": "tapage",
                    "severity": rng.choice(["faible", "moyenne", "elevee"]),
                    "lat": lat + rng.uniform(-0.01, 0.01),
                    "lon": lon + rng.uniform(-0.015, 0.015),
                    "commune_insee": insee,
                    "source": "bench",
                    "status": rng.choice(["nouveau", "pris_en_compte", "clos"]),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(rows) == 5000 or i == count - 1:
                session.execute(insert(Incident), rows)
                rows = []


def best(repeat: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    database = Database(url)
    prepare_database(database, {"HYPERVISION_ENV": "production"})
    seed(database, args.incidents)
    print(f"{database.engine.dialect.name}, {args.incidents} incidents")
    with database.session() as session:
        for period in ("365j", "30j"):
            seconds, cells = best(
                args.repeat,
                lambda p=period: density_cells(session, IncidentFilter(period=p)),
            )
            print(f"density {period}: {seconds * 1000:.0f} ms, {len(cells)} cells")
        seconds, _ = best(args.repeat, lambda: vigilance_kpis(session, Targets()))
        print(f"KPIs: {seconds * 1000:.0f} ms")
    database.engine.dispose()


if __name__ == "__main__":
    main()
