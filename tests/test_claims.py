"""The claims ledger: the verdict rule, the certainty rule and the sentences (runecon.claims).

The rule is pinned on constructed intervals (expected verdicts follow from the rule as written
in the module docstring, checked by hand here), and the real ledger on numbers printed by the
papers (table/page cited) or hand calculations written out in the test.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import runecon
from runecon.claims import (CERTAINTY, VERDICTS, combine, grade, judge, network_judgement,
                            re_pct_from_smd, register_part_function)
from runecon.errors import InputError

SWC = 0.2
#: printed pooled values are rounded to 3 decimals: half a unit of the last digit
PRINTED_3DP = 5e-4 + 1e-9
#: combined methods: the review's three-level fit of unrounded data vs our re-fit of the
#: printed Table 3 arm data (known: -0.647 [-1.140, -0.154] printed vs -0.646 [-1.143, -0.149];
#: tests/test_reproduce_llanoslagos2024a.py uses the same tolerance class)
COMBINED_TOL = 0.006
T975_8 = 2.306004135204166     # qt(0.975, 8)
T975_10 = 2.228138851986274    # qt(0.975, 10)


@pytest.fixture(scope="module")
def ledger():
    return runecon.claims_ledger()


@pytest.fixture(scope="module")
def parts(ledger):
    return ledger.parts.set_index("part_id")


@pytest.fixture(scope="module")
def frame(ledger):
    return ledger.to_frame().set_index("claim_id")


# ----------------------------------------------------------------------- the verdict rule
@pytest.mark.parametrize("lo, hi, sign, swc, want", [
    # an effect claimed in the negative direction (lower O2 cost)
    (-0.52, -0.02, "-", SWC, "supported"),          # CI excludes zero on the claimed side
    (0.05, 0.40, "-", SWC, "contradicted"),         # excludes zero on the other side
    (-0.10, 0.30, "-", SWC, "not supported"),       # benefit space [-0.30, 0.10] < SWC 0.2
    (-0.30, 0.05, "-", SWC, "inconclusive"),        # includes zero and a worthwhile benefit
    (-0.30, 0.05, "-", None, "inconclusive"),
    (-0.10, 0.30, "-", None, "inconclusive"),       # no SWC: cannot rule out worth
    # an effect claimed in the positive direction (harm: higher O2 cost)
    (0.83, 4.37, "+", 1.2, "supported"),
    (-4.0, -0.5, "+", 1.2, "contradicted"),
    # a claim of no effect
    (-0.15, 0.12, "0", SWC, "supported"),           # within +-SWC
    (-0.89, 0.92, "0", SWC, "inconclusive"),        # straddles zero and both SWC bounds
    (0.25, 0.90, "0", SWC, "contradicted"),         # wholly beyond +SWC
    (0.05, 0.60, "0", SWC, "not supported"),        # excludes zero, not wholly beyond SWC
    (-3.56, 0.36, "0", None, "inconclusive"),       # a z interval: never shows absence
    (8.3, 17.7, "0", None, "not supported"),
    (np.nan, np.nan, "-", SWC, "inconclusive"),     # no interval in the data
])
def test_judge_on_constructed_intervals(lo, hi, sign, swc, want):
    assert judge(lo, hi, sign, swc=swc)[0] == want


def test_indirect_evidence_is_at_best_partly_supported():
    assert judge(-0.52, -0.02, "-", swc=SWC, indirect=True)[0] == "partly supported"
    # indirectness does not turn other verdicts into support
    assert judge(-0.30, 0.05, "-", swc=SWC, indirect=True)[0] == "inconclusive"
    assert judge(0.05, 0.40, "-", swc=SWC, indirect=True)[0] == "contradicted"


def test_judge_rejects_bad_input():
    with pytest.raises(InputError, match="expected_sign"):
        judge(-1, 1, "less")
    with pytest.raises(InputError, match="swc"):
        judge(-1, 1, "0", swc=-0.2)
    with pytest.raises(InputError, match="ci_lb"):
        judge(1, -1, "-")


@pytest.mark.parametrize("verdicts, want", [
    (["supported", "supported"], "supported"),
    (["supported", "inconclusive"], "partly supported"),
    (["partly supported", "partly supported"], "partly supported"),
    (["supported", "no evidence"], "partly supported"),
    (["supported", "contradicted"], "partly supported"),
    (["inconclusive", "contradicted", "not supported"], "contradicted"),
    (["inconclusive", "not supported"], "not supported"),
    (["inconclusive", "no evidence"], "inconclusive"),
    (["no evidence", "no evidence"], "no evidence"),
    ([], "no evidence"),
])
def test_combine_multi_part_claims(verdicts, want):
    assert combine(verdicts) == want


def test_combine_rejects_unknown_words():
    with pytest.raises(InputError, match="verdicts"):
        combine(["true"])


# ----------------------------------------------------------------------- certainty
def test_grade_high_when_nothing_to_downgrade():
    g, why = grade(design="controlled", ci_lb=-0.9, ci_ub=-0.5, expected_sign="-", swc=SWC,
                   k=12, n=400, I2=10, pi_lb=-1.0, pi_ub=-0.4)
    assert g == "high" and "risk of bias not assessed" in why


@pytest.mark.parametrize("kw, want", [
    # CI crosses the SWC only: one level
    (dict(ci_lb=-0.52, ci_ub=-0.02), "moderate"),
    # crosses zero and the SWC: two levels
    (dict(ci_lb=-0.30, ci_ub=0.05), "low"),
    # one trial of 17 runners, CI crossing the SWC: two levels
    (dict(ci_lb=-0.52, ci_ub=-0.02, k=1, n=17), "low"),
    # crosses the SWC (1) + inconsistency, I2 64 % (1) + indirectness (1): three levels
    (dict(ci_lb=-1.14, ci_ub=-0.15, I2=64, indirect="other population"), "very low"),
    # inconsistency (1) + indirectness (1) only: two levels
    (dict(ci_lb=-0.9, ci_ub=-0.5, I2=64, indirect="other population"), "low"),
    # zero and SWC (2) + inconsistency + indirectness: four levels, floor at very low
    (dict(ci_lb=-0.30, ci_ub=0.05, I2=64, indirect="other population"), "very low"),
    # a prediction interval including zero when the CI does not: inconsistency
    (dict(ci_lb=-0.9, ci_ub=-0.5, pi_lb=-2.0, pi_ub=0.7), "moderate"),
    # small-study effects with k >= 10 effects
    (dict(ci_lb=-0.9, ci_ub=-0.5, k_es=20, egger_p=0.01), "moderate"),
    (dict(ci_lb=-0.9, ci_ub=-0.5, k_es=9, egger_p=0.01), "high"),       # k < 10: not used
    # an association starts low
    (dict(ci_lb=-0.9, ci_ub=-0.5, design="association"), "low"),
    # no interval in the data
    (dict(ci_lb=np.nan, ci_ub=np.nan), "moderate"),
    # a printed risk-of-bias judgement
    (dict(ci_lb=-0.9, ci_ub=-0.5, risk_of_bias="low quality"), "moderate"),
    # effect modification within trials starts moderate; crossing zero takes one more level
    (dict(ci_lb=-0.9, ci_ub=-0.5, design="within_trial"), "moderate"),
    (dict(ci_lb=-0.10, ci_ub=0.30, design="within_trial", swc=None), "low"),
    # a network estimate whose inconsistency test flags incoherence: one level
    (dict(ci_lb=-0.9, ci_ub=-0.5, incoherence="node-split p = 0.03"), "moderate"),
    # incoherence (1) + indirect only (1) + CI crossing zero and the SWC (2): floor very low
    (dict(ci_lb=-0.45, ci_ub=0.38, incoherence="design-by-treatment p = 0.096",
          indirect="no head-to-head trial"), "very low"),
])
def test_grade_downgrades(kw, want):
    base = dict(design="controlled", expected_sign="-", swc=SWC, k=12, n=400)
    assert grade(**{**base, **kw})[0] == want


def test_grade_of_a_no_effect_claim_counts_swc_crossings():
    # CI [-0.89, 0.92] crosses both -SWC and +SWC: two levels; one trial of 17: no more
    g, why = grade(ci_lb=-0.89, ci_ub=0.92, expected_sign="0", swc=SWC, k=1, n=17)
    assert g == "low" and any("−SWC and +SWC" in w for w in why)


def test_grade_rejects_unknown_design():
    with pytest.raises(InputError, match="design"):
        grade(design="rct")


# ----------------------------------------------------------------------- conversions
def test_smd_conversion_refuses_another_standardiser():
    # Balsalobre-Fernández 2016 SMDs are on another scale (Støren -1.45 vs -0.91 post-SD)
    with pytest.raises(InputError, match="standardiser"):
        re_pct_from_smd(-1.42, standardiser="unknown")
    # post-SD: 100 x SMD x CV, hand calculation -0.266 x 6 % = -1.596 %
    assert re_pct_from_smd(-0.266, standardiser="post_sd") == pytest.approx(-1.596, abs=1e-12)


def test_every_pooled_smd_records_its_standardiser():
    p = runecon.load("pooled")
    smd = p["metric"].str.contains("Hedges|SMD|beta1", regex=True)
    assert (p.loc[smd, "standardiser"] != "").all()
    b = p[p["review_id"] == "balsalobre2016"]
    assert (b["standardiser"] == "unknown").all()
    re_ = runecon.load("reported_effects")
    assert (re_.loc[re_["review_id"] == "balsalobre2016", "standardiser"] == "unknown").all()


# ----------------------------------------------------------------------- the real ledger
def test_ledger_has_one_row_per_claim_with_the_contract_columns(ledger):
    f = ledger.to_frame()
    claims = runecon.load("claims")
    assert f["claim_id"].tolist() == claims["claim_id"].tolist()
    for c in ("claim_id", "claim", "article", "outcome", "evidence", "estimate", "ci_lb",
              "ci_ub", "pi_lb", "pi_ub", "verdict", "certainty", "reasons", "sentence"):
        assert c in f.columns
    assert set(f["verdict"]) <= set(VERDICTS)
    assert set(f["certainty"]) <= set(CERTAINTY) | {"not applicable"}
    assert (f.loc[f["verdict"] == "no evidence", "certainty"] == "not applicable").all()
    assert f["article"].str.match(r"^A[1-5] · ").all()
    assert "claims" in str(ledger) and "C01" in ledger._repr_html_()


def test_refits_reproduce_the_printed_pooled_estimates(parts):
    # Llanos-Lagos 2024a, Results 3.4 / Table 4: high load -0.266 [-0.516, -0.015] (19 ES),
    # plyometric -0.122 [-0.299, 0.054] (28 ES), combined -0.647 [-1.140, -0.154] (20 ES)
    for pid, (est, lo, hi, k_es, tol) in {
            "C01a": (-0.266, -0.516, -0.015, 19, PRINTED_3DP),
            "C01b": (-0.122, -0.299, 0.054, 28, PRINTED_3DP),
            "C01c": (-0.647, -1.140, -0.154, 20, COMBINED_TOL)}.items():
        r = parts.loc[pid]
        assert r["k_es"] == k_es
        assert (r["estimate"], r["ci_lb"], r["ci_ub"]) == pytest.approx((est, lo, hi), abs=tol)


def test_c01_high_load_and_combined_supported_plyometric_not_shown(parts, frame):
    assert parts.loc["C01a", "verdict"] == "supported"      # upper bound -0.015 < 0
    assert parts.loc["C01b", "verdict"] == "inconclusive"   # 0.054 > 0, -0.299 beyond -SWC
    assert frame.loc["C01", "verdict"] == "partly supported"


def test_c01_sentence_is_built_from_the_row(parts, frame):
    r = parts.loc["C01a"]
    pct = -100 * r["estimate"] * 0.06          # % lower O2 cost, 6 % between-runner CV
    s = frame.loc["C01", "sentence"]
    assert f"about {pct:.1f} %" in s and "19 effects" in s and "Llanos-Lagos 2024a" in s
    assert "over 10 km for a 40-minute runner" in s and "certainty" in s
    # di Prampero energy balance: t' = (1 + %/100) t, 2400 s x 1.5947 % = 38 s
    assert f"about {2400 * pct / 100:.0f} s faster" in s


def test_no_effect_claims_need_an_interval_within_the_swc(parts, frame):
    # Støren 2008 VO2max g 0.01 [-0.89, 0.92] (n 8 vs 9): not shown unchanged
    assert parts.loc["C04c", "verdict"] == "inconclusive"
    # Wu 2024: only z = -1.60 is in the data: "no reduction" cannot be shown
    assert parts.loc["C09a", "verdict"] == "inconclusive"
    # supervised programmes: z = -3.75 excludes zero
    assert parts.loc["C09c", "verdict"] == "supported"
    assert frame.loc["C09", "verdict"] == "partly supported"
    # body weight printed as words only
    assert parts.loc["C04d", "verdict"] == "inconclusive"
    assert frame.loc["C04", "verdict"] == "inconclusive"


def test_within_group_changes_use_t_intervals(parts):
    # Palmer & Sleivert 2001 abstract: +2.6 % (SD 2.3), n = 9, 1 h after one session
    h = T975_8 * 2.3 / 3
    assert (parts.loc["C10a", "ci_lb"], parts.loc["C10a", "ci_ub"]) == pytest.approx(
        (2.6 - h, 2.6 + h), abs=1e-9)
    assert parts.loc["C10a", "verdict"] == "supported"
    # Vikmoen 2016 abstract: type I fibre area +13 % (SD 7), n = 11: excludes zero -> the
    # claim of no added muscle is not supported
    h = T975_10 * 7 / math.sqrt(11)
    assert parts.loc["C20a", "ci_lb"] == pytest.approx(13 - h, abs=1e-9)
    assert parts.loc["C20a", "verdict"] == "not supported"


def test_indirect_method_definitions_cap_the_verdict(parts, frame):
    # 'combined' = any two or more methods (Llanos-Lagos 2024a p. 899), not heavy + plyometric
    assert parts.loc["C06a", "verdict"] == "partly supported"
    assert frame.loc["C06", "verdict"] == "partly supported"
    # and its prediction interval includes zero: inconsistency is among the reasons
    assert "prediction interval" in parts.loc["C06a", "certainty_reasons"]


def test_injury_claim_judged_against_lauersen_and_wu(parts):
    # Lauersen 2014 abstract: strength training RR 0.315 (0.207-0.480), all sports
    r = parts.loc["C14c"]
    assert (r["estimate"], r["ci_lb"], r["ci_ub"]) == (0.315, 0.207, 0.480)
    assert r["verdict"] == "partly supported"
    assert parts.loc["C14d", "verdict"] == "inconclusive"


def test_claims_without_data_have_no_evidence(frame):
    for c in ("C15", "C16", "C18", "C19"):
        assert frame.loc[c, "verdict"] == "no evidence"


def test_every_claim_has_parts_and_every_part_resolves(ledger):
    parts = runecon.load("claim_parts")
    assert set(parts["claim_id"]) == set(runecon.load("claims")["claim_id"])
    pooled = set(runecon.load("pooled")["pooled_id"])
    for _, p in parts.iterrows():
        for ref in filter(None, str(p["evidence"]).split(";")):
            table, key = ref.split(":", 1)
            if table == "pooled":
                assert key in pooled, (p["part_id"], ref)
    computed = ledger.parts.set_index("part_id")
    has_numbers = parts[parts["how"].isin(["pooled", "refit", "contrast", "trial", "change",
                                         "function"])]
    # every computed part with a printed number got one (Eihara 2024's r is not printed)
    missing = [pid for pid in has_numbers["part_id"]
               if not np.isfinite(computed.loc[pid, "estimate"]) and pid != "C08a"]
    assert missing == []


@pytest.mark.slow
def test_a_registered_function_can_compute_a_part(tmp_path, monkeypatch):
    calls = []

    def fake(part, ctx):
        calls.append(part["part_id"])
        return dict(estimate=-0.3, ci_lb=-0.5, ci_ub=-0.1, k=5, k_es=5, n=120)

    from runecon import claims

    monkeypatch.setitem(claims.PART_FUNCTIONS, "speed_within", fake)
    claims._ledger_cached.cache_clear()
    try:
        p = claims.claims_ledger().parts.set_index("part_id")
        assert {"C05a", "C05b", "C05d"} <= set(calls)
        assert p.loc["C05b", "verdict"] == "supported"      # -0.5..-0.1, claimed "-"
        assert p.loc["C05a", "verdict"] == "contradicted"   # claimed "+"
    finally:
        claims._ledger_cached.cache_clear()
    with pytest.raises(InputError, match="func"):
        register_part_function("x", None)


@pytest.mark.slow
def test_ledger_markdown_and_csv_written_by_the_cli(tmp_path):
    from runecon.cli import main

    assert main(["figures", "--out", str(tmp_path), "--only", "claims_ledger",
                 "--format", "png"]) == 0
    csv = pd.read_csv(tmp_path / "claims_ledger.csv")
    assert csv["claim_id"].tolist() == runecon.load("claims")["claim_id"].tolist()
    md = (tmp_path / "claims_ledger.md").read_text(encoding="utf-8")
    assert md.count("\n| C") == len(csv) and "no web address known" in md


@pytest.mark.slow
def test_race_time_figure_uses_a_post_sd_smd(parts):
    import matplotlib

    matplotlib.use("Agg")
    from runecon import figures

    fig, numbers = figures.render("race_time")
    assert numbers["smd"]["standardiser"] == "post_sd"
    # % change of O2 cost = 100 x g x 6 % with g the re-fitted high-load effect (C01a)
    assert numbers["re_change_pct"]["estimate"] == pytest.approx(
        100 * 0.06 * parts.loc["C01a", "estimate"], abs=1e-12)
    # di Prampero over a 3-h marathon would be 1.6 % of 10 800 s, not Balsalobre's
    # -1.42 x 6 % = 8.5 % (about 1.6-fold the post-SD scale for Støren: -1.45 vs -0.91)
    assert "Llanos-Lagos 2024a" in numbers["sentence"]


def test_swc_of_an_smd_needs_a_between_runner_standardiser(parts):
    # Balsalobre-Fernández 2016 (standardiser 'unknown'): 0.2 SD means nothing on its scale
    assert np.isnan(parts.loc["C03a", "swc"])
    assert "SWC not applicable" in parts.loc["C03a", "certainty_reasons"]
    # the Llanos-Lagos re-fit (post-test SD) keeps it
    assert parts.loc["C01a", "swc"] == 0.2


# ----------------------------------------------------------------------- roles: lead and check
def _parts_frame(rows):
    cols = ["part_id", "claim_id", "role"]
    return pd.DataFrame(rows, columns=cols)


@pytest.mark.parametrize("rows, ok", [
    ([("C01a", "C01", "verdict"), ("C01b", "C01", "check of C01a")], True),
    ([("C01a", "C01", "verdict"), ("C01b", "C01", "lead")], False),             # unknown word
    ([("C01a", "C01", "verdict"), ("C01b", "C01", "check of C01c")], False),    # no such part
    ([("C01a", "C01", "verdict"), ("C02a", "C02", "check of C01a")], False),    # other claim
    ([("C01a", "C01", "check of C01b"), ("C01b", "C01", "check of C01a")], False),  # no lead
])
def test_a_check_names_a_verdict_part_of_its_own_claim(rows, ok):
    from runecon.claims import _check_roles

    if ok:
        _check_roles(_parts_frame(rows))
    else:
        with pytest.raises(InputError, match="role"):
            _check_roles(_parts_frame(rows))


def test_checks_are_left_out_of_verdict_and_certainty(ledger):
    p = ledger.parts
    f = ledger.to_frame().set_index("claim_id")
    assert set(p["role"]) - {"verdict"} == {"check of C06a", "check of C06b", "check of C07a",
                                            "check of C07b"}
    for cid, g in p.groupby("claim_id"):
        lead = g[g["role"] == "verdict"]
        assert f.loc[cid, "verdict"] == combine(lead["verdict"])
        graded = [c for c in lead["certainty"] if c in CERTAINTY]
        if graded:
            assert f.loc[cid, "certainty"] == max(graded, key=CERTAINTY.index)
        assert f.loc[cid, "lead_part"] in set(lead["part_id"])
    # the checks are shown: in the sentence and the reasons
    assert "Checked against the network meta-analysis" in f.loc["C06", "sentence"]
    assert "C07e (check of C07a, not in the verdict)" in f.loc["C07", "reasons"]


@pytest.mark.slow
def test_a_supported_check_does_not_change_the_verdict(monkeypatch):
    from runecon import claims

    def vague(part, ctx):      # the network: CI includes zero and a worthwhile benefit
        return dict(estimate=-0.1, ci_lb=-0.5, ci_ub=0.3, k=20, n=400, standardiser="pre_sd")

    def clear(part, ctx):      # the across-trial contrast: CI excludes zero
        return dict(estimate=-0.3, ci_lb=-0.5, ci_ub=-0.1, k=20, n=400, standardiser="post_sd")

    monkeypatch.setitem(claims.PART_FUNCTIONS, "network", vague)
    monkeypatch.setitem(claims._HOW, "contrast", clear)
    claims._ledger_cached.cache_clear()
    try:
        L = claims.claims_ledger()
        p = L.parts.set_index("part_id")
        # checks judged by the same rule: excludes zero, indirect across trials -> partly
        assert p.loc["C07e", "verdict"] == "partly supported"
        # verdict parts: C07a/b inconclusive by the fake, C07c/d inconclusive (printed)
        assert (p.loc[["C07a", "C07b", "C07c", "C07d"], "verdict"] == "inconclusive").all()
        assert L.to_frame().set_index("claim_id").loc["C07", "verdict"] == "inconclusive"
    finally:
        claims._ledger_cached.cache_clear()


# ----------------------------------------------------------------------- network contrasts
def _net(yi_ac, with_d=False):
    """Constructed network: two A-B, two B-C and (if yi_ac is not None) two A-C trials, and
    (with_d) two D-A trials; contrasts treat1 minus treat2, variance 0.04; common effect."""
    rows = [("s1", "B", "A", -0.5), ("s2", "B", "A", -0.5), ("s3", "C", "B", -0.5),
            ("s4", "C", "B", -0.5)]
    if yi_ac is not None:
        rows += [("s5", "C", "A", yi_ac), ("s6", "C", "A", yi_ac)]
    if with_d:
        rows += [("s7", "D", "A", -0.2), ("s8", "D", "A", -0.2)]
    d = pd.DataFrame(rows, columns=["study", "treat1", "treat2", "yi"]).assign(vi=0.04)
    return runecon.netmeta(d, study="study", treat1="treat1", treat2="treat2", yi="yi",
                           vi="vi", reference="A", method="FE")


def test_network_contrast_without_a_head_to_head_trial_is_indirect():
    net = _net(None)
    j = network_judgement(net, "C", "A")
    # C - A = (C - B) + (B - A) = -1.0; se = sqrt(0.02 + 0.02) (two trials per edge)
    assert j["estimate"] == pytest.approx(-1.0, abs=1e-10)
    assert j["ci_ub"] - j["estimate"] == pytest.approx(1.959963984540054 * math.sqrt(0.04),
                                                       abs=1e-10)
    assert j["direct"] == 0 and "head to head" in j["indirect"]
    # FE: tau2 = 0, the prediction interval is the CI
    assert (j["pi_lb"], j["pi_ub"]) == pytest.approx((j["ci_lb"], j["ci_ub"]), abs=1e-12)
    d = network_judgement(net, "B", "A")
    assert d["direct"] == 2 and d["indirect"] == ""


def test_network_incoherence_uses_the_test_that_applies_to_the_pair():
    # consistent loop: direct A-C -1.0 = indirect -0.5 + -0.5 -> nothing to flag
    ok = network_judgement(_net(-1.0, with_d=True), "C", "A")
    assert ok["direct"] == 2 and ok["incoherence"] == ""
    # direct A-C +1.0 against indirect -1.0: difference 2.0 with se sqrt(0.02 + 0.04) = 0.245,
    # z = 8.2, p far below 0.10
    bad = _net(1.0, with_d=True)
    ca = network_judgement(bad, "C", "A")           # direct and indirect: the node-split
    assert ca["incoherence"].startswith("node-split")
    dc = network_judgement(bad, "D", "C")           # indirect only: the global test
    assert dc["direct"] == 0 and dc["incoherence"].startswith("design-by-treatment")
    da = network_judgement(bad, "D", "A")           # direct only (D is a leaf): nothing
    assert da["direct"] == 2 and da["incoherence"] == ""
    g, why = grade(ci_lb=ca["ci_lb"], ci_ub=ca["ci_ub"], expected_sign="-", swc=SWC, k=6,
                   n=400, incoherence=ca["incoherence"])
    assert any(w.startswith("incoherence: node-split") for w in why)


# ----------------------------------------------------------------------- C05, C06, C07 numbers
@pytest.fixture(scope="module")
def slopes():
    return runecon.speed_slopes()      # running economy, Llanos-Lagos 2024a protocol


@pytest.fixture(scope="module")
def networks():
    return {o: runecon.method_network(o, method="REML", condition="median")
            for o in ("running_economy", "running_performance")}


LEDGER_TOL = 1e-12      # the same computation on the same rows: agreement to rounding only


def test_c05_parts_are_the_within_group_speed_slopes(parts, slopes):
    t = slopes.table.set_index("method")
    for pid, m in (("C05a", "plyometric"), ("C05b", "high_load")):
        r = parts.loc[pid]
        want = [t.loc[m, f"within_{c}"] for c in ("estimate", "ci_lb", "ci_ub")]
        assert [r["estimate"], r["ci_lb"], r["ci_ub"]] == pytest.approx(want, abs=LEDGER_TOL)
        # the between-group slope is shown, not judged
        b = f"{t.loc[m, 'between_estimate']:.3f}".replace("-", "\u2212")
        assert f"between-group slope {b}" in r["model"]
    c = slopes.contrast                # plyometric minus high load (default contrast)
    assert (c["method_a"], c["method_b"]) == ("high_load", "plyometric")
    r = parts.loc["C05d"]
    assert [r["estimate"], r["ci_lb"], r["ci_ub"]] == pytest.approx(
        [c["estimate"], c["ci_lb"], c["ci_ub"]], abs=LEDGER_TOL)
    # the methods' slopes come from trials that trained one of them: a comparison across
    # trials (indirect) unless every trial trained both
    d = slopes.data[slopes.data["method"].isin(["high_load", "plyometric"])]
    both = int((d.groupby("study_id")["method"].nunique() > 1).sum())
    assert (r["indirect"] != "") == (both < d["study_id"].nunique())
    # the rule: each CI includes zero -> inconclusive; within_trial starts moderate, -1 for
    # crossing zero -> low
    for pid in ("C05a", "C05b", "C05d"):
        lo, hi = parts.loc[pid, ["ci_lb", "ci_ub"]]
        if lo < 0 < hi:
            assert parts.loc[pid, "verdict"] == "inconclusive"
            assert parts.loc[pid, "certainty"] in ("low", "very low")


def test_c07_leads_with_the_network_league_contrast(parts, networks):
    for pid, o in (("C07a", "running_economy"), ("C07b", "running_performance")):
        net = networks[o]
        want = net.compare("high_load", "plyometric")
        r = parts.loc[pid]
        assert r["role"] == "verdict" and r["function"] == "network"
        assert [r["estimate"], r["ci_lb"], r["ci_ub"]] == pytest.approx(
            [want["estimate"], want["ci_lb"], want["ci_ub"]], abs=LEDGER_TOL)
        # prediction interval: estimate +- z sqrt(se^2 + tau2)
        half = 1.959963984540054 * math.sqrt(want["se"] ** 2 + net.tau2)
        assert r["pi_ub"] - r["estimate"] == pytest.approx(half, abs=1e-10)
        # head-to-head trials counted from the network's edges (either orientation)
        e = net.edges
        k_direct = int(e.loc[e[["treat1", "treat2"]].apply(set, axis=1)
                             == {"high_load", "plyometric"}, "k"].sum())
        assert r["direct"] == k_direct
        if k_direct == 0:
            assert "head to head" in r["indirect"]
        # the SWC of 0.2 SD applies to the pre-test-SD scale of the network
        assert r["swc"] == 0.2
        v, _ = judge(r["ci_lb"], r["ci_ub"], "-", swc=0.2, indirect=bool(r["indirect"]))
        assert r["verdict"] == v
    # the across-trial moderator contrasts are kept as checks
    assert parts.loc["C07e", "role"] == "check of C07a"
    assert parts.loc["C07f", "role"] == "check of C07b"


def test_c06_network_checks_equal_the_network_estimates(parts, networks):
    for pid, ref, o in (("C06c", "C06a", "running_economy"),
                        ("C06d", "C06b", "running_performance")):
        est = networks[o].estimates.set_index("treatment").loc["combined"]
        r = parts.loc[pid]
        assert r["role"] == f"check of {ref}" and parts.loc[ref, "role"] == "verdict"
        assert [r["estimate"], r["ci_lb"], r["ci_ub"], r["pi_lb"], r["pi_ub"]] == pytest.approx(
            [est["estimate"], est["ci_lb"], est["ci_ub"], est["pi_lb"], est["pi_ub"]],
            abs=LEDGER_TOL)
