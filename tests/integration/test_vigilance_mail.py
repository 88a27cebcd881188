"""E-mail of new high-severity incidents, received by a local SMTP server."""

from __future__ import annotations

import socket
import socketserver
import threading
import uuid
from email import message_from_bytes, policy

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from services.incident_mail import notify_new_incidents
from services.incidents import store_incident
from services.jobs import register_jobs
from tests.helpers import recent


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept messages and keep them."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        envelope = {"to": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                envelope = {"from": command, "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 fin par <CRLF>.<CRLF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.messages.append((envelope, b"".join(lines)))
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def add(database, severity: str) -> int:
    report = {
        "report_id": str(uuid.uuid4()),
        "ts": recent(1),
        "category": "incendie",
        "severity": severity,
        "description": "texte libre confidentiel",
        "lat": 47.5098,
        "lon": 6.7985,
        "commune_insee": "25388",
        "source": "police",
        "reporter_ref": "ref-confidentielle",
    }
    with database.session() as session:
        return store_incident(session, report, "test")[0].id


def test_a_high_severity_incident_is_mailed_once_without_personal_data(
    database, smtp_server
):
    port = smtp_server.server_address[1]
    settings = {
        "SMTP_URL": f"smtp://127.0.0.1:{port}",
        "INCIDENT_MAIL_TO": "pc-securite@pma.example, astreinte@pma.example",
    }
    high = add(database, "critique")
    add(database, "faible")
    assert notify_new_incidents(database, settings) == "1 incidents notifiés par e-mail"
    assert notify_new_incidents(database, settings).startswith("0 ")
    assert len(smtp_server.messages) == 1
    envelope, raw = smtp_server.messages[0]
    message = message_from_bytes(raw, policy=policy.default)
    assert len(envelope["to"]) == 2
    assert "Incendie" in message["Subject"] and "Montbéliard" in message["Subject"]
    body = message.get_content()
    assert f"n° {high}" in body
    assert "confidentiel" not in body and "ref-confidentielle" not in body


def test_without_smtp_nothing_is_sent_and_no_job_is_scheduled(database, app):
    add(database, "critique")
    assert "non configurée" in notify_new_incidents(database, {})
    scheduler = BackgroundScheduler()
    register_jobs(scheduler, database, app.server.config["HYPERVISION"])
    assert scheduler.get_job("notification-incidents") is None


def test_an_unreachable_server_raises_for_the_job_to_retry(database):
    add(database, "critique")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {"SMTP_URL": f"smtp://127.0.0.1:{port}", "INCIDENT_MAIL_TO": "a@b.fr"}
    with pytest.raises(OSError):
        notify_new_incidents(database, settings)
