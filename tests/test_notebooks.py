"""The notebook conventions (CONTRIBUTING.md, "Notebook conventions"), checked on every ``notebooks/*.py``,
plus one papermill smoke run.

Everything here but the papermill run and the collection check is static (no kernel): jupytext round
trip, the ``parameters`` cell, the preset files, thin notebooks (no classes, functions or training
loops), the markdown frame of figure notebooks, the nbval sanitizers, and run_notebooks.py's usage errors.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import jupytext
import pytest
import yaml

from w2s_lib.core.cache import RESULTS_ENV, results_dir
from w2s_lib.data.registry import TASK_LISTS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
JUPYTEXT_HEADER = "# ---\n# jupyter:\n"
TYPES = {"int": int, "float": (int, float), "str": str, "bool": bool, "list": list, "dict": dict}
# notebooks that tests/ runs end to end with papermill at the smoke preset (each must take < 30 s)
PAPERMILL_SMOKE = ["example_protocol"]


def _notebooks() -> list[Path]:
    return [
        p
        for p in sorted(NOTEBOOKS.glob("*.py"))
        if p.name != "conftest.py" and p.read_text(encoding="utf-8").startswith(JUPYTEXT_HEADER)
    ]


NBS = _notebooks()
nb_param = pytest.mark.parametrize("path", NBS, ids=[p.stem for p in NBS])


def _parameters_cell(nb):
    return [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]


def _parameters(path: Path) -> dict:
    """name -> (annotation, default, help) of the parameters cell, checking its line format."""
    (cell,) = _parameters_cell(jupytext.read(path))
    tree = ast.parse(cell.source)
    comments = {
        tok.start[0]: tok.string
        for tok in tokenize.generate_tokens(io.StringIO(cell.source).readline)
        if tok.type == tokenize.COMMENT
    }
    params, lines = {}, set()
    for stmt in tree.body:
        where = f"{path.name}: {ast.get_source_segment(cell.source, stmt)!r}"
        assert isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name), (
            f"{where}: not `name: type = value`"
        )
        assert stmt.value is not None, f"{where}: no default"
        assert stmt.lineno == stmt.end_lineno and stmt.lineno not in lines, f"{where}: one parameter per line"
        lines.add(stmt.lineno)
        assert isinstance(stmt.annotation, ast.Name) and stmt.annotation.id in TYPES, (
            f"{where}: type not in {list(TYPES)}"
        )
        try:
            value = ast.literal_eval(stmt.value)
        except ValueError:
            pytest.fail(f"{where}: the default is not a literal")
        assert isinstance(value, TYPES[stmt.annotation.id]), f"{where}: default does not match its type"
        comment = comments.get(stmt.lineno, "")
        assert re.fullmatch(r"#\s*\S.*", comment), f"{where}: no `# help` comment"
        params[stmt.target.id] = (stmt.annotation.id, value, comment.lstrip("# "))
    assert set(comments) == lines, f"{path.name}: comment lines in the parameters cell (help goes after its parameter)"
    return params


def test_there_are_notebooks():
    assert NBS, "no jupytext notebooks in notebooks/"


@nb_param
def test_round_trip_and_one_parameters_cell_first(path):
    text = path.read_text(encoding="utf-8")
    nb = jupytext.read(path)
    assert jupytext.writes(nb, fmt="py:percent") == text, (
        "not in canonical jupytext form: run `jupytext --to py:percent`"
    )
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = _parameters_cell(nb)
    assert len(tagged) == 1, f"{len(tagged)} cells tagged parameters"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code is tagged[0], "the parameters cell is not the first code cell"


@nb_param
def test_parameters_are_typed_literals_with_help(path, tmp_path):
    params = _parameters(path)
    assert {"cache_dir", "out_dir", "preset"} <= set(params)
    assert {"seed", "seeds"} & set(params), "every notebook takes its seed(s) as a parameter"
    # papermill reads the same names, types and help (papermill --help-notebook)
    import papermill

    ipynb = tmp_path / f"{path.stem}.ipynb"
    jupytext.write(jupytext.read(path), ipynb, fmt="ipynb")
    seen = papermill.inspect_notebook(str(ipynb))
    assert {k: (v["inferred_type_name"], v["help"]) for k, v in seen.items()} == {
        k: (t, h) for k, (t, _, h) in params.items()
    }


@nb_param
def test_preset_files_declare_known_parameters_and_smoke_is_the_default(path):
    params = _parameters(path)
    optional = [p for p in sorted(PARAMS.iterdir()) if p.is_dir() and p.name not in ("smoke", "paper")]
    for preset in ["smoke", "paper"] + [p.name for p in optional if (p / f"{path.stem}.yaml").is_file()]:
        f = PARAMS / preset / f"{path.stem}.yaml"
        assert f.is_file(), f"missing {f.relative_to(ROOT)}"
        values = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        unknown = set(values) - set(params)
        assert not unknown, f"{f.relative_to(ROOT)} sets undeclared parameters {sorted(unknown)} (papermill only warns)"
        for k, v in values.items():
            named_list = (
                k == "tasks" and isinstance(v, str) and v in TASK_LISTS
            )  # a spec reads a list's name (data.registry.TASK_LISTS)
            assert isinstance(v, TYPES[params[k][0]]) or named_list, (
                f"{f.relative_to(ROOT)}: {k}={v!r} is not a {params[k][0]}"
            )
    smoke = yaml.safe_load((PARAMS / "smoke" / f"{path.stem}.yaml").read_text(encoding="utf-8"))
    assert smoke == {k: v for k, (_, v, _) in params.items()}, "params/smoke must equal the notebook's defaults"


def _is_training_call(node) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr == "backward":
        return True
    owner = ast.unparse(node.func.value).lower()
    return node.func.attr in ("step", "zero_grad") and ("optim" in owner or owner == "opt")


@nb_param
def test_notebooks_are_thin(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))  # the .py is plain Python: jupytext comments out magics
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)), (
            f"{path.name}:{node.lineno}: `{node.name}` is defined in a notebook; put it in w2s_lib"
        )
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            calls = [n for stmt in node.body + node.orelse for n in ast.walk(stmt) if _is_training_call(n)]
            assert not calls, f"{path.name}:{node.lineno}: a training loop in a notebook; use w2s_lib.nlp.train"


@nb_param
def test_markdown_frame(path):
    nb = jupytext.read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and re.search(r"^# \S", first.source, re.M), "first cell: a markdown # title"
    if path.stem.startswith(("fig", "table")):
        assert re.search(r"\b(Fig(ure|\.)?|Table)\s*\d+", first.source), "first cell: cite the paper's figure/table"
        last_md = [c for c in nb.cells if c.cell_type == "markdown"][-1]
        headings = re.findall(r"^#+\s*(.*)$", last_md.source, re.M)
        assert any("ours vs the paper" in h.lower() for h in headings), (
            "last markdown cell: an 'Ours vs the paper' heading"
        )


def test_sanitizers_compile_and_apply():
    from nbval.plugin import get_sanitize_patterns

    cfg = (NOTEBOOKS / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    pairs = get_sanitize_patterns(cfg)
    assert len(pairs) == cfg.count("\nregex: ")
    subs = [(re.compile(r), rep) for r, rep in pairs]

    def clean(s):
        for r, rep in subs:
            s = r.sub(rep, s)
        return s

    cases = {
        "sweep:  50%|#####     | 2/4 [00:01<00:01,  1.23it/s]\rsweep: 100%|##########| 4/4 [00:02<00:00]\nnext": (
            "PROGRESS\nnext"
        ),
        "at 2026-01-31 12:34:56.789 and 2026-02-01": "at DATETIME and DATE",
        "took 12.3 s (450 ms), Wall time: 1.23 s": "took DURATION (DURATION), Wall time: DURATION",
        "4 runs: 1 supervisors, 1 ceilings, 2 students": "4 runs: 1 supervisors, 1 ceilings, 2 students",
        "<Foo object at 0x7f3a2c1d4e50>": "<Foo object at 0xADDRESS>",
        "wrote /tmp/pytest-of-me/pytest-3/test_x0/figures/a.json": "wrote TMPPATH",
        "weak_tiny-1_xent_s0_3f2a9c1b7e": "weak_tiny-1_xent_s0_HASH",
        "tensor([0.1], device='cuda:0')": "tensor([0.1], device='DEVICE')",
        "acc 0.6449999 lr 1.23456e-05 n 400 ver 2.13": "acc 0.64 lr 1.23e-05 n 400 ver 2.13",
        "peak 1.5 GiB": "peak SIZE",
    }
    for raw, want in cases.items():
        assert clean(raw) == want, raw


def test_python3_kernel_is_this_interpreter():
    """papermill's kernel_name="python3" must run this environment (jupyter_client swaps in sys.executable)."""
    from jupyter_client.manager import KernelManager

    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(cmd[0]).resolve() == Path(sys.executable).resolve(), cmd


def test_pytest_collects_notebooks_only_with_nbval():
    def collect(*args):
        r = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args, str(NOTEBOOKS)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        return [line for line in r.stdout.splitlines() if "::" in line]

    assert collect() == []
    items = collect("--nbval-lax")
    for path in NBS:
        n_code = sum(c.cell_type == "code" for c in jupytext.read(path).cells)
        assert sum(i.startswith(f"notebooks/{path.name}::Cell ") for i in items) == n_code


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", PAPERMILL_SMOKE)
def test_papermill_smoke(name, tmp_path, monkeypatch):
    """The parameter-injection path that nbval never takes: papermill with the smoke preset file."""
    import papermill

    monkeypatch.delenv(RESULTS_ENV, raising=False)  # the injected cache_dir, not a test session's folder

    src = tmp_path / f"{name}.ipynb"
    jupytext.write(jupytext.read(NOTEBOOKS / f"{name}.py"), src, fmt="ipynb")
    params = yaml.safe_load((PARAMS / "smoke" / f"{name}.yaml").read_text(encoding="utf-8"))
    params.update(cache_dir=str(tmp_path / "cache"), out_dir=str(tmp_path / "figures"))
    out = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(src), str(out), parameters=params, kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False
    )
    executed = json.loads(out.read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and str(tmp_path / "cache") in "".join(injected[0]["source"])
    assert any((tmp_path / "figures").rglob("*.json")), "the notebook wrote nothing to out_dir"
    assert any((tmp_path / "cache").iterdir()), "the notebook did not use cache_dir"


def _run_notebooks_module():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--preset", "huge"], "unknown preset 'huge'; valid: laptop, paper, smoke"),
        (["--preset", "smoke", "--only", "fig99"], "unknown notebook(s) fig99; valid: "),
    ],
)
def test_run_notebooks_usage_errors(argv, message, tmp_path, capsys):
    mod = _run_notebooks_module()
    assert mod.notebook_names() == [p.stem for p in NBS]
    assert mod.main([*argv, "--build", str(tmp_path / "build")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "build").exists()


@nb_param
def test_the_cache_goes_where_w2s_results_says(path):
    """Every notebook with a results cache routes it through cache.results_dir, right after its imports."""
    if "cache_dir" not in _parameters(path):
        pytest.skip("no results cache")
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "code"]
    first = cells[[i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])][0] + 1]
    assert "cache_dir = str(results_dir(cache_dir))" in first.source


def test_results_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    assert results_dir("../results/nlp") == Path("../results/nlp")
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    assert results_dir("../results/nlp") == tmp_path / "nlp"


# notebooks/conftest.py in a fresh interpreter: the results folder it gives the notebooks, and its file count
CONFTEST_RESULTS = (
    "import os, runpy; runpy.run_path('notebooks/conftest.py');"
    f"root = os.environ['{RESULTS_ENV}']; print(root, len(os.listdir(root)))"
)


def test_the_notebook_tier_starts_from_an_empty_results_folder(tmp_path):
    """A run cached in results/ by older code is never what nbval sees: each session gets a new folder."""
    code = CONFTEST_RESULTS
    env = {k: v for k, v in os.environ.items() if k not in (RESULTS_ENV, "W2S_NBVAL_RESULTS")}
    runs = [
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
        for _ in range(2)
    ]
    (a, n_a), (b, n_b) = (r.stdout.split() for r in runs)
    assert a != b and n_a == n_b == "0" and not Path(a).is_relative_to(ROOT)


def test_the_folder_make_test_keeps_for_the_gallery_is_emptied_first(tmp_path):
    """$W2S_NBVAL_RESULTS (make test's notebook tier): that folder, emptied at the start, kept after."""
    keep = tmp_path / "test-results"
    (keep / "old-run").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != RESULTS_ENV} | {"W2S_NBVAL_RESULTS": str(keep)}
    out = subprocess.run(
        [sys.executable, "-c", CONFTEST_RESULTS], cwd=ROOT, capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == [str(keep), "0"] and keep.is_dir()


def test_only_the_notebook_tier_sees_the_folder_to_keep(monkeypatch):
    sys.path.insert(0, str(ROOT / "tools"))
    import run_tests

    monkeypatch.setenv(run_tests.KEEP_RESULTS, "/somewhere")
    probe = [sys.executable, "-c", f"import os; print(os.environ.get('{run_tests.KEEP_RESULTS}'))"]
    assert run_tests.run(probe, "tests")[1] == "None"
    assert run_tests.run(probe, "notebooks")[1] == "/somewhere"


def _kernel_stderr(capfd, env: dict) -> str:
    from jupyter_client.manager import start_new_kernel

    capfd.readouterr()
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        kc.execute_interactive("1", timeout=60)
        km.interrupt_kernel()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return capfd.readouterr().err


@pytest.mark.slow
def test_kernels_start_without_warnings(capfd, tmp_path):
    """The test suites' kernels (IPYTHONDIR from testing.quiet_kernels) log nothing; a default one warns."""
    assert os.environ["IPYTHONDIR"].endswith("ipython")
    assert "without encryption" not in _kernel_stderr(capfd, dict(os.environ))
    loud = {**os.environ, "IPYTHONDIR": str(tmp_path)}
    assert "without encryption" in _kernel_stderr(capfd, loud)
