"""runecon.rma() against R metafor 3.8.1 on every estimator x test combination.

Reference values: tests/data/metafor_rma_uni.json, written by validation/metafor/rma_uni.R
(its header records the R, metafor and metadat versions). R is not needed here.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import cases_by_name, load_reference
from runecon import rma
from runecon.errors import ConvergenceError, RuneconWarning

REF = "metafor_rma_uni.json"
CASES = cases_by_name(REF)

# Closed-form quantities (and everything downstream of tau2) agree with metafor up to
# floating-point summation order and R's QR-based inverse vs numpy's solve: ~1e-14 in
# practice; 1e-10 leaves room for ill-conditioned meta-regressions (ablat + alloc).
RTOL_CLOSED = 1e-10
# Iterative tau2 (Fisher scoring for ML/REML/EB, uniroot for PM and the Q-profile limits):
# runecon repeats metafor's iterations step for step (same start, same stopping rule,
# same Brent/zeroin iterates), so the result is the same iterate; only rounding in each
# step differs. The tolerance is the same as for closed forms; it is a separate name so
# that a change of algorithm shows up here, not hidden in a wider closed-form tolerance.
RTOL_ITER = 1e-10
# Absolute floor for values that are (near) zero: tau2 truncated at 0, REML tau2 ~ 1e-7
# on Raudenbush (1985), t statistics of coefficients close to 0, tail p-values ~1e-26.
ATOL = 1e-12

METHODS = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
TESTS = ("z", "t", "knha", "adhoc")
INTERCEPT_ONLY = ("bcg_rr", "normand1999_md", "balsalobre2016_smd",
                  "balsalobre2016_smd_without_paavolainen")
META_REGRESSION = ("bcg_rr_ablat", "bcg_rr_factor_alloc", "bcg_rr_ablat_alloc",
                   "raudenbush1985_weeks")
GRID = [f"{d}/{m}/{t}" for d in INTERCEPT_ONLY + META_REGRESSION for m in METHODS for t in TESTS]
EXTRA = sorted(set(CASES) - set(GRID))


def _fit(inp):
    data = pd.DataFrame(inp["data"])
    control = None
    if inp.get("control"):
        control = {key: val for key, val in inp["control"].items()}
    kw = dict(method=inp["method"], test=inp["test"], level=inp["level"], tau2=inp.get("tau2"),
              control=control)
    if inp.get("mods"):
        return rma("yi", "vi", mods=inp["mods"], data=data, slab="slab", **kw)
    return rma(data["yi"].to_numpy(), data["vi"].to_numpy(), slab=list(data["slab"]), **kw)


def _close(name, actual, expected, rtol):
    exp = np.atleast_1d(np.asarray(expected, dtype=float))
    act = np.atleast_1d(np.asarray(actual, dtype=float)).reshape(exp.shape)
    np.testing.assert_allclose(act, exp, rtol=rtol, atol=ATOL, err_msg=name)


def _check(case):
    out = case["output"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = _fit(case["input"])
    # metafor's ll0 check: tau2 reset to 0 with a warning (synthetic_ll0check/ML)
    if case["name"] == "synthetic_ll0check/ML/z":
        assert any(issubclass(w.category, RuneconWarning) for w in caught)
        assert out["tau2"] == 0
    iterative = case["input"]["method"] in ("ML", "REML", "EB", "PM") and case["input"].get("tau2") is None
    rt = RTOL_ITER if iterative else RTOL_CLOSED
    names = out["coef_names"]
    assert list(res.coef_names) == ([names] if isinstance(names, str) else names)
    for ours, theirs in [("beta", "b"), ("se", "se"), ("zval", "zval"), ("pval", "pval"),
                         ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub"), ("vb", "vb"), ("tau2", "tau2"),
                         ("I2", "I2"), ("H2", "H2"), ("QE", "QE"), ("QEp", "QEp"), ("QM", "QM"),
                         ("QMp", "QMp"), ("weights", "weights")]:
        _close(ours, getattr(res, ours), out[theirs], rt)
    # QE and its p-value do not depend on tau2: always closed form
    _close("QE (closed)", res.QE, out["QE"], RTOL_CLOSED)
    if out.get("se.tau2") is None:
        assert res.se_tau2 is None
    else:
        _close("se_tau2", res.se_tau2, out["se.tau2"], rt)
    assert res.df == out.get("ddf")
    assert res.QMdf == (out["QMdf"][0], out["QMdf"][1])
    if out.get("R2") is None:
        assert res.R2 is None
    else:
        _close("R2", res.R2, out["R2"], rt)
    method = case["input"]["method"]
    if method in ("ML", "REML"):
        _close("ll", res.ll, out["ll." + method], rt)
    else:
        assert res.ll is None
    newmods = case["input"].get("newmods")
    pr = res.predict(newmods=None if newmods is None else np.asarray(newmods, dtype=float))
    for ours, theirs in [("pred", "pred"), ("se", "se"), ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub"),
                         ("pi_lb", "pi.lb"), ("pi_ub", "pi.ub")]:
        if out["predict"].get(theirs) is None:  # FE: metafor has no prediction interval
            assert getattr(pr, ours) is None, ours
        else:
            _close("predict." + ours, getattr(pr, ours), out["predict"][theirs], rt)
    if "confint" in out:
        ci = res.confint()
        ref = out["confint"]
        for j, key in enumerate(("tau2", "tau", "I2", "H2")):
            _close(f"confint.{key}", getattr(ci, key), ref["estimate"][j], rt)
            _close(f"confint.{key}_lb", getattr(ci, key + "_lb"), ref["ci.lb"][j], RTOL_ITER)
            _close(f"confint.{key}_ub", getattr(ci, key + "_ub"), ref["ci.ub"][j], RTOL_ITER)
        assert (ci.lb_sign, ci.ub_sign, ci.ci_null) == (ref["lb.sign"], ref["ub.sign"], ref["ci.null"])


def test_reference_grid_is_complete():
    """Every estimator x test for four intercept-only and four meta-regression data sets."""
    header = load_reference(REF)["header"]
    assert header["metafor_version"] == "3.8.1"
    missing = [n for n in GRID if n not in CASES]
    assert not missing, f"reference grid lost cases: {missing[:5]}"
    failed = [n for n in GRID if "error" in CASES[n]["output"]]
    assert not failed, f"metafor failed on grid cases: {failed}"
    assert len(GRID) == 8 * 9 * 4
    # the extra cases (levels, fixed tau2, control settings, metafor errors) cannot vanish
    # unnoticed either: 8 x 9 x 4 grid cases + 22 extras, 3 of which are metafor errors
    assert len(CASES) == len(GRID) + 22 and len(EXTRA) == 22
    assert sum("error" in CASES[n]["output"] for n in EXTRA) == 3
    # every case with an estimated tau2 carries metafor's Q-profile CI, so that _check
    # compares confint() wherever it exists (a failed confint in R would drop it silently)
    no_ci = [n for n, c in CASES.items() if c["input"]["method"] != "FE"
             and c["input"].get("tau2") is None and "error" not in c["output"]
             and "confint" not in c["output"]]
    assert not no_ci, no_ci
    # the grid includes tau2 truncated at zero for intercept-only and meta-regression models
    assert CASES["balsalobre2016_smd_without_paavolainen/DL/z"]["output"]["tau2"] == 0
    assert CASES["raudenbush1985_weeks/DL/z"]["output"]["tau2"] == 0


@pytest.mark.parametrize("name", GRID)
def test_grid_case_equals_metafor(name):
    _check(CASES[name])


@pytest.mark.parametrize("name", [n for n in EXTRA if "error" not in CASES[n]["output"]])
def test_extra_case_equals_metafor(name):
    """Other confidence levels, user-fixed tau2, step-halving control."""
    _check(CASES[name])


@pytest.mark.parametrize("name", [n for n in EXTRA if "error" in CASES[n]["output"]])
def test_nonconvergence_raises_like_metafor(name):
    """metafor stops with an error; runecon raises ConvergenceError with the iterations."""
    with pytest.raises(ConvergenceError) as exc:
        _fit(CASES[name]["input"])
    maxiter = (CASES[name]["input"].get("control") or {}).get("maxiter", 100)
    assert exc.value.iterations == maxiter + 1
    # metafor counts the (maxiter + 1)-th step as a failure whatever its size
    assert 0 < exc.value.last_change < 1
    assert "did not converge" in str(exc.value)
