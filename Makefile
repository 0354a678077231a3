# Baltic Science Quiz — the two quick-start commands are `make demo` and `make test`.
# Everything is installed into .venv by these targets; nothing needs to be installed by hand.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test bench bench-engine bench-fairness firmware clean messages messages-extract

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $@

## demo: run the main job on the embedded defaults
demo: $(VENV)/.installed
	$(BIN)/quiz demo --host $(HOST) --port $(PORT)

## test: lint, type-check and run the whole test suite (branch coverage of game/ must stay >= 95%)
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest --cov=game --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=95

## bench-engine: commands/s for decide+apply and events/s for a full replay
bench-engine: $(VENV)/.installed-test
	$(BIN)/python -m loadtests.bench_engine

## bench-fairness: who wins the buzz in a simulated three-city world (about a minute and a half)
bench-fairness: $(VENV)/.installed-test
	$(BIN)/python -m loadtests.bench_fairness

## bench: every benchmark (not part of CI): the engine, buzz fairness, the audience fan-out,
## the answer storm,
## the box-to-server press times of the venue agent,
## and the cluster's failover and fan-out (needs QUIZ_TEST_POSTGRES_URL and QUIZ_TEST_REDIS_URL)
bench: bench-engine bench-fairness $(VENV)/.installed-bench
	$(BIN)/python -m loadtests.bench_fanout
	$(BIN)/python -m loadtests.bench_storm
	$(BIN)/python -m loadtests.bench_cluster
	$(BIN)/python -m loadtests.bench_agent

## messages: after a change of the interface texts (displays/messages/source.py, after.py):
## extract them into displays/locale/messages.pot, update the Latvian and Lithuanian catalogs
## (new texts come in untranslated, `make test` fails until a translator fills them in) and
## compile them (.mo, what the server reads)
LOCALES := displays/locale
messages: messages-extract
	$(BIN)/pybabel update --input-file $(LOCALES)/messages.pot --output-dir $(LOCALES) \
		--domain messages --width 96 --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --directory $(LOCALES) --domain messages --statistics

messages-extract: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file babel.cfg --no-default-keywords \
		--keywords text:1c,2 --keywords plural:1c,2,3 --sort-by-file --width 96 \
		--project "Baltic Science Quiz" --version 1 --omit-header \
		--output-file $(LOCALES)/messages.pot displays/messages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage build *.egg-info

## firmware: build the bz1 reference buzzer-box firmware (needs Debian's arduino-mk; BOARD_TAG=uno|micro|leonardo)
firmware:
	$(MAKE) -C buzzers/firmware/bz1
