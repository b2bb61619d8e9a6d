"""environment.yml stays consistent with pyproject.toml, the single source of dependencies."""

import re
from pathlib import Path

import tomllib
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_installs_this_project_with_existing_extras():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    version = python.split("=", 1)[1]
    assert version in SpecifierSet(_pyproject()["project"]["requires-python"])
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    (line,) = pip  # thin: every dependency comes from pyproject.toml
    m = re.fullmatch(r"-e \.\[([a-z,]+)\]", line)
    assert m, line
    extras = set(_pyproject()["project"]["optional-dependencies"])
    assert set(m.group(1).split(",")) <= extras
    # no conda package duplicates (and could drift from) a pyproject dependency
    names = {re.split(r"[=<>!]", d)[0] for d in deps if isinstance(d, str)}
    assert names == {"python", "pip"}


def test_dependencies_are_bounded_ranges():
    for dep in _pyproject()["project"]["dependencies"]:
        assert re.search(r"[<>=~]", dep), f"{dep} has no version range"
    torch = next(d for d in _pyproject()["project"]["dependencies"] if d.startswith("torch"))
    assert "<" in torch, "an open torch range can pull an untested major release"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make demo" in readme
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands[-1] == "make test", "CI's last command is the README's test command"
    # before it, only the installation of Chromium for the browser tier (tests/browser)
    assert all(("chromium" in c and "apt-get" in c) or c in ("fi",) for c in commands[:-1]), commands
