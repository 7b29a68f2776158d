"""Data flows one way: the statistics never import matplotlib (issue brief, "How we want the code")."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_importing_runecon_and_fitting_models_does_not_import_matplotlib():
    mods = _modules_after(
        "import runecon\n"
        "res = runecon.rma([0.1, 0.3, -0.2, 0.5], [0.04, 0.05, 0.03, 0.06], method='REML')\n"
        "runecon.leave1out(res); runecon.bayesmeta([0.1, 0.3, -0.2], [0.04, 0.05, 0.03], tau_scale=0.5)\n"
        "runecon.comparisons('running_economy', review='llanoslagos2024a')\n")
    assert not any(m == "matplotlib" or m.startswith("matplotlib.") for m in mods)


def test_plotting_modules_load_on_first_use():
    mods = _modules_after("import runecon\nrunecon.figures.data_version()")
    assert "runecon.figures" in mods and "runecon.plots" in mods
