"""A Flask test client that behaves like dash-renderer about CSRF.

The browser's dash-renderer copies the `_csrf_token` cookie into the X-CSRFToken
header of each request; this client does the same, so tests that drive callbacks
as a logged-in user exercise the real protection. Security tests use a plain
FlaskClient to show that a request without the header is refused.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from services.csrf import CSRF_COOKIE, CSRF_HEADER


class DashRendererClient(FlaskClient):
    def open(self, *args, **kwargs):
        cookie = self.get_cookie(CSRF_COOKIE)
        # Only plain `client.post(path, ...)` calls; redirects replay a builder.
        if cookie is not None and (not args or isinstance(args[0], str)):
            headers = Headers(kwargs.pop("headers", None) or {})
            headers.setdefault(CSRF_HEADER, cookie.value)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)
