# mlmcourse: two commands.
#   make lab    set up .venv (if missing) and open the course in JupyterLab
#   make test   set up .venv (if missing) and run every test offline: unit tests + notebooks (smoke mode, nbval)
VENV      ?= .venv
PY        := $(VENV)/bin/python
OFFLINE   := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
NBVAL     := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
NB        ?= notebooks
BENCH     ?= all

.PHONY: setup lab test unit nbtest e2e notebooks bench lint clean student lock wheelhouse

setup:
	@bash scripts/setup_venv.sh

# Jupyter refuses to run as root unless told (containers, Colab-like VMs): pass --allow-root only then.
lab: setup
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS)

test: setup
	$(OFFLINE) MLMCOURSE_SMOKE=1 PYTHONWARNINGS=ignore $(PY) -m pytest tests notebooks $(NBVAL) -p no:cacheprovider

# Only the unit tests (fast), or only some notebooks: make nbtest NB=notebooks/01_corpus.ipynb
unit: setup
	$(OFFLINE) $(PY) -m pytest tests -q

nbtest: setup
	$(OFFLINE) MLMCOURSE_SMOKE=1 PYTHONWARNINGS=ignore $(PY) -m pytest $(NB) $(NBVAL)

# The six widgets in a real browser: each widget notebook runs in JupyterLab (smoke mode) and is driven through
# Debian's chromium by Playwright (never a downloaded browser: `apt-get install chromium`); a screenshot per step in
# build/e2e/. A few minutes. Not part of `make test` (file names e2e_*.py). Only one: make e2e E2E_ARGS="-k dashboard"
e2e: setup
	$(OFFLINE) MLMCOURSE_SMOKE=1 PYTHONWARNINGS=ignore $(PY) -m pytest tests/e2e -o python_files='e2e_*.py' \
		-p no:cacheprovider -v $(E2E_ARGS)

# Execute every notebook at full size and store its outputs (minutes per notebook on a laptop CPU).
notebooks: setup
	$(PY) scripts/run_notebooks.py $(NB)

# Refresh requirements/constraints.txt (the tested versions every install uses) from .venv: after upgrading, e.g.
#   .venv/bin/pip install -U transformers && make lock && make test
lock:
	$(PY) scripts/lock.py

# Wheels for a room without network (docs/teaching.md): run on a machine with network and the room's OS and
# Python; add TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu for machines without NVIDIA GPUs. Then, offline,
# on each machine: WHEELHOUSE=wheelhouse make test
WHEELHOUSE_DIR ?= wheelhouse
TORCH_LOCKED   := $(shell sed -n 's/^torch==//p' requirements/constraints.txt)
wheelhouse:
	python3 -m pip download -d $(WHEELHOUSE_DIR) "torch==$(TORCH_LOCKED)" $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL),)
	python3 -m pip wheel -w $(WHEELHOUSE_DIR) --find-links $(WHEELHOUSE_DIR) -c requirements/constraints.txt ".[dev]" "setuptools>=68"

# Student copies for a workshop: exercise outputs cleared, solutions removed (docs/teaching.md). Standard library only.
student:
	python3 scripts/make_student.py --out build/student

bench: setup
	$(OFFLINE) $(VENV)/bin/mlmcourse bench $(BENCH) --json

lint: setup
	$(VENV)/bin/ruff check mlmcourse tests

clean:
	rm -rf $(VENV) .pytest_cache
