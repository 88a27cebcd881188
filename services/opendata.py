"""Open data: datasets built on request, cached a short while, written as files.

Each process keeps a built dataset for OPENDATA_CACHE_S seconds (60 by default),
so new data or an import shows within a minute and a burst of downloads costs one
query. Nothing is shared between processes, which keeps several workers safe.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time

from services.opendata_catalog import BY_ID, DATASETS, LICENCE, PUBLISHER, Dataset
from services.opendata_datasets import Table

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}


class DatasetCache:
    """Built tables per dataset id, with their build time (monotonic)."""

    def __init__(self, max_age_s: float):
        self.max_age_s = max_age_s
        self._tables: dict[str, tuple[float, Table]] = {}
        self._lock = threading.Lock()

    def get(self, dataset: Dataset, session) -> Table:
        with self._lock:
            cached = self._tables.get(dataset.id)
            if cached and time.monotonic() - cached[0] < self.max_age_s:
                return cached[1]
            table = dataset.build(session)
            self._tables[dataset.id] = (time.monotonic(), table)
            return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(dataset: Dataset, table: Table) -> str:
    names = [field["name"] for field in dataset.fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in table.rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return buffer.getvalue()


def to_json(dataset: Dataset, table: Table) -> str:
    return json.dumps(
        {
            "id": dataset.id,
            "title": dataset.title,
            "licence": LICENCE,
            "updated_at": table.built_at.isoformat(timespec="seconds"),
            "data": table.rows,
        },
        ensure_ascii=False,
    )


def to_geojson(dataset: Dataset, table: Table) -> str:
    features = [
        {"type": "Feature", "geometry": geometry, "properties": row}
        for row, geometry in zip(table.rows, table.geometries or [], strict=True)
    ]
    return json.dumps(
        {"type": "FeatureCollection", "name": dataset.id, "features": features},
        ensure_ascii=False,
    )


WRITERS = {"csv": to_csv, "json": to_json, "geojson": to_geojson}


def render(dataset: Dataset, table: Table, fmt: str) -> str:
    """The file of `dataset` in `fmt`; ValueError for a format it does not have."""
    if fmt not in dataset.formats:
        raise ValueError(fmt)
    return WRITERS[fmt](dataset, table)


def catalog_entry(dataset: Dataset, table: Table) -> dict:
    return {
        "id": dataset.id,
        "title": dataset.title,
        "description": dataset.description,
        "licence": LICENCE,
        "publisher": PUBLISHER,
        "source": dataset.source,
        "frequency": dataset.frequency,
        "updated_at": table.built_at.isoformat(timespec="seconds"),
        "rows": len(table.rows),
        "fields": dataset.fields,
        "distributions": [
            {
                "format": fmt,
                "media_type": MEDIA_TYPES[fmt].split(";")[0],
                "url": f"/opendata/{dataset.id}.{fmt}",
            }
            for fmt in dataset.formats
        ],
    }


def catalog(cache: DatasetCache, session) -> dict:
    """The machine-readable catalogue (DCAT-style) of every dataset."""
    return {
        "publisher": PUBLISHER,
        "licence": LICENCE,
        "datasets": [catalog_entry(d, cache.get(d, session)) for d in DATASETS],
    }


def find(dataset_id: str) -> Dataset | None:
    return BY_ID.get(dataset_id)
