"""Subgroup analysis with a test of subgroup differences: ``subgroups()``."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputError
from ._checks import column as _column
from ._checks import finite_yi as _check_finite_yi
from ._checks import positive as _check_positive
from .models import rma
from .results import Result, RMAResult

__all__ = ["subgroups", "SubgroupResult"]

_COLS = ("group", "k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "I2",
         "QE", "QEp")


@dataclass(frozen=True, eq=False)
class SubgroupResult(Result):
    """Per-subgroup estimates and the test of subgroup differences (``runecon.subgroups``).

    ``table`` has one row per group (``group``, ``k``, ``estimate``, ``se``, ``zval``,
    ``pval``, ``ci_lb``, ``ci_ub``, ``tau2``, ``I2``, ``QE``, ``QEp``; heterogeneity columns
    are NaN under ``tau2="pooled"``, where ``tau2`` is the common value). ``Qb`` is the
    test statistic of subgroup differences on ``df`` degrees of freedom (an F statistic on
    (``df``, ``df2``) under ``tau2="pooled"`` with a t-based test), ``pval`` its p value.
    ``fits`` holds the per-group :class:`RMAResult` ("separate") and ``model`` the model
    giving Qb (the fixed-effect model of the subgroup estimates, or the meta-regression).
    """

    table: pd.DataFrame = field(repr=False)
    Qb: float
    df: int
    pval: float
    method: str
    tau2: str
    test: str
    level: float
    statistic: str = "Q"
    df2: int | None = None
    fits: tuple = field(default=(), repr=False)
    model: RMAResult | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The per-group table (a copy)."""
        return self.table.copy()

    def _test_line(self):
        if self.statistic == "F":
            return (f"Test of subgroup differences: F(df1 = {self.df}, df2 = {self.df2}) = "
                    f"{self.Qb:.4f}, p-val = {self.pval:.4f}")
        return (f"Test of subgroup differences: Qb(df = {self.df}) = {self.Qb:.4f}, "
                f"p-val = {self.pval:.4f}")

    def __str__(self):
        what = ("separate tau2 per subgroup" if self.tau2 == "separate"
                else "tau2 pooled across subgroups (meta-regression)")
        head = f"Subgroup analysis ({what}; method: {self.method}; test: {self.test})\n\n"
        cols = [c for c in _COLS if not self.table[c].isna().all()]
        body = self.table[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}")
        return head + body + "\n\n" + self._test_line() + "\n"

    def __repr__(self):
        return (f"SubgroupResult(groups={len(self.table)}, Qb={self.Qb:.4f}, df={self.df}, "
                f"pval={self.pval:.4g}, tau2={self.tau2!r}, method={self.method!r})")

    def _repr_html_(self):
        cols = [c for c in _COLS if not self.table[c].isna().all()]
        return (f"<p><b>Subgroup analysis</b> (tau2: {self.tau2}; method: {self.method}; "
                f"test: {self.test})</p>"
                + self.table[cols].to_html(index=False, float_format=lambda x: f"{x:.4f}")
                + f"<p>{self._test_line()}</p>")


def _levels(groups):
    if isinstance(groups, pd.Series) and isinstance(groups.dtype, pd.CategoricalDtype):
        return [c for c in groups.cat.categories if c in set(groups)]
    return sorted(pd.unique(np.asarray(groups, dtype=object)), key=str)


def subgroups(yi, vi, groups, method="REML", tau2="separate", test="z", level=95, data=None):
    """Fit a meta-analysis per subgroup and test whether the subgroups differ.

    Parameters
    ----------
    yi, vi : array_like or str
        Effect sizes and sampling variances (column names if ``data`` is given).
    groups : array_like or str
        Subgroup of each effect (a column name if ``data`` is given). Groups are ordered as
        R's ``factor()`` does (sorted; a pandas Categorical keeps its order).
    method : str
        tau² estimator passed to :func:`runecon.rma` ("REML", "DL", "FE", ...).
    tau2 : {"separate", "pooled"}
        ``"separate"``: an independent random-effects model per group (own tau²), then the
        Wald-type Q-between: a fixed-effect model of the G subgroup estimates with their
        squared SEs, ``Qb = Σ (θ_g - θ̄)² / se_g²`` on G - 1 df (as metafor users do with
        ``rma(estimates, sei = se, method = "FE")``). ``"pooled"``: one mixed-effects
        meta-regression with the group as moderator and a common tau²; Qb is its omnibus
        test ``QM`` of the group coefficients (an F statistic under the t-based tests);
        per-group estimates are the group means of the same model (metafor
        ``mods = ~ group - 1``).
    test : {"z", "t", "knha", "adhoc"}
        Inference for the per-group estimates (and for ``QM`` under "pooled").
    level : float
        Confidence level in percent.
    data : pandas.DataFrame, optional

    Returns
    -------
    SubgroupResult

    Notes
    -----
    Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
    Meta-Analysis, ch. 19 (subgroup analyses; "separate" vs "pooled" tau²).
    doi:10.1002/9780470743386. Viechtbauer W (2010). J Stat Softw 36(3).
    doi:10.18637/jss.v036.i03. Checked against metafor 3.8.1 on dat.bcg by allocation
    (tests/test_metafor_subgroups.py).
    """
    if tau2 not in ("separate", "pooled"):
        raise InputError("tau2", f"must be 'separate' or 'pooled', got {tau2!r}")
    if data is not None:
        yi, vi, groups = (_column(data, val, name) if isinstance(val, str) else val
                          for name, val in (("yi", yi), ("vi", vi), ("groups", groups)))
    arrays = {}
    for name, val in (("yi", yi), ("vi", vi)):
        try:
            arrays[name] = np.asarray(val, dtype=float)
        except (TypeError, ValueError):
            raise InputError(name, "must be numeric (a sequence of numbers)") from None
        if arrays[name].ndim != 1:
            raise InputError(name, f"must be one-dimensional, got shape {arrays[name].shape}")
    y, v = arrays["yi"], arrays["vi"]
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__len__"):
        raise InputError("groups", "must be a sequence with one label per effect (or a "
                                   "column name together with data=)")
    g = np.asarray(groups, dtype=object)
    if v.shape != y.shape:
        raise InputError("vi", f"has length {v.shape[0]} but yi has length {y.shape[0]}")
    if g.ndim != 1 or g.shape[0] != y.shape[0]:
        raise InputError("groups", f"yi, vi and groups must have the same length; got "
                                   f"{y.shape[0]}, {v.shape[0]}, {g.shape[0]}")
    # checked here, not per subgroup, so that positions refer to the caller's rows
    _check_finite_yi(y)
    _check_positive(v, "vi")
    if pd.isna(g).any():
        raise InputError("groups", "has missing labels; drop those rows or name the group")
    levels = _levels(groups)
    if len(levels) < 2:
        raise InputError("groups", f"needs at least two subgroups, got {levels}")

    if tau2 == "separate":
        fits, rows = [], []
        for lev in levels:
            sel = g == lev
            try:
                f = rma(y[sel], v[sel], method=method, test=test, level=level)
            except InputError as e:
                raise type(e)(e.argument, f"in subgroup {lev!r}: "
                                          f"{str(e).split(': ', 1)[-1]}") from e
            fits.append(f)
            rows.append((lev, f.k, f.estimate, f.se, f.zval, f.pval, f.ci_lb, f.ci_ub,
                         f.tau2, f.I2, f.QE, f.QEp))
        est = np.array([r[2] for r in rows])
        se = np.array([r[3] for r in rows])
        model = rma(est, sei=se, method="FE", level=level)
        table = pd.DataFrame(rows, columns=list(_COLS))
        return SubgroupResult(table=table, Qb=float(model.QE), df=len(levels) - 1,
                              pval=float(model.QEp), method=method, tau2=tau2, test=test,
                              level=model.level, statistic="Q", fits=tuple(fits),
                              model=model)

    G = len(levels)
    D = np.column_stack([(g == lev).astype(float) for lev in levels[1:]])
    model = rma(y, v, mods=D, method=method, test=test, level=level)
    # group means: L beta with L = [1, e_j]; same vb, same df as metafor's "~ group - 1"
    L = np.zeros((G, G))
    L[:, 0] = 1.0
    L[np.arange(1, G), np.arange(1, G)] = 1.0
    est = L @ model.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", L, model.vb, L))
    zval = est / se
    if model.test == "z":
        pval = 2 * stats.norm.sf(np.abs(zval))
        crit = stats.norm.ppf(1 - (1 - model.level / 100) / 2)
    else:
        pval = 2 * stats.t.sf(np.abs(zval), model.df)
        crit = stats.t.ppf(1 - (1 - model.level / 100) / 2, model.df)
    k = [int(np.sum(g == lev)) for lev in levels]
    nan = np.full(G, np.nan)
    table = pd.DataFrame({"group": levels, "k": k, "estimate": est, "se": se, "zval": zval,
                          "pval": pval, "ci_lb": est - crit * se, "ci_ub": est + crit * se,
                          "tau2": np.full(G, model.tau2), "I2": nan, "QE": nan, "QEp": nan})
    f_test = model.test != "z"
    df1, df2 = model.QMdf if f_test else (G - 1, None)
    return SubgroupResult(table=table, Qb=float(model.QM), df=int(df1), pval=float(model.QMp),
                          method=method, tau2=tau2, test=test, level=model.level,
                          statistic="F" if f_test else "Q",
                          df2=None if df2 is None else int(df2), fits=(), model=model)
