"""Shared by the live maps: send only the bins that changed since the last tick."""

from __future__ import annotations

from dash import Patch, no_update

from db.engine import get_session
from services.bins import BinFilter, list_bins
from services.context import thresholds
from services.geojson import bin_properties, bins_geojson
from services.live import changed_items, data_version, version_time


def refresh_bins_layer(state: dict | None, filters: BinFilter, force: bool = False):
    """(layer data or Patch or no_update, new state) for a map holding `state`."""
    session = get_session()
    version = data_version(session)
    state = state or {}
    if not force and state.get("version") == version:
        return no_update, no_update
    old_bucket, old_latest = version_time(state.get("version"))
    new_bucket, _ = version_time(version)
    codes = state.get("codes") or []
    if not force and old_bucket == new_bucket and old_latest is not None and codes:
        changed = changed_items(session, old_latest, filters, thresholds())
        index = {code: i for i, code in enumerate(codes)}
        if all(item["code"] in index for item in changed):
            patch = Patch()
            for item in changed:
                patch["features"][index[item["code"]]]["properties"] = bin_properties(
                    item
                )
            return patch, {"version": version, "codes": codes}
    items, _ = list_bins(session, filters, thresholds=thresholds())
    return bins_geojson(items), {
        "version": version,
        "codes": [i["code"] for i in items],
    }
