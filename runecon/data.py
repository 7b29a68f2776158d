"""The evidence data package: load validated tables, validate users' files.

The tables live in ``data/`` (``runecon.config.DATA_DIR``) as CSV files described by a
Frictionless-style ``datapackage.json`` (types, units, allowed values, primary and foreign
keys). The schema is read with :mod:`json` only; validation is done here and reports *every*
problem it finds (file, line, column, value), never dropping or coercing a value silently.

Printed values stay as printed. Corrections (spreads that are standard errors, a lost
decimal point, ...) are rows of ``corrections.csv``; ``load(name, corrected=True)`` applies
the rows marked ``applied`` and says which cells changed in a ``corrected`` column.
"""
from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import config
from .errors import DataError, DataProblem, InputError

__all__ = ["load", "load_csv", "datasets", "save", "validate_paths", "schema"]

DESCRIPTOR = "datapackage.json"
KEY_SEP = "|"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
#: columns that ``load`` adds to a table (and ``save`` writes), accepted when read back
_ADDED_COLUMNS = frozenset({"corrected"})


# ----------------------------------------------------------------------------- schema
def _data_dir(data_dir=None) -> Path:
    return Path(data_dir) if data_dir is not None else Path(config.DATA_DIR)


def _package(data_dir=None) -> dict:
    path = _data_dir(data_dir) / DESCRIPTOR
    if not path.exists():  # a user folder without descriptor: use the packaged schema
        path = Path(config.DATA_DIR) / DESCRIPTOR
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _resources(data_dir=None) -> dict:
    return {r["name"]: r for r in _package(data_dir)["resources"]}


def schema(name: str) -> dict:
    """Return the Frictionless table schema of table ``name``.

    Parameters
    ----------
    name : str
        Table name (see :func:`datasets`).

    Returns
    -------
    dict
        ``fields`` (name, type, unit, constraints), ``primaryKey``, ``foreignKeys``.

    Raises
    ------
    InputError
        Unknown table name (argument ``name``).
    """
    res = _resources()
    if name not in res:
        raise InputError("name", f"unknown table {name!r}; known: {', '.join(res)}")
    return res[name]["schema"]


# ----------------------------------------------------------------------------- reading
class _Table:
    """A CSV file read as text: header, rows (dicts of str) and their line numbers.

    Strict: a CSV syntax error (a stray quote, a field beyond the csv module's size limit),
    a NUL byte, a row of the wrong length and a row of commas only are problems naming the
    file, line and (where known) column -- nothing is dropped or repaired silently. Only
    blank lines are skipped.
    """

    def __init__(self, path: Path, name: str):
        self.path, self.name = Path(path), name
        self.problems: list[DataProblem] = []
        self.header: list[str] = []
        self.rows: list[dict] = []
        self.lines: list[int] = []
        reader = None
        try:
            # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") is not part of the header
            with open(self.path, newline="", encoding="utf-8-sig") as fh:
                # strict: a quote inside an unquoted field or text after a closing quote is an
                # error (the default reader would glue it into the value)
                reader = csv.reader(fh, strict=True)
                self.header = next(reader, [])
                seen = set()
                for j, col in enumerate(self.header):   # dict(zip()) would keep the last one
                    if col in seen:
                        self.problems.append(DataProblem(self.path, 1, col, None,
                                                         "duplicate column name; rename or "
                                                         "delete one of them"))
                    seen.add(col)
                    self._nul(1, f"#{j + 1}", col)
                end = reader.line_num
                for rec in reader:
                    # a quoted field may span lines: report the line the record starts on
                    line, end = end + 1, reader.line_num
                    if not rec:          # a blank line
                        continue
                    if not any(rec):
                        self.problems.append(DataProblem(
                            self.path, line, None, ",".join(rec),
                            "row has only empty fields (commas only); delete the line or "
                            "fill in the row"))
                        continue
                    if len(rec) != len(self.header):
                        self.problems.append(DataProblem(
                            self.path, line, None, None,
                            f"row has {len(rec)} fields, header has {len(self.header)}; put "
                            "a value containing a comma in double quotes, or add the "
                            "missing fields"))
                        rec = (rec + [""] * len(self.header))[:len(self.header)]
                    for col, val in zip(self.header, rec):
                        self._nul(line, col, val)
                    self.rows.append(dict(zip(self.header, rec)))
                    self.lines.append(line)
        except csv.Error as exc:
            self.problems.append(DataProblem(
                self.path, reader.line_num if reader is not None else None, None, None,
                f"CSV syntax error ({exc}); a value with a comma, quote or line break must be "
                "in double quotes, with quotes inside it doubled (\"\")"))
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(DataProblem(self.path, None, None, None,
                                             f"cannot read file: {exc}; save it as UTF-8 CSV"))
        if not self.header and not self.problems:
            self.problems.append(DataProblem(self.path, 1, None, None,
                                             "file has no header; the first line must name "
                                             "the columns"))

    def _nul(self, line, column, value):
        if "\x00" in value:
            self.problems.append(DataProblem(
                self.path, line, column, value,
                "contains a NUL byte (\\x00): the file is binary or not UTF-8 (e.g. UTF-16); "
                "save it as UTF-8 CSV"))


def _key(row: dict, fields) -> str:
    return KEY_SEP.join(row.get(f, "") for f in fields)


def _as_list(x):
    return [x] if isinstance(x, str) else list(x)


def _check_cell(field: dict, value: str):
    """Return an error message for one cell, or None."""
    t, c = field.get("type", "string"), field.get("constraints", {})
    if value == "":
        return "required value is empty; fill it in" if c.get("required") else None
    if not value.strip():
        return ("value is only whitespace; " + ("fill it in" if c.get("required")
                                                else "leave the cell empty or fill it in"))
    if t == "number":
        if not _NUMBER.match(value):
            return "not a number"
        x = float(value)
        if not math.isfinite(x):   # e.g. 1e400 would be read as inf
            return "not a finite number (out of the range of a 64-bit float)"
    elif t == "integer":
        if not _INTEGER.match(value):
            return "not an integer"
        x = int(value)
    elif t == "boolean":
        if value not in _TRUE | _FALSE:
            return "not a boolean (true/false)"
        x = value in _TRUE
    else:
        x = value
    if "enum" in c and x not in c["enum"]:
        return f"not one of the allowed values {c['enum']}"
    if "pattern" in c and not re.fullmatch(c["pattern"], value):
        return f"does not match pattern {c['pattern']}"
    if "minimum" in c and x < c["minimum"]:
        return f"must be >= {c['minimum']}"
    if "exclusiveMinimum" in c and x <= c["exclusiveMinimum"]:
        return f"must be > {c['exclusiveMinimum']}"
    if "maximum" in c and x > c["maximum"]:
        return f"must be <= {c['maximum']}"
    return None


def _check_table(tab: _Table, sch: dict, ci_exempt=frozenset()) -> list:
    """Problems found in one table on its own (types, constraints, keys, CI checks)."""
    probs = list(tab.problems)
    if not tab.header:
        return probs
    fields = sch["fields"]
    names = [f["name"] for f in fields]
    for f in names:
        if f not in tab.header:
            probs.append(DataProblem(tab.path, 1, f, None, "missing column; add it to the "
                                     "header (its cells may be empty unless required)"))
    for h in tab.header:
        if h not in names and h not in _ADDED_COLUMNS:
            probs.append(DataProblem(tab.path, 1, h, None,
                                     f"unknown column: the {tab.name} table has no column "
                                     f"{h!r}; rename it to one of {names} or delete it"))
    for row, line in zip(tab.rows, tab.lines):
        for fd in fields:
            if fd["name"] not in row:
                continue
            msg = _check_cell(fd, row[fd["name"]])
            if msg:
                probs.append(DataProblem(tab.path, line, fd["name"], row[fd["name"]], msg))
    pk = _as_list(sch.get("primaryKey", []))
    if pk and all(f in tab.header for f in pk):
        seen = {}
        for row, line in zip(tab.rows, tab.lines):
            k = _key(row, pk)
            if k in seen:
                probs.append(DataProblem(tab.path, line, "+".join(pk), k,
                                         f"duplicate key (first on line {seen[k]})"))
            else:
                seen[k] = line
    for lo, est, hi in sch.get("runecon:ciChecks", []):
        if not all(f in tab.header for f in (lo, est, hi)):
            continue
        for row, line in zip(tab.rows, tab.lines):
            vals = [row[lo], row[est], row[hi]]
            if "" in vals or not all(_NUMBER.match(v) for v in vals):
                continue
            if _key(row, pk) in ci_exempt:
                continue
            a, e, b = map(float, vals)
            if not a <= e <= b:
                probs.append(DataProblem(
                    tab.path, line, f"{lo}/{est}/{hi}", f"{vals[1]} [{vals[0]}, {vals[2]}]",
                    "confidence interval does not contain the estimate"))
    return probs


def _check_foreign(tab: _Table, sch: dict, tables: dict, resources: dict) -> list:
    """Dangling foreign keys; ``tables`` maps table name -> _Table used as reference."""
    probs = []
    for fk in sch.get("foreignKeys", []):
        fields = _as_list(fk["fields"])
        ref = fk["reference"]
        target = ref.get("resource") or tab.name
        rfields = _as_list(ref["fields"])
        if not all(f in tab.header for f in fields):
            continue
        ttab = tab if target == tab.name else tables.get(target)
        if ttab is None:
            probs.append(DataProblem(tab.path, None, ",".join(fields), None,
                                     f"referenced table {target!r} not found"))
            continue
        keys = {_key(r, rfields) for r in ttab.rows}
        for row, line in zip(tab.rows, tab.lines):
            vals = [row.get(f, "") for f in fields]
            if "" in vals:   # Frictionless: a foreign key with a missing part is not checked
                continue
            k = KEY_SEP.join(vals)
            if k not in keys:
                probs.append(DataProblem(tab.path, line, ",".join(fields), k,
                                         f"dangling foreign key: no row of {target!r} with "
                                         f"{','.join(rfields)} = {k!r}"))
    pairing = sch.get("runecon:pairing")
    if pairing and "groups" in tables and pairing["key"] in tab.header:
        gtab = tables["groups"]
        method = {_key(r, ["study_id", "group_id"]): r.get("method", "") for r in gtab.rows}
        count, first = {}, {}
        for row, line in zip(tab.rows, tab.lines):
            ck = row.get(pairing["key"], "")
            if not ck:
                continue
            k = (ck, row.get(pairing["timepoint"], ""))
            first.setdefault(k, line)
            is_ctl = method.get(_key(row, pairing["group"])) == pairing["control_method"]
            count[k] = count.get(k, 0) + is_ctl
        for k, n in count.items():
            if n != 1:
                probs.append(DataProblem(tab.path, first[k], pairing["key"], k[0],
                                         f"{n} control rows at timepoint {k[1]!r} "
                                         "(exactly one is needed to pair the comparison)"))
    if tab.name == "corrections":
        probs += _check_corrections(tab, tables, resources)
    if sch.get("runecon:statChecks"):
        probs += _check_printed_stats(tab, sch, tables)
    return probs


def _half_unit(text: str) -> float:
    """Half a unit of the last printed digit of a number as text ('0.081' -> 0.0005)."""
    digits = text.split(".")[1] if "." in text else ""
    digits = re.split(r"[eE]", digits)[0]
    return 0.5 * 10.0 ** -len(digits)


def _printed_p(text: str):
    """A printed p value as a number ('0.010' -> 0.01, '<0.001' -> 0.001); None if not usable."""
    t = text.replace(" ", "")
    if _NUMBER.match(t):
        return float(t)
    if t.startswith(("<", "≤")) and _NUMBER.match(t[1:]):
        return float(t[1:])
    return None


def _check_printed_stats(tab: _Table, sch: dict, tables: dict) -> list:
    """Flag confidence intervals that contradict the p value or test statistic printed with them.

    Applies to every row with an estimate, both CI bounds and a printed p value and/or test
    statistic (columns named by ``runecon:statChecks`` in the schema), after the row's
    *applied* corrections (a row with a correction of these cells that is not applied is
    exempt, as for ``runecon:ciChecks``). Two rules, each with the rounding tolerance of the
    printed digits (h = half a unit of the last printed digit of a cell):

    1. **p rule** (two-sided 95 % CI and a test of estimate = 0 from the same model): a
       printed p <= 0.049 (or "<x" with x <= 0.049) requires a CI that excludes 0; a p >=
       0.051 requires a CI that includes 0. A bound within h of 0 counts as either. p values
       between 0.049 and 0.051 are not judged.
    2. **statistic rule** (Wald-type CI: estimate +/- crit x SE with SE = estimate /
       statistic): the printed statistic and the CI half-width w imply the estimate
       ``statistic x w / crit`` with crit = the t quantile 0.975 on the printed df
       (``statistic_name`` "t") or 1.959964 ("z"; "abs_z" for |z| as RevMan prints it,
       compared in absolute value). Flagged when it differs from the printed estimate by more
       than the propagated rounding ``h_est + |statistic|/crit x h_w + w/crit x h_stat``,
       h_w = mean of the two bounds' h.

    A CI that lost its minus sign (Llanos-Lagos 2024a Table 6: -0.307 [-0.532, 0.081] with
    t(25) = -2.802, p = 0.010) breaks both rules; corrections.csv restores the sign.
    """
    from scipy.stats import t as t_dist

    spec = sch["runecon:statChecks"]
    est_c, (lo_c, hi_c) = spec["estimate"], spec["ci"]
    p_c, s_c, n_c, df_c = spec["p"], spec["statistic"], spec["name"], spec["df"]
    if not all(c in tab.header for c in (est_c, lo_c, hi_c)):
        return []
    pk = _as_list(sch.get("primaryKey", []))
    over, exempt = {}, set()
    corr = tables.get("corrections")
    for r in (corr.rows if corr is not None else []):
        if r.get("table") != tab.name or r.get("column") not in (est_c, lo_c, hi_c):
            continue
        if r.get("applied") in _TRUE:
            over.setdefault(r.get("key", ""), {})[r["column"]] = r.get("corrected_value", "")
        else:
            exempt.add(r.get("key", ""))
    probs = []
    for row, line in zip(tab.rows, tab.lines):
        key = _key(row, pk)
        if key in exempt:
            continue
        cells = {c: over.get(key, {}).get(c, row.get(c, "")) for c in (est_c, lo_c, hi_c)}
        if not all(_NUMBER.match(v or "") for v in cells.values()):
            continue
        e, lo, hi = (float(cells[c]) for c in (est_c, lo_c, hi_c))
        h_lo, h_hi, h_e = (_half_unit(cells[c]) for c in (lo_c, hi_c, est_c))
        shown = f"{cells[est_c]} [{cells[lo_c]}, {cells[hi_c]}]"
        p = _printed_p(row.get(p_c, "")) if p_c in tab.header else None
        if p is not None and not 0.049 < p < 0.051:
            excludes = lo >= -h_lo or hi <= h_hi
            includes = lo <= h_lo and hi >= -h_hi
            if p <= 0.049 and not excludes:
                probs.append(DataProblem(tab.path, line, f"{lo_c}/{hi_c}", shown,
                                         f"CI includes 0 but the printed p is {row[p_c]}"))
            elif p >= 0.051 and not includes:
                probs.append(DataProblem(tab.path, line, f"{lo_c}/{hi_c}", shown,
                                         f"CI excludes 0 but the printed p is {row[p_c]}"))
        stat, name = row.get(s_c, ""), row.get(n_c, "")
        if s_c in tab.header and _NUMBER.match(stat or "") and name in ("t", "z", "abs_z"):
            df = row.get(df_c, "")
            if name == "t" and not _NUMBER.match(df or ""):
                probs.append(DataProblem(tab.path, line, df_c, df, "a t statistic needs its df"))
                continue
            crit = float(t_dist.ppf(0.975, float(df))) if name == "t" else 1.959963984540054
            s, w = float(stat), (hi - lo) / 2
            implied = s * w / crit
            got = abs(e) if name == "abs_z" else e
            tol = h_e + abs(s) / crit * (h_lo + h_hi) / 2 + w / crit * _half_unit(stat)
            if abs(implied - got) > tol:
                probs.append(DataProblem(
                    tab.path, line, f"{lo_c}/{hi_c}", shown,
                    f"CI contradicts the printed {name} = {stat}: with half-width {w:.4g} it "
                    f"implies an estimate of {implied:.4g} (tolerance {tol:.2g})"))
    return probs


def _check_corrections(tab: _Table, tables: dict, resources: dict) -> list:
    probs = []
    for row, line in zip(tab.rows, tab.lines):
        name = row.get("table", "")
        if name not in resources:
            continue   # reported as an enum problem already
        target = tables.get(name)
        tsch = resources[name]["schema"]
        fields = {f["name"]: f for f in tsch["fields"]}
        col = row.get("column", "")
        if col not in fields:
            probs.append(DataProblem(tab.path, line, "column", col,
                                     f"table {name!r} has no column {col!r}"))
            continue
        if target is None:
            probs.append(DataProblem(tab.path, line, "table", name, "table file not found"))
            continue
        pk = _as_list(tsch["primaryKey"])
        hits = [r for r in target.rows if _key(r, pk) == row.get("key", "")]
        if not hits:
            probs.append(DataProblem(tab.path, line, "key", row.get("key"),
                                     f"dangling foreign key: no row of {name!r} with this key"))
            continue
        applied = row.get("applied") in _TRUE
        if applied and row.get("evidence_scope") == "other_cells":
            probs.append(DataProblem(tab.path, line, "applied", row.get("applied"),
                                     "a correction whose evidence concerns other cells "
                                     "(evidence_scope = other_cells) must not be applied"))
        if (applied or row.get("printed_value", "")) and \
                hits[0].get(col, "") != row.get("printed_value", ""):
            probs.append(DataProblem(tab.path, line, "printed_value", row.get("printed_value"),
                                     f"differs from the cell in {name!r} "
                                     f"({hits[0].get(col, '')!r})"))
        if applied:
            msg = _check_cell({**fields[col], "constraints": {
                k: v for k, v in fields[col].get("constraints", {}).items()
                if k != "required"}}, row.get("corrected_value", ""))
            if msg or row.get("corrected_value", "") == "":
                probs.append(DataProblem(tab.path, line, "corrected_value",
                                         row.get("corrected_value"),
                                         msg or "an applied correction needs a value"))
    return probs


# ----------------------------------------------------------------------------- frames
def _typed(rows: list[dict], header: list[str], sch: dict) -> pd.DataFrame:
    types = {f["name"]: f.get("type", "string") for f in sch["fields"]}
    cols = {}
    for h in header:
        vals = [r[h] for r in rows]
        t = types.get(h, "string")
        if t == "number":
            cols[h] = np.array([float(v) if v != "" else np.nan for v in vals], dtype=float)
        elif t == "integer":
            cols[h] = pd.array([int(v) if v != "" else None for v in vals], dtype="Int64")
        elif t == "boolean":
            cols[h] = pd.array([(v in _TRUE) if v != "" else None for v in vals],
                               dtype="boolean")
        else:
            cols[h] = pd.Series(vals, dtype=object)
    return pd.DataFrame(cols, index=pd.RangeIndex(len(rows)))


def _ci_exempt(tables: dict, name: str) -> frozenset:
    corr = tables.get("corrections")
    if corr is None:
        return frozenset()
    return frozenset(r.get("key", "") for r in corr.rows if r.get("table") == name
                     and r.get("column") in ("ci_lb", "ci_ub", "estimate"))


def _read_folder(folder: Path, resources: dict) -> dict:
    tables = {}
    for name in resources:
        p = folder / f"{name}.csv"
        if p.exists():
            tables[name] = _Table(p, name)
    return tables


_CACHE: dict = {}


def _package_tables(data_dir=None):
    """Read and validate every packaged table once (cached on file modification times)."""
    folder = _data_dir(data_dir)
    resources = _resources(folder)
    stamp = tuple((n, (folder / f"{n}.csv").stat().st_mtime_ns
                   if (folder / f"{n}.csv").exists() else None) for n in resources)
    hit = _CACHE.get(str(folder))
    if hit and hit[0] == stamp:
        return hit[1], hit[2], resources
    tables = _read_folder(folder, resources)
    probs = []
    for name in resources:
        if name not in tables:
            probs.append(DataProblem(folder / f"{name}.csv", None, None, None, "file missing"))
    for name, tab in tables.items():
        sch = resources[name]["schema"]
        probs += _check_table(tab, sch, _ci_exempt(tables, name))
        probs += _check_foreign(tab, sch, tables, resources)
    _CACHE[str(folder)] = (stamp, tables, probs)
    return tables, probs, resources


def load(name: str, corrected: bool = True, *, data_dir=None) -> pd.DataFrame:
    """Load one table of the evidence package as a validated DataFrame.

    Parameters
    ----------
    name : str
        Table name: studies, groups, outcomes, reported_effects, pooled, corrections,
        claims, programmes (see :func:`datasets`).
    corrected : bool, default True
        True: apply the rows of ``corrections.csv`` with ``applied = true`` to this table
        and add a column ``corrected`` naming the corrected columns of each row (``""`` when
        none). False: the values exactly as printed by the sources.
    data_dir : path, optional
        Folder holding the package (default ``runecon.config.DATA_DIR``).

    Returns
    -------
    pandas.DataFrame
        Numbers as float (NaN when empty), integers as ``Int64``, booleans as ``boolean``
        (``<NA>`` when empty), text as str (``""`` when empty).

    Raises
    ------
    DataError
        If any table of the package breaks its schema (every problem is listed).

    Notes
    -----
    Sources and licences: ``data/README.md``. Llanos-Lagos et al. 2024a
    (doi:10.1007/s40279-023-01978-y) and 2024b (doi:10.1007/s40279-024-02018-z), CC BY 4.0.
    """
    resources = _resources(data_dir)
    if name not in resources:
        raise InputError("name", f"unknown table {name!r}; known: {', '.join(resources)}")
    if not isinstance(corrected, (bool, np.bool_)):   # "no" would be truthy
        raise InputError("corrected", f"must be True or False, got {corrected!r}")
    tables, probs, resources = _package_tables(data_dir)
    if probs:
        raise DataError(probs)
    tab, sch = tables[name], resources[name]["schema"]
    df = _typed(tab.rows, tab.header, sch)
    if corrected:
        df = _apply_corrections(df, name, sch, tables["corrections"])
    return df


def _apply_corrections(df, name, sch, corr: _Table) -> pd.DataFrame:
    df = df.copy()
    pk = _as_list(sch["primaryKey"])
    index = {KEY_SEP.join(str(v) for v in vals): i
             for i, vals in enumerate(zip(*(df[c].astype(str) for c in pk)))}
    types = {f["name"]: f.get("type", "string") for f in sch["fields"]}
    marks = [[] for _ in range(len(df))]
    for r in corr.rows:
        if r["table"] != name or r["applied"] not in _TRUE:
            continue
        i, col, v = index[r["key"]], r["column"], r["corrected_value"]
        t = types[col]
        val = (float(v) if t == "number" else int(v) if t == "integer"
               else (v in _TRUE) if t == "boolean" else v)
        df.loc[i, col] = val
        marks[i].append(col)
    df["corrected"] = [";".join(m) for m in marks]
    return df


def load_csv(path, table: str | None = None) -> pd.DataFrame:
    """Validate a user's CSV file against the schema of ``table`` and return it typed.

    Parameters
    ----------
    path : path-like
        The CSV file (UTF-8, header row).
    table : str, optional
        Schema to use; default: the file name without ``.csv`` (e.g. ``outcomes.csv``).

    Foreign keys are resolved against tables of the same name in the file's folder, or
    against the packaged tables when the folder has none.

    Returns
    -------
    pandas.DataFrame
        Typed as :func:`load` types the packaged tables (no corrections applied).

    Raises
    ------
    DataError
        With every problem found (file, line, column, value).
    """
    path = Path(path)
    resources = _resources()
    table = table or path.stem
    if table not in resources:
        raise InputError("table", f"unknown table {table!r}; known: {', '.join(resources)}")
    probs, tab = _validate_file(path, table, resources)
    if probs:
        raise DataError(probs)
    return _typed(tab.rows, tab.header, resources[table]["schema"])


def _validate_file(path: Path, table: str, resources: dict):
    tab = _Table(path, table)
    tables = dict(_read_folder(Path(config.DATA_DIR), resources))
    local = _read_folder(path.parent, resources)
    tables.update(local)
    tables[table] = tab
    sch = resources[table]["schema"]
    probs = _check_table(tab, sch, _ci_exempt(tables, table))
    if tab.header:
        probs += _check_foreign(tab, sch, tables, resources)
    return probs, tab


def validate_paths(paths, table: str | None = None) -> int:
    """Validate files or folders and print every problem; return an exit code.

    Parameters
    ----------
    paths : list of path-like
        CSV files and/or folders (a folder: every ``<table>.csv`` in it). Empty: the
        packaged data.
    table : str, optional
        Schema for a single file whose name is not a table name.

    Returns
    -------
    int
        0 when no problem was found, 1 otherwise (used by ``runecon validate``).
    """
    resources = _resources()
    paths = [Path(p) for p in (paths or [config.DATA_DIR])]
    problems, n_files = [], 0
    for p in paths:
        if p.is_dir():
            tables = _read_folder(p, resources)
            if not tables:
                problems.append(DataProblem(p, None, None, None, "no table files found"))
            ref = dict(_read_folder(Path(config.DATA_DIR), resources))
            ref.update(tables)
            for name, tab in tables.items():
                n_files += 1
                sch = resources[name]["schema"]
                problems += _check_table(tab, sch, _ci_exempt(ref, name))
                problems += _check_foreign(tab, sch, ref, resources)
        elif not p.exists():
            problems.append(DataProblem(p, None, None, None, "file not found"))
        else:
            name = table or p.stem
            if name not in resources:
                problems.append(DataProblem(p, None, None, None,
                                            f"unknown table {name!r}; pass --table one of "
                                            f"{', '.join(resources)}"))
                continue
            n_files += 1
            problems += _validate_file(p, name, resources)[0]
    for prob in problems:
        print(prob)
    if problems:
        print(f"{len(problems)} problem(s) in {n_files} file(s)")
        return 1
    print(f"ok: {n_files} file(s) valid")
    return 0


def datasets() -> pd.DataFrame:
    """List the tables of the package: name, rows and a one-line description.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``rows`` (data rows in the CSV) and ``description`` (from
        ``datapackage.json``).
    """
    res = _resources()
    rows = []
    for name, r in res.items():
        p = Path(config.DATA_DIR) / r["path"]
        with open(p, newline="", encoding="utf-8") as fh:
            n = sum(1 for rec in csv.reader(fh) if any(rec)) - 1
        rows.append({"name": name, "rows": n, "description": r["title"] + ": "
                     + r["description"].split(". ")[0].rstrip(".") + "."})
    return pd.DataFrame(rows)


def save(df: pd.DataFrame, path) -> None:
    """Write a table as CSV so that :func:`load_csv` reads back exactly the same values.

    Floats are written with the shortest representation that round-trips (``repr``),
    booleans as ``true``/``false``, missing values as empty cells.

    Parameters
    ----------
    df : pandas.DataFrame
        A table as returned by :func:`load` or :func:`load_csv`.
    path : path-like
        Destination CSV file (UTF-8, ``\\n`` line ends).
    """
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) == "boolean":
            out[c] = [("" if v is pd.NA or v is None else "true" if v else "false")
                      for v in s.astype(object)]
        elif pd.api.types.is_float_dtype(s.dtype):
            out[c] = ["" if (v is None or math.isnan(v)) else repr(float(v)) for v in s]
        elif pd.api.types.is_integer_dtype(s.dtype):
            out[c] = ["" if v is pd.NA or v is None else str(int(v)) for v in s.astype(object)]
        else:
            out[c] = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                      for v in s]
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
