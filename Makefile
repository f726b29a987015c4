# The verbs of Sahayatri. README names two: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
CLI := $(PY) -m core.cli
FILE ?= ../shared/eval/sample.csv

.PHONY: run test setup locales nlu-data train content-check content-import content-export \
        lint typecheck unit e2e rasa-validate rasa-test-stories eval heldout-eval nlu-report locales-extract account telegram-webhook admin purge \
        run-multi e2e-multi bench

setup:
	@bash scripts/setup.sh

locales: setup
	@$(PY) -m babel.messages.frontend compile --statistics -d locales -D messages

## locales-extract: collect message ids from the code into locales/messages.pot and the catalogs
locales-extract: setup
	@$(PY) -m babel.messages.frontend extract -F locales/babel.cfg -k text:2 -k N_ --no-location \
	    --omit-header -o locales/messages.pot core api bot
	@$(PY) -m babel.messages.frontend update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

nlu-data: setup
	@$(CLI) nlu-data

train: nlu-data
	@$(CLI) train

## run: install what is missing, train if the data changed, start everything on 127.0.0.1:8000
run: locales train
	@$(PY) -m core.launcher

## account: create a console/editor account (asks for the password), e.g. make account ACCOUNT=sita ROLE=counsellor
account: setup
	@$(CLI) create-account --username $(ACCOUNT) --role $(ROLE)

## admin: create the first admin (refused once one exists; password asked for or from SAHAYATRI_ADMIN_PASSWORD)
ADMIN ?= admin
admin: setup
	@$(CLI) bootstrap-admin --username $(ADMIN)

## purge: delete now what is older than SAHAYATRI_RETENTION_DAYS (the app also does it hourly)
purge: setup
	@$(CLI) purge

## telegram-webhook: register https://<SAHAYATRI_PUBLIC_URL>/telegram/webhook with Telegram
telegram-webhook: setup
	@$(CLI) telegram-webhook

content-check: setup
	@$(CLI) content-check

content-import: setup
	@$(CLI) content-import

content-export: setup
	@$(CLI) content-export

## eval: run FILE (CSV text,lang,expected) through the running stack; JSON summary last
eval: locales train
	@$(CLI) eval $(FILE)

heldout-eval: FILE = tests/eval/heldout.csv
heldout-eval: eval

## nlu-report: 3-fold cross-validation per script, ours against Rasa's default pipeline (about 25 min)
nlu-report: nlu-data
	@PYTHONHASHSEED=0 RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python nlu/scripts/cross_validate.py --folds 3

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

typecheck: setup
	@.venv/bin/mypy

rasa-validate: nlu-data
	@cd nlu && RASA_TELEMETRY_ENABLED=false ../$(RASA) data validate --config config.yml --domain domain --data data --fail-on-warnings

rasa-test-stories: train
	@model=$$($(CLI) model-path) && cd nlu && RASA_TELEMETRY_ENABLED=false ../$(RASA) test core --model $$model --stories tests/ --fail-on-prediction-errors --out ../var/rasa-results

unit: locales
	@.venv/bin/pytest -m "not e2e" -q

e2e: locales train
	@.venv/bin/pytest -m e2e -q

## run-multi: the production shape on 127.0.0.1 — PostgreSQL, Redis, two app processes on one address, two Rasa workers
run-multi: locales train
	@$(PY) -m core.launcher --multi

## e2e-multi: the end-to-end tests against the run-multi shape (fresh PostgreSQL databases, Redis)
e2e-multi: locales train
	@SAHAYATRI_E2E_MODE=multi .venv/bin/pytest -m e2e -q

## bench: PEOPLE simulated people for DURATION seconds against TARGET (embedded, multi or a URL), then raw Rasa
PEOPLE ?= 200
DURATION ?= 120
TARGET ?= embedded
bench: locales train
	@$(PY) scripts/bench.py --people $(PEOPLE) --duration $(DURATION) --target $(TARGET)

## test: everything — lint, types, content, Rasa data and stories, unit and end-to-end tests
test: lint typecheck content-check rasa-validate locales train rasa-test-stories
	@.venv/bin/pytest -q --durations=20
