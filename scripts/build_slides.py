"""Build one reveal.js slide deck per notebook that works offline, in a lecture hall.

    python scripts/build_slides.py                  # notebooks/01..05 -> slides/
    python scripts/build_slides.py --out DIR NB...  # chosen notebooks, another folder
    python scripts/build_slides.py --mark           # (re)set the cells' slideshow metadata

Each deck is made by `jupyter nbconvert --to slides` from the slideshow metadata of the
notebook's cells (slide, subslide, fragment, skip, notes). Every script and style sheet a
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

Slides show code cells without prompts. The code of a figure cell and of a check cell (a
fragment) is hidden: the figure or the printed result is what the slide is for, and the
notebook keeps the code. A slide taller than the screen shrinks to fit, down to 60 %,
then scrolls. Press S in a deck for the speaker notes.

Which cell is a slide, a subslide, a fragment, speaker notes or skipped is stored in the
notebooks' slideshow metadata, set by rules on the cells' content (`--mark`, below
slide_types). Run `--mark` after editing the notebooks; tests/test_slides.py checks it.
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
# draws Mermaid diagrams), plus: the code of figure and check cells is hidden, figures are drawn
# 500 px high, and a slide taller than the screen shrinks to fit (then scrolls).
TEMPLATE = r"""{%- extends 'reveal/index.html.j2' -%}

{%- block html_head_js_mermaidjs -%}
{%- endblock html_head_js_mermaidjs -%}

{% block input_group -%}
{#- Show the code only where the code is the point: not for figures, not for checks
    (fragments), whose printed result is what the slide is for. -#}
{%- set ns = namespace(hide=(cell.metadata.get('slideshow', {}).get('slide_type') == 'fragment')) -%}
{%- for output in cell.outputs or [] -%}
{%- if 'image/png' in output.get('data', {}) or 'image/svg+xml' in output.get('data', {}) -%}
{%- set ns.hide = true -%}
{%- endif -%}
{%- endfor -%}
{%- if not ns.hide -%}
{{ super() }}
{%- endif -%}
{%- endblock input_group %}

{% block notebook_css %}
{{ super() }}
<style type="text/css">
/* infogan slides: figures large enough for a projector, wide code wraps */
.reveal .jp-OutputArea-output img { height: 500px; width: auto; max-width: 100%; object-fit: contain; }
/* several figures from one cell sit side by side */
.reveal .jp-OutputArea:has(img) { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: flex-start; }
.reveal .jp-OutputArea:has(img) > .jp-OutputArea-child { flex: 1 1 0; min-width: 30%; }
.reveal .jp-RenderedHTMLCommon table { font-size: 0.8em; }
.reveal pre { white-space: pre-wrap; }
.reveal .slides h1, .reveal .slides h2, .reveal .slides h3, .reveal .slides h4 { text-transform: none; }
</style>
{% endblock notebook_css %}

{% block footer_js %}
{{ super() }}
<script>
// A slide taller than the deck shrinks to fit (down to 60 %), then scrolls.
require(["{{ resources.reveal.url_prefix }}/dist/reveal.js"], function (Reveal) {
  var MIN_ZOOM = 0.6;
  function fit() {
    var slide = Reveal.getCurrentSlide();
    if (!slide) { return; }
    var height = Reveal.getConfig().height;
    slide.style.zoom = "";
    slide.style.maxHeight = "";
    slide.style.overflowY = "";
    var needed = slide.scrollHeight;
    if (needed > height) {
      var zoom = Math.max(MIN_ZOOM, height / needed);
      slide.style.zoom = zoom;
      if (needed * zoom > height) {
        slide.style.maxHeight = (height / zoom) + "px";
        slide.style.overflowY = "auto";
      }
    }
    Reveal.layout();
  }
  // measure again once MathJax has (re)rendered the slide's equations and its fonts
  // have loaded (both change the height after the slide appears)
  function fitNowAndAfterMath() {
    fit();
    if (window.MathJax && MathJax.Hub) { MathJax.Hub.Queue(fit); }
    setTimeout(fit, 300);
    setTimeout(fit, 1200);
  }
  Reveal.on("ready", fitNowAndAfterMath);
  Reveal.on("slidechanged", fitNowAndAfterMath);
  if (Reveal.isReady()) { fitNowAndAfterMath(); }
});
</script>
{% endblock footer_js %}
"""

SLIDE_OPTIONS = [
    "--SlidesExporter.reveal_theme=white",  # its font ships in dist/theme/fonts; "simple" imports Google Fonts
    "--SlidesExporter.exclude_input_prompt=True",
    "--SlidesExporter.exclude_output_prompt=True",
    "--SlidesExporter.reveal_number=c/t",
    "--SlidesExporter.reveal_width=1280",
    "--SlidesExporter.reveal_height=720",
    "--SlidesExporter.embed_images=True",  # Markdown images (../docs/images) travel inside the deck
]


# ---- slideshow metadata: which cells make the lecture --------------------------------
# Rules by content (never by index), so cells other people add get a type too:
# title and every "## " section -> slide; "### " -> subslide; prose holding a display
# equation or a table, a figure, and the code the learner writes (def my_..., class My...)
# -> subslide; deterministic check printouts -> fragment; prose of more than 100 words
# without a list -> notes (press S); other prose -> "-" (continues the slide); setup, parameters, widgets, exercise code, solutions, badges -> skip.
SKIP_SECTIONS = ("## Setup", "## Clean up")  # plumbing: not lecture material
EXERCISES = "## Exercises"
NOTES_WORDS = 100  # prose longer than this, without a list, goes to the speaker notes
LIST_ITEM = re.compile(r"^\s*([-*]|\d+\.) ", re.M)
CHECK_CALL = re.compile(r"\bcheck_\w*\(")  # check_network(...), check_loss(...)
CODE_WRITTEN = re.compile(r"^\s*(def (my_|build_my_)\w*|class My\w*)", re.M)


def headings(src):
    return [line.strip() for line in src.splitlines() if line.startswith("## ")]


def has_output(cell, *mimetypes):
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if any(m in data for m in mimetypes):
            return True
    return False


def slide_types(nb) -> list[str]:
    """The slide_type of every cell, in order."""
    region = "body"  # "setup" (skipped), "body", "exercises"
    types = []
    for cell in nb.cells:
        src = cell.source.strip()
        heads = headings(src)
        if cell.cell_type == "markdown":
            # a cell's headings move the region (a cell may hold several)
            starts_region = None
            for h in heads:
                if h.startswith(SKIP_SECTIONS):
                    starts_region = "setup"
                elif h.startswith(EXERCISES):
                    starts_region = "exercises"
                else:
                    starts_region = "body"
            if "colab-badge" in src or "badge_logo" in src:
                t = "skip"
            elif src.startswith("<details>"):
                t = "skip"
            elif src.startswith("# "):
                t = "slide"
            elif heads and heads[0].startswith(SKIP_SECTIONS) and src.startswith("## "):
                t = "skip"
            elif heads:
                t = "slide"
            elif src.startswith("### ") or re.search(r"^### ", src, re.M):
                t = "subslide"  # a subsection (also one that starts inside the cell)
            elif region == "setup":
                t = "skip"
            elif region == "exercises":
                t = "subslide" if src.startswith("**") else "-"
            elif "$$" in src or re.search(r"^\|[-| :]+\|$", src, re.M):
                t = "subslide"  # a key equation or table gets its own page
            elif len(src.split()) > NOTES_WORDS and not LIST_ITEM.search(src):
                t = "notes"  # a long explanation: the teacher says it (speaker notes)
            else:
                t = "-"
            if starts_region:
                region = starts_region
        else:
            if region in ("setup", "exercises"):
                t = "skip"
            elif src.startswith("FAST = ") or "\nFAST = " in src:
                t = "skip"  # the parameters cell
            elif has_output(cell, "application/vnd.jupyter.widget-view+json"):
                t = "skip"  # a live widget has no state in a static deck
            elif has_output(cell, "image/png", "image/svg+xml"):
                t = "subslide"  # a figure gets its own page (its code is hidden)
            elif CODE_WRITTEN.search(src):
                t = "subslide"  # code the learner writes
            elif "nbval-check-output" in cell.get("metadata", {}).get("tags", []) and cell.get("outputs"):
                t = "fragment"  # a deterministic check or key number
            elif ("assert_allclose" in src or CHECK_CALL.search(src)) and cell.get("outputs"):
                t = "fragment"  # the check against the package
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


def nbconvert_command(notebooks: list[Path], out: Path, template_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "nbconvert", "--to", "slides",
        f"--TemplateExporter.extra_template_basedirs={template_dir}",
        f"--template={TEMPLATE_NAME}",
        f"--SlidesExporter.reveal_url_prefix={REVEAL_PREFIX}",
        f"--SlidesExporter.mathjax_url={MATHJAX_URL}",
        f"--SlidesExporter.require_js_url={REQUIRE_JS_URL}",
        f"--SlidesExporter.jquery_url={JQUERY_URL}",
        *SLIDE_OPTIONS,
        "--output-dir", str(out),
        *[str(nb) for nb in notebooks],
    ]


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
    out.mkdir(parents=True, exist_ok=True)
    ensure_vendor(out)
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / TEMPLATE_NAME
        template.mkdir()
        (template / "conf.json").write_text(json.dumps({"base_template": "reveal"}))
        (template / "index.html.j2").write_text(TEMPLATE)
        result = subprocess.run(
            nbconvert_command(notebooks, out, Path(tmp)), capture_output=True, text=True
        )
    if result.returncode != 0:
        raise SystemExit(f"build_slides: nbconvert failed:\n{result.stderr}")
    decks = [out / f"{nb.stem}.slides.html" for nb in notebooks]
    missing = [d for d in decks if not d.exists()]
    if missing:
        raise SystemExit(f"build_slides: nbconvert wrote no {missing}")
    for nb, deck in zip(notebooks, decks):
        embed_local_images(deck, nb.parent)
    write_index(out, decks)
    return decks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT_NOTEBOOKS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default slides/)")
    parser.add_argument("--mark", action="store_true",
                        help="only set the slideshow metadata of the notebooks' cells (idempotent)")
    args = parser.parse_args(argv)
    if args.mark:
        changed = mark_notebooks([nb.resolve() for nb in args.notebooks])
        print("changed:", ", ".join(p.name for p in changed) if changed else "nothing")
        return
    decks = build([nb.resolve() for nb in args.notebooks], args.out.resolve())
    for deck in decks:
        print(deck)
    print(f"open {args.out / 'index.html'} (works offline; copy the whole folder to present)")


if __name__ == "__main__":
    main()
