# Lotsa: the two commands. `make run` serves the app; `make test` checks everything.
# Both install what they need first (scripts/setup.sh), and only what is missing.

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# The npm binaryen's wasm-opt must come before any other (Debian's breaks the wasm).
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run build test setup bench-size

run: setup build
	LOTSA_SITE_ROOT="$(TARGET_DIR)/site" exec "$(TARGET_DIR)/release/server"

build:
	cargo leptos build --release

setup:
	scripts/setup.sh

test:
	scripts/test.sh

# Sizes of the browser bundle as served (raw, gzip, brotli).
bench-size: setup build
	node scripts/bundle-size.mjs "$(TARGET_DIR)/site"
