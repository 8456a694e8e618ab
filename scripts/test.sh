#!/usr/bin/env bash
# Runs every check Lotsa has, in the order that fails fastest:
#   formatting, clippy for each feature set, unit and integration tests on SQLite and on
#   PostgreSQL, the release build, page sizes against their budgets, the API against its OpenAPI document (schemathesis), wasm
#   tests in headless Chromium, end-to-end tests.
# PostgreSQL: a throwaway server started here, or the one TEST_DATABASE_URL names (it must
# allow CREATE DATABASE: every test gets a fresh database).
# Whatever this script starts, it stops, also when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH:/usr/lib/postgresql/15/bin"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-always}
# Each check builds once: incremental caches would only fill the disk (a CI run once failed
# with "No space left on device").
export CARGO_INCREMENTAL=0

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

PG_DIR=""
cleanup() {
  if [ -n "$PG_DIR" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT INT TERM

scripts/setup.sh --test

say "cargo fmt --check"
cargo fmt --all --check

say "clippy: server (app with ssr)"
cargo clippy --release -p server -p app -p lotsa-core -p lotsa-pages --all-targets -- -D warnings
say "clippy: browser (app with hydrate, frontend)"
cargo clippy -p app --features hydrate --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# A throwaway PostgreSQL unless one was given.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  say "starting a throwaway PostgreSQL 15"
  PG_DIR=$(mktemp -d)
  chown postgres:postgres "$PG_DIR"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PG_DIR/data" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w start \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null
  export TEST_DATABASE_URL="postgres://app@127.0.0.1:$PG_PORT/postgres"
fi

# Tests build in the release profile: most of what they need is then shared with the
# release build below, which keeps CI's cold build inside its budget.
say "unit and integration tests on SQLite"
LOTSA_TEST_DATABASE=sqlite cargo test --release -p lotsa-core -p lotsa-pages -p server -p app
say "unit and integration tests on PostgreSQL"
LOTSA_TEST_DATABASE=postgres cargo test --release -p server -p app

say "release build (make build)"
make build

say "page sizes against their budgets (the ratchet in scripts/size-budgets.json)"
LOTSA_SERVER_BIN="$TARGET_DIR/release/server" LOTSA_SITE_ROOT="$TARGET_DIR/site" \
  node scripts/bundle-size.mjs --check

say "API tests against the OpenAPI document (schemathesis, demo server on SQLite)"
LOTSA_SERVER_BIN="$TARGET_DIR/release/server" LOTSA_SITE_ROOT="$TARGET_DIR/site" \
  .venv/bin/python scripts/schemathesis.py

say "wasm tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p app --features hydrate --target wasm32-unknown-unknown

export LOTSA_SERVER_BIN="$TARGET_DIR/release/server"
export LOTSA_SITE_ROOT="$TARGET_DIR/site"
say "end-to-end tests in headless Chromium, on SQLite"
LOTSA_E2E_DATABASE=sqlite npm run --silent e2e
say "end-to-end tests in headless Chromium, on PostgreSQL"
LOTSA_E2E_DATABASE=postgres npm run --silent e2e

say "all checks passed in $(( $(date +%s) - started )) s"
