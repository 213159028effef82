# cardpipe: `make run` and `make test` work on a fresh Debian machine (as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo
# the demo ignores any config file of yours (its archive and failed folders would get the samples)
DEMO_ENV := CARDPIPE_CONFIG=/dev/null

.PHONY: run test setup setup-test system-deps bench lint clean

## setup: system packages (Tesseract + languages), .venv with cardpipe installed
setup: system-deps $(VENV)/.installed

system-deps:
	@scripts/system-deps.sh

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing cardpipe and its Python dependencies into $(VENV)/ (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --disable-pip-version-check -e '.[heic,postgres,test,web]' > $(VENV)/install.log 2>&1 \
		|| { tail -n 30 $(VENV)/install.log; exit 1; }
	@touch $@

## run: process sample_cards/ through a fresh demo inbox, then show the results
run: setup
	@rm -rf $(DEMO) && mkdir -p $(DEMO)/inbox
	@echo "== the sample cards, as if collected at six events over the past weeks"
	@$(BIN)/python scripts/demo_inbox.py sample_cards/images $(DEMO)/inbox  # dated event folders; files a minute old
	@echo "== cardpipe run on $$(find $(DEMO)/inbox -type f | wc -l) sample files (demo data in $(DEMO)/)"
	$(DEMO_ENV) $(BIN)/cardpipe run --inbox $(DEMO)/inbox --db $(DEMO)/cardpipe.db --output $(DEMO)/output --verbose || [ $$? -eq 1 ]
	@echo "== contacts"
	@$(DEMO_ENV) $(BIN)/cardpipe contacts --db $(DEMO)/cardpipe.db | head -n 25
	@echo "== outputs"
	@ls -l $(DEMO)/output
	@echo "== cardpipe digest: who to follow up with"
	@$(DEMO_ENV) $(BIN)/cardpipe digest --db $(DEMO)/cardpipe.db

## test: same set-up, plus what the tests need, then the whole suite
test: setup
	@scripts/system-deps.sh --test
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/dedupe.py

lint: setup
	$(BIN)/ruff check cardpipe tests bench

clean:
	rm -rf $(VENV) $(DEMO) *.egg-info
