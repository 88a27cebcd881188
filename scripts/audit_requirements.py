"""Audit the pinned runtime requirements with pip-audit (a CI step of scripts/test.sh).

Usage: python scripts/audit_requirements.py [requirements.txt]

Exit 1 when pip-audit reports a known vulnerability (or fails for a reason other
than the network). When the vulnerability service cannot be reached, or answers
"not found" for packages (PyPI's per-version JSON endpoint does so behind some
mirrors and proxies), the audit is incomplete: print a clear warning naming the
packages left unaudited and exit 0, so a network outage does not fail CI but is
never reported as "no vulnerability".
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

NETWORK_MARKERS = (
    "ConnectionError",
    "Could not connect",
    "Max retries exceeded",
    "Failed to establish a new connection",
    "Name or service not known",
    "Temporary failure in name resolution",
    "timed out",
    "ServiceError",
)


def decide(returncode: int, report_text: str | None, stderr: str) -> tuple[int, str]:
    """The exit code and message for one pip-audit run."""
    if not report_text:
        if any(marker in stderr for marker in NETWORK_MARKERS):
            return 0, (
                "ATTENTION : audit des dépendances NON effectué, service de "
                "vulnérabilités injoignable.\n" + stderr.strip()[-500:]
            )
        return 1, "pip-audit a échoué :\n" + stderr.strip()[-2000:]
    dependencies = json.loads(report_text).get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if vulnerable:
        lines = [
            f"  {d['name']} {d['version']} : "
            + ", ".join(
                f"{v['id']} (corrigé en {', '.join(v.get('fix_versions') or ['?'])})"
                for v in d["vulns"]
            )
            for d in vulnerable
        ]
        return 1, "Vulnérabilités connues :\n" + "\n".join(lines)
    if skipped:
        names = ", ".join(
            f"{d['name']} {d.get('version', '')}".strip() for d in skipped
        )
        return 0, (
            f"ATTENTION : audit INCOMPLET, {len(skipped)} paquet(s) sur "
            f"{len(dependencies)} non vérifiés (service de vulnérabilités "
            f"injoignable ou sans réponse) : {names}\n"
            f"Première raison : {skipped[0]['skip_reason']}"
        )
    if returncode != 0:
        return 1, "pip-audit a échoué :\n" + stderr.strip()[-2000:]
    return 0, f"Aucune vulnérabilité connue ({len(dependencies)} paquets audités)."


def main(argv: list[str]) -> int:
    requirements = argv[0] if argv else "requirements.txt"
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            requirements,
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(output),
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        report = output.read_text() if output.exists() else None
    code, message = decide(run.returncode, report, run.stderr)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
