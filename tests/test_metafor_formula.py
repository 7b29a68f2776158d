"""Formula moderators with interactions (``a:b``, ``a*b``) against R.

Reference values: tests/data/metafor_formula.json, written by validation/metafor/formula.R
(model.matrix() column names and values; metafor rma()/rma.mv() fits with interaction
moderators, REML and DL, z/knha/t tests, and predict() for new moderator values).
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

import runecon
from conftest import assert_close, cases_by_name, load_reference
from runecon import rma, rma_mv
from runecon._design import design_from_terms, parse_formula
from runecon.errors import InputError

REF = "metafor_formula.json"
CASES = cases_by_name(REF)
# 6 bcg formulas x (REML, DL) x (z, knha) + 2 Llanos-Lagos formulas x (z, t) + 17 model.matrix
N_CASES = 6 * 2 * 2 + 2 * 2 + 17

# Model matrices are exact products of data values and 0/1 indicators.
ATOL_X = 0.0
# rma(): same closed forms / same Fisher-scoring iterates as metafor (see
# test_metafor_rma.py), so only rounding differs: observed at most 4e-12 relative.
RTOL_RMA = 1e-10
ATOL_RMA = 1e-12
# ~ ablat * year with raw years (~1970): cond(X) ~ 7e7, so cond(X'WX) ~ 5e15 costs ~15
# digits in the worst case in both programs; observed 4e-8 relative / 8e-10 absolute
# (a prediction interval bound near 0.02).
RTOL_ILL = 1e-6
ATOL_ILL = 1e-8
# rma_mv(): metafor's nlminb stops within ~3e-7 of the optimum in sigma2 (see
# test_metafor_rma_mv.py); observed 5e-8 relative / 9e-10 absolute here.
RTOL_MV = 1e-5
ATOL_MV = 1e-8
# yi/vi of the Llanos-Lagos comparisons were printed by Python with 17 significant digits.
ATOL_INPUT = 1e-12


def test_case_count():
    assert len(load_reference(REF)["cases"]) == N_CASES


# ------------------------------------------------------------------- model.matrix names
MM = sorted(n for n in CASES if n.startswith("model_matrix/"))


@pytest.mark.parametrize("name", MM)
def test_model_matrix_equals_r(name):
    case = CASES[name]
    data = pd.DataFrame(case["input"]["data"])
    _, terms, data = parse_formula(case["input"]["mods"], data)
    X, names = design_from_terms(terms, data)
    out = case["output"]
    assert names[1:] == tuple(out["model_matrix_names"][1:])
    assert_close(X, out["X"], 0.0, ATOL_X, name)


# ---------------------------------------------------------------------------- fits
FITS = sorted(n for n in CASES if not n.startswith("model_matrix/"))


def _fit(inp):
    data = pd.DataFrame(inp["data"])
    if inp["function_"] == "rma":
        return rma("yi", "vi", mods=inp["mods"], data=data, method=inp["method"], test=inp["test"])
    return rma_mv("yi", "vi", cluster="cluster", es_id="es_id", mods=inp["mods"], data=data,
                  method=inp["method"], test=inp["test"])


@pytest.mark.parametrize("name", FITS)
def test_fit_equals_metafor(name):
    case = CASES[name]
    inp, out = case["input"], case["output"]
    res = _fit(inp)
    rtol, atol = (RTOL_RMA, ATOL_RMA) if inp["function_"] == "rma" else (RTOL_MV, ATOL_MV)
    if inp["mods"] == "~ ablat * year":
        rtol, atol = RTOL_ILL, ATOL_ILL
    assert res.coef_names == tuple(out["coef_names"])
    assert res.coef_names[1:] == tuple(out["model_matrix_names"][1:])
    for ours, theirs in [("beta", "b"), ("se", "se"), ("zval", "zval"), ("pval", "pval"),
                         ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub"), ("QM", "QM"), ("QMp", "QMp"),
                         ("QE", "QE")]:
        assert_close(getattr(res, ours), out[theirs], rtol, atol, f"{name}: {ours}")
    if inp["function_"] == "rma":
        assert_close(res.tau2, out["tau2"], rtol, atol, f"{name}: tau2")
    else:
        assert_close(res.sigma2, out["sigma2"], rtol, atol, f"{name}: sigma2")
    # predict() builds the same columns for new data, with the levels of the fit
    pr = res.predict(newmods=pd.DataFrame(inp["newdata"]))
    for ours, theirs in [("pred", "pred"), ("se", "se"), ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub"),
                         ("pi_lb", "pi.lb"), ("pi_ub", "pi.ub")]:
        if out["predict"].get(theirs) is not None:
            assert_close(getattr(pr, ours), out["predict"][theirs], rtol, atol,
                         f"{name}: predict.{ours}")


# --------------------------------------------------- C05: plyometric vs high-load by speed
@functools.lru_cache(maxsize=1)
def _llanoslagos():
    df = runecon.comparisons("running_economy", review="llanoslagos2024a")
    d = df[df["method"].isin(["high_load", "plyometric"])].dropna(subset=["speed_kmh"])
    return d.reset_index(drop=True)


def test_llanoslagos_input_is_what_runecon_computes():
    d = _llanoslagos()
    inp = CASES["llanoslagos2024a/~ speed_kmh * method/REML/t"]["input"]["data"]
    assert list(d["es_id"]) == inp["es_id"] and list(d["method"]) == inp["method"]
    for col in ("yi", "vi", "speed_kmh"):
        assert_close(d[col], inp[col], 0.0, ATOL_INPUT, col)


def test_llanoslagos_speed_by_method_interaction():
    d = _llanoslagos()
    res = rma_mv("yi", "vi", cluster="cluster", es_id="es_id", mods="~ speed_kmh * method",
                 data=d, test="t")
    assert res.coef_names == ("intrcpt", "speed_kmh", "methodplyometric",
                              "speed_kmh:methodplyometric")
    # hand check of the design: the interaction column is speed for plyometric rows, else 0
    ply = (d["method"] == "plyometric").to_numpy()
    np.testing.assert_array_equal(res.X[:, 2], ply.astype(float))
    np.testing.assert_array_equal(res.X[:, 3], np.where(ply, d["speed_kmh"], 0.0))
    out = CASES["llanoslagos2024a/~ speed_kmh * method/REML/t"]["output"]
    assert_close(res.beta, out["b"], RTOL_MV, ATOL_MV, "beta")
    # the slope for plyometric = speed_kmh + speed_kmh:methodplyometric: predictions at
    # 10 and 14 km/h for a plyometric study differ by 4 times that sum
    pr = res.predict(newmods={"speed_kmh": [10.0, 14.0], "method": ["plyometric"] * 2})
    assert pr.pred[1] - pr.pred[0] == pytest.approx(4 * (res.beta[1] + res.beta[3]), rel=1e-12)


# ------------------------------------------------------------------------ bad input
BCG = CASES["bcg/~ ablat * factor(alloc)/REML/z"]["input"]


@pytest.mark.parametrize("formula, piece", [
    ("~ I(ablat^2)", "I(ablat^2)"), ("~ ablat + log(year)", "log(year)"),
    ("~ ablat^2", "ablat^2"), ("~ ablat - 1", "ablat - 1"), ("~ ablat %in% alloc", "ablat %in% alloc"),
    ("~ ablat / alloc", "ablat / alloc"), ("~ 0 + ablat", "0")])
def test_unsupported_syntax_names_the_term(formula, piece):
    with pytest.raises(InputError, match="mods") as exc:
        rma("yi", "vi", mods=formula, data=pd.DataFrame(BCG["data"]))
    assert repr(piece) in str(exc.value)


@pytest.mark.parametrize("formula", ["~ ablat *", "~ (ablat + year", "~ ablat : : year"])
def test_malformed_formula(formula):
    with pytest.raises(InputError, match="mods"):
        rma("yi", "vi", mods=formula, data=pd.DataFrame(BCG["data"]))


def test_predict_rejects_unknown_level_and_missing_column():
    res = rma("yi", "vi", mods="~ ablat * factor(alloc)", data=pd.DataFrame(BCG["data"]))
    with pytest.raises(InputError, match="newmods"):
        res.predict(newmods={"ablat": 20.0, "alloc": "cluster"})
    with pytest.raises(InputError, match="newmods.*alloc"):
        res.predict(newmods={"ablat": 20.0})


def test_rank_deficient_interaction_is_refused():
    # every ablat:alloc cell with no main effect of alloc is fine, but f:g with the
    # intercept (all 6 indicator products) is collinear, as in R's model.matrix
    data = pd.DataFrame(BCG["data"])
    with pytest.raises(InputError, match="singular"):
        rma("yi", "vi", mods="~ alloc:era", data=data)
