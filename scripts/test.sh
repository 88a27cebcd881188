#!/usr/bin/env bash
# Run every test. Installs what is missing (Python dev requirements; Debian chromium,
# chromium-driver, mosquitto, postgresql), makes sure PostgreSQL answers on
# 127.0.0.1:5432 and Mosquitto on 127.0.0.1:1883, lints, audits the pinned
# requirements with pip-audit, then runs pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh tests/unit -x`).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '== %s\n' "$*"; }

say "Python dependencies"
python3 -m pip install -q --disable-pip-version-check -r requirements-dev.txt

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
fresh_postgres=no
if ! command -v pg_ctlcluster >/dev/null; then
  missing+=(postgresql)
  fresh_postgres=yes
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 1883; then
  say "starting Mosquitto"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ "$fresh_postgres" = yes ]; then
  # A new cluster only trusts local peers: let the tests connect as postgres over TCP.
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  sed -i 's/^\(host[[:space:]]\+all[[:space:]]\+all[[:space:]]\+127.0.0.1\/32[[:space:]]\+\).*/\1trust/' "$hba"
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
if [ "$fresh_postgres" = yes ]; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi
if ! psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null
fi

say "ruff"
python3 -m ruff check .
python3 -m ruff format --check .

say "pip-audit (requirements.txt)"
# Fails on a known vulnerability; only warns when the vulnerability service is
# unreachable (the audit is then reported as incomplete, never as clean).
python3 scripts/audit_requirements.py requirements.txt

say "pytest"
# One pytest worker per core: each has its own private broker, databases and
# browser port, so the suite runs in about half the time.
python3 -m pytest -n auto "$@"
