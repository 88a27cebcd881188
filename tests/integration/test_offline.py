"""Nothing is fetched from another host: every script, stylesheet and font is local."""

from __future__ import annotations

import re

from tests.conftest import login, make_app
from tests.integration.test_auth_http import router_body

EXTERNAL = re.compile(r"""(?:src|href)=["'](https?:)?//""")
CSS_URL = re.compile(r"""(?:@import|url\()\s*["']?(https?:)?//""")


def test_pages_reference_only_local_files(login_as):
    client = login_as("admin")
    for path in ("/", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert not EXTERNAL.search(html), path
        for asset in re.findall(r"""(?:src|href)=["'](/[^"']+)""", html):
            response = client.get(asset)
            assert response.status_code == 200, asset
            if asset.split("?")[0].endswith(".css"):
                assert not CSS_URL.search(response.get_data(as_text=True)), asset


def supervision_layout(client) -> str:
    client.get("/_dash-layout")
    response = client.post(
        "/_dash-update-component",
        data=router_body("/"),
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_map_has_no_tile_layer_unless_configured(login_as, sqlite_url):
    layout = supervision_layout(login_as("operateur"))
    assert "supervision-map" in layout
    assert "TileLayer" not in layout
    tiled = make_app(sqlite_url, TILE_URL="http://tiles.local/{z}/{x}/{y}.png")
    client = tiled.server.test_client()
    login(client, "operateur")
    assert "tiles.local" in supervision_layout(client)
