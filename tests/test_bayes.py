"""Tests of runecon.bayesmeta (Bayesian random-effects meta-analysis by quadrature over tau).

Three kinds of expected values:

1. an independent brute-force 2-D grid over (mu, tau), written here from the model
   equations only (the joint posterior summed on a rectangle), checked to <= 1e-4;
2. limits with closed forms (tau fixed; tau prior concentrated at 0 = fixed effect);
3. bad input.

Published bayesmeta numbers (JSS paper and vignette) are in test_reproduce_bayesmeta.py.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import cumulative_simpson
from scipy.interpolate import CubicHermiteSpline
from scipy.special import ndtr

from runecon import bayesmeta
from runecon.errors import InputError, RuneconWarning

# Eight schools (Rubin 1981; bayesmeta's data set Rubin1981, from Gelman et al., BDA p.143)
SCHOOLS_Y = np.array([28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16])
SCHOOLS_SE = np.array([14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6])


def crins_logor():
    """Crins et al. (2014) acute-rejection log-ORs, as metafor::escalc(measure="OR") computes
    them: log(a d / (b c)) and 1/a + 1/b + 1/c + 1/d, with 1/2 added to every cell of a
    table containing a zero (escalc's default add=1/2, to="only0"). Counts from bayesmeta's
    data set CrinsEtAl2014 in the paper's order (Roever 2020, Table 3)."""
    a = np.array([14, 16, 3, 9, 4, 0.0])
    n1 = np.array([61, 28, 18, 54, 36, 50.0])
    c = np.array([15, 19, 8, 29, 11, 3.0])
    n2 = np.array([20, 28, 12, 54, 36, 34.0])
    b, d = n1 - a, n2 - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (x + 0.5 * zero for x in (a, b, c, d))
    return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


# ------------------------------------------------------------------------------------------
# 1. brute force
# ------------------------------------------------------------------------------------------
#: agreement demanded between quadrature and brute force (issue 4); the brute-force grids
#: below are fine enough that their own error is well below this
BRUTE_TOL = 1e-4


def _trap(x):
    """Trapezoid weights of a sorted (possibly non-uniform) grid."""
    d = np.diff(x)
    return np.concatenate([[d[0] / 2], (d[:-1] + d[1:]) / 2, [d[-1] / 2]])


def _grid(*pieces):
    """Concatenate uniform pieces (start, stop, step) into one sorted grid."""
    return np.unique(np.concatenate([np.arange(a, b + h / 2, h) for a, b, h in pieces]))


def brute_force(y, v, log_prior_mu, log_prior_tau, mu, tau):
    """Posterior summaries by direct summation of the joint posterior p(mu, tau | y) on the
    rectangle mu x tau (trapezoid weights in both directions; the tau grid starts at 0)."""
    logp = log_prior_mu(mu)[:, None] + log_prior_tau(tau)[None, :]
    for yi, vi in zip(y, v):
        var = vi + tau[None, :] ** 2
        logp = logp - 0.5 * np.log(var) - 0.5 * (yi - mu[:, None]) ** 2 / var
    dens = np.exp(logp - logp.max())
    wm, wt = _trap(mu), _trap(tau)
    P = dens * wm[:, None] * wt[None, :]              # probability of each grid cell
    Z = P.sum()
    P /= Z
    dens /= Z

    def summ(x, fx, px):                          # grid, marginal density, cell probabilities
        mean = px @ x
        # cdf by Simpson's rule; inverted on the cubic Hermite interpolant that uses the
        # density as the cdf's derivative (linear interpolation would cost ~1e-4 here)
        cdf = cumulative_simpson(fx, x=x, initial=0.0)
        spl = CubicHermiteSpline(x, cdf, fx)
        q = np.array([spl.solve(p, extrapolate=False)[0] for p in (0.025, 0.5, 0.975)])
        return mean, math.sqrt(px @ (x - mean) ** 2), q

    out = {"mu": summ(mu, dens @ wt, P.sum(1)), "tau": summ(tau, wm @ dens, P.sum(0))}
    # shrinkage posterior mean of study 1: E[theta_1 | mu, tau, y_1], averaged over the grid
    B = tau[None, :] ** 2 / (v[0] + tau[None, :] ** 2)
    out["theta1_mean"] = float((P * (B * y[0] + (1 - B) * mu[:, None])).sum())
    # predictive quantiles: P(theta_new <= x) = sum P(mu, tau) Phi((x - mu) / tau) over the
    # cells that carry probability, solved by the secant method
    keep = P > 1e-13
    pc, mc, tc = P[keep], np.broadcast_to(mu[:, None], P.shape)[keep], \
        np.broadcast_to(tau[None, :], P.shape)[keep]

    def pred_cdf(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(pc @ np.where(tc > 0, ndtr((x - mc) / tc), mc <= x))

    m, s = out["mu"][0], math.sqrt(out["mu"][1] ** 2 + P.sum(0) @ tau ** 2)
    qs = []
    for p, z in ((0.025, -1.96), (0.5, 0.0), (0.975, 1.96)):
        x0, x1 = m + (z - 0.1) * s, m + (z + 0.1) * s
        f0, f1 = pred_cdf(x0) - p, pred_cdf(x1) - p
        for _ in range(30):
            x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
            x0, f0, x1, f1 = x1, f1, x2, pred_cdf(x2) - p
            if abs(x1 - x0) < 1e-9:
                break
        qs.append(x1)
    out["pred_q"] = np.array(qs)
    return out


CASES = {
    # name: (y, v, bayesmeta kwargs, brute-force priors and grid)
    "schools_halfcauchy": (
        SCHOOLS_Y, SCHOOLS_SE ** 2,
        dict(tau_prior="halfcauchy", tau_scale=25, mu_prior=(0, 50)),
        dict(log_prior_mu=lambda m: -0.5 * (m / 50) ** 2,
             log_prior_tau=lambda t: -np.log1p((t / 25) ** 2),
             mu=_grid((-150, -40, 1), (-40, 60, 0.02), (60, 150, 1)),
             tau=_grid((0, 60, 0.05), (60, 300, 0.5)))),
    "crins_halfnormal": (
        *crins_logor(),
        dict(tau_prior="halfnormal", tau_scale=0.5, mu_prior=(0, 4)),
        dict(log_prior_mu=lambda m: -0.5 * (m / 4) ** 2,
             log_prior_tau=lambda t: -0.5 * (t / 0.5) ** 2,
             mu=_grid((-6, 3, 0.005)), tau=_grid((0, 3, 0.001)))),
    "schools_uniform_flat": (
        SCHOOLS_Y, SCHOOLS_SE ** 2,
        dict(tau_prior="uniform"),
        dict(log_prior_mu=lambda m: 0 * m, log_prior_tau=lambda t: 0 * t,
             mu=_grid((-600, -40, 2), (-40, 60, 0.02), (60, 600, 2)),
             tau=_grid((0, 60, 0.05), (60, 300, 0.5), (300, 1000, 2)))),
}


@pytest.fixture(scope="module", params=list(CASES))
def pair(request):
    y, v, kw, bf = CASES[request.param]
    return bayesmeta(y, v, **kw), brute_force(y, v, **bf)


def test_brute_force_mu(pair):
    r, b = pair
    mean, sd, q = b["mu"]
    assert r.mu_mean == pytest.approx(mean, abs=BRUTE_TOL)
    assert r.mu_sd == pytest.approx(sd, abs=BRUTE_TOL)
    np.testing.assert_allclose([r.mu_ci_lb, r.mu_median, r.mu_ci_ub], q, atol=BRUTE_TOL)


def test_brute_force_tau(pair):
    r, b = pair
    mean, sd, q = b["tau"]
    assert r.tau_mean == pytest.approx(mean, abs=BRUTE_TOL)
    assert r.tau_sd == pytest.approx(sd, abs=BRUTE_TOL)
    np.testing.assert_allclose([r.tau_ci_lb, r.tau_median, r.tau_ci_ub], q, atol=BRUTE_TOL)


def test_brute_force_predictive_and_shrinkage(pair):
    r, b = pair
    np.testing.assert_allclose([r.pi_lb, r.pred_median, r.pi_ub], b["pred_q"], atol=BRUTE_TOL)
    assert r.theta_mean[0] == pytest.approx(b["theta1_mean"], abs=BRUTE_TOL)
