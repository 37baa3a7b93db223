"""The README is a short front page, and every link in the project's Markdown works.

Fast and without TensorFlow: these tests only read text files (and metrics.json).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
REPRODUCIBILITY = ROOT / "docs" / "reproducibility.md"
MAX_README_LINES = 250

# ![alt](target) and [text](target); the target ends at whitespace or ")" (an optional
# "title" after it is ignored). Images are read first and then blanked out, so that a link
# around an image ([![alt](img)](url)) gives both targets.
_TARGET = r"\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
IMAGE = re.compile(r"!\[[^\]]*\]" + _TARGET)
LINK = re.compile(r"\[[^\]]*\]" + _TARGET)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def markdown_files(root: Path = ROOT) -> list[Path]:
    """The README and every Markdown page under docs/ and data/."""
    return ([root / "README.md"] + sorted((root / "docs").glob("**/*.md"))
            + sorted((root / "data").glob("**/*.md")))


def links(text: str) -> list[str]:
    """Link and image targets of a Markdown text, outside code blocks and inline code."""
    text = INLINE_CODE.sub("", FENCE.sub("", text))
    images = IMAGE.findall(text)
    return images + LINK.findall(IMAGE.sub("IMAGE", text))


def broken_links(md_file: Path) -> list[str]:
    """Relative link targets of md_file that do not exist (http(s), mailto and pure
    anchors are skipped; an anchor after a path is dropped before the path is checked)."""
    broken = []
    for target in links(md_file.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0].split("?", 1)[0]
        if not (md_file.parent / path).exists():
            broken.append(target)
    return broken


def heading_anchors(md_file: Path) -> set[str]:
    """GitHub's anchors for the headings of md_file: lower case, punctuation dropped,
    spaces to hyphens; a repeated heading gets -1, -2, ..."""
    text = FENCE.sub("", md_file.read_text(encoding="utf-8"))
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def broken_anchors(md_file: Path) -> list[str]:
    """Links from md_file to a heading (#anchor) of itself or of another Markdown file
    of the project where that heading does not exist."""
    broken = []
    for target in links(md_file.read_text(encoding="utf-8")):
        if "#" not in target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue
        path, anchor = target.split("#", 1)
        page = (md_file.parent / path) if path else md_file
        if page.suffix == ".md" and page.is_file() and anchor not in heading_anchors(page):
            broken.append(target)
    return broken


def test_link_parser_finds_links_and_images():
    text = ("See [a](docs/a.md#x), ![img](images/b.png \"title\"), [web](https://x.org).\n"
            "[![badge](https://b.svg)](https://binder)\n"
            "```bash\n[not](a/link.md)\n```\n`[not](either.md)`\n")
    assert sorted(links(text)) == sorted(["docs/a.md#x", "images/b.png", "https://x.org",
                                          "https://b.svg", "https://binder"])


def test_broken_links_are_found(tmp_path):
    (tmp_path / "docs" / "images").mkdir(parents=True)
    (tmp_path / "docs" / "images" / "fig.png").write_bytes(b"")
    page = tmp_path / "docs" / "page.md"
    page.write_text("[ok](../README.md) ![ok](images/fig.png) [anchor](#top) "
                    "[web](https://example.org) [bad](images/missing.png) "
                    "[bad2](../data/nothing.json#key)\n")
    (tmp_path / "README.md").write_text("[ok](docs/page.md#a) [bad](page.md)\n")
    assert sorted(broken_links(page)) == ["../data/nothing.json#key", "images/missing.png"]
    assert broken_links(tmp_path / "README.md") == ["page.md"]


@pytest.mark.parametrize("md_file", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(md_file):
    assert broken_links(md_file) == [], f"{md_file.relative_to(ROOT)} links to missing files"


def test_broken_anchors_are_found(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# The paper's recipe, and why\n## Results\n## Results\n"
                    "[ok](#the-papers-recipe-and-why) [ok](#results-1) [bad](#nope) "
                    "[ok](other.md#data-files) [bad](other.md#missing)\n")
    (tmp_path / "other.md").write_text("## data/ files\n")
    assert broken_anchors(page) == ["#nope", "other.md#missing"]


@pytest.mark.parametrize("md_file", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_heading_anchor_resolves(md_file):
    assert broken_anchors(md_file) == [], (
        f"{md_file.relative_to(ROOT)} links to headings that do not exist")


def test_readme_is_a_short_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, (
        f"README.md has {len(lines)} lines; keep it at most {MAX_README_LINES} and move "
        "research detail to docs/reproducibility.md")


def test_readme_keeps_the_two_commands():
    text = README.read_text(encoding="utf-8")
    for command in ("make lab", "make test"):
        assert re.search(rf"^{command}\b", text, re.MULTILINE), (
            f"README.md must show `{command}` at the start of a line in its code block")


def test_readme_links_to_the_research_record():
    assert REPRODUCIBILITY.is_file()
    assert "docs/reproducibility.md" in links(README.read_text(encoding="utf-8"))


def test_readme_keeps_the_research_log_out():
    """Registration times and seed-study tables belong in docs/reproducibility.md."""
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"\bUTC\b", text), "registration times go to docs/reproducibility.md"


def _signed(value: float, digits: int) -> str:
    return f"{'+' if value >= 0 else '−'}{abs(value):.{digits}f}"


def test_readme_numbers_of_the_shipped_model_match_metrics_json():
    metrics = json.loads((ROOT / "data" / "pretrained" / "metrics.json").read_text())
    text = " ".join(README.read_text(encoding="utf-8").split())
    names = metrics["code_names"]
    rotation, width = names["rotation"], names["width"]
    rho = metrics["correlations"]
    effect = metrics["effects"]["matrix"]
    expected = [
        f"{100 * metrics['one_to_one']:.2f}%",
        f"{metrics['mi_lower_bound']:.4f}",
        f"{rotation}: {_signed(rho[rotation]['slant'], 2)}",
        f"{width}: {_signed(rho[width]['width'], 2)}",
        # the effect matrix row of each named code, as the results table states it
        f"{rotation}: slant {_signed(effect[rotation]['slant'], 2)} SD**, "
        f"width {_signed(effect[rotation]['width'], 2)}, "
        f"thickness {_signed(effect[rotation]['thickness'], 2)}",
        f"{width}: width {_signed(effect[width]['width'], 2)} SD**, "
        f"slant {_signed(effect[width]['slant'], 2)}",
        f"{width} also thins the pen (thickness {_signed(effect[width]['thickness'], 2)} SD)",
    ]
    missing = [s for s in expected if s not in text]
    assert missing == [], f"README.md does not state these metrics.json values: {missing}"
    # whether the codes are separate is the measure's verdict, not the prose's
    separate = metrics["separate_codes"]
    assert ("the two codes are separate" in text) == separate, (
        f"README.md's results table must claim separate codes exactly when metrics.json "
        f"says separate_codes = {separate}")


def test_readme_states_the_pages_url_of_the_repository_in_pyproject():
    """The README names the GitHub Pages address the web explorer is built for, derived
    from the repository that pyproject.toml names (not invented), and the Pages workflow
    publishes what `make web` builds."""
    import tomllib

    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    owner, name = re.match(r"https://github\.com/([^/]+)/([^/]+)", repo).groups()
    url = f"https://{owner}.github.io/{name}/"
    assert url in README.read_text(encoding="utf-8")
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert url in workflow and "run: make web" in workflow and "path: web/dist" in workflow
