"""Effect sizes and their sampling variances: ``escalc()`` and friends.

``escalc`` follows R metafor 3.8.1's ``escalc()`` for the measures it offers (same names,
same arguments, same formulas, same default ``vtype``); tests/test_metafor_escalc.py compares
every measure with metafor (validation/metafor/escalc.R). ``escalc_prepost`` covers the
two-group pre-post (controlled training study) design, for which published meta-analyses use
different, often unstated, choices; it makes each choice an argument and records it per row.
``comparisons`` (in :mod:`runecon.comparisons`) builds such effect sizes from the data package.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import InputError
from .._checks import column as _column
from .._checks import one_of as _one_of

__all__ = ["escalc", "escalc_prepost", "hedges_j", "ci_to_se", "p_to_se", "t_to_se",
           "smd_to_pct", "pct_to_smd", "MEASURES"]

#: measures offered, with the argument names each one needs and the vtypes metafor allows
#: (first = metafor's default).
MEASURES = {
    "MD": (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), ("LS", "UB", "HO")),
    "SMD": (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), ("LS", "UB", "LS2", "AV")),
    "SMDH": (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), ("LS", "LS2")),
    "ROM": (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), ("LS", "HO", "AV", "AVHO")),
    "MC": (("m1i", "sd1i", "m2i", "sd2i", "ni", "ri"), ("LS",)),
    "SMCC": (("m1i", "sd1i", "m2i", "sd2i", "ni", "ri"), ("LS", "LS2")),
    "SMCR": (("m1i", "sd1i", "m2i", "ni", "ri"), ("LS", "LS2")),
    "ROMC": (("m1i", "sd1i", "m2i", "sd2i", "ni", "ri"), ("LS",)),
}
_SD_ARGS = ("sd1i", "sd2i")
_N_ARGS = ("n1i", "n2i", "ni")


# --------------------------------------------------------------------------- helpers
def hedges_j(df, correction="exact"):
    """Small-sample correction factor J(df) of Hedges' g.

    Parameters
    ----------
    df : array_like
        Degrees of freedom (n1 + n2 - 2 for two groups, n - 1 for one group).
    correction : {"exact", "approx", "none"}
        ``"exact"``: J = Γ(df/2) / (√(df/2) Γ((df-1)/2)) (Hedges 1981, eq. 6e), computed on
        the log scale as metafor's ``.cmicalc``; ``"approx"``: J = 1 - 3/(4 df - 1)
        (Hedges 1981); ``"none"``: J = 1 (Cohen's d).

    Notes
    -----
    Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related
    estimators. J Educ Stat 6(2):107-128. doi:10.3102/10769986006002107.
    The exact factor is undefined for df <= 1 (metafor returns NA); here that is an error.
    """
    m = np.asarray(df, dtype=float)
    if correction == "none":
        return np.ones_like(m)
    if np.any(~np.isfinite(m)) or np.any(m <= 1):
        raise InputError("df", "the small-sample correction needs df > 1 (at least 3 "
                               "participants in two groups, 2 in one group)")
    if correction == "exact":
        return np.exp(special.gammaln(m / 2) - np.log(np.sqrt(m / 2))
                      - special.gammaln((m - 1) / 2))
    if correction == "approx":
        return 1.0 - 3.0 / (4.0 * m - 1.0)
    raise InputError("correction", f"must be 'exact', 'approx' or 'none', got {correction!r}")


def _get(name, value, data, k=None):
    """Turn an argument (array, scalar or column name in ``data``) into a float array."""
    if isinstance(value, str):
        value = _column(data, value, name)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(name, "must be numeric") from None
    if a.ndim == 0:
        a = np.full(1 if k is None else k, float(a))
    if a.ndim != 1:
        raise InputError(name, f"must be one-dimensional, got shape {a.shape}")
    return _finite(name, a)


def _common_length(lengths):
    """The most common length above 1 (length-1 arguments broadcast); the odd one out is
    then the argument named in the error."""
    longer = [n for n in lengths if n > 1] or [1]
    return max(sorted(set(longer)), key=longer.count)


def _gather(args, data, required, measure):
    given = {nm: v for nm, v in args.items() if v is not None}
    missing = [nm for nm in required if nm not in given]
    if missing:
        raise InputError(missing[0], f"measure {measure!r} needs {', '.join(required)}; "
                                     f"missing: {', '.join(missing)}")
    arrs = {nm: _get(nm, given[nm], data) for nm in required}
    lengths = {nm: a.shape[0] for nm, a in arrs.items()}
    k = _common_length(list(lengths.values()))
    for nm, a in arrs.items():       # scalars broadcast (e.g. one imputed ri for all rows)
        if a.shape[0] == 1 and k > 1 and not isinstance(given[nm], str):
            arrs[nm] = np.full(k, a[0])
    bad = {nm: a.shape[0] for nm, a in arrs.items() if a.shape[0] != k}
    if bad:
        nm = next(iter(bad))
        raise InputError(nm, f"has length {bad[nm]} but other arguments have length {k}; "
                             f"lengths: {lengths}")
    for nm in _SD_ARGS:
        if nm in arrs and np.any(arrs[nm] <= 0):
            i = int(np.flatnonzero(arrs[nm] <= 0)[0])
            raise InputError(nm, f"standard deviations must be > 0 (row {i}: {arrs[nm][i]})")
    for nm in _N_ARGS:
        if nm in arrs and np.any(arrs[nm] < 2):
            i = int(np.flatnonzero(arrs[nm] < 2)[0])
            raise InputError(nm, f"group sizes must be >= 2 (row {i}: {arrs[nm][i]})")
    if "ri" in arrs and np.any(np.abs(arrs["ri"]) > 1):
        i = int(np.flatnonzero(np.abs(arrs["ri"]) > 1)[0])
        raise InputError("ri", f"correlations must lie in [-1, 1] (row {i}: {arrs['ri'][i]})")
    return arrs, k


def _vtype(vtype, allowed, k, measure):
    v = np.asarray([vtype] * k if isinstance(vtype, str) else list(vtype), dtype=object)
    if v.shape[0] != k:
        raise InputError("vtype", f"give one vtype or one per row ({k}), got {v.shape[0]}")
    bad = sorted(set(v) - set(allowed))
    if bad:
        raise InputError("vtype", f"for measure {measure!r} vtype must be one of "
                                  f"{list(allowed)}, got {bad}")
    return v


# --------------------------------------------------------------------------- escalc
def escalc(measure, *, m1i=None, sd1i=None, n1i=None, m2i=None, sd2i=None, n2i=None,
           ri=None, ni=None, data=None, vtype="LS", append=True):
    """Compute effect sizes ``yi`` and sampling variances ``vi`` as metafor's ``escalc``.

    Parameters
    ----------
    measure : {"MD", "SMD", "SMDH", "ROM", "MC", "SMCC", "SMCR", "ROMC"}
        Two independent groups: ``"MD"`` raw mean difference, ``"SMD"`` Hedges' g,
        ``"SMDH"`` SMD with heteroscedastic SDs (Bonett 2009), ``"ROM"`` log ratio of means.
        One group measured twice: ``"MC"`` raw mean change, ``"SMCC"`` standardised mean
        change with change-score standardisation, ``"SMCR"`` with raw-score (first SD)
        standardisation, ``"ROMC"`` log ratio of means.
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like or str
        Means, SDs and sizes of group 1 and 2 (for change measures: means and SDs of the two
        occasions, ``m1i - m2i`` is the change). A string is a column name in ``data``.
    ri : array_like, float or str
        Correlation between the two occasions (change measures); a scalar applies to all.
    ni : array_like or str
        Sample size of the change measures (metafor's name); ``n1i`` is accepted instead.
    data : pandas.DataFrame, optional
        Where column names are looked up.
    vtype : str or sequence of str
        Variance type as in metafor (default ``"LS"``: large-sample approximation).
    append : bool
        If ``data`` is given, return its columns followed by ``yi`` and ``vi``
        (metafor's default); otherwise the inputs used, then ``yi``, ``vi``.

    Returns
    -------
    pandas.DataFrame
        Columns: inputs, ``measure``, ``vtype``, ``yi``, ``vi``.

    Raises
    ------
    runecon.errors.InputError
        Unknown measure or vtype, mismatched lengths, SD <= 0, n < 2, |ri| > 1, missing or
        non-finite values, ROM/ROMC means whose ratio is not positive, an argument the
        measure does not use (e.g. ``ri`` with ``"SMD"``, ``sd2i`` with ``"SMCR"``).

    Notes
    -----
    Formulas as in metafor 3.8.1 ``escalc`` (Viechtbauer W, 2010, J Stat Softw 36(3),
    doi:10.18637/jss.v036.i03). With pooled SD ``s_p``, ``m = n1 + n2 - 2``, exact
    ``J(m) = Γ(m/2)/(√(m/2) Γ((m-1)/2))`` (Hedges 1981, doi:10.3102/10769986006002107):

    - SMD: ``yi = J(m)(m1-m2)/s_p``; LS ``vi = 1/n1+1/n2+yi²/(2(n1+n2))``; UB
      ``1/n1+1/n2+(1-(m-2)/(m J²))yi²``; LS2 ``J²(1/n1+1/n2+d²/(2(n1+n2)))``; AV uses the
      n-weighted mean of yi in place of yi.
    - SMDH (Bonett 2009, doi:10.1037/a0016619): ``s = √((sd1²+sd2²)/2)``,
      ``yi = J(m)(m1-m2)/s``.
    - MD: ``vi = sd1²/n1 + sd2²/n2`` (HO: ``s_p²(1/n1+1/n2)``).
    - ROM: ``yi = log(m1/m2)``; LS ``vi = sd1²/(n1 m1²) + sd2²/(n2 m2²)`` (Hedges, Gurevitch
      & Curtis 1999, doi:10.1890/0012-9658(1999)080[1150:TMAORR]2.0.CO;2).
    - MC: ``vi = (sd1²+sd2²-2 r sd1 sd2)/n``; SMCC: ``yi = J(n-1)(m1-m2)/sd_d`` with
      ``sd_d = √(sd1²+sd2²-2 r sd1 sd2)``, LS ``vi = 1/n + yi²/(2n)`` (Gibbons et al. 1993);
      SMCR: ``yi = J(n-1)(m1-m2)/sd1``, LS ``vi = 2(1-r)/n + yi²/(2n)`` (Becker 1988,
      doi:10.1111/j.2044-8317.1988.tb00901.x); ROMC: ``yi = log(m1/m2)``,
      ``vi = sd1²/(n m1²) + sd2²/(n m2²) - 2 r sd1 sd2/(n m1 m2)`` (Lajeunesse 2011).

    Unlike metafor, SD = 0, n < 2 and missing values raise instead of giving NA.
    """
    if not isinstance(measure, str) or measure not in MEASURES:
        raise InputError("measure", f"unknown measure {measure!r}; use one of "
                                    f"{list(MEASURES)} (two-group pre-post designs: "
                                    "escalc_prepost)")
    required, vtypes = MEASURES[measure]
    if measure in ("MC", "SMCC", "SMCR", "ROMC"):
        if ni is not None and n1i is not None:
            raise InputError("n1i", f"measure {measure!r} takes one sample size: give ni "
                                    "(or n1i as its alias), not both")
        if ni is None and n1i is not None:
            ni, n1i = n1i, None
    given = dict(m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, ni=ni, ri=ri)
    unused = [nm for nm, v in given.items() if v is not None and nm not in required]
    if unused:   # never drop an argument silently
        raise InputError(unused[0], f"measure {measure!r} does not use "
                                    f"{', '.join(unused)}; it needs {', '.join(required)}")
    args = {nm: given[nm] for nm in required}
    a, k = _gather(args, data, required, measure)
    vt = _vtype(vtype, vtypes, k, measure)

    if measure in ("MD", "SMD", "SMDH", "ROM"):
        m1, s1, n1, m2, s2, n2 = (a[x] for x in required)
        mi = n1 + n2 - 2
        sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / mi)
        if measure == "MD":
            yi = m1 - m2
            vi = np.where(vt == "HO", sp**2 * (1 / n1 + 1 / n2), s1**2 / n1 + s2**2 / n2)
        elif measure == "SMD":
            j = hedges_j(mi)
            di = (m1 - m2) / sp
            yi = j * di
            mnw = np.sum((n1 + n2) * yi) / np.sum(n1 + n2)
            base = 1 / n1 + 1 / n2
            vi = np.select(
                [vt == "LS", vt == "UB", vt == "LS2", vt == "AV"],
                [base + yi**2 / (2 * (n1 + n2)),
                 base + (1 - (mi - 2) / (mi * j**2)) * yi**2,
                 j**2 * (base + di**2 / (2 * (n1 + n2))),
                 base + mnw**2 / (2 * (n1 + n2))])
        elif measure == "SMDH":
            if len(set(vt)) > 1:
                raise InputError("vtype", "measure 'SMDH' takes a single vtype (as metafor)")
            j = hedges_j(mi)
            ssum = s1**2 + s2**2
            yi = j * (m1 - m2) / np.sqrt(ssum / 2)
            if vt[0] == "LS":
                vi = j**2 * (yi**2 * (s1**4 / (n1 - 1) + s2**4 / (n2 - 1)) / (2 * ssum**2)
                             + (s1**2 / (n1 - 1) + s2**2 / (n2 - 1)) / (ssum / 2))
            else:
                vi = (yi**2 * s1**2 / (2 * n1 * ssum**2) + yi**2 * s2**2 / (2 * n2 * ssum**2)
                      + 2 * s1**2 / (n1 * ssum) + 2 * s2**2 / (n2 * ssum))
        else:  # ROM
            _positive_ratio(m1, m2, "m1i")
            yi = np.log(m1 / m2)
            cv1, cv2 = s1 / m1, s2 / m2
            mn1 = np.sum(n1 * cv1) / np.sum(n1)
            mn2 = np.sum(n2 * cv2) / np.sum(n2)
            mn = (np.sum(n1 * cv1) + np.sum(n2 * cv2)) / np.sum(n1 + n2)
            vi = np.select(
                [vt == "LS", vt == "HO", vt == "AV", vt == "AVHO"],
                [cv1**2 / n1 + cv2**2 / n2,
                 sp**2 / (n1 * m1**2) + sp**2 / (n2 * m2**2),
                 mn1**2 / n1 + mn2**2 / n2,
                 mn**2 * (1 / n1 + 1 / n2)])
    else:
        m1, s1, m2, n, r = a["m1i"], a["sd1i"], a["m2i"], a["ni"], a["ri"]
        s2 = a.get("sd2i")
        if measure == "MC":
            yi = m1 - m2
            vi = (s1**2 + s2**2 - 2 * r * s1 * s2) / n
        elif measure == "SMCC":
            j = hedges_j(n - 1)
            sdd = np.sqrt(s1**2 + s2**2 - 2 * r * s1 * s2)
            if np.any(sdd <= 0):
                raise InputError("ri", "the SD of the change scores is 0 (ri = 1 with equal "
                                       "SDs); use an ri below 1")
            di = (m1 - m2) / sdd
            yi = j * di
            vi = np.where(vt == "LS", 1 / n + yi**2 / (2 * n), j**2 * (1 / n + di**2 / (2 * n)))
        elif measure == "SMCR":
            j = hedges_j(n - 1)
            di = (m1 - m2) / s1
            yi = j * di
            vi = np.where(vt == "LS", 2 * (1 - r) / n + yi**2 / (2 * n),
                          j**2 * (2 * (1 - r) / n + di**2 / (2 * n)))
        else:  # ROMC
            _positive_ratio(m1, m2, "m1i")
            yi = np.log(m1 / m2)
            vi = (s1**2 / (n * m1**2) + s2**2 / (n * m2**2) - 2 * r * s1 * s2 / (m1 * m2 * n))

    inputs = {nm: a[nm] for nm in required}
    if data is not None and append:
        out = data.reset_index(drop=True).copy()
        if len(out) != k:
            raise InputError("data", f"has {len(out)} rows but the arguments have {k}")
    else:
        out = pd.DataFrame(inputs)
    out["measure"] = measure
    out["vtype"] = vt
    out["yi"] = np.asarray(yi, dtype=float)
    out["vi"] = np.asarray(vi, dtype=float)
    return out


def _positive_ratio(m1, m2, name):
    bad = ~((m1 / m2) > 0)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise InputError(name, f"ratio of means must be positive for a log ratio "
                               f"(row {i}: {m1[i]} / {m2[i]})")


# --------------------------------------------------------------------------- pre-post
STANDARDISERS = ("post", "pre", "pooled_pre", "change")
CORRECTIONS = ("exact", "approx", "none")
VARIANCES = ("bh", "simple", "morris")


def escalc_prepost(*, m1i_pre, sd1i_pre, m1i_post, sd1i_post, n1i,
                   m2i_pre, sd2i_pre, m2i_post, sd2i_post, n2i,
                   ri=None, standardiser="post", correction="exact", variance="bh",
                   flip=False, data=None):
    """Standardised difference in change between two groups (pretest-posttest-control).

    Group 1 is the intervention, group 2 the control. The numerator is always the
    difference in mean change, ``(post1 - pre1) - (post2 - pre2)``; the choices that
    published meta-analyses disagree on are explicit arguments and are recorded in every
    returned row.

    Parameters
    ----------
    m1i_pre, sd1i_pre, m1i_post, sd1i_post, n1i : array_like or str
        Intervention group: pre and post means and SDs, size (may be fractional when a
        shared control's n is divided, but >= 2).
    m2i_pre, sd2i_pre, m2i_post, sd2i_post, n2i : array_like or str
        Control group, likewise.
    ri : float, array_like or str, optional
        Pre-post correlation (assumed the same in both groups; usually imputed). Needed for
        ``standardiser="change"`` and ``variance="morris"``; the ``ri`` column of the result
        records it only there (NaN where the chosen formulas do not use it).
    standardiser : {"post", "pre", "pooled_pre", "change"}
        ``"post"``: pooled post-test SD; ``"pooled_pre"``: pooled pre-test SD (Morris 2008
        d_ppc2); ``"pre"``: each group's own pre-test SD, difference of the two standardised
        mean changes (Becker 1988; Morris 2008 d_ppc1, each with its own J(n_i - 1));
        ``"change"``: pooled SD of the change scores,
        ``sd_change = √(sd_pre² + sd_post² - 2 r sd_pre sd_post)``.
    correction : {"exact", "approx", "none"}
        Small-sample factor J (see :func:`hedges_j`), with df = n1 + n2 - 2 (or n_i - 1
        per group for ``"pre"``).
    variance : {"bh", "simple", "morris"}
        ``"bh"`` (Borenstein et al. 2009, eqs. 4.20 and 4.24):
        ``J²(1/n1 + 1/n2 + d²/(2(n1+n2)))`` with d the uncorrected value;
        ``"simple"``: ``1/n1 + 1/n2 + g²/(2(n1+n2))`` (metafor's SMD "LS");
        ``"morris"``: for ``"pooled_pre"`` Morris 2008 eq. 25,
        ``2J²(1-r)(n1+n2)/(n1 n2) · (n1+n2-2)/(n1+n2-4) · (1 + g²/(2(1-r)(n1+n2)/(n1 n2))) - g²``;
        for ``"pre"`` the sum of the two SMCR variances ``2(1-r)/n_i + g_i²/(2 n_i)``
        (metafor's "SMCR" LS; Becker 1988). Not defined for the other standardisers.
        For ``"pre"``, ``"bh"`` uses d = d1 - d2 and J(n1 + n2 - 2).
        ``"bh"`` and ``"simple"`` are the independent-groups variances: they ignore the
        pre-post correlation (correct only for ``"change"``).
    flip : bool or array_like of bool
        Reverse the sign (rows where a higher value means a worse outcome should not be
        flipped; use it e.g. where higher is better so that negative = improvement).
    data : pandas.DataFrame, optional
        Where column names are looked up.

    Returns
    -------
    pandas.DataFrame
        The inputs, ``sd_std`` (standardiser value; NaN for "pre"), ``J``, ``d``
        (uncorrected), ``yi``, ``vi`` and the choices ``standardiser``, ``correction``,
        ``variance``, ``ri``, ``flip``.

    Notes
    -----
    Morris SB (2008). Estimating effect sizes from pretest-posttest-control group designs.
    Organ Res Methods 11(2):364-386. doi:10.1177/1094428106291059.
    Becker BJ (1988). Synthesizing standardized mean-change measures. Br J Math Stat Psychol
    41:257-278. doi:10.1111/j.2044-8317.1988.tb00901.x.
    Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
    Meta-Analysis. Wiley, ch. 4. doi:10.1002/9780470743386.
    Hedges LV (1981). J Educ Stat 6(2):107-128. doi:10.3102/10769986006002107.
    Llanos-Lagos et al. (2024, doi:10.1007/s40279-023-01978-y) used standardiser "post",
    correction "exact", variance "bh".
    """
    _one_of("standardiser", standardiser, STANDARDISERS)
    _one_of("correction", correction, CORRECTIONS)
    _one_of("variance", variance, VARIANCES)
    if variance == "morris" and standardiser not in ("pre", "pooled_pre"):
        raise InputError("variance", "'morris' is defined for standardiser 'pre' or "
                                     "'pooled_pre' only; use 'bh' or 'simple'")
    needs_r = standardiser == "change" or variance == "morris"
    if needs_r and ri is None:
        raise InputError("ri", f"standardiser={standardiser!r} / variance={variance!r} need "
                               "the pre-post correlation ri (e.g. an imputed 0.5)")
    args = dict(m1i_pre=m1i_pre, sd1i_pre=sd1i_pre, m1i_post=m1i_post, sd1i_post=sd1i_post,
                n1i=n1i, m2i_pre=m2i_pre, sd2i_pre=sd2i_pre, m2i_post=m2i_post,
                sd2i_post=sd2i_post, n2i=n2i)
    a = {nm: _get(nm, v, data) for nm, v in args.items()}
    k = _common_length([x.shape[0] for x in a.values()])
    for nm, x in a.items():
        if x.shape[0] == 1 and k > 1 and not isinstance(args[nm], str):
            a[nm] = np.full(k, x[0])
        elif x.shape[0] != k:
            raise InputError(nm, f"has length {x.shape[0]} but other arguments have length {k}")
        if nm.startswith("sd") and np.any(a[nm] <= 0):
            i = int(np.flatnonzero(a[nm] <= 0)[0])
            raise InputError(nm, f"standard deviations must be > 0 (row {i}: {a[nm][i]})")
        if nm.startswith("n") and np.any(a[nm] < 2):
            i = int(np.flatnonzero(a[nm] < 2)[0])
            raise InputError(nm, f"group sizes must be >= 2 (row {i}: {a[nm][i]})")
    r = np.full(k, np.nan) if ri is None else _get("ri", ri, data, k)
    if r.shape[0] == 1:
        r = np.full(k, r[0])
    if r.shape[0] != k:
        raise InputError("ri", f"has length {r.shape[0]} but other arguments have length {k}")
    if np.any(np.abs(r[np.isfinite(r)]) > 1):
        raise InputError("ri", "correlations must lie in [-1, 1]")
    fl = np.broadcast_to(np.asarray(_flip(flip, data), dtype=bool), (k,)).copy()

    n1, n2 = a["n1i"], a["n2i"]
    c1 = a["m1i_post"] - a["m1i_pre"]
    c2 = a["m2i_post"] - a["m2i_pre"]
    df = n1 + n2 - 2

    def pooled(s1, s2):
        return np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / df)

    if standardiser == "pre":
        j1, j2 = hedges_j(n1 - 1, correction), hedges_j(n2 - 1, correction)
        d1, d2 = c1 / a["sd1i_pre"], c2 / a["sd2i_pre"]
        d = d1 - d2
        g = j1 * d1 - j2 * d2
        sd_std = np.full(k, np.nan)
        j = np.full(k, np.nan)
        if variance == "morris":
            vi = 2 * (1 - r) / n1 + (j1 * d1)**2 / (2 * n1) \
                + 2 * (1 - r) / n2 + (j2 * d2)**2 / (2 * n2)
        elif variance == "bh":
            # J of the pooled df used for the variance factor, as for a two-group g
            jj = hedges_j(df, correction)
            vi = jj**2 * (1 / n1 + 1 / n2 + d**2 / (2 * (n1 + n2)))
        else:
            vi = 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
    else:
        if standardiser == "post":
            sd_std = pooled(a["sd1i_post"], a["sd2i_post"])
        elif standardiser == "pooled_pre":
            sd_std = pooled(a["sd1i_pre"], a["sd2i_pre"])
        else:
            sdc1 = np.sqrt(a["sd1i_pre"]**2 + a["sd1i_post"]**2
                           - 2 * r * a["sd1i_pre"] * a["sd1i_post"])
            sdc2 = np.sqrt(a["sd2i_pre"]**2 + a["sd2i_post"]**2
                           - 2 * r * a["sd2i_pre"] * a["sd2i_post"])
            sd_std = pooled(sdc1, sdc2)
            if np.any(sd_std <= 0):
                raise InputError("ri", "the SD of the change scores is 0; use an ri below 1")
        j = hedges_j(df, correction)
        d = (c1 - c2) / sd_std
        g = j * d
        if variance == "bh":
            vi = j**2 * (1 / n1 + 1 / n2 + d**2 / (2 * (n1 + n2)))
        elif variance == "simple":
            vi = 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
        else:
            if np.any(n1 + n2 <= 4):
                raise InputError("n1i", "the Morris (2008) variance needs n1 + n2 > 4")
            h = (n1 + n2) / (n1 * n2)
            vi = (2 * j**2 * (1 - r) * h * (df / (df - 2))
                  * (1 + g**2 / (2 * (1 - r) * h)) - g**2)
    sign = np.where(fl, -1.0, 1.0)
    out = pd.DataFrame(a)
    out["sd_std"] = sd_std
    out["J"] = j
    out["d"] = sign * d
    out["yi"] = sign * g
    out["vi"] = vi
    out["standardiser"] = standardiser
    out["correction"] = correction
    out["variance"] = variance
    # record ri only where it enters the effect size or its variance: an imputed ri that
    # the chosen formulas ignore (e.g. "post" with "bh") is not a choice that was made
    out["ri"] = r if needs_r else np.full(k, np.nan)
    out["flip"] = fl
    return out


def _flip(flip, data):
    if isinstance(flip, str):
        if data is None or flip not in data.columns:
            raise InputError("flip", f"column {flip!r} not found in data")
        return data[flip].to_numpy(dtype=bool)
    return flip


# --------------------------------------------------------------------------- conversions
def _level_z(level, df=None):
    lv = float(level)
    if 0.5 <= lv < 1:
        lv *= 100
    if not 50 <= lv < 100:
        raise InputError("level", f"must be a confidence level in percent, got {level!r}")
    q = 1 - (1 - lv / 100) / 2
    return stats.norm.ppf(q) if df is None else stats.t.ppf(q, df)


def _finite(name, value):
    """Float array of ``value``; NaN or infinite entries are an error, never passed on."""
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)):
        bad = np.flatnonzero(~np.isfinite(np.atleast_1d(a)))
        raise InputError(name, f"has missing or non-finite values at positions "
                               f"{bad[:10].tolist()}; remove those rows first")
    return a


def ci_to_se(lb, ub, level=95, df=None):
    """Standard error from a symmetric confidence interval: ``(ub - lb) / (2 z)``.

    Parameters
    ----------
    lb, ub : array_like
        Lower and upper bound (on the scale where the CI is symmetric, e.g. log for ratios).
    level : float
        Confidence level in percent (0.95 is read as 95).
    df : float, optional
        Use the t quantile with ``df`` degrees of freedom instead of the normal one.

    Returns
    -------
    ndarray
        Standard errors, same shape as ``lb``.

    Notes
    -----
    Higgins JPT et al. (eds), Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4 (2023), section 6.5.2.2 (SE = width / 3.92 for a 95% CI),
    https://training.cochrane.org/handbook.
    """
    lb, ub = _finite("lb", lb), _finite("ub", ub)
    if lb.shape != ub.shape:
        raise InputError("ub", f"shape {ub.shape} differs from lb's {lb.shape}")
    if np.any(~(ub > lb)):
        raise InputError("ub", "every upper bound must exceed its lower bound")
    return (ub - lb) / (2 * _level_z(level, df))


def t_to_se(estimate, t):
    """Standard error from an estimate and its t (or z) statistic: ``|estimate / t|``.

    Parameters
    ----------
    estimate : array_like
        The estimates (e.g. mean differences).
    t : array_like
        Their t or z statistics (non-zero).

    Returns
    -------
    ndarray
        Standard errors.

    Notes
    -----
    Cochrane Handbook 6.4 (Higgins et al. 2023), section 6.3.1 (obtaining SEs from t
    statistics), https://training.cochrane.org/handbook.
    """
    est, t = _finite("estimate", estimate), _finite("t", t)
    if np.any(t == 0):
        raise InputError("t", "must be finite and non-zero")
    return np.abs(est / t)


def p_to_se(estimate, p, df=None):
    """Standard error from an estimate and its two-sided p value.

    Parameters
    ----------
    estimate : array_like
        The estimates.
    p : array_like
        Exact two-sided p values, strictly between 0 and 1 (not thresholds).
    df : float, optional
        Degrees of freedom of a t test; None: normal (z) test.

    Returns
    -------
    ndarray
        ``SE = |estimate| / q(1 - p/2)`` with q the normal quantile, or the t quantile with
        ``df`` degrees of freedom.

    Notes
    -----
    Cochrane Handbook 6.4 (Higgins et al. 2023), section 6.3.2,
    https://training.cochrane.org/handbook.
    """
    est, p = _finite("estimate", estimate), np.asarray(p, dtype=float)
    if np.any(~((p > 0) & (p < 1))):
        raise InputError("p", "p values must lie strictly between 0 and 1 (an exact value, "
                              "not a threshold such as p < 0.05)")
    if df is not None and np.any(np.asarray(df, dtype=float) <= 0):
        raise InputError("df", "must be > 0")
    q = stats.norm.ppf(1 - p / 2) if df is None else stats.t.ppf(1 - p / 2, df)
    return np.abs(est) / q


def smd_to_pct(smd, sd_ref, mean_ref):
    """Express a standardised difference as a percentage of a reference mean.

    Parameters
    ----------
    smd : array_like
        Standardised mean differences.
    sd_ref : array_like
        The SD that standardised them (e.g. the pooled baseline SD), raw units, > 0.
    mean_ref : array_like
        Reference mean (e.g. the baseline mean), raw units, non-zero.

    Returns
    -------
    ndarray
        ``pct = 100 · smd · sd_ref / mean_ref``.

    Notes
    -----
    Back-transformation of an SMD to raw units with the SD used to standardise it
    (Cochrane Handbook 6.4, section 15.5.3.2, https://training.cochrane.org/handbook),
    then division by the reference mean.
    """
    smd = _finite("smd", smd)
    sd_ref, mean_ref = _finite("sd_ref", sd_ref), _finite("mean_ref", mean_ref)
    if np.any(sd_ref <= 0):
        raise InputError("sd_ref", "must be > 0")
    if np.any(mean_ref == 0):
        raise InputError("mean_ref", "must be non-zero")
    return 100.0 * smd * sd_ref / mean_ref


def pct_to_smd(pct, sd_ref, mean_ref):
    """Inverse of :func:`smd_to_pct`: ``smd = pct/100 · mean_ref / sd_ref``.

    Parameters
    ----------
    pct : array_like
        Differences in percent of ``mean_ref``.
    sd_ref, mean_ref : array_like
        Standardising SD (> 0) and reference mean, raw units.

    Returns
    -------
    ndarray
        Standardised mean differences.

    Notes
    -----
    Cochrane Handbook 6.4, section 15.5.3.2 (see :func:`smd_to_pct`).
    """
    pct = _finite("pct", pct)
    sd_ref, mean_ref = _finite("sd_ref", sd_ref), _finite("mean_ref", mean_ref)
    if np.any(sd_ref <= 0):
        raise InputError("sd_ref", "must be > 0")
    return pct / 100.0 * mean_ref / sd_ref
