"""Shared helpers of :mod:`runecon.physiology`: input checks and a vectorised bisection."""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ConvergenceError, InputError, RuneconWarning

#: Relative width at which the vectorised bisection stops (a few ulps above machine epsilon).
BISECT_RTOL = 4e-15
#: Iteration cap of the bisection; 200 halvings shrink any finite bracket below ``BISECT_RTOL``.
BISECT_MAXITER = 200


def as_positive(name: str, value) -> np.ndarray:
    """Return ``value`` as a float array; raise :class:`InputError` naming ``name`` unless all > 0."""
    arr = np.asarray(value, dtype=float)
    if arr.size == 0:
        raise InputError(name, "is empty; pass at least one value.")
    if not np.all(np.isfinite(arr)):
        raise InputError(name, f"must be finite, got {value!r}.")
    if np.any(arr <= 0):
        raise InputError(name, f"must be > 0, got {value!r}.")
    return arr


def as_finite(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise InputError(name, f"must be finite numbers, got {value!r}.")
    return arr


def as_fraction(name: str, value) -> np.ndarray:
    """A fractional change x with -1 < x < 1 (e.g. 0.05 = 5 % lower O2 cost)."""
    arr = as_finite(name, value)
    if np.any(np.abs(arr) >= 1):
        raise InputError(name, f"is a fraction and must lie in (-1, 1) (0.05 = 5 %), got {value!r}.")
    return arr


def warn_outside(what: str, values, low: float, high: float, unit: str, source: str) -> None:
    """Emit one :class:`RuneconWarning` if any of ``values`` lies outside [low, high]."""
    v = np.asarray(values, dtype=float)
    bad = v[(v < low) | (v > high)]
    if bad.size:
        warnings.warn(
            f"{what} {np.array2string(np.unique(np.round(bad, 3)), threshold=6)} {unit} outside "
            f"the valid range {low:g}-{high:g} {unit} ({source}); the result is an extrapolation.",
            RuneconWarning, stacklevel=3)


def scalar_or_array(x):
    """Return a Python float for 0-d results, else the array."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


def bisect(f, lo, hi, what: str, rtol: float = BISECT_RTOL, maxiter: int = BISECT_MAXITER):
    """Vectorised bisection: the root of ``f`` in each bracket ``[lo, hi]`` (arrays broadcast).

    Every element is bracketed (sign change) before iterating; otherwise
    :class:`ConvergenceError` is raised rather than a plausible number returned. All elements
    are halved together (one numpy operation per iteration, no per-element Python loop).
    """
    lo, hi = np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float))
    lo, hi = lo.copy(), hi.copy()
    flo, fhi = f(lo), f(hi)
    if np.any(np.sign(flo) * np.sign(fhi) > 0) or not np.all(np.isfinite(flo) & np.isfinite(fhi)):
        raise ConvergenceError(what, 0, float("nan"),
                               hint="the root is not bracketed; check the inputs' units and range.")
    for it in range(1, maxiter + 1):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        left = np.sign(fm) == np.sign(flo)
        lo = np.where(left, mid, lo)
        flo = np.where(left, fm, flo)
        hi = np.where(left, hi, mid)
        width = np.abs(hi - lo)
        if np.all((width <= rtol * np.abs(mid)) | (fm == 0)):
            return 0.5 * (lo + hi)
    raise ConvergenceError(what, maxiter, float(np.max(width)))


#: physiology model code -> the name a reader sees (used by printed predictions and, through
#: :mod:`runecon.labels`, by every figure and widget: one mapping)
MODEL_NAMES = {
    "daniels": "Daniels & Gilbert VDOT",
    "diprampero": "di Prampero energy balance",
    "diprampero_air": "di Prampero + air resistance",
    "kipp2019": "Kipp 2019 (metabolic power)",
    "cs_scaled": "Critical speed (CS and D\u2032 scaled)",
    "cs_only": "Critical speed (CS only)",
    "dprime_only": "Critical speed (D\u2032 only)",
    "jones_vanhatalo": "Critical speed (Jones & Vanhatalo)",
    "power_law": "Riegel power law",
    "critical_speed": "Critical speed",
}
#: between-runner CV preset code -> words
CV_NAMES = {
    "trained_lab": "trained runners, lab",
    "mixed": "trained and untrained runners",
    "test_retest": "test\u2013retest, within runner",
    "user": "your value",
}

