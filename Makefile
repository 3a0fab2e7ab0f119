# alignsim: `make app` starts the simulator, `make test` runs the tests. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: app test lint bench clean browser fuzz messages audit

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "alignsim needs Python >= 3.11 (set PYTHON=python3.11 or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

## app: the browser app (http://localhost:8501), started warm (ui/serve.py)
app: $(STAMP)
	$(BIN)/python -m ui.serve --browser.gatherUsageStats false

## browser: Debian's chromium for the real-browser tests (browser downloads do not work here)
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

## lint: the gate `make test` runs first: ruff (lint and format) and mypy (pydantic plugin); config in pyproject.toml
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) browser lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

## fuzz: the long fuzz profile (>= 10,000 cases per input surface); figures go to docs/RELIABILITY.md by hand
fuzz: $(STAMP)
	ALIGNSIM_FUZZ=long ALIGNSIM_FUZZ_REPORT=fuzz-report.json $(BIN)/python -m pytest -q -p no:cacheprovider tests/input/test_fuzz.py tests/workshop/test_links.py
	@cat fuzz-report.json

## audit: known vulnerabilities of the installed packages (pip-audit against PyPI's advisories). --strict: a package
## it cannot check fails the audit, so "no known vulnerabilities" never means "not checked" (docs/RELIABILITY.md)
audit: $(STAMP)
	$(BIN)/python -m pip install --quiet "pip-audit>=2.7"
	$(BIN)/pip-audit --strict --vulnerability-service pypi --progress-spinner off --skip-editable

## messages: extract the marked texts (babel.cfg) into the template and update the Danish catalogue; then translate
## the new entries in sim/locales/da/LC_MESSAGES/alignsim.po (tests/test_i18n.py checks that none is missing)
messages: $(STAMP)
	@mkdir -p sim/locales
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project alignsim --omit-header \
		-o sim/locales/alignsim.pot .
	@if [ -f sim/locales/da/LC_MESSAGES/alignsim.po ]; then \
		$(BIN)/pybabel update -i sim/locales/alignsim.pot -d sim/locales -D alignsim -l da --ignore-obsolete \
			--no-fuzzy-matching --ignore-pot-creation-date; \
	else $(BIN)/pybabel init -i sim/locales/alignsim.pot -d sim/locales -D alignsim -l da; fi

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
