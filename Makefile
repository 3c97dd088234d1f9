# mlmcourse: two commands.
#   make lab    set up .venv (if missing) and open the course in JupyterLab
#   make test   set up .venv (if missing) and run every test offline: unit tests + notebooks (smoke mode, nbval)
VENV      ?= .venv
PY        := $(VENV)/bin/python
OFFLINE   := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
NBVAL     := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
NB        ?= notebooks
BENCH     ?= all

.PHONY: setup lab test unit nbtest notebooks bench lint clean student

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

# Execute every notebook at full size and store its outputs (minutes per notebook on a laptop CPU).
notebooks: setup
	$(PY) scripts/run_notebooks.py $(NB)

# Student copies for a workshop: exercise outputs cleared, solutions removed (docs/teaching.md). Standard library only.
student:
	python3 scripts/make_student.py --out build/student

bench: setup
	$(OFFLINE) $(VENV)/bin/mlmcourse bench $(BENCH) --json

lint: setup
	$(VENV)/bin/ruff check mlmcourse tests

clean:
	rm -rf $(VENV) .pytest_cache
