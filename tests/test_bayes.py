"""Tests of runecon.bayesmeta (Bayesian random-effects meta-analysis by quadrature over tau).

Three kinds of expected values:

1. an independent brute-force 2-D grid over (mu, tau), written here from the model
   equations only (the joint posterior summed on a rectangle), checked to <= 1e-4;
2. limits with closed forms (tau fixed; tau prior concentrated at 0 = fixed effect);
3. bad input.

Published bayesmeta numbers (JSS paper and vignette) are in test_reproduce_roever2020.py.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st
from scipy.integrate import cumulative_simpson, simpson
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
#: agreement demanded between quadrature and brute force (issue 4). Measured (audit, Nov
#: 2026): with the grids below every checked quantity agrees to <= 2.3e-5 (the predictive
#: median of the half-Cauchy case; all others <= 1.5e-5). That residual is the brute force's
#: own error: it shrinks as the tau stride of the predictive shrinks (1.1e-5 at stride 1).
#: The mu grid cannot be coarsened: doubling its central step moves the brute-force
#: predictive median by ~1e-4 (at small tau, Phi((x - mu) / tau) is a step on the mu grid).
BRUTE_TOL = 1e-4


def _trap(x):
    """Trapezoid weights of a sorted (possibly non-uniform) grid."""
    d = np.diff(x)
    return np.concatenate([[d[0] / 2], (d[:-1] + d[1:]) / 2, [d[-1] / 2]])


def _simp(x):
    """Composite Simpson weights of a sorted (possibly non-uniform) grid: scipy's simpson
    is linear in the values, so applying it to the identity matrix gives the weights."""
    return simpson(np.eye(x.size), x=x, axis=1)


def _grid(*pieces):
    """Concatenate uniform pieces (start, stop, step) into one sorted grid."""
    return np.unique(np.concatenate([np.arange(a, b + h / 2, h) for a, b, h in pieces]))


#: the predictive cdf is summed on every STRIDE-th tau grid line (its cost dominates)
STRIDE = 2


def brute_force(y, v, log_prior_mu, log_prior_tau, mu, tau):
    """Posterior summaries by direct summation of the joint posterior p(mu, tau | y) on the
    rectangle mu x tau: trapezoid weights in mu (the integrand decays like a Gaussian, so
    the rule converges geometrically) and Simpson weights in tau (the grid starts at 0, where
    tau p(tau | y) has a non-zero slope: the trapezoid rule would cost h^2/12 p(0), ~2e-5 in
    E[tau] at h = 0.05)."""
    # log p(mu, tau | y) + const = log p(mu) + log p(tau) - 1/2 sum_i [log(v_i + tau^2)
    # + (y_i - mu)^2 / (v_i + tau^2)]; the square expanded, sum_i (y_i - mu)^2 / V_i =
    # A(tau) - 2 mu B(tau) + mu^2 C(tau), so the (mu, tau) grid is visited once, not k times
    var = v[:, None] + tau[None, :] ** 2                        # (k, n_tau)
    A, B, C = (y[:, None] ** 2 / var).sum(0), (y[:, None] / var).sum(0), (1 / var).sum(0)
    logp = (log_prior_mu(mu)[:, None] + (log_prior_tau(tau) - 0.5 * np.log(var).sum(0))[None, :]
            - 0.5 * (A[None, :] - 2 * mu[:, None] * B[None, :] + mu[:, None] ** 2 * C[None, :]))
    dens = np.exp(logp - logp.max())
    wm, wt = _trap(mu), _simp(tau)
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
    # predictive quantiles: P(theta_new <= x) = sum P(mu, tau) Phi((x - mu) / tau), on every
    # STRIDE-th tau grid line (for speed; Simpson weights of that sub-grid) and over the cells
    # that carry probability, solved by the secant method
    ms, ts = mu, tau[::STRIDE]
    Ps = dens[:, ::STRIDE] * _trap(ms)[:, None] * _simp(ts)[None, :]
    Ps /= Ps.sum()
    keep = Ps > 1e-13
    pc, mc, tc = Ps[keep], np.broadcast_to(ms[:, None], Ps.shape)[keep], \
        np.broadcast_to(ts[None, :], Ps.shape)[keep]

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
             tau=_grid((0, 60, 0.1), (60, 300, 0.5)))),
    "crins_halfnormal": (
        *crins_logor(),
        dict(tau_prior="halfnormal", tau_scale=0.5, mu_prior=(0, 4)),
        dict(log_prior_mu=lambda m: -0.5 * (m / 4) ** 2,
             log_prior_tau=lambda t: -0.5 * (t / 0.5) ** 2,
             mu=_grid((-6, 3, 0.005)), tau=_grid((0, 3, 0.002)))),
    "schools_uniform_flat": (
        SCHOOLS_Y, SCHOOLS_SE ** 2,
        dict(tau_prior="uniform"),
        dict(log_prior_mu=lambda m: 0 * m, log_prior_tau=lambda t: 0 * t,
             mu=_grid((-600, -40, 2), (-40, 60, 0.02), (60, 600, 2)),
             tau=_grid((0, 60, 0.1), (60, 300, 0.5), (300, 1000, 2)))),
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


# ------------------------------------------------------------------------------------------
# 2. limits with closed forms (hand calculations shown)
# ------------------------------------------------------------------------------------------
#: closed-form limits are reproduced to the accuracy of the root finders / quadrature
EXACT_TOL = 1e-9
Z975 = 1.959963984540054          # standard normal 97.5% quantile
Y3, V3 = np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0])


def test_fixed_tau_flat_mu_is_normal():
    # tau = 1: w = 1/(v + 1) = (1/2, 1/2, 1/3); sum w = 4/3; sum w y = 17/6
    # => mu | y ~ N(17/8, 3/4); new study ~ N(17/8, 3/4 + 1);
    # study 1: b = 1/(1+1) = 1/2 => theta_1 ~ N(1/2*1 + 1/2*17/8, 1/2*1 + 1/4*3/4)
    r = bayesmeta(Y3, V3, tau_prior="fixed", tau_scale=1.0)
    assert r.mu_mean == pytest.approx(17 / 8, abs=EXACT_TOL)
    assert r.mu_sd == pytest.approx(math.sqrt(3 / 4), abs=EXACT_TOL)
    assert r.mu_median == pytest.approx(17 / 8, abs=EXACT_TOL)
    assert r.mu_ci_lb == pytest.approx(17 / 8 - Z975 * math.sqrt(3 / 4), abs=EXACT_TOL)
    assert r.mu_hpd_ub == pytest.approx(17 / 8 + Z975 * math.sqrt(3 / 4), abs=1e-7)
    assert r.pi_ub == pytest.approx(17 / 8 + Z975 * math.sqrt(7 / 4), abs=EXACT_TOL)
    assert r.theta_mean[0] == pytest.approx(1.5625, abs=EXACT_TOL)
    assert r.theta_sd[0] == pytest.approx(math.sqrt(0.6875), abs=EXACT_TOL)
    assert r.mu_mode == pytest.approx(17 / 8, abs=1e-7)
    assert r.tau_median == 1.0 and r.tau_sd == 0.0


def test_fixed_tau_normal_mu_prior_acts_as_extra_study():
    # N(0, 1) prior on mu = a 4th study y = 0, variance 1: sum w = 4/3 + 1, sum w y = 17/6
    r = bayesmeta(Y3, V3, tau_prior="fixed", tau_scale=1.0, mu_prior=(0, 1))
    assert r.mu_mean == pytest.approx(17 / 14, abs=EXACT_TOL)
    assert r.mu_sd == pytest.approx(math.sqrt(3 / 7), abs=EXACT_TOL)


def test_tau_prior_concentrated_at_zero_gives_fixed_effect():
    # fixed effect: sum y/v / sum 1/v = (1 + 2 + 2) / (1 + 1 + 0.5) = 2, variance 1/2.5
    r = bayesmeta(Y3, V3, tau_prior="halfnormal", tau_scale=1e-9)
    assert r.mu_mean == pytest.approx(2.0, abs=1e-8)
    assert r.mu_sd == pytest.approx(math.sqrt(0.4), abs=1e-8)
    assert r.mu_ci_ub == pytest.approx(2.0 + Z975 * math.sqrt(0.4), abs=1e-8)
    assert r.tau_ci_ub < 3e-9


def test_marginal_likelihood_and_bayes_factors_by_quad():
    from scipy.integrate import quad
    from scipy.stats import halfnorm, norm
    y, v = crins_logor()
    r = bayesmeta(y, v, tau_prior="halfnormal", tau_scale=0.5, mu_prior=(0, 4))

    def lik(mu, tau):
        return np.prod(norm.pdf(y, mu, np.sqrt(v + tau ** 2)))
    # p(y) by the trapezoid rule on a 2-D grid: the integrand decays like a Gaussian in mu
    # and is an even smooth function of tau, so the rule converges geometrically
    mu, tau = np.arange(-8, 5.0005, 0.01), np.arange(0, 5.0005, 0.005)
    L = np.prod(norm.pdf(y[:, None, None], mu[:, None],
                         np.sqrt(v[:, None, None] + tau ** 2)), axis=0)
    ml = np.trapezoid(np.trapezoid(L * norm.pdf(mu, 0, 4)[:, None]
                                   * halfnorm.pdf(tau, scale=0.5), tau, axis=1), mu)
    ml_t0 = quad(lambda mu: lik(mu, 0.0) * norm.pdf(mu, 0, 4), -8, 5, epsabs=0, epsrel=1e-11)[0]
    ml_m0 = quad(lambda t: lik(0.0, t) * halfnorm.pdf(t, scale=0.5), 0, 8, epsabs=0,
                 epsrel=1e-11)[0]
    assert r.log_marginal == pytest.approx(math.log(ml), abs=1e-7)
    assert r.bf_tau0 == pytest.approx(ml_t0 / ml, rel=1e-7)
    assert r.bf_mu0 == pytest.approx(ml_m0 / ml, rel=1e-7)
    # improper priors: no marginal likelihood
    assert bayesmeta(y, v, tau_prior="halfnormal", tau_scale=0.5).bf_tau0 is None


def test_distribution_functions_are_consistent():
    r = bayesmeta(SCHOOLS_Y, sei=SCHOOLS_SE, tau_prior="halfcauchy", tau_scale=25,
                  slab=list("ABCDEFGH"))
    for param, study in (("mu", None), ("pred", None), ("theta", "G"), ("tau", None)):
        p = np.array([0.01, 0.3, 0.9])
        x = r.quantile(param, p, study=study)
        np.testing.assert_allclose(r.cdf(param, x, study=study), p, atol=1e-12)
        # density = derivative of the cdf (central difference, step 1e-4)
        d = (r.cdf(param, x + 1e-4, study=study) - r.cdf(param, x - 1e-4, study=study)) / 2e-4
        np.testing.assert_allclose(r.pdf(param, x, study=study), d, rtol=1e-6)
    assert r.quantile("theta", 0.5, study=6) == pytest.approx(r.theta_median[6], abs=1e-12)
    # shortest interval: same density at both ends, same probability as the central one
    f = r.pdf("mu", [r.mu_hpd_lb, r.mu_hpd_ub])
    assert f[0] == pytest.approx(f[1], rel=1e-8)
    assert np.diff(r.cdf("mu", [r.mu_hpd_lb, r.mu_hpd_ub]))[0] == pytest.approx(0.95, abs=1e-12)
    assert r.mu_hpd_ub - r.mu_hpd_lb <= r.mu_ci_ub - r.mu_ci_lb


def test_infinite_moments_are_reported_not_invented():
    # half-Cauchy tau prior, flat mu, k = 2: p(tau | y) ~ tau^-3 => E[tau] finite,
    # E[tau^2] (hence sd of tau, mu and the predictive) infinite
    with pytest.warns(RuneconWarning, match="no finite variance"):
        r = bayesmeta([0.1, 0.5], [0.04, 0.09], tau_prior="halfcauchy", tau_scale=0.5)
    assert math.isfinite(r.tau_mean) and r.tau_sd == math.inf and r.mu_sd == math.inf
    assert r.pred_sd == math.inf and math.isfinite(r.mu_ci_ub)
    # k = 1: p(tau | y) = prior (half-Cauchy) => no mean of tau, no mean of mu
    with pytest.warns(RuneconWarning, match="no finite mean"):
        r = bayesmeta([0.3], [0.04], tau_prior="halfcauchy", tau_scale=0.5)
    assert r.tau_mean == math.inf and math.isnan(r.mu_mean)
    assert r.tau_median == pytest.approx(0.5, rel=1e-9)        # half-Cauchy median = scale


# ------------------------------------------------------------------------------------------
# 3. bad input
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, argument", [
    (dict(yi=[1, 2], vi=[1, 0], tau_scale=1), "vi"),
    (dict(yi=[1, 2], sei=[1, -1], tau_scale=1), "sei"),
    (dict(yi=[1, np.nan], vi=[1, 1], tau_scale=1), "yi"),
    (dict(yi=[1, 2], vi=[1, np.nan], tau_scale=1), "vi"),
    (dict(yi=[], vi=[], tau_scale=1), "yi"),
    (dict(yi=[1, 2], vi=[1, 1, 1], tau_scale=1), "vi"),
    (dict(yi=[1, 2], tau_scale=1), "vi"),
    (dict(yi=[1, 2], vi=[1, 1], sei=[1, 1], tau_scale=1), "vi"),
    (dict(yi=[1, 2], vi=[1, 1]), "tau_scale"),
    (dict(yi=[1, 2], vi=[1, 1], tau_prior="halfcauchy", tau_scale=-1), "tau_scale"),
    (dict(yi=[1, 2], vi=[1, 1], tau_prior="lognormal", tau_scale=1), "tau_prior"),
    (dict(yi=[1, 2], vi=[1, 1], tau_prior="uniform"), "tau_prior"),        # improper posterior
    (dict(yi=[1], vi=[1], tau_prior="uniform", mu_prior=(0, 1)), "tau_prior"),
    (dict(yi=[1, 2], vi=[1, 1], tau_prior="uniform", tau_upper=0), "tau_upper"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, mu_prior=(0, 0)), "mu_prior"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, mu_prior="flat"), "mu_prior"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, level=100), "level"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, slab=["a"]), "slab"),
    # audit: these raised numpy's TypeError / int()'s ValueError
    (dict(yi=[1, 2], vi=[1, 1], tau_scale="0.5"), "tau_scale"),
    (dict(yi=[1, 2], vi=[1, 1], tau_prior="fixed", tau_scale="0.5"), "tau_scale"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, grid="abc"), "grid"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, grid=16.5), "grid"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, mu_prior=(0, "x")), "mu_prior"),
    (dict(yi=[1, 2], vi=[1, 1], tau_scale=1, level="95"), "level"),
])
def test_bad_input_names_the_argument(kwargs, argument):
    with pytest.raises(InputError) as e:
        bayesmeta(**kwargs)
    assert e.value.argument == argument


def test_improper_uniform_is_accepted_when_the_posterior_is_proper():
    # flat mu + uniform tau: p(tau | y) ~ tau^-(k-1) => proper for k >= 3 (k = 3: no mean)
    with pytest.warns(RuneconWarning, match="no finite mean"):
        r = bayesmeta(Y3, V3, tau_prior="uniform")
    assert math.isfinite(r.tau_median)


def test_bad_method_arguments():
    r = bayesmeta(Y3, V3, tau_scale=1.0, slab=["a", "b", "c"])
    with pytest.raises(InputError, match="'p'"):
        r.quantile("mu", 1.0)
    with pytest.raises(InputError, match="'param'"):
        r.cdf("sigma", 0.0)
    with pytest.raises(InputError, match="'study'"):
        r.pdf("theta", 0.0, study="z")


def test_printing_and_frames():
    r = bayesmeta(Y3, V3, tau_scale=1.0, mu_prior=(0, 10), slab=["a", "b", "c"])
    text = str(r)
    assert "half-normal(scale = 1)" in text and "normal(mean = 0, sd = 10)" in text
    assert f"{r.mu_median:.4f}" in text and "Bayes factors" in text
    df = r.to_frame()
    assert list(df.index) == ["tau", "mu", "pred", "theta[a]", "theta[b]", "theta[c]"]
    assert df.loc["mu", "ci_lb"] == r.mu_ci_lb
    assert r.shrinkage_frame().loc["b", "yi"] == 2.0
    assert "<table" in r._repr_html_()
    with pytest.raises(Exception):
        r.mu_mean = 0.0                                        # frozen


def test_two_sided_shortest_tau_interval():
    # dat.bcg log risk ratios (metafor::escalc("RR"), values printed by R 4 / metafor 3.8-1):
    # clear heterogeneity, so the tau density vanishes at 0 and the shortest interval is
    # two-sided: equal density at both ends and exactly 95% probability
    yi = [-0.88931133392, -1.58538865720, -1.34807314830, -1.44155119002, -0.21754732221,
          -0.78611558582, -1.62089822360, 0.01195233352, -0.46941764874, -1.37134480347,
          -0.33935882834, 0.44591340057, -0.01731394822]
    vi = [0.325584765004, 0.194581121398, 0.415367965368, 0.020010031902, 0.051210172170,
          0.006905618456, 0.223017247572, 0.003961579298, 0.056434210463, 0.073024793613,
          0.012412213972, 0.532505845200, 0.071404659684]
    r = bayesmeta(yi, vi, tau_prior="halfnormal", tau_scale=0.5)
    assert r.tau_hpd_lb > 0.1
    f = r.pdf("tau", [r.tau_hpd_lb, r.tau_hpd_ub])
    assert f[0] == pytest.approx(f[1], rel=1e-8)
    assert np.diff(r.cdf("tau", [r.tau_hpd_lb, r.tau_hpd_ub]))[0] == pytest.approx(0.95, abs=1e-12)
    assert r.tau_hpd_ub - r.tau_hpd_lb < r.tau_ci_ub - r.tau_ci_lb


def test_fixed_tau_equals_rma_conditional_estimate():
    # with tau fixed at metafor's REML estimate and a flat mu prior, the posterior of mu is
    # N(estimate, se^2) of rma(yi, vi, method="REML") (the engine reproduces metafor)
    from runecon import rma
    y, v = crins_logor()
    res = rma(y, v, method="REML")
    r = bayesmeta(y, v, tau_prior="fixed", tau_scale=math.sqrt(res.tau2))
    assert r.mu_mean == pytest.approx(res.estimate, abs=EXACT_TOL)
    assert r.mu_sd == pytest.approx(res.se, abs=EXACT_TOL)
    assert r.mu_ci_lb == pytest.approx(res.ci_lb, abs=EXACT_TOL)


def test_numerical_trouble_raises():
    from runecon.errors import ConvergenceError
    # the likelihood underflows everywhere: no number rather than a plausible one
    with pytest.raises(ConvergenceError, match="underflows"), np.errstate(over="ignore"):
        bayesmeta([1e200, -1e200, 0.0], [1.0, 1.0, 1.0], tau_scale=1.0)
    # a half-normal prior so wide that p(tau | y) ~ tau^-2 up to 1e300: the node doubling
    # cannot settle the integral, and says so
    with pytest.raises(ConvergenceError, match="did not converge"):
        bayesmeta(Y3, V3, tau_prior="halfnormal", tau_scale=1e300)


# ------------------------------------------------------------------------------------------
# 4. invariances on random data (hypothesis)
# ------------------------------------------------------------------------------------------
#: equivariance holds exactly in exact arithmetic, and the quadrature's map (centred on the
#: posterior median, stretched by the spread of log tau) is itself equivariant, so both fits
#: use the same nodes up to rounding. What is left: (i) the node doubling stops when the
#: expectations change by less than _QUAD_RTOL = 1e-10 relative -- two fits whose change
#: straddles that threshold stop at different n and differ by up to ~1e-10 of the posterior
#: scale; (ii) rounding of the shifted data, eps * |shift| / scale <= 2.2e-16 * 50 / 0.01 =
#: 1.1e-12. 1e-9 is ten times (i). Measured: at most 1.2e-11 over 2000 random cases of this
#: test's ranges. (It was 1e-7 and still flaky: the mixture variance was computed as
#: E[X^2] - E[X]^2, which lost up to 1.6e-7 of the sd to an offset of 48 at scale 0.01; it is
#: now centred, bayes._mix_moments.)
EQUIV_TOL = 1e-9


@pytest.mark.filterwarnings("ignore:Bayes factor for mu = 0 not computed")  # far-off data
@settings(max_examples=15, deadline=None)
@example(k=12, seed=295972156, shift=48.37499292732876, scale=0.01025624981139143,
         prior="halfcauchy")     # mu_sd off by 1.6e-7 with the uncentred mixture variance
@given(k=st.integers(2, 12), seed=st.integers(0, 2 ** 31 - 1),
       shift=st.floats(-50, 50), scale=st.floats(0.01, 100),
       prior=st.sampled_from(["halfnormal", "halfcauchy"]))
def test_location_scale_equivariance(k, seed, shift, scale, prior):
    # y -> shift + scale * y, v -> scale^2 v, tau prior scale -> scale * tau scale, mu prior
    # transformed alike: tau -> scale * tau, mu -> shift + scale * mu
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.02, 0.5, k)
    y = rng.normal(0, 0.4, k) + rng.normal(0, np.sqrt(v))
    r1 = bayesmeta(y, v, tau_prior=prior, tau_scale=0.3, mu_prior=(0.1, 2.0))
    r2 = bayesmeta(shift + scale * y, scale ** 2 * v, tau_prior=prior, tau_scale=0.3 * scale,
                   mu_prior=(shift + 0.1 * scale, 2.0 * scale))
    for name in ("tau_median", "tau_mean", "tau_sd", "tau_ci_ub", "tau_hpd_ub", "mu_sd",
                 "pred_sd"):
        assert getattr(r2, name) == pytest.approx(scale * getattr(r1, name),
                                                  abs=EQUIV_TOL * scale), name
    for name in ("mu_mean", "mu_median", "mu_ci_lb", "mu_hpd_ub", "pi_lb", "pi_hpd_lb"):
        assert getattr(r2, name) == pytest.approx(shift + scale * getattr(r1, name),
                                                  abs=EQUIV_TOL * scale), name
    np.testing.assert_allclose(r2.theta_median, shift + scale * r1.theta_median,
                               atol=EQUIV_TOL * scale)
    assert r2.bf_tau0 == pytest.approx(r1.bf_tau0, rel=1e-6)


def test_far_off_data_keep_working():
    # data far from 0 relative to their spread (found by the property test above): the
    # quantile search must stop at a few ulps of x, and an uncomputable Bayes factor for
    # mu = 0 (here about exp(-2e7)) is nan with a warning, not a failed analysis
    rng = np.random.default_rng(0)
    v = rng.uniform(0.02, 0.5, 4)
    y = rng.normal(0, 0.4, 4) + rng.normal(0, np.sqrt(v))
    s = 1 / 64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuneconWarning)
        r = bayesmeta(32 + s * y, s ** 2 * v, tau_scale=0.3 * s, mu_prior=(32 + 0.1 * s, 2 * s))
    r1 = bayesmeta(y, v, tau_scale=0.3, mu_prior=(0.1, 2.0))
    assert r.mu_median == pytest.approx(32 + s * r1.mu_median, abs=1e-12)
    assert math.isnan(r.bf_mu0) or r.bf_mu0 == 0.0
