"""HTTP security headers, including the Content-Security-Policy the Dash app runs under.

The policy allows scripts from this origin only, plus the exact inline scripts Dash
writes into its page (the renderer start-up and clientside callbacks), identified by
their SHA-256 hashes. Styles need 'unsafe-inline': Dash, Plotly, Leaflet and AG Grid
set inline `style` attributes and inject <style> elements at run time. No other
origin is allowed (the app works offline), except the optional TILE_URL tile server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from flask import Flask

CSP_HEADER = "Content-Security-Policy"


def tile_origin(tile_url: str | None) -> str | None:
    """The origin of an XYZ tile server URL (images come from there), if any."""
    if not tile_url:
        return None
    # Leaflet's {s} subdomains become a CSP wildcard host (a.tile..., b.tile...).
    parsed = urlparse(tile_url.replace("{s}", "*"))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return f"{parsed.scheme}://{parsed.netloc}"


def content_security_policy(
    script_hashes: Iterable[str], tile_url: str | None = None
) -> str:
    """The CSP header value for the app."""
    images = ["'self'", "data:", "blob:"]
    origin = tile_origin(tile_url)
    if origin:
        images.append(origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(
        f"{name} {' '.join(values)}" for name, values in directives.items()
    )


def init_app(
    server: Flask, script_hashes: Callable[[], Iterable[str]], settings: dict
) -> None:
    """Add the security headers to every response of `server`.

    `script_hashes` is called for each HTML page: Dash adds some inline scripts
    (Pages' own clientside callbacks) only when it serves its first request.
    """
    tile_url = settings.get("TILE_URL")
    no_inline = content_security_policy([], tile_url)

    def add_security_headers(response):
        if response.mimetype == "text/html":
            policy = content_security_policy(script_hashes(), tile_url)
        else:
            policy = no_inline
        response.headers.setdefault(CSP_HEADER, policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    server.after_request(add_security_headers)
