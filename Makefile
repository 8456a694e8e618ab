# Lotsa: the two commands. `make run` serves the app; `make test` checks everything.
# Both install what they need first (scripts/setup.sh), and only what is missing.

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# The npm binaryen's wasm-opt must come before any other (Debian's breaks the wasm).
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# The browser bundle's panic messages name source files by their path in their crate (or in
# this checkout), not by where this machine keeps them: shorter (about 700 B of brotli off the
# caseload), and the same on every machine, so the size check measures here what CI builds.
CARGO_HOME_DIR := $(or $(CARGO_HOME),$(HOME)/.cargo)
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := $(foreach dir,$(wildcard $(CARGO_HOME_DIR)/registry/src/*/),--remap-path-prefix=$(dir)=crates/) --remap-path-prefix=$(CURDIR)/=lotsa/

# cargo-leptos reruns wasm-bindgen and wasm-opt (about 20 s) even when nothing changed, so
# `make run` builds only when a source file is newer than the last build.
# --split: the code of screens marked as split points (`wasm_split`) goes into chunks of its
# own that the browser fetches when a screen first shows (see app/src/on_demand.rs).
LEPTOS_BUILD := cargo leptos build --release --split
# The built wasm files without the tool chain's notes, which every split chunk carries a copy
# of (about 2.4 KB of brotli before the caseload is usable; scripts/strip-wasm.mjs).
STRIP_WASM := node scripts/strip-wasm.mjs "$(TARGET_DIR)/site/pkg"
# The load generator of `make bench-scale` is not part of the site.
SOURCES := $(filter-out server/scale/%,$(shell git ls-files app frontend server style public scripts/patches scripts/strip-wasm.mjs Cargo.toml Cargo.lock 2>/dev/null))
BUILT := $(TARGET_DIR)/.lotsa-release-built

.PHONY: run build test setup bench-size bench-load bench-sync bench-device bench-scale

# Demo mode unless told otherwise (`make run LOTSA_DEMO=false`): an empty database gets a
# fictional programme, and the login page lists its accounts.
LOTSA_DEMO ?= true

run: setup $(BUILT)
	LOTSA_SITE_ROOT="$(TARGET_DIR)/site" LOTSA_DEMO="$(LOTSA_DEMO)" exec "$(TARGET_DIR)/release/server"

$(BUILT): $(SOURCES)
	$(LEPTOS_BUILD)
	$(STRIP_WASM)
	touch "$@"

build:
	$(LEPTOS_BUILD)
	$(STRIP_WASM)
	touch "$(BUILT)"

setup:
	scripts/setup.sh

test:
	scripts/test.sh

# What each page loads before it is usable (brotli), against its budget and recorded size.
bench-size: setup $(BUILT)
	LOTSA_SERVER_BIN="$(TARGET_DIR)/release/server" LOTSA_SITE_ROOT="$(TARGET_DIR)/site" \
		node scripts/bundle-size.mjs

# How long each page takes to become usable on a slow phone (4x CPU slowdown, 1.6 Mbit/s,
# 150 ms): first paint, usable and Lighthouse-style time to interactive.
bench-load: setup $(BUILT)
	LOTSA_SERVER_BIN="$(TARGET_DIR)/release/server" LOTSA_SITE_ROOT="$(TARGET_DIR)/site" \
		node scripts/bench-load.mjs

# Sync figures: first full sync of a 60-participant caseload and incremental syncs
# (SQLite; set DATABASE_URL to an empty PostgreSQL database for PostgreSQL).
bench-sync:
	cargo bench -p server --bench sync

# The first sync written into IndexedDB in headless Chromium (demo programme).
bench-device: setup $(BUILT)
	LOTSA_SERVER_BIN="$(TARGET_DIR)/release/server" LOTSA_SITE_ROOT="$(TARGET_DIR)/site" \
		node scripts/bench-device-sync.mjs

# Past one machine, on loopback: two server processes on one PostgreSQL behind nginx
# (round-robin), 200 simulated devices syncing for 60 s (goose; BENCH_USERS, BENCH_SECONDS):
# p50/p95/p99 sync latency, syncs per second, each process's share, and every device and the
# database checked against what was pushed.
bench-scale: setup $(BUILT)
	LOTSA_SERVER_BIN="$(TARGET_DIR)/release/server" LOTSA_SITE_ROOT="$(TARGET_DIR)/site" \
		scripts/bench-scale.sh
