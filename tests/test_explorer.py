"""The explorer of notebook 20 (runecon/viz/explorer.py), tested without a browser.

Expected values: printed by Llanos-Lagos 2024a (Sports Med 54:895-932,
doi:10.1007/s40279-023-01978-y; Sect. 3.4 and Tables 4-6, also data/pooled.csv) and metafor
(tests/data/metafor_rma_mv.json, validation/metafor/rma_mv.R), or the physiology module
called directly with the pooled numbers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import cases_by_name

import runecon
from runecon import explorer as E
from runecon.errors import InputError, TooFewStudiesError

#: printed to 3 decimals: a reproduced value lies within half a unit of the last digit
PRINTED_ROUNDING = 0.0005 + 1e-12
#: runecon vs metafor on the same data: metafor's optimiser stops within ~3e-7 of the REML
#: optimum (tests/test_reproduce_llanoslagos2024a.py), moving beta and the CI by < 1e-6
ATOL_METAFOR = 1e-6


@pytest.fixture(scope="module")
def ex():
    return E.Explorer()


def test_default_state_pools_all_81_running_economy_comparisons(ex):
    # Llanos-Lagos 2024a: 19 + 20 + 7 + 28 + 7 = 81 effect sizes from 31 studies (Sect. 3.2)
    assert ex.result.k == 81 and ex.data["study_id"].nunique() == 31
    assert ex.selection == E.Selection()
    assert "k = 81" in ex.message


@pytest.mark.parametrize("method", ["high_load", "plyometric"])
def test_method_filter_reproduces_the_printed_three_level_estimate(method):
    # Sect. 3.4 (pp. 910, 917): HL -0.266 [-0.516, -0.015]; PL -0.122 [-0.299, 0.054]
    printed = {"high_load": (-0.266, -0.516, -0.015), "plyometric": (-0.122, -0.299, 0.054)}
    r = E.Explorer(E.Selection(methods=(method,))).result
    for got, want in zip((r.estimate, r.ci_lb, r.ci_ub), printed[method]):
        assert abs(got - want) <= PRINTED_ROUNDING


def test_refit_equals_metafor_for_each_method():
    cases = cases_by_name("metafor_rma_mv.json")
    ex = E.Explorer()
    for m in E.METHODS:
        out = cases[f"llanoslagos2024a_{m}_REML_t"]["output"]
        r = ex.update(methods=(m,)).result
        assert r.k == out["k"]
        np.testing.assert_allclose([r.estimate, r.ci_lb, r.ci_ub],
                                   [out["beta"], out["ci_lb"], out["ci_ub"]], rtol=0,
                                   atol=ATOL_METAFOR, err_msg=m)


@pytest.mark.parametrize("method", E.METHODS)
def test_speed_bands_and_levels_partition_each_method(method):
    """Every comparison has exactly one speed band and one level: the single-value
    selections add up to the method's k and hold only rows of that value."""
    ex = E.Explorer(E.Selection(methods=(method,)))
    k = len(ex.data)
    for name, values, column in (("speed_bands", E.SPEED_BANDS, "speed_band"),
                                 ("levels", E.LEVELS, "level")):
        sizes = []
        for v in values:
            d = ex.update(**{name: (v,)}).data
            assert set(d[column]) <= {v}
            sizes.append(len(d))
        ex.update(**{name: values})
        assert sum(sizes) == k, name


def test_speed_band_of_printed_speeds():
    # a row printed at 9.00 km/h (Ache-Dias 2016, Table 3) lies in the lowest band
    d = E.comparisons_for("running_economy")
    row = d[d["record_id"] == "ll2024a_t3_001"].iloc[0]
    assert row["speed_kmh"] == 9.0 and row["speed_band"] == "< 11.50 km/h"


def test_filters_combine_as_intersection():
    ex = E.Explorer(E.Selection(methods=("high_load", "plyometric"), levels=("HT",),
                                speed_bands=("> 14.50 km/h",)))
    d = ex.data
    assert set(d["method"]) <= {"high_load", "plyometric"} and set(d["level"]) == {"HT"}
    assert set(d["speed_band"]) == {"> 14.50 km/h"}
    all_ = E.comparisons_for("running_economy")
    manual = all_[all_["method"].isin(["high_load", "plyometric"]) & (all_["level"] == "HT")
                  & (all_["speed_band"] == "> 14.50 km/h")]
    assert sorted(d["es_id"]) == sorted(manual["es_id"])


def test_estimator_choice_refits_with_that_estimator():
    ex = E.Explorer(E.Selection(methods=("high_load",), estimator="DL", test="z"))
    r = ex.result
    assert r.method == "DL" and r.test == "z" and not hasattr(r, "sigma2")
    # DerSimonian-Laird by hand (DerSimonian & Laird 1986, doi:10.1016/0197-2456(86)90046-2)
    y, v = ex.data["yi"].to_numpy(), ex.data["vi"].to_numpy()
    w = 1 / v
    q = np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)
    tau2 = max(0.0, (q - (len(y) - 1)) / (w.sum() - np.sum(w ** 2) / w.sum()))
    ws = 1 / (v + tau2)
    assert r.tau2 == pytest.approx(tau2, rel=1e-10)
    assert r.estimate == pytest.approx(np.sum(ws * y) / ws.sum(), rel=1e-10)
    assert ex.update(estimator="FE").result.tau2 == 0.0


def test_three_level_falls_back_to_two_level_when_clusters_hold_one_effect():
    # Llanos-Lagos 2024b performance: every comparison its own group
    ex = E.Explorer(E.Selection(outcome="running_performance"))
    assert ex.data["cluster"].is_unique and not hasattr(ex.result, "sigma2")
    assert ex.result.method == "REML" and ex.result.test == "t"


def test_no_match_gives_a_message_not_a_fit():
    ex = E.Explorer()
    ex.update(methods=())
    assert ex.result is None and ex.message == E.NO_MATCH and ex.pooled().empty
    # isometric arms were never tested above 14.50 km/h (Table 3)
    ex.update(methods=("isometric",), speed_bands=("> 14.50 km/h",))
    assert ex.result is None and ex.message == E.NO_MATCH
    with pytest.raises(TooFewStudiesError, match="No studies match"):
        E.fit(ex.data)
    with pytest.raises(InputError, match="No studies match"):
        ex.runner(vo2max=55)


def test_too_few_for_the_estimator_is_a_message():
    # Llanos-Lagos 2024b TTE: Bertuzzi 2013 and Støren 2008 (HT), both high load
    ex = E.Explorer(E.Selection(outcome="tte", estimator="REML", levels=("HT",)))
    assert len(ex.data) == 1 and ex.result is None and "too few" in ex.message
    # a t test needs k - p >= 1 as well; a fixed-effect z "pool" of one study is its effect
    assert ex.update(estimator="FE").result is None
    r = ex.update(test="z").result
    assert r.k == 1 and r.estimate == pytest.approx(ex.data["yi"].iloc[0], rel=1e-12)


@pytest.mark.parametrize("change,argument", [
    ({"methods": ("heavy",)}, "methods"), ({"speed_bands": ("fast",)}, "speed_bands"),
    ({"levels": ("elite",)}, "levels"), ({"estimator": "Bayes"}, "estimator"),
    ({"test": "knha"}, "test"), ({"outcome": "injury"}, "outcome"), ({"colour": 1}, "colour"),
])
def test_bad_filter_values_raise_naming_the_filter_and_keep_the_state(change, argument):
    ex = E.Explorer(E.Selection(methods=("plyometric",)))
    before = (ex.selection, ex.result.estimate)
    with pytest.raises(InputError) as err:
        ex.update(**change)
    assert err.value.argument == argument
    assert (ex.selection, ex.result.estimate) == before


def test_choices_count_the_comparisons():
    c = E.choices("running_economy")
    assert c["methods"] == {"high_load": 19, "submaximal": 7, "plyometric": 28,
                            "isometric": 7, "combined": 20}
    assert sum(c["speed_bands"].values()) == 81 == sum(c["levels"].values())


def test_runner_panel_equals_the_physiology_module_called_directly(ex):
    d = runecon.comparisons("running_economy", review="llanoslagos2024a")
    direct = runecon.rma_mv(d["yi"], d["vi"], cluster=d["cluster"], test="t")
    want = runecon.predict_race_times(vo2max=55.0, smd=direct.estimate,
                                      ci=(direct.ci_lb, direct.ci_ub)).to_frame()
    got = ex.runner(vo2max=55.0).to_frame()
    pd.testing.assert_frame_equal(got, want, rtol=1e-9)
    race = ex.runner(race=(10000, 40 * 60)).to_frame()
    want = runecon.predict_race_times(race=(10000, 2400), smd=direct.estimate,
                                      ci=(direct.ci_lb, direct.ci_ub)).to_frame()
    pd.testing.assert_frame_equal(race, want, rtol=1e-9)
    # a better RE means a faster race: every point prediction is negative
    assert (race["delta_s"] < 0).all()


def test_runner_panel_needs_running_economy():
    ex = E.Explorer(E.Selection(outcome="running_performance"))
    with pytest.raises(InputError) as err:
        ex.runner(vo2max=55)
    assert err.value.argument == "outcome"


def test_draw_without_a_browser():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for sel in (E.Selection(methods=("submaximal",)),                    # three-level
                E.Selection(methods=("submaximal",), estimator="REML"),  # two-level forest
                E.Selection(methods=())):                                # message
        fig, ax = plt.subplots()
        E.draw(E.Explorer(sel), ax)
        plt.close(fig)


def test_ipywidgets_imported_only_inside_build_ui():
    """Importing runecon must not need ipywidgets: the module's top level imports neither
    ipywidgets nor matplotlib; ipywidgets appears only in build_ui."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(E))
    top = {a.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import)
           for a in node.names}
    top |= {(node.module or "").split(".")[0] for node in tree.body
            if isinstance(node, ast.ImportFrom)}
    assert not top & {"ipywidgets", "matplotlib", "IPython"}
    users = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
             for node in ast.walk(fn) if isinstance(node, ast.Import)
             and any(a.name == "ipywidgets" for a in node.names)}
    assert users == {"build_ui"}


def test_widget_callbacks_update_the_state():
    pytest.importorskip("ipywidgets")
    ui = E.build_ui()
    assert ui.ex.result.k == 81
    ui.methods.value = ("high_load",)
    assert ui.ex.result.k == 19 and runecon.labels.code_words(ui.message.value) == []
    assert ui.ex.message in ui.message.value.replace("&#x27;", "'")
    ui.levels.value = ()
    assert ui.ex.result is None and E.NO_MATCH in ui.message.value
    ui.levels.value = E.LEVELS
    ui.estimator.value = "PM"
    assert ui.ex.result.method == "PM" and ui.ex.result.k == 19
    # the estimator box says what was fitted
    assert "Paule" in ui.fitted.value and "two-level" in ui.fitted.value
    ui.on_all()
    assert ui.ex.result.k == 81 and ui.ex.selection.estimator == "PM"
    ui.on_reset()
    assert ui.ex.selection == E.Selection() and "three-level" in ui.fitted.value


def test_fallback_is_said_and_the_fitted_model_named():
    # Llanos-Lagos 2024b performance: every comparison its own training group
    ex = E.Explorer(E.Selection(outcome="running_performance"))
    assert "two-level REML model, which was fitted" in ex.note
    assert E.fitted(ex.result).startswith("two-level REML")
    assert "three-level" not in ex.message
    assert E.Explorer().note == ""


def test_messages_are_friendly_not_exception_text():
    ex = E.Explorer(E.Selection(outcome="tte", estimator="REML", levels=("HT",)))
    assert "Only 1 comparison matches" in ex.message
    for raw in ("argument", "Error", "'", "in 1 studies", "_"):
        assert raw not in ex.message, raw


def test_runner_inputs_outside_the_ranges_give_messages_and_are_not_clamped():
    ex = E.Explorer()
    assert ex.runner_messages(vo2max=55, body_mass_kg=58, height_m=1.71) == []
    msgs = ex.runner_messages(vo2max=90, body_mass_kg=58, height_m=1.71)
    assert len(msgs) == 1 and "outside 30\u201385" in msgs[0]
    # the prediction uses the value as typed (Daniels' VDOT = 90, flagged, not 85)
    with pytest.warns(runecon.errors.RuneconWarning):
        assert ex.runner(vo2max=90).vdot == 90
    lo, hi = E.runner_ranges()["body mass"]
    assert len(ex.runner_messages(vo2max=55, body_mass_kg=hi + 1)) == 1
    # a 10 km in 20:00 is a VDOT beyond Daniels' tables (> 85)
    assert ex.runner_messages(race=(10000, 20 * 60))


def test_runner_panel_widgets():
    pytest.importorskip("ipywidgets")
    ui = E.build_ui()
    assert "<table" in ui.panel.value and ui.runner_msg.value == ""
    ui.vo2max.value = 90.0
    assert "outside 30" in ui.runner_msg.value and "<table" in ui.panel.value
    ui.mode.value = "race"
    ui.time.value = "forty minutes"
    assert "mm:ss" in ui.runner_msg.value and ui.panel.value == ""
    ui.time.value = "40:00"
    # Daniels' tables: 10 km in 40:00 is VDOT ~52 (51.9 by the Daniels-Gilbert equations)
    assert "VDOT 51.9" in ui.panel.value
    assert "Kipp 2019 (metabolic power)" in ui.panel.value and "kipp2019" not in ui.panel.value
    assert "trained runners, lab" in ui.panel.value


def test_runner_table_has_no_negative_zero():
    # a null effect changes no race time: every cell reads "0 [0, 0]", never "−0"
    pred = runecon.predict_race_times(vo2max=55, smd=0.0, ci=(-0.0, 0.0))
    text = E.runner_html(pred, smd=(0.0, -0.0, 0.0))
    assert "0 [0, 0]" in text and "\u22120" not in text and "-0" not in text


def test_plot_in_words_and_fast():
    """Explorer plot: rows in people's words; each update (refit + plot + runner panel)
    under 0.3 s on this 2-core machine (issue 15), measured after the first draw."""
    pytest.importorskip("ipywidgets")
    import time

    ui = E.build_ui()
    text = ui.plot.value
    assert "Ache-Dias 2016 \u00b7 Plyometric \u00b7 9 km/h" in text
    assert "achedias2016" not in text and "running_economy" not in text
    times = []
    for methods in (("high_load",), E.METHODS, ("plyometric", "combined"), E.METHODS):
        t0 = time.perf_counter()
        ui.methods.value = methods
        times.append(time.perf_counter() - t0)
    assert max(times) < 0.3, times


def test_message_states_the_direction_of_the_outcome():
    assert "negative = better" in E.Explorer().message
    vo2 = E.Explorer(E.Selection(outcome="vo2max"))
    # Llanos-Lagos 2024b: 36 VO2max comparisons (11 high load, 14 plyometric, 11 combined)
    assert vo2.result.k == 36 and "positive = higher VO\u2082max" in vo2.message
