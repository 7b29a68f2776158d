"""Smoke tests over argument grids and drawn-artist checks for runecon.plots.

Inputs are small hand-made data sets fitted with runecon.rma (validated against metafor in
test_metafor_rma.py); the checks here are about what is drawn, compared with hand-computed
positions (CI = yi -/+ 1.959964 sqrt(vi), regression line = b0 + b1 x, ...).
"""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

import runecon  # noqa: E402
from runecon import plots, style  # noqa: E402
from runecon.errors import InputError  # noqa: E402

#: positions are drawn from float64 inputs without arithmetic of their own
EXACT = 1e-12
Z95 = 1.959963984540054

YI = np.array([-0.8, -0.3, -1.1, 0.1, -0.5, -0.6])
VI = np.array([0.10, 0.05, 0.20, 0.08, 0.04, 0.12])
SLAB = ["A 2001", "B 2003", "C 2005", "D 2010", "E 2012", "F 2015"]
GROUPS = np.array(["plyo", "plyo", "heavy", "heavy", "heavy", "plyo"])


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def res():
    return runecon.rma(YI, VI, slab=SLAB)


@pytest.fixture(scope="module")
def sub():
    return runecon.subgroups(YI, VI, GROUPS)


def _axes(make_ax):
    if make_ax:
        fig, ax = plt.subplots()
        return ax
    plt.figure()
    return None


def _collections(ax, label):
    return [c for c in ax.collections if c.get_label() == label]


# ----------------------------------------------------------------------------- style
def test_style_constants_and_palette():
    assert style.SINGLE_COLUMN_IN == 3.5 and style.DOUBLE_COLUMN_IN == 7.2
    # Okabe & Ito 2008: the eight CUD colours
    assert set(style.OKABE_ITO.values()) == {"#000000", "#E69F00", "#56B4E9", "#009E73",
                                             "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    with style.context():
        rc = matplotlib.rcParams
        assert rc["pdf.fonttype"] == 42 and rc["svg.hashsalt"] == "runecon"
        assert rc["font.sans-serif"][0] == "DejaVu Sans"
        cyc = [c.upper().lstrip("#") for c in rc["axes.prop_cycle"].by_key()["color"]]
        assert cyc == [c.lstrip("#") for c in style.CYCLE]
        # the glyphs come from the font file shipped with matplotlib, not a system copy
        from matplotlib import font_manager

        path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
        assert "mpl-data" in path and path.endswith("DejaVuSans.ttf")
    before = matplotlib.rcParams["svg.hashsalt"]
    with style.context():
        pass
    assert matplotlib.rcParams["svg.hashsalt"] == before


@pytest.mark.parametrize("width,expected", [("single", 3.5), ("double", 7.2), (5, 5.0)])
def test_width_in(width, expected):
    assert style.width_in(width) == expected


@pytest.mark.parametrize("width", ["triple", -1, "x"])
def test_width_in_bad(width):
    with pytest.raises(InputError, match="width"):
        style.width_in(width)


# ----------------------------------------------------------------------------- forest
@pytest.mark.parametrize("make_ax", [False, True])
@pytest.mark.parametrize("columns", [(), ("estimate",), ("n", "estimate", "weight")])
@pytest.mark.parametrize("pi", [True, False])
@pytest.mark.parametrize("favours", [None, ("training", "control")])
def test_forest_grid(res, make_ax, columns, pi, favours):
    ax = _axes(make_ax)
    out = plots.forest(res, ax, columns=columns, pi=pi, favours=favours,
                       n=[10, 12, 8, 20, 15, 9])
    assert out is (ax if make_ax else plt.gca())
    studies = _collections(out, "studies")
    assert len(studies) == 1 and len(studies[0].get_offsets()) == res.k
    diamonds = [p for p in out.patches if p.get_label() == "pooled"]
    assert len(diamonds) == 1
    assert any(l.get_label() == "pi" for l in out.lines) == pi
    texts = [t.get_text() for t in out.texts]
    assert ("\u2190 training" in texts) == (favours is not None)
    if "estimate" in columns:
        # hand calculation: study A: -0.8 -/+ 1.96 * sqrt(0.10)
        lb, ub = -0.8 - Z95 * math.sqrt(0.10), -0.8 + Z95 * math.sqrt(0.10)
        # written for readers: a true minus sign (U+2212)
        assert f"\u22120.80 [{lb:.2f}, {ub:.2f}]".replace("-", "\u2212") in texts
    if "weight" in columns:
        assert "100%" in texts


def test_forest_positions(res):
    ax = plots.forest(res)
    # one tick per study plus the pooled row
    assert len(ax.get_yticks()) == res.k + 1
    assert [t.get_text() for t in ax.get_yticklabels()][:res.k] == SLAB
    off = _collections(ax, "studies")[0].get_offsets()
    np.testing.assert_allclose(off[:, 0], YI, atol=EXACT)
    # marker area proportional to weight: largest weight -> largest marker
    sizes = _collections(ax, "studies")[0].get_sizes()
    assert np.argmax(sizes) == np.argmax(res.weights)
    poly = [p for p in ax.patches if p.get_label() == "pooled"][0]
    xy = poly.get_xy()
    assert min(xy[:, 0]) == pytest.approx(res.ci_lb, abs=EXACT)
    assert max(xy[:, 0]) == pytest.approx(res.ci_ub, abs=EXACT)
    apex = xy[np.argmax(xy[:, 1]), 0]
    assert apex == pytest.approx(res.estimate, abs=EXACT)
    # the diamond's row is below every study row
    assert xy[:, 1].max() < off[:, 1].min()
    # study CI segments: hand-computed 95% limits
    segs = [l for l in ax.lines if l.get_label().startswith("_") and len(l.get_xdata()) == 2
            and l.get_ydata()[0] == l.get_ydata()[1]]
    got = sorted((min(s.get_xdata()), max(s.get_xdata())) for s in segs)
    want = sorted(zip(YI - Z95 * np.sqrt(VI), YI + Z95 * np.sqrt(VI)))
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_forest_subgroups(sub, res):
    n = [10, 12, 8, 20, 15, 9]
    ax = plots.forest(sub, overall=res, groups=GROUPS, n=n, columns=("n", "estimate"))
    assert len(_collections(ax, "studies")[0].get_offsets()) == len(YI)
    labels = sorted(p.get_label() for p in ax.patches)
    assert labels == ["pooled", "subgroup:heavy", "subgroup:plyo"]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    qb = [t for t in ticks if "Subgroup differences" in t]
    assert len(qb) == 1 and f"= {sub.Qb:.2f}" in qb[0]
    # rows of each block carry the original labels; heavy = C, D, E (GROUPS)
    heavy = [ticks.index(s) for s in ("C 2005", "D 2010", "E 2012")]
    plyo = [ticks.index(s) for s in ("A 2001", "B 2003", "F 2015")]
    order = [t.get_text() for t in ax.texts]
    assert order.index("heavy") < order.index("plyo")
    assert max(heavy) < min(plyo) or max(plyo) < min(heavy)
    # n follows its study: D 2010 has n = 20 -> its row holds "20" and D's estimate
    y_of = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    cells = {(round(t.get_position()[1], 6), t.get_text()) for t in ax.texts}
    assert (round(y_of["D 2010"], 6), "20") in cells
    assert (round(y_of["F 2015"], 6), "9") in cells
    # subgroup diamond apex at the subgroup's own estimate
    for g, fit in zip(sub.table["group"], sub.fits):
        xy = [p for p in ax.patches if p.get_label() == f"subgroup:{g}"][0].get_xy()
        assert xy[np.argmax(xy[:, 1]), 0] == pytest.approx(fit.estimate, abs=EXACT)


def test_forest_subgroups_bad_groups(sub, res):
    with pytest.raises(InputError, match="groups"):
        plots.forest(sub, overall=res, groups=GROUPS[:5])
    with pytest.raises(InputError, match="groups"):
        plots.forest(sub, overall=res, groups=GROUPS[::-1])


@pytest.mark.parametrize("kwargs,arg", [({"columns": ("pval",)}, "columns"),
                                        ({"columns": ("n",)}, "n"),
                                        ({"n": [1, 2]}, "n"),
                                        ({"favours": ("a",)}, "favours")])
def test_forest_bad_input(res, kwargs, arg):
    with pytest.raises(InputError, match=arg):
        plots.forest(res, **kwargs)


def test_forest_rejects_meta_regression():
    mr = runecon.rma(YI, VI, mods=np.arange(6.0))
    with pytest.raises(InputError, match="res"):
        plots.forest(mr)
    with pytest.raises(InputError, match="res"):
        plots.forest(YI)


# ----------------------------------------------------------------------------- funnel
@pytest.mark.parametrize("make_ax", [False, True])
@pytest.mark.parametrize("with_tf", [False, True])
@pytest.mark.parametrize("legend", [False, True])
def test_funnel_grid(res, make_ax, with_tf, legend):
    from runecon.smallstudy import funnel_data, trimfill

    ax = _axes(make_ax)
    tf = trimfill(res) if with_tf else None
    out = plots.funnel(funnel_data(res), ax, trimfill=tf, legend=legend)
    off = _collections(out, "studies")[0].get_offsets()
    np.testing.assert_allclose(off[:, 0], YI, atol=EXACT)
    np.testing.assert_allclose(off[:, 1], np.sqrt(VI), atol=EXACT)
    assert out.yaxis_inverted()
    # three contour regions (90, 95, 99 %)
    assert len([c for c in out.collections if c.get_label().startswith("contour:")]) == 3
    if with_tf:
        filled = _collections(out, "filled")
        assert len(filled) == (1 if tf.k0 else 0)
        assert len([l for l in out.lines if l.get_label() == "trimfill"]) == (1 if tf.k0 else 0)
        if tf.k0:
            assert len(filled[0].get_offsets()) == tf.k0
    assert (out.get_legend() is not None) == legend


def test_funnel_trimfill_points():
    # asymmetric on purpose (small studies all negative): trim and fill adds studies
    yi = np.array([-1.6, -1.2, -0.9, -0.4, -0.3, -0.25, -0.2])
    vi = np.array([0.30, 0.22, 0.15, 0.02, 0.015, 0.01, 0.012])
    from runecon.smallstudy import funnel_data, trimfill

    r = runecon.rma(yi, vi)
    tf = trimfill(r)
    assert tf.k0 > 0
    ax = plots.funnel(funnel_data(r), trimfill=tf)
    filled = _collections(ax, "filled")[0].get_offsets()
    assert len(filled) == tf.k0
    # filled studies are mirror images: their (yi, sei) are the added rows of the refit
    fy, fv = tf.fit.yi[tf.fill], tf.fit.vi[tf.fill]
    np.testing.assert_allclose(sorted(filled[:, 0]), sorted(fy), atol=EXACT)
    np.testing.assert_allclose(sorted(filled[:, 1]), sorted(np.sqrt(fv)), atol=EXACT)
    line = [l for l in ax.lines if l.get_label() == "trimfill"]
    assert len(line) == 1 and line[0].get_xdata()[0] == pytest.approx(tf.estimate, abs=EXACT)


def test_funnel_bad_input(res):
    with pytest.raises(InputError, match="data"):
        plots.funnel(res)


# ----------------------------------------------------------------------------- bubble
@pytest.mark.parametrize("make_ax", [False, True])
@pytest.mark.parametrize("pi", [False, True])
def test_bubble_grid(make_ax, pi):
    x = np.array([8.0, 10.0, 12.0, 14.0, 16.0, 18.0])
    mr = runecon.rma(YI, VI, mods=x)
    ax = _axes(make_ax)
    out = plots.bubble(mr, ax, pi=pi, xlabel="speed")
    line = [l for l in out.lines if l.get_label() == "fit"][0]
    b0, b1 = mr.beta
    # hand: the regression line is b0 + b1 * x over the observed range
    np.testing.assert_allclose(line.get_ydata(), b0 + b1 * line.get_xdata(), atol=1e-10)
    assert line.get_xdata()[0] == 8.0 and line.get_xdata()[-1] == 18.0
    assert len(_collections(out, "studies")[0].get_offsets()) == 6
    assert len(_collections(out, "pi")) == (1 if pi else 0)
    assert len(_collections(out, "ci")) == 1


def test_bubble_three_level():
    x = np.array([8.0, 10.0, 12.0, 14.0, 16.0, 18.0])
    mv = runecon.rma_mv(YI, VI, cluster=["s1", "s1", "s2", "s2", "s3", "s3"], mods=x)
    ax = plots.bubble(mv)
    line = [l for l in ax.lines if l.get_label() == "fit"][0]
    b0, b1 = mv.beta
    np.testing.assert_allclose(line.get_ydata(), b0 + b1 * line.get_xdata(), atol=1e-10)
    # no per-study weights in a three-level result: bubble area by precision 1/vi
    sizes = _collections(ax, "studies")[0].get_sizes()
    assert np.argmax(sizes) == np.argmin(VI)


def test_bubble_needs_one_moderator(res):
    with pytest.raises(InputError, match="res"):
        plots.bubble(res)


# ----------------------------------------------------------------------------- orchard
SUMMARY = pd.DataFrame({"group": ["heavy", "plyo"], "k": [3, 3], "estimate": [-0.4, -0.6],
                        "ci_lb": [-0.8, -1.0], "ci_ub": [0.0, -0.2],
                        "pi_lb": [-1.2, -1.5], "pi_ub": [0.4, 0.3]})


@pytest.mark.parametrize("make_ax", [False, True])
@pytest.mark.parametrize("order", [None, ["plyo", "heavy"]])
def test_orchard_grid(make_ax, order):
    data = pd.DataFrame({"yi": YI, "vi": VI, "group": GROUPS})
    ax = _axes(make_ax)
    out = plots.orchard(data, SUMMARY, ax, order=order)
    groups = order or ["heavy", "plyo"]
    # codes shown in words (runecon.labels.method: an unknown code is capitalised)
    assert [t.get_text() for t in out.get_yticklabels()] == [g.capitalize() for g in groups]
    for g in groups:
        est = _collections(out, f"estimate:{g}")[0].get_offsets()
        assert est[0, 0] == SUMMARY.set_index("group").at[g, "estimate"]
        ci = [l for l in out.lines if l.get_label() == f"ci:{g}"][0]
        assert tuple(ci.get_xdata()) == tuple(SUMMARY.set_index("group").loc[g, ["ci_lb", "ci_ub"]])
        pts = _collections(out, f"effects:{g}")[0].get_offsets()
        np.testing.assert_allclose(sorted(pts[:, 0]), sorted(YI[GROUPS == g]), atol=EXACT)


def test_orchard_from_subgroups(sub):
    data = pd.DataFrame({"yi": YI, "vi": VI, "group": GROUPS})
    ax = plots.orchard(data, sub)
    for g, fit in zip(sub.table["group"], sub.fits):
        assert _collections(ax, f"estimate:{g}")[0].get_offsets()[0, 0] == pytest.approx(
            fit.estimate, abs=EXACT)
        pi = [l for l in ax.lines if l.get_label() == f"pi:{g}"][0].get_xdata()
        pr = fit.predict()
        np.testing.assert_allclose(pi, [pr.pi_lb, pr.pi_ub], atol=EXACT)


def test_orchard_bad_input():
    data = pd.DataFrame({"yi": YI, "vi": VI, "group": GROUPS})
    with pytest.raises(InputError, match="summary"):
        plots.orchard(data, SUMMARY.drop(columns="pi_lb"))
    with pytest.raises(InputError, match="data"):
        plots.orchard(data.drop(columns="vi"), SUMMARY)
    with pytest.raises(InputError, match="order"):
        plots.orchard(data, SUMMARY, order=["heavy", "iso"])


# ----------------------------------------------------------------------------- gosh, l1o, cumul
@pytest.mark.parametrize("n,hexbin,expect_hex", [(20, None, False), (3000, None, True),
                                                  (20, True, True), (3000, False, False)])
def test_gosh_grid(n, hexbin, expect_hex):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"estimate": rng.normal(size=n), "I2": rng.uniform(0, 90, n),
                       "tau2": 0.1, "QE": 1.0, "k": 3})
    df.loc[0, ["estimate", "I2"]] = np.nan          # a failed fit is left out
    ax = plots.gosh(df, hexbin=hexbin)
    if expect_hex:
        assert any(isinstance(c, PolyCollection) for c in ax.collections)
    else:
        assert len(_collections(ax, "subsets")[0].get_offsets()) == n - 1


def test_gosh_real_and_bad(res):
    from runecon.sensitivity import gosh

    g = gosh(res)
    ax = plots.gosh(g)
    assert len(_collections(ax, "subsets")[0].get_offsets()) == 2 ** res.k - 1
    with pytest.raises(InputError, match="data"):
        plots.gosh(g.drop(columns="I2"))


@pytest.mark.parametrize("make_ax", [False, True])
@pytest.mark.parametrize("with_ref", [False, True])
def test_leave1out_and_cumulative(res, make_ax, with_ref):
    from runecon.sensitivity import cumul, leave1out

    l1 = leave1out(res)
    ax = plots.leave1out(l1, _axes(make_ax), res=res if with_ref else None)
    assert len(ax.get_yticks()) == res.k
    assert ax.get_yticklabels()[0].get_text() == "without A 2001"
    ref = [l for l in ax.lines if l.get_label() == "reference"]
    assert len(ref) == (1 if with_ref else 0)
    if with_ref:
        assert ref[0].get_xdata()[0] == pytest.approx(res.estimate, abs=EXACT)
    np.testing.assert_allclose(_collections(ax, "rows")[0].get_offsets()[:, 0],
                               l1.to_frame()["estimate"], atol=EXACT)
    ax2 = plots.cumulative(cumul(res), _axes(make_ax))
    # the last cumulative row is the full model
    assert _collections(ax2, "rows")[0].get_offsets()[-1, 0] == pytest.approx(res.estimate,
                                                                              abs=1e-8)


def test_intervals_bad():
    with pytest.raises(InputError, match="labels"):
        plots.intervals(["a", "b"], [1.0], [0.0], [2.0])


# ----------------------------------------------------------------------------- posterior
@pytest.fixture(scope="module")
def bres():
    return runecon.bayesmeta(YI, VI, tau_prior="halfnormal", tau_scale=0.5, slab=SLAB)


@pytest.mark.parametrize("params", ["mu", "pred", "tau", ("mu", "pred")])
@pytest.mark.parametrize("make_ax", [False, True])
def test_posterior_grid(bres, params, make_ax):
    ax = plots.posterior(bres, _axes(make_ax), params=params)
    n = 1 if isinstance(params, str) else len(params)
    assert len(ax.lines) == n
    line = ax.lines[0]
    # density integrates to ~1 over the plotted range (0.1 %-99.9 % quantiles for mu/pred)
    area = np.trapezoid(line.get_ydata(), line.get_xdata())
    assert 0.97 < area < 1.001


def test_posterior_bad(bres, res):
    with pytest.raises(InputError, match="params"):
        plots.posterior(bres, params=("mu", "tau"))
    with pytest.raises(InputError, match="params"):
        plots.posterior(bres, params="theta")
    with pytest.raises(InputError, match="result"):
        plots.posterior(res)


# ----------------------------------------------------------------------------- race time
@pytest.fixture(scope="module")
def race():
    return runecon.predict_race_times(vo2max=60, re_change_pct=-4.0, ci=(-7.0, -1.0))


@pytest.mark.parametrize("y", ["delta_s", "delta_pct"])
@pytest.mark.parametrize("models", [None, ["kipp2019", "daniels"]])
@pytest.mark.parametrize("ci", [True, False])
def test_race_time_grid(race, y, models, ci):
    ax = plots.race_time(race, y=y, models=models, ci=ci)
    df = race.to_frame()
    names = models or list(dict.fromkeys(df["model"]))
    lines = [l for l in ax.lines if l.get_gid() in names]
    assert [l.get_gid() for l in lines] == names
    assert [l.get_label() for l in lines] == [runecon.labels.model(m) for m in names]
    assert ax.get_xscale() == "log"
    k = df[df["model"] == names[0]].sort_values("distance_m")
    want = k["delta_s"] if y == "delta_s" else 100 * k["delta_s"] / k["baseline_s"]
    np.testing.assert_allclose(lines[0].get_ydata(), want, rtol=1e-12)
    assert len([c for c in ax.collections if c.get_label().startswith("band:")]) == (
        len(names) if ci else 0)


def test_race_time_bad(race):
    with pytest.raises(InputError, match="y"):
        plots.race_time(race, y="minutes")
    with pytest.raises(InputError, match="models"):
        plots.race_time(race, models=["nope"])
    with pytest.raises(InputError, match="frame"):
        plots.race_time(pd.DataFrame({"a": [1]}))


# ----------------------------------------------------------------------------- prepost
@pytest.mark.parametrize("make_ax", [False, True])
def test_prepost(make_ax):
    df = pd.DataFrame({"group": ["strength", "control"], "n": [8, 9], "pre_mean": [0.68, 0.68],
                       "pre_sd": [0.04, 0.05], "post_mean": [0.65, 0.69],
                       "post_sd": [0.03, 0.05]})
    ax = plots.prepost(df, _axes(make_ax))
    data_lines = [l for l in ax.lines if len(l.get_xdata()) == 2 and l.get_marker() == "o"]
    assert [tuple(l.get_ydata()) for l in data_lines] == [(0.68, 0.65), (0.68, 0.69)]
    with pytest.raises(InputError, match="frame"):
        plots.prepost(df.drop(columns="post_sd"))


# ----------------------------------------------------------------------------- speed slopes
def _slopes(with_contrast=True):
    """A hand-made SpeedSlopesResult look-alike: two methods with slopes, one without."""
    from types import SimpleNamespace

    nan = float("nan")
    t = pd.DataFrame({
        "method": ["high_load", "plyometric", "isometric"], "k": [6, 9, 2],
        "groups": [3, 4, 1], "groups_several_speeds": [2, 3, 1],
        "note": ["", "", "fewer than 3 groups"],
        "within_estimate": [-0.05, 0.10, nan], "within_ci_lb": [-0.30, -0.01, nan],
        "within_ci_ub": [0.20, 0.21, nan],
        "between_estimate": [-0.08, 0.02, nan], "between_ci_lb": [-0.25, -0.07, nan],
        "between_ci_ub": [0.09, 0.11, nan]})
    con = dict(method_a="high_load", method_b="plyometric", estimate=0.15, ci_lb=-0.10,
               ci_ub=0.40) if with_contrast else None
    return SimpleNamespace(table=t, contrast=con, speed="speed_kmh")


@pytest.mark.parametrize("make_ax", [False, True])
@pytest.mark.parametrize("with_contrast", [False, True])
def test_speed_slopes_plot(make_ax, with_contrast):
    r = _slopes(with_contrast)
    ax = plots.speed_slopes(r, _axes(make_ax))
    w = _collections(ax, "within")[0].get_offsets()
    b = _collections(ax, "between")[0].get_offsets()
    # only the two methods with a slope are drawn; within above between in each row
    np.testing.assert_allclose(w[:, 0], [-0.05, 0.10], atol=EXACT)
    np.testing.assert_allclose(b[:, 0], [-0.08, 0.02], atol=EXACT)
    assert np.all(w[:, 1] > b[:, 1])
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[:3] == ["High load\n6 effects, 3 groups", "Plyometric\n9 effects, 4 groups",
                         "Isometric\n2 effects, 1 group"]
    assert [t.get_text() for t in ax.texts if t.get_label() == "not_estimable"] == [
        "not estimable (fewer than 3 groups)"]
    diamonds = [p for p in ax.patches if p.get_label() == "contrast"]
    assert len(diamonds) == int(with_contrast) and len(ticks) == 3 + int(with_contrast)
    if with_contrast:
        xy = diamonds[0].get_xy()
        assert (xy[:, 0].min(), xy[:, 0].max()) == (-0.10, 0.40)
        assert ticks[-1] == "Plyometric minus\nhigh load (within)"
    assert "per km/h" in ax.get_xlabel()


def test_speed_slopes_plot_bad():
    with pytest.raises(InputError, match="result"):
        plots.speed_slopes(pd.DataFrame({"estimate": [1.0]}))


# ----------------------------------------------------------------------------- ratios, z
@pytest.mark.parametrize("make_ax", [False, True])
def test_ratios(make_ax):
    ax = plots.ratios(["A", "B"], [0.5, 1.2], [0.3, 0.9], [0.8, 1.6], _axes(make_ax))
    assert ax.get_xscale() == "log"
    np.testing.assert_allclose(_collections(ax, "rows")[0].get_offsets()[:, 0], [0.5, 1.2],
                               atol=EXACT)
    lo, hi = ax.get_xlim()
    assert lo < 0.3 and hi > 1.6
    # the no-difference line at 1, not 0
    assert [l.get_xdata()[0] for l in ax.lines if l.get_linestyle() == "--"] == [1.0]
    texts = [t.get_text() for t in ax.texts if t.get_label() == "value"]
    assert texts == ["0.50 [0.30, 0.80]", "1.20 [0.90, 1.60]"]
    assert "\u2190 fewer injuries" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("bad", [[0.0, 1.0], [-0.5, 1.0], [float("nan"), 1.0]])
def test_ratios_bad(bad):
    with pytest.raises(InputError, match="estimate"):
        plots.ratios(["A", "B"], bad, [0.1, 0.5], [2.0, 2.0])


@pytest.mark.parametrize("level,crit", [(95, 1.959963984540054), (90, 1.6448536269514722)])
def test_zstats(level, crit):
    ax = plots.zstats(["a", "b"], [-1.6, -3.75], pvals=["0.110", "<0.001"], level=level)
    np.testing.assert_allclose(_collections(ax, "z")[0].get_offsets()[:, 0], [-1.6, -3.75],
                               atol=EXACT)
    band = [p for p in ax.patches if p.get_label() == "not_significant"][0]
    assert band.get_x() == pytest.approx(-crit) and band.get_width() == pytest.approx(2 * crit)
    assert [t.get_text() for t in ax.texts if t.get_label() == "value"] == [
        "z = \u22121.60, p = 0.110", "z = \u22123.75, p < 0.001"]
    assert ax.get_xscale() == "linear" and not ax.get_lines()[0].get_xdata()[0]


def test_zstats_bad():
    with pytest.raises(InputError, match="z"):
        plots.zstats(["a", "b"], [1.0])
    with pytest.raises(InputError, match="z"):
        plots.zstats(["a"], [float("nan")])
    with pytest.raises(InputError, match="pvals"):
        plots.zstats(["a"], [1.0], pvals=["0.1", "0.2"])


def test_plot_functions_never_save_or_show(monkeypatch, res):
    called = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: called.append("show"))
    monkeypatch.setattr(plt.Figure, "savefig", lambda *a, **k: called.append("savefig"))
    plots.forest(res)
    plots.leave1out(__import__("runecon.sensitivity").sensitivity.leave1out(res))
    assert called == []


# ----------------------------------------------------------------------------- savefig
def _tiny():
    with style.context():
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, 1])
        ax.set_title("x")
    return fig


def test_save_formats_and_layout_restored(tmp_path, monkeypatch):
    from runecon.savefig import save

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    fig = _tiny()
    engine = fig.get_layout_engine()
    paths = save(fig, tmp_path / "sub" / "f", formats=("pdf", "svg", "png"), dpi=50)
    assert [p.name for p in paths] == ["f.pdf", "f.svg", "f.png"]
    assert fig.get_layout_engine() is engine
    pdf = paths[0].read_bytes()
    assert b"/CreationDate" not in pdf and b"/Producer" not in pdf
    assert "<dc:date>" not in paths[1].read_text()


def test_save_honours_source_date_epoch(tmp_path, monkeypatch):
    from runecon.savefig import save

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")      # 1970-01-02 00:00:00 UTC
    paths = save(_tiny(), tmp_path / "f", formats="pdf,svg")
    assert b"/CreationDate (D:19700102000000Z)" in paths[0].read_bytes()
    assert "<dc:date>1970-01-02T00:00:00</dc:date>" in paths[1].read_text()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        save(_tiny(), tmp_path / "g", formats=("png",))


@pytest.mark.parametrize("formats", [("jpg",), (), "pdf,eps"])
def test_save_bad_formats(tmp_path, formats):
    from runecon.savefig import save

    with pytest.raises(InputError, match="formats"):
        save(_tiny(), tmp_path / "f", formats=formats)
