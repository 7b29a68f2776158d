"""Root finding that reproduces R's ``uniroot()`` step for step.

metafor finds the Paule–Mandel estimate and the Q-profile confidence limits with
``uniroot(..., tol = .Machine$double.eps^0.25)``. That tolerance (about 1.2e-4) is
coarse, so a root finder that merely converges to the same root would differ from
metafor by up to 1e-4. Following the same sequence of iterates as R makes runecon agree
with metafor to rounding error instead.
"""
from __future__ import annotations

import math
import sys

#: R's ``.Machine$double.eps^0.25``, the default ``tol`` of ``uniroot``.
R_UNIROOT_TOL = sys.float_info.epsilon ** 0.25
_EPS = sys.float_info.epsilon


class RootNotBracketed(ValueError):
    """f(lower) and f(upper) have the same sign."""


def r_uniroot(f, lower, upper, *, tol=R_UNIROOT_TOL, maxiter=1000, f_lower=None, f_upper=None):
    """Find a root of ``f`` in ``[lower, upper]`` as R's ``uniroot()`` does.

    Parameters
    ----------
    f : callable
        Scalar function of one float.
    lower, upper : float
        Bracketing interval; ``f(lower)`` and ``f(upper)`` must differ in sign.
    tol : float
        R's ``tol`` (default ``.Machine$double.eps^0.25``).
    maxiter : int
        R's ``maxiter``.

    Returns
    -------
    root : float
    iterations : int
        Number of iterations, or -1 if ``maxiter`` was reached without convergence.
    estim_prec : float
        Width of the last bracketing interval.

    Notes
    -----
    The algorithm is Brent's (1973) zero finder in the form of Forsythe, Malcolm and
    Moler, *Computer Methods for Mathematical Computations* (1977), as used by R's
    ``zeroin.c``: bisection, secant and inverse quadratic interpolation with the actual
    tolerance ``2 * eps * |b| + tol / 2``.
    """
    a, b = float(lower), float(upper)
    fa = f(a) if f_lower is None else f_lower
    fb = f(b) if f_upper is None else f_upper
    if math.isnan(fa) or math.isnan(fb):
        raise RootNotBracketed("f is NaN at an end point of the interval")
    if fa * fb > 0:
        raise RootNotBracketed("f() values at end points not of opposite sign")
    if fa == 0.0:
        return a, 0, 0.0
    if fb == 0.0:
        return b, 0, 0.0
    c, fc = a, fa
    left = maxiter + 1
    while left:
        left -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b, maxiter - left, abs(c - b)
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b, -1, abs(c - b)
