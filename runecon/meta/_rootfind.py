"""The one root finder of runecon: R's ``uniroot()`` step for step, for many brackets at once.

metafor finds the Paule–Mandel estimate and the Q-profile confidence limits with
``uniroot(..., tol = .Machine$double.eps^0.25)``. That tolerance (about 1.2e-4) is
coarse, so a root finder that merely converges to the same root would differ from
metafor by up to 1e-4. Following the same sequence of iterates as R makes runecon agree
with metafor to rounding error instead; a smaller ``tol`` (metafor's ``control = list(tol
= ...)``) gives the root to that precision.

:func:`uniroot` works on B brackets at once (the batched core, ``_batch.py``);
:func:`r_uniroot` is the scalar interface (B = 1) used by ``confint``.
"""
from __future__ import annotations

import sys

import numpy as np

#: R's ``.Machine$double.eps^0.25``, the default ``tol`` of ``uniroot``.
R_UNIROOT_TOL = sys.float_info.epsilon ** 0.25
_EPS = sys.float_info.epsilon


class RootNotBracketed(ValueError):
    """f(lower) and f(upper) have the same sign."""


def uniroot(f, a, b, fa, fb, tol=R_UNIROOT_TOL, maxiter=1000):
    """R's ``uniroot()`` (Brent's zeroin as in R's zeroin.c) for many brackets at once.

    Parameters
    ----------
    f : callable
        ``f(x, idx)`` evaluates the functions of rows ``idx`` at ``x`` (arrays).
    a, b, fa, fb : ndarray, shape (B,)
        Brackets and the function values at their ends (opposite signs or a zero).
    tol : float or ndarray, shape (B,)
        R's ``tol``: absolute x tolerance (actual tolerance ``2 eps |b| + tol / 2``), one
        for all rows or one per row.
    maxiter : int
        R's ``maxiter``; a row still open after it is NaN with ``iterations = -1``.

    Returns
    -------
    root, iterations, estim_prec : ndarray, shape (B,)

    Notes
    -----
    Brent R (1973), Algorithms for Minimization without Derivatives, ch. 4, in the form of
    Forsythe, Malcolm & Moler (1977), Computer Methods for Mathematical Computations, as
    R's ``zeroin.c``: bisection, secant and inverse quadratic interpolation. Every loop is
    bounded by ``maxiter``.
    """
    a, b = np.array(a, float), np.array(b, float)
    fa, fb = np.array(fa, float), np.array(fb, float)
    c, fc = a.copy(), fa.copy()
    tol = np.broadcast_to(np.asarray(tol, float), a.shape)
    root = np.where(fa == 0, a, np.where(fb == 0, b, np.nan))
    iters = np.where(np.isnan(root), -1, 0)
    prec = np.zeros(a.shape)
    act = np.flatnonzero(np.isnan(root))
    for it in range(maxiter + 1):
        if act.size == 0:
            break
        A, Bv, Cv, FA, FB, FC = a[act], b[act], c[act], fa[act], fb[act], fc[act]
        prev = Bv - A
        sw = np.abs(FC) < np.abs(FB)
        A, Bv, Cv = np.where(sw, Bv, A), np.where(sw, Cv, Bv), np.where(sw, Bv, Cv)
        FA, FB, FC = np.where(sw, FB, FA), np.where(sw, FC, FB), np.where(sw, FB, FC)
        tol_act = 2 * _EPS * np.abs(Bv) + tol[act] / 2
        new = (Cv - Bv) / 2
        done = (np.abs(new) <= tol_act) | (FB == 0)
        root[act[done]] = Bv[done]
        iters[act[done]] = it
        prec[act] = np.abs(Cv - Bv)
        with np.errstate(divide="ignore", invalid="ignore"):
            interp = (np.abs(prev) >= tol_act) & (np.abs(FA) > np.abs(FB))
            cb = Cv - Bv
            t1s = FB / FA
            q2 = FA / FC
            t1 = FB / FC
            t2 = FB / FA
            sec = A == Cv
            P = np.where(sec, cb * t1s, t2 * (cb * q2 * (q2 - t1) - (Bv - A) * (t1 - 1)))
            Q = np.where(sec, 1 - t1s, (q2 - 1) * (t1 - 1) * (t2 - 1))
            Q = np.where(P > 0, -Q, Q)
            P = np.abs(P)
            take = interp & (P < 0.75 * cb * Q - np.abs(tol_act * Q) / 2) & (P < np.abs(prev * Q / 2))
            new = np.where(take, P / Q, new)
        small = np.abs(new) < tol_act
        new = np.where(small, np.where(new > 0, tol_act, -tol_act), new)
        A, FA = Bv, FB
        Bn = Bv + new
        keep = ~done
        idx = act[keep]
        FBn = np.full(act.size, np.nan)
        if idx.size:
            FBn[keep] = f(Bn[keep], idx)
        same = ((FBn > 0) & (FC > 0)) | ((FBn < 0) & (FC < 0))
        Cv, FC = np.where(same, A, Cv), np.where(same, FA, FC)
        a[act], b[act], c[act] = A, Bn, Cv
        fa[act], fb[act], fc[act] = FA, FBn, FC
        act = idx
    if act.size:
        prec[act] = np.abs(c[act] - b[act])
    return root, iters, prec


def r_uniroot(f, lower, upper, *, tol=R_UNIROOT_TOL, maxiter=1000, f_lower=None, f_upper=None):
    """Find a root of the scalar function ``f`` in ``[lower, upper]`` as R's ``uniroot()``.

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

    Raises
    ------
    RootNotBracketed
        f is NaN at an end point or has the same sign at both.
    """
    fa = float(f(float(lower)) if f_lower is None else f_lower)
    fb = float(f(float(upper)) if f_upper is None else f_upper)
    if np.isnan(fa) or np.isnan(fb):
        raise RootNotBracketed("f is NaN at an end point of the interval")
    if fa * fb > 0:
        raise RootNotBracketed("f() values at end points not of opposite sign")
    root, it, prec = uniroot(lambda x, idx: np.array([f(float(x[0]))]), [float(lower)],
                             [float(upper)], [fa], [fb], tol=tol, maxiter=maxiter)
    r = float(root[0])
    if it[0] < 0:
        # the last iterate, as R returns it with a warning
        return float("nan") if np.isnan(r) else r, -1, float(prec[0])
    return r, int(it[0]), float(prec[0])
