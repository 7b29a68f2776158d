"""Living evidence: what was published after the reviews, and how the pooled effect moved.

The published reviews' data sets stay selections of the data package (``review_id ==
"llanoslagos2024a"``); rows added later carry ``review_id == LIVING_REVIEW`` (a studies row of
its own, ``runecon2026``), so adding a trial never changes what a review's re-analysis uses.

* :func:`cumulative_by_year` -- cumulative meta-analysis by publication year, one three-level
  model per training method (Lau et al. 1992, with the model of the review's protocol);
  run it with and without the living rows to see what the new trials change.
* :func:`new_evidence` -- the studies published after the reviews' searches and what each
  of them printed (arm-level data that can enter a model, or only percentages / pooled rows).
* :func:`tipping_point` -- the effect one more trial would need to change a method's
  verdict (CI excluding 0 or not).
* :func:`claims_at_stake` -- which claims of ``claims.csv`` the new evidence speaks to, and
  whether any of it changes a pooled estimate (the rule is in the docstring).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConvergenceError, InputError, TooFewStudiesError

__all__ = ["LIVING_REVIEW", "SEARCH_END_YEAR", "cumulative_by_year", "tipping_point",
           "new_evidence", "claims_at_stake", "write_template", "merge_study"]

#: review_id of the rows added after the published reviews (a row of studies.csv)
LIVING_REVIEW = "runecon2026"
#: the Llanos-Lagos 2024a/b searches included articles indexed up to November 2022
#: (Llanos-Lagos et al. 2024a, abstract, doi:10.1007/s40279-023-01978-y): a study published
#: in a later year is new evidence for their verdicts
SEARCH_END_YEAR = 2022
_REVIEWED_BY = ("llanoslagos2024a", "llanoslagos2024b")
#: grid step (SMD units) of the walk in :func:`tipping_point`
STEP = 0.1


def _model(d):
    """The review protocol's model for one method (as the article figures): three-level REML
    with t-based inference when a cluster holds several effects, else two-level REML."""
    from ..meta.models import rma
    from ..meta.multilevel import rma_mv

    yi, vi = d["yi"].to_numpy(float), d["vi"].to_numpy(float)
    if d["cluster"].duplicated().any():
        return rma_mv(yi, vi, cluster=d["cluster"].to_numpy(), test="t", lrt=False), \
            "three-level"
    return rma(yi, vi, test="t"), "two-level"


def _years(data_dir):
    from .data import load

    st = load("studies", data_dir=data_dir)
    return dict(zip(st["study_id"], st["year"].astype(int)))


def _arms(outcome, reviews, corrected, data_dir):
    from ._armdata import arm_table

    parts = []
    for r in reviews:
        a = arm_table(outcome, review=r, corrected=corrected, data_dir=data_dir)
        if len(a):
            parts.append(a.assign(review_id=r))
    if not parts:
        raise InputError("reviews", f"no arm data for outcome {outcome!r} in reviews "
                                    f"{list(reviews)}")
    arms = pd.concat(parts, ignore_index=True)
    seen = arms.groupby("study_id")["review_id"].unique()
    twice = seen[seen.map(len) > 1]
    if len(twice):
        s = twice.index[0]
        raise InputError("reviews", f"study {s!r} has arm data in reviews "
                                    f"{list(twice.iloc[0])}: the same runners would count "
                                    "twice; keep its rows under one review_id")
    return arms


def cumulative_by_year(outcome="running_economy", reviews=("llanoslagos2024a", LIVING_REVIEW),
                       *, protocol="llanoslagos2024a", methods=None, corrected=True,
                       data_dir=None):
    """Cumulative meta-analysis by publication year, one pooled estimate per training method.

    For every method and every year in which a study of that method was published, the
    review protocol's model is fitted to all comparisons of studies published up to that
    year: a three-level REML model (effects within clusters, :func:`runecon.rma_mv`,
    t-based) when a cluster holds several effects, else two-level REML (t-based) -- the
    model of the article figure ``llanoslagos_methods``.

    Parameters
    ----------
    outcome : str
        Outcome code (``"running_economy"``...; see :func:`runecon.comparisons`).
    reviews : sequence of str
        The ``review_id`` values whose arm data are pooled: the default is the Llanos-Lagos
        2024a data set plus the living rows (:data:`LIVING_REVIEW`); pass
        ``("llanoslagos2024a",)`` for the published data set alone. A study with arm data
        under two of them is an error (its runners would count twice).
    protocol : str
        The effect-size protocol (:data:`runecon.comparisons.PROTOCOLS`) applied to all
        rows, also to the living ones, so that old and new effects are on one scale.
    methods : sequence of str, optional
        Method codes to include (default: all methods with data).
    corrected : bool
        Apply the correction rows of the data package.
    data_dir : path, optional
        A data folder (e.g. a copy of ``data/`` with a trial added); default the package's.

    Returns
    -------
    TableResult
        One row per method and year (index ``"<method> <year>"``): ``method``, ``year``,
        ``added`` (studies of that year), ``k`` (effect sizes), ``n_clusters``,
        ``n_studies``, ``estimate``, ``se``, ``ci_lb``, ``ci_ub``, ``pval``, ``model``,
        ``n_living`` (effect sizes from :data:`LIVING_REVIEW`). A year whose fit is not
        possible (fewer than two clusters) or fails has NA numbers and says why in ``model``.

    Notes
    -----
    Lau J, Antman EM, Jimenez-Silva J, et al. (1992). Cumulative meta-analysis of
    therapeutic trials for myocardial infarction. N Engl J Med 327:248-254.
    doi:10.1056/NEJM199207233270406. Three-level model: Cheung MW-L (2014) Psychol Methods
    19:211-229, doi:10.1037/a0032968; metafor's ``rma.mv(yi, vi, random = ~ 1 | cluster/es)``.
    """
    from . import labels
    from .comparisons import PROTOCOLS, pair_arms
    from ..meta.sensitivity import TableResult

    if isinstance(reviews, str):
        reviews = (reviews,)
    reviews = tuple(reviews)
    if not reviews:
        raise InputError("reviews", "name at least one review_id")
    if protocol not in PROTOCOLS:
        raise InputError("protocol", f"unknown protocol {protocol!r}; known: {sorted(PROTOCOLS)}")
    arms = _arms(outcome, reviews, corrected, data_dir)
    if protocol == "llanoslagos2024b":   # as runecon.comparisons: no submaximal-only groups
        arms = arms[arms["method"] != "submaximal"]
    review_of = dict(zip(arms["study_id"], arms["review_id"]))
    c = pair_arms(arms, **PROTOCOLS[protocol])
    years = _years(data_dir)
    missing = sorted(set(c["study_id"]) - set(years))
    if missing:
        raise InputError("data_dir", f"studies {missing} have no row in studies.csv (no year)")
    c["year"] = c["study_id"].map(years)
    c["living"] = c["study_id"].map(review_of).eq(LIVING_REVIEW)
    all_methods = [m for m in dict.fromkeys(c["method"])]
    if methods is None:
        methods = all_methods
    else:
        methods = [methods] if isinstance(methods, str) else list(methods)
        unknown = [m for m in methods if m not in all_methods]
        if unknown:
            raise InputError("methods", f"no comparisons of method(s) {unknown}; "
                                        f"available: {all_methods}")
    rows, index, failed = [], [], 0
    for m in methods:
        d = c[c["method"] == m]
        for y in sorted(d["year"].unique()):
            s = d[d["year"] <= y]
            added = ", ".join(labels.study(x) for x in dict.fromkeys(
                d.loc[d["year"] == y, "study_id"]))
            row = dict(method=m, year=int(y), added=added, k=len(s),
                       n_clusters=int(s["cluster"].nunique()),
                       n_studies=int(s["study_id"].nunique()), estimate=np.nan, se=np.nan,
                       ci_lb=np.nan, ci_ub=np.nan, pval=np.nan, model="",
                       n_living=int(s["living"].sum()))
            if row["n_clusters"] < 2:
                row["model"] = "not fitted (fewer than 2 clusters)"
            else:
                try:
                    fit, kind = _model(s)
                except (ConvergenceError, TooFewStudiesError, InputError) as exc:
                    row["model"] = f"not fitted ({exc})"
                    failed += 1
                else:
                    row.update(estimate=float(fit.estimate), se=float(fit.se),
                               ci_lb=float(fit.ci_lb), ci_ub=float(fit.ci_ub),
                               pval=float(fit.pval), model=kind)
            rows.append(row)
            index.append(f"{m} {int(y)}")
    table = pd.DataFrame(rows, index=pd.Index(index, name="method year"))
    notes = (f"Protocol {protocol}; reviews {', '.join(reviews)}; REML, t-based.",
             f"{int(c['living'].sum())} effect size(s) from the living rows ({LIVING_REVIEW}).")
    return TableResult(title=f"Cumulative meta-analysis by year ({labels.outcome(outcome)})",
                       table=table, n_failed=failed, notes=notes)


def tipping_point(outcome="running_economy", reviews=("llanoslagos2024a", LIVING_REVIEW), *,
                  protocol="llanoslagos2024a", methods=None, corrected=True, data_dir=None,
                  bound=3.0, tol=1e-10):
    """How large would one more trial's effect have to be to change a method's verdict?

    For each method, the pooled model (as :func:`cumulative_by_year`, all years) is refitted
    with one more effect size in a new cluster, with the median sampling variance of that
    method's effects (a trial of typical precision), and the new effect ``yi_tip`` at which
    the upper 95% confidence limit crosses 0 is found: the first crossing met walking from
    the pooled estimate in steps of :data:`STEP` towards the side that can change the
    verdict (the limit is not monotone in the new effect: an extreme trial widens the CI
    both ways), then R's ``uniroot`` algorithm in that bracket (:mod:`runecon._rootfind`). Verdict rule: *improves* when ``ci_ub < 0``
    (negative = better), else *not shown*. If the verdict is *improves*, one new trial with
    effect above ``yi_tip`` would make the CI include 0; if *not shown*, one with effect below
    ``yi_tip`` would make it exclude 0.

    Returns
    -------
    pandas.DataFrame
        One row per method: ``k``, ``estimate``, ``ci_lb``, ``ci_ub``, ``verdict``,
        ``vi_new``, ``yi_tip`` (NaN when no effect within ``bound`` of the estimate changes
        the verdict) and ``note``.
    """
    from ..meta._rootfind import r_uniroot
    from .comparisons import PROTOCOLS, pair_arms

    if protocol not in PROTOCOLS:
        raise InputError("protocol", f"unknown protocol {protocol!r}; known: {sorted(PROTOCOLS)}")
    if not (isinstance(bound, (int, float)) and math.isfinite(bound) and bound > 0):
        raise InputError("bound", f"must be a positive number, got {bound!r}")
    arms = _arms(outcome, tuple([reviews] if isinstance(reviews, str) else reviews),
                 corrected, data_dir)
    if protocol == "llanoslagos2024b":
        arms = arms[arms["method"] != "submaximal"]
    c = pair_arms(arms, **PROTOCOLS[protocol])
    all_methods = list(dict.fromkeys(c["method"]))
    methods = all_methods if methods is None else ([methods] if isinstance(methods, str)
                                                   else list(methods))
    unknown = [m for m in methods if m not in all_methods]
    if unknown:
        raise InputError("methods", f"no comparisons of method(s) {unknown}; available: "
                                    f"{all_methods}")
    rows = []
    for m in methods:
        d = c[c["method"] == m][["yi", "vi", "cluster"]].reset_index(drop=True)
        fit, _ = _model(d)
        vi_new = float(np.median(d["vi"]))

        def ub(y, d=d, vi_new=vi_new):
            e = pd.concat([d, pd.DataFrame({"yi": [y], "vi": [vi_new],
                                            "cluster": ["(new trial)"]})], ignore_index=True)
            return float(_model(e)[0].ci_ub)

        verdict = "improves" if fit.ci_ub < 0 else "not shown"
        # ci_ub is not monotone in the new effect (an extreme trial inflates the
        # heterogeneity and widens the CI both ways): walk from the pooled estimate towards
        # the side that can change the verdict, in steps of STEP, to the first sign change,
        # then solve in that bracket
        sign = 1.0 if verdict == "improves" else -1.0
        grid = fit.estimate + sign * STEP * np.arange(int(np.ceil(bound / STEP)) + 1)
        y, note = np.nan, f"no single trial within {bound:g} of the estimate changes the verdict"
        f_prev = ub(grid[0])
        for a, b in zip(grid[:-1], grid[1:]):
            f_b = ub(b)
            if np.sign(f_b) != np.sign(f_prev):
                lo, hi, f_lo, f_hi = (a, b, f_prev, f_b) if a < b else (b, a, f_b, f_prev)
                y = r_uniroot(ub, lo, hi, tol=tol, f_lower=f_lo, f_upper=f_hi)[0]
                note = ("one new trial with g above this makes the CI include 0"
                        if verdict == "improves" else
                        "one new trial with g below this makes the CI exclude 0")
                break
            f_prev = f_b
        rows.append(dict(method=m, k=fit.k, estimate=float(fit.estimate),
                         ci_lb=float(fit.ci_lb), ci_ub=float(fit.ci_ub), verdict=verdict,
                         vi_new=vi_new, yi_tip=float(y), note=note))
    return pd.DataFrame(rows).set_index("method")


def new_evidence(data_dir=None):
    """The studies published after the reviews' searches, and what each of them printed.

    Rule: a study of ``studies.csv`` is new evidence when its ``year`` is after
    :data:`SEARCH_END_YEAR`, it is not one of the Llanos-Lagos 2024 reviews themselves and
    those reviews printed none of its rows (do Carmo 2023, Filipas 2023 and Lum 2023 were
    published in 2023 but are in their tables).

    Returns
    -------
    pandas.DataFrame
        One row per study: ``study_id``, ``label``, ``year``, ``design``, ``outcomes`` (its
        outcome codes in ``outcomes.csv`` and ``pooled.csv``), ``arm_rows`` (outcome rows
        with pre and post mean and SD, the only rows that can enter a model), ``pct_rows``
        (rows with a printed % change only), ``pooled_rows``, ``enters_model`` and ``note``.
    """
    from . import labels
    from .data import load

    st = load("studies", data_dir=data_dir)
    o = load("outcomes", data_dir=data_dir)
    p = load("pooled", data_dir=data_dir)
    in_reviews = set(o.loc[o["review_id"].isin(_REVIEWED_BY), "study_id"])
    new = st[(st["year"] > SEARCH_END_YEAR) & ~st["study_id"].isin(
        set(_REVIEWED_BY) | {LIVING_REVIEW} | in_reviews)]
    rows = []
    for _, s in new.iterrows():
        sid = s["study_id"]
        oo, pp = o[o["study_id"] == sid], p[p["review_id"] == sid]
        full = oo[oo["timepoint"].isin(["pre", "post"]) & oo["mean"].notna() & oo["sd"].notna()
                  & oo["comparison_key"].ne("")]
        rows.append(dict(study_id=sid, label=labels.study(sid), year=int(s["year"]),
                         design=s["design"],
                         outcomes=", ".join(sorted(set(oo["outcome"]) | set(pp["outcome"]))),
                         arm_rows=len(full), pct_rows=int(oo["pct_change"].notna().sum()),
                         pooled_rows=len(pp), enters_model=len(full) > 0, note=s["note"]))
    return pd.DataFrame(rows, columns=["study_id", "label", "year", "design", "outcomes",
                                       "arm_rows", "pct_rows", "pooled_rows", "enters_model",
                                       "note"])


def claims_at_stake(data_dir=None):
    """Which claims of ``claims.csv`` the new evidence speaks to.

    Rule: a claim is *at stake* when a study of :func:`new_evidence` has a row on one of
    the claim's outcomes (``claims.outcome``, ``;``-separated; ``running_performance``
    stands for time trials, time to exhaustion and distance tests). Its pooled estimate *can
    change* only if such a study has arm-level data (``enters_model``); otherwise the new
    evidence is reported beside the verdict (percent changes, other reviews' pooled values)
    and the verdict computed from the reviews' data stands.

    Returns
    -------
    pandas.DataFrame
        ``claim_id``, ``outcome``, ``new_studies`` (labels), ``estimate_can_change``.
    """
    from ._armdata import OUTCOME_ALIASES
    from .data import load

    cl = load("claims", data_dir=data_dir)
    ne = new_evidence(data_dir)
    rows = []
    for _, c in cl.iterrows():
        outs = {x.strip() for x in str(c["outcome"]).split(";") if x.strip()}
        outs |= {a for o in list(outs) for a in OUTCOME_ALIASES.get(o, ())}
        hit = ne[ne["outcomes"].map(lambda s: bool(outs & {x.strip() for x in s.split(",")}))]
        if len(hit):
            rows.append(dict(claim_id=c["claim_id"], outcome=";".join(sorted(outs)),
                             new_studies=", ".join(hit["label"]),
                             estimate_can_change=bool(hit["enters_model"].any())))
    return pd.DataFrame(rows, columns=["claim_id", "outcome", "new_studies",
                                       "estimate_can_change"])


# ----------------------------------------------------------------------------- add a study
#: the tables a new trial needs, in the order they are filled in
STUDY_TABLES = ("studies", "groups", "outcomes")
#: one example row per table (a made-up trial, commented out in the template)
_EXAMPLE = {
    "studies": dict(study_id="surname2026", first_author="Surname", authors="Surname A, Other B",
                    year="2026", title="Title as printed", journal="J Abbrev",
                    doi="10.xxxx/yyyy", design="randomised controlled trial",
                    population="trained distance runners (10 strength, 10 control)",
                    source="https://doi.org/10.xxxx/yyyy", location="Table 2, p. 5",
                    status="reported", note="what was not extractable, and why"),
    "groups": dict(study_id="surname2026", group_id="high_load", method="high_load",
                   control_group_id="control", n="10", weeks="8", sessions_per_week="2",
                   source="https://doi.org/10.xxxx/yyyy", location="Table 1, p. 4",
                   status="reported"),
    "outcomes": dict(record_id="liv_surname2026_01", timepoint="pre", study_id="surname2026",
                     group_id="high_load", review_id=LIVING_REVIEW,
                     comparison_key=f"{LIVING_REVIEW}:surname2026:control:speed1",
                     outcome="running_economy", measure="oxygen cost", unit="ml/kg/km",
                     higher_is_better="false", speed_kmh="12", n="10", mean="200.1", sd="10.2",
                     source="https://doi.org/10.xxxx/yyyy", location="Table 3, p. 6",
                     status="reported"),
}
_GUIDE = """# Adding a trial to the runecon data (template written by `runecon add-study --template`)

1. Fill in one file per table; each starts with a commented example row (`#`, ignored).
   Keep the header; leave a cell empty when the paper does not print the value.
   - `studies.csv`: one row. `study_id` = first-author surname + year, lowercase ASCII
     (`surname2026`); `source` = the DOI as https://doi.org/...; `location` = where you
     read it ("Table 2, p. 5", "abstract"); `status` = reported; `note` = what was NOT
     extractable and why.
   - `groups.csv`: one row per arm. `group_id` = the method code (`high_load`,
     `submaximal`, `plyometric`, `isometric`, `combined`, `control`; `_1`, `_2` for two
     arms of one method); `control_group_id` = the group_id of the arm's control.
   - `outcomes.csv`: one row per arm x measure x speed x timepoint (`pre`, `post`, or
     `change` for a printed change). `review_id` = `{living}` (the living rows, kept apart
     from the published reviews); an arm and its control share `comparison_key`
     (`{living}:<study_id>:<control group_id>:speed<N>`), exactly one control row per key
     and timepoint. `higher_is_better` = false for an energy or O2 cost.
   Only numbers the paper prints; a computed value gets `status` = derived and the rule in
   `note`. The full codebook: data/README.md and data/datapackage.json.
2. Merge with the packaged data and check every cell:
       runecon add-study {here} --out MERGED
   It copies the data package to MERGED, appends your rows, and prints every problem
   (file, line, column, value) -- your rows are the last lines of each file.
3. Re-run the analyses on the extended data:
       runecon figures --data MERGED --out figures-merged
   or in Python / a notebook: `RUNECON_DATA=MERGED` before `import runecon`, or
   `runecon.load("outcomes", data_dir=MERGED)` and
   `runecon.living.cumulative_by_year(data_dir=MERGED)`.
"""


def _header(name):
    import csv

    from .. import config

    with open(Path(config.DATA_DIR) / f"{name}.csv", newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))


def write_template(folder):
    """Write the guided template for a new trial: ``studies.csv``, ``groups.csv``,
    ``outcomes.csv`` (the packaged headers and one commented example row each) and
    ``README.md`` (the guide). Existing files are not overwritten.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        ``folder`` exists and already holds one of these files.
    """
    import csv
    import io

    folder = Path(folder)
    names = [f"{t}.csv" for t in STUDY_TABLES] + ["README.md"]
    clash = [n for n in names if (folder / n).exists()]
    if clash:
        raise InputError("folder", f"{folder} already has {clash}; choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for t in STUDY_TABLES:
        h = _header(t)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(h)
        ex = [_EXAMPLE[t].get(c, "") for c in h]
        ex[0] = "# example: " + ex[0]
        w.writerow(ex)
        (folder / f"{t}.csv").write_text(buf.getvalue(), encoding="utf-8")
        written.append(folder / f"{t}.csv")
    (folder / "README.md").write_text(_GUIDE.format(living=LIVING_REVIEW, here=folder),
                                      encoding="utf-8")
    written.append(folder / "README.md")
    return written


def _user_rows(path, header):
    """Rows of a user's file (comment lines starting with '#' dropped), by column name."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        lines = [ln for ln in fh if not ln.lstrip().startswith("#")]
    reader = csv.reader(lines)
    head = next(reader, None)
    if head is None:
        return []
    unknown = [c for c in head if c not in header]
    if unknown:
        raise InputError("folder", f"{path}: unknown column(s) {unknown}; the columns are "
                                   f"those of data/{Path(path).name}")
    rows = []
    for rec in reader:
        if not any(c.strip() for c in rec):
            continue
        if len(rec) != len(head):
            raise InputError("folder", f"{path}: a row has {len(rec)} fields, the header "
                                       f"{len(head)}: {rec[:3]}...")
        rows.append(dict(zip(head, rec)))
    return rows


def merge_study(folder, out):
    """Copy the packaged data to ``out`` and append the rows of a filled-in template.

    Parameters
    ----------
    folder : path
        A folder written by :func:`write_template` and filled in (comment lines are
        ignored; any of ``studies.csv``, ``groups.csv``, ``outcomes.csv``,
        ``pooled.csv`` may be present).
    out : path
        New folder for the merged data package (must not exist or be empty).

    Returns
    -------
    dict
        Table name -> number of rows appended. Validate ``out`` afterwards
        (:func:`runecon.data.validate_paths`; ``runecon add-study`` does).
    """
    import csv
    import io
    import shutil

    from .. import config
    from .data import DESCRIPTOR

    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise InputError("folder", f"{folder} is not a folder")
    if out.exists() and any(out.iterdir()):
        raise InputError("out", f"{out} exists and is not empty; choose a new folder")
    tables = [t for t in STUDY_TABLES + ("pooled",) if (folder / f"{t}.csv").exists()]
    if not tables:
        raise InputError("folder", f"{folder} has none of "
                                   f"{[t + '.csv' for t in STUDY_TABLES + ('pooled',)]}")
    src = Path(config.DATA_DIR)
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.glob("*.csv")) + [src / DESCRIPTOR]:
        shutil.copyfile(f, out / f.name)
    added = {}
    for t in tables:
        h = _header(t)
        rows = _user_rows(folder / f"{t}.csv", h)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=h, lineterminator="\n")
        for r in rows:
            w.writerow({c: r.get(c, "") for c in h})
        text = (out / f"{t}.csv").read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            text += "\n"
        (out / f"{t}.csv").write_text(text + buf.getvalue(), encoding="utf-8")
        added[t] = len(rows)
    return added
