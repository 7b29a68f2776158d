"""rma(): bad input raises clear errors; formulas, sei, level, predict and the printed
results behave as documented. Expected numbers here are hand calculations shown in the
tests (metafor agreement is in test_metafor_rma.py)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from runecon import rma
from runecon._rootfind import RootNotBracketed, r_uniroot
from runecon.errors import ConvergenceError, InputError, TooFewStudiesError

YI = np.array([-0.9, -1.6, -1.3, -1.4, -0.2, -0.8, -1.6, 0.0, -0.5, -1.4])
VI = np.array([0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.22, 0.004, 0.06, 0.07])
# Floating-point agreement of two algebraically identical computations.
RTOL_SAME = 1e-12
# The normal quantile typed with 16 digits against scipy's: agreement to ~1e-15, and the
# prediction-interval half-width goes through a sqrt of a sum: 1e-9 relative is ample.
RTOL_TYPED_QUANTILE = 1e-9
# r_uniroot is run with tol=1e-12 (R's uniroot convention: absolute x tolerance).
ATOL_UNIROOT = 1e-11


def test_mismatched_lengths_name_the_argument():
    with pytest.raises(InputError, match="'vi'.*length 9 but yi has length 10"):
        rma(YI, VI[:-1])


@pytest.mark.parametrize("bad", [0.0, -0.1, np.inf, np.nan])
def test_nonpositive_or_nonfinite_variances(bad):
    vi = VI.copy()
    vi[3] = bad
    with pytest.raises(InputError, match="'vi'.*position 4"):
        rma(YI, vi)


def test_nan_effect():
    yi = YI.copy()
    yi[2] = np.nan
    with pytest.raises(InputError, match="'yi'.*position 3"):
        rma(yi, VI)


def test_negative_sei():
    with pytest.raises(InputError, match="'sei'"):
        rma(YI, sei=-np.sqrt(VI))


def test_vi_and_sei_together():
    with pytest.raises(InputError, match="either vi or sei"):
        rma(YI, VI, sei=np.sqrt(VI))


def test_resolvable_weights_threshold():
    # other studies' share of the weight: (1/0.05 + 1/0.03) * t = 53.33 t; refused below 1e-8
    # (t < 1.875e-10), accepted at t = 1e-9 (share 5.3e-8), where tau2 and I2 keep ~8 digits
    ok = rma([0.1, 0.3, -0.2], [1e-9, 0.05, 0.03], method="DL")
    assert np.isfinite(ok.I2) and 0 <= ok.I2 <= 100
    with pytest.raises(InputError, match="'vi'.*hold only 8.0e-09"):
        rma([0.1, 0.3, -0.2], [1.5e-10, 0.05, 0.03], method="DL")


@pytest.mark.parametrize("method", ["DL", "REML", "PM", "SJ"])
def test_one_study_is_too_few_for_random_effects(method):
    with pytest.raises(TooFewStudiesError, match=f"method '{method}' needs k >= 2"):
        rma(YI[:1], VI[:1], method=method)


def test_one_study_fixed_effect_is_its_own_estimate():
    res = rma(YI[:1], VI[:1], method="FE")
    assert res.estimate == pytest.approx(YI[0], rel=RTOL_SAME)
    assert res.se == pytest.approx(np.sqrt(VI[0]), rel=RTOL_SAME)


def test_meta_regression_needs_k_above_p_plus_one():
    with pytest.raises(TooFewStudiesError, match="needs k >= 3"):
        rma(YI[:2], VI[:2], mods=np.array([1.0, 2.0]))


def test_t_test_needs_residual_df():
    with pytest.raises(TooFewStudiesError, match="k - p >= 1"):
        rma(YI[:1], VI[:1], method="FE", test="knha")


def test_unknown_method_and_test_list_valid_ones():
    with pytest.raises(InputError, match="valid methods are FE, DL, HE, HS, SJ, ML, REML, EB, PM"):
        rma(YI, VI, method="MM")
    with pytest.raises(InputError, match="valid tests are z, t, knha, adhoc"):
        rma(YI, VI, test="hksj")


def test_singular_moderators_are_named():
    x = np.arange(10.0)
    with pytest.raises(InputError, match="columns mods1, mods2 are collinear"):
        rma(YI, VI, mods=np.column_stack([x, 2 * x]))
    with pytest.raises(InputError, match="intrcpt, mods are collinear"):
        rma(YI, VI, mods=np.full(10, 3.0))
    df = pd.DataFrame({"yi": YI, "vi": VI, "a": x, "b": 5 - x})
    with pytest.raises(InputError, match="intrcpt, a, b are collinear"):
        rma("yi", "vi", mods="~ a + b", data=df)


def test_fixed_tau2_checks():
    with pytest.raises(InputError, match="'tau2'"):
        rma(YI, VI, tau2=-0.1)
    with pytest.raises(InputError, match="not used with method='FE'"):
        rma(YI, VI, method="FE", tau2=0.1)


def test_fisher_scoring_nonconvergence_reports_iterations():
    with pytest.raises(ConvergenceError) as exc:
        rma(YI, VI, method="REML", control={"maxiter": 1, "stepadj": 0.1})
    assert exc.value.iterations == 2
    assert "did not converge after 2 iterations" in str(exc.value)


def test_pm_root_above_search_bound():
    with pytest.raises(ConvergenceError, match="tau2_max"):
        rma(YI, VI, method="PM", control={"tau2_max": 1e-4})


def test_unknown_control_key():
    with pytest.raises(InputError, match="unknown keys"):
        rma(YI, VI, control={"thresh": 1e-8})


def test_sei_equals_vi():
    a = rma(YI, VI)
    b = rma(YI, sei=np.sqrt(VI))
    assert b.tau2 == pytest.approx(a.tau2, rel=RTOL_SAME)
    assert b.estimate == pytest.approx(a.estimate, rel=RTOL_SAME)


def test_level_as_fraction_or_percent():
    assert rma(YI, VI, level=0.9).ci_lb == rma(YI, VI, level=90).ci_lb
    with pytest.raises(InputError, match="'level'"):
        rma(YI, VI, level=120)


def test_fe_is_inverse_variance_weighted_mean():
    """Hand calculation: sum(w y) / sum(w), se = 1 / sqrt(sum(w)), w = 1 / vi."""
    res = rma(YI, VI, method="FE")
    w = 1 / VI
    assert res.estimate == pytest.approx(np.sum(w * YI) / w.sum(), rel=RTOL_SAME)
    assert res.se == pytest.approx(1 / np.sqrt(w.sum()), rel=RTOL_SAME)
    assert res.QE == pytest.approx(np.sum(w * (YI - res.estimate) ** 2), rel=RTOL_SAME)
    assert res.tau2 == 0.0 and res.se_tau2 is None
    assert res.weights.sum() == pytest.approx(1.0, rel=RTOL_SAME)


def test_dl_hand_calculation():
    """DerSimonian–Laird: tau2 = (Q - (k-1)) / (sum w - sum w² / sum w)."""
    w = 1 / VI
    mu = np.sum(w * YI) / w.sum()
    Q = np.sum(w * (YI - mu) ** 2)
    tau2 = (Q - 9) / (w.sum() - np.sum(w ** 2) / w.sum())
    res = rma(YI, VI, method="DL")
    assert res.tau2 == pytest.approx(tau2, rel=RTOL_SAME)
    ws = 1 / (VI + tau2)
    assert res.estimate == pytest.approx(np.sum(ws * YI) / ws.sum(), rel=RTOL_SAME)


def test_categorical_moderator_with_fe_is_difference_of_group_means():
    """With tau2 = 0 and one factor, the coefficient is the difference of the groups'
    inverse-variance weighted means; the reference level is the first in sorted order."""
    g = np.array(["plyo", "heavy"] * 5)
    df = pd.DataFrame({"yi": YI, "vi": VI, "method": g})
    res = rma("yi", "vi", mods="~ method", data=df, method="FE")
    assert res.coef_names == ("intrcpt", "methodplyo")

    def wmean(mask):
        w = 1 / VI[mask]
        return np.sum(w * YI[mask]) / w.sum()

    assert res.beta[0] == pytest.approx(wmean(g == "heavy"), rel=RTOL_SAME)
    assert res.beta[1] == pytest.approx(wmean(g == "plyo") - wmean(g == "heavy"), rel=RTOL_SAME)
    # a pandas Categorical keeps its own level order (as an R factor with given levels)
    df["method"] = pd.Categorical(g, categories=["plyo", "heavy"])
    res2 = rma("yi", "vi", mods="~ method", data=df, method="FE")
    assert res2.coef_names == ("intrcpt", "methodheavy")
    assert res2.beta[0] == pytest.approx(wmean(g == "plyo"), rel=RTOL_SAME)


def test_formula_left_hand_side_and_errors():
    df = pd.DataFrame({"g": YI, "vi": VI, "speed": np.linspace(10, 16, 10)})
    res = rma(None, mods="g ~ speed", data=df)
    assert res.coef_names == ("intrcpt", "speed") and res.k == 10
    with pytest.raises(InputError, match="column 'pace'.*not in data"):
        rma(None, mods="g ~ pace", data=df)
    with pytest.raises(InputError, match="not supported"):
        rma(None, mods="g ~ I(speed^2)", data=df)
    df.loc[3, "speed"] = np.nan
    with pytest.raises(InputError, match="row 4"):
        rma(None, mods="g ~ speed", data=df)


def test_predict_newmods_dict_equals_array():
    df = pd.DataFrame({"yi": YI, "vi": VI, "speed": np.linspace(10, 16, 10),
                       "method": ["plyo", "heavy"] * 5})
    res = rma("yi", "vi", mods="~ speed + method", data=df)
    a = res.predict(newmods=[14.0, 1.0])
    b = res.predict(newmods={"speed": 14.0, "method": "plyo"})
    assert a.pred == pytest.approx(b.pred, rel=RTOL_SAME)
    assert a.pred == pytest.approx(res.beta @ [1, 14.0, 1.0], rel=RTOL_SAME)
    assert a.pi_ub - a.pred == pytest.approx(1.959963984540054 * np.sqrt(a.se ** 2 + res.tau2),
                                             rel=RTOL_TYPED_QUANTILE)
    with pytest.raises(InputError, match="needs 2 value"):
        res.predict(newmods=[14.0])
    with pytest.raises(InputError, match="no moderators"):
        rma(YI, VI).predict(newmods=[1.0])


def test_confint_refuses_models_without_estimated_tau2():
    with pytest.raises(InputError, match="random-effects"):
        rma(YI, VI, method="FE").confint()
    with pytest.raises(InputError, match="fixed tau2"):
        rma(YI, VI, tau2=0.1).confint()


def test_result_is_frozen_and_displays():
    res = rma(YI, VI, slab=[f"s{i}" for i in range(10)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.tau2 = 0.0
    text = str(res)
    assert "Random-Effects Model (k = 10; tau^2 estimator: REML)" in text
    assert "Test for Heterogeneity:" in text and "Q(df = 9)" in text
    assert f"{res.estimate:.4f}" in text
    html = res._repr_html_()
    assert "<table>" in html and "REML" in html
    df = res.to_frame()
    assert list(df.columns[:6]) == ["estimate", "se", "zval", "pval", "ci_lb", "ci_ub"]
    assert df.loc["intrcpt", "tau2"] == res.tau2 and df.attrs["I2"] == res.I2
    assert "pi.lb" in str(res.predict()) and "I^2(%)" in str(res.confint())
    assert list(res.confint().to_frame().index) == ["tau2", "tau", "I2", "H2"]


def _every_result():
    """One of each result class of the engine and the analyses built on it."""
    import runecon as rc

    res = rma(YI, VI, slab=[f"s{i}" for i in range(10)])
    mv = rc.rma_mv(YI, VI, cluster=[i // 2 for i in range(10)])
    return {"RMAResult": res, "RMAMVResult": mv, "PredictResult": res.predict(),
            "ConfintResult": res.confint(fixed=True), "RobustResult": rc.robust(mv),
            "LevelTest": mv.lrt[0], "BayesResult": rc.bayesmeta(YI, VI, tau_scale=0.5),
            "TableResult": rc.leave1out(res), "PermutestResult": rc.permutest(res, iter=20, seed=1),
            "RegtestResult": rc.regtest(res), "TrimfillResult": rc.trimfill(res),
            "PetPeeseResult": rc.pet_peese(res), "FunnelData": rc.funnel_data(res),
            "SubgroupResult": rc.subgroups(YI, VI, [i % 2 for i in range(10)])}


def test_results_share_one_base_class_and_are_immutable():
    from runecon.results import Result

    for name, res in _every_result().items():
        assert isinstance(res, Result) and type(res).__name__ == name, name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(res, dataclasses.fields(res)[0].name, None)
        for f in dataclasses.fields(res):
            value = getattr(res, f.name)
            if isinstance(value, np.ndarray):
                assert not value.flags.writeable, f"{name}.{f.name} is writable"
        # equality is identity: a result equals itself only (and comparing never raises
        # numpy's "truth value of an array is ambiguous")
        assert res == res and res != dataclasses.replace(res), name
        assert "<" in res._repr_html_(), name


#: result classes not derived from Result (none: keep the set for a future exception with
#: its reason)
NOT_YET_RESULT: set = set()


def test_every_public_result_class_derives_from_result():
    import inspect

    import runecon as rc
    from runecon.physiology import RacePrediction
    from runecon.results import LevelTest, Result
    from runecon.simulate import CoverageResult

    classes = [getattr(rc, n) for n in rc.__all__ if inspect.isclass(getattr(rc, n))]
    classes += [RacePrediction, CoverageResult, LevelTest]
    for cls in classes:
        if cls.__name__ in NOT_YET_RESULT:
            continue
        assert dataclasses.is_dataclass(cls) and issubclass(cls, Result), cls.__name__
        assert cls.__eq__ is object.__eq__, f"{cls.__name__}: eq=False"
        assert cls.__dataclass_params__.frozen, cls.__name__


def test_writing_into_a_result_array_raises():
    res = rma(YI, VI)
    for arr in (res.beta, res.yi, res.vi, res.weights, res.vb, res.X):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1.0
    assert res.beta[0] == pytest.approx(res.estimate)
    # the caller's arrays stay theirs: the result locked a view, not the input
    yi = YI.copy()
    rma(yi, VI)
    yi[0] = 5.0


def test_result_frames_are_writable_copies():
    res = rma(YI, VI, mods=np.linspace(0, 1, 10))
    df = res.to_frame()
    df.loc["intrcpt", "estimate"] = 99.0
    assert res.beta[0] != 99.0


def test_meta_regression_display_has_moderator_test():
    res = rma(YI, VI, mods=np.linspace(0, 1, 10), test="knha")
    text = str(res)
    assert "Test of Moderators (coefficient 2):" in text and "F(df1 = 1, df2 = 8)" in text
    assert "tval" in text and "R^2" in text


def test_uniroot_needs_a_bracket():
    with pytest.raises(RootNotBracketed):
        r_uniroot(lambda x: x * x + 1, 0.0, 1.0)
    root, it, _ = r_uniroot(lambda x: x * x - 2, 0.0, 2.0, tol=1e-12)
    assert root == pytest.approx(np.sqrt(2), abs=ATOL_UNIROOT) and it > 0


def test_duplicated_study_labels_are_made_unique_like_metafor():
    res = rma(YI[:4], VI[:4], slab=["Rosenthal", "Aronson", "Rosenthal", "Hart"])
    assert res.slab == ("Rosenthal.1", "Aronson", "Rosenthal.2", "Hart")
