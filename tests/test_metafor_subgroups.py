"""runecon.subgroups against metafor 3.8.1 on dat.bcg by allocation
(validation/metafor/subgroups.R)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import cases_by_name

import runecon
from runecon.errors import InputError

# Closed-form quantities (FE, DL and everything computed from a given tau2) agree to
# rounding; 1e-10 relative leaves room for the accumulation over k = 13.
RTOL_CLOSED = 1e-10
# Iterative tau2 (REML, PM): runecon.rma runs metafor's own iteration and stopping rule
# (threshold 1e-5), so here results agree to ~1e-14; 1e-8 leaves margin for another
# iteration count on another platform while still catching any formula difference.
RTOL_ITERATIVE = 1e-8
ATOL_ITERATIVE = 1e-10
# Absolute floor for values that are (near) zero in closed forms (tau2 truncated at 0).
ATOL_CLOSED = 1e-12

REF = cases_by_name("metafor_subgroups.json")


def _tol(name):
    it = "_REML_" in name or "_PM_" in name
    return dict(rtol=RTOL_ITERATIVE, atol=ATOL_ITERATIVE) if it else dict(rtol=RTOL_CLOSED,
                                                                          atol=ATOL_CLOSED)


@pytest.mark.parametrize("name", sorted(REF))
def test_subgroups_equal_metafor(name):
    case = REF[name]
    _, _, tau2, method, test = name.split("_")
    inp, out = case["input"], case["output"]
    res = runecon.subgroups(inp["yi"], inp["vi"], inp["groups"], method=method, tau2=tau2,
                            test=test)
    tol = _tol(name)
    per = out["per_group"]
    assert list(res.table["group"]) == per["group"]
    assert list(res.table["k"]) == per["k"]
    for col in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub"):
        np.testing.assert_allclose(res.table[col], per[col], err_msg=col, **tol)
    if tau2 == "separate":
        for col in ("tau2", "I2", "QE", "QEp"):
            np.testing.assert_allclose(res.table[col], per[col], err_msg=col, **tol)
    else:
        np.testing.assert_allclose(res.table["tau2"], out["tau2"], **tol)
        if test != "z":
            assert res.statistic == "F" and res.df2 == out["df2"]
    np.testing.assert_allclose(res.Qb, out["Qb"], **tol)
    np.testing.assert_allclose(res.pval, out["pval"], **tol)
    assert res.df == out["df"]


def test_grid_complete():
    want = {f"bcg_alloc_{t}_{m}_{x}" for t in ("separate", "pooled")
            for m in ("REML", "DL", "FE", "PM") for x in ("z", "knha", "t")}
    assert want <= set(REF)
    assert len(want) == len(REF) == 24


def test_printing_and_frame():
    case = REF["bcg_alloc_separate_REML_z"]
    df = pd.DataFrame({"yi": case["input"]["yi"], "vi": case["input"]["vi"],
                       "alloc": case["input"]["groups"]})
    res = runecon.subgroups("yi", "vi", "alloc", data=df)
    s = str(res)
    assert "Test of subgroup differences: Qb(df = 2)" in s and "systematic" in s
    assert "<table" in res._repr_html_()
    fr = res.to_frame()
    assert list(fr["group"]) == ["alternate", "random", "systematic"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.Qb = 0  # frozen


def test_bad_input():
    with pytest.raises(InputError) as e:
        runecon.subgroups([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], ["a", "a", "a"])
    assert e.value.argument == "groups"
    with pytest.raises(InputError) as e:
        runecon.subgroups([0.1, 0.2], [0.1, 0.1], ["a", "b", "b"])
    assert e.value.argument == "groups"
    with pytest.raises(InputError) as e:
        runecon.subgroups([0.1, 0.2], [0.1, 0.1], ["a", "b"], tau2="common")
    assert e.value.argument == "tau2"


@pytest.mark.parametrize("yi, vi, argument, position", [
    ([0.1, 0.2, 0.3, 0.4, 0.5, np.nan], [0.1] * 6, "yi", "position 6"),
    ([0.1] * 6, [0.1, 0.1, 0.1, -1.0, 0.1, 0.1], "vi", "position 4"),
    ([0.1] * 6, [0.1] * 5, "vi", "length 5"),
])
def test_bad_values_are_located_in_the_callers_rows(yi, vi, argument, position):
    """Positions count the caller's rows (1-based, as rma), not rows within a subgroup."""
    with pytest.raises(InputError) as e:
        runecon.subgroups(yi, vi, list("aabbcc"))
    assert e.value.argument == argument and position in str(e.value)


def test_missing_column_or_text_values_are_input_errors():
    df = pd.DataFrame({"yi": [0.1, 0.2, 0.3, 0.4], "vi": [0.1] * 4, "g": list("aabb")})
    with pytest.raises(InputError) as e:
        runecon.subgroups("yi", "v", "g", data=df)
    assert e.value.argument == "vi"
    with pytest.raises(InputError) as e:
        runecon.subgroups(["a", "b", "c", "d"], [0.1] * 4, list("aabb"))
    assert e.value.argument == "yi"
