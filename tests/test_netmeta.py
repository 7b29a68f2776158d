"""runecon.netmeta: hand calculations on tiny networks, input conventions and errors.

metafor comparisons are in test_metafor_netmeta.py; here the expected values are worked
out by hand in each test.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import runecon
from runecon.errors import InputError

#: hand-calculated values are exact fractions; only rounding separates them from runecon
TOL = 1e-12


def _triangle(method="FE", y_ac=5.0):
    """Three two-arm studies A-B, A-C, B-C, every vi = 1: yi = 1, y_ac, 0."""
    return runecon.netmeta(study=["s1", "s2", "s3"], treat1=["B", "C", "C"],
                           treat2=["A", "A", "B"], yi=[1.0, y_ac, 0.0], vi=[1.0, 1.0, 1.0],
                           reference="A", method=method)


def test_triangle_common_effect_by_hand():
    """With unit variances the residuals are the projection of y on the cycle c = (1, -1, 1)
    (rows B-A, C-A, C-B): c'y = 1 - 5 + 0 = -4, r = -4/3 c, Q = 16/3; fitted d_B = 1 + 4/3,
    d_C = 5 - 4/3; Var = (X'X)^-1 = [[2, 1], [1, 2]] / 3."""
    r = _triangle()
    assert r.Q == pytest.approx(16 / 3, abs=TOL)
    assert r.df_Q == 1
    assert r.estimates["estimate"].tolist() == pytest.approx([7 / 3, 11 / 3], abs=TOL)
    assert r.estimates["se"].tolist() == pytest.approx([math.sqrt(2 / 3)] * 2, abs=TOL)
    assert r.vb[1, 2] == pytest.approx(1 / 3, abs=TOL)


def test_triangle_moment_estimator_by_hand():
    """netmeta's tau2 = (Q - df) / tr(P G); two-arm studies only: G = I and with W = I,
    tr(P) = m - p = 1, so tau2 = 16/3 - 1 = 13/3; the RE variances are the FE ones times
    1 + tau2 = 16/3 and the estimates do not move (equal weights)."""
    r = _triangle("DL")
    assert r.tau2 == pytest.approx(13 / 3, abs=TOL)
    assert r.estimates["estimate"].tolist() == pytest.approx([7 / 3, 11 / 3], abs=TOL)
    assert r.estimates["se"].iloc[0] == pytest.approx(math.sqrt(2 / 3 * 16 / 3), abs=TOL)
    z = stats.norm.ppf(0.975)
    se = math.sqrt(32 / 9)
    assert r.estimates["pi_lb"].iloc[0] == pytest.approx(7 / 3 - z * math.sqrt(se ** 2 + 13 / 3),
                                                         abs=1e-10)
    # Q below its df: tau2 truncated at 0
    assert _triangle("DL", y_ac=1.5).tau2 == 0.0


def test_triangle_reml_boundary_and_positive():
    """REML of the triangle: one residual df, so the restricted likelihood of tau2 is that of
    one N(0, 3(1 + tau2)) residual c'y/|c|: ll = -log(1 + tau2)/2 - (16/3)/(2(1 + tau2)) + const,
    maximal at 1 + tau2 = 16/3, tau2 = 13/3 (and 0 when (c'y)^2/3 <= 1)."""
    assert _triangle("REML").tau2 == pytest.approx(13 / 3, abs=1e-9)
    assert _triangle("REML", y_ac=1.5).tau2 == 0.0


def test_triangle_nodesplit_by_hand():
    """A vs B: direct = y_AB = 1 (var 1); indirect = y_AC - y_BC = 5 (var 2); diff = -4
    (var 3)."""
    ns = _triangle().nodesplit
    row = ns[(ns["treat1"] == "B") & (ns["treat2"] == "A")].iloc[0]
    assert row["direct"] == pytest.approx(1.0, abs=TOL)
    assert row["indirect"] == pytest.approx(5.0, abs=TOL)
    assert row["se_indirect"] == pytest.approx(math.sqrt(2), abs=TOL)
    assert row["diff"] == pytest.approx(-4.0, abs=TOL)
    assert row["se_diff"] == pytest.approx(math.sqrt(3), abs=TOL)
    assert len(ns) == 3


def test_triangle_pscores_by_hand():
    """Rücker & Schwarzer 2015: P_i = mean_j Phi((b_j - b_i)/se_ij) (small values good)."""
    r = _triangle()
    b = {"A": 0.0, "B": 7 / 3, "C": 11 / 3}
    v = {("A", "B"): 2 / 3, ("A", "C"): 2 / 3, ("B", "C"): 2 / 3 + 2 / 3 - 2 / 3}

    def se(i, j):
        return math.sqrt(v[tuple(sorted((i, j)))])
    expect = {i: np.mean([stats.norm.cdf((b[j] - b[i]) / se(i, j)) for j in b if j != i])
              for i in b}
    got = dict(zip(r.pscores["treatment"], r.pscores["pscore"]))
    for t in b:
        assert got[t] == pytest.approx(expect[t], abs=TOL)
    assert list(r.pscores["treatment"]) == ["A", "B", "C"]
    # the ranking warning counts pairs whose CI includes 0 (here: none of the 3? computed)
    lg = r.league
    up = lg[[("A", "B", "C").index(a) < ("A", "B", "C").index(c)
             for a, c in zip(lg["treat1"], lg["treat2"])]]
    n_amb = int(((up["ci_lb"] < 0) & (up["ci_ub"] > 0)).sum())
    assert f"{n_amb} of 3 pairwise" in r.ranking_warning


def test_multiarm_md_covariance_by_hand():
    """Arms A (0, sd 2, n 4), B (1, sd 2, n 4), C (3, sd 4, n 8): arm variances 1, 1, 2;
    contrasts vs A = (1, 3) with V = [[2, 1], [1, 3]] (shared arm A)."""
    arms = pd.DataFrame({"study": ["s"] * 3 + ["t"] * 2, "treat": ["A", "B", "C", "A", "B"],
                         "mean": [0.0, 1.0, 3.0, 0.0, 2.0], "sd": [2.0, 2.0, 4.0, 2.0, 2.0],
                         "n": [4, 4, 8, 4, 4]})
    r = runecon.netmeta(arms, study="study", treat="treat", mean="mean", sd="sd", n="n",
                        measure="MD", reference="A", method="FE")
    assert r.contrasts["yi"].tolist()[:2] == [1.0, 3.0]
    np.testing.assert_allclose(r.V[:2, :2], [[2.0, 1.0], [1.0, 3.0]], atol=TOL)
    assert r.multiarm == ["s"]


def test_prepost_md_change_variance_by_hand():
    """Change-score variance sd_pre² + sd_post² - 2 r sd_pre sd_post = 4 + 4 - 4 = 4 at
    r = 0.5, over n = 4: arm variance 1; contrast variance 2."""
    arms = pd.DataFrame({"study": ["s", "s"], "treat": ["A", "B"], "n": [4, 4],
                         "pre": [10.0, 10.0], "post": [9.0, 8.0], "sd": [2.0, 2.0]})
    r = runecon.netmeta(arms, study="study", treat="treat", n="n", pre_mean="pre",
                        pre_sd="sd", post_mean="post", post_sd="sd", measure="MD", ri=0.5,
                        reference="A", method="FE")
    assert r.contrasts["yi"].iloc[0] == pytest.approx(-1.0, abs=TOL)
    assert r.contrasts["vi"].iloc[0] == pytest.approx(2.0, abs=TOL)


def test_all_pairs_input_equals_arm_input():
    """netmeta's convention (all pairwise contrasts of a multi-arm study) gives the same fit
    as the arm data: dat.senn2013's Willms 1999 as three pairs."""
    from conftest import cases_by_name

    i = cases_by_name("metafor_netmeta.json")["senn2013_MD_REML"]["input"]
    arms = pd.DataFrame({"study": i["study"], "treat": i["treat"], "mean": i["mean"],
                         "sd": i["sd"], "n": i["n"]})
    ref = runecon.netmeta(arms, study="study", treat="treat", mean="mean", sd="sd", n="n",
                          reference="placebo", method="REML")
    rows = []
    for s, g in arms.groupby("study", sort=False):
        g = g.reset_index(drop=True)
        for a in range(len(g)):
            for c in range(a + 1, len(g)):
                rows.append((s, g.treat[a], g.treat[c], g["mean"][a] - g["mean"][c],
                             g.sd[a] ** 2 / g.n[a] + g.sd[c] ** 2 / g.n[c]))
    con = pd.DataFrame(rows, columns=["study", "t1", "t2", "yi", "vi"])
    assert (con.groupby("study").size() == 3).sum() == 1
    r = runecon.netmeta(con, study="study", treat1="t1", treat2="t2", yi="yi", vi="vi",
                        reference="placebo", method="REML")
    np.testing.assert_allclose(r.b, ref.b, atol=1e-10)
    assert r.tau2 == pytest.approx(ref.tau2, abs=1e-12)


def test_combine_arms_by_hand():
    """Cochrane Handbook Table 6.5.a: n 10+10, means 5 and 7, SDs 2 and 2 -> mean 6,
    SD = sqrt((9*4 + 9*4 + 10*10/20*(5-7)^2) / 19) = sqrt(92/19)."""
    a = pd.DataFrame({"study": ["s", "s", "s"], "treat": ["P", "P", "C"], "n": [10, 10, 9],
                      "mean": [5.0, 7.0, 1.0], "sd": [2.0, 2.0, 1.0]})
    c = runecon.combine_arms(a, ["study", "treat"])
    p = c[c["treat"] == "P"].iloc[0]
    assert (p["n"], p["mean"], p["n_arms"]) == (20, 6.0, 2)
    assert p["sd"] == pytest.approx(math.sqrt(92 / 19), abs=TOL)


def test_errors():
    base = dict(study=["s1", "s2"], treat1=["B", "C"], treat2=["A", "D"], yi=[1.0, 2.0],
                vi=[1.0, 1.0])
    with pytest.raises(InputError, match="disconnected"):
        runecon.netmeta(**base)
    with pytest.raises(InputError, match="reference"):
        runecon.netmeta(**{**base, "treat2": ["A", "A"]}, reference="Z")
    with pytest.raises(InputError, match="method"):
        runecon.netmeta(**{**base, "treat2": ["A", "A"]}, method="PM")
    with pytest.raises(InputError, match="vi"):
        runecon.netmeta(**{**base, "treat2": ["A", "A"], "vi": [1.0, -1.0]})
    # a three-arm study as two contrasts without V: the covariance is unknown
    with pytest.raises(InputError, match="V"):
        runecon.netmeta(study=["s", "s"], treat1=["B", "C"], treat2=["A", "A"], yi=[1.0, 2.0],
                        vi=[1.0, 1.0])
    # all pairs that do not add up
    with pytest.raises(InputError, match="not consistent"):
        runecon.netmeta(study=["s"] * 3, treat1=["B", "C", "C"], treat2=["A", "A", "B"],
                        yi=[1.0, 2.0, 5.0], vi=[2.0, 2.0, 2.0])
    arms = pd.DataFrame({"study": ["s", "s", "t"], "treat": ["A", "A", "B"],
                         "mean": [0.0, 1.0, 2.0], "sd": [1.0, 1.0, 1.0], "n": [5, 5, 5]})
    with pytest.raises(InputError, match="several arms"):
        runecon.netmeta(arms, study="study", treat="treat", mean="mean", sd="sd", n="n")
    with pytest.raises(InputError, match="ri"):
        runecon.netmeta(arms, study="study", treat="treat", pre_mean="mean", pre_sd="sd",
                        post_mean="mean", post_sd="sd", n="n", measure="SMD")


def test_display():
    r = _triangle("DL")
    text = str(r)
    assert "network meta-analysis" in text and "Warning:" in text
    assert "Node-splitting" in text and "Design-by-treatment" in text
    assert "<table>" in r._repr_html_()
    f = r.to_frame()
    assert {"treatment", "estimate", "ci_lb", "pi_ub", "pscore"} <= set(f.columns)
    lt = r.league_table()
    assert lt.loc["B", "B"] == "B" and lt.loc["B", "A"].startswith("2.33")


def test_training_network_structure():
    """The running-economy network from the data package: methods as nodes, control the
    reference, same-method arms of one trial combined (their n added)."""
    from runecon._armdata import arm_table

    arms = runecon.method_arms("running_economy")
    assert not arms.duplicated(["study_id", "method"]).any()
    r = runecon.method_network("running_economy")
    assert r.reference == "control"
    assert set(r.treatments) <= {"control", "high_load", "submaximal", "plyometric",
                                 "isometric", "combined"}
    # every multi-arm trial of the network has three or more methods
    for s in r.multiarm:
        assert arms.loc[arms["study_id"] == s, "method"].nunique() >= 3
    comb = arms[arms["n_arms"] > 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # arms without SDs are named by arm_table
        raw = arm_table("running_economy")
    for row in comb.itertuples():
        ids = raw[(raw["study_id"] == row.study_id) & (raw["method"] == row.method)]
        per_group = ids.groupby("group_id")["n"].first()
        assert row.n == pytest.approx(per_group.sum())
    assert r.k == arms["study_id"].nunique()



def test_speed_slopes_centring_identity():
    """Mundlak identity: regressing on (speed, group mean) instead of (speed - group mean,
    group mean) gives the within slope as the speed coefficient and between - within as the
    group-mean coefficient (same column space, same fit)."""
    r = runecon.speed_slopes(methods=("plyometric",), contrast=None)
    d = r.data[r.data["method"] == "plyometric"]
    grp_mean = d.groupby("group")["speed_kmh"].transform("mean").to_numpy()
    assert np.allclose(d["speed_within"] + d["speed_between"], d["speed_kmh"])
    alt = runecon.rma_mv(d["yi"].to_numpy(), d["vi"].to_numpy(), cluster=d["group"].to_numpy(),
                         mods=np.column_stack([d["speed_kmh"], grp_mean]), test="t", lrt=False)
    row = r.table.iloc[0]
    assert alt.beta[1] == pytest.approx(row["within_estimate"], abs=1e-6)
    assert alt.beta[2] == pytest.approx(row["between_estimate"] - row["within_estimate"], abs=1e-6)
    assert row["groups_several_speeds"] >= 1
    assert "Speed slopes" in str(r) and "<table>" in r._repr_html_()


def test_speed_slopes_no_repeated_speeds():
    """A method whose groups were each tested at one speed has no within slope."""
    c = runecon.speed_slopes(contrast=None, methods=("plyometric",)).data
    one = c.groupby("group").head(1)       # one speed per group
    r = runecon.speed_slopes(one, methods=("plyometric",), contrast=None)
    assert np.isnan(r.table["within_estimate"].iloc[0])
    assert r.table["note"].iloc[0] == "no group tested at two speeds"


def test_network_graph_plot():
    """One line per edge (width ∝ trials), one marker per node, people's words as labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from runecon import labels, plots

    r = _triangle()
    ax = Figure().subplots()
    out = plots.network_graph(r, ax, labels=str.lower)
    assert out is ax
    assert sum(1 for ln in ax.lines if ln.get_label() == "edge") == len(r.edges) == 3
    texts = {t.get_text() for t in ax.texts}
    assert {"a", "b", "c"} <= texts and "1" in texts
    with pytest.raises(InputError):
        plots.network_graph(object(), ax)
    net = runecon.method_network("running_economy")
    ax = plots.network_graph(net, Figure().subplots(), labels=labels.method)
    assert "High load" in {t.get_text() for t in ax.texts}


def test_prepost_smd_shared_arm_covariance():
    """Three-arm pre-post trial, runecon's default d (pooled pre SD, exact J, Morris variance,
    r = 0.5): the covariance of the two contrasts sharing the control is the control's part of
    the Morris variance, 2(1 - r) J1 J2 / n_c, plus g1 g2 / (2 N) (Gleser & Olkin 2009),
    N = all runners of the trial; each diagonal element is escalc_prepost's vi."""
    arms = pd.DataFrame({"study": ["s"] * 3 + ["t"] * 2, "treat": ["C", "H", "P", "C", "H"],
                         "n": [10, 12, 11, 8, 8], "pre": [50.0, 51.0, 49.0, 50.0, 50.0],
                         "post": [50.0, 48.0, 48.0, 49.0, 47.0],
                         "sd_pre": [3.0, 3.5, 2.5, 3.0, 3.0], "sd_post": [3.0, 3.0, 3.0, 3.0, 3.0]})
    r = runecon.netmeta(arms, study="study", treat="treat", n="n", pre_mean="pre",
                        pre_sd="sd_pre", post_mean="post", post_sd="sd_post", measure="SMD",
                        ri=0.5, reference="C", method="FE")
    es = runecon.escalc_prepost(m1i_pre=[51.0, 49.0], sd1i_pre=[3.5, 2.5], m1i_post=[48.0, 48.0],
                                sd1i_post=[3.0, 3.0], n1i=[12, 11], m2i_pre=50.0, sd2i_pre=3.0,
                                m2i_post=50.0, sd2i_post=3.0, n2i=10, ri=0.5,
                                standardiser="pooled_pre", variance="morris")
    g, J = es["yi"].to_numpy(), es["J"].to_numpy()
    expect = 2 * 0.5 * J[0] * J[1] / 10 + g[0] * g[1] / (2 * 33)
    assert r.V[0, 1] == pytest.approx(expect, abs=TOL)
    assert r.V[0, 0] == pytest.approx(es["vi"].iloc[0], abs=TOL)
    assert r.contrasts["yi"].iloc[:2].tolist() == pytest.approx(g.tolist(), abs=TOL)
    assert r.V[0, 2] == 0.0


def test_compare_pair():
    """compare(a, b) = b_a - b_b with Var = v_a + v_b - 2 c_ab (triangle: d_C - d_B = 4/3,
    Var = 2/3 + 2/3 - 2/3)."""
    r = _triangle()
    c = r.compare("C", "B")
    assert c["estimate"] == pytest.approx(4 / 3, abs=TOL)
    assert c["se"] == pytest.approx(math.sqrt(2 / 3), abs=TOL)
    assert r.compare("B", "C")["estimate"] == pytest.approx(-4 / 3, abs=TOL)
    with pytest.raises(InputError, match="treat1"):
        r.compare("Z", "B")
    with pytest.raises(InputError, match="treat2"):
        r.compare("B", "B")
