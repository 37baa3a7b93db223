"""Colab and Binder: one repository URL, and a setup cell that installs the series.

The URL lives once, in pyproject.toml ``[project.urls] Repository``;
scripts/sync_notebook_links.py writes it into every notebook's badges and setup cell and
into the README's Binder badge. The setup cell's install branch is run here for real in a
fresh Python where ``import infogan_utils`` fails, with ``git`` and ``pip`` replaced by
stubs that record their arguments (no network, no TensorFlow): fast.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location(
    "sync_notebook_links", ROOT / "scripts" / "sync_notebook_links.py")
links = importlib.util.module_from_spec(_spec)
sys.modules["sync_notebook_links"] = links
_spec.loader.exec_module(links)


def _pyproject_repository():
    """(url, branch) read straight from pyproject.toml, independently of the script."""
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    base, _, branch = url.partition("/tree/")
    return base, branch


def _setup_block(notebook: Path) -> str:
    """The install block, as it stands in the notebook's setup cell."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and links.SETUP_MARKER in c.source]
    assert len(cells) == 1, f"{notebook.name}: expected one setup cell with the install block"
    lines = cells[0].source.split("\n")
    start, end = links._block_span(lines)
    return "\n".join(lines[start:end])


# --- one definition -------------------------------------------------------------------

def test_links_match_pyproject():
    """`python scripts/sync_notebook_links.py --check` finds nothing to change."""
    differences = links.sync(ROOT, write=False)
    assert not differences, (
        "These differ from pyproject.toml's [project.urls] Repository; run "
        "`python scripts/sync_notebook_links.py`:\n" + "\n".join(differences))


def test_every_notebook_has_badges_and_the_install_block_first():
    url, branch = _pyproject_repository()
    slug = url.removeprefix("https://github.com/")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        badges = [c.source for c in nb.cells if c.cell_type == "markdown"
                  and "colab-badge.svg" in c.source]
        assert len(badges) == 1, path.name
        for link in (f"colab.research.google.com/github/{slug}/blob/{branch}/notebooks/{path.name}",
                     f"mybinder.org/v2/gh/{slug}/{branch}?",
                     f"{url}/blob/{branch}/notebooks/{path.name}"):
            assert link in badges[0], f"{path.name}: badge cell lacks {link}"
        # The block is the first code the notebook runs, so no cell imports before it.
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code.source.startswith("try:  # infogan_utils comes first"), path.name
        assert f'REPO_URL, BRANCH, FOLDER = "{url}", "{branch}"' in _setup_block(path), path.name
        assert len(_setup_block(path).split("\n")) <= 10, f"{path.name}: setup block over 10 lines"


def test_check_mode_lists_what_differs(tmp_path, capsys):
    """A hand-edited URL makes `--check` exit 1 and name the file; a rewrite fixes it."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (tmp_path / "docs").mkdir()
    nb_path = tmp_path / "notebooks" / NOTEBOOKS[1].name
    text = nb_path.read_text()
    edited = text.replace('FOLDER = \\"https://github.com/', 'FOLDER = \\"https://github.com/x', 1)
    assert edited != text
    nb_path.write_text(edited)

    check = ["--root", str(tmp_path), "--check"]
    assert links.main(check) == 1
    assert f"{NOTEBOOKS[1].name}: install block of the setup cell" in capsys.readouterr().out

    assert links.main(check[:2]) == 0  # rewrite
    assert links.main(check) == 0, capsys.readouterr().out


# --- the install branch, run in a fresh Python ---------------------------------------

# Runs in the child: hide every installed infogan_utils (the project's editable install
# included), so only a copy inside the fake clone can be imported; optionally pretend to
# be Colab; then execute the setup block and report where it ended up.
_DRIVER = textwrap.dedent("""
    import importlib.machinery, json, os, sys, types

    clone_parent = os.getcwd()

    class HideInstalledPackage:
        def find_spec(self, name, path=None, target=None):
            if name != "infogan_utils":
                return None
            inside = [p for p in sys.path if p and os.path.abspath(p).startswith(clone_parent)]
            spec = importlib.machinery.PathFinder.find_spec(name, inside)
            if spec is None:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return spec

    sys.meta_path.insert(0, HideInstalledPackage())
    if os.environ.get("FAKE_COLAB"):
        output = types.SimpleNamespace(enable_custom_widget_manager=lambda: open(
            os.environ["STUB_LOG"], "a").write(json.dumps(["colab-widgets"]) + "\\n"))
        colab = types.ModuleType("google.colab")
        colab.output = output
        google = types.ModuleType("google")
        google.colab = colab
        sys.modules.update({"google": google, "google.colab": colab, "google.colab.output": output})

    block = open(os.environ["SETUP_BLOCK"]).read()
    exec(compile(block, "setup cell", "exec"), {})
    import infogan_utils
    print(json.dumps({"cwd": os.getcwd(), "package": infogan_utils.__file__}))
""")

# `git` on PATH: records its arguments; `clone` makes a folder that looks like the
# repository (a stand-in infogan_utils and notebooks/), or fails as offline git does.
_GIT = textwrap.dedent("""\
    #!{python}
    import json, os, sys
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(json.dumps(["git"] + sys.argv[1:]) + "\\n")
    if os.environ.get("FAIL_CLONE"):
        sys.exit("fatal: unable to access '" + sys.argv[-2] + "/': Could not resolve host: github.com")
    dest = sys.argv[-1]
    os.makedirs(os.path.join(dest, "infogan_utils"))
    os.makedirs(os.path.join(dest, "notebooks"))
    open(os.path.join(dest, "infogan_utils", "__init__.py"), "w").write("CLONED = True\\n")
    os.makedirs(os.path.join(dest, "scripts"))
    open(os.path.join(dest, "scripts", "colab_setup.py"), "w").write(
        open(os.environ["COLAB_SETUP"]).read())
""")

# `python -m pip`: a stand-in pip package first on PYTHONPATH, so the setup block's
# `sys.executable -m pip install ...` runs it instead of the real pip.
_PIP = textwrap.dedent("""\
    import json, os, sys
    with open(os.environ["STUB_LOG"], "a") as log:
        log.write(json.dumps(["pip"] + sys.argv[1:]) + "\\n")
""")


def _run_setup_block(tmp_path, notebook=NOTEBOOKS[1], installed=False, **env_extra):
    """Run a notebook's setup block in a fresh Python; return (result, calls, workdir)."""
    stubs = tmp_path / "stubs"
    (stubs / "bin").mkdir(parents=True)
    (stubs / "pip").mkdir()
    git = stubs / "bin" / "git"
    git.write_text(_GIT.format(python=sys.executable))
    git.chmod(0o755)
    (stubs / "pip" / "__init__.py").write_text("")
    (stubs / "pip" / "__main__.py").write_text(_PIP)
    block = tmp_path / "block.py"
    block.write_text(_setup_block(notebook))
    log = tmp_path / "calls.jsonl"
    work = tmp_path / "work"  # where the learner's kernel starts (Colab: /content)
    work.mkdir()
    pythonpath = [str(stubs)]
    driver = _DRIVER
    if installed:  # the normal case: a package is importable, nothing is hidden
        (tmp_path / "site" / "infogan_utils").mkdir(parents=True)
        (tmp_path / "site" / "infogan_utils" / "__init__.py").write_text("")
        pythonpath.insert(0, str(tmp_path / "site"))
        driver = driver.replace("sys.meta_path.insert(0, HideInstalledPackage())", "")
    env = {k: v for k, v in os.environ.items() if k not in ("FAKE_COLAB", "FAIL_CLONE")}
    env = {**env, "PATH": f"{stubs / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(pythonpath), "STUB_LOG": str(log),
           "SETUP_BLOCK": str(block),
           "COLAB_SETUP": str(ROOT / "scripts" / "colab_setup.py"), **env_extra}
    result = subprocess.run([sys.executable, "-c", driver], cwd=work, env=env,
                            capture_output=True, text=True, timeout=60)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls, work


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_install_branch_clones_installs_and_enters_notebooks(tmp_path, notebook):
    url, branch = _pyproject_repository()
    result, calls, work = _run_setup_block(tmp_path, notebook)
    assert result.returncode == 0, result.stderr
    clone = work / url.rsplit("/", 1)[1]
    assert calls == [
        ["git", "clone", "--depth", "1", "--branch", branch, url, clone.name],
        ["pip", "install", "--quiet", "-e", clone.name],
    ]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["cwd"] == str(clone / "notebooks")  # ../data and ../docs resolve
    assert report["package"] == str(clone / "infogan_utils" / "__init__.py")
    assert f"Installing the series from {url}" in result.stdout


def test_install_branch_in_colab_enables_the_widget_manager(tmp_path):
    result, calls, _ = _run_setup_block(tmp_path, FAKE_COLAB="1")
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in calls] == ["git", "pip", "colab-widgets"]


def test_install_branch_outside_colab_leaves_widgets_alone(tmp_path):
    result, calls, _ = _run_setup_block(tmp_path)
    assert result.returncode == 0, result.stderr
    assert ["colab-widgets"] not in calls


def test_failed_clone_gives_one_clear_error(tmp_path):
    url, _ = _pyproject_repository()
    result, calls, work = _run_setup_block(tmp_path, FAIL_CLONE="1")
    assert result.returncode != 0
    assert [c[0] for c in calls] == ["git"]  # nothing installed after a failed clone
    assert result.stderr.count("Traceback") == 1  # not a chain of exceptions
    message = result.stderr[result.stderr.index("RuntimeError"):]
    assert f"Could not fetch {url}" in message
    assert "Could not resolve host" in message  # git's own reason
    assert "Connect to the internet" in message and url in message
    assert os.listdir(work) == []  # it stayed where it was


def test_installed_package_runs_nothing(tmp_path):
    result, calls, work = _run_setup_block(tmp_path, installed=True, FAKE_COLAB="1")
    assert result.returncode == 0, result.stderr
    assert calls == []  # no git, no pip, no widget manager
    report = json.loads(result.stdout)  # and nothing printed before the report
    assert report["cwd"] == str(work)
