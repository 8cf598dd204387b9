# Yiwang — the single entry point. `make demo` and `make test` work on a fresh Debian/Ubuntu
# machine as root (CI) or as a user with sudo.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# A target folder outside the clone makes repeated CI runs fast; a cold run still passes.
export CARGO_TARGET_DIR ?= /var/tmp/yiwang-target
export CARGO_TERM_COLOR ?= never
CARGO ?= cargo

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo story test deps build-deps lint fmt-check clippy unit core-purity bench help

help:
	@echo "make demo   — seed and serve the reference county (console URL and logins printed)"
	@echo "make story  — the county's case story through the real workflow, as a timeline"
	@echo "make test   — everything: lint, unit, component and property tests"
	@echo "make bench  — benchmarks (prints figures)"

DEMO_DIR ?= ./.data/demo
DEMO_LISTEN ?= 127.0.0.1:8080

# The demo: the reference county (17 townships, 283 communities, 1,798 grids, ~11,000 cases
# made by the real workflow), seeded on first start and served in demo mode.
demo: build-deps
	$(CARGO) run --release --locked -p yiwang-server -- demo --data-dir $(DEMO_DIR) --listen $(DEMO_LISTEN)

# The county's own case story, run through yiwang-core and printed as a timeline.
story:
	$(CARGO) run --quiet --locked -p yiwang-core --example story

test: deps lint unit core-purity
	@echo "make test: all checks passed"

# Build prerequisites from the distribution's packages (a C compiler for the bundled SQLite).
# A C compiler builds the bundled SQLite.
build-deps:
	@need=""; \
	command -v cc >/dev/null || need="$$need build-essential"; \
	command -v pkg-config >/dev/null || need="$$need pkg-config"; \
	if [ -n "$$need" ]; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need; \
	fi

# Node.js runs the tus-js-client interoperability test (its packages come from the npm lock).
deps:
	@need=""; \
	command -v cc >/dev/null || need="$$need build-essential"; \
	command -v pkg-config >/dev/null || need="$$need pkg-config"; \
	command -v node >/dev/null || need="$$need nodejs"; \
	command -v npm >/dev/null || need="$$need npm"; \
	if [ -n "$$need" ]; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need; \
	fi
	cd sync-server/tests/node && npm ci --no-audit --no-fund --loglevel=error

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
