# The supervisor console's end-to-end run and its screenshots (issue 6). Included by the
# Makefile (`include tests/e2e-console/console.mk`), which defines CARGO, CARGO_TARGET_DIR,
# SUDO, NPM_CI, E2E_OUT and the `deps` target; add `e2e-console` to `test`.
#
#   make e2e-console          build the server and the console, drive the console in Chromium
#   make console-screenshots  copy the last run's screenshots to docs/screenshots/console-*.png
#   make console-bench        time the console's first queue page and dashboard on the demo county

.PHONY: console-deps console-dist e2e-console console-screenshots console-bench

# Debian's Chromium (playwright-core drives it; nothing downloads a browser), sqlite3 for the
# test's independent recount from the ledger file, and a font with Chinese glyphs.
CONSOLE_DEB_PACKAGES := chromium sqlite3 fonts-droid-fallback
CONSOLE_DIST ?= ui/dist/console

console-deps: deps
	@need=""; \
	for p in $(CONSOLE_DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || need="$$need $$p"; \
	done; \
	if [ -n "$$need" ]; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need; \
	fi
	cd tests/e2e-console && $(NPM_CI)

# The console's production build, served by yiwang-server at `/`.
console-dist: deps
	cd ui && $(NPM_CI)
	cd ui && npm run --silent build:console

e2e-console: console-deps
	@[ -f $(CONSOLE_DIST)/index.html ] || $(MAKE) --no-print-directory console-dist
	# The server binary as `make unit` built it (same features, so no rebuild after it).
	$(CARGO) test --locked --no-run -q
	YIWANG_SERVER_BIN=$(CARGO_TARGET_DIR)/debug/yiwang-server CONSOLE_DIR=$(CONSOLE_DIST) \
	  E2E_OUT=$(E2E_OUT) node tests/e2e-console/console.mjs

# The screenshots of the last e2e-console run become the committed set the README shows.
console-screenshots:
	@ls $(E2E_OUT)/console-screenshots/console-*.png >/dev/null 2>&1 || \
	  { echo "no screenshots in $(E2E_OUT)/console-screenshots: run make e2e-console first"; exit 1; }
	mkdir -p docs/screenshots
	rm -f docs/screenshots/console-*.png
	cp $(E2E_OUT)/console-screenshots/console-*.png docs/screenshots/
	@ls docs/screenshots/console-*.png

# A benchmark, not a test: release server on the demo county; prints medians against the 1 s target.
# With CONSOLE_BENCH_POSTGRES=postgres://…/postgres (a PostgreSQL server; `make bench` starts one)
# it runs again on a fresh database there and prints both sets of medians side by side.
CONSOLE_BENCH_POSTGRES ?=
console-bench: console-deps console-dist
	$(CARGO) build --release --locked -p yiwang-server -p yiwang-bench --bin console_load
	CONSOLE_DIR=$(CONSOLE_DIST) $(CARGO_TARGET_DIR)/release/console_load \
	  --server $(CARGO_TARGET_DIR)/release/yiwang-server \
	  $(if $(CONSOLE_BENCH_POSTGRES),--postgres $(CONSOLE_BENCH_POSTGRES))
