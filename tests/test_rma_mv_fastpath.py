"""runecon.rma_mv's optimiser (issue 11: one vectorised likelihood grid, then projected
Newton from its best point) against R metafor 3.8.1 on designs that stress it.

Reference values: validation/metafor/rma_mv_fastpath.R -> tests/data/metafor_rma_mv_fastpath.json
(dat.konstantopoulos2011 with yi x 100, so vi << sigma2; effect-size units of several rows;
one component fixed at a non-zero value; the Llanos-Lagos 2024a running-economy comparisons,
all k = 81, intercept-only and ~ factor(method)). Each metafor fit is the best of five
optimizers. The usual designs are in test_metafor_rma_mv.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_close, cases_by_name

import runecon
from runecon import multilevel
from runecon.errors import ConvergenceError

REF = "metafor_rma_mv_fastpath.json"
CASES = cases_by_name(REF)

#: metafor's optimisers stop when the log-likelihood stops changing (relative), so they sit
#: within ~1e-7 (relative) of the optimum in sigma2 (observed at most 1.2e-7, yi x 100);
#: absolute 1e-6 for components on the scale of dat.konstantopoulos2011 (~0.05), as in
#: test_metafor_rma_mv.py
SIGMA2_RTOL = 1e-6
SIGMA2_ATOL = 1e-6
#: log-likelihoods at the two optima: 1e-8 as test_metafor_rma_mv.LL_ATOL, plus the rounding
#: of a log-likelihood of this size: with yi x 100 and sigma2_2 forced to 0, ll0 = -8.1e5;
#: metafor's and runecon's ll0 differ by 9e-7 (1.2e-12 relative), and runecon's dense
#: textbook evaluation (Cholesky of M) differs from its O(k) one at the same point by 3.5e-5
LL_ATOL = 1e-8
LL_RTOL = 2e-11
#: fields that inherit sigma2's error (beta, se, CI, QM): observed <= 5e-8; as test_metafor_rma_mv
RTOL_FIT = 1e-4
ATOL_FIT = 1e-6
#: QE does not depend on sigma2: closed form, as test_metafor_rma_mv.RTOL_CLOSED
RTOL_CLOSED = 1e-9
#: LRT refits in which metafor's sigma2 is fixed only up to the rounding of its
#: log-likelihood: with yi x 100 and sigma2_2 forced to 0, ll0 is ~-8e5 and its rounding
#: (~3e-7) equals the change of ll over 3e-4 (relative) of sigma2_1 (curvature 6.5e-6);
#: metafor stops 2.8e-4 (REML) and 3.6e-5 (ML) away, where runecon's analytic gradient is 1e-13
FLAT_REFITS = {("konstantopoulos2011_yi_x100_REML", 1), ("konstantopoulos2011_yi_x100_ML", 1)}
SIGMA2_FLAT_RTOL = 1e-3
#: the O(k) grid and the dense textbook likelihood: the same algebra in another order
RTOL_ALGEBRA = 1e-10


def _data(case):
    i = case["input"]
    d = pd.DataFrame({"yi": i["yi"], "vi": i["vi"], "cluster": i["cluster"], "es_id": i["es_id"]})
    if i["mods"] is not None:
        d["method"] = i["mods"]
    return d


def _fit(case, **kw):
    i = case["input"]
    sigma2 = None if all(v is None for v in i["sigma2"]) else tuple(i["sigma2"])
    return runecon.rma_mv("yi", "vi", cluster="cluster", es_id="es_id", data=_data(case),
                          mods=None if i["mods"] is None else "~ factor(method)",
                          method=i["method"], test=i["test"], sigma2=sigma2,
                          lrt=bool(case["output"]["lrt"]), **kw)


def _ll_tol(ll):
    return LL_ATOL + LL_RTOL * abs(ll)


def test_reference_cases_present():
    assert set(CASES) == {
        "konstantopoulos2011_yi_x100_REML", "konstantopoulos2011_yi_x100_ML",
        "konstantopoulos2011_district_year_REML", "konstantopoulos2011_fixed_sigma2_2_REML",
        "konstantopoulos2011_fixed_sigma2_1_ML", "llanoslagos2024a_all_REML_z",
        "llanoslagos2024a_all_method_REML_t"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_estimation_matches_metafor(name):
    case = CASES[name]
    out = case["output"]
    res = _fit(case)
    assert (res.k, res.p) == (out["k"], out["p"]) and res.s_nlevels == tuple(out["s_nlevels"])
    # at least as high as the best of metafor's five optimizers, and the same optimum
    assert res.ll >= out["ll"] - _ll_tol(out["ll"])
    assert res.ll - out["ll"] <= _ll_tol(out["ll"])
    assert_close(res.sigma2, out["sigma2"], SIGMA2_RTOL, SIGMA2_ATOL, "sigma2")
    for j in range(2):     # boundary optima: metafor stops at ~1e-9, runecon reports 0
        if out["sigma2"][j] < 1e-8:
            assert res.sigma2[j] == 0.0
    fixed = [v is not None for v in case["input"]["sigma2"]]
    assert list(res.sigma2_fixed) == fixed
    for f in ("beta", "se", "pval", "ci_lb", "ci_ub", "QM", "QMp"):
        assert_close(getattr(res, f), out[f], RTOL_FIT, ATOL_FIT, f)
    assert_close(res.QE, out["QE"], RTOL_CLOSED, 0, "QE")
    assert len(res.lrt) == len(out["lrt"])
    for j, (t, ref) in enumerate(zip(res.lrt, out["lrt"])):
        tol = _ll_tol(ref["ll0"])
        assert t.ll0 >= ref["ll0"] - tol, f"LRT level {j + 1}: ll0 below metafor's"
        assert_close(t.ll0, ref["ll0"], 0, tol, f"LRT level {j + 1} ll0")
        assert_close(t.LRT, ref["LRT"], 0, 2 * (tol + _ll_tol(out["ll"])), f"LRT level {j + 1}")
        rtol = SIGMA2_FLAT_RTOL if (name, j) in FLAT_REFITS else SIGMA2_RTOL
        assert_close(t.sigma2_0, ref["sigma2_0"], rtol, SIGMA2_ATOL, f"LRT level {j + 1} sigma2")


def _likelihood(case):
    i = case["input"]
    res = _fit(case)
    y = np.asarray(i["yi"]) - np.mean(i["yi"])
    return res, multilevel._NestedLikelihood(y, res.vi, res.X, res.cluster_codes,
                                             res.es_codes, res.method == "REML"), y


@pytest.mark.parametrize("name", ["konstantopoulos2011_district_year_REML",
                                  "llanoslagos2024a_all_method_REML_t"])
def test_grid_equals_dense_likelihood(name):
    """The vectorised grid evaluation equals the dense textbook likelihood
    (M = diag(vi) + s1 Z1 Z1' + s2 Z2 Z2', Cholesky, explicit P) point by point: units of
    several rows (district/year) and a five-level factor moderator."""
    res, lik, y = _likelihood(CASES[name])
    c, e = res.cluster_codes, res.es_codes
    G = ((c[:, None] == c[None, :]).astype(float), (e[:, None] == e[None, :]).astype(float))
    dense = multilevel._Likelihood(y, res.vi, res.X, G, lik.reml)
    axis = np.r_[0.0, 0.001, 0.03, 0.5, 4.0]
    S = np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    want = np.array([dense.ll(s) for s in S])
    np.testing.assert_allclose(lik.ll_grid(S), want, rtol=RTOL_ALGEBRA)
    np.testing.assert_allclose([lik.ll(s) for s in S], want, rtol=RTOL_ALGEBRA)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_start_reaches_the_optimum(name):
    """Newton paths from the five starts of the earlier multi-start optimiser (0.02, 0.3 and
    2 times the scale on both components, and (1, 0.01) / (0.01, 1) times it) end no higher
    than the grid-started optimum, and the optimum is at least every grid point."""
    case = CASES[name]
    res, lik, y = _likelihood(case)
    fixed = {j: v for j, v in enumerate(case["input"]["sigma2"]) if v is not None}
    free = [j for j in range(2) if j not in fixed]
    scale = max(float(np.var(case["input"]["yi"])), float(np.mean(res.vi)) * 0.1, 1e-8)

    def full(x):
        s = np.array([fixed.get(j, 0.0) for j in range(2)])
        s[free] = x
        return s

    grid = np.r_[0.0, multilevel._GRID[len(free)] * scale]
    S = np.array([full(np.array(p)) for p in np.stack(
        np.meshgrid(*[grid] * len(free), indexing="ij"), -1).reshape(-1, len(free))])
    assert res.ll >= lik.ll_grid(S).max()
    starts = [np.full(len(free), f * scale) for f in (0.02, 0.3, 2.0)]
    if len(free) == 2:
        starts += [np.array([1.0, 0.01]) * scale, np.array([0.01, 1.0]) * scale]
    for x0 in starts:
        x, ll, *_ = multilevel._ascend(lik, full, free, x0, scale)
        assert ll <= res.ll + _ll_tol(res.ll)
        assert_close(full(x), res.sigma2, SIGMA2_RTOL, SIGMA2_ATOL, f"start {x0}")


def test_iteration_limit_raises_instead_of_returning(monkeypatch):
    """A maximisation stopped by the step limit fails the gradient check: ConvergenceError,
    never the last iterate as if it were the optimum (yi x 100 needs ~6 steps)."""
    monkeypatch.setattr(multilevel, "_MAXITER", 1)
    with pytest.raises(ConvergenceError, match="sigma2"):
        _fit(CASES["konstantopoulos2011_yi_x100_REML"])


@pytest.mark.parametrize("a", [1e-40, 1e-8, 1e8, 1e40])
def test_units_do_not_matter(a):
    """yi -> a yi, vi -> a^2 vi (other units): sigma2 -> a^2 sigma2, beta -> a beta,
    ll -> ll - (k - p) log(a) (REML: log|M| and log|X'M^-1 X| shift), tests unchanged;
    compared with metafor's fit of the original data (test_metafor_rma_mv's reference).
    The optimiser works in units where the variances are O(1), so a = 1e-40 (vi ~ 1e-82)
    neither underflows nor overflows."""
    case = cases_by_name("metafor_rma_mv.json")["konstantopoulos2011_int_REML_z"]
    i, out = case["input"], case["output"]
    res = runecon.rma_mv(a * np.asarray(i["yi"]), a * a * np.asarray(i["vi"]),
                         cluster=i["cluster"], es_id=i["es_id"])
    assert_close(np.asarray(res.sigma2) / a ** 2, out["sigma2"], SIGMA2_RTOL, SIGMA2_ATOL, "sigma2")
    assert_close(res.ll + (res.k - res.p) * np.log(a), out["ll"], 0, _ll_tol(out["ll"]), "ll")
    assert_close(res.beta / a, out["beta"], RTOL_FIT, ATOL_FIT, "beta")
    assert_close(res.se / a, out["se"], RTOL_FIT, ATOL_FIT, "se")
    assert_close(res.pval, out["pval"], RTOL_FIT, ATOL_FIT, "pval")
    assert_close(res.QE, out["QE"], RTOL_CLOSED, 0, "QE")
    for t, ref in zip(res.lrt, out["lrt"]):
        assert_close(t.LRT, ref["LRT"], 0, 4 * _ll_tol(out["ll"]), "LRT")


@pytest.mark.parametrize("name", ["konstantopoulos2011_yi_x100_REML",
                                  "konstantopoulos2011_yi_x100_ML"])
def test_sampling_variances_far_below_sigma2(name):
    """vi -> a vi with a = 1e-12 ... 1e-300 (effects measured almost without error): C =
    B'M^-1 B is built from positive terms only (scatter within units, unit means about
    cluster means, cluster means), so the fit converges and sigma2 and beta tend to their
    vi = 0 limit, the changes being of the order of a vi (~1e-14 and below). (The LRT refit
    with sigma2_2 = 0 has no optimum in that limit: within-district differences measured
    without error make sigma2_1 diverge.)"""
    case = CASES[name]
    i = case["input"]
    fits = [runecon.rma_mv(i["yi"], a * np.asarray(i["vi"]), cluster=i["cluster"],
                           es_id=i["es_id"], method=i["method"], lrt=False)
            for a in (1e-12, 1e-20, 1e-300)]
    for res in fits[:2]:
        assert_close(res.sigma2, fits[2].sigma2, 1e-9, 0, "sigma2")
        assert_close(res.beta, fits[2].beta, 1e-9, 0, "beta")
        assert_close(res.se, fits[2].se, 1e-9, 0, "se")
    assert min(fits[2].sigma2) > 0
