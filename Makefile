# Quickstart targets: `make run` (build tables from seeds/ and open the dashboard), `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data

.PHONY: run test install build clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(DATA)/facts.parquet: $(VENV)/.installed $(wildcard seeds/*)
	$(BIN)/antifraud build seeds --out $(DATA)

build: $(DATA)/facts.parquet

run: $(DATA)/facts.parquet
	ANTIFRAUD_DATA=$(DATA) $(BIN)/streamlit run dashboard.py \
	    --server.address 127.0.0.1 --server.port 8501

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DATA)/*.parquet
