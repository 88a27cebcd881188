"""/admin callbacks: create a token (shown once), list tokens, revoke one."""

from __future__ import annotations

from dash import Input, Output, State, ctx, html

from components.feed import local_time
from db.engine import get_session
from services.tokens import list_tokens, revoke_token
from services.users import create_token


def token_rows(session) -> list[dict]:
    return [
        {
            "id": str(t["id"]),
            "name": t["name"],
            "scope": t["scope"],
            "created": local_time(t["created_at"], "%d/%m/%Y %H:%M"),
            "used": local_time(t["last_used_at"], "%d/%m/%Y %H:%M"),
            "state": "révoqué" if t["revoked_at"] else "actif",
        }
        for t in list_tokens(session)
    ]


def register(app) -> None:
    @app.callback(
        Output("admin-tokens", "rowData"),
        Output("admin-token-created", "children"),
        Output("admin-token-feedback", "children"),
        Input("admin-token-create", "n_clicks"),
        Input("admin-token-revoke", "n_clicks"),
        State("admin-token-name", "value"),
        State("admin-token-scope", "value"),
        State("admin-tokens", "selectedRows"),
    )
    def update_tokens(_create, _revoke, name, scope, selected):
        session = get_session()
        created, feedback = "", ""
        if ctx.triggered_id == "admin-token-create":
            name = (name or "").strip()
            if not name or len(name) > 64:
                feedback = html.Span("Nom obligatoire (64 caractères au plus).")
            else:
                try:
                    token = create_token(session, name, scope or "")
                except ValueError as error:
                    feedback = html.Span(str(error), className="text-danger")
                else:
                    session.commit()
                    created = html.Div(
                        [
                            "Jeton créé, copiez-le maintenant (il ne sera plus "
                            "affiché) : ",
                            html.Code(token, id="admin-token-value"),
                        ],
                        className="alert alert-success",
                    )
        elif ctx.triggered_id == "admin-token-revoke":
            if not selected:
                feedback = "Sélectionnez un jeton dans la liste."
            else:
                record = revoke_token(session, int(selected[0]["id"]))
                session.commit()
                feedback = f"Jeton « {record.name} » révoqué."
        return token_rows(session), created, feedback
