# Quick start: `make demo` runs the main job, `make test` the whole test suite. Both create (or reuse) the
# virtual environment .venv first; nothing else is needed beyond Python 3.10+ and the package index.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch and torchvision together from one index (torchvision is built for one torch release): the CPU
# builds, so that a laptop or CI machine does not download a multi-GB CUDA build.
# GPU machines: make TORCH_INDEX=https://download.pytorch.org/whl/cu128 (or install into your own env).
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
RESULTS ?= results
PRESET ?= smoke
NOTEBOOKS := $(filter-out notebooks/conftest.py,$(wildcard notebooks/*.py))
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg

.PHONY: venv demo smoke bench test test-notebooks notebooks figures clean-venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# torch and torchvision first, from their index (its +cpu/+cuXXX builds rank above PyPI's same
	@# release); PyPI serves what that index lacks. Then the project.
	@$(PY) -c "import torch, torchvision" 2>/dev/null || \
		$(PY) -m pip install --quiet --retries 2 $(TORCH_SPEC) --index-url $(TORCH_INDEX) \
			--extra-index-url https://pypi.org/simple
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# The main job: the offline demo (from-scratch supervisors, pretrained MiniLM students; 3 seeds).
demo: venv
	$(VENV)/bin/w2s sandbox --out figures/sandbox --cache $(RESULTS)/sandbox

# The tiny plumbing sweep of the CLI (random-init models on a generated task).
smoke: venv
	$(VENV)/bin/w2s sweep --preset smoke --out $(RESULTS)/smoke

# Throughput against the reference loop (CPU: tiny-3 on the smoke texts; CUDA: gpt2-large), the cost
# of the smoke sweep, of Table 3's models and probes, and of the chess notebooks' paper presets.
# Numbers and machines: benchmarks/README.md.
bench: venv
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_vision.py
	$(PY) benchmarks/bench_chess.py

# The library's tests, every notebook at its smoke defaults under nbval, then every notebook through
# papermill with params/smoke/ (the parameter-injection path nbval never takes; runs come from the cache).
test: venv
	$(PY) -m pytest -q tests/
	$(PY) -m pytest -q $(NBVAL) notebooks/
	$(PY) tools/run_notebooks.py --preset smoke

test-notebooks: venv
	$(PY) -m pytest -q $(NBVAL) notebooks/

# .ipynb copies next to the .py sources, for Jupyter without jupytext's contents manager (not tracked).
# --sync: the newer side wins, so edits made in the .ipynb flow back into the .py.
notebooks: venv
	$(VENV)/bin/jupytext --sync $(NOTEBOOKS)

# Every notebook at a preset through papermill (executed copies in build/executed/$(PRESET)/, never
# over the sources). PRESET=paper needs a GPU and the Hugging Face Hub.
figures: venv
	$(PY) tools/run_notebooks.py --preset $(PRESET)

clean-venv:
	rm -rf $(VENV)
