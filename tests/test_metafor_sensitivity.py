"""runecon.sensitivity and runecon.smallstudy against metafor 3.8.1.

Reference values: tests/data/metafor_sensitivity.json, written by
validation/metafor/sensitivity.R (the R call of each case is stored with it).
"""
from __future__ import annotations

import math
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest

import runecon
from conftest import cases_by_name
from runecon._batch import fit_batch
from runecon.errors import InputError, RuneconWarning
from runecon.sensitivity import cumul, gosh, influence, leave1out, permutest
from runecon.smallstudy import funnel_data, pet_peese, regtest, trimfill

REF = cases_by_name("metafor_sensitivity.json")

# Closed forms (FE, DL, lm-type regressions, trim-and-fill ranks): the same formulas in a
# different order of floating-point operations -> agreement to rounding error.
RTOL_CLOSED = 1e-10
# Iterative estimators (REML/ML/EB Fisher scoring, PM via R's uniroot iterates): the same
# iterates as metafor, so also agreement to rounding error, but rounding differences are
# amplified by up to ~10 iterations and by I2 = 100 tau2 / (vt + tau2) when tau2 ~ 0.
RTOL_ITER = 1e-8
# Absolute floor for values that are 0 in metafor (tau2 = 0, residuals of ~1e-17).
ATOL = 1e-10
# Issue 4 target: mean GOSH estimate and mean I2 equal to metafor's to 1e-6.
ATOL_GOSH_MEAN = 1e-6
# metafor with stepadj = 0.5 stops when the tau2 change is below threshold = 1e-5, so its
# tau2 at a boundary optimum (tau2 = 0) is off by up to ~1e-5.
ATOL_STEPADJ = 2e-5
# Random permutations / random subsets against exact values: 4 Monte-Carlo SDs
# (a false alarm rate of about 6e-5 per comparison).
MC_SDS = 4.0

EXPECTED_CASES = {"leave1out": 8, "influence": 6, "cumul": 4, "gosh": 8, "permutest": 5,
                  "regtest": 40, "trimfill": 30}


def _rtol(method):
    return RTOL_CLOSED if method in ("FE", "DL") else RTOL_ITER


def _close(got, exp, rtol, atol=ATOL, what=""):
    got = np.asarray(got, float)
    exp = np.asarray([np.nan if e is None else e for e in np.atleast_1d(exp)], float)
    np.testing.assert_allclose(np.atleast_1d(got), exp, rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=what)


def _fit(inp, method, mods=None, test="z"):
    d = pd.DataFrame({"yi": inp["yi"], "vi": inp["vi"]})
    if mods:
        d["ablat"] = inp["ablat"]
        return runecon.rma("yi", "vi", mods=mods, data=d, method=method, test=test,
                           slab=inp["slab"])
    return runecon.rma(inp["yi"], inp["vi"], method=method, test=test, slab=inp["slab"])


def _names(kind):
    return sorted(n for n in REF if n.split("/")[0] == kind)


def test_reference_grid_complete():
    counts = Counter(n.split("/")[0] for n in REF)
    assert dict(counts) == EXPECTED_CASES
    methods = {REF[n]["input"]["method"] for n in REF}
    assert methods == {"FE", "DL", "REML", "ML", "EB", "PM"}


# ----------------------------------------------------------------------------- leave1out
LEAVE1OUT_COLS = [("estimate", "estimate"), ("se", "se"), ("zval", "zval"), ("pval", "pval"),
                  ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub"), ("Q", "Q"), ("Qp", "Qp"),
                  ("tau2", "tau2"), ("I2", "I2"), ("H2", "H2")]


@pytest.mark.parametrize("name", _names("leave1out"))
def test_leave1out(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    r = leave1out(_fit(i, i["method"], test=i["test"]))
    assert r.n_failed == 0
    assert list(r.to_frame().index) == i["slab"]
    for col, ref in LEAVE1OUT_COLS:
        if ref in o:      # metafor drops tau2 for FE models
            _close(getattr(r, col), o[ref], _rtol(i["method"]), what=f"{name} {col}")


@pytest.mark.parametrize("name", _names("cumul"))
def test_cumul(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    order = None if i["order"] is None else i[i["order"]]
    r = cumul(_fit(i, i["method"]), order=order)
    assert list(r.to_frame().index) == o["slab"]
    for col, ref in LEAVE1OUT_COLS:
        if ref in o:
            _close(getattr(r, col), o[ref], _rtol(i["method"]), what=f"{name} {col}")


# ----------------------------------------------------------------------------- influence
@pytest.mark.parametrize("name", _names("influence"))
def test_influence(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    res = _fit(i, i["method"], i["mods"])
    r = influence(res)
    for col, ref in [("rstudent", "rstudent"), ("dffits", "dffits"), ("cook_d", "cook.d"),
                     ("cov_r", "cov.r"), ("tau2_del", "tau2.del"), ("QE_del", "QE.del"),
                     ("hat", "hat"), ("weight", "weight")]:
        _close(getattr(r, col), o[ref], _rtol(i["method"]), what=f"{name} {col}")
    for j, coef in enumerate(res.coef_names):
        _close(r.to_frame()[f"dfbs_{coef}"], list(o["dfbs"].values())[j], _rtol(i["method"]))
    assert list(r.inf) == o["inf"]


# ----------------------------------------------------------------------------- gosh
def _gosh_ref(name):
    c = REF[name]
    i = c["input"]
    return c, _fit(i, i["method"], i["mods"])


#: columns stored per GOSH case; the dat.bcg cases (8,191 subsets) keep only some of them
#: to keep the JSON small (validation/metafor/sensitivity.R)
GOSH_FULL = {"k", "QE", "I2", "H2", "tau2", "estimate"}
GOSH_COLUMNS = {"gosh/bcg7/REML/~ ablat": {"k", "QE", "I2", "H2", "tau2", "beta"},
                "gosh/bcg/DL/int": {"QE", "I2", "tau2", "estimate"},
                "gosh/bcg/REML/int": {"I2", "tau2", "estimate"},
                "gosh/bcg/PM/int": {"I2", "tau2", "estimate"}}


@pytest.mark.parametrize("name", _names("gosh"))
def test_gosh_exhaustive_matches_metafor(name):
    c, res = _gosh_ref(name)
    o, k = c["output"], res.k
    # fallback=False: fail exactly where metafor's Fisher scoring fails
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuneconWarning)
        g = gosh(res, fallback=False)
    assert len(g) == o["n"]
    assert g.attrs["exact"] and g.attrs["n_failed"] == o["n_failed"]
    mask = g.iloc[:, -k:].to_numpy()
    for j, row in enumerate(o["incl_first"]):      # metafor's row order
        assert list(mask[j]) == row
    assert list(mask[-1]) == o["incl_last"]
    rtol = _rtol(c["input"]["method"])
    # the columns each case stores (pinned, so a regenerated JSON cannot quietly drop one)
    present = {col for col in ("k", "QE", "I2", "H2", "tau2", "estimate", "beta")
               if o.get(col) is not None}
    assert present == GOSH_COLUMNS.get(name, GOSH_FULL), name
    for col in ("k", "QE", "I2", "H2", "tau2", "estimate"):
        if o.get(col) is not None:
            _close(g[col], o[col], rtol, atol=1e-9, what=f"{name} {col}")
    for col, vals in (o.get("beta") or {}).items():
        _close(g[col], vals, rtol, atol=1e-9, what=f"{name} {col}")


def test_gosh_reml_bcg_no_failed_fits_and_means_equal_metafor():
    c, res = _gosh_ref("gosh/bcg/REML/int")
    o = c["output"]
    g = gosh(res)                                   # default: fallback for metafor's 2 failures
    assert g.attrs["n_failed"] == 0 and g["estimate"].notna().all()
    assert g.attrs["n_fallback"] == o["n_failed"] == 2
    ref_est = np.array([np.nan if v is None else v for v in o["estimate"]])
    both = ~np.isnan(ref_est)
    assert abs(g["estimate"][both].mean() - ref_est[both].mean()) <= ATOL_GOSH_MEAN
    ref_i2 = np.array([np.nan if v is None else v for v in o["I2"]])
    assert abs(g["I2"][both].mean() - ref_i2[both].mean()) <= ATOL_GOSH_MEAN
    # metafor's Fisher scoring fails on these two subsets; with halved steps
    # (control = list(stepadj = 0.5)) it converges to the same REML optimum near 0
    for ref in o["refit_failed"]:
        row = ref["row"] - 1
        assert np.isnan(ref_est[row])
        assert abs(g["tau2"].iloc[row] - ref["tau2"]) < ATOL_STEPADJ
        assert abs(g["estimate"].iloc[row] - ref["estimate"]) < ATOL_STEPADJ


def test_gosh_random_subsets_reproducible_and_unbiased():
    c, res = _gosh_ref("gosh/bcg/DL/int")
    ref = np.asarray(c["output"]["estimate"])
    g1 = gosh(res, subsets=4000, seed=11)
    g2 = gosh(res, subsets=4000, seed=11)
    assert not g1.attrs["exact"] and len(g1) == 4000
    pd.testing.assert_frame_equal(g1, g2)
    assert not g1.equals(gosh(res, subsets=4000, seed=12))
    # metafor's size distribution dbinom(j, k, 1/2) makes a random subset uniform over all
    # non-empty subsets, so its mean estimate estimates the exhaustive mean
    se = ref.std() / math.sqrt(len(g1))
    assert abs(g1["estimate"].mean() - ref.mean()) < MC_SDS * se


def test_gosh_too_many_subsets_says_use_subsets():
    res = runecon.rma(np.linspace(-1, 1, 21), np.full(21, 0.1), method="DL")
    with pytest.raises(InputError, match=r"subsets=N"):
        gosh(res)


# ----------------------------------------------------------------------------- permutest
@pytest.mark.parametrize("name", _names("permutest"))
def test_permutest_exact(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    res = _fit(i, i["method"], i["mods"], i["test"])
    r = permutest(res, exact=True, fallback=False)
    assert r.exact and r.iter == o["iter"] and r.n_failed == o["n_na"]
    _close(r.pval, o["pval"], RTOL_CLOSED, what="pval")
    _close(r.QMp, o["QMp"], RTOL_CLOSED, what="QMp")
    _close(np.nanmean(r.QM_perm), o["QM_perm_mean"], RTOL_ITER, what="mean QM")
    _close(np.nanmean(r.zval_perm, axis=0), o["zval_perm_mean"], RTOL_ITER, what="mean z")


@pytest.mark.parametrize("name", ["permutest/bcg/DL/int/z", "permutest/bcg7/REML/~ ablat/z"])
def test_permutest_random_reproducible_and_agrees_with_exact(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    res = _fit(i, i["method"], i["mods"], i["test"])
    n = 1000                      # fewer than the exact count (2520 and 8192): random mode
    r1 = permutest(res, iter=n, seed=5)
    r2 = permutest(res, iter=n, seed=5)
    assert not r1.exact and r1.iter == n
    np.testing.assert_array_equal(r1.zval_perm, r2.zval_perm)
    for got, exact in zip(np.r_[r1.pval, r1.QMp], np.r_[o["pval"], o["QMp"]]):
        sd = math.sqrt(max(exact * (1 - exact), 1 / n) / n)
        assert abs(got - exact) < MC_SDS * sd + 1 / n


# ----------------------------------------------------------------------------- regtest
@pytest.mark.parametrize("name", _names("regtest"))
def test_regtest(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    r = regtest(_fit(i, i["method"], i["mods"]), model=i["model"], predictor=i["predictor"],
                ni=i["ni"])
    rtol = _rtol(i["method"]) if i["model"] == "rma" else RTOL_CLOSED
    _close(r.zval, o["zval"], rtol)
    _close(r.pval, o["pval"], rtol)
    _close(r.beta, o["fit_beta"], rtol)
    assert r.df == o["dfs"]
    if o["est"] is None:
        assert r.est is None
    else:
        _close([r.est, r.ci_lb, r.ci_ub], [o["est"], o["ci.lb"], o["ci.ub"]], rtol)


# ----------------------------------------------------------------------------- trimfill
@pytest.mark.parametrize("name", _names("trimfill"))
def test_trimfill(name):
    c = REF[name]
    i, o = c["input"], c["output"]
    r = trimfill(_fit(i, i["method"]), side=i["side"], estimator=i["estimator"])
    assert (r.k0, r.side) == (o["k0"], o["side"])
    assert list(r.fill) == o["fill"]
    rtol = _rtol(i["method"])
    _close(r.se_k0, o["se.k0"], RTOL_CLOSED)
    if o["p.k0"] is not None:
        _close(r.p_k0, o["p.k0"], RTOL_CLOSED)
    f = r.fit
    _close([f.estimate, f.se, f.ci_lb, f.ci_ub, f.tau2, f.QE, f.I2],
           [o["estimate"], o["se"], o["ci.lb"], o["ci.ub"], o["tau2"], o["QE"], o["I2"]], rtol)
    _close(f.yi, o["yi"], RTOL_CLOSED)
    _close(f.vi, o["vi"], RTOL_CLOSED)


# ----------------------------------------------------------------------------- PET-PEESE
def test_pet_peese_equals_metafor_lm_regtests():
    """PET = regtest(model="lm", predictor="sei"), PEESE = predictor="vi" (limit estimates)."""
    c = REF["regtest/bcg/REML/int/lm/sei"]
    pet_ref, peese_ref = c["output"], REF["regtest/bcg/REML/int/lm/vi"]["output"]
    r = pet_peese(_fit(c["input"], "REML"))
    _close(r.pet.loc["intrcpt", ["estimate", "ci_lb", "ci_ub"]],
           [pet_ref["est"], pet_ref["ci.lb"], pet_ref["ci.ub"]], RTOL_CLOSED)
    _close(r.peese.loc["intrcpt", ["estimate", "ci_lb", "ci_ub"]],
           [peese_ref["est"], peese_ref["ci.lb"], peese_ref["ci.ub"]], RTOL_CLOSED)
    _close(r.pet.loc["sei", "tval"], pet_ref["zval"], RTOL_CLOSED)
    chosen = "PEESE" if r.pet.loc["intrcpt", "pval"] < 0.05 else "PET"
    assert r.chosen == chosen
    assert r.estimate == r.to_frame().loc[(chosen, "intrcpt"), "estimate"]


# ----------------------------------------------------------------------------- funnel
def test_funnel_data_hand_calculation():
    yi, vi = np.array([0.5, -0.2, 1.1]), np.array([0.04, 0.09, 0.25])
    res = runecon.rma(yi, vi, method="FE", slab=["a", "b", "c"])
    fd = funnel_data(res, level=[90, 95, 99], n=11)
    # hand: se grid 0..0.5 (sqrt(0.25)); 95% contour at 0 -/+ 1.959964 * se
    assert fd.se[-1] == pytest.approx(0.5) and len(fd.se) == 11
    c95 = fd.contours[fd.contours.level == 95]
    assert c95.upper.iloc[-1] == pytest.approx(1.959963985 * 0.5, rel=1e-9)
    c90 = fd.contours[fd.contours.level == 90]
    assert c90.lower.iloc[-1] == pytest.approx(-1.644853627 * 0.5, rel=1e-9)
    # study a: z = 0.5 / 0.2 = 2.5, two-sided p = 0.01241933
    assert fd.points.loc["a", "zi"] == pytest.approx(2.5)
    assert fd.points.loc["a", "pval"] == pytest.approx(0.0124193306, rel=1e-8)
    w = 1 / vi
    assert fd.estimate == pytest.approx((w * yi).sum() / w.sum(), rel=1e-12)
    assert fd.ci.upper.iloc[-1] == pytest.approx(fd.estimate + 1.959963985 * 0.5, rel=1e-9)


# ----------------------------------------------------------------------------- batch core
def test_batch_nonconvergence_is_counted_and_nan():
    c = REF["gosh/bcg/REML/int"]
    i = c["input"]
    fit = fit_batch(i["yi"], i["vi"], np.ones((3, 13), bool), method="REML", maxiter=1,
                    fallback=False)
    assert fit.n_failed == 3 and np.isnan(fit.tau2).all() and np.isnan(fit.beta).all()


def test_batch_matches_single_fits_for_every_method():
    c = REF["gosh/bcg/REML/int"]
    i = c["input"]
    for method in ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"):
        one = runecon.rma(i["yi"], i["vi"], method=method)
        fit = fit_batch(i["yi"], i["vi"], np.ones((2, 13), bool), method=method)
        _close(fit.tau2, [one.tau2] * 2, RTOL_ITER, what=method)
        _close(fit.beta[:, 0], [one.estimate] * 2, RTOL_ITER, what=method)
        _close(fit.I2, [one.I2] * 2, RTOL_ITER, what=method)


def test_bad_input_names_the_argument():
    c = REF["gosh/bcg/REML/int"]
    i = c["input"]
    res = runecon.rma(i["yi"], i["vi"], mods=np.asarray(i["ablat"], float)[:, None])
    with pytest.raises(InputError, match="res"):
        leave1out(res)
    with pytest.raises(InputError, match="predictor"):
        regtest(res, predictor="precision")
    with pytest.raises(InputError, match="ni"):
        regtest(res, predictor="ni")
    with pytest.raises(InputError, match="iter"):
        permutest(res, iter=1)
    with pytest.raises(InputError, match="method"):
        fit_batch(i["yi"], i["vi"], method="XYZ")
    with pytest.raises(InputError, match="res"):
        gosh([1, 2, 3])


def test_results_print_and_convert():
    c = REF["leave1out/balsalobre/REML/z"]
    res = _fit(c["input"], "REML")
    for r in (leave1out(res), influence(res), cumul(res), permutest(res, exact=True),
              regtest(res), trimfill(res), pet_peese(res), funnel_data(res)):
        s = str(r)
        assert s and "<" in r._repr_html_()
        assert isinstance(r.to_frame(), pd.DataFrame)
    # Balsalobre-Fernandez et al. (2016): without Paavolainen 1999 the pooled SMD is
    # metafor's leave-one-out value
    lo = leave1out(res)
    assert "Paavolainen 1999" in str(lo)
    _close(lo.estimate[0], c["output"]["estimate"][0], RTOL_ITER)


@pytest.mark.parametrize("method", ["FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_batch_equals_engine_on_random_subsets(method, test):
    """Each batch row equals runecon.rma (itself pinned to metafor) fitted to that subset."""
    rng = np.random.default_rng(2026)
    k = 9
    yi = rng.normal(-0.5, 0.6, k)
    vi = rng.uniform(0.02, 0.4, k)
    x = rng.normal(size=k)
    X = np.column_stack([np.ones(k), x])
    mask = rng.random((40, k)) < 0.7
    mask[mask.sum(1) < 4] = True
    for mods, XX in ((None, None), (x[:, None], X)):
        fit = fit_batch(yi, vi, mask, XX, method=method, test=test, fallback=False)
        for b in range(len(mask)):
            m = mask[b]
            try:
                one = runecon.rma(yi[m], vi[m], mods=None if mods is None else mods[m],
                                  method=method, test=test)
            except runecon.errors.ConvergenceError:
                assert not fit.converged[b]
                continue
            assert fit.converged[b]
            _close(fit.tau2[b], one.tau2, RTOL_ITER, what=f"{method} row {b} tau2")
            _close(fit.beta[b], one.beta, RTOL_ITER, what=f"{method} row {b} beta")
            _close(fit.se[b], one.se, RTOL_ITER, what=f"{method} row {b} se")
            _close([fit.QE[b], fit.I2[b], fit.H2[b]], [one.QE, one.I2, one.H2], RTOL_ITER)


def test_batch_chunking_does_not_change_results(capsys):
    c = REF["gosh/bcg/REML/int"]
    i = c["input"]
    mask = np.random.default_rng(3).random((500, 13)) < 0.6
    whole = fit_batch(i["yi"], i["vi"], mask, method="REML", progress=False)
    small = fit_batch(i["yi"], i["vi"], mask, method="REML", chunk_bytes=13 * 8 * 7,
                      progress=False)                      # 7 rows per chunk
    # numpy's SIMD sums may differ in the last bit with the array shape
    np.testing.assert_allclose(whole.tau2, small.tau2, rtol=1e-13)
    np.testing.assert_allclose(whole.beta, small.beta, rtol=1e-13)
    assert capsys.readouterr().err == ""                     # progress=False: silent
    pytest.importorskip("tqdm")
    fit_batch(i["yi"], i["vi"], mask, method="REML", chunk_bytes=13 * 8 * 50, progress=True)
    assert "500/500" in capsys.readouterr().err              # progress=True: a tqdm bar


# ----------------------------------------------------------------------------- audit
def test_permutest_btt_tests_the_chosen_coefficients():
    """With btt = one coefficient, the omnibus statistic is that coefficient's z^2 (hand:
    QM = b' V^-1 b with a 1 x 1 V) and its permutation p-value is the coefficient's own
    (same permutations, |z| >= |z_obs| <=> z^2 >= z_obs^2). The observed QM used to be the
    model's QM over all moderators, whatever btt said."""
    rng = np.random.default_rng(1)
    k = 10
    x1, x2 = rng.normal(size=k), rng.normal(size=k)
    yi = 0.5 * x1 + rng.normal(0, 0.3, k)
    vi = rng.uniform(0.02, 0.1, k)
    res = runecon.rma(yi, vi, mods=np.column_stack([x1, x2]), method="DL")
    r = permutest(res, iter=200, seed=1, btt=[2])
    assert r.QM == pytest.approx(float(res.zval[2]) ** 2, rel=1e-12)
    assert r.QMp == r.pval[2]
    # default btt: the model's own omnibus test
    assert permutest(res, iter=200, seed=1).QM == pytest.approx(res.QM, rel=1e-12)
    for bad in ([3], [-1], [], [0.5]):
        with pytest.raises(InputError, match="'btt'"):
            permutest(res, iter=200, seed=1, btt=bad)


@pytest.mark.parametrize("seed", ["abc", 1.5, -3])
def test_bad_seed_names_the_argument(seed):
    res = runecon.rma(np.linspace(-1, 1, 6), np.full(6, 0.1), method="DL")
    with pytest.raises(InputError, match="'seed'"):
        gosh(res, subsets=20, seed=seed)
    with pytest.raises(InputError, match="'seed'"):
        permutest(res, iter=20, seed=seed)


@pytest.mark.parametrize("yi, vi, arg", [([1.0, np.nan, 2.0], [1.0, 1.0, 1.0], "yi"),
                                         ([1.0, 2.0, 3.0], [1.0, np.nan, 1.0], "vi"),
                                         ([1.0, 2.0, 3.0], [1.0, np.inf, 1.0], "vi")])
def test_batch_non_finite_input_raises(yi, vi, arg):
    # an infinite variance used to give a plausible estimate (2.0) and a NaN one NaN rows
    with pytest.raises(InputError, match=f"'{arg}'"):
        fit_batch(np.array(yi), np.array(vi))


def test_influence_k_equals_p_plus_1_gives_na_rows():
    """Every deletion leaves k - 1 = p studies: metafor 3.8.1 (influence(rma(c(-.9, -1.6,
    -1.3), c(.3, .2, .4), mods = ~ c(0, 1, 2)))) prints NA for every deletion statistic,
    hat 0.8000 0.4667 0.7333 and weight 30.7692 46.1538 23.0769 (this raised LinAlgError).
    Hand: tau2 = 0, w = (10/3, 5, 5/2), sum w = 65/6 -> weights 100 w / sum w; with
    x = (0, 1, 2): S1 = sum w x = 10, S2 = sum w x^2 = 15, det = 65/6 * 15 - 10^2 = 62.5,
    hat_i = w_i (S2 - 2 x_i S1 + x_i^2 sum w) / det = (0.8, 7/15, 11/15)."""
    res = runecon.rma([-0.9, -1.6, -1.3], [0.3, 0.2, 0.4], mods=np.array([0.0, 1.0, 2.0]))
    with pytest.warns(RuneconWarning, match="3 leave-one-out fits failed"):
        r = influence(res)
    assert r.n_failed == 3
    t = r.to_frame()
    for col in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del"):
        assert t[col].isna().all(), col
    _close(t["hat"], [0.8, 7 / 15, 11 / 15], RTOL_CLOSED)
    w = np.array([10 / 3, 5, 5 / 2])
    _close(t["weight"], 100 * w / w.sum(), RTOL_CLOSED)
    # metafor 3.8.1 gives is.infl = NA when the deletion fits failed (R's NA | FALSE)
    assert t["inf"].isna().all()


def test_trimfill_identical_effects_se_k0_is_nan_as_metafor():
    """All yi equal: every centred value is 0, so S_r = 0 and (k = 5)
    k0 = (4 * 0 - 5 * 6) / 9 = -10/3 -> 0, and
    Var(S_r) = (5*6*11 + 10 k0^3 + 27 k0^2 + 17 k0 - 18*5 k0^2 - 18*5 k0 + 6*25 k0) / 24
    < 0, so se(k0) = 4 sqrt(Var) / 9 is undefined: metafor 3.8.1 returns k0 = 0 and
    se.k0 = NaN (with R's "NaNs produced" warning); this raised math domain error."""
    k0f = -10 / 3
    var = (330 + 10 * k0f**3 + 27 * k0f**2 + 17 * k0f - 90 * k0f**2 - 90 * k0f
           + 150 * k0f) / 24
    assert var < 0
    r = trimfill(runecon.rma(np.zeros(5), [0.3, 0.2, 0.4, 0.02, 0.05]), side="left")
    assert r.k0 == 0 and math.isnan(r.se_k0)


@pytest.mark.parametrize("labels", [[0, 0, 1, 1, 2], [3, 1, 2, 0, 1, 1, 0], [5, 5, 5],
                                    list(range(6))])
def test_exact_permutations_are_all_distinct_orderings_in_order(labels):
    """permutest's exact enumeration: every distinct ordering of the moderator groups once,
    lexicographic (reference: itertools over all n! orderings, deduplicated and sorted)."""
    import itertools
    from runecon.sensitivity import _unique_perms
    ref = sorted(set(itertools.permutations(labels)))
    got = _unique_perms(labels)
    n = len(labels)
    counts = Counter(labels)
    assert len(ref) == math.factorial(n) // math.prod(math.factorial(c) for c in counts.values())
    assert [tuple(int(v) for v in row) for row in got] == ref


#: gosh on subsets: closed-form DL per subset, averaged over ~400 fits
RTOL_GOSH_FACTOR = 1e-10


def test_gosh_categorical_moderator_failed_subsets_counted_for_dl():
    """Subsets that leave out a factor level are singular: counted as failed, as metafor.
    Intercept-only steps of DL on those subsets gave NaN matrices and numpy's cond() raised
    LinAlgError ("SVD did not converge"). Reference: validation/metafor/gosh_factor.R."""
    case = cases_by_name("metafor_gosh_factor.json")["gosh_dl_factor_moderator"]
    inp, out = case["input"], case["output"]
    d = pd.DataFrame({"yi": inp["yi"], "vi": inp["vi"], "g": inp["g"]})
    res = runecon.rma("yi", "vi", mods="~ g", data=d, method="DL")
    with pytest.warns(RuneconWarning, match=f"{out['n_failed']} of {out['n_subsets']}"):
        g = gosh(res)
    assert len(g) == out["n_subsets"] and g.attrs["n_failed"] == out["n_failed"]
    assert g["I2"].mean() == pytest.approx(out["mean_I2"], rel=RTOL_GOSH_FACTOR)
    assert g["intrcpt"].mean() == pytest.approx(out["mean_intrcpt"], rel=RTOL_GOSH_FACTOR)


@pytest.mark.parametrize("refline", [float("nan"), float("inf"), "0"])
def test_funnel_bad_refline_names_the_argument(refline):
    res = runecon.rma([0.5, -0.2, 1.1], [0.04, 0.09, 0.25], method="FE")
    with pytest.raises(InputError, match="'refline'"):
        funnel_data(res, refline=refline)
