#!/usr/bin/env python
"""Execute the notebooks at a preset: python tools/run_notebooks.py --preset smoke|paper [--only NAME ...].

For each notebook ``notebooks/NAME.py`` (a jupytext percent file; sorted by name):

1. jupytext converts it to ``BUILD/notebooks/NAME.ipynb`` (unpaired: the ``formats`` pairing is dropped);
2. papermill executes that copy into ``BUILD/executed/PRESET/NAME.ipynb`` with the parameters of
   ``params/PRESET/NAME.yaml``, kernel ``python3``, cwd ``notebooks/`` (so the notebooks' relative
   ``cache_dir`` and ``out_dir`` land in ``results/`` and ``figures/``); the claim verdicts its cells
   print go to ``BUILD/executed/PRESET/NAME.verdicts.json`` (the gallery's index reads them).

Nothing is written next to the ``.py`` sources. A key in the params file that the notebook does not
declare fails that notebook (papermill itself only warns). A failing notebook does not stop the others.
Exit status: 0 all ran, 1 some failed, 2 bad arguments (unknown preset or notebook).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PARAMS = ROOT / "params"
JUPYTEXT_HEADER = "# ---\n# jupyter:\n"  # the same test as notebooks/conftest.py
VERDICTS_ENV = "W2S_VERDICTS"  # w2s_lib.reference.VERDICTS_ENV (this script imports nothing of w2s_lib)


def notebook_names() -> list[str]:
    names = []
    for p in sorted(NOTEBOOKS.glob("*.py")):
        if p.name != "conftest.py" and p.read_text(encoding="utf-8").startswith(JUPYTEXT_HEADER):
            names.append(p.stem)
    return names


def presets() -> list[str]:
    return sorted(p.name for p in PARAMS.iterdir() if p.is_dir()) if PARAMS.is_dir() else []


def usage_error(msg: str) -> int:
    print(f"run_notebooks.py: error: {msg}", file=sys.stderr)
    return 2


def convert(name: str, build: Path) -> Path:
    """notebooks/NAME.py -> BUILD/notebooks/NAME.ipynb, without the pairing to the .py."""
    import jupytext

    nb = jupytext.read(NOTEBOOKS / f"{name}.py")
    nb.metadata.get("jupytext", {}).pop("formats", None)
    out = build / "notebooks" / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(nb, out, fmt="ipynb")
    return out


def run_one(name: str, preset: str, build: Path, kernel: str) -> Path:
    import papermill
    import yaml  # a dependency of papermill (and of w2s)

    params = yaml.safe_load((PARAMS / preset / f"{name}.yaml").read_text(encoding="utf-8")) or {}
    src = convert(name, build)
    unknown = sorted(set(params) - set(papermill.inspect_notebook(str(src))))
    if unknown:
        raise ValueError(f"params/{preset}/{name}.yaml sets undeclared parameter(s): {', '.join(unknown)}")
    out = build / "executed" / preset / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    # the claim verdicts its "ours vs the paper" cells print, for the gallery (w2s_lib.reference.versus)
    verdicts = out.with_suffix(".verdicts.json")
    verdicts.unlink(missing_ok=True)
    os.environ[VERDICTS_ENV] = str(verdicts)
    try:
        papermill.execute_notebook(
            str(src), str(out), parameters=params, kernel_name=kernel, cwd=str(NOTEBOOKS), progress_bar=False
        )
    finally:
        del os.environ[VERDICTS_ENV]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", required=True, help="parameter set: a folder of params/ (smoke, paper)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these notebooks (default: all)")
    ap.add_argument("--build", default="build", help="output folder (default: build)")
    ap.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3)")
    args = ap.parse_args(argv)

    valid_presets, names = presets(), notebook_names()
    if args.preset not in valid_presets:
        return usage_error(f"unknown preset {args.preset!r}; valid: {', '.join(valid_presets)}")
    if args.only:
        wanted = [n[:-3] if n.endswith(".py") else n for n in args.only]
        bad = [n for n in wanted if n not in names]
        if bad:
            return usage_error(f"unknown notebook(s) {', '.join(bad)}; valid: {', '.join(names)}")
        names = [n for n in names if n in wanted]
    missing = [f"params/{args.preset}/{n}.yaml" for n in names if not (PARAMS / args.preset / f"{n}.yaml").is_file()]
    if missing:
        return usage_error(f"missing parameter file(s): {', '.join(missing)}")

    build = Path(args.build).resolve()
    failed = []
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name} ...", end=" ", flush=True)
        t = time.perf_counter()
        try:
            out = run_one(name, args.preset, build, args.kernel)
        except Exception as e:  # papermill's execution error, a bad params file, a missing kernel
            failed.append(name)
            msg = str(e).strip().splitlines()[-1] if str(e).strip() else ""
            print(f"FAILED ({time.perf_counter() - t:.1f} s): {type(e).__name__}: {msg}", flush=True)
            out = build / "executed" / args.preset / f"{name}.ipynb"
            if out.exists():
                print(f"    see {out}", flush=True)
        else:
            print(f"ok ({time.perf_counter() - t:.1f} s)", flush=True)
    if failed:
        print(f"{len(failed)} of {len(names)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"executed notebooks in {build / 'executed' / args.preset}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
