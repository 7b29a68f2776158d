"""Reproduction of Llanos-Lagos et al. 2024a (Sports Med 2024;54:895-932,
doi:10.1007/s40279-023-01978-y): running economy, pooled per training method by a
three-level random-effects model (comparisons within study groups), REML, t-based inference
as metafor's ``rma.mv(yi, vi, random = ~ 1 | cluster/es_id, test = "t")``.

Printed values: Sect. 3.4, printed pp. 910 and 917 (also data/pooled.csv,
llanoslagos2024a_01 ... _06). Effect sizes: between-group Hedges' g of change scores
standardised by the pooled post-test SD, Borenstein-Hedges variance, control n divided among
same-method arms, with the corrections of data/sources/llanoslagos2024_checks.md
(scenario C_inferred: Skovgaard, Johnston and Pellegrino spreads are SEs; Piacentini's control
post SD 40 is 4.0; Turner's m/ml/kg sign reversed). The metafor fits on exactly these inputs
are in tests/data/metafor_rma_mv.json (validation/metafor/rma_mv.R).
Differences from the printed values and their causes: validation/README.md.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import cases_by_name

import runecon

CASES = cases_by_name("metafor_rma_mv.json")
METHODS = ("high_load", "plyometric", "submaximal", "isometric", "combined")
#: the sensitivity analysis without the two combined-method outliers (Paavolainen [8] and
#: Li [20] at 16 km/h, both absent from the combined forest plot), k = 18
OUTLIERS = "combined_without_outliers"

#: Sect. 3.4 (pp. 910, 917): estimate, 95 % CI, Cochran's Q
PRINTED = {
    "high_load": (-0.266, -0.516, -0.015, 16.816),
    "plyometric": (-0.122, -0.299, 0.054, 16.855),
    "submaximal": (-0.365, -0.875, 0.146, 1.607),
    "isometric": (-0.269, -0.790, 0.252, 3.276),
    "combined": (-0.647, -1.140, -0.154, 40.696),
    OUTLIERS: (-0.426, -0.768, -0.083, 19.3),
}
#: printed to 3 decimals: a reproduced value lies within half a unit of the last digit
PRINTED_ROUNDING = 0.0005 + 1e-12
#: submaximal and combined differ from the printed values by 0.001-0.005 because the
#: authors' per-comparison inputs differ slightly from those recomputed from the printed
#: Table 3 (their Q differs too: 1.607 vs 1.621, 40.696 vs 40.985); the re-analysis in
#: llanoslagos2024_checks.md (d) counts |d estimate| <= 0.003 and |d bound| <= 0.007 as
#: reproduced
NEAR_EST, NEAR_BOUND = 0.003, 0.007
#: Q of high load and plyometric: printed 16.816 and 16.855; the same inputs give 16.8157
#: (metafor and runecon) and 16.8526, i.e. plyometric differs by 0.0024 -- more than the
#: printed rounding, so a stated bound rather than PRINTED_ROUNDING (the estimate and CI do
#: round to the printed digits)
Q_NEAR = 0.0025
#: submaximal, combined and without-outliers: the printed Q differs from ours by 0.014 -
#: 0.29 (1.607 vs 1.621, 40.696 vs 40.985, 19.3 vs 19.552); the window asserts that the
#: inputs differ slightly (> 0.01) and not grossly (< 0.3)
Q_DIFF_MIN, Q_DIFF_MAX = 0.01, 0.3
#: runecon vs metafor on the same data: metafor's optimiser stops within ~3e-7 of the
#: REML optimum in sigma2 (see tests/test_metafor_rma_mv.py), moving beta and the CI by < 1e-6
ATOL_METAFOR = 1e-6
#: corrected SDs in data/corrections.csv carry 10 significant digits; R used the exact
#: products spread * sqrt(n): yi/vi agree to ~5e-11
ATOL_INPUT = 1e-9


@functools.lru_cache(maxsize=1)
def _comparisons():
    return runecon.comparisons("running_economy", review="llanoslagos2024a", corrected=True)


def _case(method):
    return CASES[f"llanoslagos2024a_{method}_REML_t"]


def _fit(method):
    i = _case(method)["input"]
    return runecon.rma_mv(i["yi"], i["vi"], cluster=i["cluster"], es_id=i["es_id"],
                          method="REML", test="t")


@pytest.mark.parametrize("method", METHODS + (OUTLIERS,))
def test_runecon_equals_metafor_on_the_same_data(method):
    res, out = _fit(method), _case(method)["output"]
    assert res.k == out["k"] and res.df == out["k"] - 1
    for f in ("beta", "se", "ci_lb", "ci_ub", "pval"):
        np.testing.assert_allclose(getattr(res, f), out[f], rtol=0, atol=ATOL_METAFOR, err_msg=f)
    np.testing.assert_allclose(res.QE, out["QE"], rtol=1e-10)


def test_k_per_method_as_printed():
    # Sect. 3.2 / 3.4: 19, 28, 7, 7, 20 effect sizes (Q df 18, 27, 6, 6, 19)
    assert {m: _fit(m).k for m in METHODS} == {"high_load": 19, "plyometric": 28,
                                               "submaximal": 7, "isometric": 7, "combined": 20}


@pytest.mark.parametrize("method", ["high_load", "plyometric"])
def test_reproduces_printed_within_rounding(method):
    res = _fit(method)
    est, lb, ub, q = PRINTED[method]
    assert abs(res.estimate - est) <= PRINTED_ROUNDING
    assert abs(res.ci_lb - lb) <= PRINTED_ROUNDING
    assert abs(res.ci_ub - ub) <= PRINTED_ROUNDING
    assert abs(res.QE - q) <= Q_NEAR


@pytest.mark.parametrize("method", ["submaximal", "combined", OUTLIERS])
def test_reproduces_printed_up_to_small_input_differences(method):
    res = _fit(method)
    est, lb, ub, q = PRINTED[method]
    assert abs(res.estimate - est) <= NEAR_EST
    assert max(abs(res.ci_lb - lb), abs(res.ci_ub - ub)) <= NEAR_BOUND
    # the cause: the pooled inputs differ slightly (Q; printed 19.3 has one decimal), not
    # the model
    assert Q_DIFF_MIN < abs(res.QE - q) < Q_DIFF_MAX


def test_isometric_does_not_reproduce():
    """Documented difference (validation/README.md): runecon = metafor = -0.251
    [-0.725, 0.223] against the printed -0.269 [-0.790, 0.252]; Q 2.587 vs 3.276."""
    res = _fit("isometric")
    est, lb, ub, q = PRINTED["isometric"]
    out = _case("isometric")["output"]                   # metafor on the same inputs
    assert res.estimate == pytest.approx(out["beta"], abs=ATOL_METAFOR)
    assert abs(res.estimate - est) > 0.01
    assert abs(res.ci_lb - lb) > 0.05 and abs(res.QE - q) > 0.5


def test_printed_values_match_the_data_package():
    import pandas as pd
    from runecon.config import DATA_DIR
    pooled = pd.read_csv(DATA_DIR / "pooled.csv").set_index("pooled_id")
    ids = {"high_load": "llanoslagos2024a_01", "combined": "llanoslagos2024a_02",
           "submaximal": "llanoslagos2024a_04", "plyometric": "llanoslagos2024a_05",
           "isometric": "llanoslagos2024a_06", OUTLIERS: "llanoslagos2024a_03"}
    for m, pid in ids.items():
        row = pooled.loc[pid]
        assert (row.estimate, row.ci_lb, row.ci_ub) == PRINTED[m][:3]


@pytest.mark.parametrize("method", METHODS + (OUTLIERS,))
def test_comparisons_give_the_reference_inputs(method):
    """runecon.comparisons(review="llanoslagos2024a") rebuilds the yi/vi that R computed
    from the printed Table 3, with the same cluster structure."""
    d = _comparisons()
    if method == OUTLIERS:
        d = d[(d.method == "combined") & (d.study_id != "paavolainen1999")
              & ~((d.study_id == "li2019") & (d.speed_kmh == 16.0))]
    else:
        d = d[d.method == method]
    d = d.sort_values("yi")
    i = _case(method)["input"]
    order = np.argsort(i["yi"])
    np.testing.assert_allclose(d.yi.to_numpy(), np.asarray(i["yi"])[order], rtol=0, atol=ATOL_INPUT)
    np.testing.assert_allclose(d.vi.to_numpy(), np.asarray(i["vi"])[order], rtol=0, atol=ATOL_INPUT)
    # same partition into clusters: a one-to-one map between the two cluster labellings
    pairs = set(zip(d.cluster, np.asarray(i["cluster"])[order]))
    assert len(pairs) == d.cluster.nunique() == len(set(i["cluster"]))
    res = runecon.rma_mv(d.yi, d.vi, cluster=d.cluster, test="t")
    out = _case(method)["output"]
    np.testing.assert_allclose([res.estimate, res.ci_lb, res.ci_ub],
                               [out["beta"], out["ci_lb"], out["ci_ub"]], rtol=0, atol=ATOL_METAFOR)
