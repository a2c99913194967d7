# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
DEV_ENV := PORTAL_ENV=development

.PHONY: run test test-fast lint install test-tools audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Run the portal on http://127.0.0.1:5000 with SQLite and demo data (offline, development mode),
## and one worker beside it (feeds, statuses, digests, mail, webhooks). Ctrl+C stops both.
## RUN_PORT=5001 serves it on another port; links in email follow (BASE_URL, unless it is set).
RUN_PORT ?= 5000
RUN_BASE_URL = $(or $(BASE_URL),http://127.0.0.1:$(RUN_PORT))
RUN_ENV = $(DEV_ENV) BASE_URL=$(RUN_BASE_URL)
run: install
	$(RUN_ENV) $(BIN)/flask --app portal db upgrade
	$(RUN_ENV) $(BIN)/flask --app portal demo load
	@echo "Serving the portal at http://127.0.0.1:$(RUN_PORT) with one worker (Ctrl+C stops both)"
	@$(RUN_ENV) $(BIN)/flask --app portal worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null' INT TERM; \
	$(RUN_ENV) $(BIN)/flask --app portal run --host 127.0.0.1 --port $(RUN_PORT) --no-reload; \
	status=$$?; kill -TERM $$worker 2>/dev/null; wait $$worker; exit $$status

# Test-only tools for the browser tests (axe-core, the Nu HTML checker's vnu.jar). Install
# scripts are not run: vnu-jar's would download a JDK when Java is missing.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test-tools: node_modules/.installed

## Lint, then the whole suite on SQLite and again on PostgreSQL, each spread over every CPU
## (pytest-xdist; each worker has its own database). The browser tests check what pages show
## and run once, on SQLite: the PostgreSQL pass runs every other test.
test: install test-tools lint
	$(BIN)/python -m pytest -n auto
	PORTAL_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest -n auto -m "not browser"

## The edit-and-test loop: lint, then the tests that need no browser and are not slow, on
## SQLite, in parallel (pytest-xdist). `make test` stays the gate before committing.
test-fast: install lint
	$(BIN)/python -m pytest -n auto -m "not browser and not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Known vulnerabilities in the installed Python packages and the test tooling (pip-audit, npm
## audit), less those accepted in .ci/audit-allowlist.txt. AUDIT_STRICT=1 also fails when the
## advisory services cannot be reached.
audit: install test-tools
	.ci/audit

## The translations: extract every marked string again (babel.cfg), add the new ones to each
## language's catalogue (translations/<code>/LC_MESSAGES/messages.po) and compile them. The .mo
## files are committed, so `make run` needs no build step; a test fails when one is stale.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2
.PHONY: translations
translations: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
		--omit-header -o translations/messages.pot portal templates
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete
	$(BIN)/pybabel compile -d translations

## Production server: gunicorn's sync workers (gunicorn.conf.py), to run behind the nginx of
## deploy/nginx.conf. Needs SECRET_KEY (≥32 bytes), BASE_URL, DATABASE_URL…: deploy/README.md.
.PHONY: serve
serve: install
	PORTAL_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py 'portal:create_app()'

## Page throughput under gunicorn against a bare Flask app, with wrk (bench/web.py): 1,000
## candidates on SQLite; BENCH_SCALE=10000, BENCH_SECONDS (10 per page) and
## BENCH_DATABASE_URL=postgresql+psycopg://…/bench change that. Appends to bench/RESULTS.md.
.PHONY: bench
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python bench/web.py
