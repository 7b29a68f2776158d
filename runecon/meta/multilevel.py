"""Three-level meta-analysis (``rma_mv``) and cluster-robust inference (``robust``).

``rma_mv`` fits metafor's ``rma.mv(yi, vi, random = ~ 1 | cluster/es_id)``: effect sizes
(level 1, known sampling variances) nested in effect-size units (level 2, sigma2_2) nested
in clusters such as studies (level 3, sigma2_1). ``robust`` computes the cluster-robust
(sandwich) variance with clubSandwich's small-sample adjustments and Satterthwaite df.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special
from scipy.linalg.lapack import dpotrf as _potrf, dpotrs as _potrs

from ._design import model_matrix, parse_formula
from ..errors import ConvergenceError, InputError, TooFewStudiesError
from .. import _checks
from .._checks import column as _column, finite_yi as _check_finite_yi, level as _level
from .._checks import option as _option, positive as _check_positive, vector as _vector
from .models import centre as _centre, coef_tests as _coef_tests
from ..results import LevelTest, RMAMVResult, RMAResult, RobustResult

__all__ = ["rma_mv", "robust"]

METHODS = ("REML", "ML")
TESTS = ("z", "t")
ADJUSTMENTS = ("CR0", "CR1", "CR2")
_LOG2PI = math.log(2.0 * math.pi)
_EPS = float(np.finfo(float).eps)
#: projected-gradient tolerance of the variance-component optimum, scaled by
#: (sigma2 + mean vi): a maximum that does not meet it raises ConvergenceError
_GRAD_TOL = 1e-6
#: relative step below which the sigma2 iteration stops (Newton converges quadratically:
#: the next step would be ~1e-20)
_STEP_TOL = 1e-10
#: rounding error of the log-likelihood, in units of eps times the size of its terms
#: (y'M^-1 y, |ll|): a full Newton step whose log-likelihood falls by less than this is
#: taken (the decrease is rounding)
_LL_ROUNDING = 1e3
#: Newton/Fisher steps per maximisation (from the grid start 4-7 are typical)
_MAXITER = 100
#: step halvings before a direction is given up as not ascending (2^-40 ~ 1e-12)
_HALVINGS = 40
#: grid of starting values per free component, in units of the scale max(var(yi),
#: mean(vi) / 10), besides 0: 25 points for one component, 9 x 9 (+ 0) for two
_GRID = {1: np.geomspace(1e-3, 4.0, 25), 2: np.geomspace(1e-3, 4.0, 9)}
#: the grid's points (0 added), row-major: one column per free component
_GRID_POINTS = {n: np.stack(np.meshgrid(*[np.concatenate(([0.0], g))] * n, indexing="ij"),
                            -1).reshape(-1, n) for n, g in _GRID.items()}


# --------------------------------------------------------------------------- likelihood
class _Likelihood:
    """(RE)ML log-likelihood of the variance components with gradient and Hessian.

    M(s) = diag(vi) + s1 Z1 Z1' + s2 Z2 Z2'. With P = M^-1 - M^-1 X (X'M^-1 X)^-1 X'M^-1
    (REML) or T = M^-1 (ML) the derivatives are dll/ds_i = -tr(T G_i)/2 + y'P G_i P y / 2 and
    d2ll/ds_i ds_j = tr(T G_i T G_j)/2 - y'P G_i P G_j P y (Searle, Casella & McCulloch
    1992, Variance Components, ch. 6; the REML constant includes +log|X'X|/2 as metafor's
    REMLf = TRUE).
    """

    def __init__(self, y, v, X, G, reml):
        # P and the likelihood are invariant to X -> X R^-1 (except the log|X'X| constant,
        # taken from R): work with the orthonormal Q of X = QR, which keeps moderators on
        # large scales (years) from costing precision.
        Q, R = np.linalg.qr(X)
        self.y, self.v, self.X, self.R, self.G, self.reml = y, v, Q, R, G, reml
        k, p = X.shape
        logdet_xtx = 2.0 * np.log(np.abs(np.diag(R))).sum()
        self.const = (-0.5 * (k - p) * _LOG2PI + 0.5 * logdet_xtx) if reml \
            else -0.5 * k * _LOG2PI
        # log|X'M^-1 X| = log|Q'M^-1 Q| + log|X'X|
        self.logdet_xtx = logdet_xtx

    def parts(self, s):
        M = np.diag(self.v) + s[0] * self.G[0] + s[1] * self.G[1]
        L = np.linalg.cholesky(M)
        Li = np.linalg.solve(L, np.eye(L.shape[0]))
        Mi = Li.T @ Li
        MiX = Mi @ self.X
        A = self.X.T @ MiX
        Ai = np.linalg.inv(A)
        P = Mi - MiX @ Ai @ MiX.T
        return M, Mi, P, A, Ai, 2.0 * np.log(np.diag(L)).sum()

    def ll(self, s, derivs=0):
        M, Mi, P, A, Ai, logdetM = self.parts(s)
        Py = P @ self.y
        ll = self.const - 0.5 * logdetM - 0.5 * float(self.y @ Py)
        if self.reml:
            ll -= 0.5 * (np.linalg.slogdet(A)[1] + self.logdet_xtx)
        if derivs == 0:
            return ll
        T = P if self.reml else Mi
        GPy = [g @ Py for g in self.G]
        grad = np.array([-0.5 * np.sum(T * g) + 0.5 * Py @ gp for g, gp in zip(self.G, GPy)])
        if derivs == 1:
            return ll, grad
        TG = [T @ g for g in self.G]
        H, F = np.empty((2, 2)), np.empty((2, 2))     # Hessian; expected information
        for i in range(2):
            for j in range(i, 2):
                F[i, j] = F[j, i] = 0.5 * np.sum(TG[i] * TG[j].T)
                H[i, j] = H[j, i] = F[i, j] - GPy[i] @ P @ GPy[j]
        return ll, grad, H, F


class _NestedLikelihood:
    """(RE)ML log-likelihood of ``~ 1 | cluster/es_id`` in closed form, O(k) per evaluation.

    Same interface and values as :class:`_Likelihood` with G = (Z1 Z1', Z2 Z2') for
    effect-size units (Z2) nested in clusters (Z1), but without k×k matrices. With
    W = diag(1/vi), A = W^-1 + s2 Z2 Z2' and M = A + s1 Z1 Z1', two nested Sherman-Morrison
    steps give, with n_e = 1'W_e 1 (unit e), d_e = 1 + s2 n_e, g_e = n_e / d_e,
    m_j = sum_(e in j) g_e, f_j = 1 + s1 m_j and the group sums S_e(a) = 1'W_e a,
    T_j(a) = sum_(e in j) S_e(a) / d_e:
    a'M^-1 b = a'W b - s2 sum_e S_e(a) S_e(b) / d_e - s1 sum_j T_j(a) T_j(b) / f_j
    = sum_e a_e'W_e b_e - S_e(a) S_e(b) / n_e [scatter about the unit means]
    + sum_e g_e (a_e - a_j)(b_e - b_j) [unit means a_e = S_e(a) / n_e about the cluster means
    a_j = T_j(a) / m_j] + sum_j a_j b_j / (1 / m_j + s1), a sum of positive terms for a = b
    (no cancellation when vi << sigma2),
    log|M| = sum log vi + sum_e log d_e + sum_j log f_j, Z1'M^-1 B = T(B) / f,
    Z2'M^-1 B = S(B) / d - g s1 T(B)[j(e)] / f[j(e)], Z1'M^-1 Z1 = diag(m / f),
    Z1'M^-1 Z2 = [j = j(e)] g_e / f_j, Z2'M^-1 Z2 = diag(g) - s1 [j(e) = j(e')] g_e g_e' / f_j
    (Searle, Casella & McCulloch 1992, Variance Components, ch. 6 and app. M for the
    derivatives; the same formulas as :class:`_Likelihood`). With B = [Q, y] (X = QR) all
    of the likelihood is in the (p+1)×(p+1) matrix C = B'M^-1 B: A = Q'M^-1 Q is its leading
    block and y'Py its Schur complement. :meth:`ll_grid` evaluates the log-likelihood at many
    points in one vectorised pass.
    """

    def __init__(self, y, v, X, c_codes, e_codes, reml):
        order = np.lexsort((e_codes, c_codes))          # rows grouped by cluster, then unit
        Q, R = np.linalg.qr(X)
        self.y, self.v, self.Q, self.R, self.reml = y, v, Q, R, reml
        k, p = X.shape
        self.p = p
        logdet_xtx = 2.0 * np.log(np.abs(np.diag(R))).sum()
        self.logdet_xtx = logdet_xtx
        # every constant of the log-likelihood: -(k - p) log(2 pi) / 2 (REML; ML: k) with
        # metafor's REMLf = TRUE term +log|X'X| / 2 - log|X'X| / 2 (the second from
        # log|X'M^-1 X| = log|Q'M^-1 Q| + log|X'X|), and -sum(log vi) / 2 from log|M|
        self.const = (-0.5 * (k - p) * _LOG2PI if reml else -0.5 * k * _LOG2PI) \
            - 0.5 * float(np.log(v).sum())
        cs, es = c_codes[order], e_codes[order]
        w = 1.0 / v[order]
        B = np.column_stack([Q[order], y[order]])
        e_start = np.flatnonzero(np.diff(es, prepend=-1))          # units: row starts
        new_c = np.diff(cs[e_start], prepend=-1) != 0               # a unit opens a cluster
        self.c_start = np.flatnonzero(new_c)
        self.unit_c = np.cumsum(new_c) - 1                          # cluster of each unit
        WB = B * w[:, None]
        self.n = np.add.reduceat(w, e_start)                        # n_e
        self.ve = 1.0 / self.n                                      # 1 / n_e
        # unit means bbar_e = S_e / n_e and the scatter of the rows about them, so that C
        # is a sum of positive terms (no difference of terms of size y'W y when vi << sigma2)
        rows = np.diff(np.append(e_start, k))                      # rows per unit
        share = w / np.repeat(self.n, rows)             # w / n_e: exactly 1 for one-row units
        self.bbar = np.add.reduceat(B * share[:, None], e_start, axis=0)
        dev = B - np.repeat(self.bbar, rows, axis=0)
        self.within = (dev * w[:, None]).T @ dev
        self.bbar_t = np.ascontiguousarray(self.bbar.T)
        self.eye = np.eye(p)
        self._key, self._st = None, None

    def _state(self, s):
        s1, s2 = float(s[0]), float(s[1])
        if self._key == (s1, s2):
            return self._st
        p, c_start = self.p, self.c_start
        d = 1.0 + s2 * self.n
        g = 1.0 / (self.ve + s2)                      # n_e / d_e
        m = np.add.reduceat(g, c_start)
        f = 1.0 + s1 * m
        # cluster means of the unit means (weights g), deviations from them
        bb = np.add.reduceat(g[:, None] * self.bbar, c_start, axis=0) / m[:, None]
        dev = self.bbar - bb[self.unit_c]
        mf = 1.0 / (1.0 / m + s1)                     # m_j / f_j
        # C = B'W B - s2 sum S S'/d - s1 sum T T'/f, written as a sum of positive terms
        C = self.within + (dev * g[:, None]).T @ dev + (bb * mf[:, None]).T @ bb
        La, info = _potrf(C[:p, :p], lower=1)            # LAPACK: no numpy call overhead
        if info:
            raise ConvergenceError(
                "rma_mv: the likelihood at sigma2 = " f"({s1:.3g}, {s2:.3g})", 0, float("nan"),
                "X'M^-1 X is numerically singular there; check for variances vi that differ "
                "by many orders of magnitude, or rescale yi and vi")
        Ai = _potrs(La, self.eye, lower=1)[0]
        b = C[:p, p]
        bhat = Ai @ b
        yPy = C[p, p] - b @ bhat
        ll = self.const - 0.5 * (np.log(d).sum() + np.log(f).sum() + yPy)
        if self.reml:
            ll -= np.log(La.diagonal()).sum()
        st = (s1, s2, d, g, m, f, dev, bb, mf, Ai, b, bhat, float(ll),
              _LL_ROUNDING * _EPS * (abs(float(C[p, p])) + abs(float(ll))))
        self._key, self._st = (s1, s2), st
        return st

    def rounding(self, s):
        """Rounding error of ll(s): ``_LL_ROUNDING`` eps (y'M^-1 y + |ll|), y'Py being the
        Schur complement of C = B'M^-1 B."""
        return self._state(s)[13]

    def beta_parts(self, s):
        """(Q'M^-1 Q)^-1 and Q'M^-1 y at s."""
        st = self._state(s)
        return st[9], st[10]

    def ll_grid(self, S):
        """Log-likelihood at each row (s1, s2) of S, vectorised over the rows."""
        p, q, c_start = self.p, self.p + 1, self.c_start
        s1, s2 = S[:, :1], S[:, 1:]
        d = 1.0 + s2 * self.n                                    # points × units
        g = 1.0 / (self.ve + s2)
        m = np.add.reduceat(g, c_start, axis=1)
        f = 1.0 + s1 * m
        # as _state, with q × units / q × clusters per point (sums along the last axis)
        bb = np.add.reduceat(g[:, None, :] * self.bbar_t, c_start, axis=2) / m[:, None, :]
        dev = self.bbar_t - bb[:, :, self.unit_c]
        C = (self.within + (dev * g[:, None, :]) @ dev.transpose(0, 2, 1)
             + (bb / (1.0 / m + s1)[:, None, :]) @ bb.transpose(0, 2, 1))
        A, b = C[:, :p, :p], C[:, :p, p:]
        sign, logdet = np.linalg.slogdet(A)
        ok = sign > 0                                            # else numerically singular
        A = np.where(ok[:, None, None], A, np.eye(p))
        yPy = C[:, p, p] - (b * np.linalg.solve(A, b)).sum(axis=(1, 2))
        ll = self.const - 0.5 * (np.log(d).sum(axis=1) + np.log(f).sum(axis=1) + yPy)
        if self.reml:
            ll -= 0.5 * logdet
        return np.where(ok, ll, np.nan)                           # NaN: not a start

    def ll(self, s, derivs=0):
        st = self._state(s)
        if derivs == 0:
            return st[12]
        s1, s2, d, g, m, f, dev, bb, mf, Ai, b, bhat, ll, _ = st
        p, reml, c_start, uc = self.p, self.reml, self.c_start, self.unit_c
        gu = g / f[uc]
        # N_i = Z_i'M^-1 [Q, y] [[I, -bhat], [0, 1]] = [Z_i'M^-1 Q, Z_i'P y]:
        # Z1'M^-1 B = T / f = (m / f) bb, Z2'M^-1 B = g (dev + bb[j(e)] / f[j(e)])
        N0 = bb * mf[:, None]
        N1 = g[:, None] * (dev + (bb / f[:, None])[uc])
        N0[:, p] -= N0[:, :p] @ bhat
        N1[:, p] -= N1[:, :p] @ bhat
        q = p + 1
        NN = np.empty((2, q, q))                            # N_i'N_i
        NN[0], NN[1] = N0.T @ N0, N1.T @ N1
        G1 = g[:, None] * N1                                # mf = diag(Z1'M^-1 Z1)
        cs = np.add.reduceat(G1, c_start, axis=0)
        # N_i' K_ij N_j with K_ij = Z_i'M^-1 Z_j (closed forms in the class docstring)
        KN = np.empty((3, q, q))                            # (0,0), (0,1), (1,1)
        KN[0], KN[1] = (N0 * mf[:, None]).T @ N0, (N0 / f[:, None]).T @ cs
        KN[2] = G1.T @ N1 - s1 * (cs.T @ (cs / f[:, None]))
        g2 = g * g
        cg2 = np.add.reduceat(g2, c_start) / f
        # tr(M^-1 G_i M^-1 G_j) = sum(K_ij^2) and tr(M^-1 G_i)
        k01 = float(gu @ gu)
        K2 = np.array([[float(mf @ mf), k01],
                       [k01, float(g2.sum() - 2.0 * s1 * (g2 @ gu) + s1 * s1 * (cg2 @ cg2))]])
        tr = np.array([mf.sum(), g.sum() - s1 * (g @ gu)])
        LL = NN[:, :p, :p]
        if reml:                                            # tr(P G_i)
            tr -= LL.reshape(2, -1) @ Ai.ravel()
        grad = 0.5 * (NN[:, p, p] - tr)
        if derivs == 1:
            return ll, grad
        Lz = NN[:, :p, p]
        sym = lambda a: np.array([[a[0], a[1]], [a[1], a[2]]])   # noqa: E731
        fro = K2
        if reml:      # tr(P G_i P G_j) = sum(K_ij^2) - 2 tr(Ai N_i'K_ij N_j) + tr(Ai L_i Ai L_j)
            AL = Ai @ LL                                    # 2 × p × p
            fro = fro + AL.reshape(2, -1) @ AL.transpose(0, 2, 1).reshape(2, -1).T \
                - 2.0 * sym(KN[:, :p, :p].reshape(3, -1) @ Ai.ravel())
        F = 0.5 * fro
        H = F - (sym(KN[:, p, p]) - Lz @ Ai @ Lz.T)
        return ll, grad, H, F


def _solve(A, b):
    """Solution of the 1×1 or 2×2 system A d = b (Cramer's rule), None if A is singular."""
    if len(b) == 1:
        a = float(A[0, 0])
        return np.array([b[0] / a]) if a != 0.0 and math.isfinite(a) else None
    det = float(A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0])
    if det == 0.0 or not math.isfinite(det):
        return None
    return np.array([A[1, 1] * b[0] - A[0, 1] * b[1], A[0, 0] * b[1] - A[1, 0] * b[0]]) / det


def _ascend(lik, full, free, x, scale, maxiter=None):
    """Projected Newton ascent from x (free components, >= 0): Newton steps with the exact
    Hessian where it is negative definite, Fisher scoring steps otherwise, step halving
    (at most ``_HALVINGS`` times) so the log-likelihood never decreases, components that
    cross 0 clipped to it. Stops when a step moves sigma2 by at most ``_STEP_TOL``
    (relative; a Newton step that small is not taken: the iterate is already within about
    its square of the optimum), when no ascent is possible along the step, or after
    ``maxiter`` (default ``_MAXITER``) steps; the caller checks the gradient. Returns (x, ll,
    gradient of both components, steps taken, last step)."""
    ll, g, H, F = lik.ll(full(x), derivs=3)
    step, it = np.inf, 0
    for it in range(1, (maxiter or _MAXITER) + 1):
        act = [j for j in range(len(free)) if not (x[j] <= 0.0 and g[free[j]] <= 0.0)]
        if not act:
            step = 0.0
            break
        fi = [free[j] for j in act]
        Hf, Ff, gf = (H, F, g) if fi == [0, 1] else (H[np.ix_(fi, fi)], F[np.ix_(fi, fi)], g[fi])
        # negative definite (1x1 or 2x2): leading minors alternate in sign
        newton = bool(Hf[0, 0] < 0 and (len(fi) == 1 or Hf[0, 0] * Hf[1, 1] - Hf[0, 1] ** 2 > 0))
        d = _solve(Hf, -gf) if newton else _solve(Ff, gf)
        if d is None:
            raise ConvergenceError(
                "rma_mv: REML/ML ascent of the variance components", it,
                float(step), "the information matrix is singular (too few clusters or effects "
                "for two variance components and these moderators); fit a two-level model "
                "with rma() or fix one component with sigma2=")
        xn = x.copy()
        xn[act] = np.maximum(x[act] + d, 0.0)
        step = float(abs(xn - x).max())
        if newton and step <= _STEP_TOL * (scale + float(x.max())):
            break                         # quadratic convergence: x is within ~step^2
        noise = lik.rounding(full(x)) if hasattr(lik, "rounding") else 0.0   # x: cached
        t = 1.0
        for _ in range(_HALVINGS + 1):
            if t < 1.0:
                xn = x.copy()
                xn[act] = np.maximum(x[act] + t * d, 0.0)
            new = lik.ll(full(xn), derivs=3)
            if new[0] >= ll:
                break
            if t == 1.0 and newton and new[0] >= ll - noise:
                # a full Newton step on a concave model whose log-likelihood falls by less
                # than its rounding error: take it (quadratic convergence)
                break
            t /= 2.0
        else:                             # no ascent possible along d: at the optimum
            step = 0.0
            break
        step = float(abs(xn - x).max())
        x = xn
        ll, g, H, F = new
        if step <= _STEP_TOL * (scale + float(x.max())):
            break
    return x, ll, g, it, step


def _maximise(lik, fixed, scale):
    """Maximise lik over sigma2 >= 0 with the components in ``fixed`` (index -> value) held.

    The log-likelihood is evaluated on a grid of the free components (0 and
    ``_GRID`` × ``scale``, one vectorised pass); projected Newton/Fisher-scoring ascent
    (:func:`_ascend`) starts from the best grid point, so the optimum is at least as high
    as every grid point (a guard against a local maximum of a likelihood that is not
    concave); optima on the boundary are reported at exactly 0. The projected
    gradient (scaled by sigma2 + mean vi) must be below ``_GRAD_TOL``, else
    ConvergenceError.
    """
    free = [i for i in range(2) if i not in fixed]
    base = np.zeros(2)
    for i, val in fixed.items():
        base[i] = val

    def full(x):
        s = base.copy()
        s[free] = x
        return s

    if not free:
        return base, lik.ll(base), 0
    grid = _GRID[len(free)]
    axis = np.concatenate(([0.0], grid * scale))
    S = np.empty((axis.size ** len(free), 2))
    S[:] = base
    S[:, free] = _GRID_POINTS[len(free)] * scale
    ll_grid = lik.ll_grid(S)
    best = int(np.nanargmax(ll_grid)) if np.isfinite(ll_grid).any() else 0
    # start: the best grid point, moved to the vertex of the parabola (in log sigma2)
    # through it and its two neighbours along each free axis when that is higher
    n = axis.size
    L = ll_grid.reshape((n,) * len(free))
    idx = np.unravel_index(best, L.shape)
    x0 = axis[list(idx)]            # = S[best, free]
    xr = x0.copy()
    h = math.log(grid[1] / grid[0])
    for j, i in enumerate(idx):
        if 2 <= i <= n - 2:
            lo, hi = list(idx), list(idx)
            lo[j], hi[j] = i - 1, i + 1
            lm, lp = L[tuple(lo)], L[tuple(hi)]
            curv = lm - 2.0 * L[idx] + lp
            if curv < 0:
                xr[j] = axis[i] * math.exp(min(max(0.5 * h * (lm - lp) / curv, -h), h))
    if lik.ll(full(xr)) < ll_grid[best]:
        xr = x0
    x, ll, g, iters, step = _ascend(lik, full, free, xr, scale)
    vbar = float(np.mean(lik.v))
    for j, i in enumerate(free):
        sc = x[j] + vbar
        bad = (abs(g[i]) * sc > _GRAD_TOL) if x[j] > 0 else (g[i] * sc > _GRAD_TOL)
        if bad or not np.isfinite(ll):
            raise ConvergenceError(
                "REML/ML estimation of sigma2", iters, step,
                f"the projected gradient at sigma2 = {tuple(float(u) for u in full(x))} is "
                f"{g[i]:.3g}; the likelihood may be flat (too few clusters or effects per cluster)")
    return full(x), ll, iters


# --------------------------------------------------------------------------- inputs
def _codes(x, argument, k, data):
    if isinstance(x, str):
        x = _column(data, x, argument)
    labels = _checks.labels(x, argument, k)
    index = {}                                                     # first-appearance order
    return np.array([index.setdefault(s, len(index)) for s in labels]), labels


def _name(x, default):
    return x if isinstance(x, str) else getattr(x, "name", None) or default


# --------------------------------------------------------------------------- rma_mv
def rma_mv(yi, vi, cluster, es_id=None, mods=None, data=None, method="REML", test="z",
           level=95, slab=None, sigma2=None, lrt=True):
    """Three-level random-effects meta-analysis or meta-regression (metafor's ``rma.mv``).

    Parameters
    ----------
    yi, vi : array-like or str
        Effect sizes and their sampling variances (k; vi > 0), or column names in ``data``.
    cluster : array-like or str
        Level-3 unit of each effect (e.g. the study).
    es_id : array-like or str, optional
        Level-2 unit within a cluster (default: every effect its own unit, metafor's
        ``~ 1 | cluster/es_id`` with a unique es_id per row).
    mods : array-like, DataFrame or str, optional
        Moderators: k×m numeric array (an intercept is added) or a formula over ``data``
        such as ``"~ year"`` or ``"~ speed_kmh * method"`` (as in :func:`runecon.rma`).
    data : DataFrame, optional
    method : {"REML", "ML"}
    test : {"z", "t"}
        "t": t and F distributions with k - p df (metafor's ``test = "t"`` for rma.mv,
        ``dfs = "residual"``).
    level : float
        Confidence level in percent.
    slab : sequence of str, optional
        Labels of the effect sizes.
    sigma2 : pair of (float or None), optional
        Fix a variance component at a value >= 0 instead of estimating it (metafor's
        ``sigma2 = c(0, NA)``; None = estimate).
    lrt : bool
        Compute the likelihood-ratio test of each level (two more fits); False leaves
        ``lrt`` empty, e.g. inside sensitivity loops.

    Returns
    -------
    RMAMVResult

    Raises
    ------
    InputError
        Bad lengths, NaN, vi <= 0, one vi so small that the others hold a share of the weight
        double precision cannot resolve (as :func:`runecon.rma`), unknown method or test,
        singular moderators, or a model
        whose two levels coincide (every cluster holds one effect: sigma2_1 and sigma2_2
        are not separately identified).
    TooFewStudiesError
        No effects, fewer than two clusters, or k - p < 1.
    ConvergenceError
        The variance components' optimum does not satisfy the (projected) gradient check.

    Notes
    -----
    Model: y = X beta + u_cluster + w_(cluster, es) + e, u ~ N(0, sigma2_1),
    w ~ N(0, sigma2_2), e ~ N(0, vi) (Konstantopoulos 2011, doi:10.1002/jrsm.35; Cheung
    2014, doi:10.1037/a0032968). sigma2 maximises the REML (or ML) log-likelihood as in
    metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03), here by projected Newton steps
    with the exact Hessian (Fisher scoring where it is not negative definite) started at the
    best point of a grid over the components (evaluated in one vectorised pass, refined by a
    parabola in log sigma2), so the optimum is at least as high as every grid point; the
    likelihood and its derivatives are evaluated in closed form per cluster (nested
    Sherman-Morrison, O(k); see ``_NestedLikelihood``) without k×k matrices. The projected
    gradient is checked, and optima on the boundary are reported as exactly 0 (metafor's
    optimisers stop near it, e.g. at 1e-10). beta is the GLS estimate with
    vb = (X'M^-1 X)^-1. QE = y'P0 y with P0 built from W = diag(1/vi) (with the QR of X).
    Multilevel I² per level: 100 sigma2_l / (sigma2_1 + sigma2_2 + vt) with the typical
    sampling variance vt = (k - p) / tr(P0) (Cheung 2014; metafor FAQ "I^2 for multilevel
    and multivariate models"). The LRT per level refits with that sigma2 fixed at 0 and
    compares with chi-squared(1), as ``anova()`` in metafor.
    """
    method = _option(method, METHODS, "method", upper=True)
    test = _option(test, TESTS, "test")
    level = _level(level)

    terms = None
    if isinstance(mods, str):
        lhs, terms, data = parse_formula(mods, data)
        if yi is None and lhs is not None:
            yi = lhs
    y = _vector(_column(data, yi, "yi") if isinstance(yi, str) else yi, "yi")
    k = y.shape[0]
    if k == 0:
        raise TooFewStudiesError("yi", "is empty; at least two clusters of effects are needed")
    _check_finite_yi(y)
    v = _vector(_column(data, vi, "vi") if isinstance(vi, str) else vi, "vi", k)
    _check_positive(v, "vi")
    _checks.resolvable_weights(v, "vi")
    c_codes, _ = _codes(cluster, "cluster", k, data)
    if es_id is None:                       # every effect its own unit
        e_codes = np.arange(k)
    else:                                   # units are (cluster, es_id) pairs
        e_local, _ = _codes(es_id, "es_id", k, data)
        index = {}
        e_codes = np.array([index.setdefault(u, len(index))
                            for u in zip(c_codes.tolist(), e_local.tolist())])
    n1, n2 = int(c_codes.max()) + 1, int(e_codes.max()) + 1
    if n1 < 2:
        raise TooFewStudiesError("cluster", "has a single level; at least two clusters are needed")
    if n1 == n2:
        raise InputError("es_id", "every cluster holds a single effect-size unit, so sigma2 of the "
                                  "two levels is not identified; fit runecon.rma() instead")

    X, names = model_matrix(mods, terms, data, k)
    p = X.shape[1]
    if k - p < 1:
        raise TooFewStudiesError("yi", f"k = {k} effects cannot estimate p = {p} coefficients "
                                       "and the variance components")
    labels = (tuple(_checks.labels(slab, "slab", k)) if slab is not None
              else tuple(str(i + 1) for i in range(k)))

    fixed = {}
    if sigma2 is not None:
        try:
            pair = list(sigma2)
            fixed = {j: float(val) for j, val in enumerate(pair) if val is not None}
        except (TypeError, ValueError):
            raise InputError("sigma2", "must be a pair such as (None, 0.0): None = estimate") from None
        if len(pair) != 2 or not all(np.isfinite(u) and u >= 0 for u in fixed.values()):
            raise InputError("sigma2", "must be a pair of values >= 0 or None, e.g. (None, 0.0)")
    # centred effects (X's first column is the intercept, which gets the centre back): the
    # likelihood and QE do not lose digits to a common offset such as raw times
    ybar = _centre(y)
    yc = y - ybar
    # the optimiser works in units where the variances are O(1): yi / 2^m and vi / 4^m with
    # 4^m ~ max(var(yi), mean(vi) / 10) (powers of two: exact), so that tiny or huge
    # variances neither underflow nor overflow the derivatives; sigma2 scales by 4^m and the
    # log-likelihood shifts by -(k - p) m log(4) / 2 (ML: k), as log|M| and log|X'M^-1 X| do
    size = max(float(np.var(y)), float(np.mean(v)) * 0.1)
    if not 0.0 < size < math.inf:
        raise InputError("vi", f"the spread of yi and the size of vi ({size:.3g}) are beyond the "
                               "range of double precision; rescale yi and vi (other units)")
    m = round(0.5 * math.log2(size))
    rt = 2.0 ** m
    c = rt * rt
    shift = -0.5 * ((k - p) if method == "REML" else k) * math.log(c)
    lik = _NestedLikelihood(yc / rt, v / c, X, c_codes, e_codes, method == "REML")
    scale = max(float(np.var(yc / rt)), float(np.mean(lik.v)) * 0.1)

    def fit(fix):
        """(sigma2 in the data's units, the scaled one, ll, iterations); fixed values exact."""
        sc, ll_s, it = _maximise(lik, {j: val / c for j, val in fix.items()}, scale)
        s = sc * c
        for j, val in fix.items():
            s[j] = val
        return s, sc, ll_s + shift, it

    s2, s2c, ll, iters = fit(fixed)
    tests = []
    cname, ename = _name(cluster, "cluster"), _name(es_id, "es_id")
    for lev, fac in ((0, cname), (1, f"{cname}/{ename}")) if lrt else ():
        s0, _, ll0, _ = fit({**fixed, lev: 0.0})
        stat = max(2.0 * (ll - ll0), 0.0)
        tests.append(LevelTest(factor=fac, ll0=float(ll0), LRT=stat,
                             pval=float(special.chdtrc(1, stat)), sigma2_0=tuple(map(float, s0))))

    Ai, QMy = lik.beta_parts(s2c)
    Rinv = np.linalg.inv(lik.R)                     # X = Q R: beta = R^-1 (Q'M^-1 Q)^-1 Q'M^-1 y
    vb = c * (Rinv @ Ai @ Rinv.T)
    beta = rt * (Rinv @ (Ai @ QMy))
    beta[0] += ybar
    df = k - p if test == "t" else None
    se, zval, pval, ci_lb, ci_ub, QM, QMp, QMdf, btt = _coef_tests(beta, vb, df, level)
    # heterogeneity with the sampling variances alone
    # QE = y'P0 y = |(I - H) W^1/2 y|^2 with P0 = W - W X (X'W X)^-1 X'W, W = diag(1/vi), H
    # the projection on W^1/2 X = Qw Rw, and tr(P0) = sum w_i (1 - h_i), h_i = |Qw_i|^2: no
    # difference of large terms; in the scaled units (QE is unit-free, vt scales by 4^m)
    sw = np.sqrt(1.0 / lik.v)
    Qw = np.linalg.qr(lik.Q * sw[:, None])[0]
    r = sw * (yc / rt)
    r -= Qw @ (Qw.T @ r)
    QE = float(r @ r)
    QEp = float(special.chdtrc(k - p, QE))
    vt = c * (k - p) / float((sw * sw) @ (1.0 - (Qw * Qw).sum(axis=1)))
    tot = s2[0] + s2[1] + vt
    one = (lambda a: float(a[0])) if p == 1 else (lambda a: a)
    return RMAMVResult(
        yi=y, vi=v, X=X, coef_names=tuple(names), slab=labels, cluster_name=cname,
        es_name=ename, cluster_codes=c_codes, es_codes=e_codes, method=method, test=test,
        level=level, k=k, p=p, n_clusters=n1, beta=beta, se=one(se), zval=one(zval),
        pval=one(pval), ci_lb=one(ci_lb), ci_ub=one(ci_ub), vb=vb,
        sigma2=(float(s2[0]), float(s2[1])), s_nlevels=(n1, n2),
        sigma2_fixed=(0 in fixed, 1 in fixed), QE=QE, QEp=QEp, QM=QM,
        QMp=QMp, QMdf=QMdf, btt=btt, df=df, ll=float(ll), vt=vt,
        I2=(100.0 * s2[0] / tot, 100.0 * s2[1] / tot), I2_total=100.0 * (s2[0] + s2[1]) / tot,
        lrt=tuple(tests), iterations=iters, terms=tuple(terms) if terms is not None else None)


# --------------------------------------------------------------------------- robust
def _sym_power(A, power):
    """Symmetric matrix power by eigen-decomposition, eigenvalues <= 1e-12 times the largest
    set to 0 (clubSandwich's matrix_power cuts at an absolute 1e-12; a relative cut-off makes
    the result independent of the units of yi and vi, and equal to clubSandwich's whenever
    the eigenvalues are not tiny in absolute terms)."""
    val, vec = np.linalg.eigh((A + A.T) / 2.0)
    vp = np.where(val > 1e-12 * max(float(np.max(np.abs(val))), np.finfo(float).tiny),
                  np.abs(val) ** power, 0.0)
    return (vec * vp) @ vec.T


def robust(res, cluster=None, adjust="CR2", level=None):
    """Cluster-robust (sandwich) tests of the coefficients with Satterthwaite df.

    Parameters
    ----------
    res : RMAMVResult or RMAResult
        A fit of :func:`rma_mv` or of :func:`runecon.rma` (tests "z" or "t").
    cluster : array-like, optional
        Cluster of each effect (default for ``rma_mv`` results: its level-3 cluster;
        required for ``rma`` results). The model's random effects must be nested in it.
    adjust : {"CR2", "CR1", "CR0"}
        Small-sample adjustment of the residuals.
    level : float, optional
        Confidence level in percent (default: the model's).

    Returns
    -------
    RobustResult

    Notes
    -----
    As clubSandwich's ``coef_test(res, vcov = adjust, test = "Satterthwaite")`` with the
    model's inverse-variance working weights W_j = M_j^-1 (Pustejovsky & Tipton 2018,
    doi:10.1080/07350015.2016.1247004; Tipton & Pustejovsky 2015,
    doi:10.3102/1076998615606099). With the model variance vb = (X'WX)^-1, residuals
    e_j = y_j - X_j beta and E_j = X_j' W_j A_j:
    V_CR = vb (sum_j E_j e_j e_j' E_j') vb, where A_j = I (CR0), sqrt(J/(J - 1)) I (CR1), and
    for CR2 A_j = R_j' G_j^(-1/2) R_j with M_j = R_j'R_j (Cholesky) and
    G_j = R_j (I - X_j vb X_j' W_j) M_j R_j' (symmetric inverse square root). The
    Satterthwaite df of coefficient i are (tr P_i)² / sum(P_i²) for the J×J matrix
    P_i[j, l] = [j = l] |g_ij|² - h_ij'h_il, g_ij = (vb E_j R_j')_i, h_ij = (vb E_j X_j L)_i,
    L L' = vb.
    """
    _checks.result(res, "robust", (RMAMVResult, RMAResult))
    if adjust not in ADJUSTMENTS:
        raise InputError("adjust", f"unknown adjustment {adjust!r}; valid: {', '.join(ADJUSTMENTS)}")
    level = res.level if level is None else _level(level)
    k, X, y = res.k, res.X, res.yi
    if isinstance(res, RMAMVResult):
        s = res.sigma2
        c1, c2 = res.cluster_codes, res.es_codes
        M = np.diag(res.vi) + s[0] * (c1[:, None] == c1[None, :]) + s[1] * (c2[:, None] == c2[None, :])
        if cluster is None:
            cl = c1
        else:
            cl, _ = _codes(cluster, "cluster", k, None)
            for inner in (c1, c2):
                if any(len(set(cl[inner == u])) > 1 for u in np.unique(inner)):
                    raise InputError("cluster", "the model's random effects are not nested within "
                                                "this clustering variable")
    elif isinstance(res, RMAResult):
        if res.test not in TESTS:
            raise InputError("res", f"robust() supports rma fits with test 'z' or 't', not {res.test!r}")
        if cluster is None:
            raise InputError("cluster", "is required for an rma() result (one value per study)")
        cl, _ = _codes(cluster, "cluster", k, None)
        M = np.diag(res.vi + res.tau2)
    else:
        raise InputError("res", "must be a result of runecon.rma_mv() or runecon.rma()")
    J = int(cl.max()) + 1
    if J < 2:
        raise TooFewStudiesError("cluster", "cluster-robust variance needs at least two clusters")
    p = X.shape[1]
    W = np.linalg.inv(M)
    vb = np.linalg.inv(X.T @ W @ X)
    ybar = _centre(y)
    beta = vb @ X.T @ W @ (y - ybar)
    e = (y - ybar) - X @ beta
    beta[0] += ybar
    Lvb = np.linalg.cholesky(vb)
    meat = np.zeros((p, p))
    Gsq = np.zeros((J, p))          # |g_ij|^2 per cluster and coefficient
    Hs = np.zeros((J, p, p))        # rows h_ij (length p) per cluster
    for j in range(J):
        idx = np.flatnonzero(cl == j)
        Xj, Mj = X[idx], M[np.ix_(idx, idx)]
        Wj = np.linalg.inv(Mj)
        Ej = Xj.T @ Wj
        Rj = np.linalg.cholesky(Mj).T
        if adjust == "CR2":
            IH = np.eye(len(idx)) - Xj @ vb @ Xj.T @ Wj
            Gj = Rj @ IH @ Mj @ Rj.T
            Ej = Ej @ (Rj.T @ _sym_power(Gj, -0.5) @ Rj)
        elif adjust == "CR1":
            Ej = Ej * math.sqrt(J / (J - 1))
        u = Ej @ e[idx]
        meat += np.outer(u, u)
        ME = vb @ Ej
        Gsq[j] = np.sum((ME @ Rj.T) ** 2, axis=1)
        Hs[j] = ME @ Xj @ Lvb
    V = vb @ meat @ vb
    se = np.sqrt(np.diag(V))
    tval = beta / se
    dfs = np.empty(p)
    for i in range(p):
        P = -(Hs[:, i, :] @ Hs[:, i, :].T)
        P[np.diag_indices(J)] += Gsq[:, i]
        dfs[i] = np.trace(P) ** 2 / np.sum(P ** 2)
    pval = 2.0 * special.stdtr(dfs, -np.abs(tval))
    crit = -special.stdtrit(dfs, (100.0 - level) / 200.0)
    one = (lambda a: float(a[0])) if p == 1 else (lambda a: a)
    return RobustResult(coef_names=tuple(res.coef_names), adjust=adjust, n_clusters=J,
                        level=level, beta=one(beta), se=one(se), tval=one(tval), df=one(dfs),
                        pval=one(pval), ci_lb=one(beta - crit * se), ci_ub=one(beta + crit * se),
                        vcov=V)
