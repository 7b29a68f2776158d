"""rma(..., btt=) and confint(fixed=True) against R metafor.

Reference values: tests/data/metafor_btt.json, written by validation/metafor/btt.R
(dat.bcg log risk ratios, mods = ~ ablat + year + factor(alloc); REML and DL x tests z,
knha, t x btt default, 2, 2:3, 4:5, c(2, 4), "alloc", 1). R is not needed here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import assert_close, cases_by_name, load_reference
from runecon import rma
from runecon.errors import InputError

REF = "metafor_btt.json"
CASES = cases_by_name(REF)

# The design is ill-conditioned: year (~1950) next to the intercept gives cond(X'WX) ~ 3e11,
# so the first-order bound on the relative rounding error of beta and vb is cond * eps
# ~ 6e-5, and numpy's LAPACK and R's differ in rounding. Measured against metafor: beta
# 4e-9 (the intercept -14.5, se 38), QM 2e-10, QMp 7e-10, CI limits 1e-10 relative.
# 1e-8 covers that with a margin yet catches any real error (a wrong btt changes QM by >1%).
RTOL_QM = 1e-8
# REML tau2 and the Q-profile limits repeat metafor's iterates (see test_metafor_rma), but
# on top of the same ill-conditioned weighted least squares: the same 1e-8; a separate name
# so that an algorithm change shows up here.
RTOL_ITER = 1e-8
# Absolute floor for coefficients near zero (factor(alloc)systematic ~ 0.01).
ATOL = 1e-12
# A coefficient CI limit near zero is a difference of two numbers ~ se (DL/z: ablat's
# ci.ub = -0.024 + 0.024 = 1.1e-4) and loses digits by cancellation: compare it to
# RTOL_QM times the se scale (~0.01), i.e. 1e-10 absolute.
ATOL_CI = 1e-10


def _btt_python(btt):
    """metafor's 1-based btt (number, vector or string) -> runecon's 0-based btt."""
    if btt is None or isinstance(btt, str):
        return btt
    return [int(j) - 1 for j in np.atleast_1d(btt)]


def _fit(inp, btt="from-case"):
    data = pd.DataFrame(inp["data"])
    btt = _btt_python(inp.get("btt")) if isinstance(btt, str) and btt == "from-case" else btt
    return rma("yi", "vi", mods=inp["mods"], data=data, method=inp["method"], test=inp["test"],
               level=inp["level"], btt=btt)


def test_reference_cases_are_complete():
    header = load_reference(REF)["header"]
    assert header["metafor_version"] == "3.8.1"
    # 2 methods x 3 tests x 7 btt + 1 case at level 90
    assert len(CASES) == 2 * 3 * 7 + 1
    assert sum("confint" in c["output"] for c in CASES.values()) == 2 * 2 * 2 + 1
    # the string "alloc" selects both factor(alloc) dummies, as btt = 4:5
    for m in ("REML", "DL"):
        for t in ("z", "knha", "t"):
            assert CASES[f"{m}/{t}/btt=alloc"]["output"]["btt"] == [4, 5]
            assert CASES[f"{m}/{t}/btt=alloc"]["output"]["QM"] == CASES[f"{m}/{t}/btt=4:5"]["output"]["QM"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_btt_equals_metafor(name):
    case = CASES[name]
    out = case["output"]
    res = _fit(case["input"])
    assert list(res.coef_names) == out["coef_names"]
    assert [j + 1 for j in res.btt] == list(np.atleast_1d(out["btt"]))
    assert_close(res.QM, out["QM"], RTOL_QM, ATOL, "QM")
    assert_close(res.QMp, out["QMp"], RTOL_QM, ATOL, "QMp")
    assert res.QMdf == (out["QMdf"][0], out["QMdf"][1])
    assert res.df == out.get("ddf")
    # the printed moderator test (title, 1-based btt, statistic) is metafor's line for line
    lines = str(res).splitlines()
    i = lines.index(out["moderator_test_title"])
    assert lines[i + 1] == out["moderator_test_line"]
    if "confint" in out:
        ref = out["confint"]
        ci = res.confint(fixed=True)
        assert list(ci.coef_names) == ref["fixed_rows"]
        assert_close(ci.beta, ref["fixed.estimate"], RTOL_ITER, ATOL, "confint fixed estimate")
        assert_close(ci.beta_lb, ref["fixed.ci.lb"], RTOL_ITER, ATOL_CI, "confint fixed ci.lb")
        assert_close(ci.beta_ub, ref["fixed.ci.ub"], RTOL_ITER, ATOL_CI, "confint fixed ci.ub")
        # metafor: the fixed rows are the model's ci.lb / ci.ub at the same level
        assert_close(ci.beta_lb, out["ci.lb"], RTOL_ITER, ATOL_CI, "ci.lb")
        for j, key in enumerate(("tau2", "tau", "I2", "H2")):
            assert_close(getattr(ci, key + "_lb"), ref["random.ci.lb"][j], RTOL_ITER, ATOL, key)
            assert_close(getattr(ci, key + "_ub"), ref["random.ci.ub"][j], RTOL_ITER, ATOL, key)
        frame = ci.to_frame()
        assert list(frame.index) == ref["fixed_rows"] + ["tau2", "tau", "I2", "H2"]
        assert_close(frame["ci_ub"].to_numpy()[:5], ref["fixed.ci.ub"], RTOL_ITER, ATOL_CI, "frame")
        text = str(ci)
        assert "factor(alloc)systematic" in text and "tau^2" in text


def test_btt_by_names_and_numpy_integers():
    inp = CASES["REML/z/btt=2:3"]["input"]
    expected = CASES["REML/z/btt=2:3"]["output"]["QM"]
    for btt in (["ablat", "year"], np.array([1, 2]), (2, 1, 1), ["year", 1]):
        res = _fit(inp, btt=btt)
        assert res.btt == (1, 2)
        assert_close(res.QM, expected, RTOL_QM, ATOL, f"btt={btt!r}")
    # an exact name with regex metacharacters also works as a single string
    res = _fit(inp, btt="factor(alloc)random")
    assert res.btt == (3,)
    assert_close(res.QM, res.zval[3] ** 2, RTOL_QM, ATOL, "one coefficient: QM = z^2")


def test_default_btt_unchanged():
    inp = CASES["DL/knha/btt=default"]["input"]
    assert _fit(inp, btt=None).btt == (1, 2, 3, 4)


@pytest.mark.parametrize("btt", [[], 5, -1, [0, 7], "nonexistent", ["ablat", "Ablat"], 1.0,
                                 [True], "(", [None]])
def test_bad_btt_raises(btt):
    with pytest.raises(InputError) as exc:
        _fit(CASES["REML/z/btt=2"]["input"], btt=btt)
    assert exc.value.argument == "btt"


def test_confint_fixed_only_and_fixed_effects_model():
    data = pd.DataFrame(CASES["REML/z/btt=2"]["input"]["data"])
    fe = rma("yi", "vi", mods="~ ablat", data=data, method="FE")
    with pytest.raises(InputError):
        fe.confint()
    ci = fe.confint(fixed=True, random=False)
    assert ci.tau2 is None and not ci.has_random
    assert_close(ci.beta_lb, fe.ci_lb, 0, 0, "FE: fixed rows are the model's CI")
    assert list(ci.to_frame().index) == ["intrcpt", "ablat"]
    assert "tau" not in str(ci)
    with pytest.raises(InputError):
        fe.confint(fixed=False, random=False)
    # default confint() is unchanged: the random rows only
    re_ = rma("yi", "vi", mods="~ ablat", data=data)
    assert not re_.confint().has_fixed
    assert list(re_.confint().to_frame().index) == ["tau2", "tau", "I2", "H2"]
