# Yiwang — the single entry point. `make demo` and `make test` work on a fresh Debian/Ubuntu
# machine as root (CI) or as a user with sudo.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# A target folder outside the clone makes repeated CI runs fast; a cold run still passes.
export CARGO_TARGET_DIR ?= /var/tmp/yiwang-target
export CARGO_TERM_COLOR ?= never
CARGO ?= cargo

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Test tools built from crates.io once and kept outside the clone (s3s-fs: an S3 server over a
# folder, for the photo store's tests).
TOOLS_DIR ?= /var/tmp/yiwang-tools
export YIWANG_TEST_S3FS ?= $(TOOLS_DIR)/bin/s3s-fs

.PHONY: demo demo-pg test-pg s3s-fs haproxy story test deps build-deps lint fmt-check clippy unit core-purity bench province-bench help \
	app-deps tauri-driver ui ui-dist app e2e-app package screenshots

help:
	@echo "make demo        — seed and serve the reference county (console URL and logins printed);"
	@echo "                   with a display, also open the worker app signed in as worker-0001"
	@echo "make demo-pg     — the same demo with its ledger on a PostgreSQL cluster it starts"
	@echo "make story       — the county's case story through the real workflow, as a timeline"
	@echo "make test        — everything: lint, unit, component and property tests, the UI's tests,"
	@echo "                   the app build and the app's end-to-end run in a real window (Xvfb)"
	@echo "make bench       — benchmarks (prints figures)"
	@echo "make province-bench — 100 counties on PostgreSQL: queues, dashboards, a first pull"
	@echo "                   (built once into /var/tmp/yiwang-bench-province: ~60 GB free needed)"
	@echo "make package     — the desktop app as a Debian package (.deb)"
	@echo "make screenshots — copy the last e2e run's screenshots into docs/screenshots/"

DEMO_DIR ?= ./.data/demo
DEMO_LISTEN ?= 127.0.0.1:8080

DEMO_APP_DIR ?= ./.data/demo-app
DEMO_WORKER ?= worker-0001

# The worker app (src-tauri) builds in its own target folder: it links WebKitGTK and its
# features differ from the workspace's, so sharing one folder would rebuild both in turn.
APP_TARGET_DIR ?= /var/tmp/yiwang-target-app
APP_BIN ?= $(APP_TARGET_DIR)/debug/yiwang-app
UI_DIST ?= ui/dist/worker
# Where the end-to-end run leaves its screenshots and logs (gitignored).
E2E_OUT ?= target-e2e
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

# The demo: the reference county (17 townships, 283 communities, 1,798 grids, ~11,000 cases
# made by the real workflow), seeded on first start and served in demo mode. With a display
# (and a desktop app that builds), the worker app opens too, its login form filled in for
# $(DEMO_WORKER); on a headless machine the server starts at once, as before.
demo: build-deps console-dist
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make demo: no display here (DISPLAY is unset), so the desktop app is not opened; serving the console"; \
	  exec $(CARGO) run --release --locked -p yiwang-server -- demo --data-dir $(DEMO_DIR) --listen $(DEMO_LISTEN); \
	fi; \
	$(CARGO) build --release --locked -p yiwang-server; \
	app=yes; { $(MAKE) --no-print-directory ui-dist && $(MAKE) --no-print-directory app; } || \
	  { app=""; echo "make demo: the desktop app did not build (see above); serving the console only"; }; \
	$(CARGO_TARGET_DIR)/release/yiwang-server demo --data-dir $(DEMO_DIR) --listen $(DEMO_LISTEN) & srv=$$!; \
	trap 'kill $$srv $${appid:-} 2>/dev/null || true' EXIT INT TERM; \
	for i in $$(seq 1 600); do \
	  curl -sf -o /dev/null http://$(DEMO_LISTEN)/healthz && break; \
	  kill -0 $$srv 2>/dev/null || { wait $$srv; exit 1; }; sleep 0.5; \
	done; \
	if [ -n "$$app" ]; then \
	  mkdir -p $(DEMO_APP_DIR); \
	  YIWANG_DEMO_SERVER=http://$(DEMO_LISTEN) YIWANG_DEMO_USER=$(DEMO_WORKER) YIWANG_DEMO_PASSWORD=demo \
	    YIWANG_DATA_DIR=$(DEMO_APP_DIR) $(APP_BIN) & appid=$$!; \
	  echo "make demo: the worker app is open, its login filled in for $(DEMO_WORKER) / demo (data in $(DEMO_APP_DIR))"; \
	fi; \
	wait $$srv

# The demo county on PostgreSQL: a throwaway cluster started for it (stopped and removed when
# the demo stops), the ledger in its database `yiwang`; photos stay in $(DEMO_PG_DIR).
DEMO_PG_DIR ?= ./.data/demo-pg
demo-pg: build-deps console-dist
	$(CARGO) build --release --locked -p yiwang-server
	@cluster=$$(mktemp -d /tmp/yiwang-demo-pg.XXXXXX); \
	trap 'tests/pg/cluster.sh stop '"$$cluster"'' EXIT INT TERM; \
	server=$$(tests/pg/cluster.sh start $$cluster); \
	psql -q "$$server" -c "CREATE DATABASE yiwang TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"; \
	url=$${server%/postgres}/yiwang; \
	echo "make demo-pg: the ledger is $$url"; \
	mkdir -p $(DEMO_PG_DIR); \
	$(CARGO_TARGET_DIR)/release/yiwang-server demo --database "$$url" --data-dir $(DEMO_PG_DIR) --listen $(DEMO_LISTEN)

# The county's own case story, run through yiwang-core and printed as a timeline.
story:
	$(CARGO) run --quiet --locked -p yiwang-core --example story

test: deps lint unit test-pg core-purity ui app e2e-app e2e-console contract
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
	cd tests/tus-node && npm ci --no-audit --no-fund --loglevel=error

# What the desktop app needs to build and to be driven in a window: WebKitGTK and friends, a
# virtual X server, WebKit's WebDriver, a font with Chinese glyphs (the screens are zh-CN).
APP_DEB_PACKAGES := libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev \
	xvfb xauth webkit2gtk-driver fonts-droid-fallback curl
app-deps: deps
	@need=""; \
	for p in $(APP_DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || need="$$need $$p"; \
	done; \
	if [ -n "$$need" ]; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need; \
	fi

# tauri-driver starts the app for WebDriver (it sets TAURI_WEBVIEW_AUTOMATION) and forwards
# to WebKitWebDriver. Installed once from crates.io, outside the workspace's target folder.
tauri-driver:
	@command -v tauri-driver >/dev/null || [ -x "$${CARGO_HOME:-$$HOME/.cargo}/bin/tauri-driver" ] || \
	  env -u CARGO_TARGET_DIR $(CARGO) install tauri-driver --version '^2' --locked

# The UI: dependencies from the lock file, generated types current, type check, unit tests
# (vitest), the worker and console builds.
ui: deps
	cd ui && $(NPM_CI)
	@# The console's API types must be what the server's OpenAPI document produces (the document
	@# itself is checked against the server by `cargo test`: tests/tests/console/openapi.rs).
	cd ui && npm run --silent check:api
	cd ui && npm run --silent typecheck
	cd ui && npm run --silent test
	cd ui && npm run --silent build:worker
	cd ui && npm run --silent build:console

# Only the worker build (make demo, make package, or make app on a fresh clone).
ui-dist: deps
	cd ui && $(NPM_CI)
	cd ui && npm run --silent build:worker

# The desktop app, debug build, with the UI embedded (tauri/custom-protocol serves the built
# files from the binary, as a release does, instead of a dev server).
app: app-deps
	@# The real worker UI, not the placeholder page src-tauri/build.rs leaves when none is built.
	@grep -qs 'type="module"' $(UI_DIST)/index.html || $(MAKE) --no-print-directory ui-dist
	CARGO_TARGET_DIR=$(APP_TARGET_DIR) $(CARGO) build --locked -p yiwang-app --features tauri/custom-protocol
	@# The shell's own tests (commands through Tauri's mock IPC, capabilities), on the same features.
	CARGO_TARGET_DIR=$(APP_TARGET_DIR) $(CARGO) test --locked -p yiwang-app --features tauri/custom-protocol

# The end-to-end run: the real app window under Xvfb, driven through tauri-driver and
# WebKitWebDriver, against the real demo server (tests/e2e-app/e2e.mjs says what it checks).
e2e-app: app-deps tauri-driver app
	cd tests/e2e-app && $(NPM_CI)
	# The server binary as `make unit` built it (same features, so no rebuild after it).
	$(CARGO) test --locked --no-run -q
	@drv=$$(command -v tauri-driver || echo "$${CARGO_HOME:-$$HOME/.cargo}/bin/tauri-driver"); \
	YIWANG_APP_BIN=$(APP_BIN) YIWANG_SERVER_BIN=$(CARGO_TARGET_DIR)/debug/yiwang-server \
	  TAURI_DRIVER=$$drv E2E_OUT=$(E2E_OUT) \
	  xvfb-run -a -s "-screen 0 1280x1024x24" node tests/e2e-app/e2e.mjs

# The desktop app as a .deb (release build, UI embedded), by the Tauri CLI from the e2e
# package's lock file. AppImage needs FUSE and downloads tools at build time: not built.
package: app-deps ui-dist
	cd tests/e2e-app && $(NPM_CI)
	CARGO_TARGET_DIR=$(APP_TARGET_DIR) tests/e2e-app/node_modules/.bin/tauri build --bundles deb \
	  --config src-tauri/tauri.conf.json
	@ls -l $(APP_TARGET_DIR)/release/bundle/deb/*.deb

# The screenshots of the last e2e run become the committed set the README shows.
screenshots:
	@ls $(E2E_OUT)/screenshots/*.png >/dev/null 2>&1 || { echo "no screenshots in $(E2E_OUT)/screenshots: run make e2e-app first"; exit 1; }
	mkdir -p docs/screenshots
	@# The app's set is replaced whole; the console's (console-*.png) is `make console-screenshots`'s.
	find docs/screenshots -maxdepth 1 -name '*.png' ! -name 'console-*' -delete
	@# Stable names without the run's order prefix (01-login.png → login.png); failures stay out.
	for f in $(E2E_OUT)/screenshots/[0-9][0-9]-*.png; do \
	  case "$$f" in *FAILED*) continue;; esac; \
	  cp "$$f" "docs/screenshots/$${f##*/[0-9][0-9]-}"; \
	done
	@ls docs/screenshots

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

# The S3 wire server the photo store is tested against (0.14.1: later versions need a newer
# rustc). Built once into $(TOOLS_DIR); its own build folder is removed afterwards.
s3s-fs:
	@[ -x "$(YIWANG_TEST_S3FS)" ] || { \
	  echo "installing s3s-fs 0.14.1 into $(TOOLS_DIR)"; \
	  build=$$(mktemp -d /var/tmp/yiwang-s3s-build.XXXXXX); \
	  trap 'rm -rf "$$build"' EXIT; \
	  CARGO_TARGET_DIR=$$build $(CARGO) install s3s-fs --version 0.14.1 --features binary \
	    --locked --root $(TOOLS_DIR) --quiet; }

# HAProxy, for the test with three server processes behind a load balancer.
haproxy:
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy; }

unit: s3s-fs
	$(CARGO) test --locked

# The storage-level suites again, on a real PostgreSQL: a throwaway cluster in a temporary
# folder (initdb + pg_ctl as the postgres user, a free port), removed afterwards. Each test
# server gets a database of its own (tests/src/kit/backend.rs).
PG_SUITES ?= --test protocol --test photos --test operations --test console --test full_story \
	--test crash_server --test postgres --test cluster
# With PostgreSQL: the cluster suite's processes share one database and one S3 bucket (s3s-fs),
# three of them behind HAProxy; then the photo suite again with every photo in S3.
test-pg: s3s-fs haproxy
	@cluster=$$(mktemp -d /tmp/yiwang-test-pg.XXXXXX); \
	trap 'tests/pg/cluster.sh stop '"$$cluster"'' EXIT INT TERM; \
	server=$$(tests/pg/cluster.sh start $$cluster); \
	echo "test-pg: PostgreSQL at $$server"; \
	YIWANG_TEST_DATABASE=$$server $(CARGO) test --locked -p yiwang-tests $(PG_SUITES); \
	YIWANG_TEST_DATABASE=$$server YIWANG_TEST_PHOTO_STORE=s3 \
	  $(CARGO) test --locked -p yiwang-tests --test photos

# yiwang-core must stay free of I/O: no database, network or async runtime crates.
core-purity:
	@bad=$$($(CARGO) tree -p yiwang-core -e normal --prefix none --locked \
	  | grep -Eio '^(rusqlite|libsqlite3-sys|tokio|reqwest|hyper|axum|mio|postgres|tokio-postgres|sqlx|ureq|async-std)[ -]' || true); \
	if [ -n "$$bad" ]; then echo "yiwang-core depends on I/O crates: $$bad"; exit 1; fi; \
	echo "core-purity: yiwang-core has no database, network or async runtime crate"

# The province (issue 16): 100 counties under a city on PostgreSQL, built once into
# PROVINCE_CACHE (SQLite seeding, then migrate-to; about 30 GB kept, 60 GB free while building)
# and reused by every later run. Not part of `make bench`: the first build takes most of an hour.
PROVINCE_CACHE ?= /var/tmp/yiwang-bench-province
province-bench:
	$(CARGO) build --release --locked -p yiwang-server -p yiwang-bench --bin yiwang-server --bin province
	$(CARGO_TARGET_DIR)/release/province --cache $(PROVINCE_CACHE)

# app_start needs the app binary and a display (Xvfb): it measures the window's cold start.
# console_load and ingest run on SQLite and again on PostgreSQL: a throwaway cluster started for
# them (tests/pg/cluster.sh), stopped and removed afterwards, whether they pass or fail. load runs
# one county's 1,798 devices on SQLite, then 20,000 devices through HAProxy to three processes on
# that PostgreSQL with photos in s3s-fs.
bench: app s3s-fs haproxy
	$(CARGO) build --release --locked -p yiwang-server -p yiwang-tests -p yiwang-bench \
	  --bin yiwang-server --bin yiwang-sim --bin county_morning --bin photo_upload --bin load
	$(CARGO_TARGET_DIR)/release/county_morning
	$(CARGO_TARGET_DIR)/release/load
	@cluster=$$(mktemp -d /tmp/yiwang-bench-pg.XXXXXX); \
	trap 'tests/pg/cluster.sh stop '"$$cluster"'' EXIT INT TERM; \
	server=$$(tests/pg/cluster.sh start $$cluster); \
	echo "bench: PostgreSQL at $$server (a throwaway cluster)"; \
	$(MAKE) --no-print-directory console-bench CONSOLE_BENCH_POSTGRES=$$server; \
	$(CARGO) run --release --locked -p yiwang-bench --bin ingest -- --postgres $$server; \
	$(CARGO_TARGET_DIR)/release/load --cluster --postgres $$server --devices 20000
	$(CARGO) run --release --locked -p yiwang-bench --bin photo_pipeline
	cd bench/photo-upload && $(NPM_CI)
	$(CARGO) run --release --locked -p yiwang-bench --bin photo_upload
	$(CARGO) run --release --locked -p yiwang-bench --bin finding_save
	$(CARGO) build --release --locked -p yiwang-bench --bin app_start
	xvfb-run -a -s "-screen 0 1280x1024x24" $(CARGO_TARGET_DIR)/release/app_start --app $(APP_BIN)

# The supervisor console: its build, its end-to-end run in Chromium, its screenshots and benchmark.
include tests/e2e-console/console.mk

# The API against its OpenAPI document (schemathesis).
include tests/contract/contract.mk
