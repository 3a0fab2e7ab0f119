# alignsim: `make app` starts the simulator, `make test` runs the tests. Both create .venv on first use.
# The developer workflow (make test-fast, lint, docs, fuzz, messages, lock, hooks) is in docs/development.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The lock: the exact versions with which the pinned baseline is reproduced (`make lock` regenerates it).
LOCK   := constraints.txt
EXTRAS := test,docs,dev

CHROMIUM := /usr/bin/chromium
NGINX    := /usr/sbin/nginx
# Debian's switch that keeps apt-get from starting services (exit 101: refused); see the browser target
POLICY_RC := /usr/sbin/policy-rc.d
# pytest over both cores, a test file per process (module fixtures such as the app's server are started once),
# handed out longest first (tests/conftest.py's LONGEST_FIRST; xdist would order files by their number of tests);
# one BLAS thread per process: two test processes already fill the two cores, and OpenBLAS's spare threads spin
PYTEST := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

.PHONY: app test test-fast lint docs docs-serve coverage bench clean browser fuzz messages lock hooks audit

# uv installs the locked packages into .venv: about 13 s from an empty cache on the 2-core machine, where pip took
# one to three minutes (pip stays in .venv for `make lock` and the install tests). The version is pinned here.
# uv does not read pip's configuration: where it cannot install (no uv wheel, or an index only pip.conf names),
# pip installs the same lock.
UV     := uv==0.13.9

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "alignsim needs Python >= 3.11 (set PYTHON=python3.11 or newer)")'
	$(PYTHON) -m venv $(VENV)
	{ $(BIN)/python -m pip install --quiet --disable-pip-version-check $(UV) && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -c $(LOCK) -e ".[$(EXTRAS)]"; } || \
	{ echo "uv could not install; installing with pip"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e ".[$(EXTRAS)]"; }
	@touch $(STAMP)

## app: the browser app (http://localhost:8501), started warm (ui/serve.py)
app: $(STAMP)
	$(BIN)/python -m ui.serve --browser.gatherUsageStats false

## browser: what the tests drive that pip cannot install, from Debian's archive with one apt-get update when one is
## missing: chromium for the real-browser tests (browser downloads do not work here) and nginx for the hosting test
## (tests/workshop/test_hosting.py runs docs/HOSTING.md's configuration). No service is started by the install: a
## policy-rc.d that refuses every start is put in place for it when there is none (Debian's nginx would otherwise
## start on port 80, and fail the install where that port is taken), and removed after.
browser:
	@missing=""; [ -x $(CHROMIUM) ] || missing=" chromium"; [ -x $(NGINX) ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
		echo "installing from Debian's archive for the browser and hosting tests:$$missing"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO sh -c 'own=; if [ ! -e $(POLICY_RC) ]; then \
				printf "%s\n" "#!/bin/sh" "exit 101" >$(POLICY_RC) && chmod +x $(POLICY_RC) && own=1; fi; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$$@" >/dev/null; rc=$$?; \
			if [ -n "$$own" ]; then rm -f $(POLICY_RC); fi; exit $$rc' apt-install $$missing; \
	fi

## lint: the gate `make test` runs first: ruff (lint and format) and mypy (pydantic plugin); config in pyproject.toml
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: everything CI runs (.ci/run): the gate, the docs build, every test (no coverage: `make coverage`)
test: $(STAMP) browser lint docs
	$(PYTEST)

## test-fast: the inner loop: every test but the slow and browser ones (markers in pyproject.toml, tests/conftest.py)
test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not browser"

## coverage: every test under coverage's tracer, then the share of the lines run and the per-file report; apart from
## `make test` because on Python 3.11 the tracer costs the in-process tests about 60 % more CPU (docs/development.md)
coverage: $(STAMP) browser
	$(PYTEST) --cov --cov-report=
	$(BIN)/coverage report --skip-covered --sort=cover
	@echo "coverage: $$($(BIN)/coverage report --format=total)% of the lines in sim/, agents/ and ui/"

## docs: the docs site (mkdocs.yml) built strictly into site/: a broken link or nav entry fails
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

## docs-serve: the docs site at http://127.0.0.1:8000, rebuilt on every change
docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

## lock: regenerate constraints.txt from a fresh venv: the pins it holds stay, a new dependency gets the newest
## version that fits them; `make lock UPGRADE=1` moves everything to the newest versions pyproject.toml allows.
## Then run `rm -rf .venv && make test` (the pinned baseline says whether the new versions change results)
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[$(EXTRAS)]" $(if $(UPGRADE),,$(if $(wildcard $(LOCK)),-c $(LOCK)))
	{ echo "# The lock: exact versions with which tests/test_baseline.py reproduces the pinned results."; \
	  echo "# Made by \`make lock\` (pip freeze of a fresh venv) with Python $$(.lock-venv/bin/python -c 'import platform; print(platform.python_version(), platform.system(), platform.machine())')."; \
	  echo "# Used as pip constraints by make: pip install -c constraints.txt -e \".[$(EXTRAS)]\""; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable --exclude alignsim; } > $(LOCK)
	rm -rf .lock-venv

## hooks: install the git pre-commit hooks (.pre-commit-config.yaml: ruff and mypy from .venv on every commit)
hooks: $(STAMP)
	$(BIN)/pre-commit install

## fuzz: the long fuzz profile (>= 10,000 cases per input surface); figures go to docs/RELIABILITY.md by hand
fuzz: $(STAMP)
	ALIGNSIM_FUZZ=long ALIGNSIM_FUZZ_REPORT=fuzz-report.json $(BIN)/python -m pytest -q -p no:cacheprovider tests/input/test_fuzz.py tests/workshop/test_links.py tests/research/test_sweep_fuzz.py
	@cat fuzz-report.json fuzz-report-sweep-folders.json

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
	rm -rf $(VENV) .lock-venv .pytest_cache .hypothesis .mypy_cache .ruff_cache .coverage .coverage.* htmlcov site build *.egg-info
