"""The CI audit step fails on a known vulnerability and only warns when offline.

The decisions are checked on reports shaped exactly as pip-audit 2.10 writes them
(`--format json`); this machine cannot reach a vulnerability service, so a real
finding cannot be produced here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_requirements.py"
spec = importlib.util.spec_from_file_location("audit_requirements", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def report(*dependencies) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "flask", "version": "3.1.3", "vulns": []}
VULNERABLE = {
    "name": "werkzeug",
    "version": "2.2.2",
    "vulns": [
        {
            "id": "PYSEC-2023-221",
            "fix_versions": ["2.3.8", "3.0.1"],
            "aliases": ["CVE-2023-46136"],
            "description": "multipart parsing DoS",
        }
    ],
}
NOT_FOUND = {
    "name": "dash",
    "skip_reason": "Dependency not found on PyPI and could not be audited: "
    "dash (4.4.1)",
}


def test_a_known_vulnerability_fails_the_step():
    code, message = audit.decide(1, report(CLEAN, VULNERABLE), "")
    assert code == 1
    assert "werkzeug 2.2.2" in message and "PYSEC-2023-221" in message
    assert "3.0.1" in message


def test_a_vulnerability_fails_even_when_other_packages_were_skipped():
    assert audit.decide(1, report(NOT_FOUND, VULNERABLE), "")[0] == 1


def test_unaudited_packages_only_warn_and_are_never_called_clean():
    code, message = audit.decide(0, report(CLEAN, NOT_FOUND), "")
    assert code == 0
    assert message.startswith("ATTENTION") and "INCOMPLET" in message
    assert "1 paquet(s) sur 2" in message and "dash" in message
    assert "Aucune vulnérabilité" not in message


def test_an_unreachable_service_warns_but_another_failure_fails():
    offline = "requests.exceptions.ConnectionError: Max retries exceeded with url"
    code, message = audit.decide(1, None, offline)
    assert code == 0 and "NON effectué" in message
    code, _message = audit.decide(2, None, "error: invalid requirement: 'flask=='")
    assert code == 1


def test_a_complete_clean_audit_passes():
    assert audit.decide(0, report(CLEAN), "") == (
        0,
        "Aucune vulnérabilité connue (1 paquets audités).",
    )
