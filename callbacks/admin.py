"""/admin callbacks: users, API tokens (shown once) and the security log.

Every change is written with its audit event, naming the admin and their IP.
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, html
from flask import request
from flask_login import current_user

from components.feed import local_time
from db.engine import get_session
from services.access import ROLE_LABELS
from services.audit import latest_events
from services.tokens import list_tokens, revoke_token
from services.users import create_token, create_user, list_users, set_active, set_role


def _who() -> dict:
    return {"actor": current_user.username, "source_ip": request.remote_addr}


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


def user_rows(session) -> list[dict]:
    return [
        {
            "username": u["username"],
            "role": ROLE_LABELS.get(u["role"], u["role"]),
            "state": "actif" if u["active"] else "désactivé",
            "created": local_time(u["created_at"], "%d/%m/%Y %H:%M"),
        }
        for u in list_users(session)
    ]


def audit_rows(session) -> list[dict]:
    return [
        {**event, "at": local_time(event["at"], "%d/%m/%Y %H:%M:%S")}
        for event in latest_events(session)
    ]


def save_user(session, username, role, password) -> str:
    """Create a user, or change its role (and password when one is given)."""
    username = (username or "").strip()
    if not username or len(username) > 64 or " " in username:
        raise ValueError("Identifiant obligatoire, sans espace, 64 caractères au plus.")
    if not role:
        raise ValueError("Choisissez un rôle.")
    if username == current_user.username and role != current_user.role:
        raise ValueError("Vous ne pouvez pas changer votre propre rôle.")
    if password:
        user = create_user(session, username, role, password, **_who())
        return f"Utilisateur « {user.username} » enregistré."
    try:
        set_role(session, username, role, **_who())
    except ValueError as error:
        message = f"{error} (un mot de passe est nécessaire pour le créer)"
        raise ValueError(message) from None
    return f"Rôle de « {username} » : {ROLE_LABELS[role]}."


def toggle_user(session, selected) -> str:
    if not selected:
        raise ValueError("Sélectionnez un utilisateur dans la liste.")
    username = selected[0]["username"]
    if username == current_user.username:
        raise ValueError("Vous ne pouvez pas désactiver votre propre compte.")
    active = selected[0]["state"] != "actif"
    set_active(session, username, active, **_who())
    return f"« {username} » {'réactivé' if active else 'désactivé'}."


def register(app) -> None:
    @app.callback(
        Output("admin-users", "rowData"),
        Output("admin-user-feedback", "children"),
        Output("admin-user-password", "value"),
        Input("admin-user-save", "n_clicks"),
        Input("admin-user-toggle", "n_clicks"),
        State("admin-user-name", "value"),
        State("admin-user-role", "value"),
        State("admin-user-password", "value"),
        State("admin-users", "selectedRows"),
    )
    def update_users(_save, _toggle, username, role, password, selected):
        session = get_session()
        feedback = ""
        try:
            if ctx.triggered_id == "admin-user-save":
                feedback = save_user(session, username, role, password)
            elif ctx.triggered_id == "admin-user-toggle":
                feedback = toggle_user(session, selected)
            session.commit()
        except ValueError as error:
            session.rollback()
            feedback = html.Span(str(error), className="text-danger")
        return user_rows(session), feedback, ""

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
                    token = create_token(session, name, scope or "", **_who())
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
                record = revoke_token(session, int(selected[0]["id"]), **_who())
                session.commit()
                feedback = f"Jeton « {record.name} » révoqué."
        return token_rows(session), created, feedback

    @app.callback(
        Output("admin-audit", "rowData"),
        Input("admin-users", "rowData"),
        Input("admin-tokens", "rowData"),
    )
    def update_audit(_users, _tokens):
        return audit_rows(get_session())
