# The README's two commands are `make demo` and `make test`; .ci/run runs both.
PYTHON ?= python
DEMO_CONFIG := examples/papersync.yaml

.PHONY: install demo test lint bench

install:
	$(PYTHON) -m pip install -q -e '.[dev]'

# Exit code 3 from sync means "done, but some mentions await `papersync review`" — expected
# here: the demo log cites GAN by its NeurIPS title, which arXiv spells differently.
demo:
	$(PYTHON) -m papersync catalog import examples/catalog.jsonl --config $(DEMO_CONFIG)
	$(PYTHON) -m papersync catalog import examples/library.bib --config $(DEMO_CONFIG)
	$(PYTHON) -m papersync sync --offline --config $(DEMO_CONFIG) || test $$? -eq 3
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
