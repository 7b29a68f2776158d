"""Time to exhaustion (TTE) and the speed–duration curve: critical speed and power law.

A training study reports TTE at a fixed speed changing by a ratio r. What speed change does
that mean? It depends on the model of the speed–duration curve (physiology.md §4), so every
reading is selectable and every parameter (CS, D′, exponent) is an argument.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import as_finite, as_positive, scalar_or_array, warn_outside
from .daniels import VDOT_VALID_RANGE, daniels_fraction, daniels_speed_at_vo2
from .energetics import speed_gain

#: Riegel's exponent (t2 = t1 (d2/d1)^1.06), Riegel 1981 [P*].
RIEGEL_EXPONENT = 1.06
#: Power-law speed–duration exponent b in v = a·t^(-b), from Riegel: b = 1 - 1/1.06 ≈ 0.0566.
POWER_LAW_EXPONENT = 1.0 - 1.0 / RIEGEL_EXPONENT
#: Durations (min) over which CS and D′ are fitted to a Daniels–Gilbert curve: the overlap of
#: the hyperbolic model's validity (≈2–15 min; Jones & Vanhatalo 2017, Drake et al. 2024) and
#: the Daniels fraction curve's trusted range (≥5 min).
CS_FIT_DURATIONS_MIN = tuple(float(t) for t in np.linspace(5.0, 15.0, 11))
#: Billat et al. 1994, sub-elite men: VO2max 69.5 ml/kg/min, vVO2max 21.25 km/h, TTE at vVO2max
#: 404 ± 101 s (physiology.md §4 and §6).
BILLAT1994_VO2MAX = 69.5
BILLAT1994_VVO2MAX_KMH = 21.25
BILLAT1994_TTE_S = (404.0, 101.0)
#: Default critical speed (m/s) and D′ (m): no published D′ for trained runners was found, so
#: these are *derived* [D] by :func:`critical_speed_from_vdot` for VDOT = 69.5 (Billat 1994's
#: mean VO2max), i.e. a least-squares fit of d = CS·t + D′ to Daniels–Gilbert performances over
#: ``CS_FIT_DURATIONS_MIN``. Pass your runner's own values whenever you can.
DEFAULT_CS_MPS = 5.268
DEFAULT_D_PRIME_M = 263.0
#: Støren et al. 2008 (Med Sci Sports Exerc 40:1087–1092, doi:10.1249/MSS.0b013e318168da2f):
#: 8 weeks of maximal strength training, RE +5 %, TTE at maximal aerobic speed +21.3 %.
STOREN2008_TTE_RATIO = 1.213
STOREN2008_RE_SAVING = 0.05

TTE_MODELS = ("cs_scaled", "cs_only", "dprime_only", "power_law")


def critical_speed_from_vdot(vdot, durations_min=CS_FIT_DURATIONS_MIN):
    """Critical speed and D′ implied by the Daniels–Gilbert curve of a runner [D].

    For each duration T the Daniels distance is ``d = v·T`` with ``VO2(v) = VDOT·F(T)``
    (closed form); CS and D′ are the slope and intercept of the least-squares line d = CS·T + D′.

    Parameters
    ----------
    vdot : float or array
        VDOT, ml·kg⁻¹·min⁻¹.
    durations_min : sequence of float
        Durations (min) used in the fit; default ``CS_FIT_DURATIONS_MIN`` (5–15 min).

    Returns
    -------
    (cs_mps, d_prime_m) : tuple of float or ndarray

    Notes
    -----
    Derived from Daniels & Gilbert 1979 (no DOI) and the hyperbolic model of Jones & Vanhatalo
    2017, Sports Med 47 Suppl 1:65–78, doi:10.1007/s40279-017-0688-0.
    """
    v = as_positive("vdot", vdot)
    warn_outside("VDOT", v, *VDOT_VALID_RANGE, "ml/kg/min", "Daniels' VDOT tables")
    t = as_positive("durations_min", durations_min) * 60.0
    if t.size < 2:
        raise InputError("durations_min", "needs at least two durations to fit CS and D′.")
    speed = np.asarray(daniels_speed_at_vo2(v[..., None] * np.asarray(daniels_fraction(t / 60.0)))) / 60.0
    dist = speed * t
    tc = t - t.mean()
    cs = (dist * tc).sum(-1) / (tc * tc).sum()
    dp = dist.mean(-1) - cs * t.mean()
    return scalar_or_array(cs), scalar_or_array(dp)


def _check_cs(speed, cs, dp):
    cs = as_positive("cs_mps", cs)
    dp = as_positive("d_prime_m", dp)
    if np.any(speed <= cs):
        raise InputError("speed_mps", f"must exceed the critical speed cs_mps={np.min(cs):g} m/s: "
                         "TTE = D′/(v - CS) is undefined (infinite) at or below CS.")
    return cs, dp


def tte_to_speed(tte_ratio, speed_mps, cs_mps=DEFAULT_CS_MPS, d_prime_m=DEFAULT_D_PRIME_M,
                 model="cs_scaled", *, exponent=POWER_LAW_EXPONENT, duration_s=None):
    """Fractional speed change implied by a change of TTE at a fixed speed.

    Parameters
    ----------
    tte_ratio : float or array
        r = TTE after / TTE before at ``speed_mps`` (> 0; 1.213 = +21.3 %).
    speed_mps : float or array
        Speed of the TTE test, m/s. Must exceed ``cs_mps`` for the critical-speed readings.
    cs_mps : float
        Critical speed, m/s (default ``DEFAULT_CS_MPS``, derived, see module constants).
    d_prime_m : float
        D′, m (default ``DEFAULT_D_PRIME_M``, derived). Unused by ``"cs_scaled"`` and
        ``"power_law"``.
    model : {"cs_scaled", "cs_only", "dprime_only", "power_law"}
        * ``"cs_scaled"`` (default): the whole hyperbolic curve (CS and D′) scales by (1 + p),
          ``p = (r - 1)(v - CS) / (v + (r - 1)·CS)``, at every duration.
        * ``"cs_only"``: only CS changes, ``CS' = v - (v - CS)/r``.
        * ``"dprime_only"``: only D′ changes, ``D″ = r·D′``.
        * ``"power_law"``: v = a·t^(-b) with a scaled: ``p = r^b - 1``.
    exponent : float
        b of the power law (default ``POWER_LAW_EXPONENT`` = 1 - 1/1.06, Riegel).
    duration_s : float or array, optional
        For ``"cs_only"``/``"dprime_only"`` the speed change depends on the duration at which
        it is read; default the original TTE at ``speed_mps``, D′/(v - CS).

    Returns
    -------
    float or ndarray
        p, the fractional change in sustainable speed (0.011 = 1.1 % faster).

    Raises
    ------
    InputError
        ``speed_mps <= cs_mps`` (TTE undefined), non-positive ratio, CS, D′ or duration,
        unknown model.

    Notes
    -----
    Hyperbolic model TTE = D′/(v - CS): Monod & Scherrer 1965; Jones & Vanhatalo 2017, Sports
    Med 47 Suppl 1:65–78, doi:10.1007/s40279-017-0688-0; valid for ≈2–15 min (Drake et al. 2024,
    Eur J Appl Physiol 124:507–526). The readings are derived [D] (physiology.md §4). The
    small-change factor of ``"cs_scaled"`` is d ln T / d ln v = v/(v - CS) = 1 + CS·T/D′; Hinckson
    & Hopkins 2005 (Med Sci Sports Exerc 37:696–701) found ≈1 % power ~ 10–20 % TTE.
    """
    if model not in TTE_MODELS:
        raise InputError("model", f"unknown model {model!r}; choose one of {TTE_MODELS}.")
    r = as_positive("tte_ratio", tte_ratio)
    v = as_positive("speed_mps", speed_mps)
    if model == "power_law":
        b = as_finite("exponent", exponent)
        return scalar_or_array(r ** b - 1.0 + 0.0 * v)
    cs, dp = _check_cs(v, cs_mps, d_prime_m)
    if model == "cs_scaled":
        return scalar_or_array((r - 1.0) * (v - cs) / (v + (r - 1.0) * cs))
    t = dp / (v - cs) if duration_s is None else as_positive("duration_s", duration_s)
    if model == "cs_only":
        return scalar_or_array((v - cs) * (1.0 - 1.0 / r) / (cs + dp / t))
    return scalar_or_array((r - 1.0) * (dp / t) / (cs + dp / t))  # dprime_only


def tte_ratio_for_speed_gain(speed_gain_frac, speed_mps, cs_mps=DEFAULT_CS_MPS,
                             model="cs_scaled", *, exponent=POWER_LAW_EXPONENT):
    """Inverse of :func:`tte_to_speed`: the TTE ratio at ``speed_mps`` implied by a speed gain.

    Parameters
    ----------
    speed_gain_frac : float or array
        p, fractional gain of the whole speed–duration curve (0.03 = 3 %).
    speed_mps : float or array
        Speed of the TTE test, m/s (> ``cs_mps`` for ``"cs_scaled"``).
    cs_mps : float
        Critical speed, m/s.
    model : {"cs_scaled", "power_law"}
    exponent : float
        Power-law b (default Riegel's 1 - 1/1.06).

    Returns
    -------
    float or ndarray
        ``"cs_scaled"``: ``r = (1 + p)(v - CS) / (v - (1 + p)·CS)``, ``inf`` when the new
        critical speed (1 + p)·CS reaches v (no exhaustion at that speed any more);
        ``"power_law"``: ``r = (1 + p)^(1/b)``.

    Notes
    -----
    Derived [D] from the hyperbolic model (Jones & Vanhatalo 2017,
    doi:10.1007/s40279-017-0688-0) and the power law (physiology.md §4).
    """
    p = as_finite("speed_gain_frac", speed_gain_frac)
    v = as_positive("speed_mps", speed_mps)
    if model == "power_law":
        return scalar_or_array((1.0 + p) ** (1.0 / float(exponent)) + 0.0 * v)
    if model != "cs_scaled":
        raise InputError("model", "must be 'cs_scaled' or 'power_law'.")
    cs, _ = _check_cs(v, cs_mps, 1.0)
    den = v - (1.0 + p) * cs
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(den > 0, (1.0 + p) * (v - cs) / den, np.inf)
    return scalar_or_array(r)


def race_time_ratio_tte(tte_ratio, test_speed_mps, distance_m, cs_mps, d_prime_m, model,
                        exponent=POWER_LAW_EXPONENT):
    """Race-time ratio t'/t over a distance after a TTE change measured at one speed.

    Parameters
    ----------
    tte_ratio : float or array
        r, TTE after/before at ``test_speed_mps``.
    test_speed_mps : float
        Speed of the TTE test, m/s.
    distance_m : float or array
        Race distance, m (> r·D′ for the critical-speed readings).
    cs_mps, d_prime_m : float
        Critical speed (m/s) and D′ (m) before the change.
    model : {"cs_scaled", "cs_only", "dprime_only", "power_law"}
    exponent : float
        Power-law b.

    Returns
    -------
    float or ndarray
        t'/t, exact within each reading: ``"cs_scaled"`` (d/(1+p) - D′)/(d - D′);
        ``"cs_only"`` CS/CS'; ``"dprime_only"`` (d - r·D′)/(d - D′); ``"power_law"``
        r^(-b/(1-b)) (the shorter race is run at a higher speed on the same power law).

    Notes
    -----
    Derived [D] (physiology.md §4); Jones & Vanhatalo 2017, doi:10.1007/s40279-017-0688-0.
    """
    r = as_positive("tte_ratio", tte_ratio)
    d = as_positive("distance_m", distance_m)
    v = as_positive("test_speed_mps", test_speed_mps)
    if model == "power_law":
        b = float(exponent)
        return scalar_or_array(r ** (-b / (1.0 - b)) + 0.0 * d)
    cs, dp = _check_cs(v, cs_mps, d_prime_m)
    if np.any(d <= np.maximum(r, 1.0) * dp):
        raise InputError("distance_m", "must exceed D′ (times the TTE ratio) for the CS model.")
    if model == "cs_scaled":
        p = tte_to_speed(r, v, cs, dp, "cs_scaled")
        return scalar_or_array((d / (1.0 + p) - dp) / (d - dp))
    if model == "cs_only":
        return scalar_or_array(cs / (v - (v - cs) / r) + 0.0 * d)
    if model == "dprime_only":
        return scalar_or_array((d - r * dp) / (d - dp))
    raise InputError("model", f"unknown model {model!r}; choose one of {TTE_MODELS}.")


#: Grid of the Støren check: CS as a fraction of MAS, and TTE at MAS (s) = Billat 1994 mean
#: and mean ± 2 SD (202, 404, 606 s); D′ follows as TTE·(MAS - CS).
STOREN_CHECK_CS_FRACTIONS = (0.80, 0.825, 0.85, 0.875, 0.90, 0.925, 0.95)
STOREN_CHECK_TTE_S = (BILLAT1994_TTE_S[0] - 2 * BILLAT1994_TTE_S[1], BILLAT1994_TTE_S[0],
                      BILLAT1994_TTE_S[0] + 2 * BILLAT1994_TTE_S[1])


def storen_check(tte_ratio=STOREN2008_TTE_RATIO, re_saving=STOREN2008_RE_SAVING, *,
                 mas_mps=BILLAT1994_VVO2MAX_KMH / 3.6, cs_fraction=STOREN_CHECK_CS_FRACTIONS,
                 tte_at_mas_s=STOREN_CHECK_TTE_S, re_model="kipp2019", duration_s=None,
                 **speed_gain_kwargs):
    """Is a TTE gain at MAS consistent with an RE gain under the critical-speed model?

    For each (CS/MAS, TTE at MAS) in the grid: the speed gain implied by ``tte_ratio`` under
    each reading, the speed gain implied by ``re_saving`` (``speed_gain(..., re_model)`` at
    MAS), their ratio, and the TTE ratio the RE gain would imply under ``"cs_scaled"``
    (infinite when the new CS exceeds MAS).

    Parameters
    ----------
    tte_ratio : float
        Observed TTE ratio at MAS (default 1.213, Støren et al. 2008).
    re_saving : float
        Observed fractional saving in O2 cost (default 0.05, Støren et al. 2008).
    mas_mps : float
        Maximal aerobic speed, m/s (default 21.25 km/h, Billat et al. 1994 sub-elite mean).
    cs_fraction : sequence of float
        CS/MAS values of the grid (default 0.80–0.95).
    tte_at_mas_s : sequence of float
        TTE at MAS before training, s (default Billat 1994 mean ± 2 SD: 202, 404, 606 s).
    re_model : str
        Model of :func:`speed_gain` for the RE-implied gain.
    duration_s : float, optional
        Duration (s) at which the ``"cs_only"``/``"dprime_only"`` speed gains are read
        (default: the TTE at MAS of each grid row); there D′ matters.
    **speed_gain_kwargs
        Passed to :func:`speed_gain` (body size, ``saving_applies_to_drag``...).

    Returns
    -------
    pandas.DataFrame
        One row per grid point: ``cs_fraction, cs_mps, tte_at_mas_s, d_prime_m,
        gain_tte_cs_scaled, gain_tte_cs_only, gain_tte_dprime_only, gain_tte_power_law,
        gain_re, ratio_tte_to_re, tte_ratio_implied_by_re``. Gains are fractions.

    Notes
    -----
    Støren Ø et al. Med Sci Sports Exerc 2008;40:1087–1092, doi:10.1249/MSS.0b013e318168da2f.
    Billat V et al. 1994 (typical MAS and TTE). Jones & Vanhatalo 2017,
    doi:10.1007/s40279-017-0688-0. At the test speed itself the CS readings depend only on
    CS/MAS, so D′ (= TTE·(MAS - CS)) matters only through its documented range.
    """
    mas = float(as_positive("mas_mps", mas_mps))
    frac = as_positive("cs_fraction", cs_fraction)
    if np.any(frac >= 1):
        raise InputError("cs_fraction", "CS must be below MAS (fractions < 1).")
    tte = as_positive("tte_at_mas_s", tte_at_mas_s)
    f, t = (a.ravel() for a in np.meshgrid(frac, tte, indexing="ij"))
    cs = f * mas
    dp = t * (mas - cs)
    gains = {m: np.asarray(tte_to_speed(tte_ratio, mas, cs, dp, m, duration_s=duration_s))
             * np.ones_like(f)
             for m in TTE_MODELS}
    g_re = float(speed_gain(re_saving, mas, re_model, **speed_gain_kwargs))
    return pd.DataFrame({
        "cs_fraction": f, "cs_mps": cs, "tte_at_mas_s": t, "d_prime_m": dp,
        **{f"gain_tte_{m}": g for m, g in gains.items()},
        "gain_re": g_re, "ratio_tte_to_re": gains["cs_scaled"] / g_re,
        "tte_ratio_implied_by_re": np.asarray(tte_ratio_for_speed_gain(g_re, mas, cs)) * np.ones_like(f),
    })


__all__ = ["RIEGEL_EXPONENT", "POWER_LAW_EXPONENT", "CS_FIT_DURATIONS_MIN", "BILLAT1994_VO2MAX",
           "BILLAT1994_VVO2MAX_KMH", "BILLAT1994_TTE_S", "DEFAULT_CS_MPS", "DEFAULT_D_PRIME_M",
           "STOREN2008_TTE_RATIO", "STOREN2008_RE_SAVING", "TTE_MODELS",
           "STOREN_CHECK_CS_FRACTIONS", "STOREN_CHECK_TTE_S", "critical_speed_from_vdot",
           "tte_to_speed", "tte_ratio_for_speed_gain", "race_time_ratio_tte", "storen_check"]
