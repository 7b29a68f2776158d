"""runecon.escalc / escalc_prepost against metafor 3.8.1 (validation/metafor/escalc.R)
and hand calculations written out below."""
from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import cases_by_name

import runecon
from runecon.effects import MEASURES, escalc, escalc_prepost, hedges_j
from runecon.errors import InputError

# Closed-form formulas evaluated in double precision in both R and numpy: only rounding
# differs (lgamma, sqrt, log); 1e-12 relative leaves room for a few ulps of accumulation.
RTOL_CLOSED_FORM = 1e-12
# Expected values written by hand at 4-6 significant digits below.
ATOL_HAND = 5e-6

REF = cases_by_name("metafor_escalc.json")
VTYPES = {m: v for m, (_, v) in MEASURES.items()}


def _run(case):
    name, inp = case["name"], case["input"]
    if name.startswith("normand1999") or name.startswith("small"):
        _, measure, vtype = name.split("_") if name.startswith("normand") else \
            (None, "SMD", "LS")
        return escalc(measure, vtype=vtype, **{k: inp[k] for k in
                                               ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")})
    _, measure, vtype = name.split("_")
    sd1 = inp["sd_pre"] if measure == "SMCR" else inp["sd_post"]
    kw = dict(m1i=inp["m_post"], m2i=inp["m_pre"], sd1i=sd1, ni=inp["ni"], ri=inp["ri"])
    if measure != "SMCR":
        kw["sd2i"] = inp["sd_pre"]
    return escalc(measure, vtype=vtype, **kw)


SINGLE = [n for n in REF if not n.startswith(("morris2008_ppc1", "morris2008_prepost"))]


@pytest.mark.parametrize("name", SINGLE)
def test_escalc_equals_metafor(name):
    case = REF[name]
    res = _run(case)
    np.testing.assert_allclose(res["yi"], case["output"]["yi"], rtol=RTOL_CLOSED_FORM, atol=0)
    np.testing.assert_allclose(res["vi"], case["output"]["vi"], rtol=RTOL_CLOSED_FORM, atol=0)


def test_reference_grid_complete():
    """Every measure x vtype that runecon offers has a metafor reference case."""
    covered = set()
    for n in SINGLE:
        if n.startswith("small"):
            continue
        _, m, vt = n.split("_")
        covered.add((m, vt))
    offered = {(m, vt) for m, vts in VTYPES.items() for vt in vts}
    offered.discard(("MD", "UB"))      # identical to MD "LS" in metafor
    assert offered <= covered, offered - covered
    # 30 cases in tests/data/metafor_escalc.json (validation/metafor/escalc.R); pinned so
    # that a regenerated file with fewer cases fails here instead of testing less
    assert len(REF) == 30


def test_data_argument_with_column_names():
    case = REF["normand1999_SMD_LS"]
    import pandas as pd
    df = pd.DataFrame(case["input"])
    res = runecon.escalc("SMD", m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i",
                         n2i="n2i", data=df)
    assert list(res.columns[:6]) == list(df.columns)
    np.testing.assert_allclose(res["yi"], case["output"]["yi"], rtol=RTOL_CLOSED_FORM)


def test_prepost_pre_equals_metafor_difference_of_smcr():
    """standardiser='pre', variance='morris' = metafor's d_ppc1 (Becker 1988) recipe."""
    case = REF["morris2008_ppc1_difference_of_SMCR"]
    T, C = case["input"]["T"], case["input"]["C"]
    res = escalc_prepost(m1i_pre=T["m_pre"], sd1i_pre=T["sd_pre"], m1i_post=T["m_post"],
                         sd1i_post=T["sd_post"], n1i=T["ni"], m2i_pre=C["m_pre"],
                         sd2i_pre=C["sd_pre"], m2i_post=C["m_post"], sd2i_post=C["sd_post"],
                         n2i=C["ni"], ri=T["ri"], standardiser="pre", variance="morris")
    np.testing.assert_allclose(res["yi"], case["output"]["yi"], rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(res["vi"], case["output"]["vi"], rtol=RTOL_CLOSED_FORM)
    assert (res["standardiser"] == "pre").all() and (res["variance"] == "morris").all()


@pytest.mark.parametrize("name", [n for n in REF if n.startswith("morris2008_prepost")])
def test_prepost_equals_metafor_smd_of_change_scores(name):
    """standardiser 'post'/'change' with variance 'bh' ('simple') = metafor's SMD of the
    change scores with vtype 'LS2' ('LS')."""
    case = REF[name]
    T, C = case["input"]["T"], case["input"]["C"]
    standardiser = name.split("_")[2]
    variance = {"LS2": "bh", "LS": "simple"}[name.split("_")[-1]]
    res = escalc_prepost(m1i_pre=T["m_pre"], sd1i_pre=T["sd_pre"], m1i_post=T["m_post"],
                         sd1i_post=T["sd_post"], n1i=T["ni"], m2i_pre=C["m_pre"],
                         sd2i_pre=C["sd_pre"], m2i_post=C["m_post"], sd2i_post=C["sd_post"],
                         n2i=C["ni"], ri=T["ri"], standardiser=standardiser,
                         variance=variance)
    np.testing.assert_allclose(res["yi"], case["output"]["yi"], rtol=RTOL_CLOSED_FORM)
    np.testing.assert_allclose(res["vi"], case["output"]["vi"], rtol=RTOL_CLOSED_FORM)


# --------------------------------------------------------------------------- by hand
def test_hedges_j_by_hand():
    # df = 4: J = Γ(2)/(√2 Γ(1.5)) = 1/(√2 · √π/2) = 2/√(2π) = 0.797885
    assert hedges_j(4) == pytest.approx(2 / math.sqrt(2 * math.pi), abs=1e-15)
    # approximate: 1 - 3/(4·4 - 1) = 1 - 3/15 = 0.8
    assert hedges_j(4, "approx") == pytest.approx(0.8, abs=1e-15)
    assert hedges_j(4, "none") == 1.0


# One controlled trial (numbers chosen for easy arithmetic):
#   intervention n1 = 10: pre 200 (SD 10), post 190 (SD 12); change -10
#   control      n2 = 10: pre 200 (SD 10), post 198 (SD 9);  change  -2
#   difference in change D = -10 - (-2) = -8; df = 18
#   J(18) exact = Γ(9)/(√9 Γ(8.5)) = 40320 / (3 · 14034.407) = 40320 / 42103.22 = 0.957646
#   J(18) approx = 1 - 3/(72 - 1) = 0.957746
TRIAL = dict(m1i_pre=200, sd1i_pre=10, m1i_post=190, sd1i_post=12, n1i=10,
             m2i_pre=200, sd2i_pre=10, m2i_post=198, sd2i_post=9, n2i=10)
J18 = 40320 / (3 * math.gamma(8.5))


def test_prepost_post_bh_by_hand():
    # pooled post SD = √((9·144 + 9·81)/18) = √112.5 = 10.606602
    # d = -8 / 10.606602 = -0.754247 ; g = J·d = 0.957646 · -0.754247 = -0.722302
    # var_BH = J²(1/10 + 1/10 + d²/40) = 0.917087 · (0.2 + 0.568889/40) = 0.917087 · 0.214222
    #        = 0.196460
    r = escalc_prepost(**TRIAL)
    assert J18 == pytest.approx(0.957646, abs=ATOL_HAND)
    assert r["sd_std"][0] == pytest.approx(10.606602, abs=ATOL_HAND)
    assert r["d"][0] == pytest.approx(-0.754247, abs=ATOL_HAND)
    assert r["yi"][0] == pytest.approx(-0.722302, abs=ATOL_HAND)
    assert r["vi"][0] == pytest.approx(0.196460, abs=ATOL_HAND)
    assert tuple(r.loc[0, ["standardiser", "correction", "variance"]]) == ("post", "exact", "bh")


def test_prepost_simple_and_approx_by_hand():
    # approx J = 0.957746; g = -0.754247 · 0.957746 = -0.722377
    # var_simple = 0.2 + g²/40 = 0.2 + 0.013046 = 0.213046
    r = escalc_prepost(**TRIAL, correction="approx", variance="simple")
    assert r["yi"][0] == pytest.approx(-0.722377, abs=ATOL_HAND)
    assert r["vi"][0] == pytest.approx(0.213046, abs=ATOL_HAND)
    r0 = escalc_prepost(**TRIAL, correction="none", variance="simple")
    assert r0["yi"][0] == pytest.approx(-0.754247, abs=ATOL_HAND)


def test_prepost_change_by_hand():
    # r = 0.5: SD change int = √(100 + 144 - 120) = √124 = 11.135529
    #          SD change con = √(100 + 81 - 90)  = √91  = 9.539392
    # pooled = √((124 + 91)/2) = √107.5 = 10.368221 ; d = -8/10.368221 = -0.771589
    # g = 0.957646 · d = -0.738909
    r = escalc_prepost(**TRIAL, ri=0.5, standardiser="change")
    assert r["sd_std"][0] == pytest.approx(10.368221, abs=ATOL_HAND)
    assert r["yi"][0] == pytest.approx(-0.738909, abs=ATOL_HAND)
    assert r["ri"][0] == 0.5


def test_prepost_pooled_pre_morris_by_hand():
    # pooled pre SD = 10 ; d = -0.8 ; g = 0.957646 · -0.8 = -0.766117 ; g² = 0.586935
    # Morris (2008) eq. 25 with r = 0.5, h = (n1+n2)/(n1 n2) = 0.2, df = 18:
    #   2 J² (1-r) h (18/16) (1 + g²/(2(1-r)h)) - g²
    #   = 2 · 0.917087 · 0.5 · 0.2 · 1.125 · (1 + 0.586935/0.2) - 0.586935
    #   = 0.206345 · 3.934677 - 0.586935 = 0.811899 - 0.586935 = 0.224964
    r = escalc_prepost(**TRIAL, ri=0.5, standardiser="pooled_pre", variance="morris")
    assert r["yi"][0] == pytest.approx(-0.766117, abs=ATOL_HAND)
    assert r["vi"][0] == pytest.approx(0.224964, abs=ATOL_HAND)


def test_prepost_flip():
    r = escalc_prepost(**TRIAL, flip=True)
    assert r["yi"][0] == pytest.approx(0.722302, abs=ATOL_HAND)
    assert bool(r["flip"][0])


# --------------------------------------------------------------------------- conversions
def test_conversions_by_hand():
    # 95% CI [0.2, 0.6]: SE = 0.4 / (2 · 1.959964) = 0.102043
    assert runecon.ci_to_se(0.2, 0.6) == pytest.approx(0.102043, abs=ATOL_HAND)
    # t = 2.5 for estimate 1.0: SE = 0.4
    assert runecon.t_to_se(1.0, 2.5) == pytest.approx(0.4, abs=1e-15)
    # p = 0.05 two-sided, normal: SE = 1 / 1.959964 = 0.510214
    assert runecon.p_to_se(1.0, 0.05) == pytest.approx(0.510214, abs=ATOL_HAND)
    # t with 10 df: q(0.975) = 2.228139 -> SE = 0.448806
    assert runecon.p_to_se(1.0, 0.05, df=10) == pytest.approx(0.448806, abs=ATOL_HAND)
    # SMD -0.5 with SD 10 and mean 200: -5 units = -2.5 %
    assert runecon.smd_to_pct(-0.5, 10, 200) == pytest.approx(-2.5, abs=1e-12)
    assert runecon.pct_to_smd(-2.5, 10, 200) == pytest.approx(-0.5, abs=1e-12)


# --------------------------------------------------------------------------- bad input
BASE = dict(m1i=[1.0, 2.0], sd1i=[1.0, 1.0], n1i=[10, 10], m2i=[1.0, 1.0], sd2i=[1.0, 1.0],
            n2i=[10, 10])


@pytest.mark.parametrize("change, argument", [
    (dict(m2i=[1.0]), None),              # scalar-like length 1 broadcasts: not an error
    (dict(m2i=[1.0, 2.0, 3.0]), "m2i"),
    (dict(sd1i=[1.0, 0.0]), "sd1i"),
    (dict(sd2i=[-1.0, 1.0]), "sd2i"),
    (dict(n2i=[10, 1]), "n2i"),
    (dict(m1i=[np.nan, 1.0]), "m1i"),
])
def test_bad_input_two_groups(change, argument):
    kw = {**BASE, **change}
    if argument is None:
        assert len(escalc("SMD", **kw)) == 2
        return
    with pytest.raises(InputError) as e:
        escalc("SMD", **kw)
    assert e.value.argument == argument


def test_bad_input_other():
    with pytest.raises(InputError) as e:
        escalc("OR", **BASE)
    assert e.value.argument == "measure"
    with pytest.raises(InputError) as e:
        escalc("SMCR", m1i=[1, 2], m2i=[0, 1], sd1i=[1, 1], ni=[5, 5], ri=[0.5, 1.2])
    assert e.value.argument == "ri"
    with pytest.raises(InputError) as e:
        escalc("SMD", vtype="HO", **BASE)
    assert e.value.argument == "vtype"
    with pytest.raises(InputError) as e:
        escalc("ROM", **{**BASE, "m1i": [-1.0, 2.0]})
    assert e.value.argument == "m1i"
    with pytest.raises(InputError) as e:
        escalc_prepost(**TRIAL, standardiser="change")
    assert e.value.argument == "ri"
    with pytest.raises(InputError) as e:
        escalc_prepost(**TRIAL, standardiser="baseline")
    assert e.value.argument == "standardiser"
    with pytest.raises(InputError) as e:
        escalc_prepost(**{**TRIAL, "n2i": 1})
    assert e.value.argument == "n2i"
    arr = {k: [v, v] for k, v in TRIAL.items()}
    with pytest.raises(InputError) as e:
        escalc_prepost(**{**arr, "m1i_pre": [200, 200, 200]})
    assert e.value.argument == "m1i_pre"
    with pytest.raises(InputError) as e:
        runecon.ci_to_se(0.6, 0.2)
    assert e.value.argument == "ub"
    with pytest.raises(InputError) as e:
        runecon.p_to_se(1.0, 0.0)
    assert e.value.argument == "p"


@pytest.mark.parametrize("measure, extra, argument", [
    ("SMD", dict(ri=[0.5, 0.5]), "ri"),           # a correlation SMD does not use
    ("MD", dict(ni=[10, 10]), "ni"),
    ("SMCR", dict(sd2i=[1.0, 1.0]), "sd2i"),      # SMCR standardises by sd1i only
    ("SMCC", dict(n1i=[5, 5]), "n1i"),            # ni and its alias n1i both given
])
def test_an_argument_the_measure_does_not_use_is_an_error(measure, extra, argument):
    """Nothing is dropped silently: an unused argument is named, not ignored."""
    if measure in ("SMD", "MD"):
        kw = {**BASE, **extra}
    else:
        kw = dict(m1i=[1, 2], m2i=[0, 1], sd1i=[1, 1], sd2i=[1, 1], ni=[5, 5], ri=[0.5, 0.5])
        if measure == "SMCR":
            del kw["sd2i"]
        kw.update(extra)
    with pytest.raises(InputError) as e:
        escalc(measure, **kw)
    assert e.value.argument == argument
    assert "does not use" in str(e.value) or "not both" in str(e.value)


@pytest.mark.parametrize("call, argument", [
    (lambda: runecon.smd_to_pct(np.nan, 10, 200), "smd"),
    (lambda: runecon.smd_to_pct(-0.5, np.nan, 200), "sd_ref"),
    (lambda: runecon.pct_to_smd(np.inf, 10, 200), "pct"),
    (lambda: runecon.t_to_se(np.nan, 2.0), "estimate"),
    (lambda: runecon.p_to_se([1.0, np.nan], [0.05, 0.05]), "estimate"),
    (lambda: runecon.ci_to_se(np.nan, 0.5), "lb"),
])
def test_conversions_refuse_missing_values(call, argument):
    """NaN in, NaN out would hide a missing number: the argument is named instead."""
    with pytest.raises(InputError) as e:
        call()
    assert e.value.argument == argument


def test_prepost_records_ri_only_where_it_is_used():
    # standardiser "post" with variance "bh" does not use ri: recording the 0.5 passed in
    # would claim a choice that had no effect on yi or vi
    r = escalc_prepost(**TRIAL, ri=0.5)
    assert np.isnan(r["ri"][0])
    assert r["yi"][0] == pytest.approx(-0.722302, abs=ATOL_HAND)   # as without ri
    assert escalc_prepost(**TRIAL, ri=0.5, standardiser="change")["ri"][0] == 0.5
