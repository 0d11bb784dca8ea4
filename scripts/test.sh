#!/usr/bin/env bash
# Install everything the tests need, start a private PostgreSQL on 127.0.0.1, run lint, types and
# the whole test suite (PostgreSQL and browser tests included), then stop the server.
# Usage: scripts/test.sh [pytest args...]      (run from anywhere; needs root for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)
if ((${#need_apt[@]})); then
  echo "== apt-get install ${need_apt[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== python environment (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
# torch first and pinned: an unpinned requirement can pull a multi-GB CUDA build.
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e ".[losses,postgres,site,export,test]"

echo "== private PostgreSQL on 127.0.0.1"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdata=$(mktemp -d /tmp/ssl-kb-pg.XXXXXX)
chown postgres "$pgdata"
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$pgbin/initdb" -D "$pgdata/data" -A trust -U postgres >/dev/null
stop_pg() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pgdata"; }
trap stop_pg EXIT
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata/data" -w -l "$pgdata/log" \
  -o "-k $pgdata -p $port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export SSL_KB_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
export SSL_KB_REQUIRE_PG=1 SSL_KB_REQUIRE_BROWSER=1

echo "== ruff and mypy"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy src/ssl_kb  # strict, with the pydantic plugin: [tool.mypy] in pyproject.toml

echo "== the knowledge base"
.venv/bin/ssl-kb check --strict

echo "== generated outputs"
# quizzes/ is committed: it must be what the KB generates (checked before the build rewrites it)
.venv/bin/ssl-kb quiz --check
# build/ and site/ are not committed (a clean checkout has neither): build them, then check that
# a second generation finds nothing stale, which proves the build deterministic
.venv/bin/ssl-kb build
.venv/bin/ssl-kb build --check

echo "== pytest"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
