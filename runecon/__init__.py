"""runecon: the evidence on strength and plyometric training for distance runners,
re-analysed with statistics equal to R metafor.

The public API is re-exported here; see the README for a quickstart. The folders show the
layers, lowest first (``tests/test_layering.py`` enforces them):

- ``errors``, ``config``, ``results``, ``_checks`` -- the foundation: exceptions, paths, the
  result classes, argument checks;
- ``meta/`` -- the engine equal to metafor, usable on its own (no data, no matplotlib);
  ``physiology/`` -- running physiology (race-time prediction), beside it;
- ``evidence/`` -- the data package and what is computed from it (comparisons, claims, living);
- ``viz/`` -- style, plots, the article's figures, the explorer UI, the book;
- ``cli`` -- the ``runecon`` command.

The old addresses (``runecon.models``, ``runecon.plots``...) still work: see ``_oldpaths``.
"""
from __future__ import annotations

from types import ModuleType as _ModuleType

from . import _oldpaths

__version__ = "0.1.0"

# One import line per module; __all__ is computed below so that adding a module is one line.
from . import errors
from .evidence.data import datasets, load, load_csv
from .meta.models import rma
from .results import ConfintResult, PredictResult, RMAResult
from . import physiology
from .physiology import predict_race_times
from .meta.effects import (ci_to_se, escalc, escalc_prepost, hedges_j, p_to_se, pct_to_smd,
                           smd_to_pct, t_to_se)
from .meta.subgroups import SubgroupResult, subgroups
from .evidence.comparisons import comparisons, pair_arms
from .meta.netmeta import NetmetaResult, combine_arms, netmeta
from .evidence.networks import method_arms, method_network
from .evidence.speed import SpeedSlopesResult, speed_slopes
from .meta.multilevel import rma_mv, robust
from .results import RMAMVResult, RobustResult
from .meta.bayes import BayesResult, bayesmeta
from .meta.sensitivity import (PermutestResult, TableResult, cumul, gosh, influence, leave1out,
                                permutest)
from .meta.smallstudy import (FunnelData, PetPeeseResult, RegtestResult, TrimfillResult,
                              funnel_data, pet_peese, regtest, trimfill)
from .viz import explorer
from .evidence import labels
from .evidence.claims import ClaimsLedger, claims_ledger
from .evidence import living
from .evidence.living import cumulative_by_year

_oldpaths.install()   # after the imports above: see its docstring

#: submodules that are part of the public API (others are implementation detail)
_PUBLIC_MODULES = {"errors", "physiology", "plots", "style", "figures", "explorer", "savefig", "labels",
                   "living"}
#: the plotting side is imported on first use (``runecon.plots``...), so that the statistics can
#: be used, and are tested, without matplotlib being imported at all
_LAZY_MODULES = ("figures", "plots", "savefig", "style", "simulate", "book")
__all__ = sorted(
    [name for name, value in dict(globals()).items()
     if not name.startswith("_") and name != "annotations"
     and (not isinstance(value, _ModuleType) or name in _PUBLIC_MODULES)]
    + list(_LAZY_MODULES)
)


def __getattr__(name):
    # the lazy modules (``runecon.plots``...) and every other old address (``runecon.models``)
    # are loaded on first use from their new homes
    if name in _oldpaths.OLD_PATHS:
        import importlib

        return importlib.import_module(f"{__name__}.{_oldpaths.OLD_PATHS[name]}")
    raise AttributeError(f"module 'runecon' has no attribute {name!r}")
