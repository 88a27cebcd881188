"""The page access matrix of the contract, as data."""

import pytest

from services.access import can_open, home_page, normalise_role, page_for_component

MATRIX = {
    "admin": {
        "/",
        "/dechets",
        "/vigilance",
        "/sante",
        "/synthese",
        "/systeme",
        "/admin",
    },
    "operator": {"/", "/dechets", "/vigilance", "/sante", "/synthese", "/systeme"},
    "waste_manager": {"/", "/dechets", "/synthese"},
    "security_coordinator": {"/", "/vigilance", "/synthese"},
    "elected_official": {"/synthese", "/sante"},
}
PAGES = ["/", "/dechets", "/vigilance", "/sante", "/synthese", "/systeme", "/admin"]


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("page", PAGES)
def test_each_role_opens_exactly_its_pages(role, page):
    assert can_open(role, page) is (page in MATRIX[role])


@pytest.mark.parametrize("role", [*MATRIX, None])
def test_open_data_is_public(role):
    assert can_open(role, "/opendata")
    assert can_open(role, "/opendata/bacs.csv")


def test_sub_pages_follow_their_section():
    assert can_open("waste_manager", "/dechets/bac/PAV-25388-0003")
    assert can_open("waste_manager", "/dechets/tournees")
    assert not can_open("security_coordinator", "/dechets/bac/PAV-25388-0003")
    assert not can_open(None, "/")


def test_elected_official_lands_on_summary():
    assert home_page("elected_official") == "/synthese"
    assert home_page("operator") == "/"


def test_component_ids_map_to_their_page():
    assert page_for_component("dechets-grid") == "/dechets"
    assert page_for_component("systeme-status") == "/systeme"
    assert page_for_component("app-freshness") == ""
    assert page_for_component("mystery") is None


def test_role_aliases_and_unknown_roles():
    assert normalise_role("elu") == "elected_official"
    with pytest.raises(ValueError, match="rôle inconnu"):
        normalise_role("superuser")


def test_per_kind_thresholds_and_depots_come_from_the_environment(monkeypatch):
    from services.config import load_config
    from services.forecast_jobs import alert_thresholds
    from services.planning import depots

    monkeypatch.setenv("ALERT_FILL_PCT_BY_KIND", "PAV_VERRE=85,CORBEILLE=70")
    monkeypatch.setenv("DEPOTS", "Nord:47.55:6.80;Sud:47.40:6.85")
    config = load_config()
    thresholds = alert_thresholds(config)
    assert thresholds["PAV_VERRE"] == 85 and thresholds["CORBEILLE"] == 70
    assert thresholds["PAV_OM"] == 80
    assert [d.name for d in depots(config)] == ["Nord", "Sud"]
