# alignsim: `make app` starts the simulator, `make test` runs the tests. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: app test bench demo clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "alignsim needs Python >= 3.11 (set PYTHON=python3.11 or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

## app: the main entry point (a CLI demo run until the browser app lands)
app: $(STAMP)
	@if [ -f app.py ]; then \
		$(BIN)/streamlit run app.py --browser.gatherUsageStats false; \
	else \
		$(MAKE) --no-print-directory demo; \
	fi

demo: $(STAMP)
	$(BIN)/alignsim compare b2b_activation product_logic --seeds 20

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
