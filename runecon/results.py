"""Result objects of the meta-analysis engine: frozen dataclasses that print like metafor.

Each has ``__str__`` (the block metafor prints), ``_repr_html_`` (the same content as HTML
tables for notebooks) and ``to_frame()`` (a pandas DataFrame).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, fields

import numpy as np

_DIGITS = 4  # metafor's default number of printed digits

#: The engine's post-fit functions (``predict``, ``confint``), registered by runecon.models when
#: it is imported: the result classes sit below the engine in the layering
#: (tests/test_layering.py), so their methods call the engine through this table instead of
#: importing it. A result exists only once the engine has produced it, so the table is filled.
_ENGINE: dict = {}


def register_engine(**functions):
    """Called by runecon.models with its ``predict`` and ``confint`` functions."""
    _ENGINE.update(functions)


def fmt(x, digits=_DIGITS):
    """R's formatC(x, digits, format = "f")."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"    # as R prints them
    return f"{x:.{digits}f}"


def fmt_p(p, digits=_DIGITS, eq=False):
    """metafor's .pval(): '<.0001' below 10^-digits."""
    if p is None or math.isnan(p):
        return "NA"
    if p < 10 ** -digits:
        return "< ." + "0" * (digits - 1) + "1" if eq else "<." + "0" * (digits - 1) + "1"
    return ("= " if eq else "") + fmt(p, digits)


def _stars(p):
    if p is None or math.isnan(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def text_table(header, rows, rownames=None):
    """Right-aligned text table like R's print.data.frame."""
    cols = list(zip(*([header] + rows))) if rows else [[h] for h in header]
    widths = [max(len(str(c)) for c in col) for col in cols]
    lines = []
    rn = rownames or [""] * (len(rows) + 1)
    rw = max((len(r) for r in rn), default=0)
    for i, row in enumerate([header] + rows):
        name = (rn[i] if rownames else "").ljust(rw)
        cells = "  ".join(str(c).rjust(w) for c, w in zip(row, widths))
        lines.append((name + "  " + cells) if rownames else cells)
    return "\n".join(lines)


def html_table(header, rows, rownames=None):
    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in ([""] if rownames else []) + list(header))
    body = []
    for i, row in enumerate(rows):
        rn = f"<th>{html.escape(rownames[i])}</th>" if rownames else ""
        body.append("<tr>" + rn + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{h}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _as_array(x):
    return np.atleast_1d(np.asarray(x, dtype=float))


_SIGNIF = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def _coef_header(stat, df):
    """Column names of metafor's coefficient table (with a df column when ``df``)."""
    return ["estimate", "se", stat] + (["df"] if df else []) + ["pval", "ci.lb", "ci.ub", ""]


def _coef_row(b, se, stat, p, lb, ub, df=None):
    """One formatted coefficient row; ``df`` is the already formatted df cell or None."""
    return ([fmt(b), fmt(se), fmt(stat)] + ([df] if df is not None else [])
            + [fmt_p(p), fmt(lb), fmt(ub), _stars(p)])


def _format_btt(btt):
    """metafor's .format.btt: 1-based, runs of consecutive positions as "a:b", comma-joined
    ((1, 2, 4) -> "2:3,5")."""
    idx = sorted(i + 1 for i in btt)
    parts, start = [], 0
    for j in range(1, len(idx) + 1):
        if j == len(idx) or idx[j] != idx[j - 1] + 1:
            run = idx[start:j]
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}:{run[-1]}")
            start = j
    return ",".join(parts)


class Result:
    """Base of runecon's result dataclasses (``@dataclass(frozen=True, eq=False)`` subclasses).

    Truly immutable: every numpy array field is replaced by a read-only view when the result
    is made, so ``res.beta[0] = 1`` raises ValueError instead of changing a fitted model (the
    engine's own arrays stay writable: only the view held by the result is locked). The
    default ``_repr_html_`` shows the printed block in a ``<pre>``; results with tables
    override it. Equality is identity (``eq=False``): two fits are not "equal" because their
    numbers are, and numpy arrays have no single truth value.
    """

    __slots__ = ()

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                view = value.view()
                view.setflags(write=False)
                object.__setattr__(self, f.name, view)

    def _repr_html_(self):
        return f"<pre>{html.escape(str(self))}</pre>"


class _ModelDisplay(Result):
    """Shared by RMAResult and RMAMVResult: the heterogeneity and moderator tests, the
    coefficient table (text and HTML) and the coefficient frame, as metafor prints them."""

    @property
    def estimate(self) -> float:
        """The pooled estimate (``beta[0]``; the intercept in a meta-regression)."""
        return float(self.beta[0])

    @property
    def int_only(self) -> bool:
        return self.p == 1

    def _het_title(self):
        return "Test for Heterogeneity" if self.int_only else "Test for Residual Heterogeneity"

    def _q_line(self):
        q = "Q" if self.int_only else "QE"
        return f"{q}(df = {self.k - self.p}) = {fmt(self.QE)}, p-val {fmt_p(self.QEp, eq=True)}"

    def _qm_line(self):
        which = ("coefficient " if len(self.btt) == 1 else "coefficients ") + _format_btt(self.btt)
        if self.test == "z":
            stat = f"QM(df = {self.QMdf[0]}) = {fmt(self.QM)}"
        else:
            stat = f"F(df1 = {self.QMdf[0]}, df2 = {self.QMdf[1]}) = {fmt(self.QM)}"
        return which, f"{stat}, p-val {fmt_p(self.QMp, eq=True)}"

    def _coef_rows(self):
        t = self.test != "z"
        cols = [_as_array(x) for x in (self.se, self.zval, self.pval, self.ci_lb, self.ci_ub)]
        rows = [_coef_row(self.beta[j], cols[0][j], cols[1][j], float(cols[2][j]), cols[3][j],
                          cols[4][j], str(self.df) if t else None) for j in range(self.p)]
        return _coef_header("tval" if t else "zval", t), rows

    def _tests_text(self):
        """The heterogeneity test, moderator test and coefficient table (text lines)."""
        out = [self._het_title() + ":", self._q_line(), ""]
        if not self.int_only:
            which, line = self._qm_line()
            out += [f"Test of Moderators ({which}):", line, ""]
        header, rows = self._coef_rows()
        return out + ["Model Results:", "",
                      text_table(header, rows, None if self.int_only else list(("",) + self.coef_names)),
                      "", "---", _SIGNIF, ""]

    def _tests_html(self):
        parts = [f"<p>{self._het_title()}: {html.escape(self._q_line())}</p>"]
        if not self.int_only:
            which, line = self._qm_line()
            parts.append(f"<p>Test of Moderators ({which}): {html.escape(line)}</p>")
        header, rows = self._coef_rows()
        return parts + [html_table(header, rows, list(self.coef_names))]

    def _coef_frame(self, model):
        """One row per coefficient with the ``model`` fields repeated as columns and in attrs."""
        import pandas as pd
        df = pd.DataFrame({
            "estimate": self.beta, "se": _as_array(self.se), "zval": _as_array(self.zval),
            "pval": _as_array(self.pval), "ci_lb": _as_array(self.ci_lb),
            "ci_ub": _as_array(self.ci_ub)}, index=pd.Index(self.coef_names, name="coef"))
        for key, val in model.items():
            df[key] = val
        df.attrs.update(model)
        return df


@dataclass(frozen=True, eq=False)
class RMAResult(_ModelDisplay):
    """A fitted fixed- or random-effects meta-analysis or meta-regression (``runecon.rma``).

    Field names follow metafor (``ci.lb`` is ``ci_lb``). ``se``, ``zval``, ``pval``,
    ``ci_lb`` and ``ci_ub`` are floats for an intercept-only model and arrays of length p
    otherwise; ``beta`` is always an array. ``zval`` holds the t statistic under the
    t-based tests ("t", "knha", "adhoc"), ``df`` their degrees of freedom (k - p).
    ``I2`` is in percent; ``weights`` are fractions summing to 1. ``QM`` is the omnibus
    test of the moderators (of the intercept in an intercept-only model), an F statistic
    with ``QMdf`` degrees of freedom under the t-based tests. ``ll`` is the ML or REML
    log-likelihood (None for the other methods), ``R2`` metafor's pseudo-R² in percent
    (meta-regression only), ``vt`` the typical sampling variance used for I2 and H2,
    ``s2w`` the Knapp–Hartung scale factor (1 for "z" and "t").
    """

    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    coef_names: tuple
    slab: tuple
    method: str
    test: str
    level: float
    k: int
    p: int
    beta: np.ndarray
    se: float | np.ndarray
    zval: float | np.ndarray
    pval: float | np.ndarray
    ci_lb: float | np.ndarray
    ci_ub: float | np.ndarray
    vb: np.ndarray
    tau2: float
    se_tau2: float | None
    I2: float
    H2: float
    QE: float
    QEp: float
    QM: float
    QMp: float
    df: int | None
    weights: np.ndarray
    ll: float | None
    R2: float | None = None
    vt: float | None = None
    tau2_fixed: bool = False
    s2w: float = 1.0
    QMdf: tuple = (1, None)
    btt: tuple = (0,)
    iterations: int | None = None
    control: dict = field(default_factory=dict, repr=False)
    terms: tuple | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ accessors
    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    def predict(self, newmods=None, level=None):
        """Predicted effects with confidence and prediction intervals (metafor's predict).

        Parameters
        ----------
        newmods : array-like, dict or DataFrame, optional
            Moderator values (without the intercept): one value per moderator for a single
            prediction, or a n×m array; for a formula model also a dict or DataFrame of the
            formula's columns. None: the average effect for an intercept-only model, the
            fitted value of every study for a meta-regression.
        level : float, optional
            Confidence level in percent (default: the model's).

        Returns
        -------
        PredictResult

        Notes
        -----
        The prediction interval is pred ± crit · sqrt(se² + tau2) with crit from the normal
        distribution under test="z" and from t with k - p df under the t-based tests, as
        metafor's predict.rma (Riley et al. 2011, doi:10.1136/bmj.d549, use k - 2 df;
        metafor and runecon do not).
        """
        return _ENGINE["predict"](self, newmods=newmods, level=level)

    def confint(self, level=None, fixed=False, random=True, control=None):
        """Q-profile confidence intervals for tau2, tau, I2 and H2 (metafor's confint).

        Parameters
        ----------
        level : float, optional
            Confidence level in percent (default: the model's).
        fixed : bool
            Also give the coefficients with their Wald CIs (metafor's ``fixed=TRUE``:
            beta ± crit · se, crit from t with k - p df under the t-based tests; equal to
            ``ci_lb``/``ci_ub`` at the model's level).
        random : bool
            Give the tau2/tau/I2/H2 intervals (False: coefficients only, which also works
            for a fixed-effects model or a fixed tau2, as metafor's ``random=FALSE``).
        control : dict, optional
            metafor's ``confint`` control: ``tol`` (uniroot tolerance, default
            eps^0.25; e.g. 1e-12 for the exact limits), ``maxiter`` (1000), ``tau2_min``
            (min(0, tau2)) and ``tau2_max`` (the model's ``control['tau2_max']`` if set,
            else max(100, 10 tau2)) -- the search interval.

        Notes
        -----
        Viechtbauer (2007), doi:10.1002/sim.2514: the limits are the tau2 values where the
        generalised Q statistic equals the chi-squared (k - p) quantiles, found with R's
        ``uniroot`` algorithm on [0, max(100, 10 tau2)]; a limit outside that interval is
        reported at the bound with ``lb_sign``/``ub_sign`` set as metafor does.
        """
        return _ENGINE["confint"](self, level=level, fixed=fixed, random=random,
                                  control=control)

    # ------------------------------------------------------------------ display
    def _title(self):
        if self.method == "FE":
            head = "Fixed-Effects Model" if self.int_only else "Fixed-Effects with Moderators Model"
            return f"{head} (k = {self.k})"
        head = "Random-Effects Model" if self.int_only else "Mixed-Effects Model"
        est = "user-specified tau^2 value" if self.tau2_fixed else f"tau^2 estimator: {self.method}"
        return f"{head} (k = {self.k}; {est})"

    def _het_lines(self):
        lines = []
        tdig = 0 if abs(self.tau2) <= 2.220446e-15 else _DIGITS
        if self.method != "FE":
            se = "" if self.se_tau2 is None else f" (SE = {fmt(self.se_tau2)})"
            if self.int_only:
                lines.append(f"tau^2 (estimated amount of total heterogeneity): {fmt(self.tau2, tdig)}{se}")
                lines.append(f"tau (square root of estimated tau^2 value):      {fmt(self.tau, tdig)}")
            else:
                lines.append(f"tau^2 (estimated amount of residual heterogeneity):     {fmt(self.tau2, tdig)}{se}")
                lines.append(f"tau (square root of estimated tau^2 value):             {fmt(self.tau, tdig)}")
        if self.int_only:
            lines.append(f"I^2 (total heterogeneity / total variability):   {fmt(self.I2, 2)}%")
            lines.append(f"H^2 (total variability / sampling variability):  {fmt(self.H2, 2)}")
        else:
            lines.append(f"I^2 (residual heterogeneity / unaccounted variability): {fmt(self.I2, 2)}%")
            lines.append(f"H^2 (unaccounted variability / sampling variability):   {fmt(self.H2, 2)}")
            if self.R2 is not None:
                lines.append(f"R^2 (amount of heterogeneity accounted for):            {fmt(self.R2, 2)}%")
        return lines

    def __str__(self):
        return "\n".join(["", self._title(), ""] + self._het_lines() + [""] + self._tests_text())

    def __repr__(self):
        return (f"RMAResult(method={self.method!r}, test={self.test!r}, k={self.k}, p={self.p}, "
                f"estimate={self.estimate:.4g}, tau2={self.tau2:.4g})")

    def _repr_html_(self):
        parts = [f"<p><b>{html.escape(self._title())}</b></p>",
                 "<p>" + "<br>".join(html.escape(s) for s in self._het_lines()) + "</p>"]
        return "<div class='runecon-rma'>" + "".join(parts + self._tests_html()) + "</div>"

    def to_frame(self):
        """One row per coefficient: estimate, se, zval, pval, ci_lb, ci_ub, and the
        model-level fields (k, method, test, tau2, se_tau2, I2, H2, QE, QEp, QM, QMp, df,
        ll, R2) repeated as columns and stored in ``attrs``."""
        return self._coef_frame({
            "k": self.k, "method": self.method, "test": self.test, "level": self.level,
            "tau2": self.tau2, "se_tau2": self.se_tau2, "I2": self.I2, "H2": self.H2,
            "QE": self.QE, "QEp": self.QEp, "QM": self.QM, "QMp": self.QMp,
            "df": self.df, "ll": self.ll, "R2": self.R2})


@dataclass(frozen=True, eq=False)
class PredictResult(Result):
    """Predicted effects with confidence (ci) and prediction (pi) intervals.

    Floats for a single prediction, arrays otherwise. ``pi_lb``/``pi_ub`` are None for a
    fixed-effects model (metafor prints no prediction interval there). ``X`` is the design (with intercept)
    of the predictions; ``slab`` labels them when they are the studies' fitted values.
    """

    pred: float | np.ndarray
    se: float | np.ndarray
    ci_lb: float | np.ndarray
    ci_ub: float | np.ndarray
    pi_lb: float | np.ndarray
    pi_ub: float | np.ndarray
    level: float
    test: str
    df: int | None
    tau2: float
    X: np.ndarray = field(repr=False, default=None)
    slab: tuple | None = None

    def _fields(self):
        names = ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
        return [n for n in names if getattr(self, n) is not None]

    def _header(self):
        return [n.replace("_", ".") for n in self._fields()]

    def _rows(self):
        cols = [_as_array(getattr(self, n)) for n in self._fields()]
        return [[fmt(c[i]) for c in cols] for i in range(cols[0].shape[0])]

    def __str__(self):
        names = None if self.slab is None else [""] + list(self.slab)
        return "\n" + text_table(self._header(), self._rows(), names) + "\n"

    def _repr_html_(self):
        return html_table(self._header(), self._rows(), None if self.slab is None else list(self.slab))

    def to_frame(self):
        """One row per prediction: pred, se, ci_lb, ci_ub, pi_lb, pi_ub (metafor's
        ``as.data.frame(predict(res))``), indexed by the study labels when there are any."""
        import pandas as pd
        df = pd.DataFrame({n: _as_array(getattr(self, n)) for n in self._fields()})
        if self.slab is not None:
            df.index = pd.Index(self.slab, name="slab")
        df.attrs.update({"level": self.level, "test": self.test, "df": self.df, "tau2": self.tau2})
        return df


@dataclass(frozen=True, eq=False)
class ConfintResult(Result):
    """Q-profile confidence intervals for tau2, tau, I2 (percent) and H2, and with
    ``confint(fixed=True)`` the coefficients' CIs (metafor's ``confint(res, fixed = TRUE)``).

    ``lb_sign``/``ub_sign`` are "<" or ">" when a limit lies outside the searched interval
    and is reported at its bound (as metafor prints them); ``ci_null`` is True when the
    whole interval is at tau2 = 0. ``coef_names``, ``beta``, ``beta_lb``, ``beta_ub`` are
    None unless ``fixed=True``; the tau2 ... H2 fields are None when ``random=False``.
    """

    level: float
    tau2: float | None
    tau2_lb: float | None
    tau2_ub: float | None
    tau: float | None
    tau_lb: float | None
    tau_ub: float | None
    I2: float | None
    I2_lb: float | None
    I2_ub: float | None
    H2: float | None
    H2_lb: float | None
    H2_ub: float | None
    lb_sign: str = ""
    ub_sign: str = ""
    ci_null: bool = False
    coef_names: tuple | None = None
    beta: np.ndarray | None = None
    beta_lb: np.ndarray | None = None
    beta_ub: np.ndarray | None = None

    _ROWS = (("tau^2", "tau2"), ("tau", "tau"), ("I^2(%)", "I2"), ("H^2", "H2"))
    _HEADER = ["estimate", "ci.lb", "ci.ub"]

    @property
    def has_random(self) -> bool:
        return self.tau2 is not None

    @property
    def has_fixed(self) -> bool:
        return self.coef_names is not None

    def _rows(self):
        out = []
        for label, key in self._ROWS:
            out.append([fmt(getattr(self, key)), self.lb_sign + fmt(getattr(self, key + "_lb")),
                        self.ub_sign + fmt(getattr(self, key + "_ub"))])
        return out

    def _fixed_rows(self):
        return [[fmt(b), fmt(lb), fmt(ub)] for b, lb, ub in zip(self.beta, self.beta_lb, self.beta_ub)]

    def __str__(self):
        blocks = []
        if self.has_fixed:
            blocks.append(text_table(self._HEADER, self._fixed_rows(), [""] + list(self.coef_names)))
        if self.has_random:
            blocks.append(text_table(self._HEADER, self._rows(), [""] + [r[0] for r in self._ROWS]))
        return "\n" + "\n\n".join(blocks) + "\n"

    def _repr_html_(self):
        parts = []
        if self.has_fixed:
            parts.append(html_table(self._HEADER, self._fixed_rows(), list(self.coef_names)))
        if self.has_random:
            parts.append(html_table(self._HEADER, self._rows(), [r[0] for r in self._ROWS]))
        return "".join(parts)

    def to_frame(self):
        """Columns estimate, ci_lb, ci_ub; rows the coefficients (with ``fixed=True``,
        metafor's ``confint(res, fixed = TRUE)$fixed``) followed by tau2, tau, I2, H2
        (``$random``)."""
        import pandas as pd
        rows, index = [], []
        if self.has_fixed:
            rows += [list(r) for r in zip(self.beta, self.beta_lb, self.beta_ub)]
            index += list(self.coef_names)
        if self.has_random:
            rows += [[getattr(self, k), getattr(self, k + "_lb"), getattr(self, k + "_ub")]
                     for _, k in self._ROWS]
            index += [r[1] for r in self._ROWS]
        df = pd.DataFrame(rows, columns=["estimate", "ci_lb", "ci_ub"],
                          index=pd.Index(index, name="parameter"), dtype=float)
        df.attrs.update({"level": self.level, "lb_sign": self.lb_sign, "ub_sign": self.ub_sign,
                         "ci_null": self.ci_null})
        return df


@dataclass(frozen=True, eq=False)
class LevelTest(Result):
    """Likelihood-ratio test of one variance component (metafor: refit with that
    ``sigma2`` fixed at 0, then ``anova(full, reduced)``): LRT = 2 (ll - ll0), p-value from
    chi-squared with 1 df (not halved, as metafor)."""

    factor: str
    ll0: float
    LRT: float
    pval: float
    sigma2_0: tuple


@dataclass(frozen=True, eq=False)
class RMAMVResult(_ModelDisplay):
    """A three-level meta-analysis (``runecon.rma_mv``), as metafor's
    ``rma.mv(yi, vi, random = ~ 1 | cluster/es_id)``.

    Field names follow metafor. ``sigma2`` = (between-cluster, within-cluster) variance;
    ``s_nlevels`` the number of levels of each; ``I2`` the multilevel I² of each level and
    ``I2_total`` their sum (percent, with the typical sampling variance ``vt``); ``lrt`` one
    :class:`LevelTest` per level. ``se``, ``zval`` (the t statistic under test="t"), ``pval``,
    ``ci_lb``, ``ci_ub`` are floats for an intercept-only model, arrays otherwise. ``QM`` is
    an F statistic with ``QMdf`` under test="t"; ``df`` = k - p for test="t" (None for "z").
    ``cluster_codes``/``es_codes`` index each row's level-3 and level-2 unit.
    """

    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    coef_names: tuple
    slab: tuple
    cluster_name: str
    es_name: str
    cluster_codes: np.ndarray = field(repr=False)
    es_codes: np.ndarray = field(repr=False)
    method: str = "REML"
    test: str = "z"
    level: float = 95.0
    k: int = 0
    p: int = 1
    n_clusters: int = 0
    beta: np.ndarray = None
    se: float | np.ndarray = None
    zval: float | np.ndarray = None
    pval: float | np.ndarray = None
    ci_lb: float | np.ndarray = None
    ci_ub: float | np.ndarray = None
    vb: np.ndarray = None
    sigma2: tuple = (0.0, 0.0)
    s_nlevels: tuple = (0, 0)
    sigma2_fixed: tuple = (False, False)
    QE: float = None
    QEp: float = None
    QM: float = None
    QMp: float = None
    QMdf: tuple = (1, None)
    btt: tuple = (0,)
    df: int | None = None
    ll: float = None
    vt: float = None
    I2: tuple = (None, None)
    I2_total: float = None
    lrt: tuple = ()
    iterations: int | None = None
    terms: tuple | None = field(default=None, repr=False)

    @property
    def tau2(self) -> float:
        """sum(sigma2): the total heterogeneity variance used by the prediction interval."""
        return float(sum(self.sigma2))

    def predict(self, newmods=None, level=None):
        """Average or predicted effects with CI and prediction interval
        pred ± crit · sqrt(se² + sigma2_1 + sigma2_2) (metafor's predict.rma for rma.mv
        without inner/outer factors), crit from t with k - p df under test="t"."""
        return _ENGINE["predict"](self, newmods=newmods, level=level)

    def _title(self):
        return f"Multivariate Meta-Analysis Model (k = {self.k}; method: {self.method})"

    def _vc_rows(self):
        rows = []
        for j, name in enumerate((self.cluster_name, f"{self.cluster_name}/{self.es_name}")):
            s2 = self.sigma2[j]
            rows.append([fmt(s2), fmt(math.sqrt(s2)), str(self.s_nlevels[j]),
                         "yes" if self.sigma2_fixed[j] else "no", name])
        return ["estim", "sqrt", "nlvls", "fixed", "factor"], rows

    def _fit_line(self):
        return f"logLik = {fmt(self.ll)}" if self.ll is not None else ""

    def _lrt_lines(self):
        return [f"LRT sigma^2 ({t.factor}) = 0: LRT = {fmt(t.LRT)}, p-val {fmt_p(t.pval, eq=True)}"
                for t in self.lrt]

    def _i2_line(self):
        return (f"I^2: {fmt(self.I2[0], 2)}% ({self.cluster_name}), {fmt(self.I2[1], 2)}% "
                f"({self.es_name}), {fmt(self.I2_total, 2)}% total")

    def __str__(self):
        out = ["", self._title(), "", self._fit_line(), "", "Variance Components:", ""]
        h, rows = self._vc_rows()
        out += [text_table(h, rows, ["", "sigma^2.1", "sigma^2.2"]), "", self._i2_line(), ""]
        out += self._lrt_lines() + [""] + self._tests_text()
        return "\n".join(out)

    def __repr__(self):
        return (f"RMAMVResult(method={self.method!r}, test={self.test!r}, k={self.k}, "
                f"n_clusters={self.n_clusters}, estimate={self.estimate:.4g}, "
                f"sigma2=({self.sigma2[0]:.4g}, {self.sigma2[1]:.4g}))")

    def _repr_html_(self):
        h, rows = self._vc_rows()
        parts = [f"<p><b>{html.escape(self._title())}</b> {html.escape(self._fit_line())}</p>",
                 "<p>Variance Components:</p>", html_table(h, rows, ["sigma^2.1", "sigma^2.2"]),
                 f"<p>{html.escape(self._i2_line())}</p>",
                 "<p>" + "<br>".join(html.escape(s) for s in self._lrt_lines()) + "</p>"]
        return "<div class='runecon-rma-mv'>" + "".join(parts + self._tests_html()) + "</div>"

    def to_frame(self):
        """One row per coefficient (estimate, se, zval, pval, ci_lb, ci_ub) with the
        model-level fields repeated as columns and stored in ``attrs``."""
        return self._coef_frame({
            "k": self.k, "n_clusters": self.n_clusters, "method": self.method,
            "test": self.test, "level": self.level, "sigma2_1": self.sigma2[0],
            "sigma2_2": self.sigma2[1], "I2_1": self.I2[0], "I2_2": self.I2[1],
            "I2_total": self.I2_total, "QE": self.QE, "QEp": self.QEp, "QM": self.QM,
            "QMp": self.QMp, "df": self.df, "ll": self.ll,
            "LRT_1": self.lrt[0].LRT if self.lrt else None,
            "LRT_1_pval": self.lrt[0].pval if self.lrt else None,
            "LRT_2": self.lrt[1].LRT if self.lrt else None,
            "LRT_2_pval": self.lrt[1].pval if self.lrt else None})


@dataclass(frozen=True, eq=False)
class RobustResult(Result):
    """Cluster-robust tests of the coefficients (``runecon.robust``), as clubSandwich's
    ``coef_test(res, vcov = adjust, test = "Satterthwaite")``: ``vcov`` the sandwich
    estimator, ``se`` its root diagonal, ``tval`` = beta / se, ``df`` the Satterthwaite
    degrees of freedom, ``pval`` and ``ci_lb``/``ci_ub`` from t with those df.
    Floats for one coefficient, arrays otherwise."""

    coef_names: tuple
    adjust: str
    n_clusters: int
    level: float
    beta: float | np.ndarray
    se: float | np.ndarray
    tval: float | np.ndarray
    df: float | np.ndarray
    pval: float | np.ndarray
    ci_lb: float | np.ndarray
    ci_ub: float | np.ndarray
    vcov: np.ndarray = field(repr=False, default=None)

    def _rows(self):
        b, se, t, df, p, lb, ub = (_as_array(x) for x in (self.beta, self.se, self.tval, self.df,
                                                          self.pval, self.ci_lb, self.ci_ub))
        return [_coef_row(b[j], se[j], t[j], p[j], lb[j], ub[j], fmt(df[j], 2))
                for j in range(len(self.coef_names))]

    _HEADER = _coef_header("tval", True)

    def __str__(self):
        return (f"\nCluster-robust inference ({self.adjust}, Satterthwaite df; "
                f"{self.n_clusters} clusters)\n\n"
                + text_table(self._HEADER, self._rows(), [""] + list(self.coef_names)) + "\n")

    def _repr_html_(self):
        return (f"<p><b>Cluster-robust inference ({html.escape(self.adjust)}, Satterthwaite df; "
                f"{self.n_clusters} clusters)</b></p>"
                + html_table(self._HEADER, self._rows(), list(self.coef_names)))

    def to_frame(self):
        import pandas as pd
        df = pd.DataFrame({k: _as_array(getattr(self, k)) for k in
                           ("beta", "se", "tval", "df", "pval", "ci_lb", "ci_ub")},
                          index=pd.Index(self.coef_names, name="coef"))
        df.attrs.update({"adjust": self.adjust, "n_clusters": self.n_clusters, "level": self.level})
        return df
