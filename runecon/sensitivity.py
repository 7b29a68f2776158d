"""Sensitivity analyses of a fitted model: leave-one-out, influence diagnostics, cumulative
meta-analysis, GOSH plots and permutation tests -- metafor's definitions, batched with numpy.

Every analysis refits the model many times; all refits of one analysis run as one batch
(``runecon._batch.fit_batch``). Fits that fail (non-convergence, singular moderator matrix
on a subset) are NaN in the output and counted in ``n_failed``; never dropped silently.
"""
from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from . import _checks
from ._batch import fit_batch, inv as _inv
from ._rootfind import R_UNIROOT_TOL
from .errors import InputError, RuneconWarning, TooFewStudiesError
from .results import Result

COMPTOL = np.finfo(float).eps ** 0.5   # metafor permutest's comptol
MAX_EXHAUSTIVE = 2**20 - 1            # gosh: all subsets of up to k = 20 studies


# ----------------------------------------------------------------------------- helpers
_check_res = _checks.univariate   # metafor's class check: rma.uni fits only


def _rng(seed):
    """numpy Generator from ``seed`` (None: fresh entropy), or InputError naming 'seed'."""
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise InputError("seed", f"must be None or an integer, not {seed!r}")
    if seed is not None and seed < 0:
        raise InputError("seed", f"must be a non-negative integer, not {seed}")
    return np.random.default_rng(seed)


_int_only = _checks.intercept_only


def _fit(res, mask=None, yi=None, vi=None, progress=None, desc="fits", fallback=True):
    con = getattr(res, "control", None) or {}
    return fit_batch(res.yi if yi is None else yi, res.vi if vi is None else vi, mask, res.X,
                     method=res.method, test=res.test,
                     tau2=res.tau2 if getattr(res, "tau2_fixed", False) else None,
                     threshold=con.get("threshold", 1e-5), maxiter=con.get("maxiter", 100),
                     ll0check=con.get("ll0check", True), stepadj=con.get("stepadj", 1.0),
                     tau2_init=con.get("tau2_init"), tol=con.get("tol", R_UNIROOT_TOL),
                     tau2_max=con.get("tau2_max"), fallback=fallback,
                     progress=progress, desc=desc)


def _inference(fit, test, level):
    """z/t statistics, p-values and CIs of every coefficient of every fit; one-study fits
    use the normal distribution under every test (metafor switches k = 1 fits to test "z")."""
    se = fit.se
    with np.errstate(invalid="ignore", divide="ignore"):
        z = fit.beta / se
    alpha = (100.0 - level) / 100.0
    pval = 2 * special.ndtr(-np.abs(z))
    crit = np.full((len(z), 1), -special.ndtri(alpha / 2))
    if test != "z":
        df = (fit.k - fit.p).astype(float)[:, None]
        df[df <= 0] = np.nan
        zt = fit.ztest[:, None]
        pval = np.where(zt, pval, 2 * special.stdtr(df, -np.abs(z)))
        crit = np.where(zt, crit, -special.stdtrit(df, alpha / 2))
    return z, pval, fit.beta - crit * se, fit.beta + crit * se


def _fmt(x, digits=4):
    if x is pd.NA:
        return "NA"
    if isinstance(x, (bool, np.bool_)):
        return "*" if x else ""
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{x:.{digits}f}"


@dataclass(frozen=True, eq=False)
class TableResult(Result):
    """A table with one row per study or per fit, printed like metafor's ``list.rma``.

    Columns are accessible as attributes (``res.estimate``) and via ``to_frame()``.
    """

    title: str
    table: pd.DataFrame = field(repr=False)
    n_failed: int = 0
    notes: tuple = ()

    def __getattr__(self, name):
        table = self.__dict__.get("table")
        if table is not None and name in table.columns:
            return table[name].to_numpy()
        raise AttributeError(name)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _lines(self):
        notes = list(self.notes)
        if self.n_failed:
            notes.append(f"{self.n_failed} fit(s) failed (NA rows).")
        return notes

    def __str__(self):
        t = self.table
        pcols = [c in ("pval", "Qp") for c in t.columns]
        rows = [[("<.0001" if isp and isinstance(v, float) and v < 1e-4 else _fmt(v))
                 for v, isp in zip(row, pcols)] for row in t.itertuples(index=False)]
        header = list(t.columns)
        names = [str(i) for i in t.index]
        cols = list(zip(*([header] + rows))) if rows else [[h] for h in header]
        widths = [max(len(c) for c in col) for col in cols]
        rw = max(len(n) for n in names) if names else 0
        out = [self.title, ""]
        out.append(" " * rw + "  " + "  ".join(h.rjust(w) for h, w in zip(header, widths)))
        for n, row in zip(names, rows):
            out.append(n.ljust(rw) + "  " + "  ".join(c.rjust(w) for c, w in zip(row, widths)))
        out += [""] + self._lines() if self._lines() else []
        return "\n".join(out)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self._lines())
        return (f"<p><b>{html.escape(self.title)}</b></p>"
                + self.table.to_html(float_format=lambda v: f"{v:.4f}", na_rep="NA") + notes)


# ----------------------------------------------------------------------------- leave1out
def leave1out(res, *, progress=None) -> TableResult:
    """Leave-one-out meta-analyses (metafor's ``leave1out.rma.uni``).

    Parameters
    ----------
    res : RMAResult
        An intercept-only model from :func:`runecon.rma`.

    Returns
    -------
    TableResult
        One row per omitted study (index: its slab) with ``estimate``, ``se``, ``zval``
        (the t statistic for t-based tests), ``pval``, ``ci_lb``, ``ci_ub``, ``Q``, ``Qp``,
        ``tau2``, ``I2``, ``H2`` -- each the model refitted without that study with the
        same method, test and level.

    Notes
    -----
    Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125. doi:10.1002/jrsm.11
    """
    _check_res(res, "leave1out")
    _int_only(res, "leave1out")
    if res.k < 2:
        raise TooFewStudiesError("res", "leave1out needs k >= 2 studies")
    mask = ~np.eye(res.k, dtype=bool)
    return _table_of_fits(res, mask, list(res.slab), "Leave-one-out analysis", progress)


def _table_of_fits(res, mask, index, title, progress):
    fit = _fit(res, mask, progress=progress)
    z, pval, lb, ub = _inference(fit, res.test, res.level)
    dfr = (fit.k - fit.p).astype(float)
    Qp = np.where(dfr > 0, special.chdtrc(np.maximum(dfr, 1), fit.QE), 1.0)
    Qp[~fit.converged] = np.nan
    t = pd.DataFrame({"estimate": fit.beta[:, 0], "se": fit.se[:, 0], "zval": z[:, 0],
                      "pval": pval[:, 0], "ci_lb": lb[:, 0], "ci_ub": ub[:, 0], "Q": fit.QE,
                      "Qp": Qp, "tau2": fit.tau2, "I2": fit.I2, "H2": fit.H2},
                     index=pd.Index(index, name="slab"))
    if fit.n_failed:
        warnings.warn(f"{title}: {fit.n_failed} of {len(t)} fits failed (NA rows)",
                      RuneconWarning, stacklevel=3)
    notes = (f"{fit.n_fallback} fit(s) needed the bracketing fallback after Fisher scoring "
             "did not converge.",) if fit.n_fallback else ()
    return TableResult(title=title, table=t, n_failed=fit.n_failed, notes=notes)


# ----------------------------------------------------------------------------- cumul
def cumul(res, order=None, *, decreasing=False, progress=None) -> TableResult:
    """Cumulative meta-analysis (metafor's ``cumul.rma.uni``).

    Parameters
    ----------
    res : RMAResult
        An intercept-only model.
    order : array_like, optional
        Values to sort the studies by (e.g. publication year); ties keep the data order
        (R's ``order()``). Default: the order of the data.
    decreasing : bool
        Sort in decreasing order.

    Returns
    -------
    TableResult
        Row j is the model fitted to the first j studies in that order (columns as
        :func:`leave1out`), indexed by the slab of the study added.

    Notes
    -----
    Lau J, Antman EM, Jimenez-Silva J, et al. (1992). Cumulative meta-analysis of
    therapeutic trials for myocardial infarction. N Engl J Med 327:248-254.
    doi:10.1056/NEJM199207233270406
    """
    _check_res(res, "cumul")
    _int_only(res, "cumul")
    k = res.k
    if order is None:
        idx = np.arange(k)
    else:
        key = np.asarray(order)
        if key.shape != (k,):
            raise InputError("order", f"must have one value per study (k = {k}), got shape "
                                      f"{key.shape}")
        if decreasing:
            # R's order(decreasing=TRUE) keeps ties in data order as well
            idx = np.lexsort((np.arange(k), -stats.rankdata(key, method="dense")))
        else:
            idx = np.argsort(key, kind="stable")
    tri = np.tril(np.ones((k, k), bool))
    mask = np.zeros((k, k), bool)
    mask[:, idx] = tri
    return _table_of_fits(res, mask, [res.slab[i] for i in idx], "Cumulative meta-analysis",
                          progress)


# ----------------------------------------------------------------------------- influence
def influence(res, *, progress=None) -> TableResult:
    """Outlier and influence diagnostics (metafor's ``influence.rma.uni``).

    Parameters
    ----------
    res : RMAResult
        A model from :func:`runecon.rma` (any estimator, with or without moderators) with
        k >= p + 1 studies; the k leave-one-out refits use its method, test and control.
    progress : bool, optional
        tqdm bar for the refits (None: only for long interactive runs).

    Returns
    -------
    TableResult
        One row per study: ``rstudent`` (externally studentized residual), ``dffits``,
        ``cook_d``, ``cov_r``, ``tau2_del``, ``QE_del``, ``hat``, ``weight`` (percent),
        ``inf`` (True when flagged influential by metafor's rule), and ``dfbs_<coef>``
        (DFBETAS) for every coefficient.

    Notes
    -----
    Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125. doi:10.1002/jrsm.11. A study is flagged
    when |DFFITS| > 3 sqrt(p / (k - p)), or the chi-square(m) cdf of Cook's distance
    exceeds 0.5, or hat > 3 p / k, or any |DFBETAS| > 1 (Cook's distance and the covariance
    ratio use all p coefficients, m = p, as metafor 3.8-1).
    """
    _check_res(res, "influence")
    k, p = res.k, res.p
    if k < p + 1:
        raise TooFewStudiesError("res", f"influence needs k >= p + 1 = {p + 1} studies")
    X, yi, vi = res.X, res.yi, res.vi
    fit = _fit(res, ~np.eye(k, dtype=bool), progress=progress)
    btt = list(range(p))     # metafor: .set.btt(int.incl = FALSE), all coefficients
    m = len(btt)
    w = 1.0 / (vi + res.tau2)
    A = (X.T * w) @ X
    hat = np.einsum("ij,jk,ik->i", X, np.linalg.inv(A), X) * w
    pred_full = X @ res.beta
    delpred = np.einsum("ij,ij->i", X, fit.beta)
    vdelpred = np.einsum("ij,ijk,ik->i", X, fit.vb, X)
    s2w = fit.s2w
    dffits = (pred_full - delpred) / np.sqrt(s2w * hat * (fit.tau2 + vi))
    # vb.del: full-data covariance at tau2.del (metafor), scaled by s2w.del for DFBETAS
    wd = 1.0 / (vi[None, :] + fit.tau2[:, None])
    # batched inverse with NaN for failed deletions (k - 1 = p: metafor's NA rows)
    vbdel = _inv(np.einsum("bk,ki,kj->bij", np.nan_to_num(wd), X, X))
    dfb = res.beta[None, :] - fit.beta
    dfbs = dfb / np.sqrt(s2w[:, None] * np.einsum("bii->bi", vbdel))
    vb = np.asarray(res.vb)
    svb = np.linalg.inv(vb[np.ix_(btt, btt)])
    db = dfb[:, btt]
    cook = np.einsum("bi,ij,bj->b", db, svb, db)
    with np.errstate(invalid="ignore"):          # NaN rows of failed deletions
        covr = np.linalg.det(fit.vb[:, btt][:, :, btt]) / np.linalg.det(vb[np.ix_(btt, btt)])
    resid = yi - delpred
    resid[np.abs(resid) < 100 * np.finfo(float).eps] = 0.0
    rstudent = resid / np.sqrt(vi * s2w + vdelpred + fit.tau2 * s2w)
    weight = 100 * w / w.sum()
    # R's three-valued `|` as metafor: True if any rule flags the study, NA if none does
    # but a rule is NA (a failed deletion fit), else False -- never False by default
    rules = np.column_stack([np.abs(dffits) > 3 * math.sqrt(p / (k - p)),
                             stats.chi2.cdf(cook, m) > 0.5, hat > 3 * p / k,
                             np.abs(dfbs) > 1]).astype(float)
    nan = np.column_stack([np.isnan(dffits), np.isnan(cook), np.isnan(hat), np.isnan(dfbs)])
    rules[nan] = np.nan
    flagged = np.nanmax(np.where(np.isnan(rules), 0.0, rules), axis=1) > 0
    unknown = nan.any(axis=1) & ~flagged
    infl = pd.array(flagged, dtype="boolean")
    infl[unknown] = pd.NA
    t = pd.DataFrame({"rstudent": rstudent, "dffits": dffits, "cook_d": cook, "cov_r": covr,
                      "tau2_del": fit.tau2, "QE_del": fit.QE, "hat": hat, "weight": weight,
                      "inf": infl}, index=pd.Index(list(res.slab), name="slab"))
    for j, name in enumerate(res.coef_names):
        t[f"dfbs_{name}"] = dfbs[:, j]
    if fit.n_failed:
        warnings.warn(f"influence: {fit.n_failed} leave-one-out fits failed (NA rows)",
                      RuneconWarning, stacklevel=2)
    return TableResult(title="Influence diagnostics", table=t, n_failed=fit.n_failed)


# ----------------------------------------------------------------------------- gosh
def _bits(codes, k):
    """Boolean (N, k) matrix: column i is bit i of each code (R's expand.grid order)."""
    b = np.ascontiguousarray(codes.astype("<u8")).view(np.uint8).reshape(-1, 8)
    return np.unpackbits(b, axis=1, bitorder="little")[:, :k].astype(bool)


def gosh(res, subsets=None, *, seed=None, max_exhaustive=MAX_EXHAUSTIVE, fallback=True,
         progress=None):
    """GOSH: the model fitted to every subset of the studies (metafor's ``gosh.rma``).

    Parameters
    ----------
    res : RMAResult
        Any model from :func:`runecon.rma` (all estimators, with or without moderators).
    subsets : int, optional
        Number of random subsets. When every subset (all sizes from p to k, as metafor)
        fits within ``subsets`` -- or, with ``subsets=None``, within ``max_exhaustive`` --
        all subsets are fitted.
    seed : int, optional
        Seed of the random subsets (numpy's default generator).
    max_exhaustive : int
        Largest number of subsets enumerated when ``subsets`` is None.
    fallback : bool
        Where Fisher scoring (ML/REML/EB) does not converge in metafor's 100 iterations,
        solve the same estimating equation by bisection (counted in
        ``attrs["n_fallback"]``); False reproduces metafor, whose fit then fails.

    Returns
    -------
    pandas.DataFrame
        One row per subset in metafor's order (exhaustive: ``expand.grid`` order sorted
        stably by subset size): ``k``, ``QE``, ``I2``, ``H2``, ``tau2``, ``estimate`` (or one
        column per coefficient of a meta-regression; for intercept-only DL models ``H2`` is
        metafor's gosh value QE / (k - 1)), then one boolean column per study
        (named by slab) saying whether it is in the subset. ``df.attrs`` holds ``exact``,
        ``method``, ``n_failed`` (NaN rows: failed fits, counted, never dropped) and
        ``n_fallback``.

    Raises
    ------
    InputError
        Too many subsets for exhaustive enumeration without ``subsets=N``.

    Notes
    -----
    Olkin I, Dahabreh IJ, Trikalinos TA (2012). GOSH - a graphical display of study
    heterogeneity. Res Synth Methods 3(3):214-223. doi:10.1002/jrsm.1053. Random subsets
    as metafor: size j drawn with probability dbinom(j, k, 1/2) over j = p..k, then j
    studies uniformly.
    """
    _check_res(res, "gosh")
    k, p = res.k, res.p
    if k < 2:
        raise TooFewStudiesError("res", "gosh needs k >= 2 studies")
    n_tot = sum(math.comb(k, j) for j in range(p, k + 1))
    if subsets is None:
        if n_tot > max_exhaustive:
            raise InputError("subsets", f"k = {k} studies have {n_tot:,} subsets, more than "
                                        f"max_exhaustive = {max_exhaustive:,}; pass subsets=N "
                                        f"(e.g. subsets=1_000_000) for a random sample of N")
        exact = True
    else:
        if not isinstance(subsets, (int, np.integer)) or subsets < 2:
            raise InputError("subsets", "must be an integer >= 2")
        exact = n_tot <= subsets
    if exact:
        codes = np.arange(1, 2**k, dtype=np.uint64)
        mask = _bits(codes, k)
        size = mask.sum(1)
        keep = size >= p
        mask, size = mask[keep], size[keep]
        mask = mask[np.argsort(size, kind="stable")]
    else:
        rng = _rng(seed)
        sizes = np.arange(p, k + 1)
        prob = stats.binom.pmf(sizes, k, 0.5)
        j = rng.choice(sizes, size=int(subsets), p=prob / prob.sum())
        ranks = np.argsort(np.argsort(rng.random((int(subsets), k)), axis=1), axis=1)
        mask = ranks < j[:, None]
    fit = _fit(res, mask, progress=progress, desc="gosh", fallback=fallback)
    H2 = fit.H2
    if res.method == "DL" and p == 1:
        # metafor's gosh fits intercept-only DL models by a shortcut that reports the
        # Q-based H2 = QE / (k - 1) (below 1 when QE < k - 1) instead of rma's tau2-based
        # H2 (truncated at 1); I2 is the same either way.
        with np.errstate(divide="ignore", invalid="ignore"):
            H2 = np.where(fit.k > 1, fit.QE / (fit.k - 1), 1.0)
    cols = {"k": fit.k, "QE": fit.QE, "I2": fit.I2, "H2": H2, "tau2": fit.tau2}
    if p == 1:
        cols["estimate"] = fit.beta[:, 0]
    else:
        for j, name in enumerate(res.coef_names):
            cols[name] = fit.beta[:, j]
    df = pd.DataFrame(cols)
    names = _unique(res.slab)
    df = pd.concat([df, pd.DataFrame(mask, columns=names)], axis=1)
    df.attrs.update(exact=exact, method=res.method, n_failed=fit.n_failed,
                    n_fallback=fit.n_fallback, slab=tuple(names))
    if fit.n_failed:
        warnings.warn(f"gosh: {fit.n_failed} of {len(df)} subset fits failed (NaN rows; "
                      "see df.attrs['n_failed'])", RuneconWarning, stacklevel=2)
    return df


def _unique(labels):
    seen, out = {}, []
    for s in labels:
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.append(s if n == 0 else f"{s}.{n}")
    return out


# ----------------------------------------------------------------------------- permutest
@dataclass(frozen=True, eq=False)
class PermutestResult(Result):
    """Permutation test of a fitted model (metafor's ``permutest.rma.uni``)."""

    coef_names: tuple
    beta: np.ndarray
    zval: np.ndarray
    pval: np.ndarray          # permutation p-values, one per coefficient
    QM: float
    QMp: float                # permutation p-value of the omnibus test
    iter: int
    exact: bool
    n_failed: int
    n_fallback: int
    test: str
    zval_perm: np.ndarray = field(repr=False)
    QM_perm: np.ndarray = field(repr=False)

    def to_frame(self):
        return pd.DataFrame({"estimate": self.beta, "zval": self.zval, "pval": self.pval},
                            index=pd.Index(self.coef_names, name="coef"))

    def __str__(self):
        stat = "z" if self.test == "z" else "t"
        kind = "Exact" if self.exact else "Approximate"
        lines = [f"{kind} permutation test based on {self.iter:,} "
                 f"{'sign flips' if len(self.coef_names) == 1 else 'permutations'}", "",
                 f"Test of moderators / intercept: QM = {self.QM:.4f}, p-val* = {self.QMp:.4f}",
                 "", f"{'':10s}{'estimate':>10s}{stat + 'val':>10s}{'pval*':>10s}"]
        for n, b, z, pv in zip(self.coef_names, self.beta, self.zval, self.pval):
            lines.append(f"{n:10s}{b:10.4f}{z:10.4f}{pv:10.4f}")
        if self.n_failed:
            lines.append(f"\n{self.n_failed} permuted fit(s) failed and were left out "
                         "of the p-values (as metafor's na.rm = TRUE).")
        return "\n".join(lines)

    def __repr__(self):
        return str(self)


def _unique_perms(labels):
    """All distinct orderings of a multiset of labels, in lexicographic order, as an
    (n_orderings, n) array built position by position with numpy (no Python loop over the
    orderings): each partial ordering is extended by every label it has left, children in
    ascending label order, which keeps the rows lexicographic."""
    vals, counts = np.unique(np.asarray(labels), return_counts=True)
    seq = np.zeros((1, 0), dtype=np.int16 if vals.size < 2**15 else np.int64)
    rem = counts[None, :].astype(np.int16 if counts.max() < 2**15 else np.int64)
    for _ in range(counts.sum()):
        r, g = np.nonzero(rem > 0)                 # row-major: by row, then by label
        seq = np.column_stack([seq[r], g.astype(seq.dtype)])
        rem = rem[r]
        rem[np.arange(r.size), g] -= 1
    return vals[seq]


def permutest(res, iter=1000, *, seed=None, exact=None, btt=None, fallback=True,
              progress=None):
    """Permutation test (metafor's ``permutest.rma.uni``).

    Intercept-only models: the signs of yi are flipped (all 2^k patterns when exact);
    meta-regressions: the rows of the moderator matrix are permuted (all distinct
    permutations when exact). Each permuted data set is refitted with the model's method
    and test, all at once.

    Parameters
    ----------
    res : RMAResult
    iter : int
        Number of random permutations (the first is the observed data, as in metafor).
    seed : int, optional
        Seed of numpy's default generator.
    exact : bool, optional
        Force exact enumeration (True) or random sampling (False); default: exact when the
        number of distinct permutations does not exceed ``iter``.
    btt : sequence of int, optional
        Coefficients in the omnibus test (default: the model's).
    fallback : bool
        As in :func:`gosh`; with False, permuted fits whose Fisher scoring fails are left
        out of the p-values as in metafor (counted in ``n_failed``).

    Returns
    -------
    PermutestResult

    Notes
    -----
    Follmann DA, Proschan MA (1999). Valid inference in random effects meta-analysis.
    Biometrics 55:732-737. doi:10.1111/j.0006-341X.1999.00732.x; Higgins JPT, Thompson SG
    (2004). Controlling the risk of spurious findings from meta-regression. Stat Med
    23:1663-1682. doi:10.1002/sim.1752. Two-sided p-value: share of permuted |z| >=
    |z_obs| - sqrt(eps) max(1, |z_obs|) (metafor's comptol, relative above 1 so that ties in
    exact arithmetic count at any scale; the observed data are one of the permutations).
    """
    _check_res(res, "permutest")
    k, p = res.k, res.p
    if not isinstance(iter, (int, np.integer)) or iter < 2:
        raise InputError("iter", "must be an integer >= 2")
    btt = list(res.btt if btt is None else np.atleast_1d(btt))
    if not btt or not all(isinstance(j, (int, np.integer)) and 0 <= j < p for j in btt):
        raise InputError("btt", f"must be coefficient indices in 0..{p - 1} (0-based), got "
                                f"{btt!r}")
    if p == 1:
        n_exact = 2**k
    else:
        _, groups = np.unique(res.X, axis=0, return_inverse=True)
        counts = np.bincount(groups.ravel())
        n_exact = math.factorial(k)
        for c in counts:
            n_exact //= math.factorial(int(c))
    if exact is None:
        exact = n_exact <= iter
    if exact and n_exact > 10**7:
        raise InputError("exact", f"exact enumeration needs {n_exact:,} fits; use exact=False "
                                  "with iter=N")
    rng = _rng(seed)
    yi, vi = res.yi, res.vi
    if p == 1:
        if exact:
            signs = np.where(_bits(np.arange(2**k, dtype=np.uint64), k), -1.0, 1.0)
        else:
            signs = rng.choice(np.array([-1.0, 1.0]), size=(iter, k))
            signs[0] = 1.0
        Y, V = signs * yi, None
    else:
        if exact:
            perms = _unique_perms(list(groups.ravel()))      # group label of X row per position
            # study j gets moderators of a row in group perms[r, j]: assign, within a group,
            # X rows in order; equivalently move (yi, vi) of study j to an X row of that group.
            rows_of = {g: list(np.flatnonzero(groups.ravel() == g)) for g in np.unique(groups)}
            target = np.empty(perms.shape, dtype=int)
            for g, rows in rows_of.items():
                pos = perms == g
                target[pos] = np.tile(rows, len(perms))
        else:
            target = np.argsort(rng.random((iter, k)), axis=1)
            target[0] = np.arange(k)
        # X row target[r, j] is paired with (yi_j, vi_j): reorder (yi, vi) onto X's rows
        Y = np.empty(target.shape)
        V = np.empty(target.shape)
        r = np.arange(len(target))[:, None]
        Y[r, target] = yi[None, :]
        V[r, target] = vi[None, :]
    fit = _fit(res, None, yi=Y, vi=res.vi if V is None else V, progress=progress,
               desc="permutest", fallback=fallback)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = fit.beta / fit.se
        bb = fit.beta[:, btt]
        QM = np.einsum("bi,bij,bj->b", bb, np.linalg.inv(fit.vb[:, btt][:, :, btt]), bb)
    if res.test != "z":
        QM = QM / len(btt)
    zobs = np.atleast_1d(np.asarray(res.zval, float))
    # observed omnibus statistic for *these* coefficients (res.QM is for res.btt only)
    bo = np.atleast_1d(np.asarray(res.beta, float))[btt]
    vbo = np.asarray(res.vb, float).reshape(p, p)[np.ix_(btt, btt)]
    QMobs = float(bo @ np.linalg.solve(vbo, bo)) / (1 if res.test == "z" else len(btt))
    # the observed data are one of the permutations (row 0 of random ones; in the exact
    # enumeration the identity): their statistic is the observed one, so p >= 1/iter and
    # never 0, however rounding treats a refit with huge z (e.g. effects with an offset)
    obs = 0 if (not exact or p == 1) else int(np.flatnonzero(
        (target == np.arange(k)).all(axis=1))[0])
    z[obs], QM[obs] = zobs, QMobs
    ok = fit.converged.copy()
    ok[obs] = True
    # metafor's comptol, relative for statistics above 1: a permuted statistic equal to the
    # observed one in exact arithmetic (e.g. all signs flipped) counts however large it is
    # (|z| ~ 1e7 for effects near 1e6 carries rounding far above an absolute sqrt(eps))
    tz = COMPTOL * np.maximum(1.0, np.abs(zobs))
    pval = np.mean(np.abs(z[ok]) >= np.abs(zobs) - tz, axis=0)
    QMp = float(np.mean(QM[ok] >= QMobs - COMPTOL * max(1.0, abs(QMobs))))
    return PermutestResult(coef_names=tuple(res.coef_names), beta=np.asarray(res.beta),
                           zval=zobs, pval=np.minimum(pval, 1.0), QM=QMobs, QMp=QMp,
                           iter=len(z), exact=bool(exact), n_failed=int((~ok).sum()),
                           n_fallback=fit.n_fallback,
                           test=res.test, zval_perm=z, QM_perm=QM)
