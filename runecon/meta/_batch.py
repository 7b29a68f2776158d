"""Vectorised core: many ``rma.uni`` fits at once (subsets, permutations, leave-outs).

Every fit of a batch shares the moderator matrix ``X`` (k x p); rows of the batch differ in
which studies they include (a boolean mask, B x k) and, optionally, in ``yi`` and ``vi``
(B x k; used for sign flips and permutations -- permuting the rows of ``X`` against
(yi, vi) gives the same fit as permuting (yi, vi) against ``X``). All tau^2 estimators of
metafor 3.8.1's ``rma.uni`` are implemented with its definitions, starting values,
convergence criteria and truncation at 0; iterations run for every row at once with a
per-row convergence flag. Rows are processed in chunks so that no B x k float64 temporary
exceeds about 32 MB.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
36(3). doi:10.18637/jss.v036.i03 (``rma.uni``; code of version 3.8-1 read for the
algorithms' details: HE start, Fisher scoring with step halving, threshold 1e-5,
maxiter 100, ``ll0check``).
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. J Educ Behav Stat 30(3):261-293. doi:10.3102/10769986030003261
(HE, DL, HS, ML, REML, EB score equations; the Fisher information used for the steps).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np

from ._rootfind import R_UNIROOT_TOL, uniroot
from ..errors import InputError

METHODS = ("FE", "EE", "CE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
TESTS = ("z", "t", "knha", "adhoc")

# metafor's rma.uni control defaults (version 3.8-1)
THRESHOLD = 1e-5                      # Fisher scoring: stop when |tau2 change| <= threshold
MAXITER = 100                         # ... and fail when iter > maxiter
TOL = R_UNIROOT_TOL                   # uniroot tol (PM) and the ll0check tolerance
TAU2_MAX = 100.0                      # PM bracket: max(100, 10 * mad(yi)^2)
CHUNK_BYTES = 32 * 2**20              # target size of one chunk x k float64 temporary


@dataclass(frozen=True)
class BatchFit:
    """Results of B model fits (arrays over the batch axis).

    ``converged`` is False where the fit failed (Fisher scoring and the fallback root
    search both failed, PM's bracket was too small, X restricted to the subset was
    singular, or k < p); every estimate of such a row is NaN, never a plausible number.
    ``fallback`` marks rows where metafor's Fisher scoring did not converge within
    ``maxiter`` and the same likelihood equation was solved by a bracketing search instead.
    """

    method: str
    test: str
    p: int
    k: np.ndarray          # (B,) number of studies in each fit
    beta: np.ndarray       # (B, p)
    vb: np.ndarray         # (B, p, p)
    tau2: np.ndarray       # (B,)
    QE: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    converged: np.ndarray  # (B,) bool
    fallback: np.ndarray   # (B,) bool
    singular: np.ndarray   # (B,) bool: X'WX not invertible on the subset (metafor: coef.na)
    iterations: np.ndarray  # (B,) Fisher scoring iterations (0 for closed forms)
    s2w: np.ndarray         # (B,) Knapp-Hartung scale (1 for tests "z" and "t")
    ll0reset: np.ndarray = None   # (B,) bool: metafor's ll0 check set tau2 to 0 (ML/REML)
    tau2_high: np.ndarray = None  # (B,) bool: PM root above tau2_max (metafor: error)
    ztest: np.ndarray = None      # (B,) bool: k = 1 fit switched to test "z" (as metafor)
    change: np.ndarray = None     # (B,) last |tau2 step| of Fisher scoring (0: closed form)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.einsum("bii->bi", self.vb))

    @property
    def n_failed(self) -> int:
        return int((~self.converged).sum())

    @property
    def n_fallback(self) -> int:
        return int(self.fallback.sum())


# ----------------------------------------------------------------------------- helpers

def _i2_h2(method, QE, dfr, tau2, vt):
    """I² (percent) and H² as metafor's rma.uni: from QE for fixed-effect models, from tau²
    and the typical within-study variance vt otherwise (Higgins & Thompson 2002,
    doi:10.1002/sim.1186)."""
    if method in ("FE", "EE", "CE"):
        return np.maximum(0.0, 100 * (QE - dfr) / QE), QE / dfr
    return 100 * tau2 / (vt + tau2), tau2 / vt + 1


def _inv(A):
    """Batched inverse of (C, p, p) symmetric matrices; NaN where singular."""
    p = A.shape[-1]
    if p == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 / A
    if p == 2:
        a, b, d = A[:, 0, 0], A[:, 0, 1], A[:, 1, 1]
        det = a * d - b * b
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.stack([np.stack([d, -b], -1), np.stack([-b, a], -1)], -2) / det[:, None, None]
        bad = np.abs(det) <= 1e-12 * np.abs(a * d)
        out[bad] = np.nan
        return out
    out = np.full_like(A, np.nan)
    # rows with NaN/inf (a failed earlier step, e.g. DL's FE residuals of a singular subset)
    # are failed fits; numpy's inv/cond must not see them (cond raises LinAlgError on NaN)
    ok = np.isfinite(A).all(axis=(-2, -1))
    idx = np.flatnonzero(ok)
    if idx.size:
        try:
            out[idx] = np.linalg.inv(A[idx])
        except np.linalg.LinAlgError:
            for i in idx:        # rare: only when some subset is exactly singular
                try:
                    out[i] = np.linalg.inv(A[i])
                except np.linalg.LinAlgError:
                    ok[i] = False
        good = np.flatnonzero(ok)
        if good.size:
            ok[good[np.linalg.cond(A[good]) > 1e12]] = False
    out[~ok] = np.nan
    return out


#: public for the sibling modules (runecon.sensitivity)
inv = _inv


class _Design:
    """Shared X with its outer products, for (C x k) @ (k x p^2) cross products.

    Meta-regressions work with the orthonormal factor Q of X = QR (every projection, hence
    tau2, QE and the residuals, is invariant to X -> X R^-1), which keeps moderators on large
    scales (years, their products) from costing precision; ``to_x`` maps coefficients and
    their covariance back to the columns of X.
    """

    def __init__(self, X):
        self.p = X.shape[1]
        self.intercept_only = self.p == 1 and bool(np.all(X == 1))
        # a column of ones: y is centred before any sum of squares (shift invariance; the
        # fitted intercept gets the centre back), as metafor's Ymc
        ones = np.flatnonzero(np.all(X == 1, axis=0))
        self.icol = int(ones[0]) if ones.size else None
        self.Rinv = None
        if not self.intercept_only:
            Q, R = np.linalg.qr(X)
            d = np.abs(np.diag(R))
            if d.size and d.min() > 1e-10 * d.max():
                self.Rinv = np.linalg.solve(R, np.eye(self.p))
                X = Q
        self.X = X
        self.XX = (X[:, :, None] * X[:, None, :]).reshape(len(X), -1)

    def cross(self, w):
        return (w @ self.XX).reshape(len(w), self.p, self.p)

    def wls(self, w, Y):
        """Weighted LS per row: returns S=(X'WX)^-1, beta, residuals."""
        if self.intercept_only:
            with np.errstate(divide="ignore", invalid="ignore"):
                sw = w.sum(1)
                b = (w * Y).sum(1) / sw
                S = (1.0 / sw)[:, None, None]
            return S, b[:, None], Y - b[:, None]
        S = _inv(self.cross(w))
        b = np.einsum("cij,cj->ci", S, (w * Y) @ self.X)
        return S, b, Y - b @ self.X.T

    def to_x(self, beta, S):
        """Coefficients (C, p) and covariances (C, p, p) of Q back to the columns of X."""
        if self.Rinv is None:
            return beta, S
        Ri = self.Rinv
        return beta @ Ri.T, np.einsum("ij,cjk,lk->cil", Ri, S, Ri)

    @staticmethod
    def tr(S, A):
        return np.einsum("cij,cji->c", S, A)


def _quantities(D, w, Y, need=("RSS", "YPPY", "trP", "trPP")):
    """Y'PY (RSS), Y'PPY, tr(P), tr(PP), sum w, sum w^2 for weights w (rows), where
    P = W - W X (X'WX)^-1 X'W; only the entries in ``need`` (and S, sw) are computed."""
    sw = w.sum(1)
    if D.intercept_only:              # scalar algebra, no p x p matrices
        with np.errstate(divide="ignore", invalid="ignore"):
            b = (w * Y).sum(1) / sw
            S = (1.0 / sw)[:, None, None]
        r = Y - b[:, None]
    else:
        S, b, r = D.wls(w, Y)
    wr = w * r
    out = dict(S=S, RSS=(wr * r).sum(1), sw=sw)
    if "YPPY" in need:
        out["YPPY"] = (wr * wr).sum(1)
    if "trP" in need or "trPP" in need or "sw2" in need:
        w2 = w * w
        out["sw2"] = sw2 = w2.sum(1)
        if D.intercept_only:
            with np.errstate(divide="ignore", invalid="ignore"):
                out["trP"] = sw - sw2 / sw
                if "trPP" in need:
                    out["trPP"] = sw2 - 2 * (w2 * w).sum(1) / sw + (sw2 / sw) ** 2
        else:
            A2 = D.cross(w2)
            out["trP"] = sw - D.tr(S, A2)
            if "trPP" in need:
                SA2 = S @ A2
                out["trPP"] = (sw2 - 2 * D.tr(S, D.cross(w2 * w))
                               + np.einsum("cij,cji->c", SA2, SA2))
    return out


def _loglik(D, M, V, Ymc, tau2, reml):
    """metafor's ML / REML log-likelihood (without the 2*pi constant) at tau2 per row."""
    tv = V + tau2[:, None]
    w = M / tv
    S, b, r = D.wls(w, Ymc)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = -0.5 * (M * np.log(tv)).sum(1) - 0.5 * (w * r * r).sum(1)
        if reml:
            ll = ll + 0.5 * np.log(np.abs(np.linalg.det(S)))
    return ll


def _mad2(Y, M):
    """R's mad(yi)^2 over the included studies of each row."""
    Z = np.where(M > 0, Y, np.nan)
    med = np.nanmedian(Z, axis=1)
    return (1.4826 * np.nanmedian(np.abs(Z - med[:, None]), axis=1)) ** 2


# ----------------------------------------------------------------------------- tau2
def _tau2_closed(method, D, M, V, Ymc, k, p, tau2_init=None):
    dfr = k - p
    if method == "HE" or method in ("ML", "REML", "EB"):
        S0, b0, r0 = D.wls(M, Ymc)
        RSS = (M * r0 * r0).sum(1)
        trPV = (M * V).sum(1) - D.tr(S0, D.cross(M * V))
        with np.errstate(divide="ignore", invalid="ignore"):
            return (RSS - trPV) / dfr
    if method in ("DL", "HS"):
        q = _quantities(D, M / V, Ymc, ("trP",))
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "DL":
                return (q["RSS"] - dfr) / q["trP"]
            return (q["RSS"] - k) / q["sw"]
    if method == "SJ":
        n = M.sum(1)
        ybar = (M * Ymc).sum(1) / n
        tau0 = (M * (Ymc - ybar[:, None]) ** 2).sum(1) / n   # var(yi) * (k-1)/k
        if tau2_init is not None:                             # metafor: control tau2.init
            tau0 = np.full(len(n), float(tau2_init))
        q = _quantities(D, M / (V + tau0[:, None]), Ymc, ())
        with np.errstate(divide="ignore", invalid="ignore"):
            return tau0 * q["RSS"] / dfr
    raise AssertionError(method)


def _score_step(method, D, M, V, Ymc, tau2, k, p):
    need = {"ML": ("YPPY", "sw2"), "REML": ("YPPY", "trP", "trPP")}.get(method, ())
    q = _quantities(D, M / (V + tau2[:, None]), Ymc, need)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "ML":
            return (q["YPPY"] - q["sw"]) / q["sw2"]
        if method == "REML":
            return (q["YPPY"] - q["trP"]) / q["trPP"]
        return (q["RSS"] * k / (k - p) - k) / q["sw"]      # EB


def _fisher(method, D, M, V, Ymc, tau2, k, p, threshold, maxiter, stepadj=1.0):
    """metafor's Fisher scoring for ML/REML/EB, all rows at once."""
    B = len(tau2)
    tau2 = np.maximum(0.0, np.nan_to_num(tau2, nan=0.0))
    conv = np.zeros(B, bool)
    failed = np.zeros(B, bool)
    iters = np.zeros(B, int)
    last = np.zeros(B)
    act = np.arange(B)
    it = 0
    while act.size:
        it += 1
        t = tau2[act]
        with np.errstate(over="ignore", invalid="ignore"):
            adj = _score_step(method, D, M[act], V[act], Ymc[act], t, k[act], p) * stepadj
        adj = np.where(np.isnan(adj), 0.0, adj)   # metafor: is.na(adj) -> 0
        # an infinite step or tau2 (e.g. stepadj = 1e300) cannot converge: failed row
        blown = ~np.isfinite(adj) | ~np.isfinite(t + adj)
        adj[blown] = 0.0
        neg = t + adj < 0                         # step halving: while (tau2 + adj < 0) adj/2
        adj[neg & (t == 0)] = 0.0
        sel = neg & (t > 0)
        for _ in range(2100):                     # a finite double halves to 0 in < 2100 steps
            if not sel.any():
                break
            adj[sel] /= 2
            sel = sel & (t + adj < 0)
        tau2[act] = t + adj
        iters[act] = it
        change = np.abs(adj)
        last[act] = change
        failed[act[blown]] = True
        if it > maxiter:
            failed[act] = True
            break
        done = (change <= threshold) | blown
        conv[act[done]] = True
        act = act[~done]
    return tau2, conv & ~failed, iters, last


def _root_tau2(fun, n):
    """Root of a decreasing estimating function on [0, inf) (0 when fun(0) <= 0): the
    upper end doubled twice per step until fun < 0 (at most 60 steps), then R's uniroot
    iterates (``_rootfind.uniroot``, the one root finder) to 1e-13 relative."""
    lo = np.zeros(n)
    f0 = fun(lo)
    hi = np.ones(n)
    fhi = fun(hi)
    for _ in range(60):
        bad = fhi > 0
        if not bad.any():
            break
        hi = np.where(bad, hi * 4, hi)
        fhi = np.where(bad, fun(hi), fhi)
    out = np.zeros(n)
    todo = np.flatnonzero((f0 > 0) & (fhi <= 0))
    if todo.size:
        out[todo] = uniroot(lambda t, idx: fun(_spread(t, todo[idx], n))[todo[idx]],
                            lo[todo], hi[todo], f0[todo], fhi[todo], tol=1e-13 * hi[todo])[0]
    out[fhi > 0] = np.nan
    return out


def _spread(t, idx, n):
    """Values t at rows idx of an n-vector (other rows: 0), for row-wise functions."""
    x = np.zeros(n)
    x[idx] = t
    return x


def _tau2_pm(D, M, V, Ymc, Y, k, p, tau2_max, tol=TOL, maxiter=MAXITER):
    """Paule-Mandel: root of QE(tau2) = k - p in [0, tau2.max] by R's uniroot (metafor)."""
    def g(t, idx):
        q = _quantities(D, M[idx] / (V[idx] + t[:, None]), Ymc[idx], ())
        return q["RSS"] - (k - p)[idx]

    n = len(k)
    allr = np.arange(n)
    # metafor: the default bound is max(100, 10 mad(yi)^2); a user's tau2.max is used as is
    upper = (np.maximum(TAU2_MAX, 10 * _mad2(Y, M)) if tau2_max is None
             else np.full(len(k), float(tau2_max)))
    tau2 = np.zeros(n)
    f0 = g(np.zeros(n), allr)
    fmax = g(upper, allr)
    ok = fmax <= 0                 # metafor: 'tau2.max' too low -> failed fit
    todo = np.flatnonzero((f0 >= 0) & ok)
    if todo.size:
        sub = lambda t, idx: g(t, todo[idx])
        tau2[todo] = uniroot(sub, np.zeros(todo.size), upper[todo], f0[todo], fmax[todo],
                             tol=tol, maxiter=maxiter)[0]
    high = ~ok & np.isfinite(fmax)
    ok = ok & np.isfinite(tau2)
    return tau2, ok, high


# ----------------------------------------------------------------------------- driver
def _fit_chunk(method, test, D, M, V, Y, tau2_fixed, con):
    C, kk = M.shape
    p = D.p
    k = M.sum(1)
    if D.icol is not None:
        ybar = (M * Y).sum(1) / np.maximum(k, 1)
        ybar = ybar + (M * (Y - ybar[:, None])).sum(1) / np.maximum(k, 1)   # refined mean
    else:
        ybar = np.zeros(C)
    Ymc = Y - ybar[:, None]
    conv = np.ones(C, bool)
    fallback = np.zeros(C, bool)
    iters = np.zeros(C, int)
    ll0reset = np.zeros(C, bool)
    high = np.zeros(C, bool)
    change = np.zeros(C)
    k1 = k == 1 if p == 1 else np.zeros(C, bool)     # metafor: method "k1", tau2 = 0
    if method in ("FE", "EE", "CE") or tau2_fixed is not None:
        too_few = k < p
    else:                       # metafor: tau2 needs k >= p + 1 (k = 1 intercept-only: "k1")
        too_few = (k < p + 1) & ~k1
    if method in ("FE", "EE", "CE"):
        tau2 = np.zeros(C)
    elif tau2_fixed is not None:
        tau2 = np.full(C, float(tau2_fixed))
    elif method in ("DL", "HE", "HS", "SJ"):
        tau2 = _tau2_closed(method, D, M, V, Ymc, k, p, con["tau2_init"])
    elif method == "PM":
        tau2, conv, high = _tau2_pm(D, M, V, Ymc, Y, k, p, con["tau2_max"], con["tol"],
                                    con["maxiter"])
    else:
        if con["tau2_init"] is None:
            start = _tau2_closed("HE", D, M, V, Ymc, k, p)
        else:
            start = np.full(C, float(con["tau2_init"]))
        start[k1] = 0.0
        tau2, conv, iters, change = _fisher(method, D, M, V, Ymc, start, k, p,
                                    con["threshold"], con["maxiter"], con["stepadj"])
        bad = ~conv & ~k1
        if bad.any() and con["fallback"]:
            Mb, Vb, Yb, kb = M[bad], V[bad], Ymc[bad], k[bad]
            if method == "EB":
                g = lambda t: _quantities(D, Mb / (Vb + t[:, None]), Yb)["RSS"] - (kb - p)
            elif method == "ML":
                g = lambda t: (lambda q: q["YPPY"] - q["sw"])(
                    _quantities(D, Mb / (Vb + t[:, None]), Yb))
            else:
                g = lambda t: (lambda q: q["YPPY"] - q["trP"])(
                    _quantities(D, Mb / (Vb + t[:, None]), Yb))
            tb = _root_tau2(g, int(bad.sum()))
            tau2[bad] = tb
            conv[bad] = np.isfinite(tb)
            fallback[bad] = np.isfinite(tb)
        if method in ("ML", "REML") and con["ll0check"]:
            reml = method == "REML"
            chk = conv & (tau2 > con["threshold"])
            if chk.any():
                ll0 = _loglik(D, M[chk], V[chk], Ymc[chk], np.zeros(chk.sum()), reml)
                ll1 = _loglik(D, M[chk], V[chk], Ymc[chk], tau2[chk], reml)
                idx = np.flatnonzero(chk)[ll0 - ll1 > con["tol"]]
                tau2[idx] = 0.0
                ll0reset[idx] = True
    tau2 = np.where(k1, 0.0 if tau2_fixed is None else tau2, tau2)
    conv = conv | k1
    tau2 = np.maximum(0.0, tau2)
    conv = conv & ~too_few & np.isfinite(tau2)

    # final fit (on the centred effects; the centre goes back into the intercept)
    w = M / (V + tau2[:, None])
    S, beta, r = D.wls(w, Ymc)
    beta, S = D.to_x(beta, S)
    if D.icol is not None:
        beta[:, D.icol] += ybar
    singular = ~np.all(np.isfinite(S.reshape(C, -1)), axis=1)
    s2w = np.ones(C)
    ztest = k == 1            # metafor: k = 1 and test != "z" -> test "z" (with a warning)
    if test in ("knha", "adhoc"):
        with np.errstate(divide="ignore", invalid="ignore"):
            s2w = np.where((w * r * r).sum(1) <= np.finfo(float).eps, 0.0,
                           (w * r * r).sum(1) / (k - p))
        if test == "adhoc":
            s2w = np.maximum(s2w, 1.0)
        s2w[ztest] = 1.0
        S = S * s2w[:, None, None]
    # heterogeneity (FE weights)
    qF = _quantities(D, M / V, Ymc, ("trP",))
    dfr = k - p
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        QE = np.maximum(0.0, qF["RSS"])
        I2, H2 = _i2_h2(method, QE, dfr, tau2, dfr / qF["trP"])
    none = dfr <= 0
    QE[none], I2[none], H2[none] = 0.0, 0.0, 1.0
    conv = conv & ~singular
    out = dict(k=k.astype(int), beta=beta, vb=S, tau2=tau2, QE=QE, I2=I2, H2=H2,
               converged=conv, fallback=fallback & conv, singular=singular, iterations=iters,
               s2w=s2w, ll0reset=ll0reset, tau2_high=high, ztest=ztest, change=change)
    for key in ("beta", "vb", "tau2", "QE", "I2", "H2", "s2w"):
        arr = out[key]
        arr[~conv] = np.nan
    return out


def _fit_chunk_shared(method, test, M, y, v, tau2_fixed):
    """Intercept-only closed forms (FE, DL, HS, fixed tau2) with yi, vi shared by all rows.

    Every FE sum is linear in the mask, so one (C x k) @ (k x 4) product gives them all;
    only the final random-effects weights need a C x k pass. Same formulas as
    ``_fit_chunk`` (QE is invariant to centring yi when the model has an intercept; yi is
    centred at its weighted mean to avoid cancellation).
    """
    C = M.shape[0]
    w0 = 1.0 / v
    yc = y - (w0 @ y) / w0.sum()
    Sx = M @ np.column_stack([w0, w0 * yc, w0 * yc * yc, w0 * w0])
    sw, swy, swy2, sw2 = Sx.T
    k = M.sum(1)
    k1 = k == 1
    dfr = k - 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        QE = np.maximum(0.0, swy2 - swy * swy / sw)
        trP = sw - sw2 / sw
        if method in ("FE", "EE", "CE"):
            tau2 = np.zeros(C)
            too_few = k < 1
        elif tau2_fixed is not None:
            tau2 = np.full(C, float(tau2_fixed))
            too_few = k < 1
        else:
            tau2 = (QE - dfr) / trP if method == "DL" else (QE - k) / sw
            tau2 = np.where(k1, 0.0, np.maximum(0.0, tau2))
            too_few = k < 1
        w = M / (v + tau2[:, None])
        sw1 = w.sum(1)
        est_c = (w @ yc) / sw1
        beta = (est_c + (y - yc)[0])[:, None]
        vb = (1.0 / sw1)[:, None, None]
        s2w = np.ones(C)
        if test in ("knha", "adhoc"):
            r = yc - est_c[:, None]
            rss = (w * r * r).sum(1)
            s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / dfr)
            if test == "adhoc":
                s2w = np.maximum(s2w, 1.0)
            s2w[k1] = 1.0      # metafor: k = 1 -> test "z"
            vb = vb * s2w[:, None, None]
        I2, H2 = _i2_h2(method, QE, dfr, tau2, dfr / trP)
    none = dfr <= 0
    QE[none], I2[none], H2[none] = 0.0, 0.0, 1.0
    conv = ~too_few & np.isfinite(beta[:, 0])
    out = dict(k=k.astype(int), beta=beta, vb=vb, tau2=tau2, QE=QE, I2=I2, H2=H2,
               converged=conv, fallback=np.zeros(C, bool), singular=np.zeros(C, bool),
               iterations=np.zeros(C, int), s2w=s2w, ll0reset=np.zeros(C, bool),
               tau2_high=np.zeros(C, bool), ztest=k1, change=np.zeros(C))
    for key in ("beta", "vb", "tau2", "QE", "I2", "H2", "s2w"):
        out[key][~conv] = np.nan
    return out


def _interactive():
    return sys.stderr is not None and (sys.stderr.isatty() or "ipykernel" in sys.modules)


def fit_batch(yi, vi, mask=None, X=None, *, method="REML", test="z", tau2=None,
              threshold=THRESHOLD, maxiter=MAXITER, tau2_max=None, ll0check=True,
              stepadj=1.0, tau2_init=None, tol=TOL, fallback=True, progress=None,
              chunk_bytes=CHUNK_BYTES, desc="fits"):
    """Fit B random-/fixed-effects models (metafor ``rma.uni``) at once.

    Parameters
    ----------
    yi, vi : array_like, shape (k,) or (B, k)
        Effect sizes and sampling variances (per row when 2-D).
    mask : array_like of bool, shape (B, k), optional
        Studies included in each fit (default: all, B from yi/vi).
    X : array_like, shape (k, p), optional
        Moderator matrix shared by all fits (default: intercept only).
    method : str
        tau^2 estimator, one of ``METHODS``.
    test : {"z", "t", "knha", "adhoc"}
        Scales the covariance matrix by metafor's s2w for "knha"/"adhoc".
    tau2 : float, optional
        Fixed tau^2 (metafor's ``tau2=``).
    threshold, maxiter, tau2_max, ll0check, stepadj, tau2_init, tol
        metafor's ``control`` settings (defaults as metafor's; ``tol`` is uniroot's
        tolerance for PM and the ll0 check's; ``tau2_max`` None is metafor's default PM
        bound max(100, 10 mad(yi)^2), a number is used as given).
    fallback : bool
        Re-solve the estimating equation by bisection for rows where Fisher scoring did not
        converge (counted in ``BatchFit.fallback``); with False such rows are failed fits.
    progress : bool or None
        tqdm bar; None shows it only for interactive runs expected to exceed a second.

    Returns
    -------
    BatchFit

    Notes
    -----
    Estimators as in metafor 3.8-1's ``rma.uni`` (Viechtbauer 2010,
    doi:10.18637/jss.v036.i03; Viechtbauer 2005, doi:10.3102/10769986030003261); Paule-Mandel
    (Paule & Mandel 1982, doi:10.6028/jres.087.022) by R's ``uniroot`` iterates with
    ``tol`` (metafor's default eps^0.25; smaller for the exact root). Effects are centred at
    their mean before any sum of squares, so results do not depend on a common offset.
    """
    if method not in METHODS:
        raise InputError("method", f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if test not in TESTS:
        raise InputError("test", f"unknown test {test!r}; use one of {', '.join(TESTS)}")
    yi = np.asarray(yi, float)
    vi = np.asarray(vi, float)
    k = yi.shape[-1]
    if vi.shape[-1] != k:
        raise InputError("vi", f"has {vi.shape[-1]} columns, yi has {k}")
    if X is None:
        X = np.ones((k, 1))
    X = np.asarray(X, float)
    if X.ndim != 2 or X.shape[0] != k:
        raise InputError("X", f"must be a k x p matrix with k = {k}")
    if mask is None:
        B = max(yi.shape[0] if yi.ndim == 2 else 1, vi.shape[0] if vi.ndim == 2 else 1)
        mask = np.ones((B, k), bool)
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.shape[1] != k:
        raise InputError("mask", f"must be a B x {k} boolean matrix")
    B = mask.shape[0]
    for name, a in (("yi", yi), ("vi", vi)):
        if a.ndim == 2 and a.shape[0] != B:
            raise InputError(name, f"has {a.shape[0]} rows, mask has {B}")
    for name, a in (("yi", yi), ("vi", vi)):
        if not np.all(np.isfinite(a)):
            raise InputError(name, "contains NaN or infinite values; remove those studies "
                                   "or exclude them through mask")
    if method not in ("FE", "EE", "CE") and np.any(vi <= 0):
        raise InputError("vi", "sampling variances must be positive")
    D = _Design(X)
    p = D.p
    con = dict(threshold=threshold, maxiter=maxiter, tau2_max=tau2_max, ll0check=ll0check,
               stepadj=stepadj, tau2_init=tau2_init, tol=tol, fallback=fallback)
    shared = (D.intercept_only and yi.ndim == 1 and vi.ndim == 1
              and (method in ("FE", "EE", "CE", "DL", "HS") or tau2 is not None))
    per_row = max(k * p * p, k) * 8
    C = int(max(1, min(B, chunk_bytes // per_row)))
    starts = range(0, B, C)
    res = {key: [] for key in ("k", "beta", "vb", "tau2", "QE", "I2", "H2", "converged",
                               "fallback", "singular", "iterations", "s2w", "ll0reset",
                               "tau2_high", "ztest", "change")}
    bar = None
    t0 = time.perf_counter()
    for n, s in enumerate(starts):
        e = min(B, s + C)
        M = mask[s:e].astype(float)
        if shared:
            out = _fit_chunk_shared(method, test, M, yi, vi, tau2)
        else:
            Yc = np.broadcast_to(yi[s:e] if yi.ndim == 2 else yi, M.shape)
            Vc = np.broadcast_to(vi[s:e] if vi.ndim == 2 else vi, M.shape)
            # excluded studies: any finite positive placeholder (their weight is 0)
            Vc = np.where(M > 0, Vc, 1.0)
            Yc = np.where(M > 0, Yc, 0.0)
            # singular subsets (e.g. a factor level left out) give NaN rows, flagged as
            # failed fits and counted: no RuntimeWarning from numpy on top
            with np.errstate(invalid="ignore", divide="ignore"):
                out = _fit_chunk(method, test, D, M, Vc, Yc, tau2, con)
        for key in res:
            res[key].append(out[key])
        if bar is None and progress is not False and n == 0 and e < B:
            expected = (time.perf_counter() - t0) * B / e
            if progress or (expected > 1.0 and _interactive()):
                try:
                    from tqdm.auto import tqdm
                    bar = tqdm(total=B, desc=desc, unit="fit")
                    bar.update(e)
                except ImportError:   # tqdm is optional
                    bar = False
        elif bar:
            bar.update(e - s)
    if bar:
        bar.close()
    cat = {key: np.concatenate(v) for key, v in res.items()}
    return BatchFit(method=method, test=test, p=p, **cat)
