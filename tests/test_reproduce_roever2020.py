"""runecon.bayesmeta against the numbers printed by R's bayesmeta in its published examples.

Sources (bayesmeta is neither installed here nor reachable, so the printed numbers are the
reference):

* JSS: Roever C (2020). Bayesian random-effects meta-analysis using the bayesmeta R package.
  J Stat Softw 93(6). doi:10.18637/jss.v093.i06 -- the immunosuppression example (Crins et al.
  2014 acute-rejection log-ORs, Table 3), ``ma01`` = half-normal(0.5) tau prior, N(0, 4^2) mu
  prior: print(ma01) in Section 3.3 (pp. 21-22), ma01$summary (p. 23), pposterior /
  qposterior calls (p. 25), ma01$theta[, 1:2] (pp. 26 and 28), ma05 (p. 33).
* Vignette: "bayesmeta: a simple example" (vignettes/bayesmeta.Rmd, package version 3.4,
  sections "A simple example" and "More detailed analysis") -- the eight schools (Rubin1981)
  with a half-Cauchy(25) tau prior and N(0, 50^2) mu prior (schools.example.1) and with the
  default improper uniform priors (schools.example.2).

Tolerances. bayesmeta computes everything about tau by numerical integration of the exact tau
density, but approximates the mixtures over tau (mu, theta_new, theta_i) by a DIRECT grid whose
accuracy is set by delta = 0.01 (Roever & Friede 2017, doi:10.1080/10618600.2016.1276840), so
its mu-side numbers are themselves approximate. Our mu-side numbers agree with an independent
brute-force grid to <= 2.3e-5 (tests/test_bayes.py); the differences to bayesmeta are listed in
validation/bayesmeta/README.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from runecon import bayesmeta
from test_bayes import SCHOOLS_SE, SCHOOLS_Y, crins_logor

#: tau summaries: printed to 7 decimals; the two printings of ma01 in the paper (print p. 22,
#: $summary p. 23) differ by 1e-7 in the median, so half a unit of the last digit plus that
TAU_TOL = 2e-7
#: the vignette prints 6 decimals: half a unit of the last digit
TAU_TOL_6DP = 5e-7
#: tau mode: bayesmeta's optimize() stops at ~1e-6 (ours 0.2453127, printed 0.2453139)
TAU_MODE_TOL = 2e-6
#: shortest tau interval: the paper's two printings of the same fit differ by 1.1e-5
#: (0.8607305 vs 0.8607193), i.e. bayesmeta's own search tolerance
TAU_HPD_TOL = 2e-5
#: mu / predictive / shrinkage quantities, in units of the posterior sd: bayesmeta's DIRECT
#: mixture approximation (delta = 0.01); largest difference seen 3.0e-3 sd (predictive
#: shortest interval), interval ends and sds included
DIRECT_TOL_SD = 5e-3
#: modes of the mixtures are flatter, so the same density error moves them further (4.8e-3 sd)
DIRECT_MODE_TOL_SD = 1e-2
#: tail probabilities of order 1e-4 in the mixtures: relative (bayesmeta's DIRECT tails)
TAIL_RTOL = 0.05

ROWS = ("mode", "median", "mean", "sd", "hpd_lb", "hpd_ub")


def check_row(frame_row, printed, tol_sd=DIRECT_TOL_SD):
    sd = frame_row["sd"]
    for name, value in zip(ROWS, printed):
        tol = (DIRECT_MODE_TOL_SD if name == "mode" else tol_sd) * sd
        assert frame_row[name] == pytest.approx(value, abs=tol), name


@pytest.fixture(scope="module")
def ma01():
    y, v = crins_logor()
    labels = ["Heffron (2003)", "Gibelli (2004)", "Schuller (2005)", "Ganschow (2005)",
              "Spada (2006)", "Gras (2008)"]
    return bayesmeta(y, v, tau_prior="halfnormal", tau_scale=0.5, mu_prior=(0, 4), slab=labels)


def test_crins_data_match_table3():
    # JSS Table 3 (p. 20) prints y_i and sigma_i to 2 decimals; ma01$theta (p. 26) prints
    # study 1 and 2 to 7 decimals
    y, v = crins_logor()
    np.testing.assert_allclose(y, [-2.31, -0.46, -2.30, -1.76, -1.26, -2.42], atol=0.005)
    np.testing.assert_allclose(np.sqrt(v), [0.60, 0.56, 0.88, 0.46, 0.64, 1.53], atol=0.005)
    np.testing.assert_allclose(y[:2], [-2.3097026, -0.4595323], atol=5e-8)
    np.testing.assert_allclose(np.sqrt(v[:2]), [0.5994763, 0.5563956], atol=5e-8)


def test_jss_ma01_tau(ma01):
    # ma01$summary, p. 23: tau mode 0.2453139 median 0.3445023 mean 0.3810562 sd 0.2593672
    # 95% (shortest) 0.0000000 - 0.8607193
    assert ma01.tau_mode == pytest.approx(0.2453139, abs=TAU_MODE_TOL)
    assert ma01.tau_median == pytest.approx(0.3445023, abs=TAU_TOL)
    assert ma01.tau_mean == pytest.approx(0.3810562, abs=TAU_TOL)
    assert ma01.tau_sd == pytest.approx(0.2593672, abs=TAU_TOL)
    assert ma01.tau_hpd_lb == 0.0
    assert ma01.tau_hpd_ub == pytest.approx(0.8607193, abs=TAU_HPD_TOL)
    # p. 25: 1 - pposterior(tau = 1) = 0.02097488; qposterior(tau.p = 0.99) = 1.109186
    assert 1 - ma01.cdf("tau", 1.0) == pytest.approx(0.02097488, abs=5e-9)
    assert ma01.quantile("tau", 0.99) == pytest.approx(1.109186, abs=5e-7)


def test_jss_ma01_mu_and_prediction(ma01):
    f = ma01.to_frame()
    # ma01$summary, p. 23, columns mu and theta (= predictive for study k + 1)
    check_row(f.loc["mu"], [-1.5691214, -1.5734819, -1.5764365, 0.3295301, -2.2311251,
                            -0.9263075])
    check_row(f.loc["pred"], [-1.5632732, -1.5701653, -1.5764365, 0.5671855, -2.7661319,
                              -0.4072970])
    # p. 25: 1 - pposterior(mu = 0) = 6.187343e-05 (a far-tail probability)
    assert 1 - ma01.cdf("mu", 0.0) == pytest.approx(6.187343e-05, rel=TAIL_RTOL)


def test_jss_ma01_shrinkage(ma01):
    # ma01$theta[, 1:2], pp. 26/28: rows mode, median, mean, sd, 95% lower, 95% upper
    f = ma01.to_frame()
    check_row(f.loc["theta[Heffron (2003)]"],
              [-1.6711220, -1.7411356, -1.7778965, 0.4229425, -2.6561049, -0.9920023])
    check_row(f.loc["theta[Gibelli (2004)]"],
              [-1.3895876, -1.2821722, -1.2339736, 0.4488759, -2.0455088, -0.3089461])


def test_jss_ma05_randomized_studies_only():
    # p. 33: ma05 = the two randomized studies (Heffron 2003, Spada 2006), same priors;
    # ma05$pposterior(mu = 0) = 0.9974968, a tail probability: relative tolerance on 1 - p
    y, v = crins_logor()
    r = bayesmeta(y[[0, 4]], v[[0, 4]], tau_prior="halfnormal", tau_scale=0.5,
                  mu_prior=(0, 4))
    assert r.cdf("mu", 0.0) == pytest.approx(0.9974968, abs=TAIL_RTOL * (1 - 0.9974968))


@pytest.fixture(scope="module")
def schools1():
    return bayesmeta(SCHOOLS_Y, sei=SCHOOLS_SE, tau_prior="halfcauchy", tau_scale=25,
                     mu_prior=(0, 50), slab=list("ABCDEFGH"))


def test_vignette_schools_example1(schools1):
    r, f = schools1, schools1.to_frame()
    # print(schools.example.1$summary): tau 0 / 4.758539 / 5.884511 / 4.869904 / 0 / 15.165894
    assert r.tau_mode == 0.0
    assert r.tau_median == pytest.approx(4.758539, abs=TAU_TOL_6DP)   # 6 decimals printed
    assert r.tau_mean == pytest.approx(5.884511, abs=TAU_TOL_6DP)
    assert r.tau_sd == pytest.approx(4.869904, abs=TAU_TOL_6DP)
    assert r.tau_hpd_lb == 0.0
    assert r.tau_hpd_ub == pytest.approx(15.165894, abs=TAU_HPD_TOL)
    # central interval: post.interval(tau.level=0.95, method="central") = 0.2199559 18.0531718
    assert r.tau_ci_lb == pytest.approx(0.2199559, abs=TAU_TOL)
    assert r.tau_ci_ub == pytest.approx(18.0531718, abs=TAU_TOL_6DP)
    check_row(f.loc["mu"], [7.929503, 7.962961, 7.985729, 4.995762, -1.823353, 17.824562])
    check_row(f.loc["pred"], [7.865547, 7.926819, 7.985729, 9.126767, -10.623526, 26.827377])
    # 1 - pposterior(mu = 0) = 0.9487521; qposterior(mu.p = 0.95) = 16.11009
    # (a shift of DIRECT_TOL_SD sd in mu changes this probability by that times sd * f(0))
    tol = DIRECT_TOL_SD * r.mu_sd * float(r.pdf("mu", 0.0))
    assert 1 - r.cdf("mu", 0.0) == pytest.approx(0.9487521, abs=tol)
    assert r.quantile("mu", 0.95) == pytest.approx(16.11009, abs=DIRECT_TOL_SD * r.mu_sd)
    # schools.example.1$theta[, c("A", "G", "H")]
    check_row(f.loc["theta[A]"], [8.845856, 10.093581, 11.095255, 7.901084, -3.209562, 28.169723])
    check_row(f.loc["theta[G]"], [8.933348, 9.786985, 10.336032, 6.631039, -2.138807, 24.230908])
    check_row(f.loc["theta[H]"], [8.023126, 8.266594, 8.474644, 7.456906, -6.528854, 24.110315])


def test_vignette_schools_example2_uniform_priors():
    r = bayesmeta(SCHOOLS_Y, sei=SCHOOLS_SE, tau_prior="uniform")
    f = r.to_frame()
    # print(schools.example.2$summary)
    assert r.tau_mode == 0.0
    assert r.tau_median == pytest.approx(5.227732, abs=TAU_TOL_6DP)
    assert r.tau_mean == pytest.approx(6.585992, abs=TAU_TOL_6DP)
    assert r.tau_sd == pytest.approx(5.685974, abs=TAU_TOL_6DP)
    assert r.tau_hpd_ub == pytest.approx(17.265797, abs=TAU_HPD_TOL)
    check_row(f.loc["mu"], [8.007138, 8.055861, 8.092138, 5.246683, -2.176157, 18.406330])
    check_row(f.loc["pred"], [7.927789, 8.008111, 8.092138, 10.148132, -12.511817, 29.014749])


def test_jss_frequentist_connection():
    # JSS Section 3.5 (p. 32): metafor's rma(crins.es) gives tau_REML = 0.4670268,
    # estimate -1.591513, se 0.3340882; these are the moments of mu | tau = tau_REML under a
    # flat mu prior, i.e. bayesmeta with tau fixed (a closed form, so the printed rounding,
    # 5e-7 in the last digit, plus the rounding of tau_REML, is the tolerance)
    y, v = crins_logor()
    r = bayesmeta(y, v, tau_prior="fixed", tau_scale=0.4670268)
    assert r.mu_mean == pytest.approx(-1.591513, abs=1e-6)
    assert r.mu_sd == pytest.approx(0.3340882, abs=1e-7)
