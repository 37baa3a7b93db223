"""environment.yml (conda/Binder) and pyproject.toml (pip) list the same dependencies."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_ranges():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    ranges = {}
    for req in reqs:
        spec = req.split(";")[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)>=(\d+\.\d+),<(\d+\.\d+)", spec)
        assert m, f"pyproject dependency not pinned as name>=X.Y,<X.Z: {req!r}"
        ranges[m.group(1).lower()] = (m.group(2), m.group(3))
    return ranges


def _environment_ranges():
    ranges = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"\s*-\s+([A-Za-z0-9_.-]+)(=|>=)([\d.]+)(?:,<([\d.]+))?\s*(#.*)?$", line)
        if not m:
            continue
        name, op, low, high, comment = m.groups()
        assert comment and len(comment) > 5, f"environment.yml line lacks a comment: {line!r}"
        if op == "=" and high is None:
            major, minor = low.split(".")[:2]
            high = f"{major}.{int(minor) + 1}"
        ranges[name.lower()] = (low, high)
    return ranges


def test_every_environment_line_is_commented():
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.strip().startswith("- ") and not line.strip().endswith(":"):
            assert "#" in line, f"uncommented dependency in environment.yml: {line!r}"


def test_environment_yml_matches_pyproject():
    py = _pyproject_ranges()
    env = _environment_ranges()
    env.pop("python", None)
    # pyproject chooses tensorflow-cpu on Linux x86-64 and tensorflow elsewhere.
    assert py.pop("tensorflow") == py["tensorflow-cpu"]
    assert env == py, (
        "environment.yml and pyproject.toml disagree:\n"
        f"only in environment.yml: {sorted(set(env) - set(py))}\n"
        f"only in pyproject.toml: {sorted(set(py) - set(env))}\n"
        f"different ranges: { {k: (env[k], py[k]) for k in set(env) & set(py) if env[k] != py[k]} }"
    )
