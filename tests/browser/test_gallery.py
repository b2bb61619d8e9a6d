"""The gallery (``make gallery``) as a reader opens it from disk: every page loads cleanly, every image shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT

SITE = Path(os.environ.get("W2S_GALLERY", ROOT / "build" / "gallery" / "html"))
PAGES = (
    sorted(p for p in SITE.rglob("*.html") if p.name not in ("search.html", "genindex.html")) if SITE.is_dir() else []
)


def test_the_gallery_is_built():
    if not SITE.is_dir():
        pytest.skip(f"no gallery at {SITE}: make gallery (make test-browser builds it at the smoke preset)")
    index = (SITE / "index.html").read_text()
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py") if p.name != "conftest.py")
    missing = [n for n in notebooks if f"notebooks/{n}.html" not in index]
    assert not missing, f"the index has no card for {missing}"
    assert {p.stem for p in (SITE / "notebooks").glob("*.html")} >= set(notebooks)


@pytest.mark.parametrize("path", PAGES, ids=[str(p.relative_to(SITE)) for p in PAGES])
def test_every_page_loads_with_no_console_error_and_every_image_loaded(page, path):
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth])")
    broken = [src for src, width in images if not width]
    assert not broken, f"images that did not load: {broken[:5]}"
    assert not page.errors, page.errors[:3]
