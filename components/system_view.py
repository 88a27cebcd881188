"""Blocks of /systeme: banners, headline cards, ingest workers, scheduled jobs."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.feed import local_time
from components.kpi import kpi_card, number_fr

TIME = "%d/%m %H:%M:%S"
WORKER_STATES = {
    "connected": ("Connecté et abonné", "success"),
    "disconnected": ("Déconnecté (reconnexion automatique)", "danger"),
    "muet": ("Muet (plus de battement)", "warning"),
    "stopped": ("Arrêté proprement", "secondary"),
    "absent": ("Aucun worker actif", "danger"),
}
JOB_STATES = {"ok": "success", "erreur": "danger", "en_cours": "info"}


def _badge(text: str, color: str, **kwargs):
    return html.Span(text, className=f"badge text-bg-{color}", **kwargs)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{number_fr(value, 1)} ms"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def banners(overview: dict):
    """What needs attention now: the broker, silent workers (DB errors: db_banner)."""
    alerts = []
    silent = [w["worker"] for w in overview["workers"] if w["state"] == "muet"]
    if overview["mqtt_enabled"] and overview["ingest"]["state"] != "connected":
        alerts.append(
            dbc.Alert(
                [
                    html.Strong("Broker MQTT déconnecté : "),
                    "aucun worker d'ingestion n'est connecté et abonné. Les capteurs "
                    "continuent d'émettre ; le broker garde leurs messages (session "
                    "persistante) jusqu'au retour d'un worker.",
                ],
                color="danger",
                className="mb-2",
            )
        )
    if silent:
        alerts.append(
            dbc.Alert(
                f"Worker(s) muet(s) depuis plus de 15 s : {', '.join(silent)} "
                "(processus arrêté, bloqué ou sans accès à la base).",
                color="warning",
                className="mb-2",
            )
        )
    return alerts


def db_banner(last_ok: str | None):
    when = f" Dernières valeurs affichées : {last_ok}." if last_ok else ""
    return dbc.Alert(
        [
            html.Strong("La base de données ne répond pas (ou renvoie une erreur). "),
            "Les chiffres de cette page ne sont plus mis à jour ; nouvel essai "
            f"automatique toutes les 5 s.{when} L'ingestion garde les messages en "
            "file et réessaie.",
        ],
        color="danger",
        className="mb-2",
        id="systeme-db-down",
    )


def status_cards(overview: dict):
    if overview["mqtt_enabled"]:
        label, color = WORKER_STATES.get(
            overview["ingest"]["state"], ("Inconnu", "warning")
        )
    else:
        label, color = "Désactivé (simulateur intégré)", "secondary"
    totals, db = overview["totals"], overview["db"]
    cards = [
        kpi_card(
            "Broker MQTT",
            html.Span(label, id="systeme-broker-state"),
            color=color,
            compact=True,
            hint=f"Reconnexions : {overview['ingest']['reconnects']}",
        ),
        kpi_card(
            f"Base de données ({db['type']})",
            html.Span(number_fr(db["latency_ms"], 1), id="systeme-db-latency"),
            "ms",
            color="success" if db["latency_ms"] < 100 else "warning",
            hint="aller-retour SELECT 1 depuis le serveur web",
        ),
        kpi_card(
            "Messages enregistrés",
            number_fr(totals["accepted"]),
            "messages",
            color="success",
            card_id="systeme-accepted",
        ),
        kpi_card(
            "Messages refusés",
            number_fr(totals["rejected"]),
            "messages",
            color="danger",
            card_id="systeme-rejected",
        ),
        kpi_card("Doublons ignorés", number_fr(totals["duplicates"]), "messages"),
    ]
    return dbc.Row([dbc.Col(c, md=4, xl=True) for c in cards], className="g-3")


def _worker_row(worker: dict):
    label, color = WORKER_STATES.get(worker["state"], (worker["state"], "secondary"))
    queue = worker["queue_depth"]
    return html.Tr(
        [
            html.Td(worker["worker"]),
            html.Td(worker["host"] or "—"),
            html.Td(_badge(label, color)),
            html.Td(local_time(worker["state_since"], TIME)),
            html.Td(f"il y a {_duration(worker['age_s'])}"),
            html.Td(worker["reconnects"]),
            html.Td("—" if queue is None else number_fr(queue)),
            html.Td(_ms(worker["write_ms"])),
            html.Td(worker["db_errors"] if worker["db_errors"] is not None else "—"),
        ],
        className="table-warning" if worker["state"] == "muet" else None,
    )


WORKER_HEADERS = (
    "Worker (client MQTT)",
    "Machine:pid",
    "État",
    "Depuis",
    "Dernier battement",
    "Reconnexions",
    "File interne (messages)",
    "Écriture en base",
    "Échecs d'écriture",
)


def workers_table(overview: dict):
    workers = overview["workers"]
    if not workers:
        text = (
            "Aucun worker d'ingestion n'a donné signe de vie depuis 24 h."
            if overview["mqtt_enabled"]
            else "Pas de worker MQTT : le simulateur intégré alimente la chaîne "
            "d'ingestion dans le processus web (mode démonstration)."
        )
        return html.P(text, className="text-muted", id="systeme-workers-empty")
    return html.Div(
        [
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th(h) for h in WORKER_HEADERS])),
                    html.Tbody([_worker_row(w) for w in workers]),
                ],
                size="sm",
                striped=True,
                responsive=True,
                id="systeme-worker-table",
            ),
            html.P(
                "Battement toutes les 5 s ; « muet » après 15 s sans battement. "
                "File interne : messages reçus du broker, pas encore écrits. Ce que "
                "le broker garde pour un worker absent n'est pas visible ici (il "
                "faudrait lire les sujets $SYS de Mosquitto). Écriture en base : "
                "durée du dernier battement écrit par le worker.",
                className="small text-muted",
            ),
        ]
    )


def _job_row(job: dict):
    failed = job["status"] == "erreur"
    duration = "—"
    if job["finished_at"] and job["started_at"]:
        duration = _duration((job["finished_at"] - job["started_at"]).total_seconds())
    failures = job["failures_24h"]
    return html.Tr(
        [
            html.Td(job["job"]),
            html.Td(local_time(job["started_at"], TIME)),
            html.Td(
                _badge(job["status"], JOB_STATES.get(job["status"], "secondary"))
                if job["status"]
                else "pas encore exécutée"
            ),
            html.Td(duration),
            html.Td(local_time(job["last_ok"], TIME)),
            html.Td(_badge(str(failures), "danger") if failures else "0"),
            html.Td(local_time(job["next_run"], TIME)),
            html.Td(job["host"] or "—"),
            html.Td(job["detail"], className="small"),
        ],
        className="table-danger" if failed else None,
    )


JOB_HEADERS = (
    "Tâche",
    "Dernière exécution",
    "État",
    "Durée",
    "Dernier succès",
    "Échecs (24 h)",
    "Prochaine (estimée)",
    "Machine",
    "Détail",
)


def jobs_summary_table(jobs: list[dict]):
    return html.Div(
        [
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th(h) for h in JOB_HEADERS])),
                    html.Tbody([_job_row(j) for j in jobs]),
                ],
                size="sm",
                responsive=True,
                id="systeme-jobs-summary-table",
            ),
            html.P(
                "Prochaine exécution estimée : dernier début + intervalle de la "
                "tâche ; après un échec, le worker réessaie une minute plus tard.",
                className="small text-muted",
            ),
        ]
    )
