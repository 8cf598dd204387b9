# Yiwang — the single entry point. `make demo` and `make test` work on a fresh Debian/Ubuntu
# machine as root (CI) or as a user with sudo.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# A target folder outside the clone makes repeated CI runs fast; a cold run still passes.
export CARGO_TARGET_DIR ?= /var/tmp/yiwang-target
export CARGO_TERM_COLOR ?= never
CARGO ?= cargo

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps lint fmt-check clippy unit core-purity bench app help

help:
	@echo "make demo   — run the demo (the case story through the real workflow, for now)"
	@echo "make test   — everything: lint, unit, component and property tests"
	@echo "make bench  — benchmarks (prints figures)"

# The demo: until the sync server lands, the article's story run through yiwang-core.
demo:
	$(CARGO) run --quiet -p yiwang-core --example story

test: deps lint unit core-purity
	@echo "make test: all checks passed"

# Build prerequisites from the distribution's packages (a C compiler for the bundled SQLite).
deps:
	@if ! command -v cc >/dev/null || ! command -v pkg-config >/dev/null; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq build-essential pkg-config; \
	fi

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

unit:
	$(CARGO) test --locked

# yiwang-core must stay free of I/O: no database, network or async runtime crates.
core-purity:
	@bad=$$($(CARGO) tree -p yiwang-core -e normal --prefix none --locked \
	  | grep -Eio '^(rusqlite|libsqlite3-sys|tokio|reqwest|hyper|axum|mio|postgres|tokio-postgres|sqlx|ureq|async-std)[ -]' || true); \
	if [ -n "$$bad" ]; then echo "yiwang-core depends on I/O crates: $$bad"; exit 1; fi; \
	echo "core-purity: yiwang-core has no database, network or async runtime crate"

bench:
	$(CARGO) run --release --locked -p yiwang-bench --bin photo_pipeline
