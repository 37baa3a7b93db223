"""The lecture slides: scripts/build_slides.py builds one offline reveal.js deck per notebook.

Builds all five decks once into a temporary folder (reveal.js, MathJax, require.js and
jQuery come from the npm registry, or npm's cache), then checks that each deck has one
<section> per slide and subslide cell, that every script, style sheet, image and font it
loads is a local file that exists (no http(s) URL), that the pinned reveal.js and MathJax
majors are the ones nbconvert's template expects, and that the notebooks' slideshow
metadata is what `build_slides.py --mark` sets. A browser test opens one deck in Chromium
with the network cut off and checks that reveal.js starts and MathJax typesets.
Skipped when npm is missing (or fails when the environment variable CI is set).
"""

import importlib.util
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_slides.py"
CHROMIUM = Path("/usr/bin/chromium")


def _load_build_slides():
    spec = importlib.util.spec_from_file_location("build_slides", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bs = _load_build_slides()
NOTEBOOKS = bs.DEFAULT_NOTEBOOKS


def _require_npm():
    if shutil.which("npm") is None:
        reason = "npm is missing: the decks' offline reveal.js and MathJax come from npm"
        if os.environ.get("CI"):
            pytest.fail(f"CI must build the slides: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    _require_npm()
    out = tmp_path_factory.mktemp("slides")
    return dict(zip(NOTEBOOKS, bs.build(NOTEBOOKS, out)))


class _DeckParser(HTMLParser):
    """Counts <section> by depth and collects every URL the page loads."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.sections = {1: 0, 2: 0}
        self.loads = []  # (tag, url)
        self._in_module_script = False
        self.module_imports = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.depth += 1
            self.sections[self.depth] = self.sections.get(self.depth, 0) + 1
        if tag in ("script", "img", "iframe", "video", "audio", "source") and attrs.get("src"):
            self.loads.append((tag, attrs["src"]))
        if tag == "link" and attrs.get("href"):
            self.loads.append((tag, attrs["href"]))
        self._in_module_script = tag == "script" and attrs.get("type") == "module"

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1
        if tag == "script":
            self._in_module_script = False

    def handle_data(self, data):
        if self._in_module_script:
            self.module_imports += re.findall(r"""import\s[^'"]*['"]([^'"]+)['"]""", data)


def _parse(deck: Path) -> _DeckParser:
    parser = _DeckParser()
    parser.feed(deck.read_text(encoding="utf-8"))
    return parser


def _is_remote(url: str) -> bool:
    return urlparse(url).scheme in ("http", "https") or url.startswith("//")


def _slide_cells(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    types = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
    return types.count("slide"), types.count("subslide")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_deck_has_its_slides(decks, notebook):
    slides, subslides = _slide_cells(notebook)
    assert slides >= 5, f"{notebook.name}: only {slides} cells start a slide"
    parser = _parse(decks[notebook])
    assert parser.depth == 0, "unbalanced <section> tags"
    # nbconvert wraps each slide in an outer <section> holding its vertical subslides,
    # each an inner <section> (a slide's own first page is one of them)
    assert parser.sections[1] == slides, (notebook.name, parser.sections, slides)
    assert parser.sections[2] == slides + subslides, (notebook.name, parser.sections, subslides)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_deck_loads_only_local_files(decks, notebook):
    deck = decks[notebook]
    parser = _parse(deck)
    assert not parser.module_imports, f"module imports {parser.module_imports}"
    remote = [url for _, url in parser.loads if _is_remote(url)]
    assert not remote, f"{deck.name} loads {remote}"
    local = [url for _, url in parser.loads if not url.startswith("data:")]
    # the deck needs reveal.js (style, theme), require.js, jQuery and MathJax
    for needed in (bs.REVEAL_PREFIX + "/dist/reveal.css", bs.REQUIRE_JS_URL, bs.JQUERY_URL,
                   bs.MATHJAX_URL):
        assert needed in local, f"{deck.name} does not load {needed}"
    html = deck.read_text(encoding="utf-8")
    # require.js loads these two by name, from the footer script
    for module in ("/dist/reveal.js", "/plugin/notes/notes.js"):
        assert f'"{bs.REVEAL_PREFIX}{module}"' in html
        local.append(bs.REVEAL_PREFIX + module)
    for url in local:
        path = deck.parent / unquote(urlparse(url).path)
        assert path.is_file(), f"{deck.name} references {url}, which is missing"
        if path.suffix == ".css":
            css = path.read_text(encoding="utf-8", errors="replace")
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), f"{url} fetches remotely"


def test_pinned_versions_match_nbconvert(decks):
    from jupyter_core.paths import jupyter_path

    templates = [Path(p) / "reveal" / "index.html.j2" for p in jupyter_path("nbconvert", "templates")]
    template = next(p for p in templates if p.exists()).read_text()
    expected_reveal = re.search(r"reveal\.js@(\d+)\.", template).group(1)
    assert bs.VENDOR["reveal.js"][0].split(".")[0] == expected_reveal
    assert "MathJax.Hub" in template  # the template drives the MathJax 2 API
    assert bs.VENDOR["mathjax"][0].startswith("2.")
    vendor = next(iter(decks.values())).parent / bs.VENDOR_DIR
    assert f'VERSION:"{bs.VENDOR["reveal.js"][0]}"' in (vendor / "reveal.js/dist/reveal.js").read_text()
    assert 'version:"2.7.7"' in (vendor / "mathjax/MathJax.js").read_text().replace(" ", "")


def test_slideshow_metadata_is_current():
    """Every cell carries the slide type the rules give it (new cells included)."""
    stale = {}
    for notebook in NOTEBOOKS:
        nb = nbformat.read(notebook, as_version=4)
        for cell, expected in zip(nb.cells, bs.slide_types(nb)):
            if cell.metadata.get("slideshow", {}).get("slide_type") != expected:
                stale.setdefault(notebook.name, []).append(cell.get("id"))
    assert not stale, (
        f"cells without their slide type: {stale}; run "
        "`.venv/bin/python scripts/build_slides.py --mark` (under the notebooks lock)"
    )


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(bs.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="npm was not found"):
        bs.ensure_vendor(tmp_path)


@pytest.mark.browser
def test_deck_runs_offline_in_chromium(decks):
    """Open deck 01 from file:// with every non-file request aborted: reveal.js starts,
    MathJax typesets, and the page asked for nothing on the network."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install it with scripts/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    deck = decks[NOTEBOOKS[0]]
    remote, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.route(re.compile(r"^(?!file:|data:)"), lambda route: (remote.append(route.request.url), route.abort()))
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(deck.as_uri())
            reveal = f"require('{bs.REVEAL_PREFIX}/dist/reveal.js')"
            page.wait_for_function(
                f"window.require && require.defined('{bs.REVEAL_PREFIX}/dist/reveal.js') && {reveal}.isReady()",
                timeout=30_000,
            )
            page.wait_for_function("document.querySelectorAll('mjx-container, .MathJax_CHTML').length > 0",
                                   timeout=30_000)
            total = page.evaluate(f"{reveal}.getTotalSlides()")
        finally:
            browser.close()
    slides, subslides = _slide_cells(NOTEBOOKS[0])
    assert total == slides + subslides
    assert not remote, f"the deck asked the network for {remote}"
    assert not errors, errors
