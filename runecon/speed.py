"""Within-group and between-group speed slopes of the training effect: ``speed_slopes()``.

Most training groups were tested at two or more running speeds. A meta-regression on the
raw speed mixes two slopes: how the effect changes when the *same runners* are tested
faster (within group) and how it differs between groups tested at different speeds
(between groups, confounded with everything else that differs between studies). Centring
speed within each group separates them (Begg & Parides 2003; Fisher et al. 2017, the
"within-trial" interaction; in multilevel terms the within/contextual decomposition of
Raudenbush & Bryk 2002, ch. 5):

    yi = b0 + b_w (speed - mean speed of the group) + b_b (mean speed of the group) + u + e

fitted as a three-level model (effects within groups, ``runecon.rma_mv``). b_w is the
least-confounded estimate of "the effect depends on speed"; b_w - b_b tests whether the
two agree (an ecological bias where they do not).

References
----------
Begg MD, Parides MK (2003). Separation of individual-level and cluster-level covariate
effects in regression analysis of correlated data. Stat Med 22:2591-2602.
doi:10.1002/sim.1524
Fisher DJ, Carpenter JR, Morris TP, Freeman SC, Tierney JF (2017). Meta-analytical methods
to identify who benefits most from treatments: daft, deluded, or deft approach? BMJ
356:j573. doi:10.1136/bmj.j573
Raudenbush SW, Bryk AS (2002). Hierarchical Linear Models, 2nd ed. Sage, ch. 5.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputError, RuneconError
from .results import Result, fmt as _f, fmt_p as _pv
from .results import html_table as _html_table, text_table as _table

__all__ = ["speed_slopes", "SpeedSlopesResult"]

_SLOPE_FIELDS = ("estimate", "se", "ci_lb", "ci_ub", "pval")


def _lincomb(fit, c, level):
    """Estimate, se, CI and p of c'beta with the model's z or t reference distribution."""
    est = float(c @ fit.beta)
    se = float(np.sqrt(c @ fit.vb @ c))
    if fit.test == "t":
        q = stats.t.ppf(0.5 + level / 200.0, fit.df)
        p = 2 * stats.t.sf(abs(est / se), fit.df)
    else:
        q = stats.norm.ppf(0.5 + level / 200.0)
        p = 2 * stats.norm.sf(abs(est / se))
    return dict(estimate=est, se=se, ci_lb=est - q * se, ci_ub=est + q * se, pval=float(p))


def _prepare(data, speed):
    need = ["yi", "vi", "study_id", "group_id", "method", speed]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise InputError("data", f"lacks columns {missing} (use runecon.comparisons())")
    d = data[data[speed].notna()].copy()
    d["group"] = d["study_id"].astype(str) + "/" + d["group_id"].astype(str)
    d["speed_between"] = d.groupby("group")[speed].transform("mean")
    d["speed_within"] = d[speed] - d["speed_between"]
    return d.reset_index(drop=True)


def speed_slopes(data=None, *, outcome="running_economy", review="llanoslagos2024a",
                 speed="speed_kmh", methods=("high_load", "plyometric", "combined"),
                 contrast=("high_load", "plyometric"), test="t", level=95):
    """Within-group and between-group speed slopes per training method.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Comparisons (columns yi, vi, study_id, group_id, method and ``speed``); default
        :func:`runecon.comparisons` of ``outcome`` with ``review``'s protocol.
    speed : str
        Speed column: ``"speed_kmh"`` (absolute, as the claim) or ``"pct_vo2max"``.
    methods : sequence of str
        One model per method.
    contrast : pair of str
        Two methods whose *within-group* slopes are compared in one joint model (both
        methods' rows, every coefficient method-specific): estimate = slope of the second
        minus slope of the first.
    test : {"t", "z"}; level : float

    Returns
    -------
    SpeedSlopesResult
        ``table``: one row per method with k, groups, groups tested at several speeds, the
        within slope (``within_*``), between slope (``between_*``) and their difference
        (``diff_*`` = within - between); ``contrast``: dict of the difference in within
        slopes between the two ``contrast`` methods; ``fits``: the rma_mv fits.

    Notes
    -----
    Effects: negative = improvement (see :func:`runecon.comparisons`), so a positive slope
    means the benefit shrinks as speed rises. A method without any group tested at two
    speeds has no within slope (NaN, ``note`` says so).
    """
    from .multilevel import rma_mv

    if data is None:
        from .comparisons import comparisons
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = comparisons(outcome, review=review)
    if speed not in ("speed_kmh", "pct_vo2max") and speed not in data.columns:
        raise InputError("speed", f"column {speed!r} not found")
    d = _prepare(data, speed)
    rows, fits = [], {}
    for m in methods:
        dm = d[d["method"] == m]
        n_multi = int((dm.groupby("group")[speed].nunique() > 1).sum())
        row = dict(method=m, k=len(dm), groups=dm["group"].nunique(),
                   groups_several_speeds=n_multi, note="")
        if n_multi == 0 or dm["group"].nunique() < 3:
            row["note"] = ("no group tested at two speeds" if n_multi == 0
                           else "fewer than 3 groups")
            for part in ("within", "between", "diff"):
                row.update({f"{part}_{f}": np.nan for f in _SLOPE_FIELDS})
            rows.append(row)
            continue
        X = dm[["speed_within", "speed_between"]].to_numpy(dtype=float)
        try:
            fit = rma_mv(dm["yi"].to_numpy(), dm["vi"].to_numpy(), cluster=dm["group"].to_numpy(),
                         mods=X, test=test, level=level, lrt=False)
        except RuneconError as e:
            raise InputError("data", f"speed model for {m!r} cannot be fitted: {e}") from e
        fits[m] = fit
        for part, c in (("within", [0, 1, 0]), ("between", [0, 0, 1]), ("diff", [0, 1, -1])):
            row.update({f"{part}_{k}": v for k, v in
                        _lincomb(fit, np.array(c, dtype=float), level).items()})
        row["df"] = fit.df
        rows.append(row)
    table = pd.DataFrame(rows)
    con = None
    if contrast is not None:
        a, b = contrast
        dc = d[d["method"].isin([a, b])]
        if (set(dc["method"]) == {a, b}
                and (dc.groupby("group")[speed].nunique() > 1).groupby(
                    dc.groupby("group")["method"].first()).sum().min() > 0):
            isb = (dc["method"] == b).to_numpy(dtype=float)
            w, bt = dc["speed_within"].to_numpy(float), dc["speed_between"].to_numpy(float)
            X = np.column_stack([isb, w, w * isb, bt, bt * isb])
            fit = rma_mv(dc["yi"].to_numpy(), dc["vi"].to_numpy(), cluster=dc["group"].to_numpy(),
                         mods=X, test=test, level=level, lrt=False)
            fits[f"{a} vs {b}"] = fit
            con = dict(method_a=a, method_b=b, k=len(dc), groups=dc["group"].nunique(),
                       **_lincomb(fit, np.array([0, 0, 0, 1, 0, 0], dtype=float), level))
    return SpeedSlopesResult(speed=speed, review=review, outcome=outcome, level=float(level),
                             test=test, table=table, contrast=con, fits=fits, data=d)


@dataclass(frozen=True, eq=False)
class SpeedSlopesResult(Result):
    """Result of :func:`speed_slopes` (see there for the fields)."""

    speed: str
    review: str | None
    outcome: str
    level: float
    test: str
    table: pd.DataFrame = field(repr=False)
    contrast: dict | None = field(repr=False)
    fits: dict = field(repr=False)
    data: pd.DataFrame = field(repr=False)

    _HEAD = ["method", "k", "groups", "multi", "within", "ci", "pval", "between", "ci",
             "pval", "within-between", "pval"]

    def _rows(self):
        out = []
        for r in self.table.itertuples():
            def ci(p):
                lb, ub = getattr(r, f"{p}_ci_lb"), getattr(r, f"{p}_ci_ub")
                return f"[{_f(lb, 3)}, {_f(ub, 3)}]"
            out.append([r.method, str(r.k), str(r.groups), str(r.groups_several_speeds),
                        _f(r.within_estimate, 3), ci("within"), _pv(r.within_pval),
                        _f(r.between_estimate, 3), ci("between"), _pv(r.between_pval),
                        _f(r.diff_estimate, 3), _pv(r.diff_pval)])
        return out

    def _contrast_line(self):
        c = self.contrast
        if c is None:
            return "Difference of within-group slopes: not estimable."
        return (f"Within-group slope, {c['method_b']} minus {c['method_a']}: "
                f"{_f(c['estimate'], 3)} [{_f(c['ci_lb'], 3)}, {_f(c['ci_ub'], 3)}], "
                f"p {_pv(c['pval'], eq=True)} (k = {c['k']}, {c['groups']} groups)")

    def __str__(self):
        return "\n".join([
            f"Speed slopes of the effect ({self.speed}; per unit; three-level REML, "
            f"{self.test} tests; multi = groups tested at several speeds)",
            _table(self._HEAD, self._rows()), "", self._contrast_line()])

    def _repr_html_(self):
        return (f"<p><b>Speed slopes ({html.escape(self.speed)})</b></p>"
                + _html_table(self._HEAD, self._rows())
                + f"<p>{html.escape(self._contrast_line())}</p>")

    def to_frame(self):
        return self.table.copy()
