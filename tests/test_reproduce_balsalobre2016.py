"""Reproduce the pooled running-economy effect of Balsalobre-Fernández et al. (2016).

Source: Balsalobre-Fernández C, Santos-Concejero J, Grivas GV. Effects of strength training
on running economy in highly trained runners: a systematic review with meta-analysis of
controlled trials. J Strength Cond Res 2016;30(8):2361–2368, doi:10.1519/JSC.0000000000001316.
- Table 3: the five per-study SMDs with 95% CIs (the numbers used below).
- Abstract: pooled SMD −1.42 [−2.23, −0.60]; Results ("Effects of strength training on
  running economy"): I² = 61 %, and the pooled SMD printed as −1.43 [−2.23, −0.64] (the
  Results text and the abstract disagree; the abstract's numbers are the ones the Table 3
  values reproduce).
- Results, sensitivity analysis without Paavolainen 1999: −1.06 [−1.56, −0.56], I² = 0 %.
The paper pooled with RevMan (DerSimonian–Laird random effects, normal-based CI).

Per-study variances are derived from the printed CIs: vi = ((ub − lb) / (2 · 1.959964))².
What reproduces to the printed rounding is asserted against the print; what does not is
asserted against metafor on the same numbers (tests/data/metafor_rma_uni.json) and listed
with its size and cause in validation/README.md.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import cases_by_name
from runecon import rma

# Table 3 (order: Paavolainen 1999, Saunders 2006, Mikkola 2007, Støren 2008, Sedano 2013)
SMD = np.array([-3.78, -0.54, -1.03, -1.45, -1.17])
CI_LB = np.array([-5.45, -1.58, -1.87, -2.56, -2.24])
CI_UB = np.array([-2.10, 0.49, -0.18, -0.35, -0.10])
Z975 = 1.959964
VI = ((CI_UB - CI_LB) / (2 * Z975)) ** 2

# Printed with two decimals: half a unit of the last digit.
HALF_UNIT_2DP = 0.005
# I² printed as a whole percent.
HALF_UNIT_PERCENT = 0.5
# runecon vs metafor on identical inputs (closed-form DL): floating-point agreement.
RTOL_METAFOR = 1e-10

REF = cases_by_name("metafor_rma_uni.json")


def test_pooled_smd_reproduces_abstract():
    """Abstract: SMD −1.42 [−2.23, −0.60] (DerSimonian–Laird, as RevMan)."""
    res = rma(SMD, VI, method="DL")
    assert res.estimate == pytest.approx(-1.42, abs=HALF_UNIT_2DP)
    assert res.ci_lb == pytest.approx(-2.23, abs=HALF_UNIT_2DP)
    assert res.ci_ub == pytest.approx(-0.60, abs=HALF_UNIT_2DP)


def test_pooled_smd_does_not_match_results_text_upper_limit():
    """The Results text prints −1.43 [−2.23, −0.64]; Table 3's data give −0.60 as the
    upper limit, so the text's −0.64 is not reproducible (validation/README.md)."""
    res = rma(SMD, VI, method="DL")
    assert abs(res.ci_ub - (-0.64)) > HALF_UNIT_2DP


def test_i2_of_all_five_studies_equals_metafor():
    """Printed I² = 61 %; Table 3's numbers give Q = 10.98 on 4 df, so I² = 63.6 %
    (a difference of 2.6 points, listed in validation/README.md). Asserted: equal to
    metafor on the same numbers, and (Q − df)/Q as RevMan defines I²."""
    res = rma(SMD, VI, method="DL")
    ref = REF["balsalobre2016_smd/DL/z"]["output"]
    assert res.I2 == pytest.approx(ref["I2"], rel=RTOL_METAFOR)
    assert res.I2 == pytest.approx(100 * (res.QE - 4) / res.QE, rel=RTOL_METAFOR)
    assert abs(res.I2 - 61) > HALF_UNIT_PERCENT  # the documented difference is real


def test_sensitivity_without_paavolainen():
    """Printed: −1.06 [−1.56, −0.56], I² = 0 %. I² reproduces; the estimate and CI from
    Table 3's four remaining studies are −1.03 [−1.53, −0.53] (no subset of Table 3
    gives the printed values; validation/README.md), asserted equal to metafor."""
    res = rma(SMD[1:], VI[1:], method="DL")
    assert res.I2 == pytest.approx(0.0, abs=HALF_UNIT_PERCENT)
    assert res.tau2 == 0.0
    ref = REF["balsalobre2016_smd_without_paavolainen/DL/z"]["output"]
    for ours, theirs in [("estimate", "b"), ("ci_lb", "ci.lb"), ("ci_ub", "ci.ub")]:
        assert getattr(res, ours) == pytest.approx(ref[theirs], rel=RTOL_METAFOR)
    # hand check: with tau2 = 0 the DL estimate is the inverse-variance weighted mean
    w = 1 / VI[1:]
    assert res.estimate == pytest.approx(np.sum(w * SMD[1:]) / np.sum(w), rel=RTOL_METAFOR)
    assert abs(res.estimate - (-1.06)) > HALF_UNIT_2DP  # the documented difference is real


def test_table3_numbers_are_those_of_the_data_package():
    """The SMDs and CIs typed above are the rows of data/reported_effects.csv (Table 3 of
    the paper), in the same order, so the reproduction runs on the packaged evidence."""
    from runecon import load
    eff = load("reported_effects")
    b = eff[eff.review_id == "balsalobre2016"].set_index("study_id")
    order = ["paavolainen1999", "saunders2006", "mikkola2007", "storen2008", "sedano2013"]
    assert sorted(b.index) == sorted(order)
    b = b.loc[order]
    assert b.estimate.tolist() == SMD.tolist()
    assert b.ci_lb.tolist() == CI_LB.tolist() and b.ci_ub.tolist() == CI_UB.tolist()
    pooled = load("pooled", corrected=False)
    abstract = pooled[(pooled.review_id == "balsalobre2016")
                      & (pooled.subgroup == "all studies (abstract)")].iloc[0]
    assert (abstract.estimate, abstract.ci_lb, abstract.ci_ub) == (-1.42, -2.23, -0.60)
