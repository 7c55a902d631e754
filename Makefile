# The two commands of the quick start are `make run` and `make test`; the rest are their steps.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
# Installed packages compiled once at install: tests and servers start many Python processes, and
# machines that set PYTHONDONTWRITEBYTECODE would otherwise compile every import in each of them.
export UV_COMPILE_BYTECODE := 1
UV := .tools/bin/uv
PY := .venv/bin/python

.PHONY: run test setup peers static lint format migrations-check vendor messages schema ci clean clickday

run: setup ## set everything up, seed the demo municipality once, serve the portal with a Celery worker
	DEBUG=1 DEMO_MODE=$${DEMO_MODE:-1} $(PY) manage.py migrate --noinput
	DEBUG=1 DEMO_MODE=$${DEMO_MODE:-1} $(PY) manage.py seed_demo --if-empty --residents $${SEED_RESIDENTS:-2000} --seed 1
	DEBUG=1 DEMO_MODE=$${DEMO_MODE:-1} $(PY) manage.py seed_payments --if-empty
	DEBUG=1 DEMO_MODE=$${DEMO_MODE:-1} exec scripts/run-dev

test: setup node_modules peers ## the whole suite, against real PostgreSQL, Redis and Celery workers
	scripts/with-services $(PY) -m pytest $(PYTEST_ARGS)

setup: .venv/.synced

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

.venv/.synced: $(UV) pyproject.toml uv.lock .python-version
	$(UV) sync --frozen
	touch $@

peers: var/peers/spid-sp-test/.synced var/peers/spid-cie-oidc/.synced ## outside peers the tests run, each in its own environment (tests/peers/)

# AgID's spid-sp-test conflicts with the project's pins (kombu/celery): its own locked environment.
var/peers/spid-sp-test/.synced: $(UV) tests/peers/spid-sp-test/pyproject.toml tests/peers/spid-sp-test/uv.lock
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/var/peers/spid-sp-test $(UV) sync --frozen --project tests/peers/spid-sp-test \
		-p $$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
	touch $@

# The official SPID/CIE OIDC Federation SDK pins Django<5 and pydantic<2: its own locked environment, for
# the trust anchor and OP the federation tests run (tests/identity/federation_peer.py).
var/peers/spid-cie-oidc/.synced: $(UV) tests/peers/spid-cie-oidc/pyproject.toml tests/peers/spid-cie-oidc/uv.lock
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/var/peers/spid-cie-oidc $(UV) sync --frozen --project tests/peers/spid-cie-oidc \
		-p $$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
	touch $@

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static: setup ## production: collect static files into STATIC_ROOT with hashed names (README, "Production")
	$(PY) manage.py collectstatic --noinput

lint: setup ## ruff, and the import contracts of docs/architecture.md (.importlinter)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrations-check: setup
	TESTING=1 $(PY) manage.py makemigrations --check --dry-run

vendor: node_modules ## refresh static/vendor from node_modules (Bootstrap Italia)
	scripts/vendor_static.sh

schema: setup ## regenerate docs/openapi.yaml from the code (tests/api/test_schema.py checks it is current)
	TESTING=1 $(PY) manage.py spectacular --file docs/openapi.yaml --validate --fail-on-warn

messages: setup ## extract and compile the translations (Italian source, English translation)
	DEBUG=1 $(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=static/vendor --ignore=var --ignore=tests/peers
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=var

clickday: setup ## the click-day load test on a production-like stack; writes docs/benchmarks.md (~15 min)
	$(PY) benchmarks/clickday.py $(CLICKDAY_ARGS)

clean:
	rm -rf .venv .tools node_modules var staticfiles
