"""Public open-data routes: the catalogue page, catalog.json and the files."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template

from db.engine import get_session
from services.opendata import MEDIA_TYPES, DatasetCache, catalog, find, render
from services.opendata_catalog import LICENCE, LICENCE_URL
from services.opendata_datasets import SUPPRESS_BELOW, SUPPRESSED

opendata = Blueprint("opendata", __name__, url_prefix="/opendata")
CACHE_KEY = "opendata_cache"


def init_app(server) -> None:
    settings = server.config["HYPERVISION"]
    server.extensions[CACHE_KEY] = DatasetCache(settings["OPENDATA_CACHE_S"])
    server.register_blueprint(opendata)


def _cache() -> DatasetCache:
    return current_app.extensions[CACHE_KEY]


@opendata.get("/")
def catalogue_page():
    return render_template(
        "opendata.html",
        catalog=catalog(_cache(), get_session()),
        licence=LICENCE,
        licence_url=LICENCE_URL,
        threshold=SUPPRESS_BELOW,
        marker=SUPPRESSED,
    )


@opendata.get("/catalog.json")
def catalog_json():
    return jsonify(catalog(_cache(), get_session()))


@opendata.get("/<dataset_id>.<fmt>")
def dataset_file(dataset_id: str, fmt: str):
    dataset = find(dataset_id)
    if dataset is None or fmt not in dataset.formats:
        abort(404)
    body = render(dataset, _cache().get(dataset, get_session()), fmt)
    return Response(
        body,
        mimetype=MEDIA_TYPES[fmt].split(";")[0],
        content_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f"inline; filename={dataset_id}.{fmt}",
            "Cache-Control": "public, max-age=60",
            "Access-Control-Allow-Origin": "*",
        },
    )
