# Two commands on a fresh machine: `make run` (the app on the embedded store with the bundled
# dataset) and `make test` (the whole suite, with a real Neo4j started when Java and Maven exist).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Loopback only by default: `make run HOST=0.0.0.0` to serve other machines (log in to write; README, Security).
HOST ?= 127.0.0.1
# One upload limit (whole MB) for the app and for Streamlit's server: make run CHAINGRAPH_MAX_UPLOAD_MB=100
CHAINGRAPH_MAX_UPLOAD_MB ?= 50
export CHAINGRAPH_MAX_UPLOAD_MB
export STREAMLIT_SERVER_MAX_UPLOAD_SIZE = $(CHAINGRAPH_MAX_UPLOAD_MB)

.PHONY: install run test clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: install
	$(VENV)/bin/streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true

test: install
	bash ci/neo4j/with-neo4j.sh $(PY) -m pytest tests

clean:
	rm -rf $(VENV) .chaingraph ci/neo4j/target static/lightview-cache
