"""runecon.physiology: what a reported RE or TTE effect means in race time for a given runner.

Models (equations, constants and sources in ``data/sources/physiology.md``):

* :mod:`.daniels` — Daniels & Gilbert (1979) VDOT: :func:`vdot`, :func:`race_time`.
* :mod:`.energetics` — speed gain from a saving in O2 cost: :func:`speed_gain` with the Kipp et
  al. 2019 curve, Daniels' VO2(v), di Prampero with and without air resistance.
* :mod:`.endurance` — time to exhaustion, critical speed and power law: :func:`tte_to_speed`,
  :func:`storen_check`.
* :mod:`.effects` — SMD <-> % change of RE with named CV presets.
* :mod:`.predict` — :func:`predict_race_times`, the high-level call.

Units are in the names (``_m``, ``_s``, ``_mps``, ``_kmh``, ``_kg``) or the docstrings. A saving
``re_saving = 0.05`` means 5 % lower O2 cost; a negative SMD or % change of RE is an improvement.
"""
from __future__ import annotations

from .daniels import *  # noqa: F401,F403
from .daniels import __all__ as _d
from .effects import *  # noqa: F401,F403
from .effects import __all__ as _e
from .endurance import *  # noqa: F401,F403
from .endurance import __all__ as _t
from .energetics import *  # noqa: F401,F403
from .energetics import __all__ as _g
from .predict import *  # noqa: F401,F403
from .predict import __all__ as _p

__all__ = sorted(set(_d + _e + _t + _g + _p))
