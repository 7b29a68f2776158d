"""Plot functions: one per figure type. Each takes ``ax=None`` and returns the Axes.

They draw results of the statistics modules (:class:`~runecon.results.RMAResult`,
:class:`~runecon.subgroups.SubgroupResult`, GOSH / leave-one-out tables,
:class:`~runecon.bayes.BayesResult`, the ``predict_race_times`` frame); they never compute
statistics of their own beyond plotting positions, and never call ``show`` or ``savefig``
(see :func:`runecon.savefig.save` and :mod:`runecon.figures`). Statistics modules never
import this one.

Artists carry labels so that tests and users can find them: ``"studies"`` (the study
markers), ``"pooled"`` (the summary diamond), ``"subgroup:<name>"``, ``"pi"``, ``"ci"``...
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from . import labels as words
from .errors import InputError
from .style import OKABE_ITO, POOLED_COLOR, CYCLE

__all__ = ["forest", "funnel", "bubble", "orchard", "orchard_summary", "gosh", "leave1out",
           "cumulative", "intervals", "posterior", "race_time", "prepost"]

_GREY = "0.45"
#: marker area (pt²) of a study holding the whole weight; area ∝ weight (metafor: psize)
_MAX_AREA = 120.0
_MIN_AREA = 6.0


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _z(level):
    return float(-special.ndtri((1 - level / 100) / 2))


def _check_rma(res, argument="res", int_only=True):
    if not hasattr(res, "yi") or not hasattr(res, "vi") or not hasattr(res, "beta"):
        raise InputError(argument, "must be an RMAResult from runecon.rma, not "
                                   f"{type(res).__name__}")
    if int_only and res.p != 1:
        raise InputError(argument, "needs an intercept-only model (p = 1); use bubble() for a "
                                   "meta-regression")


def _fmt_ci(est, lb, ub, digits=2):
    return words.ci(est, lb, ub, digits)


def _diamond(ax, y, est, lb, ub, label, color=POOLED_COLOR, height=0.35):
    from matplotlib.patches import Polygon

    poly = Polygon([(lb, y), (est, y + height), (ub, y), (est, y - height)], closed=True,
                   facecolor=color, edgecolor=color, label=label, zorder=3)
    ax.add_patch(poly)
    return poly


def _pi_bar(ax, y, lb, ub, color=POOLED_COLOR, h=0.18):
    """Prediction interval: a dotted line with end ticks through the diamond's row."""
    ax.plot([lb, ub], [y, y], color=color, lw=0.8, ls=(0, (1, 1.5)), label="pi", zorder=2)
    ax.plot([lb, lb, np.nan, ub, ub], [y - h, y + h, np.nan, y - h, y + h], color=color,
            lw=0.8, label="_pi_ends", zorder=2)


def _favours(ax, favours, refline):
    if not favours:
        return
    if len(favours) != 2:
        raise InputError("favours", "must be a pair (left label, right label)")
    left, right = favours
    # below the tick labels; the x label is moved down to make room
    kw = dict(xycoords=("data", "axes fraction"), textcoords="offset points", fontsize=6.5,
              color=_GREY, va="top")
    ax.annotate(f"\u2190 {left}", xy=(refline, 0.0), xytext=(-3, -14), ha="right", **kw)
    ax.annotate(f"{right} \u2192", xy=(refline, 0.0), xytext=(3, -14), ha="left", **kw)
    ax.xaxis.labelpad = 12


def _columns(ax, rows, header, widths):
    """Text columns right of the axes: ``rows`` = list of (y, tuple of str)."""
    from matplotlib.transforms import blended_transform_factory, offset_copy

    x0 = 6.0
    for j, h in enumerate(header):
        x = x0 + sum(widths[:j])
        head = offset_copy(ax.transAxes, fig=ax.figure, x=x, y=2, units="points")
        ax.text(1.0, 1.0, h, transform=head, ha="left", va="bottom", fontsize=6.5,
                fontweight="bold")
        # x in axes fraction (right edge) + x points, y in data: one transform per column
        cell = offset_copy(blended_transform_factory(ax.transAxes, ax.transData),
                           fig=ax.figure, x=x, y=0, units="points")
        for y, cells in rows:
            if cells[j]:
                ax.text(1.0, y, cells[j], transform=cell, ha="left", va="center",
                        fontsize=6.5)


def _xlim(ax, lo, hi, refline):
    vals = [v for v in (lo, hi, refline) if v is not None and np.isfinite(v)]
    a, b = min(vals), max(vals)
    pad = 0.05 * (b - a if b > a else 1.0)
    ax.set_xlim(a - pad, b + pad)


def _forest_rows(blocks, n, groups, slab, overall):
    """Row labels and sample sizes per block, in each fit's study order."""
    if groups is not None and len(blocks) > 1:
        groups = np.asarray(groups).astype(str)
        names = list(slab) if slab is not None else (list(overall.slab) if overall is not None
                                                     else None)
        if names is not None and len(names) != len(groups):
            raise InputError("groups", f"has {len(groups)} labels for {len(names)} studies")
        idx = [np.flatnonzero(groups == g) for g, _ in blocks]
        for (g, fit), i in zip(blocks, idx):
            if len(i) != fit.k:
                raise InputError("groups", f"group {g!r} has {len(i)} studies here but "
                                           f"{fit.k} in the SubgroupResult")
            if overall is not None and not np.allclose(overall.yi[i], fit.yi):
                raise InputError("groups", f"studies of group {g!r} do not match overall.yi")
        labels = [[names[j] for j in i] if names is not None else list(fit.slab)
                  for (_, fit), i in zip(blocks, idx)]
        if n is not None and not isinstance(n, dict):
            n = list(n)
            if len(n) != len(groups):
                raise InputError("n", f"has {len(n)} values for {len(groups)} studies")
            return labels, [[n[j] for j in i] for i in idx]
    else:
        if slab is not None and len(blocks) == 1:
            if len(slab) != blocks[0][1].k:
                raise InputError("slab", f"has {len(slab)} labels for {blocks[0][1].k} studies")
            labels = [list(slab)]
        else:
            labels = [list(fit.slab) for _, fit in blocks]
    if n is None:
        return labels, [[None] * len(lab) for lab in labels]
    if isinstance(n, dict):
        return labels, [[n.get(s) for s in lab] for lab in labels]
    n = list(n)
    total = sum(len(lab) for lab in labels)
    if len(n) != total:
        raise InputError("n", f"has {len(n)} values for {total} studies")
    out, j = [], 0
    for lab in labels:
        out.append(n[j:j + len(lab)])
        j += len(lab)
    return labels, out


def forest(res, ax=None, *, overall=None, groups=None, slab=None, n=None,
           columns=("estimate", "weight"), xlabel="Effect size", favours=None, refline=0.0,
           pi=True, digits=2):
    """Forest plot: one row per study, the pooled diamond and its prediction interval.

    Parameters
    ----------
    res : RMAResult or SubgroupResult
        An intercept-only model, or a subgroup analysis (``tau2="separate"``): then one block
        per subgroup with its studies, its own diamond, and the test of subgroup differences.
    ax : matplotlib Axes, optional
    overall : RMAResult, optional
        With a SubgroupResult: the model over all studies, drawn as the bottom diamond.
    groups : sequence, optional
        With a SubgroupResult: the group of each study in the original order (the
        ``groups`` given to :func:`runecon.subgroups`), so that labels (``slab`` or
        ``overall.slab``) and ``n`` given in that order land on the right rows.
    slab : sequence of str, optional
        Study labels in the original order (default: the model's ``slab``).
    n : sequence of int or dict, optional
        Sample size per study (original order, or a dict label -> n), shown as a column
        when ``"n"`` is in ``columns``.
    columns : sequence of {"n", "estimate", "weight"}
        Text columns right of the plot.
    xlabel : str
    favours : (str, str), optional
        Labels written left and right of ``refline`` above the plot, e.g.
        ``("favours training", "favours control")``.
    refline : float
    pi : bool
        Draw the prediction interval of the pooled (and subgroup) estimates (dotted).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Study CIs are ``yi -/+ z sqrt(vi)``; marker area is proportional to the study's weight
    in its model (metafor's ``forest.rma``). Lewis S, Clarke M (2001). Forest plots: trying
    to see the wood and the trees. BMJ 322:1479-1480. doi:10.1136/bmj.322.7300.1479
    """
    ax = _ax(ax)
    cols = tuple(columns or ())
    bad = [c for c in cols if c not in ("n", "estimate", "weight")]
    if bad:
        raise InputError("columns", f"unknown column(s) {bad}; use 'n', 'estimate', 'weight'")
    if hasattr(res, "fits") and hasattr(res, "Qb"):
        if not res.fits:
            raise InputError("res", "the SubgroupResult has no per-group fits "
                                    "(use tau2='separate')")
        blocks = [(str(g), f) for g, f in zip(res.table["group"], res.fits)]
        sub = res
    else:
        _check_rma(res)
        blocks = [(None, res)]
        sub = None
    if overall is not None:
        _check_rma(overall, "overall")
    labels, nvals = _forest_rows(blocks, n, groups, slab, overall)
    if "n" in cols and n is None:
        raise InputError("n", "column 'n' needs n=")

    y = 0.0
    ylabels, yticks, textrows = [], [], []
    xs_lo, xs_hi = [], []
    all_x, all_y, all_s = [], [], []
    for (name, fit), rowlabels, rown in zip(blocks, labels, nvals):
        z = _z(fit.level)
        if name is not None:
            y -= 1
            ax.annotate(name, xy=(0, y), xycoords=("axes fraction", "data"), xytext=(-4, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=7,
                        fontweight="bold")
        se = np.sqrt(fit.vi)
        lb, ub = fit.yi - z * se, fit.yi + z * se
        for i, label in enumerate(rowlabels):
            y -= 1
            ax.plot([lb[i], ub[i]], [y, y], color=_GREY, lw=0.8, solid_capstyle="butt")
            all_x.append(fit.yi[i]), all_y.append(y), all_s.append(fit.weights[i])
            yticks.append(y), ylabels.append(str(label))
            cells = []
            for c in cols:
                if c == "n":
                    cells.append("" if rown[i] is None else f"{int(rown[i])}")
                elif c == "estimate":
                    cells.append(_fmt_ci(fit.yi[i], lb[i], ub[i], digits))
                else:
                    cells.append(f"{100 * fit.weights[i]:.1f}%")
            textrows.append((y, tuple(cells)))
        xs_lo.append(lb.min()), xs_hi.append(ub.max())
        if name is not None or overall is None:
            y -= 1.2
            label = "pooled" if name is None else f"subgroup:{name}"
            color = POOLED_COLOR if name is None else OKABE_ITO["blue"]
            if pi and fit.k > 1:
                pr = fit.predict()
                _pi_bar(ax, y, pr.pi_lb, pr.pi_ub, color=color)
                xs_lo.append(pr.pi_lb), xs_hi.append(pr.pi_ub)
            _diamond(ax, y, fit.estimate, fit.ci_lb, fit.ci_ub, label, color=color)
            what = "Random-effects model" if fit.method != "FE" else "Common-effect model"
            het = f"{what}: I\u00b2 = {fit.I2:.0f}%, \u03c4\u00b2 = {words.num(fit.tau2)}" \
                if fit.method != "FE" else f"{what}: Q = {words.num(fit.QE)}"
            yticks.append(y), ylabels.append(het)
            cells = []
            for c in cols:
                if c == "estimate":
                    cells.append(_fmt_ci(fit.estimate, fit.ci_lb, fit.ci_ub, digits))
                elif c == "weight" and sub is None:
                    cells.append("100%")
                else:
                    cells.append("")
            textrows.append((y, tuple(cells)))
            y -= 0.3
    if overall is not None:
        y -= 1.2
        if pi and overall.k > 1:
            pr = overall.predict()
            _pi_bar(ax, y, pr.pi_lb, pr.pi_ub)
            xs_lo.append(pr.pi_lb), xs_hi.append(pr.pi_ub)
        _diamond(ax, y, overall.estimate, overall.ci_lb, overall.ci_ub, "pooled")
        yticks.append(y)
        ylabels.append(f"Overall: I\u00b2 = {overall.I2:.0f}%, "
                       f"\u03c4\u00b2 = {words.num(overall.tau2)}")
        textrows.append((y, tuple(_fmt_ci(overall.estimate, overall.ci_lb, overall.ci_ub,
                                          digits) if c == "estimate" else "" for c in cols)))
    if sub is not None:
        y -= 1
        stat = "F" if sub.statistic == "F" else "Q"
        yticks.append(y)
        ylabels.append(f"Subgroup differences: {stat}b({sub.df}) = {words.num(sub.Qb)}, "
                       f"p = {sub.pval:.3f}")
    w = np.asarray(all_s, float)
    area = np.clip(_MAX_AREA * w / (w.max() if w.max() > 0 else 1.0), _MIN_AREA, None)
    ax.scatter(all_x, all_y, s=area, marker="s", color=POOLED_COLOR, linewidths=0,
               label="studies", zorder=3)
    ax.axvline(refline, color=_GREY, lw=0.6, zorder=0)
    if cols:
        header = {"n": "n", "estimate": "Estimate [95% CI]", "weight": "Weight"}
        widths = {"n": 16, "estimate": 78 if digits <= 2 else 90, "weight": 30}
        _columns(ax, textrows, [header[c] for c in cols], [widths[c] for c in cols])
    ax.set_yticks(yticks, ylabels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(y - 0.8, 0.2)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _xlim(ax, min(xs_lo), max(xs_hi), refline)
    _favours(ax, favours, refline)
    return ax


def funnel(data, ax=None, *, trimfill=None, xlabel="Effect size", legend=True, favours=None):
    """Contour-enhanced funnel plot, with trim-and-fill points when given.

    Parameters
    ----------
    data : FunnelData
        From :func:`runecon.smallstudy.funnel_data` (study points, contours, pseudo-CI).
    trimfill : TrimfillResult, optional
        Filled studies are drawn as open circles and the adjusted estimate as a dashed line
        (nothing is drawn when no study is filled, k0 = 0).
    favours : (str, str), optional
        Arrows left and right of zero under the axis, e.g. ``("favours training",
        "favours control")``.

    The standard-error axis spans the studies (not down to SE = 0, which would leave an
    empty half when every study is small); the legend sits above the plot.

    Notes
    -----
    Peters JL et al. (2008). Contour-enhanced meta-analysis funnel plots help distinguish
    publication bias from other causes of asymmetry. J Clin Epidemiol 61:991-996.
    doi:10.1016/j.jclinepi.2007.11.010
    """
    ax = _ax(ax)
    if not hasattr(data, "contours") or not hasattr(data, "points"):
        raise InputError("data", "must be a FunnelData from runecon.smallstudy.funnel_data")
    levels = sorted(data.levels, reverse=True)   # widest region first
    shades = ["0.88", "0.72", "1.0"] if len(levels) == 3 else \
        [str(g) for g in np.linspace(0.85, 1.0, len(levels))]
    smax = float(data.se.max())
    if not smax > 0:
        raise InputError("data", "all standard errors are zero")
    pts = data.points
    xs = [pts["yi"].min(), pts["yi"].max()]
    if trimfill is not None:
        xs += [float(np.min(trimfill.yi)), float(np.max(trimfill.yi))]
    outer = data.contours[data.contours["level"] == levels[0]]
    xs += [outer["lower"].min(), outer["upper"].max()]
    lo, hi = min(xs), max(xs)
    pad = 0.05 * (hi - lo)
    ax.set_facecolor("0.96")
    edges = [f"p < {1 - levels[0] / 100:.2f}"]
    handles = []
    from matplotlib.patches import Patch

    handles.append(Patch(facecolor="0.96", edgecolor="0.6", lw=0.4, label=edges[0]))
    for i, (lv, shade) in enumerate(zip(levels, shades)):
        c = data.contours[data.contours["level"] == lv]
        ax.fill_betweenx(c["se"], c["lower"], c["upper"], color=shade, lw=0, zorder=0,
                         label=f"contour:{lv:g}")
        upper = 1 - lv / 100
        nxt = 1 - levels[i + 1] / 100 if i + 1 < len(levels) else None
        text = f"{upper:.2f} \u2013 {nxt:.2f}" if nxt is not None else f"p > {upper:.2f}"
        if nxt is not None:
            text = f"{upper:.2f} < p < {nxt:.2f}"
        handles.append(Patch(facecolor=shade, edgecolor="0.6", lw=0.4, label=text))
    ax.plot(data.ci["lower"], data.ci["se"], color=_GREY, lw=0.6, ls="--")
    ax.plot(data.ci["upper"], data.ci["se"], color=_GREY, lw=0.6, ls="--")
    ax.axvline(data.estimate, color=POOLED_COLOR, lw=0.8, label="pooled")
    ax.scatter(pts["yi"], pts["sei"], s=10, color=POOLED_COLOR, zorder=3, label="studies")
    if trimfill is not None:
        fill = np.asarray(trimfill.fill, bool)
        if fill.any():
            ax.scatter(np.asarray(trimfill.yi)[fill], np.sqrt(np.asarray(trimfill.vi)[fill]),
                       s=14, facecolor="white", edgecolor=POOLED_COLOR, lw=0.7, zorder=3,
                       label="filled")
            ax.axvline(trimfill.estimate, color=OKABE_ITO["vermillion"], lw=0.8, ls="--",
                       label="trimfill")
    smin = float(pts["sei"].min())
    top = max(0.0, smin - 0.08 * (smax - smin)) if smax > smin else 0.0
    lo = min(lo, float(outer.loc[outer["se"] <= smax * 1.02, "lower"].min()))
    hi = max(hi, float(outer.loc[outer["se"] <= smax * 1.02, "upper"].max()))
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(smax * 1.02, top)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Standard error")
    if legend:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2,
                  fontsize=6, handlelength=1.2, borderaxespad=0.2, title="two-sided p",
                  title_fontsize=6, alignment="left")
    _favours(ax, favours, 0.0)
    return ax


def bubble(res, ax=None, *, xlabel="Moderator", ylabel="Effect size", pi=False, n=101,
           refline=0.0, color=None, groups=None):
    """Bubble plot of a meta-regression on one moderator: line and CI band.

    Parameters
    ----------
    res : RMAResult or RMAMVResult
        A model with an intercept and exactly one numeric moderator (p = 2), from
        :func:`runecon.rma` or the three-level :func:`runecon.rma_mv`.
    pi : bool
        Also shade the prediction interval.
    groups : sequence of str, optional
        A method code per effect (the model's order): bubbles filled by group colour, with
        a legend in words (:func:`runecon.labels.method`).

    Notes
    -----
    Bubble area ∝ weight in the model (``res.weights``), or ∝ precision 1/vi for results
    without per-study weights (three-level models). Thompson SG, Higgins JPT (2002). How should
    meta-regression analyses be undertaken and interpreted? Stat Med 21:1559-1573.
    doi:10.1002/sim.1187
    """
    ax = _ax(ax)
    _check_rma(res, int_only=False)
    if res.p != 2:
        raise InputError("res", "needs one moderator besides the intercept (p = 2), "
                                f"got p = {res.p}")
    x = np.asarray(res.X[:, 1], float)
    grid = np.linspace(x.min(), x.max(), n)
    pr = res.predict(newmods=grid)
    color = color or CYCLE[0]
    if pi:
        ax.fill_between(grid, pr.pi_lb, pr.pi_ub, color=color, alpha=0.10, lw=0, label="pi")
    ax.fill_between(grid, pr.ci_lb, pr.ci_ub, color=color, alpha=0.25, lw=0, label="ci")
    ax.plot(grid, pr.pred, color=color, lw=1.2, label="fit")
    w = np.asarray(getattr(res, "weights", None) if getattr(res, "weights", None) is not None
                   else 1 / np.asarray(res.vi, float), float)
    area = np.clip(_MAX_AREA * w / w.max(), _MIN_AREA, None)
    ax.scatter(x, res.yi, s=area, facecolor="none", edgecolor=POOLED_COLOR, lw=0.6,
               label="studies", zorder=3)
    if groups is not None:
        groups = np.asarray(groups).astype(str)
        if len(groups) != len(x):
            raise InputError("groups", f"has {len(groups)} values for {len(x)} effects")
        handles = []
        for i, g in enumerate(sorted(dict.fromkeys(groups))):
            m = groups == g
            handles.append(ax.scatter(x[m], np.asarray(res.yi)[m], s=area[m],
                                      color=CYCLE[(i + 1) % 7], alpha=0.6, lw=0,
                                      label=words.method(g), zorder=2))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, borderaxespad=0.2,
                  handletextpad=0.1, columnspacing=0.6, markerscale=0.6)
    if refline is not None:
        ax.axhline(refline, color=_GREY, lw=0.6, zorder=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def orchard_summary(subgroups):
    """Per-group estimate, CI and PI from a SubgroupResult (``tau2="separate"``) as the
    ``summary`` frame of :func:`orchard` (``group, k, estimate, ci_lb, ci_ub, pi_lb, pi_ub``)."""
    if not getattr(subgroups, "fits", None):
        raise InputError("subgroups", "needs a SubgroupResult with per-group fits")
    rows = []
    for g, fit in zip(subgroups.table["group"], subgroups.fits):
        pr = fit.predict()
        rows.append({"group": str(g), "k": fit.k, "estimate": fit.estimate,
                     "ci_lb": fit.ci_lb, "ci_ub": fit.ci_ub,
                     "pi_lb": pr.pi_lb, "pi_ub": pr.pi_ub})
    return pd.DataFrame(rows)


def _jitter(n, width):
    """Deterministic spread in [-width, width] (golden-ratio sequence, no random numbers)."""
    u = (np.arange(n) * 0.6180339887498949) % 1.0
    return (2 * u - 1) * width


def orchard(data, summary, ax=None, *, group="group", xlabel="Effect size", refline=0.0,
            order=None, width=0.3, printed=None, favours=None, names=None):
    """Orchard plot: every effect (size ∝ precision) by group, with pooled CI and PI.

    Parameters
    ----------
    data : DataFrame
        One row per effect: ``yi``, ``vi`` and the ``group`` column.
    summary : DataFrame or SubgroupResult
        Per group: ``group, k, estimate, ci_lb, ci_ub, pi_lb, pi_ub`` (see
        :func:`orchard_summary`), e.g. from a three-level model per group.
    order : sequence of str, optional
        Group order from top to bottom (default: the summary's order).
    printed : dict of group -> float, optional
        Estimates printed by a paper, drawn as crosses below the pooled estimate for
        comparison.
    favours : (str, str), optional
        Arrows either side of ``refline`` under the axis.
    names : dict of group -> str, optional
        Row labels (default: :func:`runecon.labels.method` of the group code).

    Right of the plot: k and the pooled estimate [95% CI] of each group.

    Notes
    -----
    Nakagawa S et al. (2021). The orchard plot: cultivating a forest plot for use in ecology,
    evolution, and beyond. Res Synth Methods 12:4-12. doi:10.1002/jrsm.1424
    """
    ax = _ax(ax)
    if hasattr(summary, "fits"):
        summary = orchard_summary(summary)
    need = {"group", "estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"}
    if not isinstance(summary, pd.DataFrame) or need - set(summary.columns):
        raise InputError("summary", f"must be a SubgroupResult or a DataFrame with {sorted(need)}")
    if not isinstance(data, pd.DataFrame) or {"yi", "vi", group} - set(data.columns):
        raise InputError("data", f"must be a DataFrame with columns yi, vi and {group!r}")
    groups = list(order) if order is not None else [str(g) for g in summary["group"]]
    summ = summary.assign(group=summary["group"].astype(str)).set_index("group")
    missing = [g for g in groups if g not in summ.index]
    if missing:
        raise InputError("order", f"groups {missing} are not in the summary")
    yvals = -np.arange(len(groups), dtype=float)
    prec = 1 / np.sqrt(np.asarray(data["vi"], float))
    smax = prec.max()
    for i, (g, y0) in enumerate(zip(groups, yvals)):
        color = CYCLE[i % len(CYCLE)]
        m = (data[group].astype(str) == g).to_numpy()
        yy = y0 + _jitter(int(m.sum()), width)
        ax.scatter(data["yi"].to_numpy()[m], yy, s=6 + 54 * prec[m] / smax, color=color,
                   alpha=0.5, lw=0, label=f"effects:{g}", zorder=2)
        r = summ.loc[g]
        ax.plot([r["pi_lb"], r["pi_ub"]], [y0, y0], color=POOLED_COLOR, lw=0.9, zorder=3,
                label=f"pi:{g}")
        ax.plot([r["ci_lb"], r["ci_ub"]], [y0, y0], color=POOLED_COLOR, lw=3.2, zorder=4,
                solid_capstyle="butt", label=f"ci:{g}")
        ax.scatter([r["estimate"]], [y0], s=34, color="white", edgecolor=POOLED_COLOR, lw=1.0,
                   zorder=5, label=f"estimate:{g}")
        if printed and g in printed:
            ax.scatter([printed[g]], [y0 - 0.24], s=22, marker="x", color=POOLED_COLOR,
                       lw=0.9, zorder=5, label=f"printed:{g}")
        text = words.ci(r["estimate"], r["ci_lb"], r["ci_ub"])
        if "k" in summ.columns:
            text = f"k = {int(r['k'])}\n{text}"
        ax.annotate(text, xy=(1.0, y0), xycoords=("axes fraction", "data"), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=6.5, linespacing=1.2)
    if refline is not None:
        ax.axvline(refline, color=_GREY, lw=0.6, ls="--", zorder=0)
    ax.set_yticks(yvals, [(names or {}).get(g) or words.method(g) for g in groups])
    ax.set_ylim(yvals[-1] - 0.6, 0.6)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _favours(ax, favours, refline if refline is not None else 0.0)
    return ax


def gosh(data, ax=None, *, hexbin=None, gridsize=40, column="estimate",
         xlabel="Pooled estimate", highlight=None):
    """GOSH plot: estimate of each subset vs its I² (scatter; hexbin for large runs).

    Parameters
    ----------
    data : DataFrame
        From :func:`runecon.sensitivity.gosh` (columns ``estimate``, ``I2``, ...; failed
        fits are NaN rows and are left out).
    hexbin : bool, optional
        Default: hexbin when there are more than 2000 subsets.
    highlight : str, optional
        A study (a boolean column of ``data``): subsets that include it are drawn in
        vermillion, the others in blue, with a legend (Olkin et al. 2012 colour subsets by
        an influential study the same way).

    Notes
    -----
    Olkin I, Dahabreh IJ, Trikalinos TA (2012). GOSH - a graphical display of study
    heterogeneity. Res Synth Methods 3:214-223. doi:10.1002/jrsm.1053
    """
    ax = _ax(ax)
    if not isinstance(data, pd.DataFrame) or {column, "I2"} - set(data.columns):
        raise InputError("data", f"must be a DataFrame with columns {column!r} and 'I2'")
    if highlight is not None and highlight not in data.columns:
        raise InputError("highlight", f"{highlight!r} is not a study column of the GOSH table")
    ok = data.dropna(subset=[column, "I2"])
    if len(ok) == 0:
        raise InputError("data", "no successful fits to plot")
    x, y = ok[column].to_numpy(float), ok["I2"].to_numpy(float)
    if hexbin is None:
        hexbin = len(ok) > 2000
    if hexbin:
        ax.hexbin(x, y, gridsize=gridsize, mincnt=1, bins="log", cmap="viridis",
                  linewidths=0, label="subsets")
    elif highlight is None:
        ax.scatter(x, y, s=9, color=CYCLE[0], alpha=0.6, lw=0, label="subsets")
    else:
        with_ = ok[highlight].to_numpy(bool)
        ax.scatter(x[~with_], y[~with_], s=10, color=CYCLE[0], alpha=0.7, lw=0,
                   label=f"without {highlight}")
        ax.scatter(x[with_], y[with_], s=10, color=CYCLE[1], alpha=0.7, lw=0,
                   label=f"with {highlight}")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2,
                  handletextpad=0.2, columnspacing=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("I\u00b2 (%)")
    return ax


def intervals(labels, estimate, ci_lb, ci_ub, ax=None, *, reference=None, xlabel="Estimate",
              refline=0.0, colors=None, favours=None, ticklabels=True):
    """Dot-and-whisker rows (top to bottom): the common layout of leave-one-out,
    cumulative and ledger plots.

    Parameters
    ----------
    labels : sequence of str
    estimate, ci_lb, ci_ub : array-like
    reference : (estimate, ci_lb, ci_ub), optional
        A full-model estimate: vertical line and shaded CI band.
    colors : sequence, optional
        One colour per row.
    ticklabels : bool
        Row labels as y tick labels (default) or, when False, as text artists left of the
        axes (labelled ``"row_label"``): three times faster for long lists, as in the
        interactive explorer.
    """
    ax = _ax(ax)
    est, lb, ub = (np.asarray(a, float) for a in (estimate, ci_lb, ci_ub))
    labels = [str(s) for s in labels]
    if not (len(labels) == len(est) == len(lb) == len(ub)) or len(labels) == 0:
        raise InputError("labels", "labels, estimate, ci_lb and ci_ub must have one common, "
                                   "non-zero length")
    y = -np.arange(len(labels), dtype=float)
    colors = list(colors) if colors is not None else [POOLED_COLOR] * len(labels)
    if reference is not None:
        e, l_, u = (float(v) for v in reference)
        ax.axvspan(l_, u, color=CYCLE[5], alpha=0.25, lw=0, label="reference_ci", zorder=0)
        ax.axvline(e, color=CYCLE[0], lw=0.8, label="reference", zorder=1)
    ax.hlines(y, lb, ub, colors=colors, lw=0.9, label="ci")
    ax.scatter(est, y, s=14, color=colors, zorder=3, label="rows")
    if refline is not None:
        ax.axvline(refline, color=_GREY, lw=0.6, ls="--", zorder=0)
    if ticklabels:
        ax.set_yticks(y, labels)
    else:
        ax.set_yticks([])
        for yy, text in zip(y, labels):
            ax.annotate(text, xy=(0.0, yy), xycoords=("axes fraction", "data"),
                        xytext=(-4, 0), textcoords="offset points", ha="right",
                        va="center", fontsize="small", label="row_label")
    ax.set_ylim(y[-1] - 0.7, 0.7)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _favours(ax, favours, refline if refline is not None else 0.0)
    return ax


def _table_frame(table, what):
    df = table.to_frame() if hasattr(table, "to_frame") else table
    if not isinstance(df, pd.DataFrame) or {"estimate", "ci_lb", "ci_ub"} - set(df.columns):
        raise InputError(what, "must be a TableResult or DataFrame with estimate, ci_lb, ci_ub")
    return df


def leave1out(table, ax=None, *, res=None, xlabel="Pooled estimate without the study",
              refline=0.0):
    """Leave-one-out plot: the pooled estimate and CI with each study omitted.

    Parameters
    ----------
    table : TableResult or DataFrame
        From :func:`runecon.sensitivity.leave1out` (index: the omitted study).
    res : RMAResult, optional
        The full model: drawn as the reference line and band.
    """
    df = _table_frame(table, "table")
    ref = None if res is None else (res.estimate, res.ci_lb, res.ci_ub)
    return intervals([f"without {s}" for s in df.index], df["estimate"], df["ci_lb"],
                     df["ci_ub"], ax, reference=ref, xlabel=xlabel, refline=refline)


def cumulative(table, ax=None, *, xlabel="Cumulative pooled estimate", refline=0.0):
    """Cumulative meta-analysis plot (studies added top to bottom in the table's order).

    Parameters
    ----------
    table : TableResult or DataFrame
        From :func:`runecon.sensitivity.cumul`.
    """
    df = _table_frame(table, "table")
    return intervals([f"adding {s}" for s in df.index], df["estimate"], df["ci_lb"], df["ci_ub"],
                     ax, xlabel=xlabel, refline=refline)


def posterior(result, ax=None, *, params=("mu", "pred"), n=401, xlabel=None, favours=None):
    """Posterior densities of a Bayesian meta-analysis (μ, τ, or the predictive θ_new).

    Parameters
    ----------
    result : BayesResult
        From :func:`runecon.bayesmeta`.
    params : sequence of {"mu", "pred", "tau"}
        Densities drawn on this Axes (``tau`` lives on its own scale: draw it on its own
        Axes). Each curve shades its central credible interval.
    favours : (str, str), optional
        Arrows either side of zero under the axis (effect-size panels).

    The legend sits above the plot, never over a curve.

    Notes
    -----
    Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R package.
    J Stat Softw 93(6):1-51. doi:10.18637/jss.v093.i06
    """
    ax = _ax(ax)
    if not hasattr(result, "pdf") or not hasattr(result, "tau_grid"):
        raise InputError("result", "must be a BayesResult from runecon.bayesmeta")
    if isinstance(params, str):
        params = (params,)
    bad = [p for p in params if p not in ("mu", "pred", "tau")]
    if bad or not params:
        raise InputError("params", f"must be among 'mu', 'pred', 'tau', got {params!r}")
    if "tau" in params and len(params) > 1:
        raise InputError("params", "draw 'tau' on its own Axes (another scale)")
    names = {"mu": "\u03bc (mean effect)", "pred": "\u03b8 new (predictive)",
             "tau": "\u03c4 (heterogeneity)"}
    colors = {"mu": CYCLE[0], "pred": CYCLE[1], "tau": CYCLE[2]}
    for p in params:
        if p == "tau":
            lb, ub = result.tau_ci_lb, result.tau_ci_ub
            hi = float(result.quantile("tau", 0.995))
            x = np.linspace(0.0, hi, n)
        else:
            lb, ub = (result.mu_ci_lb, result.mu_ci_ub) if p == "mu" else (result.pi_lb,
                                                                          result.pi_ub)
            lo_, hi_ = (float(v) for v in result.quantile(p, [0.001, 0.999]))
            x = np.linspace(lo_, hi_, n)
        d = np.asarray(result.pdf(p, x), float)
        ax.plot(x, d, color=colors[p], lw=1.1, label=names[p])
        m = (x >= lb) & (x <= ub)
        ax.fill_between(x[m], 0, d[m], color=colors[p], alpha=0.2, lw=0)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Posterior density")
    ax.set_xlabel(xlabel or ("\u03c4" if params == ("tau",) else "Effect size"))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2)
    if "tau" not in params:
        _favours(ax, favours, 0.0)
    return ax


def race_time(frame, ax=None, *, y="delta_s", models=None, ci=True, labels=None):
    """Race-time change vs race distance, one line and band per physiology model.

    Parameters
    ----------
    frame : DataFrame or RacePrediction
        ``runecon.predict_race_times(...)`` (or its ``to_frame()``): columns ``distance``,
        ``distance_m``, ``model``, ``delta_s``, ``delta_lb_s``, ``delta_ub_s``,
        ``delta_pct``, ``baseline_s``, ``in_valid_range``.
    y : {"delta_s", "delta_pct"}
        Seconds or percent of the baseline time.
    models : sequence of str, optional
        Subset and order of the models.
    ci : bool
        The effect's CI (when the prediction carried one) as a vertical bar per model and
        distance, models side by side (bands of four models would overlap into one grey).
    labels : dict of model -> str, optional
        Legend names (default :func:`runecon.labels.model`); each line's ``gid`` is the
        model code.

    Notes
    -----
    Points outside a model's valid range are drawn open (see the frame's ``note``).
    """
    ax = _ax(ax)
    df = frame.to_frame() if hasattr(frame, "to_frame") else frame
    need = {"distance", "distance_m", "model", "delta_s", "delta_lb_s", "delta_ub_s",
            "baseline_s", "in_valid_range"}
    if not isinstance(df, pd.DataFrame) or need - set(df.columns):
        raise InputError("frame", f"must be predict_race_times output with {sorted(need)}")
    if y not in ("delta_s", "delta_pct"):
        raise InputError("y", f"must be 'delta_s' or 'delta_pct', not {y!r}")
    models = list(models) if models is not None else list(dict.fromkeys(df["model"]))
    unknown = [m for m in models if m not in set(df["model"])]
    if unknown:
        raise InputError("models", f"not in the frame: {unknown}")
    scale = (lambda d, s: d) if y == "delta_s" else (lambda d, s: 100 * d / s)
    # dodge: models side by side around each distance (a constant factor on the log axis)
    dodge = np.exp(0.05 * (np.arange(len(models)) - (len(models) - 1) / 2))
    for i, m in enumerate(models):
        d = df[df["model"] == m].sort_values("distance_m")
        x = d["distance_m"].to_numpy(float) / 1000
        base = d["baseline_s"].to_numpy(float)
        yy = scale(d["delta_s"].to_numpy(float), base)
        color = CYCLE[i % len(CYCLE)]
        name = (labels or {}).get(m) or words.model(m)
        xd = x * dodge[i] if ci else x
        line, = ax.plot(xd, yy, color=color, lw=1.1, label=name)
        line.set_gid(m)
        ok = d["in_valid_range"].to_numpy(bool)
        ax.scatter(xd[ok], yy[ok], s=12, color=color, zorder=3)
        ax.scatter(xd[~ok], yy[~ok], s=12, facecolor="white", edgecolor=color, lw=0.8,
                   zorder=3)
        if ci:
            lo = scale(d["delta_lb_s"].to_numpy(float), base)
            hi = scale(d["delta_ub_s"].to_numpy(float), base)
            if np.any(lo != hi):
                ax.vlines(xd, lo, hi, color=color, lw=0.9, alpha=0.8, label=f"band:{m}")
    ax.set_xscale("log")
    ticks = df.drop_duplicates("distance_m").sort_values("distance_m")
    ax.set_xticks(ticks["distance_m"].to_numpy(float) / 1000,
                  [f"{d / 1000:.3g}" for d in ticks["distance_m"]])
    ax.minorticks_off()
    ax.axhline(0, color=_GREY, lw=0.6, zorder=0)
    ax.set_xlabel("Race distance (km)")
    ax.set_ylabel(("Change in race time (s)" if y == "delta_s" else "Change in race time (%)")
                  + "\nnegative = faster")
    handles, labs = ax.get_legend_handles_labels()
    keep = [(h, l_) for h, l_ in zip(handles, labs) if not l_.startswith("band:")]
    ax.legend([h for h, _ in keep], [l_ for _, l_ in keep], loc="lower left",
              bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2, handlelength=1.2,
              columnspacing=0.8)
    return ax


def prepost(frame, ax=None, *, ylabel="Value", labels=("Before", "After")):
    """Group means ± SD before and after training, one line per group (error bars: SD,
    as the legend of the figure should say).

    Parameters
    ----------
    frame : DataFrame
        One row per group: ``group``, ``pre_mean``, ``pre_sd``, ``post_mean``, ``post_sd``
        (optionally ``n``, shown in the legend).
    """
    ax = _ax(ax)
    need = {"group", "pre_mean", "pre_sd", "post_mean", "post_sd"}
    if not isinstance(frame, pd.DataFrame) or need - set(frame.columns) or len(frame) == 0:
        raise InputError("frame", f"must be a non-empty DataFrame with {sorted(need)}")
    off = np.linspace(-0.06, 0.06, len(frame)) if len(frame) > 1 else np.zeros(1)
    for i, (o, r) in enumerate(zip(off, frame.itertuples(index=False))):
        color = CYCLE[i % len(CYCLE)]
        lab = str(r.group) + (f" (n = {int(r.n)})" if hasattr(r, "n") else "")
        ax.errorbar([0 + o, 1 + o], [r.pre_mean, r.post_mean], yerr=[r.pre_sd, r.post_sd],
                    color=color, marker="o", ms=4, capsize=2.5, lw=1.1, label=lab)
    ax.set_xticks([0, 1], list(labels))
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel(ylabel)
    return ax


def network_graph(result, ax=None, *, labels=None, node_scale=1.0):
    """Network graph of a :class:`~runecon.netmeta.NetmetaResult`.

    Treatments on a circle (the reference at the top), node area ∝ participants (arm-level
    input) or studies, edge width ∝ number of trials with that direct comparison, the number
    of trials written on each edge.

    Parameters
    ----------
    result : NetmetaResult
    labels : callable, optional
        Code -> words for the node labels (e.g. :func:`runecon.labels.method`).
    """
    ax = _ax(ax)
    if not hasattr(result, "nodes") or not hasattr(result, "edges"):
        raise InputError("result", "needs a NetmetaResult (runecon.netmeta)")
    nodes, edges = result.nodes, result.edges
    name = labels or (lambda s: str(s))
    n = len(nodes)
    ang = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    pos = {t: (np.cos(a), np.sin(a)) for t, a in zip(nodes["treatment"], ang)}
    kmax = max(int(edges["k"].max()), 1)
    for e in edges.itertuples():
        (x1, y1), (x2, y2) = pos[e.treat1], pos[e.treat2]
        ax.plot([x1, x2], [y1, y2], color=CYCLE[0], lw=0.6 + 3.4 * e.k / kmax,
                alpha=0.75, solid_capstyle="round", zorder=1, label="edge")
        ax.text((x1 + x2) / 2, (y1 + y2) / 2, str(e.k), fontsize=6, ha="center", va="center",
                zorder=3, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    size = nodes["n"] if "n" in nodes.columns else nodes["k"]
    area = 20.0 + 110.0 * node_scale * np.asarray(size, float) / float(np.max(size))
    xy = np.array([pos[t] for t in nodes["treatment"]])
    ax.scatter(xy[:, 0], xy[:, 1], s=area, color=POOLED_COLOR, zorder=2, label="nodes")
    for t, (x, y) in pos.items():
        # outward from the circle's centre, clear of the edges that meet at the node
        ha = "left" if x > 0.3 else "right" if x < -0.3 else "center"
        va = "bottom" if y > 0.3 else "top" if y < -0.3 else "center"
        ax.annotate(name(t), (x, y), xytext=(7 * np.sign(round(x, 6)) if ha != "center" else 0,
                                             7 * np.sign(round(y, 6)) if va != "center" else 0),
                    textcoords="offset points", ha=ha, va=va, fontsize=7, zorder=4)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


__all__.append("network_graph")


def cumulative_evidence(table, ax=None, *, living=None, methods=None,
                        ylabel="Cumulative pooled estimate", refline=0.0, band=True):
    """How a pooled estimate per method moved as studies were published.

    Parameters
    ----------
    table : TableResult or DataFrame
        :func:`runecon.living.cumulative_by_year` output (``method``, ``year``,
        ``estimate``, ``ci_lb``, ``ci_ub``); one line per method, a step at each year a
        study was added (held to the end of the last year), the 95% CI as a band.
    living : TableResult or DataFrame, optional
        The same with the living rows: drawn dashed from the first year where it differs
        from ``table`` (nothing is drawn when it never differs).
    methods : sequence of str, optional
        Methods to draw (default: those of ``table``, in its order). With several methods
        each line is labelled at its end.

    Returns
    -------
    matplotlib.axes.Axes
        Artists labelled ``"method:<code>"``, ``"ci:<code>"`` and ``"living:<code>"``.
    """
    from . import labels as _labels

    ax = _ax(ax)
    need = {"method", "year", "estimate", "ci_lb", "ci_ub"}

    def frame(x, argument):
        t = x.to_frame() if hasattr(x, "to_frame") else pd.DataFrame(x)
        if not need <= set(t.columns):
            raise InputError(argument, f"needs columns {sorted(need)} (cumulative_by_year "
                                       "output)")
        return t

    def steps(d, col):
        x = np.append(d["year"].to_numpy(float), float(d["year"].iloc[-1]) + 1)
        y = d[col].to_numpy(float)
        return x, np.append(y, y[-1])

    t = frame(table, "table")
    lv = frame(living, "living") if living is not None else None
    methods = list(dict.fromkeys(t["method"])) if methods is None else list(methods)
    for i, m in enumerate(methods):
        d = t[(t["method"] == m) & np.isfinite(t["estimate"].to_numpy(float))]
        if d.empty:
            continue
        color = CYCLE[i % len(CYCLE)] if len(methods) > 1 else POOLED_COLOR
        x, y = steps(d, "estimate")
        ax.step(x, y, where="post", color=color, lw=1.1, label=f"method:{m}")
        ax.plot(x[:-1], y[:-1], "o", ms=2.5, color=color)
        if band:
            ax.fill_between(x, steps(d, "ci_lb")[1], steps(d, "ci_ub")[1], step="post",
                            color=color, alpha=0.15, lw=0, label=f"ci:{m}")
        if len(methods) > 1:
            ax.annotate(_labels.method(m), (x[-1], y[-1]), xytext=(3, 0),
                        textcoords="offset points", fontsize="small", color=color,
                        va="center")
        if lv is not None:
            e = lv[(lv["method"] == m) & np.isfinite(lv["estimate"].to_numpy(float))]
            base = d.set_index("year")["estimate"]
            differs = [yr for yr, v in zip(e["year"], e["estimate"])
                       if yr not in base.index or not np.isclose(v, base[yr], atol=1e-12)]
            if differs:
                e = e[e["year"] >= min(differs)]
                xe, ye = steps(e, "estimate")
                ax.step(xe, ye, where="post", color=color, lw=1.1, ls="--",
                        label=f"living:{m}")
    if refline is not None:
        ax.axhline(refline, color=_GREY, lw=0.6, ls="--", zorder=0)
    ax.set_xlabel("Publication year")
    ax.set_ylabel(ylabel)
    return ax


__all__.append("cumulative_evidence")


def speed_slopes(result, ax=None, *, labels=None, contrast_label=None, favours=(
        "benefit grows", "benefit shrinks")):
    """Within-group and between-group speed slopes per training method, and the
    difference of two methods' within-group slopes (:func:`runecon.speed_slopes`).

    One row per method: the within-group slope (same runners tested at another speed;
    filled black dot, thick 95% CI) above the between-group slope (groups tested at
    different speeds; open grey dot, thin CI), the least and the most confounded estimate of
    "the effect depends on speed". A method without a within slope is written as not
    estimable, with the reason. Below a rule: the contrast of within slopes (diamond).

    Parameters
    ----------
    result : SpeedSlopesResult
    labels : callable, optional
        Method code -> words (default :func:`runecon.labels.method`).
    contrast_label : str, optional
        Row label of the contrast (default "<second> minus <first>\\n(within groups)").
    favours : (str, str)
        Words under the axis either side of zero (effects negative = better, so a positive
        slope means the benefit shrinks as speed rises).

    Returns
    -------
    matplotlib.axes.Axes
        Artists labelled ``"within"``, ``"between"``, ``"contrast"`` and
        ``"not_estimable"`` (text).
    """
    ax = _ax(ax)
    table = getattr(result, "table", None)
    if not isinstance(table, pd.DataFrame) or "within_estimate" not in table.columns:
        raise InputError("result", "must be a SpeedSlopesResult from runecon.speed_slopes")
    name = labels or words.method
    t = table.reset_index(drop=True)
    y = -np.arange(len(t), dtype=float)
    off = 0.17
    ok = np.isfinite(t["within_estimate"].to_numpy(float))
    ax.hlines(y[ok] + off, t["within_ci_lb"][ok], t["within_ci_ub"][ok], color=POOLED_COLOR,
              lw=1.4, label="_within_ci")
    ax.scatter(t["within_estimate"][ok], y[ok] + off, s=18, color=POOLED_COLOR, zorder=3,
               label="within")
    ax.hlines(y[ok] - off, t["between_ci_lb"][ok], t["between_ci_ub"][ok], color="0.6",
              lw=0.8, label="_between_ci")
    ax.scatter(t["between_estimate"][ok], y[ok] - off, s=16, facecolor="white",
               edgecolor="0.5", lw=0.8, zorder=3, label="between")
    for yy, r in zip(y[~ok], t[~ok].itertuples()):
        ax.annotate(f"not estimable ({r.note})", xy=(0.0, yy),
                    xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=6,
                    color=_GREY, label="not_estimable")
    ticks = [f"{name(r.method)}\n{r.k} effect{'s' * (r.k != 1)}, {r.groups} "
             f"group{'s' * (r.groups != 1)}" for r in t.itertuples()]
    c = getattr(result, "contrast", None)
    if c is not None:
        yc = y[-1] - 1.25
        ax.axhline(y[-1] - 0.62, color="0.8", lw=0.5)
        _diamond(ax, yc, c["estimate"], c["ci_lb"], c["ci_ub"], "contrast", height=0.22)
        y = np.append(y, yc)
        ticks.append(contrast_label or f"{name(c['method_b'])} minus\n"
                                       f"{name(c['method_a']).lower()} (within)")
    ax.set_yticks(y, ticks, fontsize=6)
    ax.set_ylim(y[-1] - 0.6, 0.75)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.axvline(0.0, color=_GREY, lw=0.6, ls="--", zorder=0)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=POOLED_COLOR, marker="o", ms=4, lw=1.4,
                      label="within groups\n(same runners)"),
               Line2D([], [], color="0.6", marker="o", ms=4, mfc="white", mec="0.5", lw=0.8,
                      label="between groups\n(different studies)")]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2,
              borderaxespad=0.2, handlelength=1.6, columnspacing=1.0, fontsize=6.5)
    unit = {"speed_kmh": "km/h", "pct_vo2max": "% of VO\u2082max"}.get(
        getattr(result, "speed", ""), "unit")
    ax.set_xlabel(f"Change in Hedges g per {unit} faster (95% CI)")
    _favours(ax, favours, 0.0)
    return ax


def ratios(labels, estimate, ci_lb, ci_ub, ax=None, *, xlabel="Risk ratio (log scale)",
           favours=("fewer injuries", "more injuries"), digits=2, values=True):
    """Ratios (risk, rate, odds) and 95% CIs on a log axis, 1 = no difference.

    Parameters
    ----------
    labels : sequence of str
    estimate, ci_lb, ci_ub : array-like
        Positive ratios.
    values : bool
        Write "estimate [ci_lb, ci_ub]" right of the axes.

    Returns
    -------
    matplotlib.axes.Axes
        As :func:`intervals` (``"rows"``, ``"ci"``), plus texts labelled ``"value"``.
    """
    est, lb, ub = (np.asarray(a, float) for a in (estimate, ci_lb, ci_ub))
    if np.any(~(np.concatenate([est, lb, ub]) > 0)):
        raise InputError("estimate", "ratios and their CI limits must be positive numbers "
                                     "(give the ratio, not its logarithm)")
    ax = intervals(labels, est, lb, ub, ax, xlabel=xlabel, refline=1.0, favours=favours)
    ax.set_xscale("log")
    lo, hi = min(lb.min(), 1.0), max(ub.max(), 1.0)
    lo, hi = lo / (hi / lo) ** 0.08, hi * (hi / lo) ** 0.08
    ax.set_xlim(lo, hi)
    cand = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0])
    if hi / lo > 4:   # a wide range: 1-2-5 steps only, fine steps would collide
        cand = np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0])
    ticks = cand[(cand >= lo) & (cand <= hi)]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    if values:
        for yy, e, l_, u in zip(-np.arange(len(est)), est, lb, ub):
            ax.annotate(words.ci(e, l_, u, digits), xy=(1.0, yy),
                        xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", ha="left", va="center",
                        fontsize="small", label="value")
    return ax


def zstats(labels, z, ax=None, *, pvals=None, level=95, xlabel="z statistic",
           favours=None):
    """z statistics printed without an effect size: one dot per row on a z axis, the band
    |z| < z crit (two-sided, ``level``) shaded. A z says how far an estimate lies from no
    effect in standard errors, not how large the effect is: no interval is drawn.

    Parameters
    ----------
    labels : sequence of str
    z : array-like
    pvals : sequence of str, optional
        The p-values as printed ("0.110", "<0.001"), written beside each dot.

    Returns
    -------
    matplotlib.axes.Axes
        Dots labelled ``"z"``, the band ``"not_significant"``, texts ``"value"``.
    """
    ax = _ax(ax)
    z = np.asarray(z, float)
    labels = [str(s) for s in labels]
    if len(labels) != len(z) or len(z) == 0 or not np.all(np.isfinite(z)):
        raise InputError("z", "needs one finite z per label (at least one)")
    if pvals is not None and len(pvals) != len(z):
        raise InputError("pvals", f"has {len(pvals)} values for {len(z)} rows")
    crit = _z(level)
    y = -np.arange(len(z), dtype=float)
    lim = max(np.abs(z).max(), crit) * 1.2
    ax.axvspan(-crit, crit, color="0.92", lw=0, zorder=0, label="not_significant")
    ax.axvline(0.0, color=_GREY, lw=0.6, ls="--", zorder=1)
    ax.scatter(z, y, s=18, marker="s", color=POOLED_COLOR, zorder=3, label="z")
    ax.text(0.0, y[-1] - 0.75, f"p > {1 - level / 100:g}", ha="center",
            va="center", fontsize=6, color=_GREY, label="band_label")
    for i, (yy, v) in enumerate(zip(y, z)):
        p = "" if pvals is None else str(pvals[i]).strip()
        p = ("" if not p else f", p {p[0]} {p[1:]}" if p[0] in "<>" else f", p = {p}")
        ax.annotate(f"z = {words.num(v)}{p}", xy=(1.0, yy), xycoords=("axes fraction", "data"),
                    xytext=(4, 0), textcoords="offset points", ha="left", va="center",
                    fontsize="small", label="value")
    ax.set_yticks(y, labels)
    ax.set_ylim(y[-1] - 1.0, 0.6)
    ax.set_xlim(-lim, lim)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, symmetric=True))
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _favours(ax, favours, 0.0)
    return ax


__all__ += ["speed_slopes", "ratios", "zstats"]
