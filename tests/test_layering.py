"""Data flows one way: the imports of runecon, read with ast, follow a layer order that the
folders show.

Layers, lowest first (a module may import only from its own layer or lower ones; the
package ``runecon/__init__.py`` re-exports everything and sits on top):

0. ``errors``, ``config``, ``results``, ``_checks`` -- the foundation (top level): exceptions,
   paths, the result classes and their printing (the result methods reach the engine through
   ``results.register_engine``), argument checks;
1. ``meta._rootfind``, ``meta._design``, ``meta.effects`` -- R's uniroot, model matrices,
   effect sizes;
2. ``meta._batch``, ``meta.models`` -- the univariate engine;
3. ``meta.multilevel``, ``meta.sensitivity``, ``meta.smallstudy``, ``meta.subgroups``,
   ``meta.bayes``, ``meta.netmeta``, ``meta.simulate`` -- analyses built on the engine;
   ``physiology`` (and its submodules) beside them;
4. ``evidence.data``, ``evidence.labels`` -- the data package, people's words;
5. ``evidence._armdata``, ``evidence.comparisons`` -- the evidence's comparisons;
6. ``evidence.networks``, ``evidence.speed``, ``evidence.claims``, ``evidence.living`` --
   analyses of the evidence;
7. ``viz.style``, ``viz.savefig``, ``viz.plots`` -- drawing (the only modules, with layer 8,
   that may import matplotlib);
8. ``viz.figures``, ``viz.explorer``, ``viz.book``, ``cli`` -- the article's figures, the
   explorer UI, the book and the command line.

So the folders are layers too: ``meta/`` and ``physiology/`` use only the foundation,
``evidence/`` uses them, ``viz/`` uses everything below, ``cli`` sits on top.

Checked for every ``runecon/**/*.py``: (a) no import cycle among runecon modules, counting
module-level imports and function-local (lazy) ones alike, except the lazy imports listed in
``ALLOWED_LAZY_CYCLES`` with their reason; (b) no private name (``_x``) imported from another
module (``from .x import _y``, or ``x._y`` after ``from . import x``; a private *module* such
as ``_checks`` with public names is fine); (c) the layer order above, for module-level and lazy
imports alike; (d) every import names a module that exists, none an old address (``runecon.models``, see
``runecon/_oldpaths.py``; ``tests/test_oldpaths.py`` checks that each old address is the
module object of its new home).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from runecon._oldpaths import OLD_PATHS

PACKAGE = ROOT / "runecon"

LAYERS = [
    {"errors", "config", "results", "_checks"},
    {"meta._rootfind", "meta._design", "meta.effects"},
    {"meta._batch", "meta.models"},
    {"meta.multilevel", "meta.sensitivity", "meta.smallstudy", "meta.subgroups", "meta.bayes",
     "meta.netmeta", "meta.simulate", "physiology"},
    {"evidence.data", "evidence.labels"},
    {"evidence._armdata", "evidence.comparisons"},
    {"evidence.networks", "evidence.speed", "evidence.claims", "evidence.living"},
    {"viz.style", "viz.savefig", "viz.plots"},
    {"viz.figures", "viz.explorer", "viz.book", "cli"},
]
#: the folders, lowest first: each folder's layers lie below the next folder's
FOLDERS = [{"meta", "physiology"}, {"evidence"}, {"viz"}]
#: the module that maps the old addresses; it imports nothing from runecon
OLD_PATHS_MODULE = "runecon._oldpaths"
#: (importer, imported) lazy imports that close a cycle, with the reason; none today
ALLOWED_LAZY_CYCLES: dict[tuple[str, str], str] = {}
#: (importer, imported, name): private names imported across modules, with the reason; none
ALLOWED_PRIVATE: dict[tuple[str, str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: str):
    """(imported module, names, lazy, line) for every runecon import in ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []

    def visit(node, lazy):
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[:len(package.split(".")) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target == "runecon" or target.startswith("runecon."):
                    for alias in child.names:   # `from . import labels` imports a module
                        sub = f"{target}.{alias.name}"
                        if sub in MODULES:
                            out.append((sub, (), inner, child.lineno))
                        else:
                            out.append((target, (alias.name,), inner, child.lineno))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "runecon" or alias.name.startswith("runecon."):
                        out.append((alias.name, (), inner, child.lineno))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return out


IMPORTS = {m: _imports(m) for m in MODULES}


def _layer(module: str) -> int:
    """Layer of a runecon module (``physiology``'s modules share its layer; a folder's
    ``__init__`` is in the folder's lowest layer)."""
    if module in ("runecon", OLD_PATHS_MODULE):
        return len(LAYERS)
    name = module.partition(".")[2]
    for i, names in enumerate(LAYERS):
        if name in names or name.split(".")[0] in names or \
                any(n.startswith(name + ".") for n in names):
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layering.py "
                         "(and to the list in the docstring)")


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)
    named = set().union(*LAYERS)
    files = {m.partition(".")[2] for m in MODULES if m != "runecon"}
    files |= {f.split(".")[0] for f in files}
    assert named <= files, f"LAYERS names modules that do not exist: {sorted(named - files)}"


def test_the_import_reader_sees_known_imports():
    # the test is only as good as its reader: it must see a module-level relative import,
    # a `from . import module` and a lazy import inside a function
    models, labels = IMPORTS["runecon.meta.models"], IMPORTS["runecon.evidence.labels"]
    assert ("runecon.results", ("RMAResult",), False) in [i[:3] for i in models]
    assert any(t == "runecon._checks" and not lazy for t, _, lazy, _ in models)
    assert any(t == "runecon.evidence.data" and lazy for t, _, lazy, _ in labels)
    assert ("runecon.physiology.daniels", ("vdot",), True) in \
        [i[:3] for i in IMPORTS["runecon.viz.explorer"]]
    # `from ..meta.models import rma` in a folder, `from .meta.effects import ...` at the top
    assert ("runecon.meta.multilevel", ("rma_mv",), True) in \
        [i[:3] for i in IMPORTS["runecon.evidence.living"]]
    assert ("runecon.meta.effects", ("escalc",), False) in \
        [(t, names[:1], lazy) for t, names, lazy, _ in IMPORTS["runecon"]]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or self-loops."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges.get(v, ()):
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def _graph(include_lazy: bool) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, imports in IMPORTS.items():
        for target, _, lazy, _ in imports:
            if module == "runecon" or target == "runecon":
                continue        # the package's re-exports; importing from it is checked below
            if target not in MODULES or target == module:
                continue
            if lazy and (not include_lazy or (module, target) in ALLOWED_LAZY_CYCLES):
                continue
            edges[module].add(target)
    return edges


def test_no_import_cycles_at_module_level():
    assert _cycles(_graph(include_lazy=False)) == []


def test_no_import_cycles_counting_lazy_imports():
    assert _cycles(_graph(include_lazy=True)) == [], \
        "a lazy import closes a cycle: restructure, or list it in ALLOWED_LAZY_CYCLES with a reason"


def test_no_module_imports_from_the_package_itself():
    # `from runecon import x` / `from . import x` of a name (not a module) inside runecon would
    # run runecon/__init__.py's re-exports first: a hidden cycle
    bad = [(m, names, line) for m, imports in IMPORTS.items() if m != "runecon"
           for target, names, _, line in imports if target == "runecon" and names]
    assert bad == []


def test_no_private_names_imported_across_modules():
    bad = []
    for module, imports in IMPORTS.items():
        for target, names, _, line in imports:
            for name in names:
                if name.startswith("_") and not name.startswith("__") and \
                        (module, target, name) not in ALLOWED_PRIVATE:
                    bad.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {name} "
                               f"from {target}")
    assert bad == [], "make the name public in its module, or move it:\n" + "\n".join(bad)


def test_no_private_attributes_of_imported_modules():
    # `from . import _checks` then `_checks._helper(...)` is the same reach into another
    # module's private names as importing them
    bad = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {a.asname or a.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.level and node.module is None
                   for a in node.names}
        bad += [f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")]
    assert bad == [], "\n".join(bad)


def test_modules_import_only_from_their_own_or_lower_layers():
    bad = []
    for module, imports in IMPORTS.items():
        for target, _, lazy, line in imports:
            if target == "runecon" or target not in MODULES:
                continue
            if _layer(target) > _layer(module):
                bad.append(f"{MODULES[module].relative_to(ROOT)}:{line} ({_layer(module)}) "
                           f"{'lazily ' if lazy else ''}imports {target} ({_layer(target)})")
    assert bad == [], "\n".join(bad)


def test_the_folders_are_layers():
    # every layer of a folder lies below every layer of the next folder
    folder_layers = [{_layer(m) for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in f}
                     for f in FOLDERS]
    for lower, upper, names in zip(folder_layers, folder_layers[1:], FOLDERS[1:]):
        assert max(lower) < min(upper), f"{sorted(names)} shares a layer with the folder below"
    foundation = {m for m in MODULES if m.count(".") == 1 and _layer(m) == 0}
    assert foundation == {"runecon.errors", "runecon.config", "runecon.results", "runecon._checks"}


def test_no_module_imports_an_old_address():
    # runecon/_oldpaths.py keeps `runecon.models`... working for users; inside runecon every
    # import names the new home, so that the layers above are what runs
    old = {f"runecon.{name}" for name in OLD_PATHS}
    bad = [f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}{'.' + names[0] if names else ''}"
           for m, imports in IMPORTS.items() for t, names, _, line in imports
           if t in old or (t == "runecon" and names and f"runecon.{names[0]}" in old)]
    assert bad == [], "\n".join(bad)


def test_every_import_names_a_module_that_exists():
    # a relative import written for the old flat layout (`from .models import rma` inside
    # evidence/, e.g. from a branch merged after the move) names a module that does not exist
    bad = [f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}"
           for m, imports in IMPORTS.items() for t, _, _, line in imports
           if t != "runecon" and t not in MODULES]
    assert bad == [], "\n".join(bad)


def test_every_old_address_is_a_module_that_exists():
    for name, new in OLD_PATHS.items():
        assert f"runecon.{new}" in MODULES, f"runecon.{name} -> runecon.{new}: no such module"
        assert f"runecon.{name}" not in MODULES, f"runecon/{name}.py exists beside its alias"


def test_statistics_layers_do_not_import_matplotlib_in_their_source():
    # the source of the layers below viz/ never imports matplotlib (the run-time check is below)
    bad = []
    for module, path in MODULES.items():
        if module != "runecon" and _layer(module) <= LAYERS.index(
                {"evidence.networks", "evidence.speed", "evidence.claims", "evidence.living"}):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                bad += [f"{module}: {n}" for n in names if n.split(".")[0] == "matplotlib"]
    assert bad == []


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
    assert "runecon.viz.figures" in mods and "runecon.viz.plots" in mods
