"""Public open-data routes: the catalogue page, catalog.json and the files.

They serve the snapshot the `opendata` job stored in the database (the same in
every web worker), with an ETag and Last-Modified, gzip-compressed when the client
accepts it.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, jsonify, render_template, request

from db.engine import get_db, get_session
from services import opendata_store as store
from services.opendata import MEDIA_TYPES, catalog, find
from services.opendata_catalog import LICENCE, LICENCE_URL
from services.opendata_datasets import SUPPRESS_BELOW, SUPPRESSED
from services.planning import PARIS

opendata = Blueprint("opendata", __name__, url_prefix="/opendata")
CACHE_CONTROL = "public, max-age=60"


def init_app(server) -> None:
    server.register_blueprint(opendata)


def _catalog() -> dict:
    return catalog(store.catalog_builds(get_db(), get_session()))


def _paris(iso: str) -> str:
    """An ISO time as agents and residents read it: Paris time, French format."""
    when = datetime.fromisoformat(iso).astimezone(PARIS)
    return when.strftime("%d/%m/%Y à %H:%M (heure de Paris)")


@opendata.get("/")
def catalogue_page():
    data = _catalog()
    return render_template(
        "opendata.html",
        catalog=data,
        updated={d["id"]: _paris(d["updated_at"]) for d in data["datasets"]},
        licence=LICENCE,
        licence_url=LICENCE_URL,
        threshold=SUPPRESS_BELOW,
        marker=SUPPRESSED,
    )


@opendata.get("/catalog.json")
def catalog_json():
    response = jsonify(_catalog())
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _not_modified(etag: str, built_at) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and built_at.replace(microsecond=0) <= since


@opendata.get("/<dataset_id>.<fmt>")
def dataset_file(dataset_id: str, fmt: str):
    dataset = find(dataset_id)
    if dataset is None or fmt not in dataset.formats:
        abort(404)
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    known = store.meta(get_session(), dataset_id, fmt)
    if known is not None and _not_modified(*known):
        response = Response(status=304, headers=headers)
        response.set_etag(known[0])
        response.last_modified = known[1]
        return response
    file = store.load(get_db(), get_session(), dataset_id, fmt)
    gzipped = "gzip" in request.accept_encodings
    response = Response(
        file.content if gzipped else file.body,
        content_type=MEDIA_TYPES[fmt],
        headers={
            **headers,
            "Content-Disposition": f"inline; filename={dataset_id}.{fmt}",
        },
    )
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    # One ETag for both encodings: they are the same file (a weak validator).
    response.set_etag(file.etag, weak=True)
    response.last_modified = file.built_at
    return response
