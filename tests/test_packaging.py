"""The build files agree with each other, and the README's quickstart runs."""
from __future__ import annotations

import re
import sys
from pathlib import Path

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


# ----------------------------------------------------------------------------- the wheel
def _build_files():
    """The files a wheel is built from (pyproject.toml, README, LICENSE, runecon/, data/)."""
    import subprocess

    out = subprocess.run(["git", "ls-files", "--", "pyproject.toml", "README.md", "LICENSE",
                          "runecon", "data"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():  # not a git checkout: take the folders
        return sorted(str(p.relative_to(ROOT)) for d in ("runecon", "data")
                      for p in (ROOT / d).rglob("*") if p.is_file() and "__pycache__" not in p.parts)\
            + ["pyproject.toml", "README.md", "LICENSE"]
    return out.stdout.split()


@pytest.mark.slow
def test_wheel_installs_and_runs_from_another_folder(tmp_path):
    """Build the wheel offline, install it into a fresh venv and, from another folder, load every
    table of runecon.datasets() and build one figure with the ``runecon`` command: the data
    package (data/) and the style ship inside the wheel (issue #11, "Installable anywhere")."""
    import os
    import shutil
    import subprocess
    import sysconfig
    import zipfile

    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.fail(f"setuptools {setuptools.__version__} is too old to build runecon offline; "
                    "`make` installs setuptools>=77 (the test extra)")
    src = tmp_path / "src"
    for rel in _build_files():   # a clean copy: the build writes build/ and *.egg-info
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    dist = tmp_path / "dist"
    run = dict(capture_output=True, text=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in ("RUNECON_DATA", "PYTHONPATH")}
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                            "--no-build-isolation", "--no-index", "-w", str(dist)],
                           cwd=tmp_path, env=env, **run)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Deprecat" not in build.stdout + build.stderr, "setuptools prints deprecation warnings"
    (wheel,) = dist.glob("runecon-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data_files = [r for r in _build_files() if r.startswith("data/")]
    missing = [r for r in data_files if "runecon/_datapackage/" + r[len("data/"):] not in names]
    assert not missing, f"data files missing from the wheel: {missing}"
    assert "runecon/viz/styles/runecon.mplstyle" in names

    # A fresh venv that sees the current environment's libraries (numpy, pandas...) through a
    # .pth file, but not the repository or its editable install: nothing is downloaded.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, **run)
    vpy = venv / "bin" / "python"
    site = subprocess.run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, **run).stdout.strip()
    (Path(site) / "_runecon_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    inst = subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "--no-deps",
                           "--no-index", str(wheel)], env=env, **run)
    assert inst.returncode == 0, inst.stdout + inst.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1")
    code = ("import runecon, pathlib\n"
            "assert pathlib.Path(runecon.__file__).is_relative_to(pathlib.Path(r'%s')), runecon.__file__\n"
            "names = list(runecon.datasets()['name'])\n"
            "assert names\n"
            "for n in names: assert len(runecon.load(n)) > 0, n\n"
            "print(len(names))\n") % venv
    load = subprocess.run([str(vpy), "-c", code], cwd=elsewhere, env=env, **run)
    assert load.returncode == 0, load.stdout + load.stderr
    assert int(load.stdout.split()[-1]) == len({r for r in data_files
                                                if r.endswith(".csv") and r.count("/") == 1})
    fig = subprocess.run([str(venv / "bin" / "runecon"), "figures", "--only", "storen",
                          "--format", "png", "--out", "out"], cwd=elsewhere, env=env, **run)
    assert fig.returncode == 0, fig.stdout + fig.stderr
    assert list((elsewhere / "out").rglob("storen*.png")), sorted(os.listdir(elsewhere / "out"))
