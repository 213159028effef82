# cardpipe: `make run` and `make test` work on a fresh Debian machine (as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo

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
	@cp sample_cards/images/* $(DEMO)/inbox/
	@touch -d '1 minute ago' $(DEMO)/inbox/*  # as if dropped a while ago: complete, ready to take
	@echo "== cardpipe run on $$(ls $(DEMO)/inbox | wc -l) sample files (demo data in $(DEMO)/)"
	$(BIN)/cardpipe run --inbox $(DEMO)/inbox --db $(DEMO)/cardpipe.db --output $(DEMO)/output --verbose || [ $$? -eq 1 ]
	@echo "== contacts"
	@$(BIN)/cardpipe contacts --db $(DEMO)/cardpipe.db | head -n 25
	@echo "== outputs"
	@ls -l $(DEMO)/output

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
