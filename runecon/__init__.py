"""runecon: the evidence on strength and plyometric training for distance runners,
re-analysed with statistics equal to R metafor.

The public API is re-exported here; see the README for a quickstart.
"""
from __future__ import annotations

from types import ModuleType as _ModuleType

__version__ = "0.1.0"

# One import line per module; __all__ is computed below so that adding a module is one line.
from . import errors
from .data import datasets, load, load_csv
from .models import rma
from .results import ConfintResult, PredictResult, RMAResult
from . import physiology
from .physiology import predict_race_times
from .effects import (ci_to_se, escalc, escalc_prepost, hedges_j, p_to_se, pct_to_smd,
                      smd_to_pct, t_to_se)
from .subgroups import SubgroupResult, subgroups
from .comparisons import comparisons, pair_arms
from .netmeta import NetmetaResult, combine_arms, method_arms, method_network, netmeta
from .speed import SpeedSlopesResult, speed_slopes
from .multilevel import rma_mv, robust
from .results import RMAMVResult, RobustResult
from .bayes import BayesResult, bayesmeta
from .sensitivity import PermutestResult, TableResult, cumul, gosh, influence, leave1out, permutest
from .smallstudy import (FunnelData, PetPeeseResult, RegtestResult, TrimfillResult, funnel_data,
                         pet_peese, regtest, trimfill)
from . import explorer
from . import labels
from .claims import ClaimsLedger, claims_ledger
from . import living
from .living import cumulative_by_year

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
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'runecon' has no attribute {name!r}")
