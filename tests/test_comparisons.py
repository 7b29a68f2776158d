"""runecon.pair_arms / runecon.comparisons: per-comparison effect sizes from arm data.

Expected values: the per-comparison Hedges' g and Borenstein–Hedges variances of the
re-analysis of Llanos-Lagos et al. 2024a/b (../shared/evidence/llanoslagos2024_checks.md,
sections (c) and (e)), printed there at 3 decimals, and hand calculations shown below.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

import runecon
from runecon.comparisons import pair_arms
from runecon.errors import InputError

# The checks file prints g and var_BH at 3 decimals: half a unit of the last digit.
ATOL_PRINTED_3DP = 5e-4
# Hand calculations below are carried to 6 decimals.
ATOL_HAND = 5e-6


def _arm(study, group, method, n, cond, pre, pre_sd, post, post_sd, hib=False):
    return dict(study_id=study, group_id=group, method=method, n=n,
                outcome="running_economy", condition=cond, higher_is_better=hib,
                pre_mean=pre, pre_sd=pre_sd, post_mean=post, post_sd=post_sd)


# Llanos-Lagos 2024a Table 3 (p. 915): Štohanzl et al. [111], RE in ml/kg/min at sVT2;
# two plyometric groups (n 9 and 11) share one control group (n 11).
STOHANZL = pd.DataFrame([
    _arm("stohanzl", "PL1", "plyometric", 9, "sVT2", 28.90, 2.70, 28.40, 2.60),
    _arm("stohanzl", "PL2", "plyometric", 11, "sVT2", 31.20, 3.50, 30.80, 3.50),
    _arm("stohanzl", "C", "control", 11, "sVT2", 30.20, 3.40, 31.60, 3.80),
])
# Llanos-Lagos 2024a Table 3 (p. 916): Turner et al. [106], economy in m/ml/kg (higher =
# better) at 11.27 km/h.
TURNER = pd.DataFrame([
    _arm("turner", "PL", "plyometric", 10, "11.27 km/h", 5.20, 0.34, 5.32, 0.39, True),
    _arm("turner", "C", "control", 8, "11.27 km/h", 5.07, 0.42, 5.04, 0.45, True),
])
LL = dict(standardiser="post", correction="exact", variance="bh", split_control="same_method",
          cluster="group")


def test_shared_control_split_by_hand():
    res = pair_arms(STOHANZL, **LL)
    # control n 11 shared by two plyometric groups -> 11 / 2 = 5.5 each
    assert list(res["n2"]) == [5.5, 5.5] and list(res["n2_printed"]) == [11, 11]
    # group PL1: change -0.5, control change +1.4, D = -1.9; df = 9 + 5.5 - 2 = 12.5
    # pooled post SD = √((8·2.6² + 4.5·3.8²)/12.5) = √((54.08 + 64.98)/12.5) = √9.5248
    #                = 3.086227 ; d = -1.9 / 3.086227 = -0.615638
    # J(12.5) = Γ(6.25)/(√6.25 Γ(5.75)) = 184.860962 / (2.5 · 78.784481) = 0.938565
    # g = -0.577817 ; var_BH = J²(1/9 + 1/5.5 + d²/29) = 0.880905 · (0.292929 + 0.013069)
    #   = 0.269556   (checks file, section (c) row 69: g -0.578, var_BH 0.270)
    j = math.gamma(6.25) / (2.5 * math.gamma(5.75))
    assert j == pytest.approx(0.938565, abs=ATOL_HAND)
    assert res["yi"][0] == pytest.approx(-0.577817, abs=ATOL_HAND)
    assert res["vi"][0] == pytest.approx(0.269556, abs=ATOL_HAND)
    # group PL2, section (c) row 72: g -0.474, var_BH 0.252
    assert res["yi"][1] == pytest.approx(-0.474, abs=ATOL_PRINTED_3DP)
    assert res["vi"][1] == pytest.approx(0.252, abs=ATOL_PRINTED_3DP)
    # each intervention group its own cluster (as the review's forest plot)
    assert res["cluster"].nunique() == 2
    assert (res["standardiser"] == "post").all() and (res["variance"] == "bh").all()


def test_split_choices():
    assert list(pair_arms(STOHANZL, **{**LL, "split_control": "none"})["n2"]) == [11, 11]
    assert pair_arms(STOHANZL, **{**LL, "cluster": "study"})["cluster"].nunique() == 1


def test_sign_flipped_where_higher_is_better():
    # section (c) row 77: g -0.342, var_BH 0.207, flipped
    res = pair_arms(TURNER, **LL)
    assert bool(res["flip"][0])
    assert res["yi"][0] == pytest.approx(-0.342, abs=ATOL_PRINTED_3DP)
    assert res["vi"][0] == pytest.approx(0.207, abs=ATOL_PRINTED_3DP)
    raw = pair_arms(TURNER, **LL, orient=False)
    assert raw["yi"][0] == pytest.approx(0.342, abs=ATOL_PRINTED_3DP)


def test_user_arm_table_through_comparisons():
    res = runecon.comparisons("running_economy", arms=TURNER, review="llanoslagos2024a")
    assert res["yi"][0] == pytest.approx(-0.342, abs=ATOL_PRINTED_3DP)
    assert res["review"][0] == "llanoslagos2024a"
    # runecon default: pooled pre SD, Morris variance with ri = 0.5 (recorded per row)
    d = runecon.comparisons("running_economy", arms=TURNER)
    assert d.loc[0, "standardiser"] == "pooled_pre" and d.loc[0, "ri"] == 0.5
    # by hand: D = (5.32 - 5.20) - (5.04 - 5.07) = 0.15, flipped -> -0.15
    # pooled pre SD = √((9·0.34² + 7·0.42²)/16) = √((1.0404 + 1.2348)/16) = √0.1422 = 0.377094
    # J(16) = Γ(8)/(√8 Γ(7.5)) = 5040 / (2.828427 · 1871.254306) = 0.952254
    # g = -0.952254 · 0.15 / 0.377094 = -0.378786
    assert d.loc[0, "yi"] == pytest.approx(-0.378786, abs=ATOL_HAND)


def test_bad_input():
    with pytest.raises(InputError) as e:
        pair_arms(STOHANZL.drop(columns="pre_sd"))
    assert e.value.argument == "arms"
    with pytest.raises(InputError) as e:
        pair_arms(STOHANZL.iloc[:2])            # no control arm
    assert e.value.argument == "arms"
    with pytest.raises(InputError) as e:
        runecon.comparisons("running_economy", arms=TURNER, review="smith2020")
    assert e.value.argument == "review"
    with pytest.raises(InputError) as e:
        runecon.comparisons("running_economy", arms=TURNER, standardiser="baseline")
    assert e.value.argument == "standardiser"
    with pytest.raises(InputError) as e:
        runecon.comparisons("running_economy", arms=TURNER, colour="red")
    assert e.value.argument == "colour"
