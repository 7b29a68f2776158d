"""The high-level call: what a reported RE or TTE effect means in race time for one runner."""
from __future__ import annotations

import html
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, RuneconWarning
from ._common import CV_NAMES, MODEL_NAMES, as_finite, as_positive
from .daniels import (DANIELS_DURATION_RANGE_MIN, VDOT_VALID_RANGE, daniels_speed_at_vo2,
                      race_time, vdot as _vdot)
from .effects import CV_PRESETS, cv_value, saving_from_re_change_pct, smd_to_re_change_pct
from .endurance import (POWER_LAW_EXPONENT, TTE_MODELS, critical_speed_from_vdot,
                        race_time_ratio_tte)
from .energetics import (KIPP2019_REFERENCE_BODY_MASS_KG, KIPP2019_REFERENCE_HEIGHT_M,
                         KIPP2019_SPEED_RANGE_MPS, speed_gain)
from ..results import Result

#: Race distances of :func:`predict_race_times` (m); half marathon and marathon per World Athletics.
STANDARD_DISTANCES_M = {"1500 m": 1500.0, "5 km": 5000.0, "10 km": 10000.0,
                        "half marathon": 21097.5, "marathon": 42195.0}
#: Models applied to an RE effect (see :func:`speed_gain`; "daniels" re-solves the race time with
#: VDOT/(1 - x), so the longer sustainable fraction of a shorter race is included).
RE_MODELS = ("daniels", "diprampero", "diprampero_air", "kipp2019")
#: Durations (min) over which the hyperbolic (critical-speed) model holds, ≈2–15 min
#: (Jones & Vanhatalo 2017; Drake et al. 2024).
CS_VALID_DURATION_MIN = (2.0, 15.0)


def _sec(x: float, digits: int = 0) -> str:
    """A signed number of seconds without a negative zero ("-0" reads as a loss of nothing)."""
    r = round(float(x), digits)
    return f"{r:+.{digits}f}" if r != 0 else f"{0:.{digits}f}"


def _fmt_time(s: float) -> str:
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


@dataclass(frozen=True, eq=False)
class RacePrediction(Result):
    """Predicted race-time changes of :func:`predict_race_times` (frozen).

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy: one row per (distance, model) with ``baseline_s, predicted_s, delta_s, delta_lb_s,
        delta_ub_s, delta_pct, in_valid_range, note`` (delta < 0 = faster; lb/ub from the
        effect's CI).
    ranges : pandas.DataFrame
        One row per distance: spread of the point predictions across models
        (``delta_min_s, delta_max_s``) and the envelope of all CIs (``delta_lb_s, delta_ub_s``).
    vdot : float
        The runner's VDOT (ml·kg⁻¹·min⁻¹).
    runner : str
        How the runner was specified.
    effect : str
        The effect as given, with the conversions applied.
    body_mass_kg, height_m : float
        Body size used by the air-resistance models.
    cs_mps, d_prime_m, tte_speed_mps : float or None
        Critical-speed parameters and TTE test speed (TTE effects only).
    """

    frame: pd.DataFrame
    ranges: pd.DataFrame
    vdot: float
    runner: str
    effect: str
    body_mass_kg: float
    height_m: float
    cs_mps: float | None = None
    d_prime_m: float | None = None
    tte_speed_mps: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The tidy per-(distance, model) table (a copy)."""
        return self.frame.copy()

    def _table(self) -> pd.DataFrame:
        f = self.frame
        has_ci = not np.allclose(f.delta_lb_s, f.delta_ub_s, rtol=0, atol=1e-9)
        cell = [(f"{_sec(d)} [{_sec(lo)}, {_sec(hi)}]" if has_ci else _sec(d, 1)) + ("" if ok else "*")
                for d, lo, hi, ok in zip(f.delta_s, f.delta_lb_s, f.delta_ub_s, f.in_valid_range)]
        wide = (f.assign(cell=cell).pivot(index="distance", columns="model", values="cell")
                .reindex(index=list(dict.fromkeys(f.distance)),
                         columns=list(dict.fromkeys(f.model))))
        r = self.ranges.set_index("distance")
        wide.insert(0, "baseline", [_fmt_time(s) for s in r.baseline_s])
        wide["models range"] = [f"{_sec(a)} to {_sec(b)}" for a, b in zip(r.delta_min_s, r.delta_max_s)]
        wide = wide.rename(columns=MODEL_NAMES)
        wide.columns.name = None
        wide.index.name = None
        return wide

    def _header(self):
        extra = ""
        if self.cs_mps is not None:
            extra = (f"\nCS {self.cs_mps:.3f} m/s, D′ {self.d_prime_m:.0f} m, "
                     f"TTE test speed {self.tte_speed_mps:.3f} m/s")
        return (f"Predicted race-time change in s (negative = faster): point [CI of the effect]\n"
                f"Runner: {self.runner}; VDOT {self.vdot:.1f}; {self.body_mass_kg:g} kg, "
                f"{self.height_m:g} m\nEffect: {self.effect}{extra}")

    def __str__(self):
        notes = sorted(set(p for n in self.frame.note if n for p in n.split("; ")))
        foot = "\n* outside the model's valid range: " + "; ".join(notes) if notes else ""
        return f"{self._header()}\n\n{self._table().to_string()}{foot}"

    def _repr_html_(self):
        head = "<br>".join(html.escape(line) for line in self._header().split("\n"))
        notes = sorted(set(p for n in self.frame.note if n for p in n.split("; ")))
        foot = ("<p>* outside the model's valid range: " + html.escape("; ".join(notes)) + "</p>"
                if notes else "")
        return f"<p>{head}</p>{self._table().to_html()}{foot}"


def _flag(note, ok, msg):
    """Append ``msg`` to the notes of the elements where ``ok`` is False."""
    add = np.where(note == "", msg, np.char.add(note.astype(str), "; " + msg))
    return np.where(ok, note, add).astype(object)


def _effect_triplet(name, value, ci):
    est = float(as_finite(name, value))
    if ci is None:
        return np.array([est, est, est])
    lo, hi = (float(v) for v in as_finite("ci", ci))
    if not lo <= est <= hi:
        raise InputError("ci", f"must be (lower, upper) with lower <= {name} <= upper, got {ci!r}.")
    return np.array([lo, est, hi])


def predict_race_times(*, vo2max=None, race=None, body_mass_kg=None, height_m=None,
                       frontal_area_m2=None, re_change_pct=None, smd=None, tte_ratio=None,
                       ci=None, cv="trained_lab", tte_speed_mps=None, cs_mps=None,
                       d_prime_m=None, exponent=POWER_LAW_EXPONENT, saving_applies_to_drag=False,
                       distances=None, models=None) -> RacePrediction:
    """Predicted race-time change for a runner and a reported RE or TTE effect, under each model.

    Parameters
    ----------
    vo2max : float, optional
        The runner's VO2max (ml·kg⁻¹·min⁻¹), used as VDOT (Daniels' pseudo-VO2max assumes the
        standard economy curve; a measured VO2max of a runner with a different economy is not
        the same thing). Give this or ``race``.
    race : (distance_m, time_s), optional
        A recent race; VDOT from :func:`vdot`.
    body_mass_kg, height_m : float, optional
        For the air-resistance terms; default the Kipp 2019 reference runner (58 kg, 1.71 m).
    frontal_area_m2 : float, optional
        Projected frontal area (m²), overriding 0.266·BSA.
    re_change_pct : float, optional
        Change of RE as % change of O2 cost (−5 = 5 % lower cost = better).
    smd : float, optional
        SMD of RE (negative = better), converted by ``smd × cv``.
    tte_ratio : float, optional
        TTE after/before at ``tte_speed_mps`` (1.213 = +21.3 %).
    ci : (lower, upper), optional
        Confidence interval of the effect on the scale it was given; carried through every model.
    cv : str or float
        SD_ref/mean for an SMD: a ``CV_PRESETS`` name or a fraction (default "trained_lab", 6 %).
    tte_speed_mps : float, optional
        Speed of the TTE test (m/s); default the runner's Daniels vVO2max (VO2(v) = VDOT).
    cs_mps, d_prime_m : float, optional
        Critical speed (m/s) and D′ (m); default :func:`critical_speed_from_vdot` of the runner.
    exponent : float
        Power-law exponent b (default 1 - 1/1.06, Riegel).
    saving_applies_to_drag : bool
        ``"diprampero_air"``: does the saving also cut the work against air?
    distances : dict of str -> float, optional
        Label -> metres; default ``STANDARD_DISTANCES_M`` (1500 m to marathon).
    models : sequence of str, optional
        Subset of ``RE_MODELS`` (RE or SMD effects) or ``TTE_MODELS`` (TTE effects).

    Returns
    -------
    RacePrediction
        Prints a table (rows distances, columns models, "point [lower, upper]" in s, and the
        spread between models); ``to_frame()`` gives the tidy DataFrame.

    Raises
    ------
    InputError
        Not exactly one runner specification or one effect, bad CI, or any bad parameter.

    Notes
    -----
    RE models: Daniels & Gilbert 1979 (VDOT/(1 - x), no DOI); di Prampero et al. 1986,
    doi:10.1007/BF02343797 (t' = (1 - x)t); Kipp et al. 2019, doi:10.3389/fphys.2019.00079, and
    di Prampero with air (Péronnet & Thibault 1989): speed gain at the race speed at an unchanged
    sustainable metabolic rate, t' = t/(1 + g) — these ignore that a shorter race allows a
    slightly higher fraction of VO2max, which only "daniels" includes. TTE models: Jones &
    Vanhatalo 2017, doi:10.1007/s40279-017-0688-0 (exact race-time ratios within each reading,
    applied to the Daniels baseline); power law with Riegel's exponent. Rows outside a model's
    valid range are kept, flagged ``in_valid_range = False`` and explained in ``note``.
    """
    if (vo2max is None) == (race is None):
        raise InputError("vo2max", "give exactly one of vo2max= or race=(distance_m, time_s).")
    if race is not None:
        if len(race) != 2:
            raise InputError("race", "must be (distance_m, time_s).")
        v = float(_vdot(race[0], race[1]))
        runner = f"race {race[0]:g} m in {_fmt_time(float(race[1]))}"
    else:
        v = float(as_positive("vo2max", vo2max))
        runner = f"VO2max {v:g} ml/kg/min used as VDOT"
        if not VDOT_VALID_RANGE[0] <= v <= VDOT_VALID_RANGE[1]:
            warnings.warn(f"VDOT {v:g} outside the valid range {VDOT_VALID_RANGE[0]:g}-"
                          f"{VDOT_VALID_RANGE[1]:g} ml/kg/min of Daniels' tables.",
                          RuneconWarning, stacklevel=2)
    given = [k for k, val in (("re_change_pct", re_change_pct), ("smd", smd),
                              ("tte_ratio", tte_ratio)) if val is not None]
    if len(given) != 1:
        raise InputError("re_change_pct", "give exactly one effect: re_change_pct=, smd= or "
                         f"tte_ratio= (got {given or 'none'}).")
    kind = given[0]
    mass = KIPP2019_REFERENCE_BODY_MASS_KG if body_mass_kg is None else float(as_positive("body_mass_kg", body_mass_kg))
    height = KIPP2019_REFERENCE_HEIGHT_M if height_m is None else float(as_positive("height_m", height_m))
    dist = STANDARD_DISTANCES_M if distances is None else dict(distances)
    labels = list(dist)
    d = as_positive("distances", list(dist.values()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuneconWarning)  # VDOT range warned above / by vdot()
        t0 = np.asarray(race_time(v, d), dtype=float)
    dur_ok = (t0 / 60 >= DANIELS_DURATION_RANGE_MIN[0]) & (t0 / 60 <= DANIELS_DURATION_RANGE_MIN[1])
    base_note = _flag(np.full(d.shape, "", dtype=object), dur_ok, "Daniels baseline outside 5-240 min")

    cs = dp = vt = None
    if kind == "tte_ratio":
        eff = _effect_triplet("tte_ratio", tte_ratio, ci)
        as_positive("tte_ratio", eff)
        effect = f"TTE ratio {eff[1]:g}" + (f" [{eff[0]:g}, {eff[2]:g}]" if ci is not None else "")
        all_models = TTE_MODELS
        fit = critical_speed_from_vdot(v)
        cs = float(fit[0]) if cs_mps is None else float(as_positive("cs_mps", cs_mps))
        dp = float(fit[1]) if d_prime_m is None else float(as_positive("d_prime_m", d_prime_m))
        vt = (float(daniels_speed_at_vo2(v)) / 60.0 if tte_speed_mps is None
              else float(as_positive("tte_speed_mps", tte_speed_mps)))
        if vt <= cs:
            raise InputError("tte_speed_mps", f"the TTE test speed {vt:.3f} m/s must exceed the "
                             f"critical speed {cs:.3f} m/s (TTE is undefined at or below CS); "
                             "check cs_mps / tte_speed_mps.")
    else:
        if kind == "smd":
            s = _effect_triplet("smd", smd, ci)
            pct = np.asarray(smd_to_re_change_pct(s, cv))
            name = CV_NAMES.get(cv if isinstance(cv, str) else "user", str(cv))
            effect = (f"SMD {s[1]:+.2f}" + (f" [{s[0]:+.2f}, {s[2]:+.2f}]" if ci is not None else "")
                      + f" x CV {100 * cv_value(cv):.1f} % ({name}) = running-economy change {pct[1]:+.2f} %"
                      + (f" [{pct[0]:+.2f}, {pct[2]:+.2f}]" if ci is not None else "")
                      + " of O2 cost")
        else:
            pct = _effect_triplet("re_change_pct", re_change_pct, ci)
            effect = (f"running-economy change {pct[1]:+.2f} %" + (f" [{pct[0]:+.2f}, {pct[2]:+.2f}]" if ci is not None else "")
                      + " of O2 cost")
        eff = np.asarray(saving_from_re_change_pct(pct))
        all_models = RE_MODELS
    models = all_models if models is None else tuple(models)
    bad = [m for m in models if m not in all_models]
    if bad:
        raise InputError("models", f"{bad} do not apply to a {kind} effect; choose from {all_models}.")

    rows = []
    x = eff[:, None]
    speed0 = d / t0
    for m in models:
        note = base_note.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuneconWarning)
            if m == "daniels":
                t1 = np.asarray(race_time(v / (1.0 - x), d[None, :]))
                ok = (t1 / 60 >= DANIELS_DURATION_RANGE_MIN[0]) & (t1 / 60 <= DANIELS_DURATION_RANGE_MIN[1])
                ok &= (v / (1.0 - x) >= VDOT_VALID_RANGE[0]) & (v / (1.0 - x) <= VDOT_VALID_RANGE[1])
                note = _flag(note, ok.all(0), f"{MODEL_NAMES['daniels']}: VDOT outside 30-85 or race outside 5-240 min")
            elif m == "diprampero":
                t1 = t0[None, :] * (1.0 - x)
            elif m in ("diprampero_air", "kipp2019"):
                g = np.asarray(speed_gain(x, speed0[None, :], m, body_mass_kg=body_mass_kg,
                                          height_m=height_m,
                                          frontal_area_m2=frontal_area_m2,
                                          saving_applies_to_drag=saving_applies_to_drag))
                t1 = t0[None, :] / (1.0 + g)
                if m == "kipp2019":
                    lo, hi = KIPP2019_SPEED_RANGE_MPS
                    note = _flag(note, (speed0 >= lo) & (speed0 <= hi),
                                 f"{MODEL_NAMES['kipp2019']}: race speed outside {lo:g}-{hi:g} m/s")
            else:
                t1 = t0[None, :] * np.asarray(race_time_ratio_tte(x, vt, d[None, :], cs, dp, m, exponent))
                if m != "power_law":
                    lo, hi = CS_VALID_DURATION_MIN
                    note = _flag(note, (t0 / 60 >= lo) & (t0 / 60 <= hi),
                                 f"{MODEL_NAMES.get(m, m)}: race outside the CS model's {lo:g}-{hi:g} min")
        delta = t1 - t0[None, :]
        for j, lab in enumerate(labels):
            rows.append({"distance": lab, "distance_m": d[j], "model": m, "baseline_s": t0[j],
                         "predicted_s": t1[1, j], "delta_s": delta[1, j],
                         "delta_lb_s": delta[:, j].min(), "delta_ub_s": delta[:, j].max(),
                         "delta_pct": 100.0 * delta[1, j] / t0[j],
                         "in_valid_range": note[j] == "", "note": str(note[j])})
    frame = pd.DataFrame(rows)
    g = frame.groupby("distance", sort=False)
    ranges = pd.DataFrame({
        "distance": labels, "distance_m": d, "baseline_s": t0,
        "delta_min_s": g.delta_s.min().reindex(labels).to_numpy(),
        "delta_max_s": g.delta_s.max().reindex(labels).to_numpy(),
        "delta_lb_s": g.delta_lb_s.min().reindex(labels).to_numpy(),
        "delta_ub_s": g.delta_ub_s.max().reindex(labels).to_numpy(),
    })
    return RacePrediction(frame=frame, ranges=ranges, vdot=v, runner=runner, effect=effect,
                          body_mass_kg=mass, height_m=height, cs_mps=cs, d_prime_m=dp,
                          tte_speed_mps=vt)


__all__ = ["STANDARD_DISTANCES_M", "RE_MODELS", "CS_VALID_DURATION_MIN", "RacePrediction",
           "predict_race_times", "MODEL_NAMES", "CV_NAMES"]
