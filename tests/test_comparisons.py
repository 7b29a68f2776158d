"""runecon.pair_arms / runecon.comparisons: per-comparison effect sizes from arm data.

Expected values: the per-comparison Hedges' g and Borenstein–Hedges variances of the
re-analysis of Llanos-Lagos et al. 2024a/b (data/sources/llanoslagos2024_checks.md,
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


# --------------------------------------------------------------------------- data package
# Expected per-comparison values of the re-analysis of Llanos-Lagos 2024a (RE, Table 3 as
# printed) and 2024b (performance, Table 3 as printed): data/sources/
# llanoslagos2024_checks.md, section (c) (g = J·[Δint − Δcon]/SD_pooled(post), exact J,
# var_BH = J²(1/n1 + 1/n2 + d²/(2(n1+n2)))) and the per-group table of section (e).
# (study_id, group_id, speed as printed, n1, n2, g, var_BH): checks file section (c), rows 1-81
RE_SECTION_C = [
    ('achedias2016', 'plyometric', '9.00 km/h', 9, 9, 0.023, 0.202),  # 1 Ache-Dias et al. [110]
    ('albracht2013', 'isometric', '10.80 km/h', 13, 13, -0.644, 0.152),  # 2 Albracht & Arampatzis [116]
    ('albracht2013', 'isometric', '12.60 km/h', 13, 13, -0.508, 0.149),  # 3 Albracht & Arampatzis [116]
    ('berryman2010', 'submaximal', '12.00 km/h', 12, 5, -0.521, 0.263),  # 4 Berryman et al. [114]
    ('berryman2010', 'plyometric', '12.00 km/h', 11, 5, -0.925, 0.287),  # 5 Berryman et al. [114]
    ('blagrove2018', 'combined', 'sLTP', 9, 9, -0.334, 0.205),  # 6 Blagrove et al. [118]
    ('blagrove2018', 'combined', 'sLTP—1.00 km/h', 9, 9, 0.367, 0.205),  # 7 Blagrove et al. [118]
    ('blagrove2018', 'combined', 'sLTP—2.00 km/h', 9, 9, -0.421, 0.206),  # 8 Blagrove et al. [118]
    ('damasceno2015', 'high_load', '12.00 km/h', 9, 9, 0.046, 0.202),  # 9 Damasceno et al. [101]
    ('docarmo2023', 'plyometric', 'Avg 11.00 to 12.00 km/h', 15, 13, -0.526, 0.140),  # 10 do Carmo et al. [108]
    ('ferrauti2010', 'high_load', '10.08 km/h', 11, 11, -0.304, 0.170),  # 11 Ferrauti et al. [97]
    ('ferrauti2010', 'high_load', '8.64 km/h', 11, 11, 0.095, 0.168),  # 12 Ferrauti et al. [97]
    ('fletcher2010', 'isometric', '95% sLT', 6, 6, -0.049, 0.284),  # 13 Fletcher et al. [117]
    ('fletcher2010', 'isometric', '75% sLT', 6, 6, 0.114, 0.284),  # 14 Fletcher et al. [117]
    ('fletcher2010', 'isometric', '85% sLT', 6, 6, 0.000, 0.284),  # 15 Fletcher et al. [117]
    ('johnston1997', 'combined', '13.80 km/h', 6, 6, -2.102, 0.468),  # 16 Johnston et al. [136]
    ('johnston1997', 'combined', '12.84 km/h', 6, 6, -2.332, 0.510),  # 17 Johnston et al. [136]
    ('kelly2008', 'high_load', '3 km race pace', 7, 9, 0.204, 0.228),  # 18 Kelly et al. [100]
    ('li2019', 'combined', '16.00 km/h', 10, 9, -2.159, 0.315),  # 19 Li et al. [20]
    ('li2019', 'combined', '12.00 km/h', 10, 9, -0.114, 0.193),  # 20 Li et al. [20]
    ('li2019', 'combined', '14.00 km/h', 10, 9, -0.934, 0.216),  # 21 Li et al. [20]
    ('li2019', 'high_load', '16.00 km/h', 9, 9, -0.622, 0.212),  # 22 Li et al. [20]
    ('li2019', 'high_load', '12.00 km/h', 9, 9, 0.041, 0.202),  # 23 Li et al. [20]
    ('li2019', 'high_load', '14.00 km/h', 9, 9, -0.291, 0.204),  # 24 Li et al. [20]
    ('luckinbaldwin2021', 'combined', 'Different speeds', 14, 11, -0.263, 0.153),  # 25 Luckin-Baldwin et al. [135]
    ('lum2019', 'plyometric', '12.00 km/h', 7, 7, -0.084, 0.251),  # 26 Lum et al. [105]
    ('lum2019', 'plyometric', '10.00 km/h', 7, 7, 0.037, 0.250),  # 27 Lum et al. [105]
    ('lum2023', 'plyometric', 'F: 10.00 km/h; M: 12.00 km/h', 9, 8, 0.146, 0.213),  # 28 Lum et al. [112]
    ('lum2023', 'plyometric', 'F: 12.00 km/h; M: 14.00 km/h', 9, 8, 0.145, 0.213),  # 29 Lum et al. [112]
    ('lum2023', 'isometric', 'F: 10.00 km/h; M: 12.00 km/h', 9, 8, -0.000, 0.213),  # 30 Lum et al. [112]
    ('lum2023', 'isometric', 'F: 12.00 km/h; M: 14.00 km/h', 9, 8, -0.245, 0.214),  # 31 Lum et al. [112]
    ('lundstrom2017', 'plyometric', 'Avg values over incremental test', 11, 11, 0.276, 0.170),  # 32 Lundstrom et al. [109]
    ('mikkola2007', 'combined', '14.00 km/h', 13, 12, -0.723, 0.160),  # 33 Mikkola et al. [137]
    ('mikkola2007', 'combined', '10.00 km/h', 13, 12, -0.097, 0.150),  # 34 Mikkola et al. [137]
    ('mikkola2007', 'combined', '12.00 km/h', 13, 12, -0.457, 0.154),  # 35 Mikkola et al. [137]
    ('mikkola2007', 'combined', '13.00 km/h', 13, 12, -0.606, 0.157),  # 36 Mikkola et al. [137]
    ('mikkola2011', 'high_load', '12.00 km/h', 11, 6, 0.207, 0.233),  # 37 Mikkola et al. [102]
    ('mikkola2011', 'high_load', '10.00 km/h', 11, 6, 0.000, 0.232),  # 38 Mikkola et al. [102]
    ('mikkola2011', 'combined', '12.00 km/h', 10, 6, 0.000, 0.238),  # 39 Mikkola et al. [102]
    ('mikkola2011', 'combined', '10.00 km/h', 10, 6, -0.046, 0.238),  # 40 Mikkola et al. [102]
    ('millet2002', 'high_load', '75% sVO2max', 7, 8, -1.249, 0.289),  # 41 Millet et al. [103]
    ('millet2002', 'high_load', '92% sVO2max', 7, 8, -1.175, 0.283),  # 42 Millet et al. [103]
    ('paavolainen1999', 'combined', '15.01 km/h', 10, 8, -2.749, 0.414),  # 43 Paavolainen et al. [8]
    ('pellegrino2016', 'plyometric', '12.10 km/h', 11, 11, 0.000, 0.168),  # 44 Pellegrino et al. [12]
    ('pellegrino2016', 'plyometric', '7.74 km/h', 11, 11, -0.721, 0.180),  # 45 Pellegrino et al. [12]
    ('pellegrino2016', 'plyometric', '9.18 km/h', 11, 11, -1.283, 0.206),  # 46 Pellegrino et al. [12]
    ('pellegrino2016', 'plyometric', '10.62 km/h', 11, 11, -1.202, 0.201),  # 47 Pellegrino et al. [12]
    ('pellegrino2016', 'plyometric', '13.53 km/h', 11, 11, 1.522, 0.221),  # 48 Pellegrino et al. [12]
    ('pellegrino2016', 'plyometric', '14.97 km/h', 11, 11, 1.022, 0.192),  # 49 Pellegrino et al. [12]
    ('pellegrino2016', 'plyometric', '16.41 km/h', 11, 11, 1.684, 0.233),  # 50 Pellegrino et al. [12]
    ('piacentini2013', 'submaximal', 'Avg 11.75 km/h', 5, 5, 0.013, 0.326),  # 51 Piacentini et al. [19]
    ('piacentini2013', 'submaximal', 'Avg 9.75 km/h', 5, 5, -0.052, 0.326),  # 52 Piacentini et al. [19]
    ('piacentini2013', 'submaximal', 'Avg 10.75 km/h', 5, 5, -0.161, 0.327),  # 53 Piacentini et al. [19]
    ('piacentini2013', 'high_load', 'Avg 11.75 km/h', 6, 5, 0.065, 0.306),  # 54 Piacentini et al. [19]
    ('piacentini2013', 'high_load', 'Avg 9.75 km/h', 6, 5, -0.184, 0.308),  # 55 Piacentini et al. [19]
    ('piacentini2013', 'high_load', 'Avg 10.75 km/h', 6, 5, -0.789, 0.335),  # 56 Piacentini et al. [19]
    ('saunders2006', 'plyometric', '16.00 km/h', 7, 8, 0.320, 0.241),  # 57 Saunders et al. [113]
    ('saunders2006', 'plyometric', '18.00 km/h', 7, 8, 0.166, 0.238),  # 58 Saunders et al. [113]
    ('sedano2013', 'combined', '16.00 km/h', 6, 6, -1.469, 0.374),  # 59 Sedano et al. [115]
    ('sedano2013', 'combined', '12.00 km/h', 6, 6, -1.412, 0.367),  # 60 Sedano et al. [115]
    ('sedano2013', 'combined', '14.00 km/h', 6, 6, -1.232, 0.347),  # 61 Sedano et al. [115]
    ('sedano2013', 'submaximal', '16.00 km/h', 6, 6, -0.567, 0.297),  # 62 Sedano et al. [115]
    ('sedano2013', 'submaximal', '12.00 km/h', 6, 6, -0.669, 0.302),  # 63 Sedano et al. [115]
    ('sedano2013', 'submaximal', '14.00 km/h', 6, 6, -0.549, 0.296),  # 64 Sedano et al. [115]
    ('skovgaard2014', 'high_load', '12.00 km/h', 12, 9, -0.777, 0.194),  # 65 Skovgaard et al. [104]
    ('spurrs2003', 'plyometric', '14.00 km/h', 8, 9, -0.221, 0.214),  # 66 Spurrs et al. [107]
    ('spurrs2003', 'plyometric', '12.00 km/h', 8, 9, -0.507, 0.220),  # 67 Spurrs et al. [107]
    ('spurrs2003', 'plyometric', '16.00 km/h', 8, 9, -0.344, 0.216),  # 68 Spurrs et al. [107]
    ('stohanzl2018', 'plyometric_1', 'sVT2', 9, 5.5, -0.578, 0.270),  # 69 Štohanzl et al. [111] (1)
    ('stohanzl2018', 'plyometric_1', '7.00 km/h', 9, 5.5, -0.229, 0.260),  # 70 Štohanzl et al. [111] (1)
    ('stohanzl2018', 'plyometric_1', '9.00 km/h', 9, 5.5, -0.241, 0.260),  # 71 Štohanzl et al. [111] (1)
    ('stohanzl2018', 'plyometric_2', 'sVT2', 11, 5.5, -0.474, 0.252),  # 72 Štohanzl et al. [111] (2)
    ('stohanzl2018', 'plyometric_2', '7.00 km/h', 11, 5.5, -0.088, 0.245),  # 73 Štohanzl et al. [111] (2)
    ('stohanzl2018', 'plyometric_2', '9.00 km/h', 11, 5.5, -0.021, 0.245),  # 74 Štohanzl et al. [111] (2)
    ('storen2008', 'high_load', '70% sVO2max', 8, 9, -0.907, 0.237),  # 75 Støren et al. [99]
    ('trowell2021', 'combined', '12.00 km/h', 14, 14, 0.194, 0.135),  # 76 Trowell et al. [119]
    ('turner2003', 'plyometric', '11.27 km/h', 10, 8, -0.342, 0.207),  # 77 Turner et al. [106]
    ('turner2003', 'plyometric', '9.65 km/h', 10, 8, -0.727, 0.219),  # 78 Turner et al. [106]
    ('vikmoen2016', 'high_load', '10.00 km/h', 11, 8, 0.203, 0.198),  # 79 Vikmoen et al. [98]
    ('vorup2016', 'high_load', 'Avg 15.00 km/h', 9, 7, -0.482, 0.234),  # 80 Vorup et al. [96]
    ('vorup2016', 'high_load', 'Avg 11.00 km/h', 9, 7, -0.627, 0.239),  # 81 Vorup et al. [96]
]
# (outcome, study_id, group_id, measure, n1, n2, g, var_BH): checks file section (e)
PERF_SECTION_E = [
    ('vo2max', 'achedias2016', 'plyometric', 'VO2max', 9, 9, 0.362, 0.205),  # Ache-Dias et al. [83]
    ('vvo2max', 'achedias2016', 'plyometric', 'vVO2max', 9, 9, 0.254, 0.203),  # Ache-Dias et al. [83]
    ('sprint', 'bacheromena2019', 'combined', '20-m tt (s)', 6, 7, 0.133, 0.268),  # Bachero-Mena et al. [111]
    ('running_performance', 'bacheromena2019', 'combined', '800 m tt (s)', 6, 7, 0.098, 0.268),  # Bachero-Mena et al. [111]
    ('vo2max', 'beattie2017', 'combined', 'VO2max', 11, 9, 0.043, 0.185),  # Beattie et al. [84]
    ('vvo2max', 'beattie2017', 'combined', 'vVO2max', 11, 9, 0.454, 0.190),  # Beattie et al. [84]
    ('vo2max', 'berryman2010', 'plyometric', 'VO2max', 11, 5, 0.028, 0.260),  # Berryman et al. [85]
    ('vvo2max', 'berryman2010', 'plyometric', 'vVO2max', 11, 5, 0.280, 0.262),  # Berryman et al. [85]
    ('running_performance', 'berryman2010', 'plyometric', '3000-m tt (s)', 11, 5, -0.164, 0.261),  # Berryman et al. [85]
    ('vo2max', 'bertuzzi2013', 'high_load', 'VO2max', 8, 6, -0.032, 0.256),  # Bertuzzi et al. [22]
    ('vvo2max', 'bertuzzi2013', 'high_load', 'vVO2max', 8, 6, 0.000, 0.255),  # Bertuzzi et al. [22]
    ('running_performance', 'bertuzzi2013', 'high_load', 'Time to exhaustion at vVO2max', 8, 6, -0.398, 0.261),  # Bertuzzi et al. [22]
    ('vo2max', 'blagrove2018', 'combined', 'VO2max', 9, 9, -0.080, 0.202),  # Blagrove et al. [19]
    ('vvo2max', 'blagrove2018', 'combined', 'vVO2max', 9, 9, 0.217, 0.203),  # Blagrove et al. [19]
    ('sprint', 'blagrove2018', 'combined', '20-m tt (s)', 9, 9, -0.090, 0.202),  # Blagrove et al. [19]
    ('vo2max', 'damasceno2015', 'high_load', 'VO2max', 9, 9, -0.151, 0.202),  # Damasceno et al. [87]
    ('vvo2max', 'damasceno2015', 'high_load', 'vVO2max', 9, 9, 0.246, 0.203),  # Damasceno et al. [87]
    ('vo2max', 'docarmo2023', 'plyometric', 'VO2max', 15, 13, 0.221, 0.136),  # do Carmo et al. [23]
    ('vvo2max', 'docarmo2023', 'plyometric', 'vVO2max', 15, 13, 0.236, 0.136),  # do Carmo et al. [23]
    ('running_performance', 'docarmo2023', 'plyometric', '10,000-m tt (s)', 15, 13, -0.204, 0.136),  # do Carmo et al. [23]
    ('vo2max', 'ferrauti2010', 'high_load', 'VO2max', 11, 11, 0.454, 0.173),  # Ferrauti et al. [24]
    ('vo2max', 'filipas2023', 'plyometric_1', 'VO2max', 15, 15, -0.079, 0.126),  # Filipas et al. [20]
    ('running_performance', 'filipas2023', 'plyometric_1', '5000-m tt (s)', 15, 15, -0.247, 0.127),  # Filipas et al. [20]
    ('vo2max', 'filipas2023', 'plyometric_2', 'VO2max', 15, 15, 0.224, 0.127),  # Filipas et al. [20]
    ('running_performance', 'filipas2023', 'plyometric_2', '5000-m tt (s)', 15, 15, -0.309, 0.128),  # Filipas et al. [20]
    ('running_performance', 'garciapinillos2020', 'plyometric', '3000-m tt (s)', 44, 42, -0.153, 0.046),  # García-Pinillos et al. [113]
    ('vvo2max', 'hamilton2006', 'plyometric', 'vVO2max', 10, 10, 0.300, 0.186),  # Hamilton et al. [108]
    ('running_performance', 'hamilton2006', 'plyometric', '5000-m tt (s)', 10, 10, -0.201, 0.184),  # Hamilton et al. [108]
    ('vo2max', 'johnston1997', 'combined', 'VO2max', 6, 6, -0.946, 0.321),  # Johnston et al. [88]
    ('running_performance', 'karsten2016', 'high_load', '5000-m tt (s)', 8, 8, -0.236, 0.225),  # Karsten et al. [109]
    ('vo2max', 'kelly2008', 'high_load', 'VO2max', 7, 9, 0.378, 0.231),  # Kelly et al. [89]
    ('running_performance', 'kelly2008', 'high_load', '3000-m tt (s)', 7, 9, -0.359, 0.231),  # Kelly et al. [89]
    ('vo2max', 'li2019', 'combined', 'VO2max', 10, 9, -0.718, 0.206),  # Li et al. [21]
    ('vo2max', 'li2019', 'high_load', 'VO2max', 9, 9, -0.497, 0.208),  # Li et al. [21]
    ('sprint', 'li2019', 'combined', '50-m tt (s)', 10, 9, -0.425, 0.197),  # Li et al. [21]
    ('running_performance', 'li2019', 'combined', '5000-m tt (s)', 10, 9, -1.918, 0.289),  # Li et al. [21]
    ('running_performance', 'li2019', 'high_load', '5000-m tt (s)', 9, 9, -1.151, 0.238),  # Li et al. [21]
    ('vo2max', 'lum2019', 'plyometric', 'VO2max', 7, 7, -0.196, 0.252),  # Lum et al. [90]
    ('running_performance', 'lum2019', 'plyometric', '10,000-m tt (s)', 7, 7, 0.016, 0.250),  # Lum et al. [90]
    ('vo2max', 'lum2023', 'plyometric', 'VO2max', 9, 8, 0.252, 0.215),  # Lum et al. [91]
    ('vvo2max', 'lum2023', 'plyometric', 'vVO2max', 9, 8, 0.316, 0.216),  # Lum et al. [91]
    ('running_performance', 'lum2023', 'plyometric', '2400-m tt (s)', 9, 8, -0.204, 0.214),  # Lum et al. [91]
    ('vo2max', 'lundstrom2017', 'plyometric', 'VO2max', 11, 11, 0.426, 0.172),  # Lundstrom et al. [92]
    ('running_performance', 'lundstrom2017', 'plyometric', '2-mile tt (s)', 11, 11, -0.951, 0.189),  # Lundstrom et al. [92]
    ('running_performance', 'machado2019', 'plyometric_1', '5000-m tt (s)', 8, 4, -0.920, 0.355),  # Machado et al. [114]
    ('running_performance', 'machado2019', 'plyometric_2', '5000-m tt (s)', 8, 4, -0.863, 0.350),  # Machado et al. [114]
    ('vo2max', 'mikkola2007', 'combined', 'VO2max', 13, 12, -0.102, 0.150),  # Mikkola et al. [93]
    ('vvo2max', 'mikkola2007', 'combined', 'vVO2max', 13, 12, 0.000, 0.150),  # Mikkola et al. [93]
    ('sprint', 'mikkola2007', 'combined', '30 m (m/s)', 13, 12, -0.683, 0.159),  # Mikkola et al. [93]
    ('vo2max', 'mikkola2011', 'high_load', 'VO2max', 11, 6, -0.532, 0.240),  # Mikkola et al. [107]
    ('vo2max', 'mikkola2011', 'combined', 'VO2max', 10, 6, -0.589, 0.249),  # Mikkola et al. [107]
    ('vvo2max', 'mikkola2011', 'high_load', 'vVO2max', 11, 6, -0.444, 0.238),  # Mikkola et al. [107]
    ('vvo2max', 'mikkola2011', 'combined', 'vVO2max', 10, 6, -0.378, 0.243),  # Mikkola et al. [107]
    ('vo2max', 'millet2002', 'high_load', 'VO2max', 7, 8, -0.407, 0.243),  # Millet et al. [94]
    ('vvo2max', 'millet2002', 'high_load', 'vVO2max', 7, 8, -0.009, 0.237),  # Millet et al. [94]
    ('vo2max', 'paavolainen1999', 'combined', 'VO2max', 10, 8, 0.676, 0.217),  # Paavolainen et al. [3]
    ('sprint', 'paavolainen1999', 'combined', '20 m (m/s)', 10, 8, -0.986, 0.231),  # Paavolainen et al. [3]
    ('running_performance', 'paavolainen1999', 'combined', '5000-m tt (s)', 10, 8, -1.917, 0.306),  # Paavolainen et al. [3]
    ('vo2max', 'pellegrino2016', 'plyometric', 'VO2max', 11, 11, 0.458, 0.173),  # Pellegrino et al. [95]
    ('running_performance', 'pellegrino2016', 'plyometric', '3000-m tt (s)', 11, 11, -0.190, 0.169),  # Pellegrino et al. [95]
    ('running_performance', 'ramirezcampillo2014', 'plyometric', '2400-m tt (s)', 17, 15, -0.230, 0.120),  # Ramírez-Campillo et al. [112]
    ('vo2max', 'saunders2006', 'plyometric', 'VO2max', 7, 8, -0.270, 0.240),  # Saunders et al. [96]
    ('running_performance', 'schumann2015', 'combined', '1000-m tt (s)', 13, 14, -0.970, 0.157),  # Schumann et al. [110]
    ('vo2max', 'sedano2013', 'combined', 'VO2max', 6, 6, 0.128, 0.285),  # Sedano et al. [97]
    ('vvo2max', 'sedano2013', 'combined', 'vVO2max', 6, 6, 0.630, 0.300),  # Sedano et al. [97]
    ('running_performance', 'sedano2013', 'combined', '3000-m tt (s)', 6, 6, -1.847, 0.426),  # Sedano et al. [97]
    ('vo2max', 'skovgaard2014', 'high_load', 'VO2max', 12, 9, -0.298, 0.181),  # Skovgaard et al. [98]
    ('running_performance', 'skovgaard2014', 'high_load', '1500-m tt (s)', 12, 9, -3.030, 0.398),  # Skovgaard et al. [98]
    ('vo2max', 'spurrs2003', 'plyometric', 'VO2max', 8, 9, -0.244, 0.214),  # Spurrs et al. [99]
    ('running_performance', 'spurrs2003', 'plyometric', '3000-m tt (s)', 8, 9, -0.120, 0.213),  # Spurrs et al. [99]
    ('vo2max', 'stohanzl2018', 'plyometric_1', 'VO2max', 9, 5.5, -0.026, 0.258),  # Štohanzl et al. [100]
    ('vo2max', 'stohanzl2018', 'plyometric_2', 'VO2max', 11, 5.5, -0.077, 0.245),  # Štohanzl et al. [100]
    ('vo2max', 'storen2008', 'high_load', 'VO2max', 8, 9, 0.015, 0.213),  # Støren et al. [101]
    ('running_performance', 'storen2008', 'high_load', 'Time to exhaustion at vVO2max', 8, 9, -0.721, 0.228),  # Støren et al. [101]
    ('vo2max', 'taipale2014', 'combined_1', 'VO2max', 9, 9, -0.058, 0.202),  # Taipale et al. [102]
    ('vvo2max', 'taipale2014', 'combined_1', 'vVO2max', 9, 9, 0.197, 0.203),  # Taipale et al. [102]
    ('vo2max', 'taipale2014', 'combined_2', 'VO2max', 9, 7, -0.508, 0.235),  # Taipale et al. [102]
    ('vvo2max', 'taipale2014', 'combined_2', 'vVO2max', 9, 7, -0.298, 0.230),  # Taipale et al. [102]
    ('vo2max', 'trowell2021', 'combined', 'VO2max', 14, 14, 0.238, 0.136),  # Trowell et al. [103]
    ('running_performance', 'trowell2021', 'combined', '2000-m tt (s)', 14, 14, -0.212, 0.135),  # Trowell et al. [103]
    ('vo2max', 'turner2003', 'plyometric', 'VO2max', 10, 8, -0.026, 0.204),  # Turner et al. [104]
    ('vo2max', 'vikmoen2016', 'high_load', 'VO2max', 11, 8, 0.544, 0.205),  # Vikmoen et al. [105]
    ('vvo2max', 'vikmoen2016', 'high_load', 'vVO2max', 11, 8, -0.000, 0.197),  # Vikmoen et al. [105]
    ('running_performance', 'vikmoen2016', 'high_load', '40-min all-out (km)', 11, 8, 0.175, 0.198),  # Vikmoen et al. [105]
    ('vo2max', 'vorup2016', 'high_load', 'VO2max', 9, 7, 0.000, 0.227),  # Vorup et al. [106]
    ('vvo2max', 'vorup2016', 'high_load', 'vVO2max', 9, 7, -0.898, 0.252),  # Vorup et al. [106]
    ('running_performance', 'vorup2016', 'high_load', '10,000-m tt (s)', 9, 7, -0.102, 0.227),  # Vorup et al. [106]
]


@pytest.fixture(scope="module")
def re_printed():
    return runecon.comparisons("running_economy", review="llanoslagos2024a", corrected=False)


@pytest.fixture(scope="module")
def perf_printed():
    return {oc: runecon.comparisons(oc, review="llanoslagos2024b", corrected=False)
            for oc in ("vo2max", "vvo2max", "running_performance", "sprint")}


@pytest.mark.parametrize("row", RE_SECTION_C, ids=lambda r: f"{r[0]}-{r[1]}-{r[2]}")
def test_llanoslagos2024a_running_economy_section_c(re_printed, row):
    study, group, speed, n1, n2, g, v = row
    hit = re_printed[(re_printed["study_id"] == study) & (re_printed["group_id"] == group)
                     & (re_printed["speed_reported"] == speed)]
    assert len(hit) == 1
    hit = hit.iloc[0]
    assert (hit["n1"], hit["n2"]) == (n1, n2)
    assert hit["yi"] == pytest.approx(g, abs=ATOL_PRINTED_3DP)
    assert hit["vi"] == pytest.approx(v, abs=ATOL_PRINTED_3DP)


def test_llanoslagos2024a_counts(re_printed):
    # Sect. 3.2 of the paper: 19 / 20 / 7 / 28 / 7 effect sizes, 81 in all (text says 80)
    counts = re_printed.groupby("method").size().to_dict()
    assert counts == {"high_load": 19, "combined": 20, "submaximal": 7, "plyometric": 28,
                      "isometric": 7}
    assert (re_printed["standardiser"] == "post").all()
    assert (re_printed["variance"] == "bh").all() and (re_printed["correction"] == "exact").all()
    assert not re_printed["corrected"].any()


@pytest.mark.parametrize("row", PERF_SECTION_E, ids=lambda r: f"{r[0]}-{r[1]}-{r[2]}-{r[3]}")
def test_llanoslagos2024b_performance_section_e(perf_printed, row):
    outcome, study, group, measure, n1, n2, g, v = row
    res = perf_printed[outcome]
    hit = res[(res["study_id"] == study) & (res["group_id"] == group)
              & (res["measure"] == measure)]
    assert len(hit) == 1
    hit = hit.iloc[0]
    assert (hit["n1"], hit["n2"]) == (n1, n2)
    assert hit["yi"] == pytest.approx(g, abs=ATOL_PRINTED_3DP)
    assert hit["vi"] == pytest.approx(v, abs=ATOL_PRINTED_3DP)


# The forest plots of Llanos-Lagos 2024a (Figs. 2-6) read by eye to about ±0.05
# (checks file, section (c), "Study means vs forest plots").
ATOL_READ_BY_EYE = 0.05
# The repository smnnlt/meta-pre-post (notes/086/086.R) digitises single ES at 2 decimals.
ATOL_PRINTED_2DP = 5e-3


def test_llanoslagos2024a_corrections_reproduce_forest_plot():
    res = runecon.comparisons("running_economy", review="llanoslagos2024a", corrected=True)
    assert res["corrected"].all()
    sk = res[res["study_id"] == "skovgaard2014"].iloc[0]
    # Skovgaard SE -> SD: Fig. 2 / 086.R: -0.24 [-1.08, 0.59] (as printed it gives -0.777)
    half = 1.959963984540054 * math.sqrt(sk["vi"])
    assert sk["yi"] == pytest.approx(-0.24, abs=ATOL_PRINTED_2DP)
    assert sk["yi"] - half == pytest.approx(-1.08, abs=ATOL_PRINTED_2DP)
    assert sk["yi"] + half == pytest.approx(0.59, abs=ATOL_PRINTED_2DP)
    means = res.groupby(["study_id", "method"])["yi"].mean()
    # study means in the forest plots: Piacentini HL -0.17 (Piacentini C post SD 40 -> 4.0),
    # Johnston -0.92 and Pellegrino 0.03 (SE -> SD); as printed they are -0.30, -2.22, 0.15
    assert means["piacentini2013", "high_load"] == pytest.approx(-0.17, abs=ATOL_READ_BY_EYE)
    assert means["johnston1997", "combined"] == pytest.approx(-0.92, abs=ATOL_READ_BY_EYE)
    assert means["pellegrino2016", "plyometric"] == pytest.approx(0.03, abs=ATOL_READ_BY_EYE)
    printed = runecon.comparisons("running_economy", review="llanoslagos2024a",
                                  corrected=False).groupby(["study_id", "method"])["yi"].mean()
    assert printed["johnston1997", "combined"] == pytest.approx(-2.22, abs=ATOL_PRINTED_2DP)


def test_default_protocol_records_choices():
    res = runecon.comparisons("running_economy")
    assert len(res) == 81
    assert (res["standardiser"] == "pooled_pre").all() and (res["variance"] == "morris").all()
    assert (res["ri"] == 0.5).all() and res["review"].isna().all()
    # one cluster per study under the default (Štohanzl's two groups share a cluster)
    assert res["cluster"].nunique() == res["study_id"].nunique() == 31
    # choices can be overridden and are recorded
    alt = runecon.comparisons("running_economy", standardiser="change", ri=0.8,
                              variance="bh")
    assert (alt["standardiser"] == "change").all() and (alt["ri"] == 0.8).all()


def test_unknown_outcome():
    with pytest.raises(InputError) as e:
        runecon.comparisons("marathon_happiness")
    assert e.value.argument == "outcome"


# Comparisons the builder makes for Llanos-Lagos 2024b that section (e) of the checks file
# does not list (the paper pools sprint for combined training only).
PERF_NOT_IN_SECTION_E = {
    ("sprint", "li2019", "high_load", "50-m tt (s)"),
    ("sprint", "lundstrom2017", "plyometric", "60-m tt (s)"),
    ("sprint", "ramirezcampillo2014", "plyometric", "20-m tt (s)"),
    ("sprint", "vorup2016", "high_load", "400 m tt (s)"),
}


def test_reference_lists_cover_every_comparison_built(re_printed, perf_printed):
    """The parametrised lists above cannot quietly shrink or miss rows: every comparison
    the builder makes is either checked against the checks file or listed as not in it."""
    assert len(RE_SECTION_C) == 81
    assert set(zip(re_printed.study_id, re_printed.group_id, re_printed.speed_reported)) == \
        {r[:3] for r in RE_SECTION_C}
    built = {(oc, s, g, m) for oc, res in perf_printed.items()
             for s, g, m in zip(res.study_id, res.group_id, res.measure)}
    assert len(PERF_SECTION_E) == 87
    assert built == {r[:4] for r in PERF_SECTION_E} | PERF_NOT_IN_SECTION_E
    assert sum(len(r) for r in perf_printed.values()) == len(built) == 91


def test_a_comparison_outside_section_e_by_hand(perf_printed):
    # Llanos-Lagos 2024b Table 3, p. 1820, Lundstrom et al. [92], 60-m time (s):
    # PL n 11: 10.45 (1.37) -> 9.88 (1.51); C n 11: 9.83 (1.4) -> 9.67 (1.19).
    # D = (9.88 - 10.45) - (9.67 - 9.83) = -0.41; pooled post SD = √((10·1.51² + 10·1.19²)/20)
    #   = √1.8481 = 1.359448; d = -0.301593; J(20) = Γ(10)/(√10 Γ(9.5)) = 0.961945
    # g = -0.290116 (time: lower is better, no sign flip);
    # var_BH = J²(1/11 + 1/11 + d²/44) = 0.925337 · (0.181818 + 0.002067) = 0.170156
    res = perf_printed["sprint"]
    hit = res[(res.study_id == "lundstrom2017")].iloc[0]
    assert hit["yi"] == pytest.approx(-0.290116, abs=ATOL_HAND)
    assert hit["vi"] == pytest.approx(0.170156, abs=ATOL_HAND)
    assert not bool(hit["flip"])


def test_unknown_method_code_in_a_user_arm_table():
    # 'heavy' is not a method code: without the check the arm became an intervention arm
    arms = TURNER.copy()
    arms.loc[0, "method"] = "heavy"
    with pytest.raises(InputError) as e:
        runecon.comparisons("running_economy", arms=arms)
    assert e.value.argument == "arms" and "'heavy'" in str(e.value) and "row 0" in str(e.value)
