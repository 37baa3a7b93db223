"""Build one reveal.js slide deck per notebook that works offline, in a lecture hall.

    python scripts/build_slides.py                  # notebooks/01..06 -> slides/
    python scripts/build_slides.py --out DIR NB...  # chosen notebooks, another folder
    python scripts/build_slides.py --walk [--shots DIR]  # then measure every slide in Chromium
    python scripts/build_slides.py --mark           # (re)set the cells' slideshow metadata

Each deck is made by nbconvert's SlidesExporter (reveal.js). Every script and style sheet a
deck loads comes from slides/_vendor/, referenced by a relative path, so you can copy the
whole slides/ folder to a USB stick and present from file:// without internet:

- reveal.js 4.0.2: the version nbconvert's reveal template names in its CDN default
  (https://unpkg.com/reveal.js@4.0.2); the template calls reveal.js 4's API.
- MathJax 2.7.7: the template drives MathJax 2's API (MathJax.Hub), and nbconvert's default
  URL names 2.7.7. Only what the TeX-AMS_CHTML-full configuration needs is kept.
- require.js 2.1.10 (nbconvert's default version) and jQuery 2.2.4 (nbconvert names 2.0.3,
  which is not on npm; 2.2.4 is the last 2.x).

The packages come from the npm registry with `npm pack` (needs node and npm), once: the
integrity of each tarball is checked against the hash pinned below, and the unpacked
files are reused while slides/_vendor/versions.json names the same versions and files.

A deck is what a teacher projects in a lecture hall, not the notebook reflowed: one slide
per cell the teacher chose in the notebook (metadata.lecture, below), each a heading, a
few words and one figure, equation, table or short code block; the notebook's prose goes
into reveal.js's speaker notes (press S for the speaker view). Text is 24 px or more at
1280 x 720. `--walk` shows every slide in Chromium and prints its visible words, smallest
font, code lines and overflow (tests/test_slides.py asserts the limits); `--shots DIR`
also saves a screenshot of each.

The slide types Jupyter's own slideshow view reads (metadata.slideshow) are set from the
teacher's choice by `--mark`; run it after editing the notebooks; tests/test_slides.py
checks it.
"""
from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "slides"
DEFAULT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-9]_*.ipynb"))
VENDOR_DIR = "_vendor"  # inside the output folder

# npm package -> (version, integrity from the registry, paths kept from the tarball)
VENDOR = {
    "reveal.js": (
        "4.0.2",
        "sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw==",
        ["LICENSE", "dist", "plugin/notes"],  # the template loads only the notes plugin
    ),
    "mathjax": (
        "2.7.7",
        "sha512-OOl0B2/0tSJAtAZarXnQuLDBLgTNRqiI9VqHTQzPsxf4okT2iIpDrvaklK9x2QEMD1sDj4yRn11Ygci41DxMAQ==",
        [
            "LICENSE",
            "MathJax.js",
            "config/TeX-AMS_CHTML-full.js",
            "config/Safe.js",
            "extensions",
            "jax/element",
            "jax/input/TeX",
            "jax/output/CommonHTML",
            "jax/output/PreviewHTML",
            "fonts/HTML-CSS/TeX/woff",
        ],
    ),
    "requirejs": (
        "2.1.10",
        "sha512-4JqdTihK3kOnT387LxCHuJZ/9QsKg2EIl7LmaW35PIyM4LwCI2jwyy4fy6pbY/ZZH2JoY/QEcb5PzULFPP6gcQ==",
        ["require.js"],
    ),
    "jquery": (
        "2.2.4",
        "sha512-lBHj60ezci2u1v2FqnZIraShGgEXq35qCzMv4lITyHGppTnA13rwR0MgwyNJh9TnDs3aXUvd1xjAotfraMHX/Q==",
        ["LICENSE.txt", "dist/jquery.min.js"],
    ),
}

SKIP_SUFFIXES = (".map", ".esm.js")  # source maps and ES-module builds: not loaded

# Relative URLs the decks use (relative to the deck, which sits next to _vendor/).
REVEAL_PREFIX = f"{VENDOR_DIR}/reveal.js"
MATHJAX_URL = f"{VENDOR_DIR}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
REQUIRE_JS_URL = f"{VENDOR_DIR}/requirejs/require.js"
JQUERY_URL = f"{VENDOR_DIR}/jquery/dist/jquery.min.js"

TEMPLATE_NAME = "infogan_reveal"
# nbconvert's reveal template, minus the Mermaid import (a CDN ES module; no notebook here
# draws Mermaid diagrams), plus: a code cell's source shows only on a "code" slide, and the
# text is sized for a lecture hall.
TEMPLATE = r"""{%- extends 'reveal/index.html.j2' -%}

{%- block html_head_js_mermaidjs -%}
{%- endblock html_head_js_mermaidjs -%}

{% block input_group -%}
{#- A slide shows a code cell's source only when the teacher chose its code. -#}
{%- if cell.metadata.get('slide_input') -%}
{{ super() }}
{%- endif -%}
{%- endblock input_group %}

{% block notebook_css %}
{{ super() }}
<style type="text/css">
/* infogan slides, for a lecture hall: text 28 px or more at 1280 x 720 (24 px or more
   once reveal.js scales the slide into its margin), one figure 440 px high */
.reveal .slides { text-align: left; }
.reveal .jp-RenderedHTMLCommon, .reveal .jp-RenderedText, .reveal .jp-RenderedHTMLCommon p,
.reveal .jp-RenderedHTMLCommon li, .reveal .jp-RenderedHTMLCommon td,
.reveal .jp-RenderedHTMLCommon th { font-size: 28px; line-height: 1.35; }
.reveal pre, .reveal pre code, .reveal .jp-RenderedText pre, .reveal .highlight pre,
.reveal .jp-InputArea-editor pre { font-size: 26px !important; line-height: 1.3; }
.reveal pre { white-space: pre-wrap; box-shadow: none; margin: 0.2em 0; width: auto; max-width: 100%; box-sizing: border-box; }
.reveal .jp-RenderedHTMLCommon table { margin: 0.3em 0; }
.reveal .jp-RenderedHTMLCommon td, .reveal .jp-RenderedHTMLCommon th { padding: 0.15em 0.6em; }
.reveal .jp-OutputArea-output img { height: 440px; width: auto; max-width: 100%; object-fit: contain;
  display: block; margin: 0 auto; }
.reveal .jp-Cell, .reveal .jp-InputArea, .reveal .jp-InputArea-editor, .reveal .jp-OutputArea {
  box-sizing: border-box; max-width: 100%; }
.reveal .jp-Cell { padding: 0; }
.reveal .jp-OutputArea:has(img) { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: flex-start; }
.reveal .jp-OutputArea:has(img) > .jp-OutputArea-child { flex: 1 1 0; min-width: 30%; }
.reveal .jp-RenderedHTMLCommon img { max-height: 440px; width: auto; }
.reveal .slides h1 { font-size: 56px; }
.reveal .slides h2 { font-size: 44px; margin-bottom: 0.4em; }
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3, .reveal .slides h4 { text-transform: none; }
</style>
{% endblock notebook_css %}

"""

SLIDE_OPTIONS = {
    "reveal_theme": "white",  # its font ships in dist/theme/fonts; "simple" imports Google Fonts
    "exclude_input_prompt": True,
    "exclude_output_prompt": True,
    "reveal_number": "c/t",
    "reveal_width": "1280",
    "reveal_height": "720",
    "embed_images": True,  # Markdown images (../docs/images) travel inside the deck
    "reveal_url_prefix": REVEAL_PREFIX,
    "mathjax_url": MATHJAX_URL,
    "require_js_url": REQUIRE_JS_URL,
    "jquery_url": JQUERY_URL,
}


# ---- slideshow metadata: which cells make the lecture --------------------------------
# The teacher's choice lives in the notebooks: a cell that makes a slide carries
#     metadata.lecture = {"title": ..., "say": ..., "show": ...}
# - title: the slide's heading (default: the cell's first heading);
# - say:   a few words shown under it (optional; the slide holds at most about 40 words);
# - show:  for a Markdown cell, Markdown shown on the slide (an equation, a short table,
#          an image); the cell's prose goes to the speaker notes. For a code cell,
#          "figure" (its image outputs; the default when it has one), "output" (its
#          printed text) or "code" (its source, with each solution region left as a stub).
# Every other Markdown cell becomes speaker notes (press S): of the slide before it, or,
# when it comes just before a figure or code slide (no code cell between), of that slide,
# which it introduces. Every other code cell, the setup section, badges and solutions
# are skipped. `--mark` writes the slide types these
# rules give into metadata.slideshow (what Jupyter's own slideshow view reads).
LECTURE = "lecture"
SKIP_SECTIONS = ("## Setup", "## Clean up")  # plumbing: not lecture material
SHOW_CODE = ("figure", "output", "code")
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
CODE_STUB = "...  # you write this"


def headings(src):
    return [line.strip() for line in src.splitlines() if line.startswith("## ")]


def has_output(cell, *mimetypes):
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if any(m in data for m in mimetypes):
            return True
    return False


def slide_types(nb) -> list[str]:
    """The slide_type of every cell, in order: "slide", "notes" or "skip"."""
    region = "body"
    types = []
    for cell in nb.cells:
        src = cell.source.strip()
        if cell.cell_type == "markdown":
            for h in headings(src):
                region = "setup" if h.startswith(SKIP_SECTIONS) else "body"
        if LECTURE in cell.metadata:
            t = "slide"
        elif (cell.cell_type == "markdown" and region == "body" and src
              and "colab-badge" not in src and not src.startswith("<details>")):
            t = "notes"
        else:
            t = "skip"
        types.append(t)
    return types


def mark_notebooks(notebooks: list[Path]) -> list[Path]:
    """Set metadata.slideshow.slide_type on every cell; write only notebooks that change.

    Idempotent. Touches nothing but cell.metadata["slideshow"]["slide_type"]. While other
    people edit the notebooks, run it under the shared lock, e.g.
    flock /tmp/team/notebooks.lock .venv/bin/python scripts/build_slides.py --mark
    """
    import nbformat

    changed = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        dirty = False
        for cell, t in zip(nb.cells, slide_types(nb)):
            slideshow = cell.metadata.get("slideshow", {})
            if slideshow.get("slide_type") != t:
                cell.metadata["slideshow"] = dict(slideshow, slide_type=t)
                dirty = True
        if dirty:
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def _first_heading(src: str) -> tuple[str, int]:
    for line in src.splitlines():
        m = re.match(r"^(#{1,4}) (.+)$", line.strip())
        if m:
            return m.group(2).strip(), len(m.group(1))
    return "", 0


def _without_headings(src: str) -> str:
    return "\n".join(line for line in src.splitlines()
                     if not re.match(r"^#{1,4} ", line.strip())).strip()


def _code_on_slide(src: str) -> str:
    """The code as the room sees it: each solution region left as a stub."""
    kept, inside = [], False
    for line in src.split("\n"):
        if SOLUTION[0] in line:
            inside = True
            kept.append(line[:len(line) - len(line.lstrip())] + CODE_STUB)
        elif SOLUTION[1] in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept).strip()


class LectureError(ValueError):
    """A cell's lecture metadata cannot make a slide."""


def deck_notebook(nb):
    """The notebook nbconvert turns into the deck: one slide per chosen cell (its
    heading, a few words and one figure, equation, table or code block), the prose as
    the slides' speaker notes, everything else left out."""
    import copy

    import nbformat

    def markdown(source, slide_type):
        cell = nbformat.v4.new_markdown_cell(source)
        cell.metadata["slideshow"] = {"slide_type": slide_type}
        return cell

    cells = []
    lead_in = []  # notes since the last code cell: they introduce a figure or code slide
    for index, (cell, kind) in enumerate(zip(nb.cells, slide_types(nb))):
        if kind == "skip":
            if cell.cell_type == "code":
                lead_in = []
            continue
        if kind == "notes":
            cells.append(markdown(cell.source, "notes"))
            lead_in.append(cells[-1])
            continue
        lecture = cell.metadata[LECTURE]
        heading, level = _first_heading(cell.source) if cell.cell_type == "markdown" else ("", 0)
        title = lecture.get("title") or heading
        if not title:
            raise LectureError(f"cell {index} ({cell.get('id')}): a slide needs a title "
                               f"(metadata.lecture.title) or a heading")
        head = [("# " if level == 1 and not cells else "## ") + title]
        if lecture.get("say"):
            head.append(lecture["say"])
        if cell.cell_type == "markdown":
            if lecture.get("show"):
                head.append(lecture["show"])
            cells.append(markdown("\n\n".join(head), "slide"))
            prose = _without_headings(cell.source)
            if prose:
                cells.append(markdown(prose, "notes"))
            lead_in = []
            continue
        show = lecture.get("show") or ("figure" if has_output(cell, "image/png", "image/svg+xml")
                                       else "output" if cell.get("outputs") else "code")
        if show not in SHOW_CODE:
            raise LectureError(f"cell {index} ({cell.get('id')}): lecture.show must be one "
                               f"of {SHOW_CODE} for a code cell, not {show!r}")
        # the prose just before a figure or code slide is said on that slide
        cells = [c for c in cells if not any(c is n for n in lead_in)]
        cells.append(markdown("\n\n".join(head), "slide"))
        cells.extend(lead_in)
        code = copy.deepcopy(cell)
        code.metadata = {"slideshow": {"slide_type": "-"}, "slide_input": show == "code"}
        outputs = code.get("outputs", [])
        if show == "figure":
            code.outputs = [o for o in outputs if has_output({"outputs": [o]}, "image/png",
                                                               "image/svg+xml")]
        elif show == "output":
            code.outputs = [o for o in outputs if o.get("output_type") == "stream"
                            or "text/plain" in o.get("data", {}) or "text/html" in o.get("data", {})]
        else:
            code.source, code.outputs = _code_on_slide(code.source), []
        cells.append(code)
        lead_in = []
    deck = copy.deepcopy(nb)
    deck.cells = cells
    return deck


# ---- the offline decks --------------------------------------------------------------
def vendor_versions() -> dict[str, str]:
    return {name: version for name, (version, _, _) in VENDOR.items()}


def vendor_stamp() -> dict:
    """What an unpacked _vendor/ holds: versions and kept paths (a change re-extracts)."""
    return {name: {"version": version, "kept": keep, "skipped": list(SKIP_SUFFIXES)}
            for name, (version, _, keep) in VENDOR.items()}


def ensure_vendor(out: Path) -> Path:
    """Unpack the pinned npm packages into out/_vendor once; return that folder."""
    vendor = out / VENDOR_DIR
    stamp = vendor / "versions.json"
    if stamp.exists() and json.loads(stamp.read_text()) == vendor_stamp():
        return vendor
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "build_slides: npm was not found. The slides load reveal.js and MathJax from a "
            "local copy that is downloaded once from the npm registry: install Node.js "
            "(which includes npm), e.g. `sudo apt-get install nodejs npm`, and run again."
        )
    if vendor.exists():
        shutil.rmtree(vendor)
    vendor.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, version in vendor_versions().items()]
        result = subprocess.run(
            [npm, "pack", *specs, "--json", "--pack-destination", tmp],
            capture_output=True, text=True, cwd=tmp,
        )
        if result.returncode != 0:
            raise SystemExit(f"build_slides: `npm pack {' '.join(specs)}` failed:\n{result.stderr}")
        packed = {entry["name"]: entry for entry in json.loads(result.stdout)}
        for name, (version, integrity, keep) in VENDOR.items():
            entry = packed[name]
            if entry["version"] != version or entry["integrity"] != integrity:
                raise SystemExit(
                    f"build_slides: npm returned {name}@{entry['version']} with integrity "
                    f"{entry['integrity']}, expected {version} with {integrity}"
                )
            _extract(Path(tmp) / entry["filename"], vendor / name, keep)
    stamp.write_text(json.dumps(vendor_stamp(), indent=1) + "\n")
    return vendor


def _extract(tarball: Path, dest: Path, keep: list[str]) -> None:
    """Extract package/<keep...> from an npm tarball into dest, nothing else."""
    with tarfile.open(tarball) as tar:
        members = []
        for member in tar.getmembers():
            if not (member.isfile() and member.name.startswith("package/")):
                continue
            rel = member.name[len("package/"):]
            if rel.endswith(SKIP_SUFFIXES):
                continue
            if any(rel == k or rel.startswith(k + "/") for k in keep):
                member.name = rel
                members.append(member)
        if sys.version_info >= (3, 12):
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover
            tar.extractall(dest, members=members)
    missing = [k for k in keep if not (dest / k).exists()]
    if missing:
        raise SystemExit(f"build_slides: {tarball.name} lacks {missing}")


IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')


def embed_local_images(deck: Path, notebook_dir: Path) -> None:
    """Inline images a Markdown cell links by a relative path (e.g. ../docs/images/x.png).

    nbconvert's embed_images only inlines files inside the notebook's own folder; the
    notebooks link figures in docs/images, which would not travel with the deck.
    """
    def inline(match: re.Match) -> str:
        src = match.group(2)
        if src.startswith(("data:", "http:", "https:", "//")):
            return match.group(0)
        path = (notebook_dir / src).resolve()
        if not (path.is_file() and path.is_relative_to(ROOT)):
            return match.group(0)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{mime};base64,{data}{match.group(3)}"

    html = deck.read_text(encoding="utf-8")
    new = IMG_SRC.sub(inline, html)
    if new != html:
        deck.write_text(new, encoding="utf-8")


def write_index(out: Path, decks: list[Path]) -> None:
    items = "\n".join(f'<li><a href="{d.name}">{d.name.split(".")[0]}</a></li>' for d in decks)
    out.joinpath("index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>InfoGAN slides</title></head>\n<body><h1>InfoGAN slides</h1>\n"
        f"<p>Open a deck; press <kbd>S</kbd> for speaker notes.</p>\n<ul>\n{items}\n</ul>\n"
        "</body></html>\n"
    )


def build(notebooks: list[Path], out: Path = DEFAULT_OUT) -> list[Path]:
    """Build one deck per notebook into out/ and return the deck paths."""
    import nbformat
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    out.mkdir(parents=True, exist_ok=True)
    ensure_vendor(out)
    config = Config()
    for name, value in SLIDE_OPTIONS.items():
        setattr(config.SlidesExporter, name, value)
    decks = []
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / TEMPLATE_NAME
        template.mkdir()
        (template / "conf.json").write_text(json.dumps({"base_template": "reveal"}))
        (template / "index.html.j2").write_text(TEMPLATE)
        exporter = SlidesExporter(config=config, template_name=TEMPLATE_NAME,
                                  extra_template_basedirs=[tmp])
        for nb_path in notebooks:
            nb = nbformat.read(nb_path, as_version=4)
            try:
                deck_nb = deck_notebook(nb)
            except LectureError as err:
                raise SystemExit(f"build_slides: {nb_path.name}: {err}") from None
            html, _ = exporter.from_notebook_node(
                deck_nb, resources={"metadata": {"path": str(nb_path.parent),
                                                 "name": nb_path.stem}})
            deck = out / f"{nb_path.stem}.slides.html"
            deck.write_text(html, encoding="utf-8")
            embed_local_images(deck, nb_path.parent)
            decks.append(deck)
    write_index(out, decks)
    return decks


# ---- walking a deck in Chromium: what the room sees ---------------------------------
CHROMIUM = Path("/usr/bin/chromium")
MAX_WORDS, HARD_MAX_WORDS = 40, 60  # visible words on a slide, math and code not counted
MAX_CODE_LINES = 15
MIN_FONT_PX = 24  # rendered at 1280 x 720, after reveal.js scales the slide
REVEAL_JS = f"require('{REVEAL_PREFIX}/dist/reveal.js')"

# For the current slide: visible words (text outside code and math), the smallest rendered
# font of any visible text, how far any visible element sticks out of the slide, and the
# longest code block in lines.
MEASURE_JS = """() => {
  const R = %s;
  const slide = R.getCurrentSlide();
  const scale = R.getScale();
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const skip = 'aside.notes, script, style, .MathJax_Preview, .MJX_Assistive_MathML';
  const math = '.MathJax_CHTML, .MathJax, mjx-container, .MathJax_Display';
  let words = 0, minFont = 1e9, overflow = 0, codeLines = 0, title = '';
  const h = slide.querySelector('h1, h2');
  if (h) title = h.innerText.replace(/\\s+/g, ' ').trim();
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest(skip) || !el.checkVisibility()) continue;
    const inMath = el.closest(math);
    const inCode = el.closest('pre');
    const host = inMath ? inMath : el;
    minFont = Math.min(minFont, parseFloat(getComputedStyle(host).fontSize) * scale);
    if (!inMath && !inCode) words += (node.textContent.match(/[A-Za-z0-9\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]+/g) || []).length;
  }
  for (const el of slide.querySelectorAll('*')) {
    if (el.closest(skip) || !el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    overflow = Math.max(overflow, r.bottom - box.bottom, r.right - box.right,
                        box.top - r.top, box.left - r.left);
  }
  for (const pre of slide.querySelectorAll('pre')) {
    if (pre.closest(skip) || !pre.checkVisibility()) continue;
    codeLines = Math.max(codeLines, pre.innerText.replace(/\\n+$/, '').split('\\n').length);
  }
  const notes = slide.querySelector('aside.notes');
  return {title, words, min_font: minFont === 1e9 ? null : Math.round(minFont * 10) / 10,
          overflow: Math.round(overflow), code_lines: codeLines,
          notes_words: notes ? notes.textContent.split(/\\s+/).filter(Boolean).length : 0};
}""" % REVEAL_JS

SETTLE_JS = """() => new Promise(done => {
  // Wait until the slide's images have loaded, MathJax has re-rendered the slide (the
  // deck queues that on "slidechanged", which reveal.js fires after a tick; until then
  // the math is hidden) and the web fonts have painted; at most 15 s.
  const deadline = Date.now() + 15000;
  const settled = () => {
    const slide = %s.getCurrentSlide();
    const hub = window.MathJax && MathJax.Hub;
    const busy = (hub && (hub.queue.pending || hub.queue.running)) ||
                 slide.querySelector('.MJXc-processed, .MathJax_Processing') ||
                 [...document.querySelectorAll('img')].some(i => !i.complete);
    if (busy && Date.now() < deadline) { setTimeout(settled, 50); return; }
    document.fonts.ready.then(() => setTimeout(done, 100));
  };
  setTimeout(settled, 100);
})""" % REVEAL_JS


def open_deck(browser, deck: Path, remote: list, errors: list):
    """A page at 1280 x 720 showing ``deck`` from file://, every network request aborted
    (and recorded in ``remote``), reveal.js ready and MathJax done."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.route(re.compile(r"^(?!file:|data:|about:)"),
               lambda route: (remote.append(route.request.url), route.abort()))
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(deck.as_uri())
    page.wait_for_function(
        f"window.require && require.defined('{REVEAL_PREFIX}/dist/reveal.js') "
        f"&& {REVEAL_JS}.isReady()", timeout=60_000)
    page.evaluate(f"{REVEAL_JS}.configure({{transition: 'none', backgroundTransition: 'none'}})")
    page.evaluate(SETTLE_JS)
    return page


def walk(page, shots: Path | None = None) -> list[dict]:
    """Show every slide of the open deck in turn; measure each (MEASURE_JS); with
    ``shots``, save a screenshot of each there."""
    total = page.evaluate(f"{REVEAL_JS}.getHorizontalSlides().length")
    slides = []
    for i in range(total):
        page.evaluate(f"{REVEAL_JS}.slide({i}, 0)")
        page.evaluate(SETTLE_JS)
        slides.append(dict(index=i + 1, **page.evaluate(MEASURE_JS)))
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=shots / f"{i + 1:02d}.png")
    return slides


def problems(slide: dict) -> list[str]:
    """What keeps a measured slide from a lecture hall (the word limit aside)."""
    found = []
    if slide["words"] > HARD_MAX_WORDS:
        found.append(f"{slide['words']} words (at most {HARD_MAX_WORDS})")
    if slide["overflow"] > 1:
        found.append(f"sticks out by {slide['overflow']} px")
    if slide["min_font"] is not None and slide["min_font"] < MIN_FONT_PX:
        found.append(f"text at {slide['min_font']} px (at least {MIN_FONT_PX})")
    if slide["code_lines"] > MAX_CODE_LINES:
        found.append(f"{slide['code_lines']} lines of code (at most {MAX_CODE_LINES})")
    return found


def walk_decks(decks: list[Path], shots: Path | None = None) -> dict[str, list[dict]]:
    from playwright.sync_api import sync_playwright

    report = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for deck in decks:
                remote, errors = [], []
                page = open_deck(browser, deck, remote, errors)
                report[deck.name] = walk(page, shots / deck.name.split(".")[0] if shots else None)
                page.close()
                if remote or errors:
                    raise SystemExit(f"build_slides: {deck.name} asked the network for "
                                     f"{remote} / raised {errors}")
        finally:
            browser.close()
    return report


def print_walk(report: dict[str, list[dict]]) -> int:
    """Print one line per slide; return how many slides have a problem."""
    bad = 0
    for name, slides in report.items():
        over = sum(s["words"] > MAX_WORDS for s in slides)
        print(f"{name}: {len(slides)} slides, {over} over {MAX_WORDS} words")
        for s in slides:
            issues = problems(s)
            bad += bool(issues)
            flag = "  <-- " + "; ".join(issues) if issues else ""
            print(f"  {s['index']:>2} {s['words']:>3} w {s['min_font'] or 0:>5} px "
                  f"{s['code_lines']:>2} ln notes {s['notes_words']:>4} w  "
                  f"{s['title'][:60]}{flag}")
    return bad


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT_NOTEBOOKS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default slides/)")
    parser.add_argument("--mark", action="store_true",
                        help="only set the slideshow metadata of the notebooks' cells (idempotent)")
    parser.add_argument("--walk", action="store_true",
                        help="then show every slide in Chromium and print its words, "
                             "smallest font, code lines and overflow")
    parser.add_argument("--shots", type=Path, help="with --walk: save a screenshot of "
                        "every slide in this folder")
    args = parser.parse_args(argv)
    if args.mark:
        changed = mark_notebooks([nb.resolve() for nb in args.notebooks])
        print("changed:", ", ".join(p.name for p in changed) if changed else "nothing")
        return
    decks = build([nb.resolve() for nb in args.notebooks], args.out.resolve())
    for deck in decks:
        print(deck)
    if args.walk:
        bad = print_walk(walk_decks(decks, args.shots))
        if bad:
            raise SystemExit(f"build_slides: {bad} slides are not fit for a lecture hall")
    print(f"open {args.out / 'index.html'} (works offline; copy the whole folder to present)")


if __name__ == "__main__":
    main()
