"""Argument checks shared by the public functions (internal: one implementation of each).

Every check raises :class:`runecon.errors.InputError` naming the argument and saying what to
do; nothing is silently coerced (a string "95", ``True`` or a complex number is not a number
here, a missing label is not the label "<NA>"). The model modules import these under their
old private names; new code imports them from here.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import InputError
from .results import RMAMVResult, RMAResult

__all__ = ["column", "vector", "option", "one_of", "finite_yi", "positive", "resolvable_weights",
           "level", "number", "control", "labels", "result", "univariate", "intercept_only"]


def column(data, name, argument):
    """``data[name]``, or InputError naming ``argument`` and listing the columns."""
    if data is None:
        raise InputError(argument, f"the column name {name!r} needs a DataFrame in 'data'")
    try:
        return data[name]
    except (KeyError, IndexError, TypeError, ValueError):
        try:
            cols = list(getattr(data, "columns", None) if hasattr(data, "columns") else data.keys())
        except Exception:  # noqa: BLE001 - data of a type without columns or keys
            raise InputError("data", f"must be a DataFrame or a dict of columns to look up "
                                     f"{argument}={name!r}, got {type(data).__name__}") from None
        raise InputError(argument, f"column {name!r} is not in data; columns are {cols}") from None


def _is_real(x) -> bool:
    """A real number that is not a bool (True is not 1 here)."""
    return (isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))) or x is None


def _missing(x) -> bool:
    """None, NaN, pandas.NA or NaT."""
    if x is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(x)) if np.ndim(x) == 0 else False
    except (TypeError, ValueError):
        return False


def vector(x, argument, k=None):
    """A one-dimensional float array of real numbers (missing values become NaN).

    Refused, naming ``argument``: strings (also numeric-looking ones: convert them with
    ``pandas.to_numeric`` first, on purpose), booleans, complex numbers, other objects,
    more than one dimension, and a length other than ``k``.
    """
    if isinstance(x, (str, bytes)):
        raise InputError(argument, f"must be a sequence of numbers, got the string {x!r}; give a "
                                   "column name together with data=, or the numbers themselves")
    if isinstance(x, dict) or isinstance(x, (set, frozenset)):
        raise InputError(argument, f"must be an ordered sequence of numbers, got a {type(x).__name__}")
    if hasattr(x, "to_numpy") and hasattr(x, "dtype") and not isinstance(x.dtype, np.dtype):
        import pandas as pd   # a pandas extension dtype: nullable Int64/Float64 -> NaN for NA

        if pd.api.types.is_numeric_dtype(x.dtype) and not pd.api.types.is_bool_dtype(x.dtype):
            x = x.to_numpy(dtype=float, na_value=np.nan)
    try:
        a = np.asarray(x)
    except (TypeError, ValueError) as e:
        raise InputError(argument, f"must be a sequence of numbers ({e})") from None
    if a.dtype.kind == "O":
        bad = next((v for v in a.ravel() if not (_is_real(v) or _missing(v))), None) \
            if a.size else None
        if bad is not None:
            raise InputError(argument, _not_a_number(bad))
        a = np.array([np.nan if _missing(v) else float(v) for v in a.ravel()]).reshape(a.shape)
    elif a.dtype.kind == "b":
        raise InputError(argument, "must hold numbers, not True/False; convert explicitly "
                                   "(e.g. x.astype(float)) if that is what you mean")
    elif a.dtype.kind == "c":
        raise InputError(argument, "must hold real numbers, got complex numbers")
    elif a.dtype.kind in "USV":
        # the first text in a mixed list (numpy turned its numbers into text as well)
        texts = [v for v in x if isinstance(v, (str, bytes))] if isinstance(x, (list, tuple)) else []
        first = str(texts[0]) if texts else str(a.ravel()[0]) if a.size else ""
        raise InputError(argument, f"must hold numbers, got text such as {first!r}; convert "
                                   "with pandas.to_numeric() first")
    elif a.dtype.kind not in "iuf":
        raise InputError(argument, f"must hold numbers, got dtype {a.dtype}")
    a = a.astype(float)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise InputError(argument, f"must be one-dimensional, got shape {a.shape}")
    if k is not None and a.shape[0] != k:
        raise InputError(argument, f"has length {a.shape[0]} but yi has length {k}; give one "
                                   "value per study")
    return a


def _not_a_number(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return f"must hold numbers, not {v!r}; convert explicitly if that is what you mean"
    if isinstance(v, complex):
        return f"must hold real numbers, got the complex number {v!r}"
    if isinstance(v, str):
        return f"must hold numbers, got the text {v!r}; convert with pandas.to_numeric() first"
    return f"must hold numbers, got {v!r} ({type(v).__name__})"


def option(value, valid, argument, upper=False):
    """``value`` in metafor's case (upper: methods, lower: tests) if it is one of ``valid``."""
    if isinstance(value, str):
        norm = value.upper() if upper else value.lower()
        if norm in valid:
            return norm
    raise InputError(argument, f"unknown {argument} {value!r}; valid {argument}s are {', '.join(valid)}")


def one_of(name, value, valid):
    """InputError naming ``name`` unless ``value`` is one of ``valid``."""
    try:
        ok = value in valid
    except TypeError:   # unhashable value and a set of valid values
        ok = False
    if not ok:
        raise InputError(name, f"must be one of {list(valid)}, got {value!r}")


def finite_yi(y):
    """InputError naming 'yi' at the first missing or non-finite effect size."""
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise InputError("yi", f"has a missing or non-finite value at position {bad[0] + 1}; "
                               "remove such studies first")


def positive(v, argument, what="sampling variances must be"):
    """InputError naming ``argument`` at the first value that is not positive and finite."""
    bad = np.flatnonzero(~(np.isfinite(v) & (v > 0)))
    if bad.size:
        raise InputError(argument, f"{what} positive and finite; position {bad[0] + 1} "
                                   f"is {v[bad[0]]!r}")


#: smallest share of the total weight 1/vi left to the other studies when one study holds the
#: rest: tr(P) = sum(w) - sum(w^2)/sum(w) (and so tau2, I2, H2) keeps about
#: 16 + log10(share) digits, i.e. 8 here -- more than the 4 printed; below it the
#: subtraction returns noise (I2 = 100 %, H2 = 6e17, a math domain error)
MIN_OTHER_WEIGHT_SHARE = 1e-8


def resolvable_weights(v, argument):
    """InputError naming ``argument`` if one study's weight 1/vi is so much larger than all
    the others together that double precision cannot resolve them (see
    :data:`MIN_OTHER_WEIGHT_SHARE`); metafor returns noise there."""
    if v.size < 2:
        return
    w = 1.0 / (v / v.min())          # scaled: the largest weight is 1
    j = int(np.argmax(w))
    others = float(np.sum(np.delete(w, j)))
    if others < MIN_OTHER_WEIGHT_SHARE:
        raise InputError(argument, f"study {j + 1} has a sampling variance ({float(v[j]):.3g}) "
                                   f"so small that the other studies hold only {others:.1e} of "
                                   "the total weight, which double precision cannot resolve. Check "
                                   "it (a standard error entered as a variance? other units?) "
                                   "or analyse without it")


def number(x, argument, *, minimum=None, strict=False, integer=False, what="") -> float:
    """A real, finite number (not a bool, not a string), optionally ``>= minimum`` (``>`` when
    ``strict``) and integer-valued; returned as float (int when ``integer``)."""
    label = f"{what} " if what else ""
    if not _is_real(x) or x is None or (np.ndim(x) != 0):
        raise InputError(argument, f"{label}must be a number, got {x!r} ({type(x).__name__})")
    val = float(x)
    if not math.isfinite(val):
        raise InputError(argument, f"{label}must be finite, got {x!r}")
    if integer and val != int(val):
        raise InputError(argument, f"{label}must be a whole number, got {x!r}")
    if minimum is not None and (val <= minimum if strict else val < minimum):
        raise InputError(argument, f"{label}must be {'>' if strict else '>='} {minimum}, got {x!r}")
    return int(val) if integer else val


def level(lv):
    """Confidence level in percent from 95 or 0.95; InputError naming 'level' otherwise."""
    if not _is_real(lv) or lv is None or np.ndim(lv) != 0:
        raise InputError("level", f"must be a number such as 95 (percent) or 0.95, got {lv!r} "
                                  f"({type(lv).__name__})")
    val = float(lv)
    if 0.5 <= val < 1:
        val *= 100.0
    if not 50 <= val < 100:
        raise InputError("level", f"must be a confidence level in percent in [50, 100), got {lv!r}")
    return val


#: how each key of metafor's ``control`` is checked: (minimum, strict, integer, None allowed)
_CONTROL_RULES = {
    "threshold": (0.0, True, False, False),
    "maxiter": (1, False, True, False),
    "stepadj": (0.0, True, False, False),
    "tau2_init": (0.0, False, False, True),
    "tau2_max": (0.0, True, False, True),
    "tol": (0.0, True, False, False),
}


def control(con, defaults):
    """``defaults`` updated with the user's ``con`` after checking every key and value."""
    out = dict(defaults)
    if con is None:
        return out
    if not isinstance(con, dict):
        raise InputError("control", f"must be a dict such as {{'maxiter': 1000}}, got "
                                    f"{type(con).__name__}")
    unknown = [key for key in con if key not in out]
    if unknown:
        raise InputError("control", f"unknown keys {unknown}; valid keys are {sorted(out)}")
    for key, val in con.items():
        if key == "ll0check":
            if not isinstance(val, (bool, np.bool_)):
                raise InputError("control", f"ll0check must be True or False, got {val!r}")
            out[key] = bool(val)
            continue
        minimum, strict, integer, none_ok = _CONTROL_RULES.get(key, (None, False, False, True))
        if val is None and none_ok:
            out[key] = None
            continue
        out[key] = number(val, "control", minimum=minimum, strict=strict, integer=integer,
                          what=key)
    return out


def labels(x, argument, k):
    """Labels (cluster, group...) as strings, one per effect size; InputError naming
    ``argument`` at the first missing one (None, NaN, pandas.NA, NaT)."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise InputError(argument, f"must be a sequence with one label per effect size (k = {k}), "
                                   f"got {type(x).__name__}")
    arr = np.asarray(list(x) if not hasattr(x, "shape") else x, dtype=object)
    if arr.ndim != 1 or arr.shape[0] != k:
        raise InputError(argument, f"must have one value per effect size (k = {k}), got shape "
                                   f"{arr.shape}")
    import pandas as pd

    missing = np.flatnonzero(pd.isna(arr))         # None, NaN, pandas.NA, NaT (as _missing)
    if missing.size:
        raise InputError(argument, f"has a missing value at position {missing[0] + 1}; drop "
                                   "that row or give it a label")
    return [str(v) for v in arr]


def result(res, function, accepted, advice=None):
    """metafor's class check (``.chkclass``): InputError naming 'res' unless ``res`` is an
    instance of one of the classes ``accepted``; ``advice`` maps the class name of a refused
    result to what to use instead (default: fit the model with runecon.rma() first)."""
    if isinstance(res, tuple(accepted)):
        return res
    names = " or ".join(c.__name__ for c in accepted)
    got = type(res).__name__
    tip = (advice or {}).get(got, "pass the result of runecon.rma(...)"
                           if any(c.__name__ == "RMAResult" for c in accepted) else "")
    raise InputError("res", f"{function}() needs an {names}, got {got}" + (f"; {tip}" if tip else ""))


def univariate(res, function):
    """``res`` must be a univariate fit (runecon.rma), as metafor's ``leave1out``, ``influence``,
    ``cumul``, ``gosh``, ``permutest``, ``trimfill`` and ``regtest`` accept only ``rma.uni``
    objects: a three-level fit is refused rather than silently refitted as univariate."""
    return result(res, function, (RMAResult,), {
        "RMAMVResult": f"{function}() of a three-level model (runecon.rma_mv) is not implemented, "
                       f"as metafor's {function}() has no rma.mv method; use runecon.rma() on one "
                       "effect per study, or refit rma_mv() yourself (e.g. leaving out one cluster "
                       "at a time)",
        "BayesResult": f"{function}() needs a frequentist fit; pass the result of runecon.rma(...)",
    })


def intercept_only(res, function):
    """InputError naming 'res' if the model has moderators (metafor: intercept-only only)."""
    if res.p != 1:
        raise InputError("res", f"{function}() is only defined for models without moderators "
                                "(as in metafor); refit without mods")
    return res
