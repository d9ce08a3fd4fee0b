# Quick start: `make example` renders the bundled examples into out/; `make test` runs the tests.
# Both create .venv/ and install the project with pinned dependencies first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The demo's browser test drives Debian's chromium with Playwright (not in requirements.lock: a test tool only).
PLAYWRIGHT := playwright==1.65.2 greenlet==3.5.6
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

.PHONY: setup example test browser bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -c requirements.lock "torch==2.14.1" "torchvision==0.29.1"
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

example: $(STAMP)
	$(PY) -m toolkit.examples out

test: $(STAMP) browser
	$(PY) -m pytest tests

# Installs what tests/test_demo.py's browser test needs, if missing; where it cannot (no apt-get,
# no root, no network) it says so and the test skips with the reason.
browser: $(STAMP)
	@$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet $(PLAYWRIGHT) \
		|| echo "browser: could not install Playwright; the browser test will be skipped"
	@command -v chromium >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1; then \
			{ $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; } \
			|| echo "browser: apt-get could not install chromium; the browser test will be skipped"; \
		else echo "browser: no apt-get here; the browser test will be skipped"; fi; }

bench: $(STAMP)
	$(PY) bench/bench_warp.py
	$(PY) bench/bench_click.py
	$(PY) bench/bench_pose.py
	$(PY) bench/bench_portrait.py
	$(PY) bench/bench_diffusion.py

clean:
	rm -rf out .pytest_cache
