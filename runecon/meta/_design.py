"""Model matrices for meta-regression: moderator arrays and R-style formulas.

Only what meta-regression in this project needs: ``"yi ~ a + b"`` or ``"~ a * b"`` built
as R's ``model.matrix`` builds them. Operators: ``+`` (add terms), ``:`` (interaction),
``*`` (``a * b`` = ``a + b + a:b``) and parentheses; ``:`` binds tighter than ``*``, which
binds tighter than ``+``. Variables are numeric columns (used as they are, multiplied in
interactions) and categorical columns (a pandas ``Categorical`` keeps its own category
order, otherwise levels are sorted); ``factor(x)`` forces a numeric column to be
categorical. The intercept is always included, as in metafor's default.

R's rules, followed here: terms are ordered by degree (main effects, then two-way
interactions, ...), keeping their order of appearance within a degree; within a term the
variables are in order of first appearance in the formula. A factor in a term is coded by
treatment contrasts (reference = first level) if the term without that factor is empty
or contained in a preceding term, otherwise by one indicator per level (``~ x:f`` gives
``x:fa, x:fb, ...``). Interaction columns are products, the first variable varying
fastest, named ``a:b`` with each variable's own column name (``speed_kmh:methodplyometric``).
Transformations (``I(x^2)``, ``log(x)``), ``-``, ``^``, ``/`` and ``%in%`` are not supported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

_TOKEN = re.compile(r"\s*(?:(factor\s*\(\s*[A-Za-z_.][A-Za-z0-9_.]*\s*\))|([A-Za-z_.][A-Za-z0-9_.]*)"
                    r"|(\d+)|([+*:()]))")
_FACTOR = re.compile(r"factor\s*\(\s*([A-Za-z_.][A-Za-z0-9_.]*)\s*\)")


@dataclass(frozen=True)
class Variable:
    """One variable of a formula: a numeric column or a factor with its levels."""

    column: str
    label: str                   # prefix of the coefficient names (R: "x" or "factor(x)")
    levels: tuple | None = None  # None for numeric variables

    def block(self, values, argument, full=False):
        """Columns and names of this variable for ``values``: one numeric column, or
        indicators of levels[1:] (treatment contrasts) or of every level (``full``)."""
        if self.levels is None:
            try:
                x = np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                raise InputError(argument, f"column '{self.column}' must be numeric") from None
            if not np.all(np.isfinite(x)):
                bad = int(np.flatnonzero(~np.isfinite(x))[0])
                raise InputError(argument, f"column '{self.column}' has a missing or non-finite "
                                           f"value in row {bad + 1}; drop or fill such rows first")
            return x[:, None], [self.label]
        vals = np.asarray(values, dtype=object)
        known = set(self.levels)
        unknown = [v for v in vals if v not in known]
        if unknown:
            raise InputError(argument, f"column '{self.column}' has value {unknown[0]!r} that is "
                                       f"not one of its levels {list(self.levels)}")
        levs = self.levels if full else self.levels[1:]
        cols = [(vals == lev).astype(float) for lev in levs]
        M = np.column_stack(cols) if cols else np.empty((len(vals), 0))
        return M, self.level_names(full)

    def level_names(self, full=False):
        if self.levels is None:
            return [self.label]
        # R names logical levels FALSE/TRUE (column xTRUE)
        levs = self.levels if full else self.levels[1:]
        return [f"{self.label}{str(lev).upper() if isinstance(lev, (bool, np.bool_)) else lev}"
                for lev in levs]


@dataclass(frozen=True)
class Term:
    """One term of the model: a variable or an interaction of variables (R's ``a:b``);
    ``full[i]`` says that variable i (a factor) is coded by all its levels."""

    variables: tuple
    full: tuple

    @property
    def label(self):
        return ":".join(v.label for v in self.variables)

    @property
    def column(self):  # the data column of a main effect (kept for callers of old versions)
        return self.variables[0].column

    @property
    def needed(self):
        return tuple(v.column for v in self.variables)

    def design(self, data, argument):
        """Design columns and their names for this term over ``data``."""
        M, names = None, None
        for var, full in zip(self.variables, self.full):
            B, bn = var.block(data[var.column].to_numpy(), argument, full)
            if M is None:
                M, names = B, bn
            else:  # earlier variables vary fastest, as in R
                M = (M[:, None, :] * B[:, :, None]).reshape(len(B), -1)
                names = [f"{a}:{b}" for b in bn for a in names]
        return M, names

    def names(self):
        names = None
        for var, full in zip(self.variables, self.full):
            bn = var.level_names(full)
            names = bn if names is None else [f"{a}:{b}" for b in bn for a in names]
        return names


def needed_columns(terms):
    """Data columns used by ``terms`` (in order, without repeats)."""
    return list(dict.fromkeys(c for t in terms for c in t.needed))


def _levels(series, column):
    import pandas as pd
    if isinstance(series.dtype, pd.CategoricalDtype):
        return tuple(series.cat.categories)
    if series.isna().any():
        bad = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise InputError("mods", f"column '{column}' has a missing value in row {bad + 1}; "
                                 "drop or fill such rows first")
    return tuple(sorted(series.unique(), key=lambda v: (str(type(v)), v)))


def _unsupported(piece, formula):
    return InputError("mods", f"term {piece!r} in {formula!r} is not supported; formulas may "
                              "use column names, factor(column), '+', ':', '*' and parentheses "
                              "(build transformations such as x^2 or log(x) as columns of "
                              "'data')")


def _expand(rhs, formula):
    """Parse the right-hand side into terms: a list of tuples of variable labels."""
    text = rhs.strip()

    def chunk_at(at):  # the '+'-separated piece of the formula around position ``at``
        lo = text.rfind("+", 0, at) + 1
        hi = text.find("+", at)
        return text[lo:hi if hi >= 0 else len(text)].strip() or text[at:].strip()

    tokens, starts, pos = [], [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise _unsupported(chunk_at(pos), formula)
        tokens.append(m.group(m.lastindex).strip())
        starts.append(m.start(m.lastindex))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    i = 0

    def peek():
        return tokens[i] if i < len(tokens) else None

    def take():
        nonlocal i
        i += 1
        return tokens[i - 1]

    def union(a, b):
        return list(dict.fromkeys(a + b))

    def atom():
        tok = peek()
        if tok is None or tok in "+*:)":
            raise InputError("mods", f"formula {formula!r} has an empty or incomplete term")
        take()
        if tok == "(":
            out = plus()
            if peek() != ")":
                raise InputError("mods", f"formula {formula!r} has an unmatched '('")
            take()
            return out
        if tok.isdigit():
            if tok != "1":
                raise _unsupported(tok, formula)
            return [()]  # the intercept (always included)
        if peek() == "(":  # a function call other than factor()
            raise _unsupported(chunk_at(starts[i - 1]), formula)
        return [(re.sub(r"\s+", "", tok),)]

    def colon():
        out = atom()
        while peek() == ":":
            take()
            right = atom()
            out = union([], [tuple(dict.fromkeys(a + b)) for a in out for b in right])
        return out

    def star():
        out = colon()
        while peek() == "*":
            take()
            right = colon()
            out = union(union(out, right), [tuple(dict.fromkeys(a + b)) for a in out for b in right])
        return out

    def plus():
        out = star()
        while peek() == "+":
            take()
            out = union(out, star())
        return out

    if not tokens:
        return []
    terms = plus()
    if i != len(tokens):
        raise _unsupported(" ".join(tokens[i:]), formula)
    return terms


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
    raw_terms = _expand(rhs, formula)
    # variables in order of first appearance; R orders the variables of a term that way
    order = list(dict.fromkeys(lab for t in raw_terms for lab in t))
    variables = {}
    for lab in order:
        fm = _FACTOR.fullmatch(lab)
        col = fm.group(1) if fm else lab
        if col not in data.columns:
            raise InputError("mods", f"column '{col}' (in {formula!r}) is not in data; columns "
                                     f"are {list(data.columns)}")
        s = data[col]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        if numeric and not fm:
            variables[lab] = Variable(col, col)
        else:
            variables[lab] = Variable(col, f"factor({col})" if fm else col, _levels(s, col))
    rank = {lab: j for j, lab in enumerate(order)}
    sets = list(dict.fromkeys(frozenset(t) for t in raw_terms if t))
    sets.sort(key=len)  # stable: R orders terms by degree, then by appearance
    terms = []
    for j, ts in enumerate(sets):
        labs = sorted(ts, key=rank.get)
        # R (model.c TermCode): a factor gets contrasts if the term without it is empty or
        # contained in a preceding term, else indicators for all its levels
        full = tuple(variables[lab].levels is not None and len(ts) > 1
                     and not any((ts - {lab}) <= prev for prev in sets[:j]) for lab in labs)
        terms.append(Term(tuple(variables[lab] for lab in labs), full))
    return lhs, terms, data


def design_from_terms(terms, data, argument="mods"):
    """Model matrix (intercept first) and coefficient names for ``terms`` over ``data``."""
    n = len(data)
    cols, names = [np.ones((n, 1))], ["intrcpt"]
    for t in terms:
        M, nm = t.design(data, argument)
        cols.append(M)
        names.extend(nm)
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
