"""Open data is refreshed by a scheduled job and stored in the database, so that
every web worker serves the same files; a fresh install still serves them."""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from db.models import JobRun, OpenDataFile
from services.job_lock import job_lock
from services.jobs import register_jobs, run_job
from services.opendata_catalog import DATASETS
from services.opendata_store import JOB, refresh
from services.system_status import recent_job_runs
from tests.activity import seed_activity
from tests.conftest import make_app

FILES = sum(len(d.formats) for d in DATASETS)


def _db(app):
    return app.server.extensions["hypervision_db"]


def _built(client) -> dict[str, tuple[str, int]]:
    catalog = client.get("/opendata/catalog.json").get_json()
    return {d["id"]: (d["updated_at"], d["rows"]) for d in catalog["datasets"]}


def _stored(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(OpenDataFile))


def test_every_worker_serves_the_job_snapshot_and_new_data_after_a_run(
    database_url,
):
    # Two apps on one database = two gunicorn web workers (no shared memory).
    first, second = make_app(database_url), make_app(database_url)
    database = _db(first)
    assert run_job(database, JOB, lambda: refresh(database)) == "ok"
    assert _stored(database) == FILES
    with database.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == JOB))
        started, finished = run.started_at, run.finished_at
    one, two = first.server.test_client(), second.server.test_client()
    before = _built(one)
    assert before == _built(two)
    for updated_at, _rows in before.values():
        assert started <= datetime.fromisoformat(updated_at) + timedelta(seconds=1)
        assert datetime.fromisoformat(updated_at) <= finished
    for url in ("/opendata/bacs.geojson", "/opendata/communes.csv"):
        a, b = one.get(url), two.get(url)
        assert a.status_code == b.status_code == 200
        assert a.data == b.data and a.headers["ETag"] == b.headers["ETag"]
        assert a.headers["Last-Modified"] == b.headers["Last-Modified"]

    seed_activity(database)  # new readings, pickups and incidents
    assert _built(two) == before  # served from the snapshot until the next run
    second_run = datetime.now(UTC).replace(microsecond=0)
    assert run_job(database, JOB, lambda: refresh(database)) == "ok"
    after = _built(two)
    assert after == _built(one)
    for changed in ("remplissage-quotidien", "collectes-mensuelles"):
        assert after[changed][1] > before[changed][1], changed
        assert datetime.fromisoformat(after[changed][0]) >= second_run, changed
    # Unchanged data keeps its files, so updated_at says when the data changed.
    assert after["communes"] == before["communes"]
    rows = list(
        csv.DictReader(
            io.StringIO(one.get("/opendata/incidents-hebdomadaires.csv").text)
        )
    )
    assert rows and after["incidents-hebdomadaires"][1] == len(rows)
    for app in (first, second):
        _db(app).engine.dispose()


def test_a_fresh_install_serves_open_data_before_the_worker_ever_ran(app, client):
    database = _db(app)
    assert _stored(database) == 0
    with job_lock(database, JOB) as held:  # a job is writing at that very moment
        assert held
        response = client.get("/opendata/communes.csv")
        assert response.status_code == 200
        assert len(list(csv.DictReader(io.StringIO(response.text)))) == 73
        assert _stored(database) == 0  # served, left to the job
    assert client.get("/opendata/bacs.geojson").status_code == 200
    with database.session() as session:
        formats = set(
            session.scalars(
                select(OpenDataFile.format).where(OpenDataFile.dataset == "bacs")
            )
        )
    assert formats == {"csv", "json", "geojson"}
    page = client.get("/opendata/")
    assert page.status_code == 200
    assert re.search(r"des données : \d\d/\d\d/\d{4} à \d\d:\d\d", page.text)
    assert _stored(database) == FILES


def test_downloads_are_conditional_and_compressed_when_asked(client):
    plain = client.get("/opendata/communes.geojson")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    etag, modified = plain.headers["ETag"], plain.headers["Last-Modified"]
    again = client.get("/opendata/communes.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get(
        "/opendata/communes.geojson", headers={"If-Modified-Since": modified}
    )
    assert since.status_code == 304
    other = client.get("/opendata/communes.csv", headers={"If-None-Match": etag})
    assert other.status_code == 200
    packed = client.get(
        "/opendata/communes.geojson", headers={"Accept-Encoding": "gzip"}
    )
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert "Accept-Encoding" in packed.headers["Vary"]


def test_the_scheduler_refreshes_open_data_every_minute_like_the_other_jobs(app):
    database, settings = _db(app), app.server.config["HYPERVISION"]
    assert settings["OPENDATA_REFRESH_S"] == 60
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, database, settings)
    job = scheduler.get_job(JOB)
    assert job.trigger.interval == timedelta(seconds=60)
    job.func(*job.args)  # what the scheduler calls: under the lock, recorded
    with database.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == JOB))
    assert run.status == "ok" and "6 jeux construits" in run.detail
    assert _stored(database) == FILES
    with database.session() as session:  # the list /systeme shows
        assert JOB in {r.job for r in recent_job_runs(session)}


def test_a_broken_dataset_keeps_its_files_and_the_others_are_published(app, database):
    assert refresh(database).startswith("open data : 6 jeux construits")
    before = _built(app.server.test_client())["collectes-mensuelles"][1]
    with database.session() as session:
        old = session.scalar(
            select(OpenDataFile.built_at).where(
                OpenDataFile.dataset == "sante-communes"
            )
        )

    def broken(_session):
        raise RuntimeError("requête impossible")

    datasets = [
        replace(d, build=broken) if d.id == "sante-communes" else d for d in DATASETS
    ]
    seed_activity(database)
    assert run_job(database, JOB, lambda: refresh(database, datasets)) == "erreur"
    with database.session() as session:
        run = session.scalar(select(JobRun).where(JobRun.job == JOB))
        kept = session.scalar(
            select(OpenDataFile.built_at).where(
                OpenDataFile.dataset == "sante-communes"
            )
        )
    assert "sante-communes" in run.detail and "requête impossible" in run.detail
    assert kept == old
    client = app.server.test_client()
    assert client.get("/opendata/sante-communes.csv").status_code == 200
    assert _built(client)["collectes-mensuelles"][1] > before  # the others went out
