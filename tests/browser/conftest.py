"""Browser tests: each pytest process serves its apps from its own free ports.

dash.testing counts ports up from 8050; two suites running side by side (two
checkouts, CI next to a developer) would otherwise fight over the same port.
"""

from __future__ import annotations

from dash.testing.application_runners import BaseDashRunner

from tests.broker import free_port

BaseDashRunner._next_port = free_port()
