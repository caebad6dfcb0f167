# Two commands matter: `make run` (start the platform) and `make test` (run every test).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv system-deps lock bench lint clean desktop-assets

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade 'pip>=24,<27'
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the platform and its tests use (Asterisk root builder, sipp, espeak-ng,
# sox, Chromium …); installs only what is missing, and only where we are root.
system-deps:
	@if [ "$$(id -u)" = 0 ] && [ -x scripts/install-system-deps.sh ]; then scripts/install-system-deps.sh; \
	else echo "not root: skipping system packages (see README)"; fi

run: venv system-deps
	$(VENV)/bin/hotline up

# node_modules (from the committed lock file) lets the tests rebuild the JsSIP bundle
# byte for byte and compare it with the committed one
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: venv system-deps node_modules/.installed
	scripts/with-services.sh $(VENV)/bin/pytest

bench: venv
	@for f in bench/bench_*.py; do echo "== $$f"; scripts/with-services.sh $(PY) $$f || exit 1; done

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Rebuild the agent desktop's JsSIP bundle (agent_desktop/vendor/jssip.min.js, committed) from
# package-lock.json; needs node + npm and the npm registry. Running the platform does not.
desktop-assets: node_modules/.installed
	npm run build

# Refresh the pinned versions after changing pyproject.toml's ranges.
lock:
	rm -rf /tmp/hotline-lock && python3 -m venv /tmp/hotline-lock
	/tmp/hotline-lock/bin/pip install -q '.[dev]'
	/tmp/hotline-lock/bin/pip freeze --exclude hotline12345 | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) var
