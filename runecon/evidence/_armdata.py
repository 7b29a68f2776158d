"""Arm tables for :func:`runecon.comparisons` from the data package (``runecon.load``)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InputError, RuneconWarning

#: outcome codes that stand for several outcome codes of the data package
OUTCOME_ALIASES = {"running_performance": ("time_trial", "tte", "distance_trial")}
_GROUP_MODERATORS = ("group_code", "training_level", "vo2max", "weeks", "sessions_per_week",
                     "sex")
_OUTCOME_MODERATORS = ("measure", "unit", "speed_reported", "speed_kmh", "speed_category",
                       "relative_to_at", "pct_vo2max")


def arm_table(outcome, review=None, corrected=True, data_dir=None):
    """One row per arm × condition with pre and post mean and SD, ready for pair_arms.

    Rows of ``outcomes`` are paired by ``record_id`` (pre and post); arms are matched to
    their control through ``comparison_key`` (``condition``) and ``groups.control_group_id``
    (``control_id``); ``method`` and moderators come from ``groups``. With ``review`` only
    that review's rows are used; without it, rows printed by a review are preferred and
    other sources of the same study and outcome are left out (the same runners measured
    twice would otherwise count twice). Arms without both pre and post mean and SD cannot
    give an effect size: they are left out with a :class:`RuneconWarning` naming them.
    """
    from .data import load

    wanted = OUTCOME_ALIASES.get(outcome, (outcome,))
    o = load("outcomes", corrected=corrected, data_dir=data_dir)
    g = load("groups", corrected=corrected, data_dir=data_dir)
    known = set(o["outcome"]) | set(OUTCOME_ALIASES)
    if outcome not in known:
        raise InputError("outcome", f"unknown outcome {outcome!r}; the data package has "
                                    f"{sorted(known)}")
    o = o[o["outcome"].isin(wanted) & o["comparison_key"].fillna("").ne("")]
    o = o[o["timepoint"].isin(["pre", "post"])]
    rid = o["review_id"].fillna("")
    if review is not None:
        o = o[rid == review]
    else:
        has_review = (rid != "").groupby([o["study_id"], o["outcome"]]).transform("any")
        o = o[(rid != "") | ~has_review]
    if o.empty:
        return pd.DataFrame()

    keys = ["record_id"]
    pre = o[o["timepoint"] == "pre"].set_index(keys)
    post = o[o["timepoint"] == "post"].set_index(keys)
    ids = [r for r in dict.fromkeys(o["record_id"]) if r in pre.index and r in post.index]
    complete = [r for r in ids if np.isfinite([pre.at[r, "mean"], pre.at[r, "sd"],
                                               post.at[r, "mean"], post.at[r, "sd"]]).all()]
    left_out = sorted(set(o["record_id"]) - set(complete))
    if left_out:
        warnings.warn(f"{len(left_out)} arm record(s) lack pre and post mean and SD and are "
                      f"left out: {', '.join(left_out[:8])}" + (" ..." if len(left_out) > 8
                                                                 else ""),
                      RuneconWarning, stacklevel=3)
    base = pre.loc[complete]
    arms = pd.DataFrame({
        "record_id": complete,
        "study_id": base["study_id"].to_numpy(),
        "group_id": base["group_id"].to_numpy(),
        "n": base["n"].to_numpy(dtype=float),
        "outcome": base["outcome"].to_numpy(),
        "condition": base["comparison_key"].to_numpy(),
        "higher_is_better": base["higher_is_better"].fillna(False).to_numpy(dtype=bool),
        "pre_mean": base["mean"].to_numpy(dtype=float),
        "pre_sd": base["sd"].to_numpy(dtype=float),
        "post_mean": post.loc[complete, "mean"].to_numpy(dtype=float),
        "post_sd": post.loc[complete, "sd"].to_numpy(dtype=float),
        "review_id": base["review_id"].to_numpy(),
    })
    for c in _OUTCOME_MODERATORS:
        if c in base.columns:
            arms[c] = base[c].to_numpy()
    gcols = ["study_id", "group_id", "method", "control_group_id",
             *[c for c in _GROUP_MODERATORS if c in g.columns]]
    arms = arms.merge(g[gcols], on=["study_id", "group_id"], how="left", validate="m:1")
    if arms["method"].isna().any():
        bad = arms.loc[arms["method"].isna(), ["study_id", "group_id"]].iloc[0]
        raise InputError("outcome", f"arm {bad['study_id']}/{bad['group_id']} has no row in "
                                    "groups (cannot tell its method)")
    arms = arms.rename(columns={"control_group_id": "control_id"})
    arms["control_id"] = arms["control_id"].replace("", np.nan)
    arms["n"] = arms["n"].fillna(pd.Series(np.nan, index=arms.index))
    return arms
