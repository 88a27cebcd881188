"""The page shell: navigation from the page registry (filtered by role), footer."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from db.seed import ATTRIBUTION
from services.access import can_open


def nav_links(role: str | None) -> list:
    """One link per registered page the role may open, in registry order."""
    links = []
    for page in dash.page_registry.values():
        if page.get("nav") is False or not can_open(role, page["path"]):
            continue
        links.append(
            dbc.NavItem(
                dbc.NavLink(
                    [
                        html.I(className=f"bi {page.get('icon', 'bi-square')} me-2"),
                        page["name"],
                    ],
                    href=page["path"],
                    active="exact",
                    id=f"app-nav-{page['path'].strip('/') or 'supervision'}",
                )
            )
        )
    return links


def logout_form() -> html.Form:
    """Logging out is a POST with the session's CSRF token, never a plain link."""
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            dbc.Button(
                "Déconnexion",
                type="submit",
                color="light",
                outline=True,
                size="sm",
                id="app-logout",
            ),
        ],
        method="POST",
        action="/logout",
        className="m-0",
    )


def shell_layout():
    """The layout around every page; evaluated per request for the user's role."""
    if not current_user.is_authenticated:
        return html.Div(
            "Session expirée : veuillez vous reconnecter.", id="app-expired"
        )
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.I(className="bi bi-broadcast-pin me-2"), "Hyperviseur PMA"],
                    href="/",
                ),
                dbc.Nav(nav_links(current_user.role), navbar=True, className="me-auto"),
                html.Span(id="app-freshness", className="me-3"),
                html.Span(
                    [
                        html.I(className="bi bi-person-circle me-1"),
                        current_user.username,
                    ],
                    className="text-white-50 me-3",
                    title=current_user.role_label,
                ),
                logout_form(),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand=True,  # always a row of links; app.css lets it wrap on tablets
        className="hv-navbar mb-3",
    )
    footer = html.Footer(
        dbc.Container(
            [
                html.Div(ATTRIBUTION),
                html.Div(
                    "Fond de carte : limites communales livrées "
                    "avec l'application (hors ligne)."
                ),
            ],
            fluid=True,
        ),
        className="hv-footer py-3 mt-4 border-top",
    )
    return html.Div(
        [
            dcc.Interval(id="app-clock", interval=5_000),
            navbar,
            dbc.Container(
                # A spinner while a page is being built, not on every live tick.
                dcc.Loading(
                    dash.page_container,
                    target_components={"_pages_content": "children"},
                    delay_show=300,
                    type="circle",
                ),
                fluid=True,
            ),
            footer,
        ]
    )
