# Quick start: `make demo` runs the main job, `make test` the whole test suite. Both create (or reuse) the
# virtual environment .venv first; nothing else is needed beyond Python 3.10+ and the package index.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch, so that a laptop or CI machine does not download a multi-GB CUDA build.
# GPU machines: make TORCH_INDEX=https://download.pytorch.org/whl/cu128 (or install into your own env).
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
RESULTS ?= results

.PHONY: venv demo test test-fast clean-venv

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# torch alone from its index (its own dependencies come from PyPI with the project, next line)
	@$(PY) -c "import torch" 2>/dev/null || \
		$(PY) -m pip install --quiet --no-deps --retries 2 "$(TORCH_SPEC)" --index-url $(TORCH_INDEX)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# The main job: the smoke sweep (tiny offline models on a generated task, ~1 minute on 2 CPU cores).
demo: venv
	$(VENV)/bin/w2s sweep --preset smoke --out $(RESULTS)/smoke

test: venv
	$(PY) -m pytest -q tests/

clean-venv:
	rm -rf $(VENV)
