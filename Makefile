# Neighborhood: `make run` serves the app with the Boston demo; `make test` runs every test on
# SpatiaLite and on PostgreSQL + PostGIS. Both install what they need first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := neighborhood

.PHONY: run test venv system-run system-test db demo clean translations

run: system-run venv db demo
	BASE_URL="$${BASE_URL:-http://$(HOST):$(PORT)}" $(BIN)/flask run --host $(HOST) --port $(PORT)

test: system-test venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

system-run:
	@scripts/system-deps.sh run

system-test:
	@scripts/system-deps.sh test

db: venv
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo --if-empty

# After changing a page's words: extract them, merge them into every language, compile.
# Translate the new entries in neighborhood/translations/<lang>/LC_MESSAGES/messages.po, then
# run it again; tests/web/test_i18n.py fails while an entry is missing or the .mo is stale.
translations: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
	  --project Neighborhood -o neighborhood/translations/messages.pot .
	$(BIN)/pybabel update -i neighborhood/translations/messages.pot \
	  -d neighborhood/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d neighborhood/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis .coverage
