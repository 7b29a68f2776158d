"""Coverage simulations of meta-analytic intervals, vectorised with the batch engine.

:func:`coverage` draws ``reps`` meta-analyses for every cell of a grid of numbers of studies
``k`` and between-study variances ``tau2``, fits them all at once with
:func:`runecon._batch.fit_batch` (metafor's ``rma.uni`` estimators) and reports how often each
95 % interval contains what it claims to contain:

- confidence intervals of the mean mu: fixed effect (z), random effects with z (metafor's
  default), with t(k - 1) (metafor's ``test="t"``), Knapp-Hartung (``test="knha"``) and its
  "ad hoc" variant (``test="adhoc"``: the Knapp-Hartung scale never below 1);
- prediction intervals for the true effect of a new study, mu-hat +- crit * sqrt(SE^2 + tau2-hat),
  with crit from z (metafor's default), t(k - 1) (metafor with ``test="t"``) or t(k - 2)
  (Riley et al. 2011, doi:10.1136/bmj.d549).

The cells of the grid are independent tasks with their own seeds (spawned from one
``numpy.random.SeedSequence``), so they can run on any :class:`concurrent.futures.Executor`
and give the same numbers as the in-process run. A ``dask.distributed`` ``Client``
(``pip install runecon[dask]``; optional) has the ``submit``/``result`` interface of an
executor (``client.get_executor()`` returns one), so a large grid can be spread over
machines::

    from dask.distributed import Client
    client = Client("scheduler-address:8786")
    res = coverage(k=range(3, 41), tau2=..., reps=10**6, executor=client.get_executor())

References
----------
Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a single
covariate. Stat Med 22(17):2693-2710. doi:10.1002/sim.1482
Knapp-Hartung "ad hoc" variant: Jackson D, Law M, Rücker G, Schwarzer G (2017). The
Hartung-Knapp modification for random-effects meta-analysis: a useful refinement but are
there any residual concerns? Stat Med 36(25):3923-3934. doi:10.1002/sim.7411
IntHout J, Ioannidis JPA, Borm GF (2014). The Hartung-Knapp-Sidik-Jonkman method for random
effects meta-analysis is straightforward and considerably outperforms the standard
DerSimonian-Laird method. BMC Med Res Methodol 14:25. doi:10.1186/1471-2288-14-25
Partlett C, Riley RD (2017). Random effects meta-analysis: coverage performance of 95 %
confidence and prediction intervals following REML estimation. Stat Med 36(2):301-317.
doi:10.1002/sim.7140
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._batch import METHODS, fit_batch
from .errors import InputError
from .results import Result

#: the intervals reported, in display order: (code, what it covers, description)
INTERVALS = (
    ("FE_z", "mu", "fixed effect, z"),
    ("RE_z", "mu", "random effects, z (metafor default)"),
    ("RE_t", "mu", "random effects, t(k-1) (test='t')"),
    ("KH", "mu", "Knapp-Hartung (test='knha')"),
    ("KH_adhoc", "mu", "Knapp-Hartung ad hoc (test='adhoc')"),
    ("PI_z", "new study", "prediction interval, z (metafor default)"),
    ("PI_t", "new study", "prediction interval, t(k-1) (test='t')"),
    ("PI_riley", "new study", "prediction interval, t(k-2) (Riley 2011)"),
)
MAX_REPS = 10**7          # per cell: a bound on the work one call can ask for


@dataclass(frozen=True, eq=False)
class CoverageResult(Result):
    """Coverage of each interval in each cell of the (k, tau2) grid.

    ``table`` has one row per (k, tau2, interval) with ``coverage`` (proportion of the
    converged replicates whose interval covers), ``mcse`` (its Monte Carlo standard error,
    sqrt(c(1 - c)/n)), ``width`` (mean width) and ``n`` (converged replicates);
    ``n_failed`` counts replicates whose tau2 estimate failed (excluded, never imputed).
    """

    table: pd.DataFrame
    reps: int
    mu: float
    method: str
    level: float
    seed: int | None
    n_failed: int

    def to_frame(self) -> pd.DataFrame:
        """The long table (one row per k, tau2 and interval)."""
        return self.table.copy()

    def wide(self, value="coverage") -> pd.DataFrame:
        """``value`` as a k x tau2 grid per interval (rows: interval, k; columns: tau2)."""
        return self.table.pivot_table(index=["interval", "k"], columns="tau2", values=value,
                                      sort=False)

    def __str__(self):
        head = (f"Coverage of {self.level:g} % intervals: {self.reps} replicates per cell, "
                f"mu = {self.mu:g}, tau2 estimator {self.method}, seed {self.seed}"
                f"{f', {self.n_failed} failed fits excluded' if self.n_failed else ''}")
        return head + "\n\n" + (100 * self.wide()).round(1).to_string()

    def __repr__(self):
        return (f"CoverageResult(cells={self.table[['k', 'tau2']].drop_duplicates().shape[0]}, "
                f"reps={self.reps}, method={self.method!r}, seed={self.seed})")

    def _repr_html_(self):
        return (f"<p>{html.escape(str(self).splitlines()[0])}</p>"
                + (100 * self.wide()).round(1).to_html())


def _intervals(yi, vi, method, level):
    """Every interval of ``INTERVALS`` for B meta-analyses (rows of yi, vi: B x k).

    Returns (ok, {code: (lb, ub)}) over the rows where both fits converged.
    """
    k = yi.shape[1]
    fe = fit_batch(yi, vi, method="FE", test="z", progress=False)
    re = fit_batch(yi, vi, method=method, test="z", progress=False)
    ok = re.converged & fe.converged
    a = (1 + level / 100) / 2
    z = stats.norm.ppf(a)
    t1 = stats.t.ppf(a, k - 1)
    t2 = stats.t.ppf(a, max(k - 2, 1))
    b_fe, se_fe = fe.beta[ok, 0], fe.se[ok, 0]
    b, se, t2hat = re.beta[ok, 0], re.se[ok, 0], re.tau2[ok]
    # Knapp-Hartung scale s2w = sum w_i (y_i - mu-hat)^2 / (k - 1), w_i = 1/(v_i + tau2-hat)
    # (Knapp & Hartung 2003; metafor's rma.uni with test="knha")
    w = 1.0 / (vi[ok] + t2hat[:, None])
    s2w = (w * (yi[ok] - b[:, None]) ** 2).sum(1) / (k - 1)
    half = {
        "FE_z": z * se_fe,
        "RE_z": z * se,
        "RE_t": t1 * se,
        "KH": t1 * se * np.sqrt(s2w),
        "KH_adhoc": t1 * se * np.sqrt(np.maximum(s2w, 1.0)),
        "PI_z": z * np.sqrt(se**2 + t2hat),
        "PI_t": t1 * np.sqrt(se**2 + t2hat),
        "PI_riley": t2 * np.sqrt(se**2 + t2hat),
    }
    out = {}
    for code, _, _ in INTERVALS:
        centre = b_fe if code == "FE_z" else b
        out[code] = (centre - half[code], centre + half[code])
    return ok, out


def _cell(k, tau2, reps, mu, vi_pool, method, level, seed_seq):
    """One grid cell: ``reps`` meta-analyses of ``k`` studies; returns rows of the table."""
    rng = np.random.default_rng(seed_seq)
    vi = rng.choice(vi_pool, size=(reps, k), replace=True)
    theta = mu + np.sqrt(tau2) * rng.standard_normal((reps, k))
    yi = theta + np.sqrt(vi) * rng.standard_normal((reps, k))
    ok, ints = _intervals(yi, vi, method, level)
    rows = []
    tau = np.sqrt(tau2)
    for code, target, _ in INTERVALS:
        lb, ub = ints[code]
        if target == "mu":
            hit = ((lb <= mu) & (mu <= ub)).astype(float)
        elif tau == 0:                     # the new study's true effect is mu itself
            hit = ((lb <= mu) & (mu <= ub)).astype(float)
        else:   # exact probability that theta_new ~ N(mu, tau2) falls inside [lb, ub]
            hit = stats.norm.cdf((ub - mu) / tau) - stats.norm.cdf((lb - mu) / tau)
        n = hit.size
        c = hit.mean() if n else np.nan
        # Monte Carlo SE: of a proportion for the indicators; of the mean probability for PIs
        mcse = (np.sqrt(c * (1 - c) / n) if target == "mu" or tau == 0
                else hit.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        rows.append({"k": k, "tau2": tau2, "interval": code, "covers": target,
                     "coverage": c, "mcse": mcse, "width": float(np.mean(ub - lb)) if n else np.nan,
                     "n": n})
    return rows, int((~ok).sum())


def coverage(k=(3, 5, 10, 20), tau2=(0.0, 0.1, 0.25, 0.5), reps=10_000, *, vi=0.25, mu=0.0,
             method="REML", level=95.0, executor=None, seed=None) -> CoverageResult:
    """Simulated coverage of confidence and prediction intervals over a (k, tau2) grid.

    Parameters
    ----------
    k : int or sequence of int
        Numbers of studies (each >= 3, so that t(k - 2) exists).
    tau2 : float or sequence of float
        True between-study variances (>= 0).
    reps : int
        Simulated meta-analyses per cell (1 ... 10^7).
    vi : float or sequence of float
        Sampling variances: each study draws one from this pool, with replacement (a scalar:
        every study has that variance). Pass the ``vi`` of real data to mimic it.
    mu : float
        True mean effect.
    method : str
        tau2 estimator of the random-effects fits (a metafor ``method``; default REML).
    level : float
        Confidence level in percent.
    executor : concurrent.futures.Executor, optional
        Runs the cells (one task per cell, results in grid order); anything with
        ``submit(fn, *args)`` returning a future with ``result()``, e.g. a
        ``ProcessPoolExecutor`` or ``dask.distributed.Client.get_executor()``. Default: run
        in this process. The numbers do not depend on the executor.
    seed : int, optional
        Seed of the ``numpy.random.SeedSequence`` whose children seed the cells.

    Returns
    -------
    CoverageResult

    Notes
    -----
    Model: theta_i ~ N(mu, tau2), y_i ~ N(theta_i, v_i). Each replicate is fitted with
    metafor's ``rma.uni`` definitions (fixed effect and ``method``) through the batch engine.
    Intervals of the mean: z (Wald), t(k - 1), Knapp & Hartung (2003,
    doi:10.1002/sim.1482; variance scaled by s2w = sum w_i (y_i - mu-hat)^2 / (k - 1)) and
    the ad hoc variant with max(1, s2w) (Jackson et al. 2017, doi:10.1002/sim.7411).
    Prediction intervals mu-hat +- crit sqrt(SE^2 + tau2-hat) (Higgins et al. 2009,
    doi:10.1111/j.1467-985X.2008.00552.x; Riley et al. 2011, doi:10.1136/bmj.d549); their
    coverage is the exact conditional probability that a new true effect N(mu, tau2) falls
    inside, averaged over replicates (less Monte Carlo noise than drawing it).
    """
    ks = np.atleast_1d(np.asarray(k))
    if ks.ndim != 1 or ks.size == 0 or not np.issubdtype(ks.dtype, np.integer):
        raise InputError("k", "must be an integer or a sequence of integers, e.g. k=(3, 5, 10)")
    if np.any(ks < 3):
        raise InputError("k", f"every k must be >= 3 (t(k - 2) needs k > 2); got {ks.min()}")
    t2s = np.atleast_1d(np.asarray(tau2, float))
    if t2s.ndim != 1 or t2s.size == 0 or not np.all(np.isfinite(t2s)) or np.any(t2s < 0):
        raise InputError("tau2", "must be finite values >= 0")
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or not 1 <= reps <= MAX_REPS:
        raise InputError("reps", f"must be an integer from 1 to {MAX_REPS}; got {reps!r}")
    pool = np.atleast_1d(np.asarray(vi, float))
    if pool.ndim != 1 or pool.size == 0 or not np.all(np.isfinite(pool)) or np.any(pool <= 0):
        raise InputError("vi", "sampling variances must be finite and > 0")
    if method not in METHODS or method in ("FE", "EE", "CE"):
        raise InputError("method", f"must be a random-effects tau2 estimator: "
                                   f"{', '.join(m for m in METHODS if m not in ('FE', 'EE', 'CE'))}")
    if not 0 < level < 100:
        raise InputError("level", f"must be between 0 and 100 (percent); got {level!r}")
    if not np.isfinite(mu):
        raise InputError("mu", "must be finite")
    cells = [(int(kk), float(tt)) for kk in ks for tt in t2s]
    seeds = np.random.SeedSequence(seed).spawn(len(cells))
    args = [(kk, tt, int(reps), float(mu), pool, method, float(level), ss)
            for (kk, tt), ss in zip(cells, seeds)]
    if executor is None:
        outs = [_cell(*a) for a in args]
    else:
        futures = [executor.submit(_cell, *a) for a in args]
        outs = [f.result() for f in futures]
    table = pd.DataFrame([row for rows, _ in outs for row in rows])
    return CoverageResult(table=table, reps=int(reps), mu=float(mu), method=method,
                          level=float(level), seed=seed, n_failed=sum(n for _, n in outs))
