"""Daniels & Gilbert (1979) "VDOT": race performance <-> pseudo-VO2max.

Sources
-------
Daniels J, Gilbert J. *Oxygen Power: Performance Tables for Distance Runners*. 1979 (book, no
DOI). The two equations below are transcribed identically by many independent secondary
sources (tag [P*] in ``data/sources/physiology.md`` section 1).
"""
from __future__ import annotations

import numpy as np

from ._common import as_fraction, as_positive, bisect, scalar_or_array, warn_outside

#: Oxygen cost of running, ``VO2 = a + b*v + c*v**2`` (ml/kg/min, v in m/min); Daniels & Gilbert 1979.
DANIELS_VO2_COEF = (-4.60, 0.182258, 0.000104)
#: Sustainable fraction of VO2max over t minutes,
#: ``F = f0 + a1*exp(-k1*t) + a2*exp(-k2*t)`` as (f0, a1, k1, a2, k2); Daniels & Gilbert 1979.
DANIELS_FRACTION_COEF = (0.8, 0.1894393, 0.012778, 0.2989558, 0.1932605)
#: VDOT range covered by the published tables (ml/kg/min); Daniels' Running Formula, Table 3.1.
VDOT_VALID_RANGE = (30.0, 85.0)
#: Race durations (min) over which the fraction curve is trusted: F(t) > 1 below ~11 min is a
#: curve-fit property and F -> 0.8 is unrealistic for ultras (physiology.md section 1).
DANIELS_DURATION_RANGE_MIN = (5.0, 240.0)
_SOURCE = "Daniels & Gilbert 1979, Oxygen Power"


def daniels_vo2(speed_m_per_min):
    """Oxygen cost of running at a speed (Daniels & Gilbert 1979).

    Parameters
    ----------
    speed_m_per_min : float or array
        Running speed in m/min.

    Returns
    -------
    float or ndarray
        VO2 in ml·kg⁻¹·min⁻¹, ``-4.60 + 0.182258 v + 0.000104 v²`` (``DANIELS_VO2_COEF``).

    Notes
    -----
    Daniels J, Gilbert J. Oxygen Power, 1979 (no DOI); equation as in physiology.md §1.
    """
    a, b, c = DANIELS_VO2_COEF
    v = np.asarray(speed_m_per_min, dtype=float)
    return scalar_or_array(a + b * v + c * v * v)


def daniels_speed_at_vo2(vo2_ml_kg_min):
    """Inverse of :func:`daniels_vo2`: the speed whose oxygen cost is ``vo2_ml_kg_min``.

    Parameters
    ----------
    vo2_ml_kg_min : float or array
        Oxygen uptake, ml·kg⁻¹·min⁻¹ (> 0).

    Returns
    -------
    float or ndarray
        Speed in m/min, the positive root ``(-b + sqrt(b² - 4c(a - VO2))) / (2c)``. With
        ``VO2 = VDOT`` this is Daniels' velocity at VO2max (vVO2max).

    Notes
    -----
    Daniels J, Gilbert J. Oxygen Power, 1979 (no DOI); constants ``DANIELS_VO2_COEF``.
    """
    a, b, c = DANIELS_VO2_COEF
    y = as_positive("vo2_ml_kg_min", vo2_ml_kg_min)
    return scalar_or_array((-b + np.sqrt(b * b - 4 * c * (a - y))) / (2 * c))


def daniels_fraction(duration_min):
    """Fraction of VO2max sustainable for a race lasting ``duration_min`` minutes.

    Parameters
    ----------
    duration_min : float or array
        Race duration in minutes.

    Returns
    -------
    float or ndarray
        ``F(t) = 0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)``
        (``DANIELS_FRACTION_COEF``). F > 1 below ≈11 min is a property of the curve fit.

    Notes
    -----
    Daniels J, Gilbert J. Oxygen Power, 1979 (no DOI).
    """
    f0, a1, k1, a2, k2 = DANIELS_FRACTION_COEF
    t = np.asarray(duration_min, dtype=float)
    return scalar_or_array(f0 + a1 * np.exp(-k1 * t) + a2 * np.exp(-k2 * t))


def _vdot_raw(distance_m, time_min):
    return np.asarray(daniels_vo2(distance_m / time_min)) / np.asarray(daniels_fraction(time_min))


def vdot(distance_m, time_s):
    """VDOT (pseudo-VO2max, ml·kg⁻¹·min⁻¹) from a race: distance and finishing time.

    Parameters
    ----------
    distance_m : float or array
        Race distance in metres (> 0).
    time_s : float or array
        Finishing time in seconds (> 0). Broadcast against ``distance_m``.

    Returns
    -------
    float or ndarray
        ``VDOT = VO2(d/t) / F(t)`` with v in m/min and t in min.

    Raises
    ------
    InputError
        Non-positive or non-finite distance or time (names the argument).

    Warns
    -----
    RuneconWarning
        Race duration outside ``DANIELS_DURATION_RANGE_MIN`` (5–240 min) or VDOT outside
        ``VDOT_VALID_RANGE`` (30–85), the range of the published tables.

    Notes
    -----
    Daniels J, Gilbert J. Oxygen Power: Performance Tables for Distance Runners, 1979 (no DOI).
    """
    d = as_positive("distance_m", distance_m)
    t = as_positive("time_s", time_s) / 60.0
    warn_outside("race duration", t, *DANIELS_DURATION_RANGE_MIN, "min", _SOURCE)
    out = _vdot_raw(d, t)
    warn_outside("VDOT", out, *VDOT_VALID_RANGE, "ml/kg/min", "Daniels' VDOT tables")
    return scalar_or_array(out)


def race_time(vdot, distance_m):
    """Predicted race time (s) for a runner of a given VDOT over a distance.

    Solves ``VO2(d/t) / F(t) = VDOT`` for t with a vectorised bisection on a bracket where
    the speed runs from 3000 m/min (left side far above any VDOT) to 20 m/min (oxygen cost
    below zero), so every element is bracketed; the left side decreases in t for
    0.8–100 km races (physiology.md §1), so the root is unique there.

    Parameters
    ----------
    vdot : float or array
        VDOT in ml·kg⁻¹·min⁻¹ (> 0).
    distance_m : float or array
        Race distance in metres (> 0). Broadcast against ``vdot``.

    Returns
    -------
    float or ndarray
        Race time in seconds (relative precision ~1e-14).

    Raises
    ------
    InputError
        Non-positive VDOT or distance.

    Warns
    -----
    RuneconWarning
        VDOT outside 30–85 or a predicted duration outside 5–240 min.

    Notes
    -----
    Daniels J, Gilbert J. Oxygen Power, 1979 (no DOI). A Newton step circulating online
    hard-codes a derivative constant valid for one example only; bracketing avoids that.
    """
    v = as_positive("vdot", vdot)
    d = as_positive("distance_m", distance_m)
    warn_outside("VDOT", v, *VDOT_VALID_RANGE, "ml/kg/min", "Daniels' VDOT tables")
    v, d = np.broadcast_arrays(v, d)
    t = bisect(lambda tm: _vdot_raw(d, tm) - v, d / 3000.0, d / 20.0, "race_time bisection")
    warn_outside("race duration", t, *DANIELS_DURATION_RANGE_MIN, "min", _SOURCE)
    return scalar_or_array(t * 60.0)


def vdot_after_saving(vdot, re_saving):
    """Effective VDOT after the O2 cost at every speed falls by the fraction ``re_saving``.

    Parameters
    ----------
    vdot : float or array
        VDOT before, ml·kg⁻¹·min⁻¹.
    re_saving : float or array
        Fractional saving in O2 cost, in (-1, 1) (0.05 = 5 % lower cost).

    Returns
    -------
    float or ndarray
        ``VDOT / (1 - x)``; pass it to :func:`race_time` for the new race times.

    Notes
    -----
    Derived [D] from Daniels & Gilbert 1979 (physiology.md §1): if VO2(v) becomes
    (1 - x)·VO2(v), the speeds reachable with the same VO2max are those of a runner with
    VDOT/(1 - x) and the standard cost curve. A paper reporting economy *up* y % (an inverse
    measure) means a cost factor 1/(1 + y), i.e. ``re_saving = y/(1 + y)``.
    """
    v = as_positive("vdot", vdot)
    x = as_fraction("re_saving", re_saving)
    return scalar_or_array(v / (1.0 - x))


__all__ = ["DANIELS_VO2_COEF", "DANIELS_FRACTION_COEF", "VDOT_VALID_RANGE",
           "DANIELS_DURATION_RANGE_MIN", "daniels_vo2", "daniels_speed_at_vo2",
           "daniels_fraction", "vdot", "race_time", "vdot_after_saving"]
