"""Write the repository URL from pyproject.toml into the notebooks and the README.

    python scripts/sync_notebook_links.py           # rewrite what differs
    python scripts/sync_notebook_links.py --check   # list what differs, exit 1 if anything

The one definition is ``[project.urls] Repository`` in pyproject.toml:
``https://github.com/<owner>/<name>/tree/<branch>``. From it this script generates

* each notebook's badge cell (Open in Colab, Binder, View on GitHub);
* the install block at the top of each notebook's setup cell: where ``infogan_utils`` is
  not installed (Colab, a bare Jupyter) it clones that repository, installs it and moves
  into its ``notebooks/`` folder; where it is installed it only imports it;
* the README's Binder badge.

It reads and writes the notebooks with nbformat and changes only those cells. Other
people may be editing the same notebooks: run it under the team's notebook lock.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

# The line that marks the install block, and the cell id of a setup cell of its own.
SETUP_MARKER = "except ModuleNotFoundError:  # Colab or a fresh kernel"
SETUP_CELL_ID = "setup-install"
# Binder opens this notebook as a Voila app rather than in JupyterLab.
BINDER_APPS = {"05_explorer_app.ipynb"}

SETUP_BLOCK = '''\
try:  # infogan_utils comes first: it selects Keras's TensorFlow backend
    import infogan_utils
except ModuleNotFoundError:  # Colab or a fresh kernel: fetch the series and install it
    import os, subprocess
    REPO_URL, BRANCH, FOLDER = "{url}", "{branch}", "{name}"
    clone = ["git", "clone", "--depth", "1", "--branch", BRANCH, REPO_URL, FOLDER]
    git = None if os.path.isdir(FOLDER) else subprocess.run(clone, capture_output=True, text=True)
    if git and git.returncode:
        raise RuntimeError(f"Could not fetch {{REPO_URL}}: {{git.stderr}}Connect to the internet and run this cell again.") from None
    exec(open(os.path.join(FOLDER, "scripts", "colab_setup.py")).read())  # pip install, then cd'''


@dataclass(frozen=True)
class Repository:
    """The repository named in pyproject.toml: ``url`` (no branch), ``branch``, owner/name."""

    url: str
    branch: str

    @property
    def slug(self) -> str:  # "owner/name"
        return self.url.removeprefix("https://github.com/")

    @property
    def name(self) -> str:
        return self.slug.split("/")[1]


def repository(root: Path = ROOT) -> Repository:
    """Parse ``[project.urls] Repository`` (``https://github.com/o/n/tree/<branch>``)."""
    urls = tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"]
    m = re.fullmatch(r"(https://github\.com/[\w.-]+/[\w.-]+)/tree/([\w./-]+)",
                     urls["Repository"])
    if not m:
        raise ValueError("pyproject.toml [project.urls] Repository must read "
                         f"https://github.com/<owner>/<name>/tree/<branch>, not {urls['Repository']!r}")
    return Repository(url=m.group(1), branch=m.group(2))


def badge_cell(repo: Repository, notebook: str) -> str:
    """The markdown of a notebook's badge cell."""
    path = f"notebooks/{notebook}"
    binder_target = (f"urlpath=voila/render/{path}" if notebook in BINDER_APPS
                     else f"labpath={path}")
    return "\n".join([
        "[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{repo.slug}/blob/{repo.branch}/{path})",
        "[![Binder](https://mybinder.org/badge_logo.svg)]"
        f"(https://mybinder.org/v2/gh/{repo.slug}/{repo.branch}?{binder_target})",
        "[![View on GitHub](https://img.shields.io/badge/view%20on-GitHub-lightgrey?logo=github)]"
        f"({repo.url}/blob/{repo.branch}/{path})",
    ])


def setup_block(repo: Repository) -> str:
    """The install block that opens every notebook's setup cell."""
    return SETUP_BLOCK.format(url=repo.url, branch=repo.branch, name=repo.name)


def readme_binder_badge(repo: Repository) -> str:
    return ("[![Binder](https://mybinder.org/badge_logo.svg)]"
            f"(https://mybinder.org/v2/gh/{repo.slug}/{repo.branch}"
            "?urlpath=lab/tree/notebooks/00_index.ipynb)")


def _is_badge_cell(cell) -> bool:
    return cell.cell_type == "markdown" and "colab-badge.svg" in cell.source


def _block_span(lines: list[str]) -> tuple[int, int] | None:
    """(first, end) line indices of the install block in a setup cell, or None."""
    for i, line in enumerate(lines):
        if line.startswith(SETUP_MARKER):
            start = i
            while start > 0 and lines[start] != "try:" and not lines[start].startswith("try:  #"):
                start -= 1
            end = i + 1
            while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():  # keep the blank line after it
                end -= 1
            return start, end
    return None


def sync_notebook(path: Path, repo: Repository) -> tuple[list[str], object]:
    """What differs in one notebook, and the notebook with it fixed."""
    nb = nbformat.read(path, as_version=4)
    differences = []

    badges = [c for c in nb.cells if _is_badge_cell(c)]
    expected = badge_cell(repo, path.name)
    if len(badges) != 1:
        raise ValueError(f"{path}: expected one badge cell, found {len(badges)}")
    if badges[0].source != expected:
        differences.append(f"{path.name}: badge cell")
        badges[0].source = expected

    block = setup_block(repo)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    setup = [c for c in code_cells if SETUP_MARKER in c.source]
    if len(setup) > 1:
        raise ValueError(f"{path}: {len(setup)} cells hold the install block; keep one")
    if setup:
        lines = setup[0].source.split("\n")
        start, end = _block_span(lines)
        if "\n".join(lines[start:end]) != block:
            differences.append(f"{path.name}: install block of the setup cell")
            setup[0].source = "\n".join(lines[:start] + block.split("\n") + lines[end:])
        rest = "\n".join(setup[0].source.split("\n")[len(block.split("\n")):]).strip("\n")
        if rest:  # the install block stands alone; the imports get the next cell
            differences.append(f"{path.name}: setup cell holds more than the install block")
            setup[0].source = block
            imports = nbformat.v4.new_code_cell(rest)
            nb.cells.insert(nb.cells.index(setup[0]) + 1, imports)
    else:
        differences.append(f"{path.name}: setup cell has no install block")
        first = code_cells[0]
        if any(tag.startswith("nbval-") for tag in first.metadata.get("tags", [])):
            # A checked printout keeps its output; the block gets a cell of its own before it.
            cell = nbformat.v4.new_code_cell(block)
            cell.id = SETUP_CELL_ID
            nb.cells.insert(nb.cells.index(first), cell)
        else:
            first.source = block + "\n\n" + first.source
    return differences, nb


def sync_readme(path: Path, repo: Repository) -> tuple[list[str], str]:
    text = path.read_text()
    badge = readme_binder_badge(repo)
    lines = text.split("\n")
    found = [i for i, ln in enumerate(lines)
             if ln.startswith("[![Binder](https://mybinder.org/badge_logo.svg)]")]
    if len(found) != 1:
        raise ValueError(f"{path}: expected one Binder badge line, found {len(found)}")
    if lines[found[0]] == badge:
        return [], text
    lines[found[0]] = badge
    return [f"{path.name}: Binder badge"], "\n".join(lines)


def stray_links(root: Path, repo: Repository) -> list[str]:
    """Colab, Binder or GitHub links to another repository or branch, anywhere in the
    notebooks, the README or docs/ (left over from a rename)."""
    pattern = re.compile(
        r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/([\w.-]+)"
        r"|mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/([\w.-]+)"
        r"|github\.com/([\w.-]+/[\w.-]+)/(?:blob|tree)/([\w.-]+)")
    found = []
    files = [root / "README.md", *sorted((root / "docs").glob("*.md")),
             *sorted((root / "notebooks").glob("*.ipynb"))]
    for f in files:
        for m in pattern.finditer(f.read_text()):
            slug, branch = [g for g in m.groups() if g is not None]
            ours = slug.lower() == repo.slug.lower()
            # Colab and Binder links always open this series; GitHub links may name others.
            same_name = m.group(0).startswith("github.com") is False or \
                slug.lower().endswith(f"/{repo.name}".lower())
            if ours and branch != repo.branch:
                found.append(f"{f.relative_to(root)}: {m.group(0)} (not branch {repo.branch})")
            elif not ours and same_name:
                found.append(f"{f.relative_to(root)}: {m.group(0)} (not {repo.slug})")
    return found


def sync(root: Path = ROOT, write: bool = False) -> list[str]:
    """Every place that differs from pyproject.toml's URL; with ``write``, fix them."""
    repo = repository(root)
    differences = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        diff, nb = sync_notebook(path, repo)
        differences += [f"notebooks/{d}" for d in diff]
        if diff and write:
            nbformat.write(nb, path)
    diff, text = sync_readme(root / "README.md", repo)
    differences += diff
    if diff and write:
        (root / "README.md").write_text(text)
    if not write:
        differences += stray_links(root, repo)
    return differences


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true",
                   help="only list what differs; exit 1 if anything does")
    p.add_argument("--root", type=Path, default=ROOT, help="the repository's folder")
    args = p.parse_args(argv)
    differences = sync(args.root, write=not args.check)
    repo = repository(args.root)
    if args.check:
        for d in differences:
            print(f"differs from {repo.url} ({repo.branch}): {d}")
        if differences:
            print("Run `python scripts/sync_notebook_links.py` to rewrite them.")
        return 1 if differences else 0
    for d in differences:
        print(f"rewrote {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
