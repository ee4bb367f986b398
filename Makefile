# The README's two commands are `make demo` and `make test`; .ci/run runs both.
PYTHON ?= python
DEMO_CONFIG := examples/papersync.yaml

.PHONY: install demo test lint bench

install:
	$(PYTHON) -m pip install -q -e '.[dev]'

demo:
	$(PYTHON) -m papersync catalog import examples/catalog.jsonl --config $(DEMO_CONFIG)
	$(PYTHON) -m papersync sync --offline --config $(DEMO_CONFIG)
	$(PYTHON) -m papersync zotero push --dry-run --config $(DEMO_CONFIG)

test:
	$(PYTHON) -m pytest -q

lint:
	ruff check src tests benchmarks
	mypy

bench:
	$(PYTHON) benchmarks/parse.py
	$(PYTHON) benchmarks/catalog.py
	$(PYTHON) benchmarks/eval_seeds.py
	$(PYTHON) benchmarks/sync.py
