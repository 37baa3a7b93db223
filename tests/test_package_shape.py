"""The package stays readable: short functions, no private names across modules, no import
cycle, a cheap `import infogan_utils`, and a command line that offers every setting.

These are the rules of issue 29, checked on the source itself (with ``ast``), so a change
that breaks one fails here with the function, module or name to look at.
"""

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "infogan_utils"
MODULES = sorted(PACKAGE.glob("*.py"))
MAX_LINES, MAX_POSITIONAL = 60, 6


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _positional(node) -> int:
    names = [a.arg for a in node.args.posonlyargs + node.args.args]
    return len(names) - (1 if names and names[0] in ("self", "cls") else 0)


def _imports(path: Path):
    """(module imported from, names) of every import inside the package, anywhere in the
    file (function-level imports included)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            target = node.module or ""
            if not target:  # from . import x, y: x and y are modules
                for alias in node.names:
                    yield alias.name, []
            else:
                yield target.split(".")[0], [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("infogan_utils."):
            yield node.module.split(".")[1], [a.name for a in node.names]


def test_no_function_is_longer_than_60_lines_or_takes_more_than_6_positional_arguments():
    found = []
    for path in MODULES:
        for node in _functions(_tree(path)):
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_LINES or _positional(node) > MAX_POSITIONAL:
                found.append(f"{path.name}:{node.lineno} {node.name}: {lines} lines, "
                             f"{_positional(node)} positional")
    assert not found, "\n".join(found)


def test_no_private_name_is_imported_across_modules():
    found = [f"{path.name}: {module}.{name}" for path in MODULES
             for module, names in _imports(path) for name in names if name.startswith("_")]
    assert not found, found


def test_no_import_cycle():
    known = {p.stem for p in MODULES}
    graph = {p.stem: {m for m, _ in _imports(p) if m in known and m != p.stem}
             for p in MODULES}
    cycles = []

    def visit(node, path):
        for nxt in graph[node]:
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    done = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_importing_the_package_loads_neither_tensorflow_nor_ipywidgets():
    code = ("import sys, infogan_utils; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'ipywidgets') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", result.stdout


def test_a_public_name_is_imported_on_first_use():
    code = ("import sys, infogan_utils; assert 'tensorflow' not in sys.modules; "
            "from infogan_utils import InfoGANConfig, code_explorer; "
            "assert 'ipywidgets' in sys.modules; print(InfoGANConfig().batch_size)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "64"
    import infogan_utils

    assert set(infogan_utils.__all__) <= set(dir(infogan_utils))
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        infogan_utils.not_a_name  # noqa: B018


def test_train_help_offers_every_config_field_and_the_flags_build_the_config():
    from infogan_utils import cli
    from infogan_utils.config import InfoGANConfig

    train = cli._parser()._subparsers._group_actions[0].choices["train"]
    text = train.format_help()
    missing = [f.name for f in dataclasses.fields(InfoGANConfig)
               if "--" + f.name.replace("_", "-") not in text]
    assert not missing, f"train --help does not offer {missing}"
    args = train.parse_args(["--out", "x", "--no-contrastive-share-noise", "--no-fix-var",
                             "--lambda-cont", "0.5", "--num-categories", "12"])
    config = InfoGANConfig(**{f.name: getattr(args, f.name)
                              for f in dataclasses.fields(InfoGANConfig)})
    assert (config.contrastive_share_noise, config.fix_var) == (False, False)
    assert (config.lambda_cont, config.num_categories) == (0.5, 12)
    assert config.precision == "auto"  # the command line's default: the fastest path


def test_one_validator_checks_settings_run_arguments_and_flags():
    """The config, train() and the command line word a bad number the same way, because
    they call the same function."""
    from infogan_utils import cli
    from infogan_utils.config import InfoGANConfig, check_schedule

    with pytest.raises(ValueError, match=r"^seed must be in \[0, 2,147,483,647\], got -1$"):
        InfoGANConfig(seed=-1)
    with pytest.raises(ValueError, match=r"^steps \(25\) and checkpoint_every \(500\) must be "
                                         r"multiples of log_every \(10\)$"):
        check_schedule(25, 10, 500)
    assert cli.main(["train", "--out", "x", "--steps", "25", "--log-every", "10"]) == 2


def _calls_in_order(source: str, vocabulary) -> list[str]:
    """The names of the calls in ``source`` that are in ``vocabulary``, in source order."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in vocabulary:
                calls.append((node.lineno, node.col_offset, name))
    return [name for *_, name in sorted(calls)]


def test_the_packages_train_step_reads_like_the_learners_cell_in_notebook_03():
    """InfoGAN.train_step makes the calls of notebook 03's MyInfoGAN.train_step (the
    teacher's solution), in the same order, and is at most 40 lines: the learner who
    opens infogan.py finds the step they wrote, plus one hook for the extensions."""
    import inspect
    import textwrap

    import nbformat

    from infogan_utils.infogan import InfoGAN

    nb = nbformat.read(ROOT / "notebooks" / "03_training.ipynb", as_version=4)
    learner = next(c.source for c in nb.cells if "class MyInfoGAN" in c.source)
    package = textwrap.dedent(inspect.getsource(InfoGAN.train_step))
    assert len(package.splitlines()) <= 40
    steps = {"sample_codes", "concat", "one_hot", "GradientTape", "generator", "discriminate",
             "categorical_code_loss", "information_loss", "discriminator_loss",
             "generator_loss", "apply_gradients"}
    theirs, ours = _calls_in_order(learner, steps), _calls_in_order(package, steps)
    # the learner's calls, in order, within the package's (which adds only Q's own
    # loss for the plain-GAN baseline: one more information_loss)
    rest = iter(ours)
    assert theirs and all(name in rest for name in theirs), (theirs, ours)
    assert len(ours) - len(theirs) <= 1, (theirs, ours)
    for n in range(1, 8):  # the seven steps, marked alike
        assert f"step {n}" in learner or f"# {n}" in learner
        assert f"step {n}" in package or f"# {n}" in package, n
