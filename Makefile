# Two entry points for a newcomer: `make demo` and `make test`. Both create .venv/ when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve-demo test test-slow test-all test-postgres clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,lti]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m grader.demo

# the demo course, built afresh and served on http://127.0.0.1:8000 with sign-in links printed (Ctrl-C stops it)
serve-demo: $(STAMP)
	$(BIN)/python -m grader serve --demo

test: $(STAMP)
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

test-all: $(STAMP)
	$(BIN)/python -m pytest -m 'slow or not slow'

# the tests marked postgres, on a throwaway PostgreSQL server (.ci/with-postgres installs Debian's when root)
test-postgres: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	.ci/with-postgres $(BIN)/python -m pytest -m postgres

clean:
	rm -rf $(VENV) build *.egg-info
