# The API against its OpenAPI document (issue 13): schemathesis, pinned in
# tests/contract/requirements.txt, in the project's one Python environment ($(VENV), outside the
# clone so CI runs reuse it), against a fresh demo server. Included by the Makefile.

.PHONY: venv contract

VENV ?= /var/tmp/yiwang-venv
VENV_STAMP := $(VENV)/.requirements-$(shell sha256sum tests/contract/requirements.txt | cut -c1-16)

# The environment, made again whenever the requirements change.
venv: $(VENV_STAMP)
$(VENV_STAMP): tests/contract/requirements.txt
	@python3 -m venv -h >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3 python3-venv; }
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-input -r tests/contract/requirements.txt
	touch $@

contract: venv
	# The server binary as `make unit` built it (same features, so no rebuild after it).
	$(CARGO) test --locked --no-run -q
	YIWANG_SERVER_BIN=$(CARGO_TARGET_DIR)/debug/yiwang-server VENV=$(VENV) \
	  CONTRACT_OUT=$(E2E_OUT)/contract tests/contract/run.sh
