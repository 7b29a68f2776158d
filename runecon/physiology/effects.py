"""From a standardised mean difference (SMD) of running economy to a percentage, and back.

``%Δ ≈ SMD × SD_ref / mean = SMD × CV`` [D], where SD_ref must be the SD the SMD was
standardised by (between-subject post SD, pre SD and change-score SD give very different
numbers). Sign convention throughout runecon.physiology: RE is an oxygen *cost*, so a negative
SMD or a negative % change is an improvement (lower cost).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ._common import as_finite, scalar_or_array


@dataclass(frozen=True)
class CVPreset:
    """A coefficient of variation of RE (SD/mean) with its plausible range and source."""

    name: str
    cv: float
    cv_low: float
    cv_high: float
    source: str

    def __str__(self):
        return (f"{self.name}: CV {100 * self.cv:.1f} % (range {100 * self.cv_low:.1f}–"
                f"{100 * self.cv_high:.1f} %); {self.source}")


#: Named CV presets (physiology.md §5). The between-runner CVs are computed from published means
#: and SDs of lab studies (not a single paper); the test–retest CV is Saunders et al. 2004.
CV_PRESETS = {
    "trained_lab": CVPreset(
        "trained_lab", 0.06, 0.05, 0.07,
        "between-runner CV of RE in lab studies of trained runners ≈5–7 %, computed from "
        "published means and SDs (physiology.md §5); midpoint 6 %"),
    "mixed": CVPreset(
        "mixed", 0.10, 0.10, 0.10,
        "between-runner CV of RE ≈10 % in mixed (trained + untrained) samples, computed from "
        "published means and SDs (physiology.md §5)"),
    "test_retest": CVPreset(
        "test_retest", 0.024, 0.024, 0.024,
        "test–retest (within-runner) error of RE ≈2.4 %, Saunders PU et al. 2004, Sports Med "
        "34:465–485; use only for SMDs standardised by a within-subject SD"),
}


def cv_value(cv) -> float:
    """Resolve a CV given as a ``CV_PRESETS`` name or a fraction SD/mean in (0, 1).

    Parameters
    ----------
    cv : str or float
        A key of ``CV_PRESETS`` (e.g. ``"trained_lab"``) or a fraction such as 0.06.

    Returns
    -------
    float
        The between-runner coefficient of variation as a fraction.

    Notes
    -----
    Preset values and their sources: ``CV_PRESETS`` (physiology.md §5; Saunders PU et al.
    Sports Med 2004;34:465–485, doi:10.2165/00007256-200434070-00005).

    Raises
    ------
    InputError
        Unknown preset name or a fraction outside (0, 1) (argument ``cv``).
    """
    if isinstance(cv, str):
        if cv not in CV_PRESETS:
            raise InputError("cv", f"unknown preset {cv!r}; choose one of {tuple(CV_PRESETS)} "
                             "or pass a fraction such as 0.06.")
        return CV_PRESETS[cv].cv
    c = float(cv)
    if not (0 < c < 1):
        raise InputError("cv", f"is a fraction SD/mean in (0, 1) (0.06 = 6 %), got {cv!r}.")
    return c


def smd_to_re_change_pct(smd, cv="trained_lab"):
    """Percent change of RE (O2 cost) implied by an SMD: ``100 · SMD · CV``.

    Parameters
    ----------
    smd : float or array
        Standardised mean difference (negative = lower O2 cost = better economy).
    cv : str or float
        SD_ref/mean of the standardiser, a preset name of ``CV_PRESETS`` or a fraction.

    Returns
    -------
    float or ndarray
        Percent change of O2 cost (−1.6 = 1.6 % lower cost).

    Notes
    -----
    Derived [D] (physiology.md §5); Saunders PU et al. Sports Med 2004;34:465–485,
    doi:10.2165/00007256-200434070-00005, for the test–retest CV. Hedges' small-sample correction, if any, is already in ``smd``.
    """
    return scalar_or_array(100.0 * as_finite("smd", smd) * cv_value(cv))


def re_change_pct_to_smd(re_change_pct, cv="trained_lab"):
    """SMD implied by a percent change of RE: ``SMD = %Δ / (100 · CV)``.

    Parameters
    ----------
    re_change_pct : float or array
        Percent change of O2 cost (−5 = 5 % lower cost).
    cv : str or float
        ``CV_PRESETS`` name or SD_ref/mean as a fraction.

    Returns
    -------
    float or ndarray

    Notes
    -----
    Inverse of :func:`smd_to_re_change_pct`; derived [D] (physiology.md §5; CVs from
    Saunders et al. 2004, doi:10.2165/00007256-200434070-00005). Smallest worthwhile
    change ≈ 0.2 × between-subject SD, i.e. SMD 0.2.
    """
    return scalar_or_array(as_finite("re_change_pct", re_change_pct) / (100.0 * cv_value(cv)))


def saving_from_re_change_pct(re_change_pct):
    """Fractional saving x in O2 cost from a percent change of cost: ``x = -%Δ/100``.

    Parameters
    ----------
    re_change_pct : float or array
        Percent change of O2 cost, strictly between -100 and 100.

    Returns
    -------
    float or ndarray
        x (0.05 = 5 % lower cost), the input of :func:`speed_gain`.

    Notes
    -----
    If a paper reports economy as an *inverse* measure (e.g. m·ml⁻¹·kg⁻¹, higher is better) up
    by y %, the cost changes by 1/(1 + y) - 1: pass ``re_change_pct = 100·(1/(1 + y/100) - 1)``
    (physiology.md §1).
    """
    x = -as_finite("re_change_pct", re_change_pct) / 100.0
    if np.any(np.abs(x) >= 1):
        raise InputError("re_change_pct", "must lie strictly between -100 and 100 %.")
    return scalar_or_array(x)


__all__ = ["CVPreset", "CV_PRESETS", "cv_value", "smd_to_re_change_pct", "re_change_pct_to_smd",
           "saving_from_re_change_pct"]
