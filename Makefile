# Quick start: `make example` renders the bundled examples into out/; `make test` runs the tests.
# Both create .venv/ and install the project with pinned dependencies first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup example test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -c requirements.lock "torch==2.14.1" "torchvision==0.29.1"
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

example: $(STAMP)
	$(PY) -m toolkit.examples out

test: $(STAMP)
	$(PY) -m pytest tests

bench: $(STAMP)
	$(PY) bench/bench_warp.py
	$(PY) bench/bench_click.py
	$(PY) bench/bench_pose.py
	$(PY) bench/bench_portrait.py

clean:
	rm -rf out .pytest_cache
