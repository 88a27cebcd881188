"""Who may open what: roles, the page matrix and the rules for callbacks.

This is the single source of truth for authorisation; pages read it to build the
navigation and the web layer reads it to refuse requests on the server.
"""

from __future__ import annotations

ADMIN = "admin"
OPERATOR = "operator"
WASTE_MANAGER = "waste_manager"
SECURITY = "security_coordinator"
ELECTED = "elected_official"

ROLES = (ADMIN, OPERATOR, WASTE_MANAGER, SECURITY, ELECTED)
ROLE_ALIASES = {"elu": ELECTED, "operateur": OPERATOR, "securite": SECURITY}
ROLE_LABELS = {
    ADMIN: "Administrateur",
    OPERATOR: "Opérateur (salle de supervision)",
    WASTE_MANAGER: "Gestionnaire déchets",
    SECURITY: "Coordinateur sécurité",
    ELECTED: "Élu",
}
PUBLIC = "public"

# Longest prefix wins. "/dechets" covers "/dechets/bac/<code>" and "/dechets/tournees".
PAGE_ROLES: dict[str, frozenset[str]] = {
    "/": frozenset({ADMIN, OPERATOR, WASTE_MANAGER, SECURITY}),
    "/dechets": frozenset({ADMIN, OPERATOR, WASTE_MANAGER}),
    "/vigilance": frozenset({ADMIN, OPERATOR, SECURITY}),
    "/sante": frozenset({ADMIN, OPERATOR, ELECTED}),
    "/synthese": frozenset(ROLES),
    "/systeme": frozenset({ADMIN, OPERATOR}),
    "/admin": frozenset({ADMIN}),
    "/opendata": frozenset({PUBLIC, *ROLES}),
}

# Component ids start with their page's prefix (STYLE rule 4); "app-" is the shell.
ID_PREFIX_PAGE = {
    "supervision-": "/",
    "dechets-": "/dechets",
    "bac-": "/dechets",
    "systeme-": "/systeme",
    "synthese-": "/synthese",
    "sante-": "/sante",
    "vigilance-": "/vigilance",
    "tournees-": "/dechets",
    "admin-": "/admin",
}
SHELL_PREFIX = "app-"


def normalise_role(role: str) -> str:
    """Accept the contract's role names and a few French aliases."""
    role = ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise ValueError(f"rôle inconnu : {role} (attendus : {', '.join(ROLES)})")
    return role


def page_rule(path: str) -> str | None:
    """The PAGE_ROLES key governing `path`, or None for an unknown path."""
    path = "/" + path.strip("/") if path != "/" else "/"
    best = None
    for prefix in PAGE_ROLES:
        if prefix == "/":
            matches = path == "/"
        else:
            matches = path == prefix or path.startswith(prefix + "/")
        if matches and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def can_open(role: str | None, path: str) -> bool:
    """True when `role` (None = anonymous) may open the page at `path`."""
    rule = page_rule(path)
    if rule is None:
        return role is not None  # unknown pages only show Dash's 404 to users
    allowed = PAGE_ROLES[rule]
    return PUBLIC in allowed or (role is not None and role in allowed)


def home_page(role: str) -> str:
    """Where a role lands after login."""
    return "/synthese" if role == ELECTED else "/"


def page_for_component(component_id: str) -> str | None:
    """The page path owning a component id, "" for the shell, None if unknown."""
    if component_id.startswith(SHELL_PREFIX):
        return ""
    for prefix, page in ID_PREFIX_PAGE.items():
        if component_id.startswith(prefix):
            return page
    return None
