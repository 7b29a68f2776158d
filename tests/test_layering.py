"""Data flows one way: the imports of runecon, read with ast, follow a layer order.

Layers, lowest first (a module may import only from its own layer or lower ones; the
package ``runecon/__init__.py`` re-exports everything and sits on top):

0. ``errors``, ``config``, ``results`` -- exceptions, paths, the result classes and their
   printing (the result methods reach the engine through ``results.register_engine``);
1. ``_checks``, ``data``, ``labels``, ``_design``, ``_rootfind`` -- argument checks, the data
   package, people's words, model matrices, R's uniroot;
2. ``effects``, ``comparisons``, ``_armdata`` -- effect sizes and the evidence's comparisons;
3. ``models``, ``_batch`` -- the univariate engine;
4. ``multilevel``, ``sensitivity``, ``smallstudy``, ``subgroups``, ``bayes``, ``netmeta``,
   ``speed``, ``physiology`` (and its submodules), ``claims``, ``living``, ``simulate`` --
   analyses built on the engine;
5. ``style``, ``savefig``, ``plots`` -- drawing (the only modules, with layer 6, that may import
   matplotlib);
6. ``figures``, ``explorer``, ``cli``, ``book`` -- the article's figures, the explorer UI, the
   command line and the book.

Checked for every ``runecon/**/*.py``: (a) no import cycle among runecon modules, counting
module-level imports and function-local (lazy) ones alike, except the lazy imports listed in
``ALLOWED_LAZY_CYCLES`` with their reason; (b) no private name (``_x``) imported from another
module (``from .x import _y``, or ``x._y`` after ``from . import x``; a private *module* such
as ``_checks`` with public names is fine); (c) the layer order above, for module-level and lazy imports alike.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "runecon"

LAYERS = [
    {"errors", "config", "results"},
    {"_checks", "data", "labels", "_design", "_rootfind"},
    {"effects", "comparisons", "_armdata"},
    {"models", "_batch"},
    {"multilevel", "sensitivity", "smallstudy", "subgroups", "bayes", "netmeta", "speed",
     "physiology", "claims", "living", "simulate"},
    {"style", "savefig", "plots"},
    {"figures", "explorer", "cli", "book"},
]
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
    """Layer of a runecon module (a subpackage's modules share the subpackage's layer)."""
    if module == "runecon":
        return len(LAYERS)
    top = module.split(".")[1]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layering.py "
                         "(and to the list in the docstring)")


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)
    named = set().union(*LAYERS)
    files = {m.split(".")[1] for m in MODULES if m != "runecon"}
    assert named <= files, f"LAYERS names modules that do not exist: {sorted(named - files)}"


def test_the_import_reader_sees_known_imports():
    # the test is only as good as its reader: it must see a module-level relative import,
    # a `from . import module` and a lazy import inside a function
    assert ("runecon.results", ("RMAResult",), False) in [i[:3] for i in IMPORTS["runecon.models"]]
    assert any(t == "runecon._checks" and not lazy for t, _, lazy, _ in IMPORTS["runecon.models"])
    assert any(t == "runecon.data" and lazy for t, _, lazy, _ in IMPORTS["runecon.labels"])
    assert ("runecon.physiology.daniels", ("vdot",), True) in \
        [i[:3] for i in IMPORTS["runecon.explorer"]]


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


def test_statistics_layers_do_not_import_matplotlib_in_their_source():
    # the source of layers 0-4 never imports matplotlib (the run-time check is below)
    bad = []
    for module, path in MODULES.items():
        if module != "runecon" and _layer(module) <= 4:
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
    assert "runecon.figures" in mods and "runecon.plots" in mods
