"""Fuzz and property tests of the engine (issue 11's defect classes) against metafor 3.8.1.

Reference values: tests/data/metafor_fuzz.json, written by validation/metafor/fuzz.R from
seeded random data sets (algorithm fixtures, not evidence). Properties (shift, scale and
permutation invariance) compare runecon with itself on transformed data, where the exact
answer is known: the same numbers (shifted, scaled or reordered). R is not needed here.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import assert_close, cases_by_name
import runecon
from runecon import rma
from runecon.errors import ConvergenceError, RuneconWarning
from runecon.multilevel import rma_mv, robust
from runecon.sensitivity import cumul, gosh, influence, leave1out, permutest
from runecon.smallstudy import trimfill

CASES = cases_by_name("metafor_fuzz.json")
METHODS = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")

# Default control: runecon repeats metafor's iterations (Fisher scoring, R's uniroot
# iterates), so it lands on metafor's iterate; values agree to rounding, which a common
# offset of 1e7 amplifies for the coefficients' *differences* from the offset: beta itself is
# ~1e7 with ~1e-9 absolute rounding of its inputs (yi + 1e7 has ulp 1.9e-9).
RTOL = 1e-8
# Absolute floor: the coefficient of an offset fit carries the offset's rounding (ulp of
# 1e7 is 1.9e-9); tau2 truncated at 0; z of coefficients near 0.
ATOL = 1e-7
# With an offset, yi + 1e7 is itself rounded (ulp 1.9e-9): both programs see the same
# rounded numbers but sum them in different orders, and a residual of ~0.1 carries a relative
# 1e-8 of that rounding, amplified in tail p-values (e.g. fuzz09/FE slope p: metafor
# 0.037485812754 at offset 0, 0.037485813758 at 1e7; runecon 0.037485812410 at 1e7).
RTOL_OFFSET = 1e-6
# Tight control (threshold = tol = 1e-12 in both programs): both are at the exact optimum,
# whatever the iterates, so the bound of 1e-6 relative applies.
RTOL_TIGHT = 1e-6


def _data(inp):
    d = pd.DataFrame(inp["data"])
    d["yi"] = d["yi"] + inp.get("offset", 0)
    return d


def _control(ctl):
    if not ctl:
        return None
    return {{"tau2.max": "tau2_max"}.get(k, k): v for k, v in ctl.items()}


def _fit(inp):
    d = _data(inp)
    kw = dict(method=inp["method"], test=inp["test"], control=_control(inp.get("control")))
    if inp.get("mods"):
        return rma("yi", "vi", mods=inp["mods"], data=d, **kw)
    return rma(d["yi"].to_numpy(), d["vi"].to_numpy(), **kw)


RMA = sorted(n for n in CASES if n.startswith("rma/"))


@pytest.mark.parametrize("name", RMA)
def test_rma_fuzz_equals_metafor(name):
    """Every estimator x test z/knha x offsets 0, 1e6, 1e7 (classes 1, 8)."""
    case = CASES[name]
    out, inp = case["output"], case["input"]
    if "error" in out:
        with pytest.raises(ConvergenceError):
            _fit(inp)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuneconWarning)
        res = _fit(inp)
    tight = name.endswith("/tight")
    rtol = RTOL_TIGHT if tight else RTOL_OFFSET if inp["offset"] else RTOL
    for key, ref in (("beta", "b"), ("se", "se"), ("zval", "zval"), ("ci_lb", "ci.lb"),
                     ("ci_ub", "ci.ub"), ("tau2", "tau2"), ("QE", "QE"), ("I2", "I2"),
                     ("H2", "H2")):
        assert_close(getattr(res, key), out[ref], rtol, ATOL, f"{name}: {key}")
    assert_close(res.pval, out["pval"], rtol, 1e-12, f"{name}: pval")
    assert_close(res.QM, out["QM"], rtol, ATOL, f"{name}: QM")
    if out.get("se.tau2") is not None:
        assert_close(res.se_tau2, out["se.tau2"], rtol, ATOL, f"{name}: se_tau2")
    pr = res.predict()
    assert_close(pr.pred, out["pred"], rtol, ATOL, f"{name}: pred")
    if out.get("pi.lb") is not None:
        assert_close(pr.pi_lb, out["pi.lb"], rtol, ATOL, f"{name}: pi_lb")
        assert_close(pr.pi_ub, out["pi.ub"], rtol, ATOL, f"{name}: pi_ub")
    if "confint0" in out:
        # metafor's confint() uses uncentred yi and drifts with an offset (ub 0.6969 at
        # offset 0, 0.6951 at 1e6, 0.8238 at 1e7 on fuzz02/DL): the reference is the same
        # model without the offset (confint0; equal to "confint" when the offset is 0)
        ref = out["confint0"]
        if inp["offset"] == 0:
            assert ref == out["confint"]
        ci = res.confint(control=_control(inp.get("ci_control")))
        assert_close([ci.tau2, ci.tau2_lb, ci.tau2_ub], ref["tau2"], rtol, ATOL,
                     f"{name}: confint")
        assert (ci.lb_sign, ci.ub_sign) == (ref["lb.sign"], ref["ub.sign"])


def test_fuzz_reference_covers_the_grid():
    assert len(RMA) == 12 * 9 * 3
    offsets = {CASES[n]["input"]["offset"] for n in RMA}
    assert offsets == {0, 1e6, 1e7}


# ----------------------------------------------------------------------------- class 3
SMALL = pd.DataFrame(dict(yi=[0.1, 0.3, 0.5, 0.2], vi=[0.01, 0.02, 0.03, 0.015]))
COLS = {"estimate": "estimate", "se": "se", "zval": "zval", "pval": "pval", "ci.lb": "ci_lb",
        "ci.ub": "ci_ub", "Q": "Q", "Qp": "Qp", "tau2": "tau2"}


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith(("cumul/", "leave1out_k2/"))))
def test_one_study_subfits_use_z_as_metafor(name):
    """metafor switches a k = 1 fit to test "z": cumul's first row, leave1out at k = 2."""
    inp, out = CASES[name]["input"], CASES[name]["output"]
    d = SMALL if name.startswith("cumul") else SMALL.iloc[:2]
    res = rma(d["yi"].to_numpy(), d["vi"].to_numpy(), method=inp["method"], test=inp["test"])
    t = (cumul(res) if name.startswith("cumul") else leave1out(res)).to_frame()
    for ref, col in COLS.items():
        assert_close(t[col].to_numpy(), out[ref], RTOL, 1e-12, f"{name}: {col}")


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("influence_k2/")))
def test_influence_at_k2_equals_metafor(name):
    inp, out = CASES[name]["input"], CASES[name]["output"]
    d = SMALL.iloc[:2]
    res = rma(d["yi"].to_numpy(), d["vi"].to_numpy(), method=inp["method"], test=inp["test"])
    t = influence(res).to_frame()
    for ref in ("rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight"):
        col = ref.replace(".", "_")
        assert_close(t[col].to_numpy(float), out[ref], RTOL, 1e-12, f"{name}: {col}")
    assert_close(t["dfbs_intrcpt"].to_numpy(float), out["dfbs"], RTOL, 1e-12, "dfbs")
    assert list(t["inf"]) == out["inf"]


# ----------------------------------------------------------------------------- class 4, 6
@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("influence_kp1/")))
def test_influence_with_failed_deletions_is_na_as_metafor(name):
    """Every deletion fit has k = p: NA rows (returns, no hang) and is.infl NA, not False."""
    inp, out = CASES[name]["input"], CASES[name]["output"]
    d = pd.DataFrame(inp["data"])
    res = rma("yi", "vi", mods="~ x", data=d, method=inp["method"])
    t0 = time.perf_counter()
    with pytest.warns(RuneconWarning, match="failed"):
        t = influence(res).to_frame()
    assert time.perf_counter() - t0 < 5          # returns (was an endless loop)
    assert t["rstudent"].isna().all() and all(v is None for v in out["rstudent"])
    assert_close(t["hat"], out["hat"], RTOL, 0, "hat")
    assert_close(t["weight"], out["weight"], RTOL, 0, "weight")
    assert t["inf"].isna().all() and all(v is None for v in out["inf"])
    with pytest.warns(RuneconWarning, match="subset fits failed"):
        g = gosh(res)                             # subsets with k = p: NaN rows, counted
    assert g.attrs["n_failed"] > 0 and len(g) == 4


@pytest.mark.parametrize("method", ["ML", "REML", "EB"])
def test_huge_step_adjustment_returns_instead_of_hanging(method):
    """stepadj = 1e300: ML's halved steps stay finite and converge to metafor's value;
    REML's and EB's first step is infinite (metafor 3.8.1 loops forever): ConvergenceError
    with advice (was a hang here too)."""
    y, v = SMALL["yi"].to_numpy(), SMALL["vi"].to_numpy()
    t0 = time.perf_counter()
    if method == "ML":
        out = CASES["stepadj1e300/ML"]["output"]
        res = rma(y, v, method=method, control={"stepadj": 1e300})
        assert_close([res.tau2, res.estimate], [out["tau2"], out["b"]], RTOL, 0, "ML")
    else:
        with pytest.raises(ConvergenceError, match="stepadj"):
            rma(y, v, method=method, control={"stepadj": 1e300})
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("trimfill_k1/")))
def test_trimfill_with_one_study_left_equals_metafor(name):
    inp, out = CASES[name]["input"], CASES[name]["output"]
    res = rma(inp["data"]["yi"], inp["data"]["vi"], method=inp["method"])
    t = trimfill(res)
    assert (t.k0, t.side) == (out["k0"], out["side"]) == (2, "left")
    # b is 0 up to rounding (metafor: -5.6e-17): absolute
    assert_close(t.fit.estimate, out["b"], 0, 1e-12, "b")
    assert_close([t.fit.se, t.fit.tau2, t.se_k0], [out["se"], out["tau2"], out["se.k0"]],
                 RTOL, 1e-12, name)


@pytest.mark.parametrize("test", ["knha", "adhoc"])
def test_identical_effects_equal_metafor(test):
    """knha: s2w = 0, se = 0, p = 0 and QM NA (not inf) as metafor; adhoc: s2w = 1."""
    out = CASES[f"identical/{test}"]["output"]
    res = rma([0.3] * 4, [0.01, 0.02, 0.03, 0.015], test=test)
    assert_close([res.estimate, res.se, res.pval, res.ci_lb],
                 [out["b"], out["se"], out["pval"], out["ci.lb"]], RTOL, 1e-15, test)
    if out["QM"] is None:
        assert np.isnan(res.QM) and np.isnan(res.QMp)
    else:
        assert_close([res.QM, res.QMp], [out["QM"], out["QMp"]], RTOL, 0, test)


def test_confint_honours_tau2_max_as_metafor():
    cd = pd.DataFrame(CASES["confint/control"]["input"]["data"])
    for name, res, ctl in (
            ("confint/model_tau2max", rma(cd.yi, cd.vi, control={"tau2_max": 0.5}), None),
            ("confint/control", rma(cd.yi, cd.vi), {"tau2_max": 0.5, "tol": 1e-12})):
        out = CASES[name]["output"]
        ci = res.confint(control=ctl)
        # default tol: same uniroot iterates; tol 1e-12: both at the root
        assert_close([ci.tau2, ci.tau2_lb, ci.tau2_ub], out["tau2"], RTOL, 0, name)
        assert (ci.lb_sign, ci.ub_sign) == (out["lb.sign"], out["ub.sign"]) == ("", ">")


def test_subgroups_keep_the_level():
    d = SMALL
    res = runecon.subgroups(np.r_[d.yi, d.yi + 0.1], np.r_[d.vi, d.vi], ["a"] * 4 + ["b"] * 4,
                            level=90)
    assert res.level == 90


# ----------------------------------------------------------------------------- class 1
@pytest.mark.parametrize("name", sorted(n for n in CASES if n.startswith("permutest_offset/")))
def test_exact_permutest_with_offset_equals_metafor(name):
    """Sign flips / permutations of effects near 1e6: p counts the observed ordering (never 0)."""
    inp, out = CASES[name]["input"], CASES[name]["output"]
    d = pd.DataFrame(inp["data"])
    if inp["mods"]:
        res = rma("yi", "vi", mods=inp["mods"], data=d, method=inp["method"])
    else:
        res = rma(d.yi.to_numpy(), d.vi.to_numpy(), method=inp["method"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuneconWarning)
        pt = permutest(res, exact=True, fallback=False)
    assert np.all(pt.pval > 0) and pt.QMp > 0
    assert_close(pt.zval, out["zval"], RTOL_OFFSET, 0, "zval")
    if name == "permutest_offset/int/REML":
        # sign flips of effects near 1e6 give tau2 ~ 1e12, where Fisher scoring with
        # metafor's absolute threshold 1e-5 converges only by rounding luck: metafor drops
        # 4 of the 64 flips (p = 3/60), runecon 30 (p = 2/34); with the bracketing fallback
        # every flip is fitted and p = 2/64 (the observed data and all signs flipped)
        assert pt.n_failed > 0 and out["pval"] == 3 / 60
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuneconWarning)
            assert permutest(res, exact=True).pval == 2 / 64
        return
    assert_close(pt.pval, out["pval"], 1e-12, 0, "pval")
    assert_close(pt.QMp, out["QMp"], 1e-12, 0, "QMp")


@pytest.mark.parametrize("offset", [0, 1e6, 1e7])
def test_rma_mv_with_offset_equals_metafor_at_offset_0(offset):
    """konstantopoulos2011 (district/school) + offset: metafor's nlminb fails at 1e6 and
    1e7 (recorded in the reference; validation/README.md); runecon gives metafor's
    offset-0 fit shifted by the offset."""
    k = cases_by_name("metafor_rma_mv.json")["konstantopoulos2011_int_REML_z"]["input"]
    ref = CASES["rma_mv_offset/0"]["output"]
    if offset:
        assert "did not achieve convergence" in CASES[f"rma_mv_offset/{offset:g}"]["output"]["error"]
    res = rma_mv(np.asarray(k["yi"]) + offset, k["vi"], cluster=k["cluster"], es_id=k["es_id"])
    assert_close(res.beta[0] - offset, ref["b"], 1e-6, 1e-8, "beta")
    assert_close(res.sigma2, ref["sigma2"], 1e-6, 0, "sigma2")
    assert_close(res.se, ref["se"], 1e-6, 0, "se")
    assert_close(res.QE, ref["QE"], 1e-8, 0, "QE")
    assert_close(res.ll, ref["ll"], 1e-8, 0, "ll")


# ----------------------------------------------------------------------------- properties
def _random(seed, k=8, p=1):
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.3, k)
    y = rng.normal(0.3, np.sqrt(v + 0.05))
    X = rng.uniform(0, 10, (k, p - 1)) if p > 1 else None
    return y, v, X


@pytest.mark.parametrize("seed", [pytest.param(s, marks=pytest.mark.slow) if s >= 6 else s
                                  for s in range(30)])
@pytest.mark.parametrize("method", METHODS)
def test_shift_scale_permutation_invariance(seed, method):
    """yi + c, (a yi, a^2 vi) and reordering give the transformed fit (exact properties of
    every estimator: tau2 scales by a^2, beta by a, z, p, I2, QE are unchanged)."""
    y, v, X = _random(seed, p=1 + seed % 3)
    # metafor's threshold and uniroot tol are absolute (in units of tau2): tight and scaled
    # with the units so that the iterations stop at the same relative precision
    con = {"threshold": 1e-12, "tol": 1e-12} if method != "FE" else None
    kw = dict(method=method, mods=X)
    try:
        base = rma(y, v, control=con, **kw)
    except ConvergenceError:
        return
    shifted = rma(y + 1e7, v, control=con, **kw)
    # y + 1e7 is rounded to its ulp (1.9e-9): absolute errors of that order, no more
    assert_close(shifted.beta[0] - 1e7, base.beta[0], 0, 1e-7, "beta shift")
    assert_close(shifted.beta[1:], base.beta[1:], 0, 1e-8, "slopes shift")
    assert_close(shifted.tau2, base.tau2, 0, 1e-8, "tau2 shift")
    assert_close(shifted.QE, base.QE, 1e-7, 1e-8, "QE shift")
    a = 1e3
    scon = None if con is None else {key: val * a * a for key, val in con.items()}
    scaled = rma(a * y, a * a * v, control=scon, **kw)
    assert_close(scaled.beta, a * np.asarray(base.beta), 1e-8, 1e-9, "beta scale")
    assert_close(scaled.tau2, a * a * base.tau2, 1e-6, 1e-9, "tau2 scale")
    assert_close(scaled.zval, base.zval, 1e-7, 1e-9, "z scale")
    perm = np.random.default_rng(seed).permutation(len(y))
    permuted = rma(y[perm], v[perm], method=method, control=con,
                   mods=None if X is None else X[perm])
    assert_close(permuted.beta, base.beta, 1e-9, 1e-12, "beta permutation")
    assert_close(permuted.tau2, base.tau2, 1e-8, 1e-12, "tau2 permutation")


@pytest.mark.parametrize("adjust", ["CR2", "CR1", "CR0"])
def test_robust_is_invariant_to_units(adjust):
    """Class 2: yi x 1e3, vi x 1e6 -> identical t, df and p (relative eigenvalue cut-off)."""
    rng = np.random.default_rng(7)
    k = 12
    cl = np.repeat(np.arange(4), 3)
    v = rng.uniform(0.01, 0.1, k)
    y = rng.normal(0.2, 0.3, k)
    x = rng.uniform(0, 1, k)
    base = robust(rma_mv(y, v, cluster=cl, mods=x), adjust=adjust)
    for a in (1e3, 1e-4):
        r = robust(rma_mv(a * y, a * a * v, cluster=cl, mods=x), adjust=adjust)
        assert_close(r.tval, base.tval, 1e-6, 0, f"t at scale {a}")
        assert_close(r.df, base.df, 1e-6, 0, f"df at scale {a}")
        assert_close(r.pval, base.pval, 1e-6, 0, f"p at scale {a}")


def test_rma_mv_shift_invariance():
    rng = np.random.default_rng(3)
    cl = np.repeat(np.arange(6), 3)
    v = rng.uniform(0.01, 0.1, 18)
    y = rng.normal(0.2, 0.3, 18) + np.repeat(rng.normal(0, 0.3, 6), 3)
    base = rma_mv(y, v, cluster=cl)
    for off in (1e6, 1e7):
        r = rma_mv(y + off, v, cluster=cl)
        assert_close(r.beta[0] - off, base.beta[0], 0, 1e-7, "beta")
        assert_close(r.sigma2, base.sigma2, 1e-6, 1e-10, "sigma2")
        assert_close(r.se, base.se, 1e-6, 0, "se")
        assert_close(r.QE, base.QE, 1e-8, 0, "QE")
