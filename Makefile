# CongDan: `make run` serves the API with demo data; `make test` runs every test.
# Both work on a fresh clone: they create .venv and install the pinned requirements.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
WORKERS ?= 2
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := wsgi

.PHONY: run run-worker cluster proxy install install-dev fonts browser judges test test-fast test-sqlite test-postgres lint fmt examples screenshots migration bench soak mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

## DejaVu Sans, for PDF transcripts with Vietnamese diacritics (PDF_FONT).
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { \
		echo "Installing Debian's fonts-dejavu-core for PDF transcripts"; \
		apt-get update -qq && apt-get install -y -qq fonts-dejavu-core >/dev/null; }

## Debian's Chromium for the browser test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser login test"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

## Debian's nginx, the reverse proxy in front of the instances of `make cluster`.
proxy:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		echo "Installing Debian's nginx-light for the cluster tests"; \
		apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }

## Other people's definitions the tests judge by (README, "Standards"), pinned by
## hash: HL7's IPS 2.0.0 package (its StructureDefinitions) from the npm registry.
JUDGES := .cache/judges
IPS_PACKAGE := $(JUDGES)/hl7.fhir.uv.ips-2.0.0.tgz
IPS_SHA256 := 4a5cff17580f869140614ac51097d81540c63644d550ced8d4cd9b9bce7345c4

$(IPS_PACKAGE):
	mkdir -p $(JUDGES)
	cd $(JUDGES) && npm pack --silent hl7.fhir.uv.ips@2.0.0 >/dev/null
	echo "$(IPS_SHA256)  $@" | sha256sum --check --quiet || { rm -f $@; exit 1; }

## ...and, from package-lock.json, the npm packages that judge: openid-client,
## did-jwt with did-resolver and web-did-resolver, openapi-typescript with typescript.
tests/judges/node_modules/.package-lock.json: tests/judges/package-lock.json
	npm ci --prefix tests/judges --no-audit --no-fund --silent

judges: $(IPS_PACKAGE) tests/judges/node_modules/.package-lock.json

## Serve on 127.0.0.1:$(PORT) with the demo data (migrates, loads the deployment
## of deployments/ — DEPLOYMENT_DIR — and seeds first);
## gunicorn.conf.py: threaded workers that survive slow clients (README, "Serving").
## With REDIS_URL set, jobs go through Redis and a worker (flask jobs worker) runs
## beside the server; without it they run in the server after each commit.
run: install fonts
	$(BIN)/flask db upgrade
	$(BIN)/flask deployment load
	$(BIN)/flask seed-demo
	@if [ -n "$$REDIS_URL$$JOBS_BROKER_URL" ] && [ "$$JOBS_BROKER_URL" != "embedded" ]; then \
		$(BIN)/flask jobs worker & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	fi; \
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) \
		--bind 127.0.0.1:$(PORT) wsgi:app

## The job worker alone (JOBS_BROKER_URL or REDIS_URL must name the Redis).
run-worker: install
	$(BIN)/flask jobs worker

## Two instances behind nginx, one database, a private Redis and one worker
## (bench/cluster.py), until Ctrl-C: CLUSTER_PORT (8080), CLUSTER_DATABASE_URL.
cluster: install fonts proxy
	$(BIN)/python -m bench.cluster

## Lint and type-check, then the whole suite on SQLite and on PostgreSQL, the two
## at once (each is one process; the machine has two cores), each one's output
## printed whole when it ends.
test: install-dev fonts browser judges proxy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

## The everyday loop, on SQLite: every test but those marked slow (fuzzing, Chromium,
## real gunicorn servers, the sweeps of the whole URL map). `make test` runs them all.
## schemathesis' pytest plugin serves only the fuzzer, so it is not even loaded.
test-fast: install-dev fonts judges
	env -u TEST_DATABASE_URL $(BIN)/pytest -m "not slow" -p no:schemathesis

## The cluster's tests (several instances on one database) run on PostgreSQL only:
## SQLite, one writer for every process, is the single-host embedded mode.
test-sqlite: install-dev fonts browser judges proxy
	@echo "== pytest on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest -m "not cluster"

test-postgres: install-dev fonts browser judges proxy
	@if ! $(BIN)/python -c "import sys, psycopg; psycopg.connect(sys.argv[1].replace('+psycopg', ''), connect_timeout=3).close()" "$(PG_TEST_URL)" 2>/dev/null; then \
		if [ "$(SKIP_POSTGRES)" = "1" ]; then \
			echo "!! PostgreSQL unreachable at $(PG_TEST_URL): SKIPPED because SKIP_POSTGRES=1"; \
			exit 0; \
		fi; \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!! PostgreSQL is not reachable at $(PG_TEST_URL)"; \
		echo "!! The suite must pass on PostgreSQL too. Start it, or set"; \
		echo "!! SKIP_POSTGRES=1 to skip it knowingly (CI never does)."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		exit 1; \
	fi; \
	echo "== pytest on PostgreSQL =="; \
	TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## The examples of /openapi.json, recorded from the fast suite's real answers
## (tools/record_openapi_examples.py), then judged: run after changing what an
## endpoint answers.
EXAMPLE_TESTS := tests/test_openapi.py::test_every_request_and_success_has_a_recorded_example \
	tests/test_openapi.py::test_every_example_is_valid_against_its_schema
examples: install-dev fonts judges
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -m "not slow" -p no:schemathesis \
		-p tools.record_openapi_examples -q $(addprefix --deselect ,$(EXAMPLE_TESTS))
	env -u TEST_DATABASE_URL $(BIN)/pytest -q $(EXAMPLE_TESTS)

## The README's pictures: every page a person sees (phone and desktop) and the
## printed documents, saved by the tests that judge them into docs/screenshots/.
SCREENSHOT_TESTS := tests/identity/test_vneid_pages_in_chromium.py tests/identity/test_cross_device_in_chromium.py \
	tests/school_records/test_verify_page.py tests/school_records/test_transcript_pdf.py \
	tests/service_requests/test_receipt_and_tracking.py tests/service_requests/test_track_page_in_chromium.py \
	tests/service_requests/test_ioc_page.py tests/test_docs_page.py tests/wallet/test_wallet_story_live.py
screenshots: install-dev fonts browser judges
	rm -rf docs/screenshots
	env -u TEST_DATABASE_URL CONGDAN_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -p no:schemathesis $(SCREENSHOT_TESTS)

## make migration m="what changed"
migration: install-dev
	$(BIN)/flask db migrate -m "$(m)"

## Load benchmark: gunicorn (gunicorn.conf.py) with $(WORKERS) workers, wrk against every key endpoint,
## then the scale run on PostgreSQL (about 10k, then 1M health records).
bench: install-dev
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run

## Soak: 50 clients for 2 minutes on a mixed workload; every acknowledged write kept.
soak: install-dev proxy
	$(BIN)/python -m bench.soak

$(VENV)/.mutate-installed: requirements-mutate.txt requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-mutate.txt
	touch $@ $(VENV)/.dev-installed $(VENV)/.runtime-installed

## Mutation testing of the security-critical modules ([tool.mutmut] in pyproject.toml),
## then the score per module. Measured 2026-12-06 on 2 shared cores: 9 minutes for
## app/idempotency.py alone, consent/policies.py unfinished after an hour, so a
## full run takes hours. Not part of `make test`.
mutate: $(VENV)/.mutate-installed fonts
	rm -rf mutants
	env -u TEST_DATABASE_URL $(BIN)/mutmut run
	$(BIN)/python -m tools.mutation_score

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .coverage mutants .cache
