"""Small-study effects: Egger-type regression tests, trim and fill, PET-PEESE and the data
of a contour-enhanced funnel plot (metafor's ``regtest``, ``trimfill.rma.uni``, ``funnel``).

No plotting here (statistics modules never import matplotlib): :func:`funnel_data`
returns the points and the contour regions for ``runecon.figures`` to draw.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from .errors import ConvergenceError, InputError, TooFewStudiesError
from . import _checks
from ._checks import intercept_only as _int_only
from ._checks import univariate as _check_res
from .models import fit_arrays as _rma_fit
from .results import Result, RMAMVResult, RMAResult

PREDICTORS = {"sei": "standard error", "vi": "sampling variance", "ni": "sample size",
              "ninv": "inverse of the sample size", "sqrtni": "square root sample size",
              "sqrtninv": "inverse of the square root sample size"}


def _refit(res, yi, vi, X, names, labels, *, test=None, level=None, method=None):
    tau2 = res.tau2 if getattr(res, "tau2_fixed", False) else None
    return _rma_fit(np.asarray(yi, float), np.asarray(vi, float), X, tuple(names),
                    tuple(labels), method or res.method, test or res.test,
                    res.level if level is None else level, tau2, res.control or {}, None,
                    need_r2=False)


def _wls(yi, vi, X):
    """R's ``summary(lm(yi ~ X - 1, weights = 1/vi))``: coef, se, t, p, residual df."""
    w = 1.0 / vi
    if np.linalg.matrix_rank(X * np.sqrt(w)[:, None]) < X.shape[1]:
        raise InputError("res", "every study has the same sampling variance, so the regression "
                                "on the standard error or variance is not identified; it needs "
                                "studies of different precision")
    A = (X.T * w) @ X
    Ainv = np.linalg.inv(A)
    b = Ainv @ (X.T @ (w * yi))
    r = yi - X @ b
    df = len(yi) - X.shape[1]
    if df < 1:
        raise TooFewStudiesError("res", f"the weighted regression needs k > {X.shape[1]} studies")
    sigma2 = float(w @ (r * r)) / df
    se = np.sqrt(np.diag(Ainv) * sigma2)
    t = b / se
    return b, se, t, 2 * special.stdtr(df, -np.abs(t)), df


# ----------------------------------------------------------------------------- regtest
@dataclass(frozen=True, eq=False)
class RegtestResult(Result):
    """Regression test for funnel plot asymmetry (metafor's ``regtest``)."""

    model: str
    predictor: str
    zval: float            # test statistic of the predictor (t for model="lm" or t-tests)
    pval: float
    df: int | None         # residual df of the t distribution (None for z)
    est: float | None      # limit estimate as the predictor -> 0 (intercept-only models)
    ci_lb: float | None
    ci_ub: float | None
    coef_names: tuple
    beta: np.ndarray
    se: np.ndarray
    level: float
    fit: object = field(default=None, repr=False)   # the RMAResult for model="rma"

    def to_frame(self):
        return pd.DataFrame({"estimate": self.beta, "se": self.se},
                            index=pd.Index(self.coef_names, name="coef"))

    def __str__(self):
        kind = ("weighted regression with multiplicative dispersion" if self.model == "lm"
                else "meta-regression model")
        stat = "z" if self.df is None else "t"
        dfs = "" if self.df is None else f", df = {self.df}"
        lines = ["Regression Test for Funnel Plot Asymmetry", "",
                 f"Model:     {kind}", f"Predictor: {PREDICTORS[self.predictor]}", "",
                 f"Test for Funnel Plot Asymmetry: {stat} = {self.zval:.4f}{dfs}, "
                 f"p = {self.pval:.4f}"]
        if self.est is not None:
            lines.append(f"Limit Estimate (as {self.predictor} -> 0):   b = {self.est:.4f} "
                         f"(CI: {self.ci_lb:.4f}, {self.ci_ub:.4f})")
        return "\n".join(lines)

    def __repr__(self):
        return str(self)


def regtest(res, model="rma", predictor="sei", *, ni=None) -> RegtestResult:
    """Egger-type regression test for funnel plot asymmetry (metafor's ``regtest``).

    Parameters
    ----------
    res : RMAResult
        The fitted model; its moderators are kept and the predictor is added.
    model : {"rma", "lm"}
        "rma": the model's method and test with the predictor as extra moderator;
        "lm": weighted least squares with weights 1/vi and a multiplicative dispersion
        (Egger et al. 1997's test in its weighted form).
    predictor : {"sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"}
        Standard error (Egger), sampling variance, or a function of the total sample
        size ``ni``.
    ni : array_like, optional
        Sample sizes (needed for the ni-based predictors).

    Returns
    -------
    RegtestResult

    Notes
    -----
    Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by
    a simple, graphical test. BMJ 315:629-634. doi:10.1136/bmj.315.7109.629. Sterne JAC,
    Egger M (2005), in Rothstein et al., Publication Bias in Meta-Analysis, ch. 6.
    doi:10.1002/0470870168.ch6
    """
    _check_res(res, "regtest")
    if model not in ("rma", "lm"):
        raise InputError("model", f"must be 'rma' or 'lm', got {model!r}")
    if predictor not in PREDICTORS:
        raise InputError("predictor", f"must be one of {', '.join(PREDICTORS)}, got {predictor!r}")
    yi, vi, X = res.yi, res.vi, res.X
    if predictor in ("sei", "vi"):
        z = np.sqrt(vi) if predictor == "sei" else vi
    else:
        if ni is None:
            raise InputError("ni", f"predictor '{predictor}' needs the sample sizes ni")
        n = np.asarray(ni, float)
        if n.shape != (res.k,) or not np.all(np.isfinite(n) & (n > 0)):
            raise InputError("ni", f"must be {res.k} positive sample sizes")
        z = {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]
    Xn = np.column_stack([X, z])
    names = tuple(res.coef_names) + (predictor,)
    p = res.p
    if np.linalg.matrix_rank(Xn) < Xn.shape[1]:
        raise InputError("predictor", f"'{predictor}' is collinear with the model's moderators")
    alpha = (100.0 - res.level) / 100.0
    limit = predictor in ("sei", "vi", "ninv", "sqrtninv") and p == 1
    fit = None
    if model == "rma":
        if res.k < Xn.shape[1] + (0 if res.method == "FE" else 1):
            raise TooFewStudiesError("res", f"regtest needs k > {Xn.shape[1]} studies")
        fit = _refit(res, yi, vi, Xn, names, res.slab)
        beta, se = np.asarray(fit.beta), np.atleast_1d(fit.se)
        zval, pval = float(np.atleast_1d(fit.zval)[p]), float(np.atleast_1d(fit.pval)[p])
        df = fit.df
        est, lb, ub = ((float(beta[0]), float(np.atleast_1d(fit.ci_lb)[0]),
                        float(np.atleast_1d(fit.ci_ub)[0])) if limit else (None, None, None))
    else:
        beta, se, t, pv, df = _wls(yi, vi, Xn)
        zval, pval = float(t[p]), float(pv[p])
        crit = -float(special.stdtrit(df, alpha / 2))
        est, lb, ub = ((float(beta[0]), float(beta[0] - crit * se[0]),
                        float(beta[0] + crit * se[0])) if limit else (None, None, None))
    return RegtestResult(model=model, predictor=predictor, zval=zval, pval=pval,
                         df=None if df is None else int(df), est=est, ci_lb=lb, ci_ub=ub,
                         coef_names=names, beta=np.asarray(beta), se=np.asarray(se),
                         level=res.level, fit=fit)


# ----------------------------------------------------------------------------- trimfill
@dataclass(frozen=True, eq=False)
class TrimfillResult(Result):
    """Trim and fill (metafor's ``trimfill.rma.uni``): ``fit`` is the model refitted to the
    observed plus the ``k0`` filled studies (``fill`` marks them)."""

    k0: int
    se_k0: float
    side: str
    estimator: str
    p_k0: float | None
    fit: object
    fill: np.ndarray
    iterations: int

    @property
    def estimate(self):
        return self.fit.estimate

    @property
    def yi(self):
        return self.fit.yi

    @property
    def vi(self):
        return self.fit.vi

    def to_frame(self):
        return pd.DataFrame({"yi": self.fit.yi, "vi": self.fit.vi, "filled": self.fill},
                            index=pd.Index(self.fit.slab, name="slab"))

    def __str__(self):
        lines = [f"Estimated number of missing studies on the {self.side} side: {self.k0} "
                 f"(SE = {self.se_k0:.4f})"]
        if self.p_k0 is not None:
            lines.append(f"Test of H0: no missing studies on the {self.side} side:"
                         f"{' ' * 5}p-val = {self.p_k0:.4f}")
        return "\n".join(lines) + "\n\n" + str(self.fit)

    def __repr__(self):
        return str(self)


def trimfill(res, side=None, estimator="L0", *, maxiter=100) -> TrimfillResult:
    """Duval and Tweedie's trim and fill method (metafor's ``trimfill.rma.uni``).

    Parameters
    ----------
    res : RMAResult
        An intercept-only model.
    side : {"left", "right"}, optional
        Side on which studies are missing; default: estimated from the sign of the slope
        of the standard error in a meta-regression (Egger's test; negative -> "right").
    estimator : {"L0", "R0"}
        Estimator of the number of missing studies.

    Returns
    -------
    TrimfillResult

    Notes
    -----
    Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing
    and adjusting for publication bias in meta-analysis. Biometrics 56:455-463.
    doi:10.1111/j.0006-341X.2000.00455.x. Duval S, Tweedie R (2000). A nonparametric "trim
    and fill" method of accounting for publication bias in meta-analysis. J Am Stat Assoc
    95:89-98. doi:10.1080/01621459.2000.10473905. As metafor, the iterations and the final
    fit use a z-test at the 95% level.
    """
    _check_res(res, "trimfill")
    _int_only(res, "trimfill")
    if estimator not in ("L0", "R0"):
        raise InputError("estimator", f"must be 'L0' or 'R0', got {estimator!r}")
    if side not in (None, "left", "right"):
        raise InputError("side", f"must be None, 'left' or 'right', got {side!r}")
    k = res.k
    if k < 3:
        raise TooFewStudiesError("res", "trim and fill needs k >= 3 studies")
    yi0, vi0 = np.asarray(res.yi, float), np.asarray(res.vi, float)
    if side is None:
        Xs = np.column_stack([np.ones(k), np.sqrt(vi0)])
        sfit = _refit(res, yi0, vi0, Xs, ("intrcpt", "sei"), res.slab, test="z", level=95)
        side = "right" if sfit.beta[1] < 0 else "left"
    yi = -yi0 if side == "right" else yi0.copy()
    ix = np.argsort(yi, kind="stable")
    yi, vi = yi[ix], vi0[ix]
    one = np.ones((k, 1))
    k0, k0_old, it = 0, -1, 0
    while k0 != k0_old:
        k0_old = k0
        it += 1
        if it > maxiter:
            raise ConvergenceError("Trim and fill", maxiter, abs(k0 - k0_old),
                                   "Increase maxiter or check the funnel plot.")
        kt = k - k0
        f = _refit(res, yi[:kt], vi[:kt], one[:kt], ("intrcpt",),
                   [str(i) for i in range(kt)], test="z", level=95)
        beta = f.estimate
        yc = yi - beta
        ranks = stats.rankdata(np.abs(yc), method="ordinal")
        srank = np.sign(yc) * ranks
        if estimator == "R0":
            neg = -srank[srank < 0]
            if neg.size == 0:
                raise InputError("estimator", "R0 is undefined: no study lies below the "
                                              "estimate; use estimator='L0'")
            k0f = (k - neg.max()) - 1
            se_k0 = math.sqrt(2 * max(0.0, k0f) + 2)
        else:
            Sr = srank[srank > 0].sum()
            k0f = (4 * Sr - k * (k + 1)) / (2 * k - 1)
            varSr = (k * (k + 1) * (2 * k + 1) + 10 * k0f**3 + 27 * k0f**2 + 17 * k0f
                     - 18 * k * k0f**2 - 18 * k * k0f + 6 * k**2 * k0f) / 24
            # a negative variance (e.g. all yi equal) gives NaN, as R's sqrt in metafor
            se_k0 = 4 * math.sqrt(varSr) / (2 * k - 1) if varSr >= 0 else math.nan
        k0 = max(0, int(np.round(k0f)))    # R's round(): half to even, as numpy
        se_k0 = se_k0 if math.isnan(se_k0) else max(0.0, se_k0)    # R: max(0, NaN) = NaN
    if k0 > 0:
        yc = -(yc - beta) if side == "right" else yc - beta
        yfill = np.concatenate([yi0, -yc[k - k0:]])
        vfill = np.concatenate([vi0, vi[k - k0:]])
        labels = list(res.slab) + [f"Filled {j + 1}" for j in range(k0)]
        fit = _refit(res, yfill, vfill, np.ones((k + k0, 1)), ("intrcpt",), labels,
                     test="z", level=95)
        fill = np.r_[np.zeros(k, bool), np.ones(k0, bool)]
    else:
        fit, fill = res, np.zeros(k, bool)
    p_k0 = None
    if estimator == "R0":
        m = np.arange(-1, k0)
        p_k0 = float(1 - np.sum(special.comb(m + 1, m + 1) * 0.5 ** (m + 2)))
    return TrimfillResult(k0=k0, se_k0=float(se_k0), side=side, estimator=estimator,
                          p_k0=p_k0, fit=fit, fill=fill, iterations=it)


# ----------------------------------------------------------------------------- PET-PEESE
@dataclass(frozen=True, eq=False)
class PetPeeseResult(Result):
    """PET and PEESE limit estimates and the conditional choice between them."""

    pet: pd.DataFrame
    peese: pd.DataFrame
    chosen: str            # "PET" or "PEESE"
    estimate: float
    ci_lb: float
    ci_ub: float
    alpha: float

    def to_frame(self):
        return pd.concat({"PET": self.pet, "PEESE": self.peese})

    def __str__(self):
        def block(name, t):
            return (f"{name}: intercept = {t.loc['intrcpt', 'estimate']:.4f} "
                    f"(CI: {t.loc['intrcpt', 'ci_lb']:.4f}, {t.loc['intrcpt', 'ci_ub']:.4f}), "
                    f"p = {t.loc['intrcpt', 'pval']:.4f}")
        return "\n".join(["PET-PEESE (weighted least squares, weights 1/vi)", "",
                          block("PET  (yi ~ sei)", self.pet), block("PEESE (yi ~ vi) ", self.peese),
                          "", f"Conditional estimate ({self.chosen}; PET intercept test at "
                              f"alpha = {self.alpha}): {self.estimate:.4f} "
                              f"(CI: {self.ci_lb:.4f}, {self.ci_ub:.4f})"])

    def __repr__(self):
        return str(self)


def pet_peese(res, *, alpha=0.05) -> PetPeeseResult:
    """PET-PEESE: precision-effect test and precision-effect estimate with standard error.

    PET regresses yi on sei, PEESE on vi, both by weighted least squares with weights
    1/vi and a multiplicative dispersion (metafor's ``regtest(model = "lm")``). The
    conditional estimator reports PEESE's intercept when PET's intercept differs from 0
    (two-sided p < ``alpha``) and PET's intercept otherwise.

    Parameters
    ----------
    res : RMAResult
        An intercept-only model with k >= 3 studies (only its yi, vi and level are used).
    alpha : float
        Two-sided significance level of PET's intercept test that selects PEESE.

    Returns
    -------
    PetPeeseResult
        ``pet`` and ``peese`` coefficient tables (estimate, se, tval, pval, ci_lb, ci_ub at
        the model's level, t with k - 2 df), ``chosen`` ("PET" or "PEESE") and the chosen
        intercept as ``estimate``.

    Notes
    -----
    Stanley TD, Doucouliagos H (2014). Meta-regression approximations to reduce
    publication selection bias. Res Synth Methods 5:60-78. doi:10.1002/jrsm.1095
    """
    _check_res(res, "pet_peese")
    _int_only(res, "pet_peese")
    if not 0 < alpha < 1:
        raise InputError("alpha", f"must be in (0, 1), got {alpha!r}")
    if res.k < 3:
        raise TooFewStudiesError("res", "PET-PEESE needs k >= 3 studies")
    lvl = (100.0 - res.level) / 100.0
    tabs = {}
    for name, z in (("PET", np.sqrt(res.vi)), ("PEESE", res.vi)):
        X = np.column_stack([np.ones(res.k), z])
        b, se, t, pv, df = _wls(res.yi, res.vi, X)
        crit = -float(special.stdtrit(df, lvl / 2))
        tabs[name] = pd.DataFrame({"estimate": b, "se": se, "tval": t, "pval": pv,
                                   "ci_lb": b - crit * se, "ci_ub": b + crit * se},
                                  index=["intrcpt", "sei" if name == "PET" else "vi"])
    chosen = "PEESE" if tabs["PET"].loc["intrcpt", "pval"] < alpha else "PET"
    row = tabs[chosen].loc["intrcpt"]
    return PetPeeseResult(pet=tabs["PET"], peese=tabs["PEESE"], chosen=chosen,
                          estimate=float(row["estimate"]), ci_lb=float(row["ci_lb"]),
                          ci_ub=float(row["ci_ub"]), alpha=alpha)


# ----------------------------------------------------------------------------- funnel
@dataclass(frozen=True, eq=False)
class FunnelData(Result):
    """Everything a (contour-enhanced) funnel plot draws, without drawing it.

    ``points``: one row per study (index: slab) with ``yi``, ``sei``, ``zi`` = (yi -
    refline) / sei and its two-sided ``pval``. ``se``: the standard-error grid from 0 to
    max(sei). ``ci``: the pseudo confidence region ``estimate -/+ z * se`` at the model's
    level. ``contours``: for each level, ``refline -/+ z_level * se`` -- the region where a
    study is not significant at 1 - level/100 (Peters et al. 2008). Intercept-only models.
    """

    points: pd.DataFrame
    estimate: float
    refline: float
    levels: tuple
    se: np.ndarray
    ci: pd.DataFrame
    contours: pd.DataFrame

    def to_frame(self):
        return self.points.copy()

    def __str__(self):
        return (f"Funnel plot data: k = {len(self.points)}, estimate = {self.estimate:.4f}, "
                f"contours at {', '.join(f'{lv:g}%' for lv in self.levels)} around "
                f"{self.refline:g}, se from 0 to {self.se.max():.4f}")

    def __repr__(self):
        return str(self)


def funnel_data(res, level=(90, 95, 99), *, refline=0.0, n=101) -> FunnelData:
    """Data for a contour-enhanced funnel plot (metafor's ``funnel(level=, refline=0)``).

    Parameters
    ----------
    res : RMAResult
        An intercept-only model.
    level : sequence of float
        Significance contours in percent; study points outside the ``level`` region are
        significant at 1 - level/100 (two-sided z-test).
    refline : float
        Centre of the contours (0: the null effect).
    n : int
        Points of the standard-error grid from 0 to max(sei).

    Returns
    -------
    FunnelData
        ``points`` (per study: yi, sei, zi, pval), ``se`` grid, pseudo-confidence region
        ``ci`` around the estimate at the model's level, and ``contours`` (one block of rows
        per level: refline -/+ z * se).

    Notes
    -----
    Sterne JAC, Egger M (2001). Funnel plots for detecting bias in meta-analysis. J Clin
    Epidemiol 54:1046-1055. doi:10.1016/S0895-4356(01)00377-8. Peters JL, Sutton AJ,
    Jones DR, Abrams KR, Rushton L (2008). Contour-enhanced meta-analysis funnel plots help
    distinguish publication bias from other causes of asymmetry. J Clin Epidemiol
    61:991-996. doi:10.1016/j.jclinepi.2007.11.010
    """
    _checks.result(res, "funnel_data", (RMAResult, RMAMVResult))   # metafor: funnel.rma
    _int_only(res, "funnel_data")
    levels = tuple(float(lv) for lv in np.atleast_1d(level))
    for lv in levels:
        if not 0 < lv < 100:
            raise InputError("level", f"contour levels are percentages in (0, 100), got {lv!r}")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise InputError("n", "must be an integer >= 2")
    if not isinstance(refline, (int, float, np.integer, np.floating)) or not np.isfinite(refline):
        raise InputError("refline", f"must be a finite number, got {refline!r}")
    sei = np.sqrt(res.vi)
    se = np.linspace(0.0, float(sei.max()), n)
    z95 = -special.ndtri((100 - res.level) / 200)
    est = res.estimate
    ci = pd.DataFrame({"se": se, "lower": est - z95 * se, "upper": est + z95 * se})
    rows = []
    for lv in sorted(levels):
        z = -special.ndtri((100 - lv) / 200)
        rows.append(pd.DataFrame({"level": lv, "se": se, "lower": refline - z * se,
                                  "upper": refline + z * se}))
    contours = pd.concat(rows, ignore_index=True)
    zi = (res.yi - refline) / sei
    pts = pd.DataFrame({"yi": res.yi, "sei": sei, "zi": zi,
                        "pval": 2 * special.ndtr(-np.abs(zi))},
                       index=pd.Index(list(res.slab), name="slab"))
    return FunnelData(points=pts, estimate=est, refline=float(refline), levels=levels, se=se,
                      ci=ci, contours=contours)
