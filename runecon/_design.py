"""Model matrices for meta-regression: moderator arrays and simple R-style formulas.

Only what meta-regression in this project needs: ``"yi ~ a + b"`` or ``"~ a + b"`` with
numeric columns (used as they are) and categorical columns (treatment contrasts with the
first level as reference, like R's ``factor()``; a pandas ``Categorical`` keeps its own
category order, otherwise levels are sorted). ``factor(x)`` forces a numeric column to be
categorical. The intercept is always included, as in metafor's default.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .errors import InputError

_NAME = re.compile(r"^(factor\()?\s*([A-Za-z_.][A-Za-z0-9_.]*)\s*(\))?$")


@dataclass(frozen=True)
class Term:
    """One right-hand-side term: a numeric column or a factor with its levels."""

    column: str
    label: str                   # prefix of the coefficient names (R: "x" or "factor(x)")
    levels: tuple | None = None  # None for numeric terms

    def names(self):
        if self.levels is None:
            return [self.label]
        return [f"{self.label}{lev}" for lev in self.levels[1:]]

    def columns(self, values, argument):
        """Design columns of this term for ``values`` (1-d array-like)."""
        if self.levels is None:
            try:
                x = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                raise InputError(argument, f"column '{self.column}' must be numeric") from None
            if not np.all(np.isfinite(x)):
                bad = int(np.flatnonzero(~np.isfinite(x))[0])
                raise InputError(argument, f"column '{self.column}' has a missing or non-finite "
                                           f"value in row {bad + 1}; drop or fill such rows first")
            return x[:, None]
        vals = np.asarray(values, dtype=object)
        unknown = [v for v in vals if v not in set(self.levels)]
        if unknown:
            raise InputError(argument, f"column '{self.column}' has value {unknown[0]!r} that is "
                                       f"not one of its levels {list(self.levels)}")
        return np.column_stack([(vals == lev).astype(float) for lev in self.levels[1:]]) \
            if len(self.levels) > 1 else np.empty((len(vals), 0))


def _levels(series, column):
    import pandas as pd
    if isinstance(series.dtype, pd.CategoricalDtype):
        return tuple(series.cat.categories)
    if series.isna().any():
        bad = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise InputError("mods", f"column '{column}' has a missing value in row {bad + 1}; "
                                 "drop or fill such rows first")
    return tuple(sorted(series.unique(), key=lambda v: (str(type(v)), v)))


def parse_formula(formula, data):
    """Split ``formula`` into its response name (or None) and a list of :class:`Term`."""
    import pandas as pd
    if "~" not in formula:
        raise InputError("mods", f"formula {formula!r} has no '~'; write e.g. '~ speed_kmh + method'")
    lhs, rhs = formula.split("~", 1)
    lhs = lhs.strip() or None
    if data is None:
        raise InputError("data", "a formula in 'mods' needs a DataFrame in 'data'")
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    terms = []
    for raw in rhs.split("+"):
        raw = raw.strip()
        if raw in ("1", ""):
            if raw == "" and rhs.strip():
                raise InputError("mods", f"empty term in formula {formula!r}")
            continue
        m = _NAME.match(raw)
        if not m or bool(m.group(1)) != bool(m.group(3)):
            raise InputError("mods", f"term {raw!r} in {formula!r} is not supported; only column "
                                     "names and factor(column) joined by '+' are (build "
                                     "interactions or transformations as columns of 'data')")
        col = m.group(2)
        if col not in data.columns:
            raise InputError("mods", f"column '{col}' (in {formula!r}) is not in data; columns "
                                     f"are {list(data.columns)}")
        s = data[col]
        forced = bool(m.group(1))
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if numeric and not forced:
            terms.append(Term(col, col))
        else:
            label = f"factor({col})" if forced else col
            terms.append(Term(col, label, _levels(s, col)))
    return lhs, terms, data


def design_from_terms(terms, data, argument="mods"):
    """Model matrix (intercept first) and coefficient names for ``terms`` over ``data``."""
    n = len(data)
    cols, names = [np.ones((n, 1))], ["intrcpt"]
    for t in terms:
        cols.append(t.columns(data[t.column].to_numpy(), argument))
        names.extend(t.names())
    return np.hstack(cols), tuple(names)


def design_from_array(mods, k):
    """Model matrix (intercept first) and names from a k×m array, vector or DataFrame."""
    names = None
    if hasattr(mods, "columns") and hasattr(mods, "to_numpy"):
        names = [str(c) for c in mods.columns]
        mods = mods.to_numpy()
    elif hasattr(mods, "name") and hasattr(mods, "to_numpy"):
        names = [str(mods.name)]
        mods = mods.to_numpy()
    try:
        M = np.asarray(mods, dtype=float)
    except (TypeError, ValueError):
        raise InputError("mods", "must be numeric (an array k×m); for categorical moderators "
                                 "use a formula string with data=") from None
    if M.ndim == 1:
        M = M[:, None]
    if M.ndim != 2 or M.shape[0] != k:
        raise InputError("mods", f"must have k = {k} rows (one per study), got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        r, c = np.argwhere(~np.isfinite(M))[0]
        raise InputError("mods", f"non-finite value in row {r + 1}, column {c + 1}; drop or "
                                 "fill such rows first")
    if names is None:
        names = ["mods"] if M.shape[1] == 1 else [f"mods{j + 1}" for j in range(M.shape[1])]
    return np.hstack([np.ones((k, 1)), M]), ("intrcpt", *names)


def model_matrix(mods, terms, data, k):
    """Model matrix (intercept first) and names for ``mods`` of rma/rma_mv: None (intercept
    only), a parsed formula (``terms`` over ``data``) or an array; checked for full rank."""
    if mods is None:
        return np.ones((k, 1)), ("intrcpt",)
    if terms is not None:
        if len(data) != k:
            raise InputError("data", f"has {len(data)} rows but yi has length {k}")
        X, names = design_from_terms(terms, data)
    else:
        X, names = design_from_array(mods, k)
    if X.shape[1] > 1:
        check_full_rank(X, names)
    return X, names


def check_full_rank(X, names):
    """Raise InputError naming the collinear columns if X'X is (numerically) singular."""
    # metafor refuses when an eigenvalue of X'X is <= 1e-7 (control evtol)
    ev = np.linalg.eigvalsh(X.T @ X)
    if ev.min() > 1e-7:
        return
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    null = vt[s <= max(s.max() * 1e-10, 1e-7)]
    if null.size == 0:
        null = vt[-1:]
    involved = [names[j] for j in range(X.shape[1]) if np.any(np.abs(null[:, j]) > 1e-8)]
    raise InputError("mods", "the moderator matrix is singular: columns "
                             f"{', '.join(involved)} are collinear (one is a linear combination "
                             "of the others, or constant and so collinear with the intercept); "
                             "drop one of them")
