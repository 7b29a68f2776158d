"""From a saving in oxygen/energy cost to a gain in speed: Kipp 2019, Daniels, di Prampero.

All models answer one question: at the same sustainable metabolic rate, how much faster can a
runner go if the cost of running falls by a fraction x? They differ in how cost depends on speed.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._common import as_fraction, as_positive, bisect, scalar_or_array, warn_outside
from .daniels import daniels_vo2

#: Kipp et al. 2019 preferred gross VO2-speed curve (their Eq. 2, from Batliner et al. 2018),
#: coefficients (c0, c1, c2, c3) of ``VO2 = c0 + c1 v + c2 v² + c3 v³`` (ml/kg/min, v m/s) for a
#: 58 kg, 1.71 m runner running overground (c3 = air resistance after Pugh 1971).
KIPP2019_COEF = (15.661, 1.5354, 1.5355, 0.02724)
#: Body mass (kg) and height (m) of the runner the Kipp 2019 curve was scaled to.
KIPP2019_REFERENCE_BODY_MASS_KG = 58.0
KIPP2019_REFERENCE_HEIGHT_M = 1.71
#: Speeds (m/s) over which the Kipp 2019 curve is applied: Batliner et al. 2018 measured from
#: 1.78 m/s upwards; Kipp et al. apply it up to world-class marathon pace (~5.7 m/s), here rounded
#: up to 6.0 m/s. Outside this range a warning is raised.
KIPP2019_SPEED_RANGE_MPS = (1.78, 6.0)
#: Pugh's air-resistance oxygen cost: VO2_air (L/min) = 0.00354 · A_p · v³ (A_p m², v m/s);
#: Pugh 1971 as used by Kipp et al. 2019.
PUGH_AIR_VO2_L_MIN = 0.00354
#: Projected frontal area as a fraction of DuBois body surface area (A_p = 0.266·BSA); Pugh 1971.
FRONTAL_AREA_BSA_FRACTION = 0.266
#: DuBois & DuBois 1916 body surface area: BSA (m²) = 0.007184 · mass_kg^0.425 · height_cm^0.725.
DUBOIS_BSA_COEF = (0.007184, 0.425, 0.725)
#: Energy cost of flat constant-speed running without air resistance (J·kg⁻¹·m⁻¹);
#: di Prampero et al. 2005, J Exp Biol 208:2809.
DIPRAMPERO_COST_J_KG_M = 3.8
#: Air-resistance power per kg, ``0.4 · (BSA/BM) · v³`` (W/kg, v m/s); Péronnet & Thibault 1989,
#: J Appl Physiol 67:453–465, attributed to di Prampero.
PERONNET_AIR_COEF = 0.4

SPEED_GAIN_MODELS = ("kipp2019", "daniels", "diprampero", "diprampero_air")


#: Heights at or above this (m) are taken as a unit error (centimetres given for metres).
MAX_HEIGHT_M = 3.0


def body_surface_area_m2(body_mass_kg, height_m):
    """Body surface area (DuBois & DuBois 1916).

    Parameters
    ----------
    body_mass_kg : float or array
        Body mass, kg.
    height_m : float or array
        Height, m.

    Returns
    -------
    float or ndarray
        BSA in m², ``0.007184 · mass_kg^0.425 · height_cm^0.725`` (``DUBOIS_BSA_COEF``).

    Notes
    -----
    DuBois D, DuBois EF. Clinical calorimetry, tenth paper. Arch Intern Med 1916;17:863–871;
    used for the air term by Kipp et al. 2019 (doi:10.3389/fphys.2019.00079).
    """
    k, a, b = DUBOIS_BSA_COEF
    m = as_positive("body_mass_kg", body_mass_kg)
    h = as_positive("height_m", height_m)
    if np.any(h >= MAX_HEIGHT_M):   # a height in cm would give a BSA of ~50 m² silently
        raise InputError("height_m", f"is in metres (e.g. 1.75); got {height_m!r}, which "
                                     "looks like centimetres: divide by 100.")
    return scalar_or_array(k * m ** a * (100.0 * h) ** b)


def frontal_area_m2(body_mass_kg, height_m):
    """Projected frontal area of a runner.

    Parameters
    ----------
    body_mass_kg, height_m : float or array
        Body mass (kg) and height (m).

    Returns
    -------
    float or ndarray
        A_p = 0.266 · BSA in m² (``FRONTAL_AREA_BSA_FRACTION``).

    Notes
    -----
    Pugh LGCE 1971, as used by Kipp et al. 2019, doi:10.3389/fphys.2019.00079.
    """
    return scalar_or_array(FRONTAL_AREA_BSA_FRACTION * np.asarray(body_surface_area_m2(body_mass_kg, height_m)))


def _area(body_mass_kg, height_m, frontal_area):
    if frontal_area is not None:
        return as_positive("frontal_area_m2", frontal_area)
    return np.asarray(frontal_area_m2(body_mass_kg, height_m))


def kipp2019_air_coef(body_mass_kg=KIPP2019_REFERENCE_BODY_MASS_KG,
                      height_m=KIPP2019_REFERENCE_HEIGHT_M, frontal_area_m2=None):
    """Cubic (air) coefficient of the Kipp 2019 curve for a given runner (ml·kg⁻¹·min⁻¹·(m/s)⁻³).

    ``c3 = 1000 · 0.00354 · A_p / BM`` with A_p = 0.266·BSA (DuBois). For the reference runner
    (58 kg, 1.71 m) this gives ≈0.02724, the printed coefficient.

    Parameters
    ----------
    body_mass_kg : float or array
        Body mass, kg (default: Kipp's reference runner, 58 kg).
    height_m : float or array
        Height, m (default 1.71 m).
    frontal_area_m2 : float or array, optional
        Projected frontal area, m²; overrides the DuBois-based estimate.

    Returns
    -------
    float or ndarray
        c3 in ml·kg⁻¹·min⁻¹·(m/s)⁻³.

    Notes
    -----
    Kipp S, Kram R, Hoogkamer W. Front Physiol 2019;10:79, doi:10.3389/fphys.2019.00079;
    Pugh LGCE 1971, J Physiol 213:255–276 (air resistance); DuBois & DuBois 1916, Arch
    Intern Med 17:863–871 (BSA).
    """
    m = as_positive("body_mass_kg", body_mass_kg)
    return scalar_or_array(1000.0 * PUGH_AIR_VO2_L_MIN * _area(m, height_m, frontal_area_m2) / m)


def kipp2019_vo2(speed_mps, c3=KIPP2019_COEF[3]):
    """Gross VO2 on the Kipp et al. 2019 preferred VO2–speed curve (overground, with air).

    Parameters
    ----------
    speed_mps : float or array
        Speed, m/s.
    c3 : float
        Air (cubic) coefficient, ml·kg⁻¹·min⁻¹·(m/s)⁻³; default the printed 0.02724
        (58 kg, 1.71 m); see :func:`kipp2019_air_coef` for another runner.

    Returns
    -------
    float or ndarray
        ``VO2 = 15.661 + 1.5354 v + 1.5355 v² + c3 v³`` in ml·kg⁻¹·min⁻¹ (``KIPP2019_COEF``).

    Notes
    -----
    Kipp S, Kram R, Hoogkamer W. Front Physiol 2019;10:79, doi:10.3389/fphys.2019.00079, Eq. 2
    (from Batliner et al. 2018, Sports Med Int Open 2:E1–E8, doi:10.1055/s-0043-122068).
    """
    c0, c1, c2, _ = KIPP2019_COEF
    v = np.asarray(speed_mps, dtype=float)
    return scalar_or_array(c0 + v * (c1 + v * (c2 + v * c3)))


def _solve_speed(cost, x, v, what):
    """Speed v' with (1 - x)·cost(v') = cost(v) (cost increasing in speed)."""
    target = np.asarray(cost(v))
    return bisect(lambda u: (1.0 - x) * np.asarray(cost(u)) - target,
                  1e-6 * v, 4.0 * v / (1.0 - x), what)


def _gain(vp, v, x):
    # no saving -> no gain exactly (the bisection would leave ~1 ulp)
    return scalar_or_array(np.where(x == 0, 0.0, vp / v - 1.0))


def speed_gain(re_saving, speed_mps, model="kipp2019", *, body_mass_kg=None, height_m=None,
               frontal_area_m2=None, saving_applies_to_drag=False,
               cost_j_kg_m=DIPRAMPERO_COST_J_KG_M):
    """Fractional speed gain at the same metabolic rate for a fractional saving in O2 cost.

    Parameters
    ----------
    re_saving : float or array
        Fraction by which the oxygen/energy cost falls, in (-1, 1): 0.05 = 5 % lower cost
        (better economy); negative = worse economy. If a paper reports economy *up* x %, pass
        ``x/(1 + x)``.
    speed_mps : float or array
        Running speed before the change, m/s (> 0). Broadcast against ``re_saving``.
    model : {"kipp2019", "daniels", "diprampero", "diprampero_air"}
        * ``"kipp2019"``: solve ``(1 - x)·VO2(v') = VO2(v)`` on the *total* gross VO2 of the
          Kipp et al. 2019 preferred curve (air term included; the only convention that gives
          their 1.97 % at 2:04 marathon pace). With ``body_mass_kg``/``height_m`` (or
          ``frontal_area_m2``) the air term is rescaled by A_p/BM; default: the printed curve
          (58 kg, 1.71 m).
        * ``"daniels"``: the same equation on Daniels & Gilbert's VO2(v).
        * ``"diprampero"``: cost independent of speed, no air: ``1/(1 - x) - 1`` exactly.
        * ``"diprampero_air"``: ``(1 - x)·C·v' + k·v'³ = C·v + k·v³`` with C = ``cost_j_kg_m``
          and k = 0.4·BSA/BM (Péronnet & Thibault 1989); if ``saving_applies_to_drag`` the saving
          also cuts the drag term: ``(1 - x)(C v' + k v'³) = C v + k v³``. Defaults: the Kipp
          reference runner, 58 kg and 1.71 m.
    body_mass_kg, height_m : float, optional
        Body mass (kg) and height (m) for the air term.
    frontal_area_m2 : float, optional
        Projected frontal area (m²); overrides the 0.266·BSA estimate.
    saving_applies_to_drag : bool
        ``"diprampero_air"`` only: whether a treadmill-measured saving also applies to the work
        against air (a modelling choice; physiology.md §2).
    cost_j_kg_m : float
        ``"diprampero_air"`` only: non-aerodynamic energy cost, J·kg⁻¹·m⁻¹ (default 3.8,
        di Prampero et al. 2005).

    Returns
    -------
    float or ndarray
        ``v'/v - 1`` (0.0197 = 1.97 % faster).

    Raises
    ------
    InputError
        Unknown model, non-positive speed or body size, ``|re_saving| >= 1``.

    Warns
    -----
    RuneconWarning
        ``"kipp2019"`` at speeds outside ``KIPP2019_SPEED_RANGE_MPS``.

    Notes
    -----
    Kipp S, Kram R, Hoogkamer W. Extrapolating metabolic savings in running. Front Physiol
    2019;10:79, doi:10.3389/fphys.2019.00079. di Prampero PE et al. Eur J Appl Physiol
    1986;55:259–266, doi:10.1007/BF02343797. di Prampero et al. 2005, J Exp Biol 208:2809.
    Péronnet F, Thibault G. J Appl Physiol 1989;67:453–465. Daniels & Gilbert 1979 (no DOI).
    The air-term elasticity is d ln v / d ln C = -(1 - s)/(1 + 2s), s = air share of cost [D].
    """
    if model not in SPEED_GAIN_MODELS:
        raise InputError("model", f"unknown model {model!r}; choose one of {SPEED_GAIN_MODELS}.")
    x = as_fraction("re_saving", re_saving)
    v = as_positive("speed_mps", speed_mps)
    x, v = np.broadcast_arrays(x, v)
    if model == "diprampero":
        return scalar_or_array(1.0 / (1.0 - x) - 1.0 + 0.0 * v)
    if model == "daniels":
        vp = _solve_speed(lambda u: daniels_vo2(60.0 * u), x, v, "speed_gain(daniels)")
        return _gain(vp, v, x)
    mass = KIPP2019_REFERENCE_BODY_MASS_KG if body_mass_kg is None else body_mass_kg
    height = KIPP2019_REFERENCE_HEIGHT_M if height_m is None else height_m
    if model == "kipp2019":
        warn_outside("speed", v, *KIPP2019_SPEED_RANGE_MPS, "m/s",
                     "fitted/applied range of the Kipp et al. 2019 curve")
        if body_mass_kg is None and height_m is None and frontal_area_m2 is None:
            c3 = KIPP2019_COEF[3]
        else:
            c3 = kipp2019_air_coef(mass, height, frontal_area_m2)
        vp = _solve_speed(lambda u: kipp2019_vo2(u, c3), x, v, "speed_gain(kipp2019)")
        return _gain(vp, v, x)
    # diprampero_air
    c = float(as_positive("cost_j_kg_m", cost_j_kg_m))
    m = as_positive("body_mass_kg", mass)
    area = _area(m, height, frontal_area_m2)
    k = PERONNET_AIR_COEF * (area / FRONTAL_AREA_BSA_FRACTION) / m
    target = c * v + k * v ** 3
    if saving_applies_to_drag:
        f = lambda u: (1.0 - x) * (c * u + k * u ** 3) - target  # noqa: E731
    else:
        f = lambda u: (1.0 - x) * c * u + k * u ** 3 - target  # noqa: E731
    vp = bisect(f, 1e-6 * v, 4.0 * v / (1.0 - x), "speed_gain(diprampero_air)")
    return _gain(vp, v, x)


__all__ = ["KIPP2019_COEF", "KIPP2019_REFERENCE_BODY_MASS_KG", "KIPP2019_REFERENCE_HEIGHT_M",
           "KIPP2019_SPEED_RANGE_MPS", "PUGH_AIR_VO2_L_MIN", "FRONTAL_AREA_BSA_FRACTION",
           "DUBOIS_BSA_COEF", "DIPRAMPERO_COST_J_KG_M", "PERONNET_AIR_COEF", "SPEED_GAIN_MODELS",
           "body_surface_area_m2", "frontal_area_m2", "kipp2019_air_coef", "kipp2019_vo2",
           "speed_gain"]
