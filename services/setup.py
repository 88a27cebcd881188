"""Database preparation: schema, territory, and in demo mode the accounts and fleet."""

from __future__ import annotations

import logging

from db.engine import Database
from db.migrate import upgrade
from db.seed import seed_demo_fleet, seed_territory
from services.config import is_demo
from services.users import ensure_demo_accounts

log = logging.getLogger(__name__)


def prepare_database(database: Database, settings: dict) -> None:
    """Migrate, seed the communes, and in demo the accounts and the demo fleet."""
    upgrade(database.url)
    with database.session() as session:
        seed_territory(session)
        if is_demo(settings):
            ensure_demo_accounts(session)
            created = seed_demo_fleet(session, settings["SIM_SENSORS"])
            if created:
                log.info("parc de démonstration créé : %d bacs", created)
    if is_demo(settings):
        from services.demo_rpps import ensure_demo_extract

        kept = ensure_demo_extract(database)
        if kept:
            log.info("extrait RPPS fictif chargé : %d exercices", kept)
