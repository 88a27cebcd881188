"""Production entry point: `gunicorn wsgi:server` (no background jobs here)."""

from app import create_app

server = create_app().server
