"""The build files agree with each other, and the README's quickstart runs."""
from __future__ import annotations

import re
import sys

import pytest

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _name(req: str) -> str:
    """Distribution name of a requirement string such as 'numpy>=1.24'."""
    return re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0].lower()


def _pyproject_deps() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = set(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        deps.update(extra)
    return {_name(d) for d in deps}


def _conda_deps() -> set[str]:
    """Top-level conda packages of environment.yml (a tiny parser: the file is flat)."""
    names, in_deps = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        m = re.match(r"^  - ([A-Za-z0-9_.\-]+)", line)
        if in_deps and m:
            names.add(_name(m.group(1)))
    return names - {"python", "pip"}


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    py, conda = _pyproject_deps(), _conda_deps()
    assert py == conda, f"only in pyproject: {sorted(py - conda)}; only in environment.yml: {sorted(conda - py)}"


def test_environment_yml_installs_runecon_editable():
    assert "- -e ." in (ROOT / "environment.yml").read_text()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make figures" in readme
    commands = [l.strip() for l in ci.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    assert commands[-1] == "make test"


def test_readme_quickstart_runs(tmp_path, monkeypatch):
    """Every ```python block of the README is executed, in order, in one namespace."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks, "README has no python quickstart"
    monkeypatch.chdir(tmp_path)
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    for code in blocks:
        exec(compile(code, "README.md", "exec"), namespace)
