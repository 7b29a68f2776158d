"""Between-group effect sizes per comparison, derived from the arm data: ``comparisons()``.

An *arm table* has one row per study × group × outcome × condition (speed or measure) with
pre and post mean and SD; :func:`pair_arms` pairs every intervention arm with its control
arm at the same condition and computes the standardised difference in change with
:func:`runecon.effects.escalc_prepost`. :func:`comparisons` builds the arm table from the
data package (``runecon.load``), applies or ignores the correction rows, and calls
:func:`pair_arms` with the choices of a review protocol or runecon's default.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import one_of as _one_of
from ..meta.effects import STANDARDISERS, escalc_prepost
from ..errors import InputError

__all__ = ["comparisons", "pair_arms", "PROTOCOLS", "DEFAULT_CHOICES", "ARM_COLUMNS"]

#: columns an arm table must have (moderator columns are passed through when present)
ARM_COLUMNS = ("study_id", "group_id", "method", "n", "outcome", "condition",
               "higher_is_better", "pre_mean", "pre_sd", "post_mean", "post_sd")
#: moderator columns copied from the intervention arm when present
MODERATORS = ("record_id", "measure", "unit", "speed_kmh", "speed_reported", "pct_vo2max", "relative_to_at",
              "speed_category", "training_level", "vo2max", "weeks", "sessions_per_week",
              "sex", "group_code", "study_label")
#: outcomes where a lower value after training is the improvement after orientation:
#: effects are oriented so that a negative yi means the intervention improved the outcome
#: more than the control (lower energy cost, faster time, longer time to exhaustion).
IMPROVEMENT_NEGATIVE = {"running_economy", "time_trial", "tte", "distance_trial",
                        "running_performance", "sprint"}

#: runecon's own default choices (documented in :func:`comparisons`)
DEFAULT_CHOICES = dict(standardiser="pooled_pre", correction="exact", variance="morris",
                       ri=0.5, split_control="same_method", cluster="study")

#: review protocols as the re-analysis of the review established
#: (data/sources/llanoslagos2024_checks.md, sections (c)-(e))
PROTOCOLS = {
    "llanoslagos2024a": dict(standardiser="post", correction="exact", variance="bh", ri=None,
                             split_control="same_method", cluster="group"),
    "llanoslagos2024b": dict(standardiser="post", correction="exact", variance="bh", ri=None,
                             split_control="same_method", cluster="group"),
}
_SPLITS = ("same_method", "all", "none")
_CLUSTERS = ("study", "group")


def _orientation(outcome, higher_is_better):
    """+1 or -1 per row so that the oriented effect follows the convention above."""
    hib = np.asarray(higher_is_better, dtype=bool)
    if outcome in IMPROVEMENT_NEGATIVE:
        return np.where(hib, -1.0, 1.0)          # higher = better -> flip
    return np.ones(hib.shape[0])                   # capacities (VO2max...): raw direction


def _method_codes():
    """Allowed method codes: the enum of ``groups.method`` in data/datapackage.json."""
    from .data import schema

    (field,) = [f for f in schema("groups")["fields"] if f["name"] == "method"]
    return tuple(field["constraints"]["enum"])


def pair_arms(arms, *, standardiser="post", correction="exact", variance="bh", ri=None,
              split_control="same_method", cluster="study", orient=True):
    """Pair intervention and control arms and compute one effect size per comparison.

    Parameters
    ----------
    arms : pandas.DataFrame
        Arm table with the columns in :data:`ARM_COLUMNS` (``method == "control"`` marks
        control arms; ``condition`` is the speed or measure at which the arms are compared;
        ``outcome`` one outcome code; ``higher_is_better`` bool). Optional ``control_id``:
        the group_id of an arm's control. Without it, a study with one control arm pairs
        every intervention arm with it; a study with as many control as intervention arms
        pairs them in order of appearance; otherwise an error.
    standardiser, correction, variance, ri :
        Passed to :func:`runecon.effects.escalc_prepost`.
    split_control : {"same_method", "all", "none"}
        A control shared by several intervention arms at the same condition has its n
        divided by the number of those arms of the same method ("same_method", Cochrane
        Handbook 6.4 §23.3.4 style splitting as in Llanos-Lagos 2024a), by all of them
        ("all"), or kept ("none").
    cluster : {"study", "group"}
        ``cluster`` column: the study, or study + intervention group (each intervention
        group its own cluster, as the Llanos-Lagos forest plots).
    orient : bool
        Orient the sign so that negative = improvement for running economy and performance
        outcomes (see ``IMPROVEMENT_NEGATIVE``); capacities keep the raw direction.

    Returns
    -------
    pandas.DataFrame
        One row per comparison: ``study_id``, ``cluster``, ``es_id``, ``group_id``,
        ``control_id``, ``method``, ``outcome``, ``condition``, moderators, ``n1``, ``n2``
        (after splitting), ``n2_printed``, the four means and SDs, ``yi``, ``vi``, and the
        choices (``standardiser``, ``correction``, ``variance``, ``ri``, ``flip``,
        ``split_control``).
    """
    missing = [c for c in ARM_COLUMNS if c not in arms.columns]
    if missing:
        raise InputError("arms", f"arm table lacks columns {missing}")
    _one_of("split_control", split_control, _SPLITS)
    _one_of("cluster", cluster, _CLUSTERS)
    _one_of("standardiser", standardiser, STANDARDISERS)
    a = arms.reset_index(drop=True).copy()
    methods = _method_codes()
    unknown = ~a["method"].isin(methods)
    if unknown.any():   # a typo would otherwise make an arm a non-control silently
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError("arms", f"row {i}: method {a['method'][i]!r} (study "
                                 f"{a['study_id'][i]!r}, group {a['group_id'][i]!r}) is not "
                                 f"one of {list(methods)}")
    a["_order"] = np.arange(len(a))
    is_con = a["method"].eq("control")

    # which control does each intervention group use (per study)
    control_of = {}
    for sid, grp in a.groupby("study_id", sort=False):
        ints = list(dict.fromkeys(grp.loc[~is_con[grp.index], "group_id"]))
        cons = list(dict.fromkeys(grp.loc[is_con[grp.index], "group_id"]))
        if "control_id" in grp.columns and grp["control_id"].notna().any():
            for _, row in grp.loc[~is_con[grp.index]].iterrows():
                control_of[(sid, row["group_id"])] = row["control_id"]
        elif len(cons) == 1:
            control_of.update({(sid, g): cons[0] for g in ints})
        elif len(cons) == len(ints) and cons:
            control_of.update({(sid, g): c for g, c in zip(ints, cons)})
        elif ints:
            raise InputError("arms", f"study {sid!r}: cannot tell which of the control arms "
                                     f"{cons} belongs to intervention arms {ints}; add a "
                                     "control_id column")

    key = ["study_id", "outcome", "condition"]
    cons = a.loc[is_con].set_index(["study_id", "group_id", "outcome", "condition"])
    if cons.index.duplicated().any():
        dup = cons.index[cons.index.duplicated()][0]
        raise InputError("arms", f"control arm appears twice at the same condition: {dup}")
    ints = a.loc[~is_con].copy()
    if ints.empty:
        raise InputError("arms", "no intervention arms")
    ints["control_id"] = [control_of.get((s, g)) for s, g in
                          zip(ints["study_id"], ints["group_id"])]
    rows = []
    for _, r in ints.iterrows():
        k = (r["study_id"], r["control_id"], r["outcome"], r["condition"])
        if k not in cons.index:
            raise InputError("arms", f"no control arm for study {r['study_id']!r}, group "
                                     f"{r['group_id']!r}, outcome {r['outcome']!r} at "
                                     f"condition {r['condition']!r}")
        rows.append(cons.loc[k])
    con = pd.DataFrame(rows).reset_index(drop=True)
    ints = ints.reset_index(drop=True)

    # split a shared control's n
    share = ints.groupby(key + ["control_id"])["group_id"].transform("nunique")
    share_m = ints.groupby(key + ["control_id", "method"])["group_id"].transform("nunique")
    divisor = {"same_method": share_m, "all": share, "none": 1}[split_control]
    n2 = con["n"].to_numpy(dtype=float) / np.asarray(divisor, dtype=float)

    flip = np.zeros(len(ints), dtype=bool)
    if orient:
        for out_code, idx in ints.groupby("outcome").groups.items():
            flip[idx] = _orientation(out_code, ints.loc[idx, "higher_is_better"]) < 0
    es = escalc_prepost(
        m1i_pre=ints["pre_mean"], sd1i_pre=ints["pre_sd"], m1i_post=ints["post_mean"],
        sd1i_post=ints["post_sd"], n1i=ints["n"], m2i_pre=con["pre_mean"],
        sd2i_pre=con["pre_sd"], m2i_post=con["post_mean"], sd2i_post=con["post_sd"], n2i=n2,
        ri=ri, standardiser=standardiser, correction=correction, variance=variance,
        flip=flip)

    out = pd.DataFrame({"study_id": ints["study_id"]})
    out["cluster"] = (ints["study_id"].astype(str) if cluster == "study"
                      else ints["study_id"].astype(str) + "/" + ints["group_id"].astype(str))
    cond_idx = ints.groupby(["study_id", "group_id", "outcome"]).cumcount() + 1
    out["es_id"] = (ints["study_id"].astype(str) + "/" + ints["group_id"].astype(str) + "/"
                    + ints["outcome"].astype(str) + "/" + cond_idx.astype(str))
    for c in ("group_id", "control_id", "method", "outcome", "condition"):
        out[c] = ints[c]
    for c in MODERATORS:
        if c in ints.columns:
            out[c] = ints[c]
    out["n1"] = ints["n"].to_numpy(dtype=float)
    out["n2"] = n2
    out["n2_printed"] = con["n"].to_numpy(dtype=float)
    for side, df in (("1", ints), ("2", con)):
        for c in ("pre_mean", "pre_sd", "post_mean", "post_sd"):
            out[f"{c}{side}"] = df[c].to_numpy(dtype=float)
    out["yi"] = es["yi"].to_numpy()
    out["vi"] = es["vi"].to_numpy()
    for c in ("standardiser", "correction", "variance", "ri", "flip"):
        out[c] = es[c].to_numpy()
    out["split_control"] = split_control
    return out


def comparisons(outcome, review=None, corrected=True, *, arms=None, **choices):
    """Between-group effect sizes for one outcome, one row per comparison.

    Parameters
    ----------
    outcome : str
        Outcome code of the data package: ``"running_economy"``, ``"tte"``,
        ``"time_trial"``, ``"running_performance"`` (time trials, time to exhaustion and
        distance tests together, as Llanos-Lagos 2024b), ``"vo2max"``, ``"vvo2max"``,
        ``"sprint"``...
    review : {None, "llanoslagos2024a", "llanoslagos2024b"}
        Follow a review's protocol and use only the arm data printed by that review:
        change scores standardised by the pooled post-test SD, exact Hedges J,
        Borenstein–Hedges variance ``J²(1/n1 + 1/n2 + d²/(2(n1+n2)))``, a shared control's
        n divided among the same-method arms, each intervention group its own cluster, and
        the sign oriented so that negative = improvement for economy and performance
        (reversed where higher is better, e.g. Turner's m/ml/kg). ``None``: runecon's own
        default (see Notes) on all arm data of the outcome.
    corrected : bool
        Apply the correction rows of the data package (SE printed as SD, misprinted
        cells...; default) or use the values as printed.
    arms : pandas.DataFrame, optional
        Use this arm table (columns :data:`ARM_COLUMNS`) instead of the data package, e.g.
        to add a study of your own.
    **choices
        Override any choice: ``standardiser``, ``correction``, ``variance``, ``ri``,
        ``split_control``, ``cluster``, ``orient`` (see :func:`pair_arms`).

    Returns
    -------
    pandas.DataFrame
        See :func:`pair_arms`; plus ``review`` and ``corrected``.

    Notes
    -----
    runecon's default (``review=None``) is Morris (2008)'s recommended d_ppc2: difference
    in mean change divided by the pooled pre-test SD, exact J (Hedges 1981), the Morris
    (2008, eq. 25) sampling variance with an imputed pre-post correlation ``ri = 0.5``
    (a conventional value; check the sensitivity of conclusions to it), control n split
    among same-method arms, one cluster per study. Morris SB (2008) Organ Res Methods
    11:364-386, doi:10.1177/1094428106291059; Borenstein et al. (2009) Introduction to
    Meta-Analysis, doi:10.1002/9780470743386; Hedges LV (1981) J Educ Stat 6:107-128,
    doi:10.3102/10769986006002107. The Llanos-Lagos protocol is documented in
    ``data/sources/llanoslagos2024_checks.md`` (sections c-e) and
    validation/README.md.
    """
    if review is not None and review not in PROTOCOLS:
        raise InputError("review", f"unknown review {review!r}; known: {sorted(PROTOCOLS)}")
    opts = dict(PROTOCOLS[review] if review else DEFAULT_CHOICES)
    unknown = set(choices) - set(opts) - {"orient"}
    if unknown:
        raise InputError(sorted(unknown)[0], "unknown choice; valid: "
                                             f"{sorted(set(opts) | {'orient'})}")
    opts.update(choices)
    if arms is None:
        from ._armdata import arm_table
        arms = arm_table(outcome, review=review, corrected=corrected)
    else:
        arms = arms[arms["outcome"] == outcome] if "outcome" in arms.columns else arms
    if len(arms) == 0:
        raise InputError("outcome", f"no arm data for outcome {outcome!r}"
                                    + (f" in review {review!r}" if review else ""))
    if review == "llanoslagos2024b":
        # that review does not meta-analyse submaximal-only groups (checks, section e)
        arms = arms[arms["method"] != "submaximal"]
    out = pair_arms(arms, **opts)
    out["review"] = review
    out["corrected"] = bool(corrected)
    return out
