"""runecon.rma_mv and runecon.robust against R metafor 3.8.1 / clubSandwich 0.5.8.

Reference values: validation/metafor/rma_mv.R -> tests/data/metafor_rma_mv.json
(dat.konstantopoulos2011 with and without `year`, REML/ML x z/t; Llanos-Lagos 2024a per
training method, REML, t; clubSandwich coef_test CR0/CR1/CR2 with Satterthwaite df).

Two kinds of comparison:
* closed forms: runecon with sigma2 fixed at metafor's estimates must reproduce every
  quantity that is a closed-form function of sigma2 (beta, vb, tests, CIs, QE, QM, I2, ll,
  predict, the cluster-robust variances and df) to RTOL_CLOSED;
* estimation: runecon's own REML/ML optimum. metafor's optimisers (nlminb, bobyqa, ...) stop
  when the relative change of the log-likelihood is small, so their sigma2 sits within
  ~1e-7 of the exact optimum on a flat likelihood; runecon polishes with Newton steps. The
  estimation test therefore requires runecon's log-likelihood to be at least metafor's
  (minus LL_ATOL) and sigma2 within SIGMA2_ATOL, and the sigma2-driven fields within
  tolerances derived from that.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, cases_by_name, load_reference

import runecon
from runecon import multilevel
from runecon.errors import ConvergenceError, InputError, TooFewStudiesError

REF = "metafor_rma_mv.json"
CASES = cases_by_name(REF)
MV_CASES = sorted(n for n in CASES if not n.startswith("rma_uni_"))
UNI_CASES = sorted(n for n in CASES if n.startswith("rma_uni_"))

#: closed forms at identical sigma2: observed agreement 1e-15 (intercept-only) and 7e-11
#: (raw `year` moderator, cond(X'X) ~ 1e8 costs ~8 digits in both programs)
RTOL_CLOSED = 1e-9
#: absolute floor for values that are zero or ~0 (boundary sigma2 gives I2 ~ 1e-12 in metafor)
ATOL_ZERO = 1e-9
#: metafor's optimiser stops within ~3e-7 of the optimum in sigma2 (Llanos-Lagos high
#: load: runecon's ll is 5.6e-10 higher); 1e-6 is about three times that
SIGMA2_ATOL = 1e-6
#: the log-likelihoods at the two optima differ by at most ~1e-9 (see above)
LL_ATOL = 1e-8
#: fields that depend on sigma2 (beta, se, CI, QM, robust se/df) inherit its relative error:
#: observed at most 1.5e-5 (high load: sigma2 0.0221 +- 3e-7); 1e-4 leaves a margin
RTOL_FIT = 1e-4
ATOL_FIT = 1e-6
#: I2 in percentage points: 100 * SIGMA2_ATOL / (sigma2 total + vt) <= ~1e-3
I2_ATOL = 2e-3
#: LRT = 2 (ll - ll0): both optimum differences <= LL_ATOL
LRT_ATOL = 4 * LL_ATOL


def _fit(case, **kw):
    i = case["input"]
    return runecon.rma_mv(i["yi"], i["vi"], cluster=i["cluster"], es_id=i["es_id"],
                          mods=i["mods"], method=i["method"], test=i["test"], **kw)


def test_reference_grid_is_complete():
    """Every data set x moderator x method x test of the generator is present."""
    expected = {f"konstantopoulos2011_{m}_{meth}_{t}" for m in ("int", "year")
                for meth in ("REML", "ML") for t in ("z", "t")}
    expected |= {f"llanoslagos2024a_{m}_REML_t" for m in
                 ("high_load", "plyometric", "submaximal", "isometric", "combined",
                  "combined_without_outliers")}
    expected |= {f"rma_uni_konstantopoulos2011_{m}_REML_z" for m in ("int", "year")}
    assert set(CASES) == expected
    hdr = load_reference(REF)["header"]
    assert hdr["metafor_version"] == "3.8.1" and hdr["clubSandwich_version"]
    for name in MV_CASES:
        assert set(CASES[name]["output"]["robust"]) == {"CR0", "CR1", "CR2"}


def _check_robust(res, out, rtol, atol):
    for adj in ("CR0", "CR1", "CR2"):
        rb = runecon.robust(res, adjust=adj)
        ref = out["robust"][adj]
        for ours, theirs in (("beta", "beta"), ("se", "se"), ("tval", "tval"), ("df", "df"),
                             ("pval", "pval")):
            assert_close(getattr(rb, ours), ref[theirs], rtol, atol, f"{adj} {ours}")
        assert_close(rb.vcov, ref["vcov"], rtol, atol * 1e-3, f"{adj} vcov")


@pytest.mark.parametrize("name", MV_CASES)
def test_closed_forms_at_metafor_sigma2(name):
    case = CASES[name]
    out = case["output"]
    res = _fit(case, sigma2=out["sigma2"])
    assert res.sigma2_fixed == (True, True)
    assert (res.k, res.p, res.n_clusters) == (out["k"], out["p"], out["s_nlevels"][0])
    assert res.s_nlevels == tuple(out["s_nlevels"])
    assert res.df == out["df"]
    assert res.QMdf[0] == out["QMdf"][0] and res.QMdf[1] == out["QMdf"][1]
    r, a = RTOL_CLOSED, ATOL_ZERO
    for f in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "QM", "QMp", "ll",
              "vt", "I2", "I2_total"):
        assert_close(getattr(res, f), out[f], r, a, f)
    assert_close(res.vb, out["vb"], r, a * 1e-3, "vb")
    newmods = case["input"]["newmods"]
    pr = res.predict() if newmods is None else res.predict(newmods=newmods)
    for f in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert_close(getattr(pr, f), out["predict"][f], r, a, f"predict {f}")
    _check_robust(res, out, r, a)


@pytest.mark.parametrize("name", MV_CASES)
def test_estimation_matches_metafor(name):
    case = CASES[name]
    out = case["output"]
    res = _fit(case)
    # runecon's optimum is at least as high as the best of metafor's optimisers
    assert res.ll >= out["ll"] - 1e-12
    assert res.ll - out["ll"] <= LL_ATOL
    assert_close(res.sigma2, out["sigma2"], 0, SIGMA2_ATOL, "sigma2")
    for j in range(2):     # boundary optima: metafor stops at ~1e-11, runecon reports 0
        if out["sigma2"][j] < 1e-8:
            assert res.sigma2[j] == 0.0
    for f in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub", "QM", "QMp"):
        assert_close(getattr(res, f), out[f], RTOL_FIT, ATOL_FIT, f)
    assert_close(res.QE, out["QE"], RTOL_CLOSED, 0, "QE")       # does not depend on sigma2
    assert_close(res.vt, out["vt"], RTOL_CLOSED, 0, "vt")
    assert_close(res.I2, out["I2"], 0, I2_ATOL, "I2")
    assert_close(res.I2_total, out["I2_total"], 0, I2_ATOL, "I2_total")
    for j in range(2):
        t, ref = res.lrt[j], out["lrt"][j]
        assert_close(t.ll0, ref["ll0"], 0, LL_ATOL, f"LRT level {j + 1} ll0")
        assert_close(t.LRT, ref["LRT"], 0, LRT_ATOL, f"LRT level {j + 1}")
        # p = 2 Phi(-sqrt(LRT)) has infinite slope at LRT = 0: an LRT difference d moves
        # sqrt(LRT) by at most sqrt(d), hence p by at most 0.8 sqrt(d)
        assert_close(t.pval, ref["pval"], 0, 0.8 * np.sqrt(LRT_ATOL), f"LRT level {j + 1} p")
        assert_close(t.sigma2_0, ref["sigma2_0"], 0, SIGMA2_ATOL, f"LRT level {j + 1} sigma2")
    _check_robust(res, out, RTOL_FIT, ATOL_FIT)


@pytest.mark.parametrize("name", UNI_CASES)
def test_robust_on_rma_uni(name):
    case = CASES[name]
    i, out = case["input"], case["output"]
    res = runecon.rma(i["yi"], i["vi"], mods=i["mods"], method="REML")
    assert_close(res.tau2, out["tau2"], 1e-8, 0, "tau2")     # rma's REML: metafor's own iterations
    for adj in ("CR0", "CR1", "CR2"):
        rb = runecon.robust(res, cluster=i["cluster"], adjust=adj)
        ref = out["robust"][adj]
        for f in ("beta", "se", "tval", "df", "pval"):
            assert_close(getattr(rb, f), ref[f], 1e-7, 0, f"{adj} {f}")


# ----------------------------------------------------------------- behaviour, not numbers
K = CASES["konstantopoulos2011_int_REML_z"]["input"]


def test_printed_block_and_frame():
    res = _fit(CASES["konstantopoulos2011_year_REML_t"])
    s = str(res)
    assert "Multivariate Meta-Analysis Model (k = 56; method: REML)" in s
    assert "Variance Components:" in s and "nlvls" in s and "factor" in s
    assert "0.0723" in s and "0.0327" in s            # sigma2 as metafor prints them
    assert "F(df1 = 1, df2 = 54)" in s and "tval" in s
    df = res.to_frame()
    assert list(df.index) == ["intrcpt", "mods"]
    assert df.attrs["sigma2_1"] == res.sigma2[0] and df["estimate"].iloc[1] == res.beta[1]
    assert "Variance Components" in res._repr_html_()
    rb = runecon.robust(res)
    assert "CR2" in str(rb) and list(rb.to_frame().index) == ["intrcpt", "mods"]
    assert "<table>" in rb._repr_html_()


def test_dataframe_and_formula_input():
    import pandas as pd
    c = CASES["konstantopoulos2011_year_REML_z"]
    d = pd.DataFrame({"yi": c["input"]["yi"], "vi": c["input"]["vi"], "year": c["input"]["mods"],
                      "district": c["input"]["cluster"], "school": c["input"]["es_id"]})
    res = runecon.rma_mv("yi", "vi", cluster="district", es_id="school", mods="~ year", data=d)
    assert_close(res.beta, c["output"]["beta"], RTOL_FIT, ATOL_FIT, "beta")
    assert res.coef_names == ("intrcpt", "year")
    assert "district/school" in str(res)


def test_bad_input_names_the_argument():
    y, v, cl = K["yi"], K["vi"], K["cluster"]
    with pytest.raises(InputError, match="'vi'"):
        runecon.rma_mv(y, v[:-1], cluster=cl)
    with pytest.raises(InputError, match="'vi'"):
        runecon.rma_mv(y, [0.0] + v[1:], cluster=cl)
    with pytest.raises(InputError, match="'yi'"):
        runecon.rma_mv([float("nan")] + y[1:], v, cluster=cl)
    with pytest.raises(InputError, match="'cluster'"):
        runecon.rma_mv(y, v, cluster=cl[:-1])
    with pytest.raises(InputError, match="'method'"):
        runecon.rma_mv(y, v, cluster=cl, method="DL")
    with pytest.raises(InputError, match="'test'"):
        runecon.rma_mv(y, v, cluster=cl, test="knha")
    with pytest.raises(InputError, match="'sigma2'"):
        runecon.rma_mv(y, v, cluster=cl, sigma2=(-1.0, None))
    with pytest.raises(TooFewStudiesError, match="'cluster'"):
        runecon.rma_mv(y, v, cluster=["a"] * len(y))
    with pytest.raises(InputError, match="'es_id'"):     # one effect per cluster
        runecon.rma_mv(y, v, cluster=[str(i) for i in range(len(y))])
    res = runecon.rma_mv(y, v, cluster=cl)
    with pytest.raises(InputError, match="'adjust'"):
        runecon.robust(res, adjust="HC3")
    with pytest.raises(InputError, match="'cluster'"):   # schools are not nested in this
        runecon.robust(res, cluster=[str(i % 2) for i in range(len(y))])


def test_non_convergence_raises(monkeypatch):
    """A maximum that fails the projected-gradient check raises instead of returning."""
    monkeypatch.setattr(multilevel, "_GRAD_TOL", -1.0)
    with pytest.raises(ConvergenceError, match="sigma2"):
        runecon.rma_mv(K["yi"], K["vi"], cluster=K["cluster"])


def test_two_level_special_case_equals_rma():
    """With sigma2_1 fixed at 0 the model is rma()'s random-effects model with
    tau2 = sigma2_2: the REML optimum, coefficients, CI, QE, I2 and ll must coincide."""
    c = CASES["konstantopoulos2011_year_REML_t"]["input"]
    uni = runecon.rma(c["yi"], c["vi"], mods=c["mods"], method="REML", test="t")
    mv = runecon.rma_mv(c["yi"], c["vi"], cluster=c["cluster"], es_id=c["es_id"],
                        mods=c["mods"], test="t", sigma2=(0.0, None))
    # rma's Fisher scoring stops when the tau2 change is <= 1e-5 (metafor's threshold)
    assert mv.sigma2[1] == pytest.approx(uni.tau2, abs=1e-5)
    assert mv.ll == pytest.approx(uni.ll, abs=1e-9)      # flat at the optimum: 2nd order
    fixed = runecon.rma_mv(c["yi"], c["vi"], cluster=c["cluster"], es_id=c["es_id"],
                           mods=c["mods"], test="t", sigma2=(0.0, uni.tau2))
    for f in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "QM", "QMp", "ll"):
        assert_close(getattr(fixed, f), getattr(uni, f), 1e-9, 1e-12, f)
    assert fixed.I2[1] == pytest.approx(uni.I2, rel=1e-9) and fixed.I2[0] == 0.0


def test_row_order_does_not_matter():
    c = CASES["konstantopoulos2011_year_ML_z"]["input"]
    perm = np.random.default_rng(1).permutation(len(c["yi"]))
    take = lambda key: [c[key][j] for j in perm]   # noqa: E731
    a = runecon.rma_mv(c["yi"], c["vi"], cluster=c["cluster"], es_id=c["es_id"],
                       mods=c["mods"], method="ML")
    b = runecon.rma_mv(take("yi"), take("vi"), cluster=take("cluster"), es_id=take("es_id"),
                       mods=take("mods"), method="ML")
    assert_close(b.sigma2, a.sigma2, 1e-8, 1e-12, "sigma2")
    assert_close(b.beta, a.beta, 1e-8, 0, "beta")
    assert_close(runecon.robust(b).se, runecon.robust(a).se, 1e-8, 0, "robust se")


def test_lrt_can_be_skipped():
    a = runecon.rma_mv(K["yi"], K["vi"], cluster=K["cluster"], es_id=K["es_id"])
    b = runecon.rma_mv(K["yi"], K["vi"], cluster=K["cluster"], es_id=K["es_id"], lrt=False)
    assert b.lrt == () and len(a.lrt) == 2
    assert b.sigma2 == a.sigma2 and b.estimate == a.estimate
    assert "LRT" not in str(b) and b.to_frame().attrs["LRT_1"] is None


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_optimum_beats_a_grid(seed):
    """Independent check of the optimiser on simulated three-level data: no point of a
    20 x 20 grid over (sigma2_1, sigma2_2) has a higher REML log-likelihood."""
    rng = np.random.default_rng(seed)
    n_cl = 8
    sizes = rng.integers(1, 5, n_cl)
    cl = np.repeat(np.arange(n_cl), sizes)
    k = cl.size
    vi = rng.uniform(0.05, 0.3, k)
    yi = (rng.normal(0, np.sqrt(rng.uniform(0, 0.2)), n_cl)[cl]
          + rng.normal(0, np.sqrt(rng.uniform(0, 0.1)), k) + rng.normal(0, np.sqrt(vi)))
    res = runecon.rma_mv(yi, vi, cluster=cl, lrt=False)
    same = (cl[:, None] == cl[None, :]).astype(float)
    lik = multilevel._Likelihood(yi, vi, np.ones((k, 1)), (same, np.eye(k)), reml=True)
    grid = np.linspace(0, 1.0, 20)
    best_grid = max(lik.ll(np.array([a, b])) for a in grid for b in grid)
    assert res.ll >= best_grid - 1e-12
    assert res.ll == pytest.approx(lik.ll(np.array(res.sigma2)), abs=1e-12)


def test_more_bad_input_names_the_argument():
    """Issue 8 cases not covered above: negative and infinite variances, a singular or
    constant moderator matrix, k too small for the coefficients, bad level / slab."""
    y, v, cl = K["yi"], K["vi"], K["cluster"]
    x = np.arange(len(y), dtype=float)
    with pytest.raises(InputError, match="'vi'"):
        runecon.rma_mv(y, [-0.1] + v[1:], cluster=cl)
    with pytest.raises(InputError, match="'vi'"):
        runecon.rma_mv(y, [float("inf")] + v[1:], cluster=cl)
    with pytest.raises(InputError, match="'mods'"):            # collinear columns
        runecon.rma_mv(y, v, cluster=cl, mods=np.column_stack([x, 2 * x]))
    with pytest.raises(InputError, match="'mods'"):            # constant = the intercept
        runecon.rma_mv(y, v, cluster=cl, mods=np.ones(len(y)))
    with pytest.raises(TooFewStudiesError, match="'yi'"):      # k = 4 effects, p = 4
        runecon.rma_mv(y[:4], v[:4], cluster=[1, 1, 2, 2],
                       mods=np.column_stack([x[:4], x[:4] ** 2, x[:4] ** 3]))
    with pytest.raises(InputError, match="'level'"):
        runecon.rma_mv(y, v, cluster=cl, level=150)
    with pytest.raises(InputError, match="'slab'"):
        runecon.rma_mv(y, v, cluster=cl, slab=["a"])
