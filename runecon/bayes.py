"""Bayesian random-effects meta-analysis by numerical integration over tau (no MCMC).

The normal-normal hierarchical model

    y_i | theta_i ~ N(theta_i, v_i),   theta_i | mu, tau ~ N(mu, tau^2)

with independent priors p(mu) (flat or normal) and p(tau) (half-normal, half-Cauchy,
uniform, or a point mass) is integrated analytically over mu and the theta_i given tau; the
one remaining dimension, tau, is integrated numerically. This is the approach of the R
package bayesmeta (Roever 2020, doi:10.18637/jss.v093.i06); the code here is written from
the model equations, not from bayesmeta's source.
"""
from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp, ndtr, ndtri, roots_legendre

from .errors import ConvergenceError, InputError, RuneconWarning
from .results import Result

__all__ = ["bayesmeta", "BayesResult"]

_LOG2PI = math.log(2.0 * math.pi)
_TAU_PRIORS = ("halfnormal", "halfcauchy", "uniform", "fixed")
#: relative change between an n- and a 2n-node rule below which the tau integration is
#: accepted (the doubling check of the adaptive rule)
_QUAD_RTOL = 1e-10
_MAX_NODES = 4096
#: stopping tolerance of the root finders, relative to the scale of the distribution
_ROOT_XTOL = 1e-12


# --------------------------------------------------------------------------------------
# model pieces, vectorised over a vector of tau values
# --------------------------------------------------------------------------------------
def _conditional(tau, yi, vi, mu_prior, mu_fixed=None):
    """log p(y | tau) and the moments of mu | tau, y, for every tau (1-D array).

    With a normal prior N(m0, s0^2) for mu, the prior enters exactly like one extra study
    with estimate m0 and variance s0^2 (no tau^2 added), which makes log p(y | tau) the
    proper marginal likelihood. With the flat prior p(mu) = 1 the same formula gives the
    (improper) marginal likelihood up to that convention. With ``mu_fixed`` the likelihood
    is p(y | mu = mu_fixed, tau).
    """
    V = vi[None, :] + (tau * tau)[:, None]                     # (n, k)
    if mu_fixed is not None:
        r = yi[None, :] - mu_fixed
        return -0.5 * (np.log(V).sum(1) + (r * r / V).sum(1) + yi.size * _LOG2PI), None, None
    w = 1.0 / V
    y = np.broadcast_to(yi, V.shape)
    if mu_prior is not None:
        m0, s0 = mu_prior
        w = np.hstack([w, np.full((tau.size, 1), 1.0 / (s0 * s0))])
        y = np.hstack([y, np.full((tau.size, 1), m0)])
    W = w.sum(1)
    m = (w * y).sum(1) / W
    Q = (w * (y - m[:, None]) ** 2).sum(1)
    ll = 0.5 * (np.log(w).sum(1) - Q - np.log(W) - (w.shape[1] - 1) * _LOG2PI)
    return ll, m, 1.0 / W


def _log_tau_prior(tau, kind, scale, upper):
    """log prior density of tau (normalised when proper)."""
    if kind == "halfnormal":
        return math.log(2.0) - 0.5 * _LOG2PI - math.log(scale) - 0.5 * (tau / scale) ** 2
    if kind == "halfcauchy":
        return math.log(2.0 / (math.pi * scale)) - np.log1p((tau / scale) ** 2)
    # uniform
    if upper is None:
        return np.zeros_like(tau)
    return np.where(tau <= upper, -math.log(upper), -np.inf)


# --------------------------------------------------------------------------------------
# quadrature over tau on the compactified scale tau = c (u / (1 - u))^alpha, u in [0, u_max]
# --------------------------------------------------------------------------------------
def _tau_of_u(u, c, alpha):
    with np.errstate(divide="ignore"):
        return c * (u / (1.0 - u)) ** alpha


def _u_of_tau(t, c, alpha):
    r = (np.maximum(t, 0.0) / c) ** (1.0 / alpha)
    return np.where(np.isinf(r), 1.0, r / (1.0 + r))


def _log_jac(u, tau, alpha):
    """log dtau/du for tau = c (u/(1-u))^alpha."""
    return math.log(alpha) + np.log(tau) - np.log(u) - np.log1p(-u)


@dataclass(frozen=True)
class _TauRule:
    logpost: object          # callable: tau (1-D) -> unnormalised log posterior density
    c: float
    alpha: float
    u_max: float
    n: int
    tau: np.ndarray          # nodes
    logw: np.ndarray         # log(quadrature weight * dtau/du * posterior density)
    logZ: float

    def cdf(self, t):
        t = np.asarray(t, dtype=float)
        return self._cdf_u(np.minimum(_u_of_tau(t, self.c, self.alpha), self.u_max))

    def _cdf_u(self, u):
        x, w = _gl01(self.n)
        uu = u[..., None] * x
        tau = _tau_of_u(uu, self.c, self.alpha)
        lp = self.logpost(tau.ravel()).reshape(tau.shape)
        with np.errstate(under="ignore"):
            val = (np.exp(lp + _log_jac(uu, tau, self.alpha) - self.logZ) * w).sum(-1) * u
        return np.minimum(val, 1.0)

    def pdf(self, t):
        t = np.asarray(t, dtype=float)
        out = np.zeros(t.shape)
        ok = t >= 0
        out[ok] = np.exp(self.logpost(t[ok]) - self.logZ)
        return out

    def dlogpdf(self, t):
        """d/dtau log p(tau | y) by a central difference."""
        h = 1e-6 * (t + self.c)
        lo = np.maximum(t - h, 0.0)
        return (self.logpost(t + h) - self.logpost(lo)) / (t + h - lo)

    def quantile(self, p, x0=None):
        """tau quantiles by safeguarded Newton iteration on the u scale."""
        p = np.asarray(p, dtype=float)
        lo = np.zeros(p.shape)
        hi = np.full(p.shape, self.u_max)
        if x0 is None:       # start: interpolate the cumulative weights of the nodes
            cum = np.cumsum(np.exp(self.logw - self.logZ))
            u = np.interp(p, cum, _u_of_tau(self.tau, self.c, self.alpha))
        else:
            u = np.minimum(_u_of_tau(np.asarray(x0, float), self.c, self.alpha), self.u_max)
        for _ in range(200):
            G = self._cdf_u(u) - p
            tau = _tau_of_u(u, self.c, self.alpha)
            with np.errstate(divide="ignore", invalid="ignore"):
                g = np.exp(self.logpost(tau.ravel()).reshape(u.shape)
                           + _log_jac(u, tau, self.alpha) - self.logZ)
                step = G / g
            lo = np.where(G < 0, u, lo)
            hi = np.where(G > 0, u, hi)
            un = u - step
            bad = ~((un >= lo) & (un <= hi))
            un = np.where(bad, 0.5 * (lo + hi), un)
            done = (((np.abs(step) <= _ROOT_XTOL * np.maximum(u, 1e-300)) & ~bad)
                    | (np.abs(G) <= 1e-15) | (hi - lo <= _ROOT_XTOL * np.maximum(u, 1e-300)))
            u = un
            if np.all(done):
                break
        else:
            raise ConvergenceError("tau quantile search", 200, float(np.max(np.abs(G))))
        return np.where(p <= 0, 0.0, _tau_of_u(u, self.c, self.alpha))


_GL_CACHE: dict = {}


def _gl01(n):
    """Gauss-Legendre nodes and weights on (0, 1)."""
    if n not in _GL_CACHE:
        x, w = roots_legendre(n)
        _GL_CACHE[n] = (0.5 * (x + 1.0), 0.5 * w)
    return _GL_CACHE[n]


def _rule(logpost, c, alpha, upper, n):
    u_max = 1.0 if upper is None else float(_u_of_tau(upper, c, alpha))
    x, w = _gl01(n)
    u = u_max * x
    tau = _tau_of_u(u, c, alpha)
    logw = logpost(tau) + np.log(w * u_max) + _log_jac(u, tau, alpha)
    logZ = logsumexp(logw)
    return _TauRule(logpost, c, alpha, u_max, n, tau, logw, float(logZ))


def _integrate_tau(logpost, c0, upper, n0, checks, scale):
    """Adaptive Gauss-Legendre rule over tau in [0, upper] (upper may be inf).

    The map tau = c (u/(1-u))^alpha is fitted to the posterior: c moves to the posterior
    median (the mass sits in the middle of the u interval) and alpha (at most 1) shrinks
    with the spread of log tau, so that a narrow posterior is spread over the whole u
    interval. Then the number of nodes is doubled until the normalising constant and the
    posterior expectations in ``checks`` (callables of tau, vectorised) change by less than
    _QUAD_RTOL.
    """
    c, alpha = c0, 1.0
    for _ in range(10):                     # re-centre the map on the posterior
        r = _rule(logpost, c, alpha, upper, n0)
        if not np.isfinite(r.logZ):
            raise ConvergenceError("tau integration (posterior density underflows or is "
                                   "not finite on the grid)", 0, float("nan"),
                                   "check the data and the prior scales")
        pw = np.exp(r.logw - r.logZ)
        med = float(np.interp(0.5, np.cumsum(pw), r.tau))
        lt = np.log(r.tau)
        s_log = math.sqrt(max(float(pw @ lt ** 2) - float(pw @ lt) ** 2, 0.0))
        # alpha < 1 makes dtau/du singular at u = 0: only when no mass lies near tau = 0
        near0 = float(pw[r.tau < 0.05 * med].sum()) if med > 0 else 1.0
        new_alpha = min(1.0, max(2.0 * s_log, 0.02)) if near0 < 1e-14 else 1.0
        # stop when the median sits near u = 1/2 (|logit u| < 1/2) and alpha is settled
        if med <= 0 or (abs(math.log(med / c)) / alpha < 0.5
                        and abs(math.log(new_alpha / alpha)) < 0.3):
            break
        c, alpha = med, new_alpha
    n = n0
    prev = None
    while True:
        r = _rule(logpost, c, alpha, upper, n)
        pw = np.exp(r.logw - r.logZ)
        cur = np.array([r.logZ] + [float(pw @ f(r.tau)) for f in checks])
        if prev is not None:
            # log Z: absolute change (= relative change of Z; relative to |log Z| when that
            # is large, as double precision allows no better); expectations: relative to
            # their size, or to the scale of the data when they are near zero
            change = max(abs(cur[0] - prev[0]) / max(1.0, abs(cur[0])),
                         np.max(np.abs(cur[1:] - prev[1:])
                                / np.maximum(np.abs(cur[1:]), scale), initial=0.0))
            if change < _QUAD_RTOL:
                return r
            if 2 * n > _MAX_NODES:
                raise ConvergenceError(
                    f"tau integration with {n} nodes", n, float(change),
                    "the tau posterior is too concentrated or too irregular for the "
                    "quadrature; pass a larger grid= or rescale the data")
        prev = cur
        n *= 2


# --------------------------------------------------------------------------------------
# mixtures of normals (mu, predictive, shrinkage): D distributions sharing the weights
# --------------------------------------------------------------------------------------
def _mix_cdf(x, w, M, S):
    z = (x[..., None] - M[:, None, :]) / S[:, None, :]
    return ndtr(z) @ w


def _mix_pdf(x, w, M, S, deriv=0):
    z = (x[..., None] - M[:, None, :]) / S[:, None, :]
    phi = np.exp(-0.5 * z * z) / (S[:, None, :] * math.sqrt(2.0 * math.pi))
    if deriv == 1:
        phi = phi * (-z / S[:, None, :])
    elif deriv == 2:
        phi = phi * (z * z - 1.0) / S[:, None, :] ** 2
    return phi @ w


def _mix_moments(M, S, w):
    """Mean and sd of each row's normal mixture sum_j w_j N(M_j, S_j^2) (weights summing to 1).

    The variance is the law of total variance in centred form, sum_j w_j (S_j^2 + (M_j -
    mean)^2): the uncentred E[X^2] - mean^2 loses the digits of a common offset (effects near
    50 with a posterior sd of 0.004 kept ~7 digits of the sd; issue #11, class 1).
    """
    mean = M @ w
    var = (S ** 2 + (M - mean[:, None]) ** 2) @ w
    return mean, np.sqrt(var)


def _mix_quantile(p, w, M, S, x0=None):
    """Quantiles (D, P) of D normal mixtures by safeguarded Newton iteration.

    The quantile of an average of cdfs lies between the smallest and the largest of the
    component quantiles, which gives a guaranteed starting bracket.
    """
    p = np.asarray(p, dtype=float)
    keep = w > 0
    wk, Mk, Sk = w[keep], M[:, keep], S[:, keep]
    zq = ndtri(p)[..., None]
    comp = Mk[:, None, :] + Sk[:, None, :] * zq
    lo, hi = comp.min(-1), comp.max(-1)
    scale = Sk.max(1)[:, None]
    if x0 is None:
        mean, sd = _mix_moments(Mk, Sk, wk)
        x0 = mean[:, None] + sd[:, None] * zq[..., 0]
    x = np.clip(x0, lo, hi)
    for _ in range(200):
        F = _mix_cdf(x, wk, Mk, Sk) - p
        f = _mix_pdf(x, wk, Mk, Sk)
        lo = np.where(F < 0, x, lo)
        hi = np.where(F > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = F / f
        xn = x - step
        bad = ~((xn >= lo) & (xn <= hi))              # also catches nan
        xn = np.where(bad, 0.5 * (lo + hi), xn)
        # tolerance: relative to the spread, but never below a few ulps of x itself
        tol = np.maximum(_ROOT_XTOL * scale, 8 * np.finfo(float).eps * np.abs(x))
        done = ((np.abs(step) <= tol) & ~bad) | (hi - lo <= tol)
        x = xn
        if np.all(done):
            return x
    raise ConvergenceError("quantile search of a normal mixture", 200,
                           float(np.max(np.abs(F))))


def _shortest_mix(w, M, S, level, xl, xu):
    """Shortest intervals of probability ``level`` for D unimodal normal mixtures.

    Newton iteration on the lower tail probability a for h(a) = f(q(a + level)) - f(q(a))
    (h' = f'/f at the upper minus f'/f at the lower end, because dq/da = 1/f), started at
    the central interval (xl, xu) and safeguarded by a bracket on a; quantiles are
    warm-started from the previous iterate.
    """
    D = M.shape[0]
    a = np.full(D, 0.5 * (1.0 - level))
    a_lo, a_hi = np.zeros(D), np.full(D, 1.0 - level)
    xl, xu = xl.copy(), xu.copy()
    todo = np.arange(D)                      # rows not yet converged
    for _ in range(60):
        Mt, St = M[todo], S[todo]
        fl = _mix_pdf(xl[todo, None], w, Mt, St)[:, 0]
        fu = _mix_pdf(xu[todo, None], w, Mt, St)[:, 0]
        dl = _mix_pdf(xl[todo, None], w, Mt, St, deriv=1)[:, 0]
        du = _mix_pdf(xu[todo, None], w, Mt, St, deriv=1)[:, 0]
        h, at = fu - fl, a[todo]
        a_lo[todo] = np.where(h > 0, at, a_lo[todo])
        a_hi[todo] = np.where(h < 0, at, a_hi[todo])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = h / (du / fu - dl / fl)
        # |da| <= 1e-13 moves the interval ends by ~1e-13 / f: far below any printed digit
        done = (np.abs(step) <= 1e-13) | (np.abs(h) <= 1e-12 * np.maximum(fl, fu))
        a_new = at - step
        bad = ~((a_new >= a_lo[todo]) & (a_new <= a_hi[todo]))
        a_new = np.where(bad, 0.5 * (a_lo[todo] + a_hi[todo]), a_new)
        keep = ~done
        if not keep.any():
            return xl, xu
        todo, a_new = todo[keep], a_new[keep]
        x0 = np.stack([xl[todo] + (a_new - a[todo]) / fl[keep],
                       xu[todo] + (a_new - a[todo]) / fu[keep]], axis=1)
        q = _mix_quantile(np.stack([a_new, a_new + level], axis=1), w, M[todo], S[todo], x0=x0)
        xl[todo], xu[todo], a[todo] = q[:, 0], q[:, 1], a_new
    raise ConvergenceError("shortest-interval search", 60, float(np.max(np.abs(h))))


def _shortest_tau(rule, level):
    """Shortest interval of probability ``level`` for the posterior of tau.

    One-sided [0, q(level)] when the density at 0 is at least the density at q(level);
    otherwise Newton iteration on the lower tail probability a as in :func:`_shortest_mix`,
    with h'(a) = (log f)'(upper end) - (log f)'(lower end).
    """
    tu = float(rule.quantile(np.array(level)))
    if rule.pdf(np.array(0.0)) >= rule.pdf(np.array(tu)):
        return 0.0, tu
    a = 0.5 * (1.0 - level)
    a_lo, a_hi = 0.0, 1.0 - level
    tl, tu = rule.quantile(np.array([a, a + level]))
    for _ in range(60):
        fl, fu = rule.pdf(np.array([tl, tu]))
        h = fu - fl
        if h > 0:
            a_lo = a
        elif h < 0:
            a_hi = a
        dl, du = rule.dlogpdf(np.array([tl, tu]))
        a_new = a - h / (du - dl) if du != dl else 0.5 * (a_lo + a_hi)
        if not (a_lo < a_new < a_hi):
            a_new = 0.5 * (a_lo + a_hi)
        if abs(a_new - a) <= 1e-13 or abs(h) <= 1e-12 * max(fl, fu):
            return float(tl), float(tu)
        x0 = np.array([tl + (a_new - a) / fl, tu + (a_new - a) / fu])
        tl, tu = rule.quantile(np.array([a_new, a_new + level]), x0=x0)
        a = a_new
    raise ConvergenceError("shortest-interval search for tau", 60, float(abs(h)))


# --------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class BayesResult(Result):
    """Result of :func:`bayesmeta`: posteriors of tau and mu, predictive, shrinkage.

    Summary fields are Python floats (arrays of length k for the study-specific
    ``theta_*``); ``*_ci_*`` are equal-tailed (central) intervals, ``*_hpd_*`` shortest
    intervals, ``pi_*`` intervals of the posterior predictive distribution of the effect
    theta_new of a new study. Infinite posterior moments are ``inf`` (``nan`` for a mean
    that does not exist).
    """

    yi: np.ndarray
    vi: np.ndarray
    slab: tuple
    k: int
    level: float
    tau_prior: str
    tau_scale: float | None
    tau_upper: float | None
    mu_prior: tuple | None
    n_nodes: int
    tau_grid: np.ndarray        # quadrature nodes
    tau_density: np.ndarray     # normalised posterior density of tau at the nodes
    weights: np.ndarray         # mixture weights (sum to 1)
    cond_mean: np.ndarray       # E[mu | tau, y] at the nodes
    cond_sd: np.ndarray         # sd[mu | tau, y] at the nodes
    tau_mode: float
    tau_median: float
    tau_mean: float
    tau_sd: float
    tau_ci_lb: float
    tau_ci_ub: float
    tau_hpd_lb: float
    tau_hpd_ub: float
    mu_mode: float
    mu_median: float
    mu_mean: float
    mu_sd: float
    mu_ci_lb: float
    mu_ci_ub: float
    mu_hpd_lb: float
    mu_hpd_ub: float
    pred_mode: float
    pred_median: float
    pred_mean: float
    pred_sd: float
    pi_lb: float
    pi_ub: float
    pi_hpd_lb: float
    pi_hpd_ub: float
    theta_mode: np.ndarray
    theta_median: np.ndarray
    theta_mean: np.ndarray
    theta_sd: np.ndarray
    theta_ci_lb: np.ndarray
    theta_ci_ub: np.ndarray
    theta_hpd_lb: np.ndarray
    theta_hpd_ub: np.ndarray
    log_marginal: float | None   # log p(y) when both priors are proper, else None
    bf_tau0: float | None        # Bayes factor p(y | tau=0) / p(y)
    bf_mu0: float | None         # Bayes factor p(y | mu=0) / p(y) (nan if not computable)
    _rule: object = field(repr=False, compare=False, default=None)

    # ---- distribution functions ------------------------------------------------------
    def _mixture(self, param, study):
        t = self.tau_grid
        if param == "mu":
            return self.cond_mean[None], self.cond_sd[None]
        if param == "pred":
            return self.cond_mean[None], np.sqrt(self.cond_sd ** 2 + t ** 2)[None]
        if param == "theta":
            i = self._study_index(study)
            b = t ** 2 / (self.vi[i] + t ** 2)
            m = b * self.yi[i] + (1 - b) * self.cond_mean
            s = np.sqrt(b * self.vi[i] + (1 - b) ** 2 * self.cond_sd ** 2)
            return m[None], s[None]
        raise InputError("param", f"must be 'tau', 'mu', 'pred' or 'theta', not {param!r}")

    def _study_index(self, study):
        if study is None:
            raise InputError("study", "param='theta' needs study= (an index or a slab label)")
        if isinstance(study, str):
            if study not in self.slab:
                raise InputError("study", f"{study!r} is not one of the slab labels")
            return self.slab.index(study)
        if not (0 <= int(study) < self.k):
            raise InputError("study", f"index {study} out of range 0..{self.k - 1}")
        return int(study)

    def pdf(self, param, x, study=None):
        """Posterior density of ``param`` ('tau', 'mu', 'pred' or 'theta' with
        ``study=``) at ``x`` (vectorised)."""
        x = np.asarray(x, dtype=float)
        if param == "tau":
            return self._tau_fun("pdf", x)
        M, S = self._mixture(param, study)
        return _mix_pdf(x.reshape(1, -1), self.weights, M, S).reshape(x.shape)

    def cdf(self, param, x, study=None):
        """Posterior cumulative distribution function of ``param`` at ``x``."""
        x = np.asarray(x, dtype=float)
        if param == "tau":
            return self._tau_fun("cdf", x)
        M, S = self._mixture(param, study)
        return _mix_cdf(x.reshape(1, -1), self.weights, M, S).reshape(x.shape)

    def quantile(self, param, p, study=None):
        """Posterior quantiles of ``param`` at probabilities ``p`` (0 < p < 1)."""
        p = np.asarray(p, dtype=float)
        if np.any(~np.isfinite(p)) or np.any((p <= 0) | (p >= 1)):
            raise InputError("p", "probabilities must lie strictly between 0 and 1")
        if param == "tau":
            return self._tau_fun("quantile", p)
        M, S = self._mixture(param, study)
        return _mix_quantile(p.reshape(1, -1), self.weights, M, S).reshape(p.shape)

    def _tau_fun(self, what, x):
        r = self._rule
        if r is None:                          # tau fixed: point mass
            t0 = float(self.tau_grid[0])
            if what == "pdf":
                return np.where(x == t0, np.inf, 0.0)
            if what == "cdf":
                return (x >= t0).astype(float)
            return np.full(x.shape, t0)
        return getattr(r, what)(x)

    # ---- presentation ----------------------------------------------------------------
    def _prior_text(self):
        if self.tau_prior == "halfnormal":
            tp = f"half-normal(scale = {self.tau_scale:g})"
        elif self.tau_prior == "halfcauchy":
            tp = f"half-Cauchy(scale = {self.tau_scale:g})"
        elif self.tau_prior == "fixed":
            tp = f"fixed at tau = {self.tau_scale:g}"
        elif self.tau_upper is None:
            tp = "uniform(0, inf) (improper)"
        else:
            tp = f"uniform(0, {self.tau_upper:g})"
        mp = ("flat (improper)" if self.mu_prior is None else
              f"normal(mean = {self.mu_prior[0]:g}, sd = {self.mu_prior[1]:g})")
        return tp, mp

    def to_frame(self):
        """Posterior summary: rows tau, mu, pred (new study) and theta[<slab>]."""
        cols = ["mode", "median", "mean", "sd", "ci_lb", "ci_ub", "hpd_lb", "hpd_ub"]
        rows = {
            "tau": [self.tau_mode, self.tau_median, self.tau_mean, self.tau_sd,
                    self.tau_ci_lb, self.tau_ci_ub, self.tau_hpd_lb, self.tau_hpd_ub],
            "mu": [self.mu_mode, self.mu_median, self.mu_mean, self.mu_sd,
                   self.mu_ci_lb, self.mu_ci_ub, self.mu_hpd_lb, self.mu_hpd_ub],
            "pred": [self.pred_mode, self.pred_median, self.pred_mean, self.pred_sd,
                     self.pi_lb, self.pi_ub, self.pi_hpd_lb, self.pi_hpd_ub],
        }
        for i, s in enumerate(self.slab):
            rows[f"theta[{s}]"] = [float(getattr(self, "theta_" + c)[i]) for c in
                                   ("mode", "median", "mean", "sd", "ci_lb", "ci_ub",
                                    "hpd_lb", "hpd_ub")]
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols)

    def shrinkage_frame(self):
        """Per-study data (yi, sei) with the posterior of each study's effect theta_i."""
        df = self.to_frame().iloc[3:].copy()
        df.index = list(self.slab)
        df.insert(0, "sei", np.sqrt(self.vi))
        df.insert(0, "yi", self.yi)
        return df

    def __str__(self):
        tp, mp = self._prior_text()
        lv = f"{self.level:g}%"
        lines = [
            f"Bayesian random-effects meta-analysis (k = {self.k}; numerical integration "
            f"over tau, {self.n_nodes} nodes)",
            "",
            f"tau prior: {tp}",
            f"mu prior:  {mp}",
            "",
            "Marginal posterior summary:",
        ]
        tab = self.to_frame().iloc[:3].T
        tab.columns = ["tau", "mu", "theta_new"]
        tab.index = ["mode", "median", "mean", "sd", f"{lv} lower (central)",
                     f"{lv} upper (central)", f"{lv} lower (shortest)",
                     f"{lv} upper (shortest)"]
        lines += tab.to_string(float_format=lambda v: f"{v:.4f}").splitlines()
        lines += ["", "Shrinkage estimates (posterior of each study's theta_i):"]
        sh = self.shrinkage_frame()[["yi", "sei", "median", "mean", "sd", "ci_lb", "ci_ub"]]
        lines += sh.to_string(float_format=lambda v: f"{v:.4f}").splitlines()
        if self.log_marginal is not None:
            lines += ["", f"log marginal likelihood: {self.log_marginal:.4f};  "
                          f"Bayes factors: tau=0: {self.bf_tau0:.4g}, mu=0: {self.bf_mu0:.4g}"]
        return "\n".join(lines)

    def _repr_html_(self):
        tp, mp = self._prior_text()
        head = (f"<p><b>Bayesian random-effects meta-analysis</b> (k = {self.k}; "
                f"{self.n_nodes} tau nodes)<br>tau prior: {html.escape(tp)}<br>"
                f"mu prior: {html.escape(mp)}</p>")
        return head + self.to_frame().to_html(float_format=lambda v: f"{v:.4f}")


# --------------------------------------------------------------------------------------
# main function
# --------------------------------------------------------------------------------------
def _check_inputs(yi, vi, sei, slab):
    if (vi is None) == (sei is None):
        raise InputError("vi", "give exactly one of vi= and sei=")
    yi = np.asarray(yi, dtype=float)
    if yi.ndim != 1 or yi.size < 1:
        raise InputError("yi", "must be a 1-D array with at least one estimate (k >= 1)")
    if not np.all(np.isfinite(yi)):
        raise InputError("yi", "contains NaN or infinite values")
    name = "vi" if vi is not None else "sei"
    v = np.asarray(vi if vi is not None else sei, dtype=float)
    if v.shape != yi.shape:
        raise InputError(name, f"length {v.size} differs from yi ({yi.size})")
    if not np.all(np.isfinite(v)):
        raise InputError(name, "contains NaN or infinite values")
    if np.any(v <= 0):
        raise InputError(name, "must be positive (a zero sampling variance is not allowed)")
    vi = v if vi is not None else v * v
    if slab is None:
        slab = tuple(str(i + 1) for i in range(yi.size))
    else:
        slab = tuple(str(s) for s in slab)
        if len(slab) != yi.size:
            raise InputError("slab", f"length {len(slab)} differs from yi ({yi.size})")
    return yi, vi, slab


def _positive(name, x):
    try:
        ok = x is not None and bool(np.isfinite(x)) and x > 0
    except (TypeError, ValueError):      # a string, a sequence, ...
        ok = False
    if not ok:
        raise InputError(name, f"must be a positive finite number, not {x!r}")
    return float(x)


def bayesmeta(yi, vi=None, *, sei=None, tau_prior="halfnormal", tau_scale=None,
              tau_upper=None, mu_prior=None, slab=None, level=95, grid=64):
    """Bayesian random-effects meta-analysis by numerical integration over tau.

    Parameters
    ----------
    yi : array_like
        Observed effect sizes (k >= 1).
    vi, sei : array_like
        Sampling variances or standard errors (exactly one of the two), all positive.
    tau_prior : {"halfnormal", "halfcauchy", "uniform", "fixed"}
        Prior of the heterogeneity standard deviation tau. "halfnormal" and "halfcauchy"
        need ``tau_scale``; "uniform" is uniform on [0, tau_upper] or, with
        ``tau_upper=None``, the improper uniform prior on [0, inf) (bayesmeta's default);
        "fixed" puts all prior mass on tau = ``tau_scale`` (the analysis conditional on a
        known tau).
    tau_scale, tau_upper : float
        Scale of the half-normal / half-Cauchy prior (the fixed value for "fixed"); upper
        bound of the uniform prior.
    mu_prior : None or (mean, sd)
        None: flat (improper) prior on mu; else a normal prior with this mean and sd.
    slab : sequence of str, optional
        Study labels.
    level : float
        Credibility level in percent for all intervals.
    grid : int
        Initial number of Gauss-Legendre nodes over tau (doubled adaptively until the
        integrals change by less than 1e-10 relative).

    Returns
    -------
    BayesResult
        Summaries as fields (``tau_*``, ``mu_*``, ``pred_*``/``pi_*``, ``theta_*``), the
        distribution functions ``pdf``/``cdf``/``quantile(param, x)`` for param in
        'tau', 'mu', 'pred' and 'theta' (with ``study=``), ``to_frame()``.

    Examples
    --------
    The eight schools (bayesmeta vignette, schools.example.1):

    >>> y = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16]
    >>> se = [14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6]
    >>> r = bayesmeta(y, sei=se, tau_prior="halfcauchy", tau_scale=25, mu_prior=(0, 50))
    >>> round(r.tau_median, 4), round(r.mu_mean, 3)
    (4.7585, 7.986)

    Raises
    ------
    InputError
        Bad data, bad prior parameters, or a prior combination whose posterior is
        improper (the improper uniform tau prior needs k >= 3 with a flat mu prior and
        k >= 2 with a normal one).
    ConvergenceError
        The tau integration does not converge (the result would not be trustworthy).

    Notes
    -----
    Model and method: Roever C (2020). Bayesian random-effects meta-analysis using the
    bayesmeta R package. J Stat Softw 93(6). doi:10.18637/jss.v093.i06. Given tau, mu
    has a normal conditional posterior N(m(tau), v(tau)) (a normal mu prior acts as an
    extra study with variance sd^2), and the marginal likelihood p(y | tau) is available in
    closed form, so

    * p(tau | y) ∝ p(y | tau) p(tau) is integrated with a Gauss-Legendre rule on u in
      [0, 1) with tau = c (u / (1 - u))^alpha (c re-centred on the posterior median,
      alpha <= 1 reduced for narrow posteriors away from 0; the number of nodes doubles
      until two rules agree to 1e-10), so the whole half-line, including polynomially
      decaying tails, is covered; the result's ``tau_grid``/``tau_density`` are these nodes;
    * the marginal posterior of mu is the mixture sum_j w_j N(m(tau_j), v(tau_j)) with the
      quadrature weights w_j (bayesmeta uses the DIRECT grid of Roever & Friede 2017,
      doi:10.1080/10618600.2016.1276840, instead);
    * the predictive distribution of a new study's theta_new is the mixture of
      N(m, v + tau^2); study i's shrinkage posterior is the mixture of
      N(b y_i + (1 - b) m, b v_i + (1 - b)^2 v) with b = tau^2 / (v_i + tau^2).

    Quantiles come from a vectorised safeguarded Newton search on the mixture cdf; shortest
    intervals solve f(q(a)) = f(q(a + level)) by regula falsi. Posterior moments that are
    infinite (heavy tau tails with few studies) are returned as inf, with a warning.
    """
    yi, vi, slab = _check_inputs(yi, vi, sei, slab)
    k = yi.size
    if tau_prior not in _TAU_PRIORS:
        raise InputError("tau_prior", f"must be one of {_TAU_PRIORS}, not {tau_prior!r}")
    if tau_prior in ("halfnormal", "halfcauchy"):
        tau_scale = _positive("tau_scale", tau_scale)
    elif tau_prior == "fixed":
        if not isinstance(tau_scale, (int, float, np.integer, np.floating)) \
                or not np.isfinite(tau_scale) or tau_scale < 0:
            raise InputError("tau_scale", "tau_prior='fixed' needs tau_scale >= 0 (the value)")
        tau_scale = float(tau_scale)
    elif tau_scale is not None:
        raise InputError("tau_scale", "not used by the uniform prior; give tau_upper")
    if tau_upper is not None:
        if tau_prior != "uniform":
            raise InputError("tau_upper", "only used with tau_prior='uniform'")
        tau_upper = _positive("tau_upper", tau_upper)
    if mu_prior is not None:
        try:
            m0, s0 = (float(v) for v in mu_prior)
        except (TypeError, ValueError):
            raise InputError("mu_prior", "must be None (flat) or a pair (mean, sd)") from None
        if not np.isfinite(m0):
            raise InputError("mu_prior", "prior mean must be finite")
        _positive("mu_prior", s0)
        mu_prior = (m0, s0)
    if not isinstance(level, (int, float, np.integer, np.floating)) or not (0 < level < 100):
        raise InputError("level", "must lie strictly between 0 and 100 (percent)")
    if not isinstance(grid, (int, np.integer)) or grid < 8:
        raise InputError("grid", "must be an integer >= 8")
    improper_tau = tau_prior == "uniform" and tau_upper is None
    # tail exponent a of p(tau | y) ~ tau^-a for large tau (inf: lighter than any power)
    a_lik = k - 1 if mu_prior is None else k
    a = {"halfnormal": math.inf, "halfcauchy": a_lik + 2,
         "uniform": a_lik if improper_tau else math.inf, "fixed": math.inf}[tau_prior]
    if a <= 1:
        need = 3 if mu_prior is None else 2
        raise InputError("tau_prior", f"the improper uniform prior on tau gives an improper "
                         f"posterior with k = {k} < {need} "
                         f"{'and a flat mu prior' if mu_prior is None else ''}; "
                         "use a proper prior (halfnormal, halfcauchy or tau_upper=)")
    p = level / 100.0
    ptail = np.array([(1 - p) / 2, 0.5, (1 + p) / 2])

    # ---- tau: quadrature rule (or point mass) ----------------------------------------
    def logpost(t):
        return _conditional(t, yi, vi, mu_prior)[0] + _log_tau_prior(t, tau_prior,
                                                                     tau_scale, tau_upper)

    if tau_prior == "fixed":
        rule = None
        tau = np.array([tau_scale])
        wts = np.array([1.0])
        dens = np.array([np.inf])
        tau_sum = dict(mode=tau_scale, median=tau_scale, mean=tau_scale, sd=0.0,
                       ci=(tau_scale, tau_scale), hpd=(tau_scale, tau_scale))
        n_nodes = 1
    else:
        typical = math.sqrt(k / np.sum(1.0 / vi))
        c0 = min(typical, tau_scale or math.inf, tau_upper or math.inf)
        checks = [lambda t: _conditional(t, yi, vi, mu_prior)[1]]
        if a > 2:
            checks.append(lambda t: t)
        rule = _integrate_tau(logpost, c0, tau_upper, int(grid), checks, typical)
        tau = rule.tau
        wts = np.exp(rule.logw - rule.logZ)
        dens = np.exp(logpost(tau) - rule.logZ)
        n_nodes = rule.n
        qs = rule.quantile(ptail)
        mean_t = float(wts @ tau) if a > 2 else math.inf
        sd_t = math.sqrt(max(float(wts @ tau ** 2) - mean_t ** 2, 0.0)) if a > 3 else math.inf
        # mode: best node (or 0), refined by a bounded scalar search
        tt = np.concatenate([[0.0], tau])
        lp = logpost(tt)
        j = int(np.argmax(lp))
        if j == 0 and lp[0] >= logpost(np.array([tau[0]]))[0]:
            mode_t = 0.0
        else:
            lo_, hi_ = tt[max(j - 1, 0)], tt[min(j + 1, tt.size - 1)]
            opt = minimize_scalar(lambda s: -logpost(np.array([s]))[0], bounds=(lo_, hi_),
                                  method="bounded", options={"xatol": 1e-10 * max(hi_, 1e-300)})
            mode_t = float(opt.x)
        hlo, hhi = _shortest_tau(rule, p)
        tau_sum = dict(mode=mode_t, median=float(qs[1]), mean=mean_t, sd=sd_t,
                       ci=(float(qs[0]), float(qs[2])), hpd=(hlo, hhi))
        if a <= 3:
            warnings.warn(f"with this prior and k = {k} the posterior of tau has "
                          f"{'no finite mean' if a <= 2 else 'no finite variance'}; "
                          "moments reported as inf (use the median and intervals)",
                          RuneconWarning, stacklevel=2)

    _, m, v = _conditional(tau, yi, vi, mu_prior)
    s = np.sqrt(v)

    # ---- mixtures: mu, predictive, k shrinkage posteriors ----------------------------
    b = (tau ** 2)[None, :] / (vi[:, None] + (tau ** 2)[None, :])          # (k, n)
    M = np.vstack([m, m, b * yi[:, None] + (1 - b) * m])
    S = np.vstack([s, np.sqrt(v + tau ** 2), np.sqrt(b * vi[:, None] + (1 - b) ** 2 * v)])
    D = k + 2
    mean, sd = _mix_moments(M, S, wts)
    # moments of mu and the predictive need E[tau] (mean) / E[tau^2] (variance) to be
    # finite when mu has a flat prior; shrinkage moments are always finite
    if mu_prior is None and a <= 2:
        mean[0] = np.nan
    if mu_prior is None and a <= 3:
        sd[0] = np.inf
    if a <= 2:
        mean[1] = np.nan
    if a <= 3:
        sd[1] = np.inf
    q = _mix_quantile(np.tile(ptail, (D, 1)), wts, M, S)
    hpd_lo, hpd_hi = _shortest_mix(wts, M, S, p, q[:, 0], q[:, 2])
    # modes: density on a grid over the central interval, refined by Newton on f' = 0
    xs = q[:, [0]] + (q[:, [2]] - q[:, [0]]) * np.linspace(0, 1, 201)[None, :]
    fx = _mix_pdf(xs, wts, M, S)
    j = np.argmax(fx, axis=1)
    x = xs[np.arange(D), j]
    h = (q[:, 2] - q[:, 0]) / 200
    lo_, hi_ = x - h, x + h
    for _ in range(50):
        d1 = _mix_pdf(x[:, None], wts, M, S, deriv=1)[:, 0]
        d2 = _mix_pdf(x[:, None], wts, M, S, deriv=2)[:, 0]
        step = np.where(d2 < 0, d1 / d2, 0.0)
        xn = np.clip(x - step, lo_, hi_)
        if np.all(np.abs(xn - x) <= _ROOT_XTOL * h * 200):
            x = xn
            break
        x = xn
    modes = x

    logml = bf_tau0 = bf_mu0 = None
    if mu_prior is not None and not improper_tau and tau_prior != "fixed":
        logml = rule.logZ
        bf_tau0 = math.exp(_conditional(np.array([0.0]), yi, vi, mu_prior)[0][0] - logml)

        def logpost0(t):
            return (_conditional(t, yi, vi, None, mu_fixed=0.0)[0]
                    + _log_tau_prior(t, tau_prior, tau_scale, tau_upper))
        c0 = min(math.sqrt(k / np.sum(1.0 / vi)), tau_scale or math.inf, tau_upper or math.inf)
        try:
            r0 = _integrate_tau(logpost0, c0, tau_upper, int(grid), [], c0)
            bf_mu0 = math.exp(r0.logZ - logml)
        except ConvergenceError as e:     # an optional extra: do not fail the analysis
            bf_mu0 = math.nan
            warnings.warn(f"Bayes factor for mu = 0 not computed (nan): {e}",
                          RuneconWarning, stacklevel=2)

    f = float
    return BayesResult(
        yi=yi, vi=vi, slab=slab, k=k, level=float(level), tau_prior=tau_prior,
        tau_scale=tau_scale, tau_upper=tau_upper, mu_prior=mu_prior, n_nodes=n_nodes,
        tau_grid=tau, tau_density=dens, weights=wts, cond_mean=m, cond_sd=s,
        tau_mode=f(tau_sum["mode"]), tau_median=f(tau_sum["median"]),
        tau_mean=f(tau_sum["mean"]), tau_sd=f(tau_sum["sd"]),
        tau_ci_lb=tau_sum["ci"][0], tau_ci_ub=tau_sum["ci"][1],
        tau_hpd_lb=tau_sum["hpd"][0], tau_hpd_ub=tau_sum["hpd"][1],
        mu_mode=f(modes[0]), mu_median=f(q[0, 1]), mu_mean=f(mean[0]), mu_sd=f(sd[0]),
        mu_ci_lb=f(q[0, 0]), mu_ci_ub=f(q[0, 2]), mu_hpd_lb=f(hpd_lo[0]),
        mu_hpd_ub=f(hpd_hi[0]),
        pred_mode=f(modes[1]), pred_median=f(q[1, 1]), pred_mean=f(mean[1]),
        pred_sd=f(sd[1]), pi_lb=f(q[1, 0]), pi_ub=f(q[1, 2]), pi_hpd_lb=f(hpd_lo[1]),
        pi_hpd_ub=f(hpd_hi[1]),
        theta_mode=modes[2:], theta_median=q[2:, 1], theta_mean=mean[2:], theta_sd=sd[2:],
        theta_ci_lb=q[2:, 0], theta_ci_ub=q[2:, 2], theta_hpd_lb=hpd_lo[2:],
        theta_hpd_ub=hpd_hi[2:],
        log_marginal=logml, bf_tau0=bf_tau0, bf_mu0=bf_mu0, _rule=rule)
