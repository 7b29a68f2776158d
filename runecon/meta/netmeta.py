"""Frequentist contrast-based network meta-analysis: ``netmeta()``.

Every study contributes its treatment contrasts against one baseline arm (the reference
treatment where the study has it); contrasts of a multi-arm study are correlated through
the shared baseline arm. The consistency model is a generalised least squares (GLS)
regression of the contrasts on the basic parameters d_t (treatment t vs the reference):

    y = X d + delta + e,   e ~ N(0, V),   delta ~ N(0, tau2 G),

with V block-diagonal (sampling covariances), and G = 1 on the diagonal and 1/2 between
contrasts of the same study (one heterogeneity variance, the homogeneous-variance
assumption of Higgins & Whitehead 1996; metafor's ``rma.mv(yi, V, mods = X, random =
~ comp | study, rho = 1/2)``). tau2 is estimated by REML (one-parameter profile: root of
the restricted score, found with the root finder of :mod:`runecon._rootfind`) or by the
method-of-moments estimator of Rücker (2012) / Jackson, White & Riley (2012) that
R netmeta uses by default ("DL"); ``"FE"`` is the common-effect GLS (tau2 = 0).

The model of ``rma_mv`` (nested ``~ 1 | cluster/es_id``) has two variance components and a
closed-form likelihood specific to nesting; the network structure (compound symmetry with
rho fixed at 1/2) is a different covariance, so it has its own small GLS + REML profile
here (dense matrices: a network has tens of contrasts).

References
----------
Higgins JPT, Whitehead A (1996). Borrowing strength from external trials in a
meta-analysis. Stat Med 15:2733-2749. doi:10.1002/(SICI)1097-0258(19961230)15:24<2733::AID-SIM562>3.0.CO;2-0
Rücker G (2012). Network meta-analysis, electrical networks and graph theory. Res Synth
Methods 3:312-324. doi:10.1002/jrsm.1058
Jackson D, White IR, Riley RD (2012). Quantifying the impact of between-study heterogeneity
in multivariate meta-analyses. Stat Med 31:3805-3820. doi:10.1002/sim.5453
Higgins JPT, Jackson D, Barrett JK, Lu G, Ades AE, White IR (2012). Consistency and
inconsistency in network meta-analysis: concepts and models for multi-arm studies. Res
Synth Methods 3:98-110. doi:10.1002/jrsm.1044
Krahn U, Binder H, König J (2013). A graphical tool for locating inconsistency in network
meta-analyses. BMC Med Res Methodol 13:35. doi:10.1186/1471-2288-13-35
Dias S, Welton NJ, Caldwell DM, Ades AE (2010). Checking consistency in mixed treatment
comparison meta-analysis. Stat Med 29:932-944. doi:10.1002/sim.3767
Rücker G, Schwarzer G (2015). Ranking treatments in frequentist network meta-analysis works
without resampling methods. BMC Med Res Methodol 15:58. doi:10.1186/s12874-015-0060-8
Gleser LJ, Olkin I (2009). Stochastically dependent effect sizes. In Cooper H, Hedges LV,
Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd ed.,
pp. 357-376 (multiple-treatment studies). Russell Sage Foundation.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from ._rootfind import RootNotBracketed, r_uniroot
from .._checks import one_of as _one_of
from .effects import CORRECTIONS, STANDARDISERS, VARIANCES, escalc, escalc_prepost, hedges_j
from ..errors import ConvergenceError, InputError
from ..results import Result, fmt as _f, fmt_p as _pv
from ..results import html_table as _html_table, text_table as _table

__all__ = ["netmeta", "NetmetaResult", "combine_arms", "method_arms", "method_network", "METHODS",
           "MEASURES"]

METHODS = ("FE", "REML", "DL")
MEASURES = ("MD", "SMD")
SMALL_VALUES = ("good", "bad")
_LOG2PI = math.log(2.0 * math.pi)
#: relative tolerance (on tau2 + mean sampling variance) of the REML root; the restricted
#: score changes sign there, so the maximum is found to ~1e-12 of the variance scale
_REML_TOL = 1e-12
#: doublings of the upper end of the REML bracket before giving up
_MAX_DOUBLINGS = 60
#: relative tolerance of the consistency check of all-pairs contrast input
_PAIR_TOL = 1e-8


# --------------------------------------------------------------------------- the GLS core
class _Network:
    """Contrast rows of a network: y, block-diagonal V and G, study blocks, designs."""

    def __init__(self, y, V, rows, treatments, reference):
        self.y, self.V = y, V
        self.rows = rows            # DataFrame: study, treat1, treat2, design (one row per y)
        self.treatments = treatments
        self.reference = reference
        self.m = y.shape[0]
        study = rows["study"].to_numpy()
        same = study[:, None] == study[None, :]
        self.G = np.where(same, 0.5, 0.0)
        np.fill_diagonal(self.G, 1.0)
        self.X = _contrast_matrix(rows["treat1"], rows["treat2"], treatments, reference)


def _contrast_matrix(t1, t2, treatments, reference):
    """Rows e_t1 - e_t2 over the non-reference treatments."""
    cols = [t for t in treatments if t != reference]
    pos = {t: i for i, t in enumerate(cols)}
    X = np.zeros((len(t1), len(cols)))
    for r, (a, b) in enumerate(zip(t1, t2)):
        if a in pos:
            X[r, pos[a]] += 1.0
        if b in pos:
            X[r, pos[b]] -= 1.0
    return X


class _GLS:
    """GLS fit of y on X with covariance V + tau2 G at a given tau2."""

    def __init__(self, y, X, V, G, tau2):
        M = V + tau2 * G
        L = np.linalg.cholesky(M)
        Li = np.linalg.solve(L, np.eye(L.shape[0]))
        Mi = Li.T @ Li
        MiX = Mi @ X
        A = X.T @ MiX
        La = np.linalg.cholesky(A)                     # raises if X'M^-1X is singular
        Ai = np.linalg.inv(A)
        self.b = Ai @ (MiX.T @ y)
        self.vb = Ai
        self.resid = y - X @ self.b
        self.Q = float(self.resid @ Mi @ self.resid)
        self.Mi, self.MiX, self.Ai = Mi, MiX, Ai
        self.logdetM = 2.0 * np.log(np.diag(L)).sum()
        self.logdetA = 2.0 * np.log(np.diag(La)).sum()

    def P(self):
        return self.Mi - self.MiX @ self.Ai @ self.MiX.T


def _full_rank(X):
    return X.shape[1] == 0 or np.linalg.matrix_rank(X) == X.shape[1]


def _reml_ll(y, X, V, G, tau2):
    """metafor's restricted log-likelihood (REMLf = TRUE: includes +log|X'X|/2)."""
    f = _GLS(y, X, V, G, tau2)
    m, p = X.shape
    logdet_xtx = np.linalg.slogdet(X.T @ X)[1]
    return (-0.5 * (m - p) * _LOG2PI + 0.5 * logdet_xtx - 0.5 * f.logdetM
            - 0.5 * f.logdetA - 0.5 * f.Q)


def _reml_score_fn(y, X, V, G):
    """The restricted score d ll_REML / d tau2 = -tr(P G)/2 + y'P G P y / 2 (Searle, Casella &
    McCulloch 1992, Variance Components, ch. 6) as a function of tau2.

    V (positive definite) and G are diagonalised together once: with V = L L' and
    L^-1 G L^-T = U diag(lam) U', the matrix W = U' L^-1 turns V + tau2 G into
    diag(1 + tau2 lam) and G into diag(lam), so each evaluation is a weighted least-squares
    problem in p columns instead of three m x m factorisations (the same algebra, to rounding).
    """
    L = np.linalg.cholesky(V)
    Li = np.linalg.solve(L, np.eye(L.shape[0]))
    lam, U = np.linalg.eigh(Li @ G @ Li.T)
    lam = np.clip(lam, 0.0, None)          # G is positive semi-definite; drop rounding below 0
    W = U.T @ Li
    Xt, yt = W @ X, W @ y

    def score(tau2):
        d = 1.0 / (1.0 + tau2 * lam)
        DX = Xt * d[:, None]
        A = Xt.T @ DX
        np.linalg.cholesky(A)               # raises if X'M^-1X is singular
        Ai = np.linalg.inv(A)
        Py = d * yt - DX @ (Ai @ (DX.T @ yt))
        # diag of P~ = D - D X (X'DX)^-1 X'D, the transformed projection
        diagP = d - np.einsum("ij,jk,ik->i", DX, Ai, DX)
        return -0.5 * float(diagP @ lam) + 0.5 * float(Py @ (lam * Py))

    return score


def _tau2_reml(y, X, V, G):
    """REML estimate of tau2 >= 0: 0 where the restricted score at 0 is <= 0, else the root
    of the score (bracket doubled from the mean sampling variance)."""
    scale = float(np.mean(np.diag(V)))
    score = _reml_score_fn(y, X, V, G)
    s0 = score(0.0)
    if s0 <= 0:
        return 0.0, 0
    upper = scale
    s_up = score(upper)
    n = 0
    while s_up > 0:
        n += 1
        if n > _MAX_DOUBLINGS:
            raise ConvergenceError("REML estimate of tau2 (network)", n, upper,
                                   "the restricted likelihood still increases at tau2 = "
                                   f"{upper:.3g}; check the data for gross errors")
        upper *= 2.0
        s_up = score(upper)
    try:
        root, it, _ = r_uniroot(score, 0.0, upper,
                                tol=_REML_TOL * scale, maxiter=500, f_lower=s0, f_upper=s_up)
    except RootNotBracketed as e:   # cannot happen: signs checked above
        raise ConvergenceError("REML estimate of tau2 (network)", 0, float("nan"), str(e))
    if it < 0:
        raise ConvergenceError("REML estimate of tau2 (network)", 500, upper,
                               "the root finder did not converge")
    return float(root), it


def _tau2_moment(y, X, V, G):
    """Rücker (2012) / Jackson, White & Riley (2012) moment estimator, as R netmeta:
    tau2 = max(0, (Q - df) / tr(P0 G)) with Q the generalised Cochran Q of the common-effect
    fit and P0 its projection V^-1 - V^-1 X (X'V^-1 X)^-1 X'V^-1 (netmeta writes the same
    denominator as tr((I - H) U W) over all pairwise contrasts, U = BB' within studies / 2).
    """
    f = _GLS(y, X, V, G, 0.0)
    df = X.shape[0] - X.shape[1]
    if df <= 0:
        return float("nan")
    denom = float(np.sum(f.P() * G))
    return max(0.0, (f.Q - df) / denom)


def _estimate_tau2(method, y, X, V, G):
    if method == "FE":
        return 0.0
    if method == "DL":
        return _tau2_moment(y, X, V, G)
    return _tau2_reml(y, X, V, G)[0]


# --------------------------------------------------------------------------- input
def _col(data, x, name, required=True):
    if x is None:
        if required:
            raise InputError(name, "is required")
        return None
    if isinstance(x, str):
        if data is None or x not in data.columns:
            raise InputError(name, f"column {x!r} not found in data")
        return data[x].to_numpy()
    return np.asarray(x)


def _num(x, name, positive=False, minimum=None):
    try:
        v = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(name, "must be numeric") from None
    bad = ~np.isfinite(v)
    if bad.any():
        raise InputError(name, f"row {int(np.flatnonzero(bad)[0])} is not finite; remove or "
                               "complete that arm/contrast")
    if positive and np.any(v <= 0):
        raise InputError(name, f"row {int(np.flatnonzero(v <= 0)[0])} must be > 0")
    if minimum is not None and np.any(v < minimum):
        raise InputError(name, f"row {int(np.flatnonzero(v < minimum)[0])} must be >= {minimum}")
    return v


def _order_treatments(treats, reference):
    ts = sorted(set(map(str, treats)))
    if reference is None:
        reference = ts[0]
    elif reference not in ts:
        raise InputError("reference", f"{reference!r} is not a treatment of the network; "
                                      f"treatments: {ts}")
    return [reference] + [t for t in ts if t != reference], reference


def _check_connected(study_treats, treatments):
    """Raise if the network graph (treatments linked by a shared study) is disconnected."""
    parent = {t: t for t in treatments}

    def find(t):
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for ts in study_treats.values():
        for t in ts[1:]:
            parent[find(t)] = find(ts[0])
    comps = {}
    for t in treatments:
        comps.setdefault(find(t), []).append(t)
    if len(comps) > 1:
        parts = "; ".join("{" + ", ".join(c) + "}" for c in comps.values())
        raise InputError("treat", f"the network is disconnected into {len(comps)} parts: "
                                  f"{parts}. Analyse each part separately or add studies that "
                                  "link them")


def _arm_contrasts(study, treat, n, measure, values, choices, treatments, reference):
    """Contrasts of every arm against its study's baseline arm, with covariances."""
    order = {t: i for i, t in enumerate(treatments)}
    rows, oth, bas, groups = [], [], [], []
    for sid in dict.fromkeys(study):
        idx = np.flatnonzero(study == sid)
        if idx.size < 2:
            raise InputError("study", f"study {sid!r} has one arm; a network needs at least "
                                      "two arms per study")
        ts = [treat[i] for i in idx]
        if len(set(ts)) < len(ts):
            dup = sorted({t for t in ts if ts.count(t) > 1})
            raise InputError("treat", f"study {sid!r} has several arms of {dup}; combine "
                                      "them first (runecon.combine_arms) or label "
                                      "them as different treatments")
        idx = idx[np.argsort([order[t] for t in ts], kind="stable")]
        design = ":".join(treat[i] for i in idx)
        start = len(oth)
        for o in idx[1:]:
            rows.append((sid, treat[o], treat[idx[0]], design, n[o], n[idx[0]]))
            oth.append(o)
            bas.append(idx[0])
        groups.append((start, len(oth), float(n[idx].sum())))
    oth, bas = np.array(oth), np.array(bas)
    y, v, cov_fn = _pair_effects(oth, bas, n, measure, values, choices)
    V = np.zeros((y.size, y.size))
    for start, stop, N in groups:
        sl = slice(start, stop)
        V[sl, sl] = cov_fn(sl, N)
    V[np.diag_indices_from(V)] = v
    tab = pd.DataFrame(rows, columns=["study", "treat1", "treat2", "design", "n1", "n2"])
    return tab, y, V


def _pair_effects(o, b, n, measure, val, ch):
    """yi, vi of arms ``o`` vs their baseline arms ``b`` (vectorised) and a function giving
    the covariance block of one study's rows (slice, total n): the shared baseline arm."""
    nb, no = n[b], n[o]
    prepost = "pre_mean" in val
    if measure == "MD":
        if prepost:
            r = ch["ri"]
            var = (val["pre_sd"] ** 2 + val["post_sd"] ** 2
                   - 2 * r * val["pre_sd"] * val["post_sd"]) / n
            m = val["post_mean"] - val["pre_mean"]
        else:
            var = val["sd"] ** 2 / n
            m = val["mean"]
        vb = var[b]
        return m[o] - m[b], var[o] + vb, lambda sl, N: np.full((sl.stop - sl.start,) * 2,
                                                                 vb[sl.start])
    if not prepost:
        # metafor escalc(measure = "SMD") with vtype = "LS"; covariance through the shared
        # arm: 1/n_b + g_i g_j / (2 N) (Gleser & Olkin 2009, multiple-treatment studies)
        es = escalc("SMD", m1i=val["mean"][o], sd1i=val["sd"][o], n1i=no, m2i=val["mean"][b],
                    sd2i=val["sd"][b], n2i=nb)
        g = es["yi"].to_numpy()
        return g, es["vi"].to_numpy(), \
            lambda sl, N: 1.0 / nb[sl.start] + np.outer(g[sl], g[sl]) / (2.0 * N)
    es = escalc_prepost(
        m1i_pre=val["pre_mean"][o], sd1i_pre=val["pre_sd"][o], m1i_post=val["post_mean"][o],
        sd1i_post=val["post_sd"][o], n1i=no, m2i_pre=val["pre_mean"][b],
        sd2i_pre=val["pre_sd"][b], m2i_post=val["post_mean"][b], sd2i_post=val["post_sd"][b],
        n2i=nb, ri=ch["ri"], standardiser=ch["standardiser"], correction=ch["correction"],
        variance=ch["variance"])
    g = es["yi"].to_numpy()
    d = es["d"].to_numpy()
    J = es["J"].to_numpy()
    r = ch["ri"]
    st, var = ch["standardiser"], ch["variance"]
    if st == "pre" and var == "morris":
        # d = d_i - d_b with independent arms: the covariance is the baseline arm's own
        # standardised-mean-change variance (Becker 1988; metafor SMCR "LS")
        jb = hedges_j(nb - 1, ch["correction"])
        gb = jb * (val["post_mean"][b] - val["pre_mean"][b]) / val["pre_sd"][b]
        cb = 2 * (1 - r) / nb + gb ** 2 / (2 * nb)
        return g, es["vi"].to_numpy(), lambda sl, N: np.full((sl.stop - sl.start,) * 2,
                                                             cb[sl.start])
    if st == "pre":
        # "bh"/"simple" for the difference of SMCRs: the two-group forms with J(n_i+n_b-2)
        J = hedges_j(no + nb - 2, ch["correction"])

    def cov(sl, N):
        # the shared-arm part of each variance formula, with the d^2 / (2 n) term replaced
        # by d_i d_j / (2 N) (Gleser & Olkin 2009, multiple-treatment studies)
        m_b = nb[sl.start]
        if var == "bh":
            return np.outer(J[sl], J[sl]) * (1.0 / m_b + np.outer(d[sl], d[sl]) / (2 * N))
        if var == "simple":
            return 1.0 / m_b + np.outer(g[sl], g[sl]) / (2 * N)
        return 2 * (1 - r) * np.outer(J[sl], J[sl]) / m_b + np.outer(g[sl], g[sl]) / (2 * N)

    return g, es["vi"].to_numpy(), cov


def _block_diag(blocks):
    m = sum(b.shape[0] for b in blocks)
    V = np.zeros((m, m))
    i = 0
    for b in blocks:
        k = b.shape[0]
        V[i:i + k, i:i + k] = b
        i += k
    return V


def _contrast_input(study, t1, t2, yi, vi, V, treatments):
    """Contrast-level input -> basic contrasts vs each study's baseline, with V."""
    order = {t: i for i, t in enumerate(treatments)}
    rows, ys, blocks = [], [], []
    if V is not None:
        V = np.asarray(V, dtype=float)
        if V.shape != (yi.size, yi.size) or not np.all(np.isfinite(V)):
            raise InputError("V", f"must be a finite {yi.size} x {yi.size} matrix")
        if not np.allclose(V, V.T) or np.any(np.abs(np.diag(V) - vi) > 1e-12 * np.abs(vi).max()):
            raise InputError("V", "must be symmetric with vi on its diagonal")
    for sid in dict.fromkeys(study):
        idx = np.flatnonzero(study == sid)
        arms = sorted({*t1[idx], *t2[idx]}, key=order.get)
        k = len(arms)
        if V is not None:
            outside = np.setdiff1d(np.flatnonzero(np.abs(V[idx]).sum(axis=0) > 0), idx)
            if outside.size:
                raise InputError("V", f"study {sid!r} is correlated with rows of other studies")
            if idx.size != k - 1:
                raise InputError("study", f"study {sid!r} has {k} treatments and "
                                          f"{idx.size} contrasts; with V give {k - 1} "
                                          "independent contrasts")
            Vs = V[np.ix_(idx, idx)]
            y_s = yi[idx]
            rows += [(sid, t1[i], t2[i]) for i in idx]
        elif k == 2:
            if idx.size != 1:
                raise InputError("study", f"study {sid!r} has {idx.size} contrasts of the "
                                          "same two treatments; pool them first")
            Vs = np.array([[vi[idx[0]]]])
            y_s = yi[idx]
            rows.append((sid, t1[idx[0]], t2[idx[0]]))
        else:
            y_s, Vs, rows_s = _all_pairs(sid, idx, arms, t1, t2, yi, vi)
            rows += rows_s
        ys.append(y_s)
        blocks.append(Vs)
    tab = pd.DataFrame(rows, columns=["study", "treat1", "treat2"])
    design = {}
    for sid, a, b in rows:
        design.setdefault(sid, set()).update((a, b))
    tab["design"] = [":".join(sorted(design[s], key=order.get)) for s in tab["study"]]
    return tab, np.concatenate(ys), _block_diag(blocks)


def _all_pairs(sid, idx, arms, t1, t2, yi, vi):
    """A multi-arm study given as all pairwise contrasts (netmeta's input convention): arm
    variances back-calculated from v_ij = s_i + s_j by least squares (Rücker 2012, section
    'multi-arm studies'), contrasts taken against the first arm."""
    k = len(arms)
    pos = {t: i for i, t in enumerate(arms)}
    need = k * (k - 1) // 2
    pairs = {}
    for i in idx:
        key = (pos[t1[i]], pos[t2[i]])
        if key[0] == key[1] or (key in pairs) or (key[::-1] in pairs):
            raise InputError("study", f"study {sid!r}: contrast {t1[i]} vs {t2[i]} is repeated "
                                      "or compares a treatment with itself")
        pairs[key] = (yi[i], vi[i])
    if len(pairs) != need:
        raise InputError("V", f"study {sid!r} has {k} treatments but {len(pairs)} contrasts; "
                              "give all pairwise contrasts (as netmeta) or their covariance "
                              "matrix V")
    A = np.zeros((need, k))
    v = np.zeros(need)
    arm_y = np.full(k, np.nan)
    arm_y[0] = 0.0
    for r, ((a, b), (y, var)) in enumerate(pairs.items()):
        A[r, a] = A[r, b] = 1.0
        v[r] = var
        if b == 0:
            arm_y[a] = y
        elif a == 0:
            arm_y[b] = -y
    s = np.linalg.lstsq(A, v, rcond=None)[0]
    if np.any(s <= 0):
        raise InputError("vi", f"study {sid!r}: the pairwise variances imply a non-positive "
                               "arm variance; give the covariance matrix V instead")
    scale = max(1.0, np.abs(list(arm_y[1:])).max())
    for (a, b), (y, _) in pairs.items():
        if abs(y - (arm_y[a] - arm_y[b])) > _PAIR_TOL * scale * 1e4:
            raise InputError("yi", f"study {sid!r}: the pairwise contrasts are not consistent "
                                   f"({arms[a]} vs {arms[b]} = {y:.6g}, but the contrasts via "
                                   f"{arms[0]} give {arm_y[a] - arm_y[b]:.6g})")
    y_s = arm_y[1:]
    Vs = np.full((k - 1, k - 1), s[0])
    np.fill_diagonal(Vs, s[1:] + s[0])
    return y_s, Vs, [(sid, arms[j], arms[0]) for j in range(1, k)]


# --------------------------------------------------------------------------- public API
def combine_arms(arms, by, *, n="n", means=("mean",), sds=("sd",)):
    """Combine arms of the same treatment in a study into one arm.

    Cochrane Handbook (Higgins et al. 2023, version 6.4), Table 6.5.a: the combined group has
    n = n1 + n2, mean = (n1 m1 + n2 m2) / n and
    SD = sqrt(((n1-1) s1² + (n2-1) s2² + n1 n2 / n (m1 - m2)²) / (n - 1)), applied pairwise
    for three or more arms. For pre–post data pass ``means=("pre_mean", "post_mean")`` and
    ``sds=("pre_sd", "post_sd")`` (each time point combined separately).

    Parameters
    ----------
    arms : pandas.DataFrame
    by : list of str
        Columns that identify one combined arm (e.g. ``["study_id", "method", "condition"]``).
    n, means, sds : column names (``means[i]`` goes with ``sds[i]``).

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group; other columns from the group's first row; ``n_arms``
        (how many arms were combined).
    """
    if len(means) != len(sds):
        raise InputError("sds", "give one SD column per mean column")
    missing = [c for c in [*by, n, *means, *sds] if c not in arms.columns]
    if missing:
        raise InputError("arms", f"lacks columns {missing}")
    out = []
    for _, grp in arms.groupby(list(by), sort=False, dropna=False):
        row = grp.iloc[0].copy()
        nn = float(grp[n].iloc[0])
        ms = [float(grp[c].iloc[0]) for c in means]
        ss = [float(grp[c].iloc[0]) for c in sds]
        for i in range(1, len(grp)):
            n2 = float(grp[n].iloc[i])
            for j, (cm, cs) in enumerate(zip(means, sds)):
                m2, s2 = float(grp[cm].iloc[i]), float(grp[cs].iloc[i])
                tot = nn + n2
                ss[j] = math.sqrt(((nn - 1) * ss[j] ** 2 + (n2 - 1) * s2 ** 2
                                   + nn * n2 / tot * (ms[j] - m2) ** 2) / (tot - 1))
                ms[j] = (nn * ms[j] + n2 * m2) / tot
            nn += n2
        row[n] = nn
        for j, (cm, cs) in enumerate(zip(means, sds)):
            row[cm], row[cs] = ms[j], ss[j]
        row["n_arms"] = len(grp)
        out.append(row)
    return pd.DataFrame(out).reset_index(drop=True)


def netmeta(data=None, *, study=None, treat=None, mean=None, sd=None, n=None,
            pre_mean=None, pre_sd=None, post_mean=None, post_sd=None,
            yi=None, vi=None, treat1=None, treat2=None, V=None,
            measure="MD", reference=None, method="REML", level=95, small_values="good",
            standardiser="pooled_pre", correction="exact", variance="morris", ri=None):
    """Frequentist contrast-based network meta-analysis.

    Three ways to give the data:

    * arm level: ``study``, ``treat``, ``mean``, ``sd``, ``n`` (one row per arm);
      ``measure="MD"`` (mean difference) or ``"SMD"`` (metafor's ``escalc("SMD")``: Hedges' g
      with the exact J and the large-sample variance);
    * arm level, pre–post: ``pre_mean``, ``pre_sd``, ``post_mean``, ``post_sd`` instead of
      ``mean``/``sd``; the contrast is the difference in mean change, for ``"SMD"``
      standardised as :func:`runecon.escalc_prepost` with ``standardiser``,
      ``correction``, ``variance`` and ``ri`` (runecon's default as
      :func:`runecon.comparisons`: pooled pre-test SD, exact J, Morris variance; ``ri``
      must be given); for ``"MD"`` the change-score variance uses ``ri``;
    * contrast level: ``yi``, ``vi``, ``treat1``, ``treat2``, ``study`` (``yi`` = treat1
      minus treat2). Multi-arm studies either as all pairwise contrasts (netmeta's
      convention; arm variances back-calculated, Rücker 2012) or with ``V``, the full
      covariance matrix of the rows.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Where column names are looked up.
    reference : str, optional
        Reference treatment (default: the first in alphabetical order, as netmeta).
    method : {"REML", "DL", "FE"}
        Heterogeneity variance: REML (as metafor ``rma.mv(yi, V, mods = X, random =
        ~ comp | study, rho = 1/2)``), the moment estimator of R netmeta ("DL": Rücker
        2012; Jackson, White & Riley 2012), or none (common effect, GLS).
    level : float
        Confidence level (%) of CIs and prediction intervals.
    small_values : {"good", "bad"}
        For P-scores: whether a smaller (more negative) effect is better.

    Returns
    -------
    NetmetaResult

    Notes
    -----
    Within a study every arm is contrasted with its baseline arm (the reference treatment
    if present, else the first treatment of the network order: reference, then
    alphabetical). Sampling covariance between two contrasts of one study: for MD the
    variance of the shared arm's mean (change); for SMD the shared-arm part of the
    variance formula plus g_i g_j / (2 N), N the study's total sample size (Gleser & Olkin
    2009, multiple-treatment studies).
    """
    _one_of("method", method, METHODS)
    _one_of("measure", measure, MEASURES)
    _one_of("small_values", small_values, SMALL_VALUES)
    if not (isinstance(level, (int, float)) and 0 < level < 100):
        raise InputError("level", f"must be a percentage in (0, 100), got {level!r}")
    arm_level = treat is not None
    if arm_level == (yi is not None):
        raise InputError("treat", "give either arm-level data (treat with mean/sd/n or "
                                  "pre/post means and SDs) or contrast-level data (yi, vi, "
                                  "treat1, treat2)")
    st = _col(data, study, "study").astype(str)
    if arm_level:
        tr = _col(data, treat, "treat").astype(str)
        nn = _num(_col(data, n, "n"), "n", minimum=2)
        prepost = pre_mean is not None
        if prepost:
            val = {nm: _num(_col(data, x, nm), nm, positive=nm.endswith("sd"))
                   for nm, x in (("pre_mean", pre_mean), ("pre_sd", pre_sd),
                                 ("post_mean", post_mean), ("post_sd", post_sd))}
            if mean is not None or sd is not None:
                raise InputError("mean", "give mean/sd or pre/post means and SDs, not both")
            _one_of("standardiser", standardiser, STANDARDISERS)
            _one_of("correction", correction, CORRECTIONS)
            _one_of("variance", variance, VARIANCES)
            needs_r = measure == "MD" or variance == "morris" or standardiser == "change"
            if needs_r and ri is None:
                raise InputError("ri", "pre-post data need the pre-post correlation ri "
                                       "(e.g. an imputed 0.5)")
            if ri is not None and not (-1 <= float(ri) <= 1):
                raise InputError("ri", f"must lie in [-1, 1], got {ri!r}")
        else:
            val = {"mean": _num(_col(data, mean, "mean"), "mean"),
                   "sd": _num(_col(data, sd, "sd"), "sd", positive=True)}
        lens = {len(st), len(tr), len(nn), *(len(v) for v in val.values())}
        if len(lens) != 1:
            raise InputError("treat", "study, treat, n, means and SDs must have the same length")
        treatments, reference = _order_treatments(tr, reference)
        choices = dict(standardiser=standardiser, correction=correction, variance=variance,
                       ri=None if ri is None else float(ri))
        rows, y, Vm = _arm_contrasts(st, tr, nn, measure, val, choices, treatments, reference)
        arms_tab = pd.DataFrame({"study": st, "treat": tr, "n": nn})
    else:
        t1 = _col(data, treat1, "treat1").astype(str)
        t2 = _col(data, treat2, "treat2").astype(str)
        y_in = _num(_col(data, yi, "yi"), "yi")
        v_in = _num(_col(data, vi, "vi"), "vi", positive=True)
        if len({len(st), len(t1), len(t2), len(y_in), len(v_in)}) != 1:
            raise InputError("yi", "yi, vi, treat1, treat2 and study must have the same length")
        treatments, reference = _order_treatments(np.r_[t1, t2], reference)
        rows, y, Vm = _contrast_input(st, t1, t2, y_in, v_in, V, treatments)
        arms_tab = None
        measure = None
    study_treats = {s: d.split(":") for s, d in zip(rows["study"], rows["design"])}
    _check_connected(study_treats, treatments)
    if len(y) < len(treatments) - 1:
        raise InputError("study", "fewer contrasts than treatments to estimate")
    net = _Network(y, Vm, rows, treatments, reference)
    try:
        np.linalg.cholesky(Vm)
    except np.linalg.LinAlgError:
        raise InputError("V", "the sampling covariance matrix is not positive definite; "
                              "check the covariances of multi-arm studies") from None
    return _fit(net, method, level, small_values, measure, arms_tab)


# --------------------------------------------------------------------------- fitting
def _fit(net, method, level, small_values, measure, arms_tab):
    y, X, V, G = net.y, net.X, net.V, net.G
    m, p = X.shape
    tau2 = _estimate_tau2(method, y, X, V, G)
    tau2_fit = 0.0 if not np.isfinite(tau2) else tau2
    fit = _GLS(y, X, V, G, tau2_fit)
    fe = _GLS(y, X, V, G, 0.0)
    df_q = m - p
    Q = fe.Q
    z = stats.norm.ppf(0.5 + level / 200.0)
    trts = net.treatments
    ref = net.reference
    # estimates vs reference (reference row = 0)
    b = np.r_[0.0, fit.b]
    vb = np.zeros((len(trts), len(trts)))
    vb[1:, 1:] = fit.vb
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = b / se
    est = pd.DataFrame({"treatment": trts, "estimate": b, "se": se, "zval": zval,
                        "pval": 2 * special.ndtr(-np.abs(zval)),
                        "ci_lb": b - z * se, "ci_ub": b + z * se,
                        "pi_lb": b - z * np.sqrt(se ** 2 + tau2_fit),
                        "pi_ub": b + z * np.sqrt(se ** 2 + tau2_fit)})
    est = est[est["treatment"] != ref].reset_index(drop=True)
    # league: every ordered pair (treat1 minus treat2)
    nt = len(trts)
    ii, jj = np.where(~np.eye(nt, dtype=bool))
    dv = b[ii] - b[jj]
    sv = np.sqrt(vb[ii, ii] + vb[jj, jj] - 2 * vb[ii, jj])
    league = pd.DataFrame({"treat1": np.asarray(trts)[ii], "treat2": np.asarray(trts)[jj],
                           "estimate": dv, "se": sv, "ci_lb": dv - z * sv, "ci_ub": dv + z * sv,
                           "pval": 2 * special.ndtr(-np.abs(dv / sv))})
    # P-scores (Rücker & Schwarzer 2015, eq. 2): P_i = mean over j != i of
    # Phi((b_j - b_i) / se_ij) when small values are good (P(i better than j) under normality)
    sign = -1.0 if small_values == "good" else 1.0
    pr = special.ndtr(sign * dv / sv).reshape(nt, nt - 1)
    pscore = pd.DataFrame({"treatment": list(trts), "pscore": pr.mean(axis=1)}).sort_values(
        "pscore", ascending=False, kind="stable").reset_index(drop=True)
    ll = _reml_ll(y, X, V, G, tau2_fit) if method == "REML" else float("nan")
    incon = _design_by_treatment(net, method, tau2_fit)
    split = _nodesplit(net, tau2_fit, z)
    nodes, edges = _graph(net, arms_tab)
    I2 = max(0.0, (Q - df_q) / Q) * 100 if df_q > 0 and Q > 0 else float("nan")
    return NetmetaResult(
        method=method, measure=measure, reference=ref, treatments=tuple(trts),
        k=int(net.rows["study"].nunique()), m=m, tau2=float(tau2), Q=Q, df_Q=df_q,
        pval_Q=float(stats.chi2.sf(Q, df_q)) if df_q > 0 else float("nan"), I2=I2,
        logLik=float(ll), level=float(level), small_values=small_values,
        estimates=est, league=league, pscores=pscore, inconsistency=incon,
        nodesplit=split, nodes=nodes, edges=edges, b=b, vb=vb,
        contrasts=net.rows.assign(yi=y, vi=np.diag(V)), V=V)


def _design_matrix_full(net):
    """Design-by-treatment interaction model: one parameter per design x contrast
    (Higgins et al. 2012); rows are contrasts vs the study's baseline, so studies of one
    design share their columns."""
    keys = list(dict.fromkeys(zip(net.rows["design"], net.rows["treat1"])))
    pos = {k: i for i, k in enumerate(keys)}
    Xf = np.zeros((net.m, len(keys)))
    for r, k in enumerate(zip(net.rows["design"], net.rows["treat1"])):
        Xf[r, pos[k]] = 1.0
    return Xf


def _design_by_treatment(net, method, tau2):
    """Q decomposition (Krahn et al. 2013) and the design-by-treatment interaction test."""
    y, X, V, G = net.y, net.X, net.V, net.G
    Xf = _design_matrix_full(net)
    pf = Xf.shape[1]
    df_between = pf - X.shape[1]
    df_within = net.m - pf
    q_total = _GLS(y, X, V, G, 0.0).Q
    q_within = _GLS(y, Xf, V, G, 0.0).Q
    out = dict(Q_total=q_total, df_total=net.m - X.shape[1],
               Q_within=q_within, df_within=df_within,
               Q_between=q_total - q_within, df_between=df_between)
    # random effects: tau2 of the design-by-treatment model (same estimator as the fit),
    # then the Wald test of the inconsistency parameters = difference of generalised Q
    if method == "FE":
        tau2_full = 0.0
    elif df_within <= 0:
        tau2_full = float("nan")
    else:
        tau2_full = _estimate_tau2(method, y, Xf, V, G)
    if df_between > 0 and np.isfinite(tau2_full):
        q_inc = _GLS(y, X, V, G, tau2_full).Q - _GLS(y, Xf, V, G, tau2_full).Q
    else:
        q_inc = float("nan")
    out.update(tau2_full=tau2_full, Q_inc=q_inc, df_inc=df_between)
    for key, dfk in (("Q_total", "df_total"), ("Q_within", "df_within"),
                     ("Q_between", "df_between"), ("Q_inc", "df_inc")):
        pk = "pval" + key[1:]
        out[pk] = (float(stats.chi2.sf(out[key], out[dfk]))
                   if out[dfk] > 0 and np.isfinite(out[key]) else float("nan"))
    return out


def _nodesplit(net, tau2, z):
    """SIDE node-splitting (Dias et al. 2010) in the GLS model: for each pair A-B with
    direct evidence, studies with both A and B are re-expressed with A as their baseline and
    their B-vs-A contrast gets an extra parameter w: direct = d_AB + w, indirect = d_AB
    (from all other evidence), w = direct - indirect. tau2 is the consistency model's (as
    netmeta's netsplit). Pairs where w is not identifiable (no indirect evidence) are
    left out."""
    trts = net.treatments
    order = {t: i for i, t in enumerate(trts)}
    designs = dict(zip(net.rows["study"], net.rows["design"]))
    pairs = sorted({(a, c) for d in set(designs.values()) for a in d.split(":")
                    for c in d.split(":") if order[a] < order[c]},
                   key=lambda p: (order[p[0]], order[p[1]]))
    res = []
    for A, B in pairs:
        studies = [s for s, d in designs.items() if {A, B} <= set(d.split(":"))]
        y, Vm, Gm, st, t1, t2 = _rebase(net, studies, A)
        X = _contrast_matrix(t1, t2, trts, net.reference)
        w = (np.isin(st, studies) & (t1 == B) & (t2 == A)).astype(float)
        Xw = np.column_stack([X, w])
        if not _full_rank(Xw):
            continue
        f = _GLS(y, Xw, Vm, Gm, tau2)
        cols = [t for t in trts if t != net.reference]
        c = np.zeros(Xw.shape[1])        # d_AB = d_B - d_A  (B minus A)
        if B in cols:
            c[cols.index(B)] += 1
        if A in cols:
            c[cols.index(A)] -= 1
        cd = c.copy()
        cd[-1] = 1.0
        ind, v_ind = float(c @ f.b), float(c @ f.vb @ c)
        dr, v_dr = float(cd @ f.b), float(cd @ f.vb @ cd)
        diff, v_diff = float(f.b[-1]), float(f.vb[-1, -1])
        zz = diff / math.sqrt(v_diff)
        res.append((B, A, len(studies), dr, math.sqrt(v_dr), ind, math.sqrt(v_ind), diff,
                    math.sqrt(v_diff), diff - z * math.sqrt(v_diff),
                    diff + z * math.sqrt(v_diff), zz, 2 * float(special.ndtr(-abs(zz)))))
    return pd.DataFrame(res, columns=["treat1", "treat2", "k_direct", "direct", "se_direct",
                                      "indirect", "se_indirect", "diff", "se_diff",
                                      "ci_lb", "ci_ub", "zval", "pval"])


def _rebase(net, studies, A):
    """Rows of ``studies`` re-expressed with treatment A as their baseline."""
    study = net.rows["study"].to_numpy()
    t1 = net.rows["treat1"].to_numpy().copy()
    t2 = net.rows["treat2"].to_numpy().copy()
    T = np.eye(net.m)
    for s in studies:
        idx = np.flatnonzero(study == s)
        base = t2[idx[0]]
        if base == A:
            continue
        ia = idx[t1[idx] == A][0]
        # y'_t = y_t - y_A for t != A; the A row becomes base - A = -y_A
        T[idx, ia] -= 1.0
        T[ia, :] = 0.0
        T[ia, ia] = -1.0
        t1[ia] = base
        t2[idx] = A
    return T @ net.y, T @ net.V @ T.T, T @ net.G @ T.T, study, t1, t2


def _graph(net, arms_tab):
    r = net.rows
    per_study = {s: d.split(":") for s, d in zip(r["study"], r["design"])}
    edges = {}
    for s, ts in per_study.items():
        for i, a in enumerate(ts):
            for c in ts[i + 1:]:
                edges.setdefault((a, c), []).append(s)
    e = pd.DataFrame([(a, c, len(v), ", ".join(v)) for (a, c), v in edges.items()],
                     columns=["treat1", "treat2", "k", "studies"])
    nodes = pd.DataFrame({"treatment": list(net.treatments)})
    nodes["k"] = [sum(t in ts for ts in per_study.values()) for t in net.treatments]
    if arms_tab is not None:
        tot = arms_tab.groupby("treat")["n"].sum()
        nodes["n"] = [float(tot.get(t, 0.0)) for t in net.treatments]
    return nodes, e


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class NetmetaResult(Result):
    """Result of :func:`netmeta`.

    Attributes
    ----------
    method, measure, reference, treatments, level, small_values
    k : int
        Studies. ``m``: contrasts (rows of the model: arms minus studies).
    tau2 : float
        Heterogeneity variance (0 for "FE").
    Q, df_Q, pval_Q, I2 :
        Generalised Cochran Q of the common-effect consistency model and I² (%).
    logLik : float
        Restricted log-likelihood (REML only; metafor's value).
    estimates : DataFrame
        Each treatment vs the reference: estimate, se, zval, pval, ci_lb, ci_ub, pi_lb,
        pi_ub (prediction interval with tau2, normal quantile as metafor's predict()).
    league : DataFrame
        Every ordered pair: estimate = treat1 minus treat2, se, CI, pval.
    pscores : DataFrame
        P-scores, best first.
    inconsistency : dict
        Q decomposition (total, within designs, between designs; common effect) and the
        random-effects design-by-treatment test ``Q_inc`` (tau2 of that model: ``tau2_full``).
    nodesplit : DataFrame
        SIDE node-split for each comparison with direct and indirect evidence.
    nodes, edges : DataFrame
        Network graph: treatments (studies k, participants n for arm input) and edges
        (trials k, study ids).
    b, vb : ndarray
        Effects of all treatments vs the reference (reference = 0) and their covariance.
    contrasts : DataFrame; V : ndarray
        The model's rows (study, treat1, treat2, design, yi, vi) and sampling covariance.
    """

    method: str
    measure: str | None
    reference: str
    treatments: tuple
    k: int
    m: int
    tau2: float
    Q: float
    df_Q: int
    pval_Q: float
    I2: float
    logLik: float
    level: float
    small_values: str
    estimates: pd.DataFrame = field(repr=False)
    league: pd.DataFrame = field(repr=False)
    pscores: pd.DataFrame = field(repr=False)
    inconsistency: dict = field(repr=False)
    nodesplit: pd.DataFrame = field(repr=False)
    nodes: pd.DataFrame = field(repr=False)
    edges: pd.DataFrame = field(repr=False)
    b: np.ndarray = field(repr=False)
    vb: np.ndarray = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)
    V: np.ndarray = field(repr=False)

    @property
    def multiarm(self) -> list:
        """Studies with three or more arms."""
        c = self.contrasts
        cnt = c.groupby("study", sort=False).size()
        return list(cnt.index[cnt > 1])

    def compare(self, treat1, treat2) -> dict:
        """One pair of the league: estimate (treat1 minus treat2), se, ci_lb, ci_ub, pval."""
        for arg, t in (("treat1", treat1), ("treat2", treat2)):
            if t not in self.treatments:
                raise InputError(arg, f"{t!r} is not a treatment of the network; "
                                      f"treatments: {list(self.treatments)}")
        if treat1 == treat2:
            raise InputError("treat2", "compare two different treatments")
        lg = self.league
        row = lg[(lg["treat1"] == treat1) & (lg["treat2"] == treat2)].iloc[0]
        return {k: (row[k] if k in ("treat1", "treat2") else float(row[k]))
                for k in lg.columns}

    def league_table(self, digits=2, labels=None):
        """Square table: cell (row r, column c) = r minus c, 'estimate [ci_lb; ci_ub]';
        the diagonal holds the treatment's name. ``labels``: code -> words (e.g.
        :func:`runecon.labels.method`) for the names."""
        name = labels or str
        t = list(self.treatments)
        tab = pd.DataFrame("", index=t, columns=t)
        for row in self.league.itertuples():
            tab.loc[row.treat1, row.treat2] = (f"{row.estimate:.{digits}f} "
                                               f"[{row.ci_lb:.{digits}f}; {row.ci_ub:.{digits}f}]")
        for x in t:
            tab.loc[x, x] = name(x)
        tab.index = [name(x) for x in t]
        tab.columns = [name(x) for x in t]
        return tab

    @property
    def ranking_warning(self) -> str:
        """How little the ranking means: pairs whose CI includes 0 (computed)."""
        lg = self.league[[self.treatments.index(a) < self.treatments.index(b)
                          for a, b in zip(self.league["treat1"], self.league["treat2"])]]
        amb = int(((lg["ci_lb"] < 0) & (lg["ci_ub"] > 0)).sum())
        return (f"P-scores order treatments by point estimate and precision only: {amb} of "
                f"{len(lg)} pairwise {self.level:g}% CIs include 0, so most of the order is "
                "not distinguishable from chance; read the league table, not the ranks.")

    def _heading(self):
        meth = {"FE": "Common-effect (GLS)", "REML": "Random-effects (REML)",
                "DL": "Random-effects (moment estimator, netmeta's DL)"}[self.method]
        return (f"{meth} network meta-analysis (k = {self.k} studies; {self.m} contrasts; "
                f"{len(self.treatments)} treatments; {len(self.multiarm)} multi-arm studies)")

    def _est_rows(self):
        return [[r.treatment, _f(r.estimate), _f(r.se), _f(r.zval), _pv(r.pval), _f(r.ci_lb),
                 _f(r.ci_ub), _f(r.pi_lb), _f(r.pi_ub)] for r in self.estimates.itertuples()]

    _EST_HEAD = ["treatment", "estimate", "se", "zval", "pval", "ci.lb", "ci.ub", "pi.lb",
                 "pi.ub"]

    def _inc_rows(self):
        i = self.inconsistency
        rows = [["Total (common effect)", _f(i["Q_total"]), str(i["df_total"]),
                 _pv(i["pval_total"])],
                ["Within designs", _f(i["Q_within"]), str(i["df_within"]),
                 _pv(i["pval_within"])],
                ["Between designs", _f(i["Q_between"]), str(i["df_between"]),
                 _pv(i["pval_between"])]]
        if self.method != "FE":
            rows.append([f"Design-by-treatment (random, tau^2 = {_f(i['tau2_full'])})",
                         _f(i["Q_inc"]), str(i["df_inc"]), _pv(i["pval_inc"])])
        return rows

    def _split_rows(self):
        return [[f"{r.treat1} vs {r.treat2}", str(r.k_direct), _f(r.direct), _f(r.indirect),
                 _f(r.diff), _f(r.se_diff), _pv(r.pval)] for r in self.nodesplit.itertuples()]

    _SPLIT_HEAD = ["comparison", "k", "direct", "indirect", "diff", "se", "pval"]

    def __str__(self):
        lines = [self._heading(), ""]
        tau = "NA" if not np.isfinite(self.tau2) else _f(math.sqrt(self.tau2))
        lines.append(f"tau^2 (estimated amount of heterogeneity): {_f(self.tau2)} "
                     f"(tau = {tau}); I^2 = {_f(self.I2, 2)}%")
        if self.method == "REML":
            lines.append(f"logLik (REML): {_f(self.logLik)}")
        lines += [f"Q(df = {self.df_Q}) = {_f(self.Q)}, p-val {_pv(self.pval_Q, eq=True)}", "",
                  f"Treatment effects vs {self.reference} ({self.measure or 'contrast'}; "
                  f"{self.level:g}% CI and prediction interval):",
                  _table(self._EST_HEAD, self._est_rows()), "",
                  "Inconsistency (design-by-treatment interaction):",
                  _table(["", "Q", "df", "pval"], self._inc_rows()), ""]
        if len(self.nodesplit):
            lines += ["Node-splitting (direct vs indirect evidence):",
                      _table(self._SPLIT_HEAD, self._split_rows()), ""]
        else:
            lines += ["Node-splitting: no comparison has both direct and indirect evidence.", ""]
        lines += ["P-scores: " + ", ".join(f"{r.treatment} {r.pscore:.2f}"
                                           for r in self.pscores.itertuples()),
                  "Warning: " + self.ranking_warning]
        return "\n".join(lines)

    def __repr__(self):
        return (f"<NetmetaResult {self.method}: {len(self.treatments)} treatments, k = "
                f"{self.k}, tau2 = {self.tau2:.4g}>")

    def _repr_html_(self):
        e = html.escape
        parts = [f"<p><b>{e(self._heading())}</b><br>tau² = {_f(self.tau2)}; I² = "
                 f"{_f(self.I2, 2)}%; Q({self.df_Q}) = {_f(self.Q)}, "
                 f"p {e(_pv(self.pval_Q, eq=True))}</p>",
                 _html_table(self._EST_HEAD, self._est_rows()),
                 "<p>Inconsistency (design-by-treatment interaction)</p>",
                 _html_table(["", "Q", "df", "pval"], self._inc_rows())]
        if len(self.nodesplit):
            parts += ["<p>Node-splitting</p>", _html_table(self._SPLIT_HEAD, self._split_rows())]
        parts.append("<p>P-scores: " + e(", ".join(f"{r.treatment} {r.pscore:.2f}"
                                                   for r in self.pscores.itertuples()))
                     + "<br><i>" + e(self.ranking_warning) + "</i></p>")
        return "".join(parts)

    def to_frame(self):
        """Each treatment vs the reference, with its P-score."""
        return self.estimates.merge(self.pscores, on="treatment", how="left").assign(
            reference=self.reference, method=self.method, tau2=self.tau2)
