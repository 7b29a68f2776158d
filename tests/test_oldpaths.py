"""The old module addresses (``runecon.models``, ``runecon.plots``...; ``runecon/_oldpaths.py``)
give the module object of the new home, however they are imported, and load it on first use."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from conftest import ROOT
from runecon._oldpaths import OLD_PATHS


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_an_old_address_is_the_module_of_its_new_home(old):
    new = importlib.import_module(f"runecon.{OLD_PATHS[old]}")
    assert importlib.import_module(f"runecon.{old}") is new
    assert sys.modules[f"runecon.{old}"] is new
    import runecon
    # the package's attribute is the module, except where the package exports a function of
    # the module's name (runecon.comparisons, runecon.subgroups, runecon.netmeta), as before
    attr = getattr(runecon, old)
    assert attr is new or (callable(attr) and attr is getattr(new, old))
    # the module keeps its own name and spec (pickles, reload and tracebacks name the new home)
    assert new.__name__ == new.__spec__.name == f"runecon.{OLD_PATHS[old]}"


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_every_import_form_in_a_fresh_interpreter():
    # nothing imported before: `import runecon.models` is the first thing the process does
    out = _run(
        "import runecon.models, sys\n"
        "from runecon.models import fit_arrays\n"
        "from runecon import _batch, models\n"
        "import runecon.meta.models as new\n"
        "import runecon._batch as b\n"
        "print(runecon.models is new, models is new, fit_arrays is new.fit_arrays,\n"
        "      _batch is b is sys.modules['runecon.meta._batch'], runecon.multilevel.__name__)")
    assert out == "True True True True runecon.meta.multilevel"


def test_importing_an_old_address_keeps_the_function_of_that_name():
    out = _run(
        "import runecon, runecon.comparisons, runecon.subgroups\n"
        "from runecon import netmeta\n"
        "import importlib; module = importlib.import_module('runecon.netmeta')\n"
        "print(callable(runecon.comparisons), callable(runecon.subgroups), callable(netmeta),\n"
        "      module.__name__)")
    assert out.split() == ["True", "True", "True", "runecon.meta.netmeta"]


def test_old_addresses_of_the_plotting_side_still_load_on_first_use():
    out = _run(
        "import sys, runecon\n"
        "print('matplotlib' in sys.modules, 'runecon.viz.plots' in sys.modules)\n"
        "from runecon.plots import forest\n"
        "import runecon.figures as f\n"
        "print('runecon.viz.plots' in sys.modules, f is sys.modules['runecon.viz.figures'],\n"
        "      forest.__module__)")
    assert out.split() == ["False", "False", "True", "True", "runecon.viz.plots"]


def test_an_unknown_address_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("runecon.no_such_module")
    import runecon
    with pytest.raises(AttributeError, match="no_such_module"):
        runecon.no_such_module
