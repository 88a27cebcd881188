"""Import speed and memory of `import-rpps` on a generated national-like extract.

Usage: python -m bench.rpps [ROWS]   (default 200,000 rows; prints rows/s and memory)

The file holds the fictitious territory extract and, around it, rows of communes
all over France (as the real national file: the territory is a few per mille).
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import select

from db.engine import Database
from db.migrate import upgrade
from db.models import Commune
from db.seed import seed_territory
from services.demo_rpps import CODES, Site, generate_lines, row
from services.rpps import import_rpps


def write_file(path: Path, rows: int, communes) -> int:
    rng = random.Random(7)
    professions = [*CODES, "orthophonistes"]
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        for line in generate_lines(communes):
            handle.write(line)
            written += 1
        while written <= rows:
            dept = rng.randint(1, 95)
            insee = f"{dept:02d}{rng.randint(1, 600):03d}"
            site = Site(insee, "", f"{dept:02d}{rng.randint(0, 999):03d}", "VILLE")
            number = 5_000_000 + written
            handle.write(row(number, rng.choice(professions), site, rng))
            written += 1
    return written - 1


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/bench.db")
        upgrade(database.url)
        with database.session() as session:
            seed_territory(session)
            communes = list(
                session.execute(select(Commune.insee, Commune.name, Commune.population))
            )
        path = Path(folder) / "PS_LibreAcces_Personne_activite_202611220830.txt"
        written = write_file(path, rows, communes)
        size_mb = path.stat().st_size / 1e6
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        report = import_rpps(database, path)
        elapsed = time.perf_counter() - start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        import_rpps(database, path)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"{written} lignes, {size_mb:.0f} Mo ; {report.rows_kept} exercices retenus")
    print(f"import : {elapsed:.2f} s, {written / elapsed:,.0f} lignes/s")
    print(
        f"mémoire : pic Python {peak / 1e6:.1f} Mo pendant l'import ; RSS max du "
        f"processus {rss_before:.0f} Mo avant, {rss_after:.0f} Mo après"
    )


if __name__ == "__main__":
    main()
