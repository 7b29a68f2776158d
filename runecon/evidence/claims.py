"""The claims ledger: every claim of the starting articles judged by one written rule.

:func:`claims_ledger` reads the claims (``data/claims.csv``), the parts each claim asserts and
how each part is computed (``data/claim_parts.csv``), the smallest worthwhile changes
(``data/swc.csv``) and the evidence rows (pooled results as printed, arm data re-fitted with
the review protocol, trial and within-group numbers), and returns one row per claim with its
numbers, verdict, certainty, reasons and a quotable sentence. Nothing is typed: change the
data and the ledger changes.

The verdict rule
----------------
Each *part* of a claim (one method, outcome or condition it names) has an estimate with a
95 % confidence interval on a stated scale, the sign the claim predicts (``expected_sign``:
``-`` or ``+`` for an effect, ``0`` for *no* effect) and, where one applies, the smallest
worthwhile change (SWC, ``data/swc.csv``: SMD 0.2 of the between-runner SD, Hopkins et al.
2009, doi:10.1249/MSS.0b013e31818cb278; 1.2 % of O2 cost = 0.2 × the 6 % between-runner CV;
risk ratio 0.90; r 0.1). Read on the claimed side ("benefit space", the claimed direction
positive):

=================  ================================================================  ==========
part asserts       condition on the 95 % CI                                          verdict
=================  ================================================================  ==========
an effect (±)      excludes zero in the claimed direction                           supported
                   excludes zero in the opposite direction                           contradicted
                   includes zero and lies below the SWC (rules out a worthwhile      not supported
                   effect in the claimed direction)
                   otherwise (includes zero and a worthwhile effect)                 inconclusive
no effect (0)      lies within ±SWC                                                  supported
                   lies wholly beyond +SWC or −SWC                                   contradicted
                   excludes zero (no SWC on the scale, or straddling one)            not supported
                   includes zero but reaches beyond ±SWC, or no SWC on the scale     inconclusive
                   (absence of evidence is not evidence of absence)
any                no number or CI in the data (a statement, a z without SE)          inconclusive
                   nothing in the data                                               no evidence
=================  ================================================================  ==========

A part whose evidence is *indirect* (other population, a broader method definition, a
comparison across trials, a difference of subgroups the review did not test) is at best
"partly supported". A z statistic without its standard error is read as an interval
z ± 1.96 in standard-error units: it can show that zero is excluded, never that an effect is
smaller than the SWC.

The parts are combined: all parts supported → **supported**; at least one part supported or
partly supported → **partly supported**; else any part contradicted → **contradicted**; else
any part not supported → **not supported**; else, if some part has evidence,
**inconclusive**; no part with evidence → **no evidence**.

Which part leads
----------------
Where the data give two estimates of the same assertion, the least confounded one leads
(``role = verdict`` in data/claim_parts.csv) and the other is a *check* (``role = check of
<part_id>``): computed, judged and shown (sentence, reasons, parts table) but left out of the
claim's verdict and certainty. The order, fixed before looking at the numbers:

1. *One method against another*: the network meta-analysis (:func:`runecon.method_network`,
   REML; the league contrast uses every within-trial comparison, direct and indirect, and
   keeps randomisation within trials) leads; the method-as-moderator contrast across trials
   (``how = contrast``: runners, programmes and speeds differ with the method) is the check.
2. *One method against control*: the re-fit of the trials that compared the method with a
   control leads (direct evidence only, the review's protocol: all test speeds, post-test SD,
   on which the SWC and the % conversion are defined); the network estimate vs control is the
   check (it adds indirect evidence but keeps one test speed per trial and standardises by the
   pre-test SD).
3. *The effect of test speed*: the within-group slope of :func:`runecon.speed_slopes` (speed
   centred within each training group: the same runners at several speeds) leads; the
   between-group slope (confounded with everything else that differs between studies) is
   printed in the part's model text. The contrast of within slopes between two methods is a
   part of its own where the claim is about a difference between methods; it is indirect (a
   comparison across trials) unless every trial behind it trained both methods.

The claim's ``estimate``/``ci_lb``/``ci_ub``/``pi_*`` (``lead_part``) are those of the first
verdict part with a number, in the file's order.

Certainty (GRADE-style)
-----------------------
Per part, starting at *high* for controlled evidence (trials with a control group, a
crossover, a network of randomised comparisons), at *moderate* for effect modification within
trials (``design = within_trial``: the within-group speed slope; not confounded by differences
between studies, but the modifier was not randomised: speeds were run in a fixed order and
chosen per study, and the slope assumes a straight line; ICEMAN, Schandelmaier S et al. 2020,
CMAJ 192:E901, doi:10.1503/cmaj.200077, rates within-trial comparisons as more credible than
between-study ones) and *low* for uncontrolled within-group changes and between-study
associations (meta-regression slopes, correlations), one level down for each of: imprecision (the CI
crosses zero or the SWC: one level per threshold crossed, at most two, one more when fewer
than 100 participants or a single trial are behind it and fewer than two levels were taken
already), no CI in the data, inconsistency (I² ≥ 50 %, or a 95 % prediction interval that
includes zero when the CI does not), indirectness (the part's ``indirect`` reason) and
small-study effects (Egger's regression test, :func:`runecon.regtest`, p < 0.10 when k ≥ 10
effects; the effects treated as independent, as in the funnel_methods figure), and, for a
network estimate, incoherence: the node-split of the pair (direct vs indirect evidence,
p < 0.10) where the pair has both; for a pair that rests on indirect evidence only, the
network's design-by-treatment interaction test (random effects, p < 0.10), the only check of
the loops the estimate passes through; a pair with direct evidence only has no incoherence
to assess (a global test does not show incoherence at the level of one pair:
Brignardello-Petersen R et al. 2018, J Clin Epidemiol 93:36,
doi:10.1016/j.jclinepi.2017.10.005; 0.10 because tests of inconsistency have little power,
as the Cochrane Handbook's level for heterogeneity).
A network contrast of two treatments that no trial compared head to head is indirect (verdict
at best "partly supported", one level down). Its inconsistency uses the network's I² and a
prediction interval estimate ± z·√(se² + τ²). The SWC of an SMD applies only to SMDs
standardised by a between-runner SD (post-test, or the pre-test SD of the network's effects);
for others it is "not applicable". Risk of bias is "not assessed" (no review in the package
prints it per result).
Grades: high · moderate · low · very low (Guyatt GH et al. 2008, BMJ 336:924,
doi:10.1136/bmj.39489.470347.AD). A claim's certainty is the lowest of its parts that have
evidence.

SMD → % conversions
-------------------
Only an SMD standardised by a between-runner post-test SD can be turned into a % change of
O2 cost with a between-runner CV (:func:`re_pct_from_smd` refuses anything else):
Balsalobre-Fernández 2016's SMDs (e.g. Støren −1.45 where the post-SD protocol gives −0.91)
would overstate the race-day gain about 1.6-fold.
"""
from __future__ import annotations

import functools
import html
import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from . import labels
from ..errors import InputError
from ..results import Result

__all__ = ["claims_ledger", "ClaimsLedger", "judge", "combine", "grade", "re_pct_from_smd",
           "register_part_function", "network_judgement", "PART_FUNCTIONS", "VERDICTS",
           "CERTAINTY"]

#: The verdict vocabulary, strongest support first.
VERDICTS = ("supported", "partly supported", "inconclusive", "not supported", "contradicted",
            "no evidence")
#: The certainty grades, highest first (GRADE).
CERTAINTY = ("high", "moderate", "low", "very low")
Z95 = 1.959963984540054
#: participants below which GRADE's optimal information size is taken as not met
MIN_PARTICIPANTS = 100
#: Egger test level for small-study effects (GRADE: "strongly suspected")
EGGER_ALPHA = 0.10
#: the runner and race of the sentences' race-time example
EXAMPLE_RACE = (10000.0, 2400.0)
#: level of the network's inconsistency tests (design-by-treatment, node-split) for certainty
INCOHERENCE_ALPHA = 0.10
#: SMD standardisers on which the SWC of 0.2 between-runner SD applies
BETWEEN_RUNNER_SD = ("post_sd", "pre_sd")
#: where certainty starts, by design (4 = high ... 1 = very low)
DESIGN_START = {"controlled": 4, "within_trial": 3, "uncontrolled": 2, "association": 2}


# ----------------------------------------------------------------------------- the rule
def _benefit_space(lo, hi, sign):
    return (-hi, -lo) if sign == "-" else (lo, hi)


def judge(ci_lb, ci_ub, expected_sign, swc=None, indirect=False):
    """The verdict of one part of a claim (see the module docstring for the rule).

    Parameters
    ----------
    ci_lb, ci_ub : float
        95 % CI on the part's scale (NaN: no interval in the data).
    expected_sign : {"-", "+", "0"}
        The sign the claim predicts; "0" = no (worthwhile) effect.
    swc : float, optional
        Smallest worthwhile change on the same scale (positive), or None.
    indirect : bool
        Evidence indirect for the part: "supported" becomes "partly supported".

    Returns
    -------
    (verdict, reason) : (str, str)
    """
    if expected_sign not in ("-", "+", "0"):
        raise InputError("expected_sign", f"is '-', '+' or '0', got {expected_sign!r}")
    if swc is not None and not (np.isfinite(swc) and swc > 0):
        raise InputError("swc", f"is a positive number or None, got {swc!r}")
    lo, hi = float(ci_lb), float(ci_ub)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive", "no confidence interval in the data"
    if lo > hi:
        raise InputError("ci_lb", f"the interval [{lo}, {hi}] has its lower bound above the upper")
    if expected_sign == "0":
        if swc is None:
            if lo > 0 or hi < 0:
                v, r = "not supported", "CI excludes zero (no SWC on this scale)"
            else:
                v, r = ("inconclusive", "CI includes zero but no SWC on this scale: absence of "
                        "evidence is not evidence of absence")
        elif -swc < lo and hi < swc:
            v, r = "supported", f"CI within ±SWC ({swc:g})"
        elif lo >= swc or hi <= -swc:
            v, r = "contradicted", f"CI wholly beyond the SWC ({swc:g})"
        elif lo > 0 or hi < 0:
            v, r = "not supported", "CI excludes zero"
        else:
            v, r = "inconclusive", f"CI includes zero but reaches beyond ±SWC ({swc:g})"
    else:
        b_lo, b_hi = _benefit_space(lo, hi, expected_sign)
        if b_lo > 0:
            v, r = "supported", "CI excludes zero in the claimed direction"
        elif b_hi < 0:
            v, r = "contradicted", "CI excludes zero in the opposite direction"
        elif swc is not None and b_hi < swc:
            v, r = "not supported", f"CI rules out a worthwhile effect (SWC {swc:g})"
        else:
            v, r = "inconclusive", "CI includes zero"
    if indirect and v == "supported":
        v, r = "partly supported", r + "; evidence indirect"
    return v, r


def combine(verdicts):
    """Combine the part verdicts of one claim (rule in the module docstring)."""
    vs = list(verdicts)
    bad = [v for v in vs if v not in VERDICTS]
    if bad:
        raise InputError("verdicts", f"unknown verdict(s) {bad}; use {VERDICTS}")
    if not vs or all(v == "no evidence" for v in vs):
        return "no evidence"
    if all(v == "supported" for v in vs):
        return "supported"
    if any(v in ("supported", "partly supported") for v in vs):
        return "partly supported"
    for v in ("contradicted", "not supported"):
        if v in vs:
            return v
    return "inconclusive"


def grade(*, design="controlled", ci_lb=np.nan, ci_ub=np.nan, expected_sign="-", swc=None,
          k=None, n=None, I2=None, pi_lb=None, pi_ub=None, egger_p=None, k_es=None,
          indirect="", risk_of_bias="", words_only=False, incoherence=""):
    """GRADE-style certainty of one part: ``(grade, reasons)`` (rule in the module docstring).

    Parameters
    ----------
    design : {"controlled", "within_trial", "uncontrolled", "association"}
        Where certainty starts (high, moderate, low, low).
    ci_lb, ci_ub : float
        95 % CI (NaN: none in the data).
    expected_sign : {"-", "+", "0"}
    swc : float or None
    k : int, optional
        Studies (trials) behind the estimate.
    n : int, optional
        Participants.
    I2 : float, optional
        I² in percent.
    pi_lb, pi_ub : float, optional
        95 % prediction interval.
    egger_p : float, optional
        p-value of Egger's regression test (only used when ``k_es >= 10``).
    k_es : int, optional
        Effect sizes behind the estimate.
    indirect : str
        Why the evidence is indirect ("" = direct).
    risk_of_bias : str
        A review's printed judgement of serious risk of bias ("" = not assessed).
    words_only : bool
        The source states the result in words only (one more level down).
    incoherence : str
        Why a network estimate is incoherent (a design-by-treatment or node-split test with
        p < ``INCOHERENCE_ALPHA``; "" = none): one level down.
    """
    if design not in DESIGN_START:
        raise InputError("design", f"is one of {sorted(DESIGN_START)}, got {design!r}")
    level = DESIGN_START[design]
    reasons = {"controlled": [],
               "within_trial": ["starts moderate: effect modification within trials (the same "
                                "runners at several speeds; speed not randomised)"],
               "uncontrolled": ["starts low: uncontrolled within-group change"],
               "association": ["starts low: an association (between-study moderator or "
                               "correlation)"]}[design]
    if risk_of_bias:
        level -= 1
        reasons.append("risk of bias: " + risk_of_bias)
    else:
        reasons.append("risk of bias not assessed")
    if words_only:
        level -= 1
        reasons.append("imprecision: printed as words without numbers")
    lo, hi = float(ci_lb), float(ci_ub)
    few = (k is not None and k <= 1) or (n is not None and np.isfinite(n) and n < MIN_PARTICIPANTS)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        level -= 1
        reasons.append("imprecision: no confidence interval in the data")
    else:
        crossed = []
        if expected_sign == "0":
            if swc is not None:
                crossed += ["−SWC"] if lo < -swc else []
                crossed += ["+SWC"] if hi > swc else []
            elif lo <= 0 <= hi:
                crossed.append("zero")
        else:
            b_lo, b_hi = _benefit_space(lo, hi, expected_sign)
            if b_lo <= 0 <= b_hi:
                crossed.append("zero")
            if swc is not None and b_lo < swc < b_hi:
                crossed.append("the SWC")
        down = min(2, len(crossed))
        if crossed:
            reasons.append("imprecision: 95 % CI crosses " + " and ".join(crossed))
        if few and down < 2:
            down += 1
            reasons.append("imprecision: " + ("a single trial" if k is not None and k <= 1
                                              else f"fewer than {MIN_PARTICIPANTS} participants")
                           + (f" (n = {int(n)})" if n is not None and np.isfinite(n) else ""))
        level -= down
    incons = []
    if I2 is not None and np.isfinite(I2) and I2 >= 50:
        incons.append(f"I² = {I2:.0f} %")
    if (pi_lb is not None and pi_ub is not None and np.isfinite(pi_lb) and np.isfinite(pi_ub)
            and np.isfinite(lo) and np.isfinite(hi) and not (lo <= 0 <= hi)
            and pi_lb <= 0 <= pi_ub):
        incons.append(f"95 % prediction interval {_m(pi_lb)} to {_m(pi_ub)} includes zero")
    if incons:
        level -= 1
        reasons.append("inconsistency: " + ", ".join(incons))
    if incoherence:
        level -= 1
        reasons.append("incoherence: " + incoherence)
    if indirect:
        level -= 1
        reasons.append("indirectness: " + indirect)
    if k_es is not None and k_es >= 10 and egger_p is not None and np.isfinite(egger_p):
        if egger_p < EGGER_ALPHA:
            level -= 1
            reasons.append(f"small-study effects: Egger test p = {egger_p:.2g}")
        else:
            reasons.append(f"no sign of small-study effects (Egger p = {egger_p:.2f})")
    return CERTAINTY[4 - max(level, 1)], reasons


# ----------------------------------------------------------------------------- conversions
def re_pct_from_smd(smd, *, standardiser, cv="trained_lab"):
    """% change of O2 cost from an SMD of running economy, refusing a mismatched standardiser.

    ``%Δ = 100 · SMD · CV`` (:func:`runecon.physiology.smd_to_re_change_pct`) holds only when
    the SMD was standardised by the between-runner SD the CV describes: the post-test SD
    (Llanos-Lagos 2024a protocol, ``standardiser="post_sd"``).

    Parameters
    ----------
    smd : float or array
    standardiser : str
        The SD the SMD was standardised by, as recorded in the data (``standardiser``
        column of pooled / reported_effects, or "post_sd" for runecon's review-protocol
        refits).
    cv : str or float

    Raises
    ------
    InputError
        ``standardiser`` is not "post_sd" (e.g. Balsalobre-Fernández 2016: "unknown"; its
        Støren 2008 SMD is −1.45 where the post-SD protocol gives −0.91).
    """
    from ..physiology import smd_to_re_change_pct

    if standardiser != "post_sd":
        raise InputError("standardiser", f"an SMD standardised by {standardiser!r} cannot be "
                         "converted with a between-runner CV; use an SMD standardised by the "
                         "post-test between-runner SD (standardiser='post_sd', e.g. the "
                         "Llanos-Lagos 2024a protocol re-fit).")
    return smd_to_re_change_pct(smd, cv=cv)


def _race_seconds(pct):
    """Seconds over 10 km for a 40-minute runner for a % change of O2 cost (di Prampero
    energy balance, t' = (1 + %/100)·t; doi:10.1007/BF02343797)."""
    from ..physiology import predict_race_times

    d, t = EXAMPLE_RACE
    f = predict_race_times(race=(d, t), re_change_pct=float(pct), models=("diprampero",),
                           distances={"10 km": d}).to_frame()
    return float(f["delta_s"].iloc[0])


# ----------------------------------------------------------------------------- parts
#: name -> function(part: dict, ctx: _Context) -> dict of numbers (estimate, ci_lb, ci_ub and
#: optionally pi_lb, pi_ub, k, k_es, n, I2, egger_p, standardiser, model, evidence, source).
PART_FUNCTIONS: dict[str, Callable] = {}


def register_part_function(name: str, func: Callable) -> None:
    """Register ``func(part, ctx) -> dict`` as a computation claim parts can name
    (``how = function``, ``function = name`` in data/claim_parts.csv); e.g. a network
    meta-analysis contrast."""
    if not name or not callable(func):
        raise InputError("func", "give a name and a callable")
    PART_FUNCTIONS[name] = func


class _Context:
    """The tables one ledger is computed from (cached per call)."""

    def __init__(self, data_dir=None):
        from .data import load

        self.data_dir = data_dir
        self.claims = load("claims", data_dir=data_dir)
        self.parts = load("claim_parts", data_dir=data_dir)
        self.swc = load("swc", data_dir=data_dir).set_index("swc_id")
        self.pooled = load("pooled", data_dir=data_dir).set_index("pooled_id")
        self.outcomes = load("outcomes", data_dir=data_dir)
        self._comp = {}
        self._speed = {}
        self._net = {}

    def _packaged(self):
        if self.data_dir is not None:
            raise InputError("data_dir", "re-fits read the packaged arm data; set "
                             "RUNECON_DATA to use another data folder")

    def comparisons(self, outcome, review):
        key = (outcome, review)
        if key not in self._comp:
            from .comparisons import comparisons

            self._packaged()
            self._comp[key] = comparisons(outcome, review=review)
        return self._comp[key]

    def speed(self, outcome, review, methods, contrast):
        """:func:`runecon.speed_slopes` on the review's comparisons (cached)."""
        key = (outcome, review, methods, contrast)
        if key not in self._speed:
            from .speed import speed_slopes

            self._speed[key] = speed_slopes(self.comparisons(outcome, review), outcome=outcome,
                                            review=review, methods=methods, contrast=contrast)
        return self._speed[key]

    def network(self, outcome):
        """The training-method network of ``outcome`` (:func:`runecon.method_network`,
        REML, median condition) and its arm table (cached)."""
        if outcome not in self._net:
            import warnings

            from .networks import method_arms, method_network

            self._packaged()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # arms without SDs: reported by comparisons()
                self._net[outcome] = (method_network(outcome, method=NETWORK_METHOD,
                                                     condition=NETWORK_CONDITION),
                                      method_arms(outcome, condition=NETWORK_CONDITION))
        return self._net[outcome]


def _participants(d):
    """Participants behind comparisons: intervention arms once, each control arm once."""
    ints = d.drop_duplicates(["study_id", "group_id"])["n1"].sum()
    cons = d.drop_duplicates(["study_id", "control_id"])["n2_printed"].sum()
    return int(ints + cons)


def _subset(d, part):
    s = str(part.get("subset", "") or "")
    if not s:
        return d
    m = re.fullmatch(r"\s*([a-z_0-9]+)\s*==\s*(.+?)\s*", s)
    if not m or m.group(1) not in d.columns:
        raise InputError("subset", f"part {part['part_id']}: '{s}' is not 'column==value' over "
                         f"the comparisons' columns")
    col, val = m.groups()
    x = d[col]
    if pd.api.types.is_numeric_dtype(x):
        return d[x.astype(float) == float(val)]
    return d[x.astype(str) == val]


def _review(part):
    ev = str(part["evidence"])
    if not ev.startswith("outcomes:") or ";" in ev:
        raise InputError("evidence", f"part {part['part_id']}: a re-fit needs one "
                         "'outcomes:<review_id>' reference, got {ev!r}")
    return ev.split(":", 1)[1]


def _fit(d, mods=None):
    """The review's model: three-level REML with t-tests when a cluster (training group) holds
    several effects, else the two-level REML model with t-tests (Llanos-Lagos 2024a)."""
    from ..meta.models import rma
    from ..meta.multilevel import rma_mv

    yi, vi = d["yi"].to_numpy(float), d["vi"].to_numpy(float)
    if d["cluster"].duplicated().any():
        return rma_mv(yi, vi, cluster=d["cluster"].to_numpy(), mods=mods, test="t",
                      lrt=False), "three-level REML"
    return rma(yi, vi, mods=mods, test="t"), "two-level REML"


def _egger(d):
    from ..meta.models import rma
    from ..meta.smallstudy import regtest

    if len(d) < 10:
        return np.nan
    return float(regtest(rma(d["yi"].to_numpy(float), d["vi"].to_numpy(float))).pval)


def _ids(d):
    return ";".join("outcomes:" + str(r) for r in d["record_id"].astype(str).unique())


def _part_refit(part, ctx):
    review = _review(part)
    c = ctx.comparisons(part["outcome"], review)
    d = _subset(c[c["method"] == part["method"]], part)
    if len(d) == 0:
        return {}
    fit, kind = _fit(d)
    pr = fit.predict()
    I2 = getattr(fit, "I2_total", None) if kind.startswith("three") else fit.I2
    return dict(estimate=float(np.ravel(fit.beta)[0]), ci_lb=float(np.ravel(fit.ci_lb)[0]),
                ci_ub=float(np.ravel(fit.ci_ub)[0]), pi_lb=float(np.ravel(pr.pi_lb)[0]),
                pi_ub=float(np.ravel(pr.pi_ub)[0]), k=int(d["study_id"].nunique()),
                k_es=len(d), n=_participants(d), I2=I2, egger_p=_egger(d),
                standardiser="post_sd", model=f"{kind}, re-fitted", evidence=_ids(d),
                source=labels.study(review) + " data")


def _part_contrast(part, ctx):
    review = _review(part)
    c = ctx.comparisons(part["outcome"], review)
    a, b = part["method"], part["contrast"]
    d = _subset(c[c["method"].isin([a, b])], part)
    if (d["method"] == a).sum() == 0 or (d["method"] == b).sum() == 0:
        return {}
    x = (d["method"] == a).to_numpy(float)
    fit, kind = _fit(d, mods=x)
    return dict(estimate=float(fit.beta[1]), ci_lb=float(fit.ci_lb[1]),
                ci_ub=float(fit.ci_ub[1]), k=int(d["study_id"].nunique()), k_es=len(d),
                n=_participants(d), standardiser="post_sd",
                model=f"{kind} meta-regression on method, re-fitted", evidence=_ids(d),
                source=labels.study(review) + " data")


def _part_trial(part, ctx):
    review = _review(part)
    c = ctx.comparisons(part["outcome"], review)
    d = _subset(c[c["method"] == part["method"]], part)
    if len(d) != 1:
        if len(d) == 0:
            return {}
        raise InputError("subset", f"part {part['part_id']}: a trial part needs exactly one "
                         f"comparison, found {len(d)}")
    y, v = float(d["yi"].iloc[0]), float(d["vi"].iloc[0])
    return dict(estimate=y, ci_lb=y - Z95 * math.sqrt(v), ci_ub=y + Z95 * math.sqrt(v), k=1,
                k_es=1, n=_participants(d), standardiser="post_sd",
                model="between-group Hedges g (review protocol), 95 % CI g ± 1.96·√v",
                evidence=_ids(d), source=labels.study(str(d["study_id"].iloc[0])))


def _refs(part, table):
    out = []
    for e in str(part["evidence"]).split(";"):
        t, _, key = e.strip().partition(":")
        if t != table:
            raise InputError("evidence", f"part {part['part_id']}: expected '{table}:<id>' "
                             f"references, got {e!r}")
        out.append(key)
    return out


def _heterogeneity_I2(text):
    """I² (%) from a printed heterogeneity cell: 'I2 = 61%', 'I2 <0.001', or
    Q(df)=x -> I² = max(0, (Q - df)/Q) (Higgins & Thompson 2002, doi:10.1002/sim.1186)."""
    t = str(text or "")
    m = re.search(r"I2\s*[=<]\s*([0-9.]+)", t)
    if m:
        return float(m.group(1))
    m = re.search(r"Q\((\d+)\)\s*=\s*([0-9.]+)", t)
    if m:
        df, q = float(m.group(1)), float(m.group(2))
        return max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return None


def _pooled_row(ctx, pid, part):
    if pid not in ctx.pooled.index:
        raise InputError("evidence", f"part {part['part_id']}: no pooled row {pid!r}")
    return ctx.pooled.loc[pid]


def _int(x):
    return None if x is None or x is pd.NA or (isinstance(x, float) and not np.isfinite(x)) \
        else int(x)


def _part_pooled(part, ctx):
    (pid,) = _refs(part, "pooled")
    r = _pooled_row(ctx, pid, part)
    est, lo, hi = float(r["estimate"]), float(r["ci_lb"]), float(r["ci_ub"])
    metric = str(r["metric"])
    std = str(r.get("standardiser", "") or "")
    out = dict(k=_int(r["k"]), k_es=_int(r["k_es"]), n=_int(r["n"]),
               I2=_heterogeneity_I2(r["heterogeneity"]), standardiser=std,
               model=f"{metric}, as printed", evidence="pooled:" + pid,
               source=labels.study(str(r["review_id"])))
    if metric == "z" or metric.startswith("z statistic"):
        out.update(estimate=est, ci_lb=est - Z95, ci_ub=est + Z95, z=est)
    else:
        out.update(estimate=est, ci_lb=lo, ci_ub=hi)
    return out


def _part_pooled_diff(part, ctx):
    a, b = (_pooled_row(ctx, p, part) for p in _refs(part, "pooled"))
    for r in (a, b):
        if not np.isfinite([r["estimate"], r["ci_lb"], r["ci_ub"]]).all():
            return {}
    se = math.hypot((a["ci_ub"] - a["ci_lb"]) / (2 * Z95), (b["ci_ub"] - b["ci_lb"]) / (2 * Z95))
    est = float(a["estimate"] - b["estimate"])
    return dict(estimate=est, ci_lb=est - Z95 * se, ci_ub=est + Z95 * se,
                standardiser=str(a.get("standardiser", "") or ""),
                model="difference of two printed subgroup estimates (SE from the CIs)",
                evidence=str(part["evidence"]),
                source=labels.study(str(a["review_id"])))


def _part_change(part, ctx):
    from scipy import stats

    (rid,) = _refs(part, "outcomes")
    o = ctx.outcomes
    r = o[(o["record_id"] == rid) & (o["timepoint"] == "change")]
    if len(r) != 1:
        raise InputError("evidence", f"part {part['part_id']}: no change row {rid!r}")
    r = r.iloc[0]
    m, sd, n = float(r["pct_change"]), float(r["pct_change_sd"]), _int(r["n"])
    out = dict(estimate=m, k=1, k_es=1, n=n, evidence="outcomes:" + rid,
               model="within-group mean change, 95 % CI mean ± t(n−1)·SD/√n (derived)",
               source=labels.study(str(r["study_id"])))
    if np.isfinite(m) and np.isfinite(sd) and n is not None and n >= 2:
        h = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        out.update(ci_lb=m - h, ci_ub=m + h)
    return out


def _part_statement(part, ctx):
    (rid,) = _refs(part, "outcomes")
    r = ctx.outcomes[ctx.outcomes["record_id"] == rid].iloc[0]
    return dict(estimate=np.nan, k=1, n=_int(r["n"]), evidence="outcomes:" + rid,
                model=f"printed as words: '{r['printed']}'",
                source=labels.study(str(r["study_id"])))


def _speed_within(part, ctx):
    """The within-group speed slope of one method (``contrast`` empty), or the difference of
    within-group slopes ``method`` minus ``contrast`` (:func:`runecon.speed_slopes`: speed
    centred within each training group, three-level REML, t-tests). The between-group slope
    is reported in the model text. The difference of two methods' slopes is indirect
    (a comparison across trials) unless every trial behind it trained both methods."""
    review = _review(part)
    m, other = part["method"], str(part.get("contrast", "") or "")
    res = ctx.speed(part["outcome"], review, (m,) + ((other,) if other else ()),
                    (other, m) if other else None)
    t = res.table.set_index("method")
    d = res.data[res.data["method"].isin([m] + ([other] if other else []))]
    indirect = ""
    if other:
        c = res.contrast
        if c is None:
            return {}
        est, lo, hi = c["estimate"], c["ci_lb"], c["ci_ub"]
        model = (f"difference of within-group speed slopes, {labels.method(m)} minus "
                 f"{labels.method(other)} (one three-level REML model, t-tests, "
                 f"{c['groups']} training groups); "
                 + "; ".join(_between_text(t.loc[x], labels.method(x)) for x in (m, other)))
        # each slope is within groups, but the methods differ between trials unless every
        # trial trained both: then the difference of slopes is a comparison across trials
        both = int((d.groupby("study_id")["method"].nunique() > 1).sum())
        k = int(d["study_id"].nunique())
        if both < k:
            indirect = (f"{both} of {k} trials trained both methods: the difference of the "
                        "slopes is a comparison across trials")
    else:
        r = t.loc[m]
        if not np.isfinite(r["within_estimate"]):
            return {}
        est, lo, hi = r["within_estimate"], r["within_ci_lb"], r["within_ci_ub"]
        model = (f"within-group speed slope (speed centred within {int(r['groups'])} training "
                 f"groups, {int(r['groups_several_speeds'])} tested at several speeds; "
                 f"three-level REML, t-tests); " + _between_text(r, ""))
    return dict(estimate=float(est), ci_lb=float(lo), ci_ub=float(hi),
                k=int(d["study_id"].nunique()), k_es=len(d), n=_participants(d),
                model=model, evidence=_ids(d), source=labels.study(review) + " data",
                indirect=indirect)


def _between_text(r, who):
    """'between-group slope b (95 % CI lo to hi); within minus between d, p = p'."""
    return (f"{who + ' ' if who else ''}between-group slope {_m(r['between_estimate'], 3)} "
            f"(95 % CI {_m(r['between_ci_lb'], 3)} to {_m(r['between_ci_ub'], 3)}), within "
            f"minus between {_m(r['diff_estimate'], 3)} (p = {r['diff_pval']:.2g})")


def network_judgement(net, treat1, treat2):
    """Numbers and GRADE-style flags of one contrast of a network meta-analysis.

    Parameters
    ----------
    net : NetmetaResult
    treat1, treat2 : str
        The contrast ``treat1`` minus ``treat2`` (league table).

    Returns
    -------
    dict
        ``estimate, ci_lb, ci_ub`` (league), ``pi_lb, pi_ub`` (estimate ± z·√(se² + τ²),
        as the network's prediction intervals), ``I2`` (the network's, %), ``direct``
        (trials comparing the two head to head), ``indirect`` (the reason when there are
        none: the contrast rests on indirect evidence only), ``incoherence`` (the reason
        when the incoherence test that applies has p < ``INCOHERENCE_ALPHA``, "" otherwise:
        the pair's node-split when it has direct and indirect evidence; the design-by-treatment
        test of the network (random effects; between designs for "FE") when it has indirect
        evidence only; none when it has direct evidence only), ``model`` (text).
    """
    from scipy import stats

    c = net.compare(treat1, treat2)
    z = float(stats.norm.ppf(0.5 + net.level / 200.0))
    tau2 = net.tau2 if np.isfinite(net.tau2) else 0.0
    half = z * math.sqrt(c["se"] ** 2 + tau2)
    pair = {treat1, treat2}
    e = net.edges
    direct = int(e.loc[[{a, b} == pair for a, b in zip(e["treat1"], e["treat2"])], "k"].sum())
    ns = net.nodesplit
    ns = ns[[{a, b} == pair for a, b in zip(ns["treat1"], ns["treat2"])]]
    inc = net.inconsistency
    glob = ((inc["Q_inc"], inc["df_inc"], inc["pval_inc"]) if net.method != "FE"
            else (inc["Q_between"], inc["df_between"], inc["pval_between"]))
    glob_txt = (f"design-by-treatment interaction Q = {glob[0]:.2f} (df {glob[1]}), "
                f"p = {glob[2]:.2g}")
    incoherence = ""
    if len(ns):
        sp = float(ns["pval"].iloc[0])
        evidence = f"{direct} trial{'s' if direct != 1 else ''} head to head and indirect evidence"
        test_txt = (f"node-split direct {_m(float(ns['direct'].iloc[0]))} vs indirect "
                    f"{_m(float(ns['indirect'].iloc[0]))}, p = {sp:.2g}")
        if sp < INCOHERENCE_ALPHA:
            incoherence = test_txt
    elif direct:
        evidence = (f"{direct} trial{'s' if direct != 1 else ''} head to head, no independent "
                    "indirect evidence")
        test_txt = "no incoherence to assess"
    else:
        evidence = "no trial head to head: indirect evidence only"
        test_txt = glob_txt
        if np.isfinite(glob[2]) and glob[2] < INCOHERENCE_ALPHA:
            incoherence = glob_txt + " (the pair rests on indirect evidence only)"
    who = f"{labels.method(treat1)} and {labels.method(treat2)}"
    indirect = ("" if direct else f"no trial compared {who.lower()} head to head: the network "
                "estimate rests on indirect evidence only")
    model = (f"{_NETWORK_MODEL[net.method]} network meta-analysis, {labels.method(treat1)} "
             f"minus {labels.method(treat2)} ({evidence}; {net.k} trials, "
             f"{len(net.treatments)} treatments, {len(net.multiarm)} multi-arm trials; "
             f"τ² = {net.tau2:.3g}); {test_txt}")
    return dict(estimate=c["estimate"], ci_lb=c["ci_lb"], ci_ub=c["ci_ub"],
                pi_lb=c["estimate"] - half, pi_ub=c["estimate"] + half, I2=float(net.I2),
                direct=direct, indirect=indirect, incoherence=incoherence, model=model)


_NETWORK_MODEL = {"REML": "random-effects (REML)", "DL": "random-effects (moment estimator)",
                  "FE": "common-effect"}
#: the training-method network the ledger reads (runecon.method_network)
NETWORK_METHOD = "REML"
NETWORK_CONDITION = "median"


def _network(part, ctx):
    """A league contrast of the training-method network: ``method`` minus ``contrast``
    (``control`` when empty), :func:`runecon.method_network` (REML, median test speed),
    judged with :func:`network_judgement`."""
    t1, t2 = part["method"], str(part.get("contrast", "") or "") or "control"
    net, arms = ctx.network(part["outcome"])
    if t1 not in net.treatments or t2 not in net.treatments:
        return {}
    out = network_judgement(net, t1, t2)
    # trials behind the contrast: those with an arm of either treatment other than the
    # network's reference (its arms elsewhere inform the contrast only through other nodes)
    own = {t1, t2} - {net.reference}
    trials = arms.groupby("study_id")["method"].agg(set)
    used = trials.index[[bool(own & s) for s in trials]]
    a = arms[arms["study_id"].isin(used)]
    out.update(k=len(used), k_es=None, n=int(a["n"].sum()), standardiser="pre_sd",
               evidence=";".join("studies:" + s for s in used),
               source=f"network meta-analysis of {net.k} trials, package arm data")
    return out


register_part_function("speed_within", _speed_within)
register_part_function("network", _network)

_HOW = {"refit": _part_refit, "contrast": _part_contrast, "trial": _part_trial,
        "pooled": _part_pooled, "pooled_diff": _part_pooled_diff, "change": _part_change,
        "statement": _part_statement}


def _compute_part(part, ctx):
    how = part["how"]
    if how == "none":
        return {}
    if how == "function":
        f = PART_FUNCTIONS.get(part["function"])
        if f is None:
            raise InputError("function", f"part {part['part_id']}: no registered part function "
                             f"{part['function']!r}; known: {sorted(PART_FUNCTIONS)}")
        return f(part, ctx)
    return _HOW[how](part, ctx)


# ----------------------------------------------------------------------------- sentences
def _m(x, d=2):
    """A number with a real minus sign."""
    return f"{x:.{d}f}".replace("-", "\u2212")


def _numbers(p):
    """'g −0.27 (95 % CI −0.52 to −0.02)' on the part's scale."""
    est, lo, hi, scale = p["estimate"], p["ci_lb"], p["ci_ub"], p["scale"]
    if scale == "z" and np.isfinite(est):
        from scipy import stats

        return f"z = {_m(est)} (p = {2 * stats.norm.sf(abs(est)):.2g})"
    if not np.isfinite(est):
        return p.get("model", "no number")
    ci = (f" (95 % CI {_m(lo)} to {_m(hi)})" if np.isfinite(lo) and np.isfinite(hi) else "")
    name = {"smd": "g", "rr": "RR", "r": "r", "slope_kmh": "slope per km/h",
            "slope_vo2max": "slope per ml/kg/min", "slope_sessions": "slope per weekly session",
            "pct": ""}.get(scale, "")
    if scale == "smd" and (p.get("how") in ("contrast", "pooled_diff")
                           or str(p.get("contrast", "") or "") not in ("", "control")):
        name = "difference in g"
    if scale.startswith("slope") and str(p.get("contrast", "") or ""):
        name = "difference in " + name
    if scale == "pct":
        ci = (f" (95 % CI {_m(lo, 1)} to {_m(hi, 1)} %)" if np.isfinite(lo) and
              np.isfinite(hi) else "")
        return f"{_m(est, 1)} %{ci}"
    d = 3 if scale.startswith("slope") else 2
    if d == 3 and np.isfinite(lo):
        ci = f" (95 % CI {_m(lo, 3)} to {_m(hi, 3)})"
    return f"{name} {_m(est, d)}{ci}".strip()


def _n(x):
    """An integer count or None (NaN, None, <NA> -> None)."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return int(x) if np.isfinite(x) else None


def _count(p):
    k, kes, n = _n(p.get("k")), _n(p.get("k_es")), _n(p.get("n"))
    bits = []
    if kes and kes > 1:
        bits.append(f"{kes} effects")
    if k and k > 1:
        bits.append(f"{k} studies")
    if n:
        bits.append(f"n = {n}")
    return ", ".join(bits)


def _re_phrase(p):
    """The oxygen-cost sentence of an SMD of running economy on the post-SD scale."""
    pct, lo, hi = (float(re_pct_from_smd(x, standardiser="post_sd"))
                   for x in (p["estimate"], p["ci_lb"], p["ci_ub"]))
    secs = _race_seconds(pct)
    m = str(p.get("method", "") or "")
    who = f"{labels.method(m)} training" if m and m != "nan" else "Strength training"
    src = p["source"].replace(" data", "")
    cnt = _count(p)
    if hi < 0:
        what = (f"lowered the oxygen cost of running by about {-pct:.1f} % (95 % CI "
                f"{-hi:.1f}–{-lo:.1f} %; {cnt}, {src})")
    else:
        what = (f"changed the oxygen cost of running by {_m(pct, 1)} % (95 % CI {_m(lo, 1)} to "
                f"{_m(hi, 1)} %; {cnt}, {src})")
    mins = EXAMPLE_RACE[1] / 60
    return (f"{who} {what} — about {abs(secs):.0f} s "
            f"{'faster' if secs < 0 else 'slower'} over 10 km for a {mins:.0f}-minute runner, "
            f"assuming a 6 % between-runner CV")


def _part_phrase(p, check=False):
    if (not check and p["scale"] == "smd" and p["outcome"] == "running_economy"
            and p.get("standardiser") == "post_sd" and p["how"] in ("refit", "pooled")
            and p["expected_sign"] == "-" and np.isfinite(p["ci_lb"])):
        return _re_phrase(p) + f" [{p['verdict']}]"
    if p["how"] == "none":
        return f"{p['part']}: nothing in the data [no evidence]"
    cnt = _count(p)
    src = p.get("source", "")
    extra = "; ".join(x for x in (cnt, src) if x)
    what = (f"{_METHOD_WORDS.get((p['how'], p.get('function', '')), p['how'])} "
            f"({labels.outcome(p['outcome']).lower()})" if check else p["part"])
    return f"{what}: {_numbers(p)}{' (' + extra + ')' if extra else ''} [{p['verdict']}]"


#: how a check part is introduced in a sentence
_METHOD_WORDS = {("contrast", ""): "the method-as-moderator comparison across trials",
                 ("function", "network"): "the network meta-analysis",
                 ("refit", ""): "the re-fit of the direct trials",
                 ("function", "speed_within"): "the within-group speed slope"}


# ----------------------------------------------------------------------------- ledger
@dataclass(frozen=True, eq=False)
class ClaimsLedger(Result):
    """The claims ledger (frozen): ``frame`` one row per claim, ``parts`` one row per part.

    Print it for a readable block; ``to_frame()`` is the per-claim table,
    ``to_markdown()`` the table written by ``runecon figures`` as ``claims_ledger.md``.
    """

    frame: pd.DataFrame
    parts: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def counts(self) -> pd.Series:
        """Claims per verdict, in the vocabulary's order."""
        return self.frame["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)

    def __str__(self):
        lines = [f"Claims ledger: {len(self.frame)} claims, {len(self.parts)} parts", ""]
        lines += [f"  {v}: {c}" for v, c in self.counts().items()]
        for _, r in self.frame.iterrows():
            lines += ["", f"{r['claim_id']} · {r['verdict'].upper()} · certainty: "
                      f"{r['certainty']}", f"  claim: {r['claim']}",
                      f"  {r['sentence']}"]
        return "\n".join(lines)

    def __repr__(self):
        return (f"ClaimsLedger({len(self.frame)} claims: "
                + ", ".join(f"{c} {v}" for v, c in self.counts().items() if c) + ")")

    def _repr_html_(self):
        cols = ["claim_id", "claim", "verdict", "certainty", "sentence"]
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in cols)
                       + "</tr>" for _, r in self.frame.iterrows())
        head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in cols)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def to_markdown(self) -> str:
        """A Markdown table of the ledger (claim, article, verdict, certainty, sentence,
        reasons)."""
        def cell(x):
            return str(x).replace("|", "\\|").replace("\n", " ")

        lines = ["| claim | article | verdict | certainty | what the evidence shows | reasons |",
                 "|---|---|---|---|---|---|"]
        for _, r in self.frame.iterrows():
            lines.append("| " + " | ".join(cell(x) for x in (
                f"{r['claim_id']}: {r['claim']}", r["article"].split(" · ")[0], r["verdict"],
                r["certainty"], r["sentence"], r["reasons"])) + " |")
        arts = sorted(set(self.frame["article"]))
        return "\n".join(lines + ["", "Articles:", ""] + [f"- {a}" for a in arts]) + "\n"


PART_COLUMNS = ["part_id", "claim_id", "part", "role", "outcome", "how", "function", "method",
                "contrast", "scale", "expected_sign", "design", "estimate", "ci_lb", "ci_ub",
                "pi_lb", "pi_ub", "k", "k_es", "n", "I2", "egger_p", "swc", "standardiser",
                "model", "evidence", "source", "verdict", "verdict_reason", "certainty",
                "certainty_reasons", "indirect", "incoherence", "direct"]
LEDGER_COLUMNS = ["claim_id", "claim", "article", "outcome", "direction", "evidence",
                  "lead_part", "scale", "estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
                  "verdict", "certainty", "reasons", "sentence"]


def _swc(ctx, part):
    sid = str(part.get("swc_id", "") or "")
    if not sid:
        return None
    row = ctx.swc.loc[sid]
    scale = part["scale"]
    if row["scale"] == "log_rr" and scale == "rr":
        return float(row["value"])
    if row["scale"] != scale:
        raise InputError("swc_id", f"part {part['part_id']}: SWC {sid!r} is on the scale "
                         f"{row['scale']!r}, the part on {scale!r}")
    return float(row["value"])


def _judged(part, ctx):
    p = dict(part)
    nums = dict(_compute_part(part, ctx))
    # a function may add an indirectness reason (e.g. no head-to-head trial in a network)
    indirect = "; ".join(x for x in (str(part.get("indirect", "") or ""),
                                     str(nums.pop("indirect", "") or "")) if x)
    p.update({c: np.nan for c in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "I2",
                                  "egger_p")})
    p.update(k=None, k_es=None, n=None, standardiser="", model="", source="", evidence="",
             incoherence="", direct=None)
    p.update(nums)
    p["indirect"] = indirect
    swc = _swc(ctx, part)
    swc_note = ""
    if (swc is not None and part["scale"] == "smd"
            and p.get("standardiser") not in BETWEEN_RUNNER_SD):
        # the SWC of 0.2 SD is on the between-runner scale; another standardiser is not
        swc, swc_note = None, (f"SWC not applicable: SMD standardised by "
                               f"'{p.get('standardiser') or 'not recorded'}'")
    p["swc"] = np.nan if swc is None else swc
    if part["how"] == "none" or not nums:
        p.update(verdict="no evidence", verdict_reason=part.get("note", "") or
                 "nothing in the data", certainty="", certainty_reasons="")
        return p
    lo, hi = p["ci_lb"], p["ci_ub"]
    if part["scale"] == "rr":      # judged on the log scale, where the SWC lives
        lo, hi = (math.log(x) if np.isfinite(x) and x > 0 else np.nan for x in (lo, hi))
    v, why = judge(lo, hi, part["expected_sign"], swc=swc, indirect=bool(indirect))
    if part["scale"] == "z":
        why += " (z statistic ± 1.96)"
    g, reasons = grade(design=part["design"] or "controlled", ci_lb=lo, ci_ub=hi,
                       expected_sign=part["expected_sign"], swc=swc, k=p["k"], n=p["n"],
                       I2=p["I2"] if p["I2"] is not None else np.nan, pi_lb=p["pi_lb"],
                       pi_ub=p["pi_ub"], egger_p=p["egger_p"], k_es=p["k_es"],
                       indirect=indirect,
                       risk_of_bias=str(part.get("risk_of_bias", "") or ""),
                       words_only=part["how"] == "statement",
                       incoherence=str(p.get("incoherence", "") or ""))
    if part["scale"] == "z":
        reasons.append("imprecision vs the SWC not assessable: only a z statistic is in the data")
    if swc_note:
        reasons.append(swc_note)
    if part["how"] == "statement":
        v, why = "inconclusive", "printed as words without numbers"
    p.update(verdict=v, verdict_reason=why, certainty=g, certainty_reasons="; ".join(reasons))
    return p


_CHECK = re.compile(r"check of (C[0-9]{2}[a-z])")


def _check_roles(parts):
    """Every part is a verdict part or the check of a verdict part of the same claim."""
    ids = parts.set_index("part_id")
    for _, r in parts.iterrows():
        role = r["role"]
        if role == "verdict":
            continue
        m = _CHECK.fullmatch(str(role))
        if not m:
            raise InputError("role", f"claim_parts part {r['part_id']}: role is 'verdict' or "
                             f"'check of <part_id>', got {role!r}")
        target = m.group(1)
        if (target not in ids.index or ids.loc[target, "claim_id"] != r["claim_id"]
                or ids.loc[target, "role"] != "verdict"):
            raise InputError("role", f"claim_parts part {r['part_id']}: {role!r} must name a "
                             f"verdict part of claim {r['claim_id']}")


@functools.lru_cache(maxsize=4)
def _ledger_cached(data_dir, version):
    ctx = _Context(data_dir)
    known = set(ctx.claims["claim_id"])
    unknown = sorted(set(ctx.parts["claim_id"]) - known)
    if unknown:
        raise InputError("claim_parts", f"parts of unknown claims {unknown}")
    parts = pd.DataFrame([_judged(r, ctx) for r in ctx.parts.to_dict("records")])
    for c in PART_COLUMNS:
        if c not in parts.columns:
            parts[c] = np.nan
    parts = parts[PART_COLUMNS]
    _check_roles(parts)
    rows = []
    for cl in ctx.claims.to_dict("records"):
        allp = parts[parts["claim_id"] == cl["claim_id"]]
        if len(allp) == 0:
            raise InputError("claim_parts", f"claim {cl['claim_id']} has no parts: add at least "
                             "one row (how = none when the data hold nothing)")
        ps = allp[allp["role"] == "verdict"]
        checks = allp[allp["role"] != "verdict"]
        verdict = combine(ps["verdict"])
        graded = ps[ps["certainty"].isin(CERTAINTY)]
        certainty = (CERTAINTY[max(CERTAINTY.index(g) for g in graded["certainty"])]
                     if len(graded) else "not applicable")
        lead = ps[np.isfinite(ps["estimate"].astype(float))]
        lead = lead.iloc[0] if len(lead) else ps.iloc[0]
        reasons = "; ".join(
            r["part_id"]
            + (f" ({r['role']}, not in the verdict)" if r["role"] != "verdict" else "")
            + f": {r['verdict']} ({r['verdict_reason']})"
            + (f", certainty {r['certainty']}: {r['certainty_reasons']}" if r["certainty"] else "")
            + (f"; model: {r['model']}" if r["how"] == "function" and r["model"] else "")
            for _, r in allp.iterrows())
        phrases = "; ".join(_part_phrase(r) for r in ps.to_dict("records"))
        if len(checks):
            phrases += ". Checked against " + "; ".join(
                _part_phrase(r, check=True) for r in checks.to_dict("records"))
        sentence = f"{verdict.capitalize()}. {phrases}; certainty: {certainty}."
        ev = ";".join(e for e in ps["evidence"].astype(str) if e and e != "nan")
        rows.append(dict(claim_id=cl["claim_id"], claim=cl["claim"], article=cl["article"],
                         outcome=cl["outcome"], direction=cl["direction"], evidence=ev,
                         lead_part=lead["part_id"], scale=lead["scale"],
                         estimate=lead["estimate"], ci_lb=lead["ci_lb"], ci_ub=lead["ci_ub"],
                         pi_lb=lead["pi_lb"], pi_ub=lead["pi_ub"], verdict=verdict,
                         certainty=certainty, reasons=reasons, sentence=sentence))
    return ClaimsLedger(pd.DataFrame(rows, columns=LEDGER_COLUMNS), parts)


def claims_ledger(data_dir=None) -> ClaimsLedger:
    """Judge every claim of ``data/claims.csv`` by the rule of this module.

    Parameters
    ----------
    data_dir : path, optional
        A data folder (default: the packaged data).

    Returns
    -------
    ClaimsLedger
        ``to_frame()``: one row per claim with ``claim_id, claim, article, outcome,
        direction, evidence`` (the data rows used), ``lead_part, scale, estimate, ci_lb,
        ci_ub, pi_lb, pi_ub`` (the first verdict part with a number), ``verdict, certainty``
        (from the verdict parts), ``reasons, sentence`` (every part, checks marked);
        ``parts``: one row per part with its ``role``, numbers and judgement.

    Notes
    -----
    Verdict rule, certainty rule and SWC sources: see the module docstring.
    """
    return _ledger_cached(None if data_dir is None else str(data_dir), _version(data_dir))


def _version(data_dir):
    import hashlib
    from pathlib import Path

    from .. import config

    d = Path(data_dir) if data_dir else Path(config.DATA_DIR)
    h = hashlib.sha256()
    for p in sorted(d.glob("*.csv")) + [d / "datapackage.json"]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
