"""The modules' old addresses, before the folders showed the layers (``runecon.models`` is
now ``runecon.meta.models``, ``runecon.plots`` is ``runecon.viz.plots``...).

``import runecon.models``, ``from runecon.models import fit_arrays``, ``from runecon import
models`` and ``runecon.models`` all give the module object of the new home, loaded on first
use (so ``runecon.plots`` still imports matplotlib only when asked for). There are no shim
files at the old paths: a file there would hide the move from git's rename detection, and
twenty files beside the folders would hide the folders. Code inside runecon imports from the
new homes (``tests/test_layering.py`` checks it); these addresses are for users' code and old
notebooks, and are not deprecated.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old name under ``runecon`` -> new dotted path under ``runecon``
OLD_PATHS = {
    **{m: f"meta.{m}" for m in ("_rootfind", "_design", "effects", "_batch", "models", "multilevel",
                                "sensitivity", "smallstudy", "subgroups", "bayes", "netmeta",
                                "simulate")},
    **{m: f"evidence.{m}" for m in ("data", "labels", "_armdata", "comparisons", "speed", "claims",
                                    "living")},
    **{m: f"viz.{m}" for m in ("style", "savefig", "plots", "figures", "explorer", "book")},
}


class OldPathFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers only for ``runecon.<old name>``: the module is the one at its new home."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.partition(".")
        if package != "runecon" or name not in OLD_PATHS:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(f"runecon.{OLD_PATHS[spec.name.partition('.')[2]]}")
        spec.loader_state = module.__spec__      # the import system overwrites __spec__ next
        return module

    def exec_module(self, module):
        # the import system has set module.__spec__ to the old-path spec: restore the module's own
        module.__spec__ = module.__spec__.loader_state


def install() -> None:
    """Register the old addresses of the modules already loaded and put the finder, for the
    others, first on ``sys.meta_path`` (once). Called at the end of ``runecon/__init__.py``.

    Registering in ``sys.modules`` matters where a module shares its name with the function
    the package exports (``runecon.comparisons``, ``runecon.subgroups``, ``runecon.netmeta``):
    loading ``runecon.comparisons`` through the finder would set the package's attribute to
    the module, replacing the function. A registered module is not loaded again, so the
    attribute stays the function, as before the move.
    """
    for old, new in OLD_PATHS.items():
        module = sys.modules.get(f"runecon.{new}")
        if module is not None:
            sys.modules.setdefault(f"runecon.{old}", module)
    if not any(isinstance(f, OldPathFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, OldPathFinder())
