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
import json
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
ARTIFACTS = ROOT / "artifacts"


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


SLIDES_PER_LESSON = (15, 30)  # a 90-minute lesson
SLIDES_SHORT = (5, 10)  # notebook 05, a 9-minute notebook


def _chosen(notebook: Path) -> int:
    nb = nbformat.read(notebook, as_version=4)
    return sum(bs.LECTURE in c.metadata for c in nb.cells)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_deck_has_one_slide_per_chosen_cell(decks, notebook):
    chosen = _chosen(notebook)
    low, high = SLIDES_SHORT if notebook.name.startswith("05_") else SLIDES_PER_LESSON
    assert low <= chosen <= high, f"{notebook.name}: {chosen} slides, not {low}-{high}"
    parser = _parse(decks[notebook])
    assert parser.depth == 0, "unbalanced <section> tags"
    # nbconvert wraps each slide in an outer <section> around one inner <section>
    assert parser.sections[1] == parser.sections[2] == chosen, (notebook.name, parser.sections)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_prose_goes_to_the_speaker_notes(notebook):
    """Every paragraph of the lesson reaches the teacher: each Markdown cell of the
    lesson's body is a notes cell of the deck (a chosen cell, without its heading)."""
    nb = nbformat.read(notebook, as_version=4)
    notes = {c.source for c in bs.deck_notebook(nb).cells
             if c.metadata["slideshow"]["slide_type"] == "notes"}
    lost = [c.get("id") for c, t in zip(nb.cells, bs.slide_types(nb))
            if c.cell_type == "markdown" and t in ("slide", "notes")
            and bs._without_headings(c.source) and
            (c.source if t == "notes" else bs._without_headings(c.source)) not in notes]
    assert not lost, f"{notebook.name}: prose of cells {lost} is in no speaker note"


NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?")


def _notebook_text(nb) -> str:
    """Every source and every text output of a notebook, as one string."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_number_on_a_slide_is_the_notebooks_own(notebook):
    """A number a slide shows (in its say or show text) stands in the notebook's sources
    or printed outputs, so a re-run that changes a result cannot leave a slide behind."""
    nb = nbformat.read(notebook, as_version=4)
    text = _notebook_text(nb)
    stray = {}
    for cell in nb.cells:
        lecture = cell.metadata.get(bs.LECTURE, {})
        shown = " ".join(str(lecture.get(k, "")) for k in ("title", "say", "show"))
        shown = re.sub(r"\$[^$]*\$|<[^>]*>|\]\([^)]*\)", " ", shown)  # math, tags, links
        missing = [n for n in NUMBER.findall(shown) if n.rstrip("%") not in text]
        if missing:
            stray[cell.get("id")] = missing
    assert not stray, f"{notebook.name}: numbers on slides found nowhere in the notebook: {stray}"


def _cell(kind, source, lecture=None, outputs=()):
    cell = (nbformat.v4.new_markdown_cell(source) if kind == "markdown"
            else nbformat.v4.new_code_cell(source, outputs=list(outputs)))
    if lecture is not None:
        cell.metadata["lecture"] = lecture
    return cell


def test_a_chosen_cell_makes_a_slide_of_heading_words_and_one_thing():
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    text = nbformat.v4.new_output("stream", name="stdout", text="I = 0.614 nats\n")
    nb = nbformat.v4.new_notebook(cells=[
        _cell("markdown", "# The bound\n\nA long introduction.", {"say": "You learn it."}),
        _cell("markdown", "## Setup\n\nInstall."),
        _cell("code", "import numpy"),
        _cell("markdown", "## Mutual information\n\nProse.\n\n$$I = H - H$$",
              {"show": "$$I = H - H$$"}),
        _cell("code", "plot()", {"title": "Q climbs"}, [text, png]),
        _cell("markdown", "Why it climbs."),
        _cell("code", "def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    return x\n"
                      "    ### END SOLUTION", {"title": "You write f", "show": "code"}),
        _cell("code", "check(f)", {"title": "The check", "show": "output"}, [text, png]),
        _cell("markdown", "<details><summary>Solution</summary>x</details>"),
    ])
    assert bs.slide_types(nb) == ["slide", "skip", "skip", "slide", "slide", "notes", "slide",
                                  "slide", "skip"]
    deck = bs.deck_notebook(nb).cells
    shown = [(c.cell_type, c.metadata["slideshow"]["slide_type"], c.source) for c in deck]
    assert shown[:6] == [
        ("markdown", "slide", "# The bound\n\nYou learn it."),
        ("markdown", "notes", "A long introduction."),
        ("markdown", "slide", "## Mutual information\n\n$$I = H - H$$"),
        ("markdown", "notes", "Prose.\n\n$$I = H - H$$"),
        ("markdown", "slide", "## Q climbs"),
        ("code", "-", "plot()"),
    ]
    figure, code, output = deck[5], deck[8], deck[10]
    assert [list(o.get("data", {})) for o in figure.outputs] == [["image/png"]]
    assert not figure.metadata["slide_input"]
    # the prose just before a code slide is that slide's note (it introduces it)
    assert shown[6:9] == [("markdown", "slide", "## You write f"),
                          ("markdown", "notes", "Why it climbs."), ("code", "-", code.source)]
    assert code.metadata["slide_input"] and not code.outputs
    assert "return x" not in code.source and bs.CODE_STUB in code.source
    assert [o.output_type for o in output.outputs] == ["stream"]


@pytest.mark.parametrize("lecture, message", [
    ({"title": "A table", "show": "table"}, "lecture.show must be one of"),
    ({}, "needs a title"),
])
def test_a_code_slide_without_a_title_or_with_an_unknown_show_is_refused(lecture, message):
    nb = nbformat.v4.new_notebook(cells=[_cell("code", "x = 1", lecture)])
    with pytest.raises(bs.LectureError, match=message):
        bs.deck_notebook(nb)


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


def _require_chromium():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install it with scripts/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return pytest.importorskip("playwright.sync_api")


@pytest.mark.browser
def test_every_slide_of_every_deck_fits_a_lecture_hall(decks):
    """Walk every slide of every deck in Chromium at 1280 x 720, from file:// with the
    network cut off: at most 10% of a deck's slides over 40 visible words and none over 60,
    no text under 24 px, nothing sticking out of the slide, code blocks of 15 lines or
    fewer; reveal.js starts, MathJax typesets, and nothing is asked of the network."""
    sync_api = _require_chromium()
    report, remote, errors = {}, [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for notebook, deck in decks.items():
                page = bs.open_deck(browser, deck, remote, errors)
                report[notebook.name] = bs.walk(page)
                page.close()
        finally:
            browser.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "slides_walk.json").write_text(json.dumps(report, indent=1) + "\n")
    assert not remote, f"the decks asked the network for {remote}"
    assert not errors, errors
    for name, slides in report.items():
        assert len(slides) == _chosen(ROOT / "notebooks" / name)
        wordy = [(s["index"], s["words"]) for s in slides if s["words"] > bs.MAX_WORDS]
        assert len(wordy) <= 0.1 * len(slides), f"{name}: slides over {bs.MAX_WORDS} words: {wordy}"
        unfit = {s["index"]: bs.problems(s) for s in slides if bs.problems(s)}
        assert not unfit, f"{name}: {unfit} (see artifacts/slides_walk.json)"
        assert all(s["min_font"] is not None for s in slides), f"{name}: an empty slide"


@pytest.mark.browser
def test_the_speaker_view_opens_with_the_slides_notes(decks):
    """S opens reveal.js's speaker view in its own window, offline, showing the notes of
    the current slide: the teacher reads the prose, the room sees the slide."""
    sync_api = _require_chromium()
    deck = decks[NOTEBOOKS[0]]
    remote, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = bs.open_deck(browser, deck, remote, errors)
            page.evaluate(f"{bs.REVEAL_JS}.slide(1, 0)")
            expected = page.evaluate(f"{bs.REVEAL_JS}.getCurrentSlide()"
                                     ".querySelector('aside.notes').textContent")
            with page.expect_popup() as popup:
                page.keyboard.press("s")
            view = popup.value
            value = ".speaker-controls-notes .value"
            view.wait_for_function(f"document.querySelector('{value}') && "
                                   f"document.querySelector('{value}').textContent.trim()",
                                   timeout=30_000)
            shown = view.evaluate(f"document.querySelector('{value}').textContent")
        finally:
            browser.close()
    first_words = " ".join(expected.split()[:6])
    assert len(expected.split()) > 20 and first_words in " ".join(shown.split()), (expected[:200], shown[:200])
    assert not remote and not errors, (remote, errors)
