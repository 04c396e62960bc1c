# SafeLoop — the two set-up commands are `make demo` and `make test` (see README).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export FLASK_APP := app:create_app

.PHONY: demo test install lint bench worker serve clean-db

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Start the app with demo data on the embedded SQLite file (instance/safeloop.db); the server runs the
## timer worker in a background thread (reminders, overdue marks), every DEMO_TICK seconds.
DEMO_TICK ?= 30
demo: install
	$(VENV)/bin/flask demo
	$(VENV)/bin/flask demo-serve --host 127.0.0.1 --port 5000 --tick-interval $(DEMO_TICK)

## Run the whole test suite: SQLite, then PostgreSQL on loopback, browser journeys included.
test:
	bash .ci/test-all

## Type-checked modules (mypy); add a package's modules here once they pass.
MYPY_TARGETS := app/workflow \
	app/auth/operations.py \
	app/org/operations.py \
	app/documents/operations.py \
	app/inbox/operations.py \
	app/notifications/operations.py \
	app/jobs \
	app/ledgers/jobs.py \
	app/hazards/operations \
	app/cases/operations \
	app/cases/gates.py \
	app/cases/policy.py \
	app/cases/rules.py \
	app/cases/legal_time.py \
	app/cases/money.py \
	app/cases/discretion.py \
	app/cases/violations.py \
	app/credit/operations \
	app/credit/gates.py \
	app/credit/effects.py \
	app/credit/rules.py \
	app/credit/criteria.py \
	app/credit/measures.py \
	app/credit/push.py \
	app/credit/publicity.py \
	app/org/flags.py \
	app/publication \
	app/periodic.py \
	app/params.py \
	app/rulepacks.py \
	app/inspections/operations \
	app/inspections/caps.py \
	app/inspections/rules.py \
	app/inspections/draw.py \
	app/inspections/conflicts.py \
	app/inspections/sealed.py \
	app/inspections/tipoff_access.py \
	app/inspections/checklists.py

lint: install
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy $(MYPY_TARGETS)

bench: install
	$(PY) bench/run_all.py

## Production: migrations, gunicorn (SAFELOOP_WORKERS web workers) and the timer worker, supervised.
## Needs SECRET_KEY (and DATABASE_URL for PostgreSQL) in the environment; see README "Production".
serve: install
	$(VENV)/bin/flask serve

## Timer worker: fires due BPMN timers (reminders, overdue) every 30 s.
worker: install
	$(VENV)/bin/flask workflow worker --interval 30

clean-db:
	rm -f instance/safeloop.db
