"""The training-method network: the data package's arms as a network meta-analysis.

:func:`method_arms` builds the arm table (one condition per trial, arms of one method
combined) and :func:`method_network` fits it with :func:`runecon.meta.netmeta.netmeta`. The
engine itself (``runecon.meta.netmeta``) knows nothing of the data package; these two
functions are the evidence's use of it (they lived in ``runecon.netmeta`` before the folders).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._checks import one_of as _one_of
from ..errors import InputError
from ..meta.netmeta import combine_arms, netmeta
from ._armdata import arm_table
from .comparisons import DEFAULT_CHOICES, IMPROVEMENT_NEGATIVE

#: how one condition per trial is chosen when arms were tested at several speeds
CONDITIONS = ("median", "slowest", "fastest")


def method_arms(outcome, condition="median", corrected=True):
    """Arm table of the training-method network: one row per trial × method.

    Built from the data package's arm data (the same rows as :func:`runecon.comparisons`,
    ``runecon.load("outcomes")`` paired pre/post and ``runecon.load("groups")`` for the
    method), with two rules written down here:

    * **One condition per trial.** Most trials tested every arm at several speeds; their
      effects are correlated (same runners) by an unknown amount. The network uses one
      condition per trial, among those measured in every arm, chosen in advance by
      ``condition``: ``"median"`` (the middle intensity; the lower middle for an even
      count), ``"slowest"`` or ``"fastest"``. Intensity is the mean %VO2max printed for the
      condition, else the speed in km/h, else the order of the conditions. The median keeps
      one effect per arm pair without assuming a between-speed correlation and without
      favouring slow or fast speeds (the speed question is :func:`runecon.speed_slopes`').
    * **Arms of the same method in one trial** (Štohanzl 2018 plyometric_1/_2, Machado 2019,
      Filipas 2023 and its two controls) are combined into one arm with the Cochrane
      Handbook formulas (:func:`combine_arms`, pre and post separately): the network
      compares methods, and two arms of one method share the trial's control.

    Signs are oriented as :func:`runecon.comparisons`: where a higher value is the
    improvement (e.g. time to exhaustion) pre and post means are negated, so a negative
    contrast means the first method improved the outcome more.

    Returns
    -------
    pandas.DataFrame
        ``study_id``, ``method``, ``n``, ``pre_mean``, ``pre_sd``, ``post_mean``,
        ``post_sd`` (oriented), ``condition`` (label), ``intensity``, ``n_conditions``
        (conditions common to all arms), ``n_arms`` (arms combined), ``groups``.
    """
    _one_of("condition", condition, CONDITIONS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # arms without pre/post SDs: reported by comparisons()
        a = arm_table(outcome, corrected=corrected)
    if a.empty:
        raise InputError("outcome", f"no arm data for outcome {outcome!r}")
    a = a.copy()
    a["cond"] = a["condition"].astype(str).str.rsplit(":", n=1).str[-1]
    inten = pd.to_numeric(a.get("pct_vo2max"), errors="coerce")
    if inten.isna().all():
        inten = pd.to_numeric(a.get("speed_kmh"), errors="coerce")
    a["intensity"] = inten
    flip = a["outcome"].isin(IMPROVEMENT_NEGATIVE) & a["higher_is_better"].astype(bool)
    for c in ("pre_mean", "post_mean"):
        a[c] = np.where(flip, -a[c], a[c])
    keep = []
    for sid, g in a.groupby("study_id", sort=False):
        groups = list(dict.fromkeys(g["group_id"]))
        common = [c for c in dict.fromkeys(g["cond"])
                  if set(g.loc[g["cond"] == c, "group_id"]) == set(groups)]
        if not common or g["method"].nunique() < 2:
            continue
        order = sorted(range(len(common)), key=lambda i: (
            np.nan_to_num(g.loc[g["cond"] == common[i], "intensity"].mean(), nan=np.inf), i))
        pick = {"median": order[(len(order) - 1) // 2], "slowest": order[0],
                "fastest": order[-1]}[condition]
        rows = g[g["cond"] == common[pick]].copy()
        rows["n_conditions"] = len(common)
        rows["groups"] = rows.groupby("method")["group_id"].transform(lambda s: ", ".join(s))
        keep.append(rows)
    if not keep:
        raise InputError("outcome", f"no trial of {outcome!r} has two methods at a common "
                                    "condition")
    arms = pd.concat(keep, ignore_index=True)
    arms = combine_arms(arms, ["study_id", "method"], means=("pre_mean", "post_mean"),
                        sds=("pre_sd", "post_sd"))
    cols = ["study_id", "method", "n", "pre_mean", "pre_sd", "post_mean", "post_sd", "cond",
            "intensity", "n_conditions", "n_arms", "groups", "outcome"]
    return arms[cols].rename(columns={"cond": "condition"})


def method_network(outcome, method="REML", condition="median", corrected=True, **choices):
    """Network meta-analysis of training methods for one outcome (``"running_economy"``,
    ``"running_performance"``, ...) from :func:`method_arms`.

    Effects are runecon's default standardised difference in change (as
    :func:`runecon.comparisons`: pooled pre-test SD, exact J, Morris variance, ri = 0.5;
    override with ``**choices``), reference ``"control"``, negative = the first method
    improved the outcome more.

    Returns
    -------
    NetmetaResult
    """
    ch = {k: DEFAULT_CHOICES[k] for k in ("standardiser", "correction", "variance", "ri")}
    unknown = set(choices) - set(ch)
    if unknown:
        raise InputError(sorted(unknown)[0], f"unknown choice; valid: {sorted(ch)}")
    ch.update(choices)
    arms = method_arms(outcome, condition=condition, corrected=corrected)
    return netmeta(arms, study="study_id", treat="method", n="n", pre_mean="pre_mean",
                   pre_sd="pre_sd", post_mean="post_mean", post_sd="post_sd", measure="SMD",
                   reference="control", method=method, small_values="good", **ch)
