"""runecon.netmeta against R metafor 3.8.1 (rma.mv with ``random = ~ comp | study, rho = 1/2``).

Reference values: validation/metafor/netmeta.R -> tests/data/metafor_netmeta.json
(dat.senn2013 MD and SMD from arm data; dat.hasselblad1998 and dat.dong2013 log odds ratios
given as contrasts with their covariance matrix V; FE, REML and the netmeta moment
estimator "DL"; Q decomposition, design-by-treatment test, SIDE node-splits, P-scores).

The R script builds the contrasts and V itself (baseline arm per study, shared-arm
covariances, Gleser & Olkin's SMD covariance) so the comparison covers runecon's
arm-to-contrast step too.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, cases_by_name

import runecon

REF = "metafor_netmeta.json"
CASES = cases_by_name(REF)

#: closed forms (FE, fixed tau2, the moment estimator, contrasts, Q statistics): observed
#: agreement <= 7e-14 (arithmetic in a different order); 1e-10 leaves room for BLAS
RTOL_CLOSED = 1e-10
ATOL_CLOSED = 1e-12
#: REML tau2: metafor's nlminb stops within ~1.4e-7 of the optimum (hasselblad1998:
#: 0.4323619 vs 0.4323620, same logLik to 1e-13); runecon solves the restricted score to
#: ~1e-12. 1e-6 absolute is ~7x the observed gap.
TAU2_ATOL_REML = 1e-6
#: logLik at both optima: observed difference <= 2e-13
LL_ATOL = 1e-8
#: estimates, SEs, intervals, P-scores, Q_inc inherit the tau2 gap: observed <= 2e-7
FIT_ATOL_REML = 2e-6


def _fit(case):
    i, o = case["input"], case["output"]
    if i["kind"].startswith("arms"):
        return runecon.netmeta(study=i["study"], treat=i["treat"], mean=i["mean"], sd=i["sd"],
                               n=i["n"], measure="MD" if i["kind"] == "arms_md" else "SMD",
                               reference=case["reference"], method=case["method"])
    c = o["contrasts"]
    V = np.array(c["V"])
    return runecon.netmeta(study=c["study"], treat1=c["treat1"], treat2=c["treat2"],
                           yi=c["yi"], vi=np.diag(V), V=V, reference=case["reference"],
                           method=case["method"])


def _tols(case):
    if case["method"] == "REML":
        return dict(rtol=0, atol=FIT_ATOL_REML)
    return dict(rtol=RTOL_CLOSED, atol=ATOL_CLOSED)


def test_reference_grid_is_complete():
    for data in ("senn2013_MD", "senn2013_SMD", "hasselblad1998_logOR", "dong2013_logOR"):
        for m in ("FE", "REML", "DL"):
            assert f"{data}_{m}" in CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_contrasts_and_covariance(name):
    """Contrasts vs each study's baseline and the shared-arm covariances equal R's."""
    case = CASES[name]
    res = _fit(case)
    c = case["output"]["contrasts"]
    assert list(res.contrasts["treat1"]) == c["treat1"]
    assert list(res.contrasts["treat2"]) == c["treat2"]
    assert_close(res.contrasts["yi"], c["yi"], RTOL_CLOSED, ATOL_CLOSED, "yi")
    assert_close(res.V, np.array(c["V"]), RTOL_CLOSED, ATOL_CLOSED, "V")


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit(name):
    case = CASES[name]
    res = _fit(case)
    o = case["output"]
    assert list(res.treatments) == case["treatments"]
    if case["method"] == "REML":
        assert res.tau2 == pytest.approx(o["tau2"], abs=TAU2_ATOL_REML)
        assert res.logLik == pytest.approx(o["logLik"], abs=LL_ATOL)
    else:
        assert res.tau2 == pytest.approx(o["tau2"], rel=RTOL_CLOSED, abs=ATOL_CLOSED)
    tol = _tols(case)
    assert_close(res.estimates["estimate"], o["b"], what="b", **tol)
    assert_close(res.estimates["se"], o["se"], what="se", **tol)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "QE" in CASES[n]["output"]))
def test_intervals_and_heterogeneity(name):
    case = CASES[name]
    res = _fit(case)
    o = case["output"]
    tol = _tols(case)
    # metafor's predict() of a common-effect model has no PI: the PI equals the CI there
    lb = o["pi_lb"] or o["ci_lb"]
    ub = o["pi_ub"] or o["ci_ub"]
    assert_close(res.estimates["ci_lb"], o["ci_lb"], what="ci_lb", **tol)
    assert_close(res.estimates["ci_ub"], o["ci_ub"], what="ci_ub", **tol)
    assert_close(res.estimates["pi_lb"], lb, what="pi_lb", **tol)
    assert_close(res.estimates["pi_ub"], ub, what="pi_ub", **tol)
    assert res.Q == pytest.approx(o["QE"], rel=RTOL_CLOSED)
    assert res.df_Q == o["QEdf"]


@pytest.mark.parametrize("name", sorted(n for n in CASES if "QE" in CASES[n]["output"]))
def test_design_by_treatment(name):
    case = CASES[name]
    inc = _fit(case).inconsistency
    o = case["output"]
    assert inc["Q_within"] == pytest.approx(o["Q_within"], rel=RTOL_CLOSED, abs=ATOL_CLOSED)
    assert inc["Q_between"] == pytest.approx(o["Q_between"], rel=RTOL_CLOSED, abs=1e-10)
    assert inc["df_within"] == o["df_within"]
    assert inc["df_between"] == o["df_between"]
    if case["method"] == "REML":
        assert inc["tau2_full"] == pytest.approx(o["tau2_full"], abs=TAU2_ATOL_REML)
        assert inc["Q_inc"] == pytest.approx(o["Q_inc"], abs=FIT_ATOL_REML * 100)
    else:
        assert inc["tau2_full"] == pytest.approx(o["tau2_full"], abs=1e-12)
        assert inc["Q_inc"] == pytest.approx(o["Q_inc"], rel=RTOL_CLOSED)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "QE" in CASES[n]["output"]))
def test_nodesplit(name):
    case = CASES[name]
    ns = _fit(case).nodesplit
    ref = case["output"]["nodesplit"]
    assert len(ns) == len(ref)
    tol = _tols(case)
    for row, r in zip(ns.itertuples(), ref):
        assert (row.treat1, row.treat2, row.k_direct) == (r["treat1"], r["treat2"], r["k_direct"])
        for f in ("direct", "se_direct", "indirect", "se_indirect", "diff", "se_diff", "pval"):
            assert_close(getattr(row, f), r[f], what=f"{row.treat1} vs {row.treat2}: {f}", **tol)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "QE" in CASES[n]["output"]))
def test_pscores(name):
    case = CASES[name]
    res = _fit(case)
    ps = dict(zip(res.pscores["treatment"], res.pscores["pscore"]))
    assert_close([ps[t] for t in case["treatments"]], case["output"]["pscores"],
                 what="P-scores", **_tols(case))
