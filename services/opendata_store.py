"""Open-data snapshot: every dataset built in every format and kept in the database.

The `opendata` job (services/jobs.py, every OPENDATA_REFRESH_S seconds) rebuilds
every dataset and stores the files whose rows changed, so that every web worker
serves the same files with the same `built_at`. A fresh install whose worker has
not run yet builds the missing datasets on the first request, so the public
pages never fail.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import OpenDataFile
from services.job_lock import job_lock
from services.opendata import render
from services.opendata_catalog import BY_ID, DATASETS, Dataset

JOB = "opendata"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    """One file of a dataset as built (content gzip-compressed)."""

    dataset: str
    format: str
    content: bytes
    etag: str
    data_hash: str
    rows: int
    built_at: datetime

    @property
    def body(self) -> bytes:
        return gzip.decompress(self.content)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def build(dataset: Dataset, session: Session) -> list[Built]:
    """Every format of `dataset`, built from one read of its rows."""
    table = dataset.build(session)
    rows = json.dumps([table.rows, table.geometries], sort_keys=True, default=str)
    data_hash = _digest(rows.encode())
    files = []
    for fmt in dataset.formats:
        body = render(dataset, table, fmt).encode()
        files.append(
            Built(
                dataset.id,
                fmt,
                # mtime=0: the same file compresses to the same bytes.
                gzip.compress(body, compresslevel=6, mtime=0),
                _digest(body),
                data_hash,
                len(table.rows),
                table.built_at,
            )
        )
    return files


def _store(database: Database, built: dict[str, list[Built]]) -> None:
    # One short write transaction after all the reads: on SQLite the ingest writer
    # waits only for these inserts, not for the queries.
    with database.session() as session:
        for dataset_id, files in built.items():
            session.execute(
                OpenDataFile.__table__.delete().where(
                    OpenDataFile.dataset == dataset_id
                )
            )
            session.add_all(OpenDataFile(**vars(file)) for file in files)


def _stored_hashes(session: Session) -> dict[str, str]:
    query = select(OpenDataFile.dataset, OpenDataFile.data_hash).where(
        OpenDataFile.format == "csv"  # every dataset has a CSV
    )
    return dict(session.execute(query).all())


def refresh(database: Database, datasets: list[Dataset] | None = None) -> str:
    """Rebuild the datasets; store those whose rows changed (the job's work).

    A dataset whose rows did not change keeps its files and their `built_at`, so
    `updated_at` says when the published data last changed. A dataset that fails
    to build keeps its previous files; the others are still published, then the
    run fails (recorded on /systeme, retried a minute later)."""
    datasets = DATASETS if datasets is None else datasets
    built, failed = {}, {}
    with database.session() as session:
        stored = _stored_hashes(session)
        for dataset in datasets:
            try:
                built[dataset.id] = build(dataset, session)
            except Exception as error:  # one broken query must not stop the others
                log.exception("jeu open data %s non construit", dataset.id)
                session.rollback()
                failed[dataset.id] = f"{type(error).__name__} : {error}"
    changed = {
        dataset_id: files
        for dataset_id, files in built.items()
        if stored.get(dataset_id) != files[0].data_hash
    }
    if changed:
        _store(database, changed)
    if failed:
        raise RuntimeError(f"jeux open data en échec : {failed}")
    names = ", ".join(sorted(changed)) or "aucun"
    return f"open data : {len(built)} jeux construits, mis à jour : {names}"


def build_missing(database: Database, missing: list[str]) -> dict[str, list[Built]]:
    """Datasets without a snapshot (fresh install), built now and stored when no
    job is writing them at the same moment; served either way."""
    datasets = [BY_ID[dataset_id] for dataset_id in missing]
    with job_lock(database, JOB) as held:
        with database.session() as session:
            built = {d.id: build(d, session) for d in datasets}
        if held:
            _store(database, built)
    return built


def catalog_builds(database: Database, session: Session) -> dict[str, tuple]:
    """dataset id -> (built at, rows) of the files served, for catalog.json."""
    query = select(
        OpenDataFile.dataset, OpenDataFile.built_at, OpenDataFile.rows
    ).where(OpenDataFile.format == "csv")
    found = {d: (at, rows) for d, at, rows in session.execute(query)}
    missing = [d.id for d in DATASETS if d.id not in found]
    if missing:
        for dataset_id, files in build_missing(database, missing).items():
            found[dataset_id] = (files[0].built_at, files[0].rows)
    return found


def meta(session: Session, dataset_id: str, fmt: str) -> tuple | None:
    """(etag, built_at) of a stored file, without loading it."""
    query = select(OpenDataFile.etag, OpenDataFile.built_at).where(
        OpenDataFile.dataset == dataset_id, OpenDataFile.format == fmt
    )
    return session.execute(query).first()


def load(database: Database, session: Session, dataset_id: str, fmt: str) -> Built:
    """The stored file, or one built now when the dataset has no snapshot yet."""
    row = session.scalar(
        select(OpenDataFile).where(
            OpenDataFile.dataset == dataset_id, OpenDataFile.format == fmt
        )
    )
    if row is not None:
        return Built(
            row.dataset,
            row.format,
            row.content,
            row.etag,
            row.data_hash,
            row.rows,
            row.built_at,
        )
    files = build_missing(database, [dataset_id])[dataset_id]
    return next(file for file in files if file.format == fmt)
