"""Open data: a dataset's rows written as CSV, JSON or GeoJSON, and the catalogue.

The files are built by the `opendata` job and stored in the database
(services/opendata_store.py); this module only writes them.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from services.opendata_catalog import BY_ID, DATASETS, LICENCE, PUBLISHER, Dataset
from services.opendata_datasets import Table

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}


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


def catalog_entry(dataset: Dataset, updated_at: datetime, rows: int) -> dict:
    return {
        "id": dataset.id,
        "title": dataset.title,
        "description": dataset.description,
        "licence": LICENCE,
        "publisher": PUBLISHER,
        "source": dataset.source,
        "frequency": dataset.frequency,
        "updated_at": updated_at.isoformat(timespec="seconds"),
        "rows": rows,
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


def catalog(built: dict[str, tuple[datetime, int]]) -> dict:
    """The machine-readable catalogue (DCAT-style); `built`: id -> (built at, rows)."""
    return {
        "publisher": PUBLISHER,
        "licence": LICENCE,
        "datasets": [catalog_entry(d, *built[d.id]) for d in DATASETS],
    }


def find(dataset_id: str) -> Dataset | None:
    return BY_ID.get(dataset_id)
