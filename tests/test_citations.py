"""Every citation in the repository resolves inside it.

Code, tests and docs once cited notes kept outside the repository (PEERS.md, PAPER.md, STYLE.md,
ARCHITECTURE.md under ../shared). A reader of the repository cannot follow those: differences from the
reference code are cited as ``docs/reference_differences.md §N``, the paper by section and page, and the
notebook conventions as CONTRIBUTING.md's "Notebook conventions".
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIFFERENCES = "docs/reference_differences.md"
# documents that are not in the repository, and paths that lead out of it
OUTSIDE = re.compile(r"PEERS\.md|PAPER\.md|STYLE\.md|ARCHITECTURE\.md|\.\./shared\b")
CITED_SECTION = re.compile(re.escape(DIFFERENCES) + r"((?:,? ?§\d+)+)")
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".txt", ".ini", ".json", ".sh", ".rst", ""}


def _tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in out.decode().split("\0"):
        path = ROOT / name
        if name and path.suffix in TEXT_SUFFIXES and path.is_file() and path.name != "Makefile.lock":
            files.append(path)
    # this file names the outside documents on purpose
    return [p for p in files if p != Path(__file__).resolve()]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def test_there_are_tracked_files_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in _tracked_text_files()}
    assert {"w2s_lib/models/classifier.py", "README.md", DIFFERENCES} <= names


def test_no_citation_points_outside_the_repository():
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
        for path in _tracked_text_files()
        for n, line in enumerate(_read(path).splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "citations of documents outside the repository:\n" + "\n".join(hits)


def _sections() -> set[int]:
    text = (ROOT / DIFFERENCES).read_text(encoding="utf-8")
    return {int(n) for n in re.findall(r"^## §(\d+) \S", text, re.M)}


def test_reference_differences_are_numbered_in_order_with_what_why_and_tests():
    text = (ROOT / DIFFERENCES).read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r"^## §(\d+) ", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    for body in re.split(r"^## §\d+ .*$", text, flags=re.M)[1:]:
        assert "**Reference code:**" in body and "**Ours:**" in body and "**Tests:**" in body, body[:200]


def test_every_cited_section_exists():
    sections = _sections()
    cited = {
        f"{path.relative_to(ROOT)}: §{n}"
        for path in _tracked_text_files()
        for group in CITED_SECTION.findall(_read(path))
        for n in re.findall(r"§(\d+)", group)
        if int(n) not in sections
    }
    assert not cited, f"cited but not in {DIFFERENCES}: {sorted(cited)}"


def test_the_tests_a_difference_names_exist():
    text = (ROOT / DIFFERENCES).read_text(encoding="utf-8")
    missing = []
    for block in re.findall(r"\*\*Tests:\*\*(.*?)(?=\n## |\Z)", text, re.S):
        current = None
        for ref in re.findall(r"`([\w/]*tests/[\w/]*\w+\.py)?::(\w+)`", block):
            current = ref[0] or current
            source = _read(ROOT / current) if current else ""
            if not re.search(rf"^(?:async )?def {ref[1]}\(", source, re.M):
                missing.append(f"{current}::{ref[1]}")
    assert not missing, f"{DIFFERENCES} names tests that do not exist: {missing}"


def test_the_notebook_tests_cite_contributings_section():
    assert "## Notebook conventions" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert 'CONTRIBUTING.md, "Notebook conventions"' in (ROOT / "tests" / "test_notebooks.py").read_text()
