"""The article figures: a registry of named figures and :func:`build_all` (``runecon figures``).

Each figure is a function decorated with :func:`figure`; it draws into a Figure of journal
width and returns the numbers it shows (estimate, CI, PI, tau², I², k...). ``build_all``
writes every figure as PDF/SVG/PNG with identical bytes from run to run, the numbers as JSON
beside it (sorted keys, rounded floats, the data version, no timestamps) and an index page
``index.md`` with captions and sources.

Every number drawn comes from the data package (``data/``) through the statistics modules;
a figure whose inputs do not exist yet is not registered.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from . import plots
from ..evidence import labels as words
from ..errors import InputError
from .savefig import DEFAULT_DPI, check_formats, save
from .style import DOUBLE_COLUMN_IN, SINGLE_COLUMN_IN, context, width_in

__all__ = ["Figure", "REGISTRY", "figure", "build", "build_all", "data_version", "render"]

#: Decimal places of floats in the numbers JSON (stable across platforms' last-bit noise).
JSON_DIGITS = 6
Z95 = 1.959963984540054  # qnorm(0.975): CI half-width of printed 95% CIs -> SE


@dataclass(frozen=True)
class Figure:
    """A registered article figure."""
    name: str
    caption: str
    sources: tuple
    width: str
    height: float
    func: object

    @property
    def size(self):
        return (width_in(self.width), float(self.height))


#: name -> Figure, in registration order.
REGISTRY: dict = {}


def figure(name, caption, sources, width="single", height=2.6):
    """Decorator registering ``func(fig) -> dict`` as the article figure ``name``.

    The dict holds the numbers the figure shows and a key ``"sentence"``: what the figure
    shows in one quotable sentence, built from those numbers (with its citation), written
    into the JSON and ``index.md``.

    Parameters
    ----------
    name : str
        File stem of the figure (letters, digits, underscore).
    caption : str
    sources : sequence of str
        Papers (with DOI) and data tables behind the figure.
    width : {"single", "double"} or float
        Journal column width (3.5 in / 7.2 in) or inches.
    height : float
        Inches.
    """
    if not name.replace("_", "").isalnum():
        raise InputError("name", f"figure names are letters, digits and '_', got {name!r}")
    width_in(width)

    def deco(func):
        if name in REGISTRY:
            raise InputError("name", f"figure {name!r} is registered twice")
        REGISTRY[name] = Figure(name, caption, tuple(sources), width, float(height), func)
        return func

    return deco


# ----------------------------------------------------------------------------- numbers
def _clean(x):
    """JSON-ready: numpy -> Python, floats rounded, NaN/inf -> None, keys as str."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray, pd.Series)):
        return [_clean(v) for v in list(x)]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if not math.isfinite(x):
            return None
        r = round(x, JSON_DIGITS)
        return 0.0 if r == 0 else r
    if x is None or x is pd.NA:
        return None
    return str(x)


@functools.lru_cache(maxsize=None)
def data_version(data_dir=None) -> str:
    """``<datapackage version>+sha256:<12 hex>`` over the package's files (content hash)."""
    d = Path(data_dir) if data_dir else Path(config.DATA_DIR)
    with open(d / "datapackage.json", encoding="utf-8") as fh:
        version = json.load(fh).get("version", "unknown")
    h = hashlib.sha256()
    for p in sorted(d.glob("*.csv")) + [d / "datapackage.json"]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return f"{version}+sha256:{h.hexdigest()[:12]}"


def _rma_numbers(res):
    """What a pooled model shows: estimate, CI, PI, tau², I², Q, k, method."""
    out = {"k": res.k, "method": res.method, "test": res.test, "level": res.level,
           "tau2": res.tau2, "I2": res.I2, "QE": res.QE, "QEp": res.QEp}
    if res.p == 1:
        pr = res.predict()
        out.update(estimate=res.estimate, se=res.se, ci_lb=res.ci_lb, ci_ub=res.ci_ub,
                   pval=res.pval, pi_lb=pr.pi_lb, pi_ub=pr.pi_ub)
    else:
        out.update(coef_names=list(res.coef_names), beta=res.beta, se=res.se,
                   ci_lb=res.ci_lb, ci_ub=res.ci_ub, pval=res.pval, QM=res.QM, QMp=res.QMp)
    return out


# ----------------------------------------------------------------------------- inputs
@functools.lru_cache(maxsize=None)
def _table(name):
    from ..evidence.data import load

    return load(name)


@functools.lru_cache(maxsize=None)
def _comparisons(outcome, review):
    from ..evidence.comparisons import comparisons

    return comparisons(outcome, review=review)


@functools.lru_cache(maxsize=1)
def _balsalobre():
    """Balsalobre-Fernández 2016 Table 3 per-study SMDs -> REML random-effects model.

    SE from the printed 95% CI: (ci_ub - ci_lb) / (2 * 1.96).
    """
    from ..meta.models import rma

    re = _table("reported_effects")
    b = re[re["review_id"] == "balsalobre2016"]
    sei = ((b["ci_ub"] - b["ci_lb"]) / (2 * Z95)).to_numpy(float)
    st = _table("studies").set_index("study_id")
    labels = [f"{st.at[s, 'first_author']} {st.at[s, 'year']}" for s in b["study_id"]]
    return rma(b["estimate"].to_numpy(float), sei=sei, slab=labels), b


# ----------------------------------------------------------------------------- figures
BALSALOBRE = ("Balsalobre-Fernández C et al. (2016) J Strength Cond Res, "
              "doi:10.1519/JSC.0000000000001316 (Table 3)")
LLANOS_A = ("Llanos-Lagos C et al. (2024a) Sports Med 54:895-932, doi:10.1007/s40279-023-01978-y "
            "(Table 3; CC BY 4.0)")
LLANOS_B = ("Llanos-Lagos C et al. (2024b) Sports Med 54:1801-1833, "
            "doi:10.1007/s40279-024-02018-z (Table 3; CC BY 4.0)")
STOREN = "Støren Ø et al. (2008) Med Sci Sports Exerc, doi:10.1249/MSS.0b013e318168da2f"
LAUERSEN = ("Lauersen JB, Bertelsen DM, Andersen LB (2014) Br J Sports Med 48:871-877, "
            "doi:10.1136/bjsports-2013-092538 (Abstract, Results)")
WU = ("Wu H et al. (2024) Sports Med, doi:10.1007/s40279-024-01993-7 (Abstract, Results)")
#: short citations for the figure sentences
CITE = {"balsalobre2016": "Balsalobre-Fernández et al. 2016, J Strength Cond Res",
        "llanoslagos2024a": "Llanos-Lagos et al. 2024a, Sports Med",
        "llanoslagos2024b": "Llanos-Lagos et al. 2024b, Sports Med",
        "storen2008": "Støren et al. 2008, Med Sci Sports Exerc",
        "lauersen2014": "Lauersen et al. 2014, Br J Sports Med",
        "wu2024": "Wu et al. 2024, Sports Med"}
FAVOURS = ("favours training", "favours control")


def _verb(lb, ub):
    """The verdict word of a sentence by the rule of the 95% CI (negative = better):
    "improved" when the CI lies below zero, "worsened" above, else "changed"."""
    return "improved" if ub < 0 else "worsened" if lb > 0 else "changed"


def _count(n, word, plural=None):
    """``"1 trial"``, ``"2 trials"``, ``"no trials"``: a count with its noun in the right
    number (``plural`` when adding "s" is wrong)."""
    n = int(n)
    many = plural if plural is not None else word + "s"
    return f"no {many}" if n == 0 else f"{n} {word if n == 1 else many}"


def _g(est, lb, ub):
    """``"g = −0.27 [−0.52, −0.02]"`` for figure sentences."""
    return f"g = {words.ci(est, lb, ub)}"
GROUP_MODEL = ("REML random-effects models per method with t-based 95% CIs and prediction "
               "intervals: three-level (effects within study groups) where a group holds "
               "several effects, as the review, else two-level")


@figure("storen", "Støren 2008: running economy (O2 cost at 70% of maximal aerobic speed) and "
        "time to exhaustion at maximal aerobic speed, group means ± SD before and after 8 weeks "
        "of maximal strength training (half squat) or control, as printed by Llanos-Lagos "
        "2024a/b (the abstract reports RE −5% and TTE +21.3%); error bars are SD. Panel titles: "
        "between-group Hedges g [95% CI] under the reviews' protocol (negative = better: lower "
        "oxygen cost, longer time to exhaustion).",
        [STOREN, LLANOS_A, LLANOS_B, "data/outcomes.csv"], width="single", height=2.3)
def storen(fig):
    out = _table("outcomes")
    s = out[out["study_id"] == "storen2008"]
    axs = fig.subplots(1, 2)
    numbers = {}
    for ax, (outcome, review, ylab) in zip(axs, [
            ("running_economy", "llanoslagos2024a", "Running economy\n(oxygen cost, {unit})"),
            ("tte", "llanoslagos2024b", "Time to exhaustion at\nmaximal aerobic speed (s)")]):
        rows = []
        for g, lab in (("high_load", "Strength training"), ("control", "Control")):
            d = s[(s["outcome"] == outcome) & (s["review_id"] == review) & (s["group_id"] == g)]
            pre, post = d[d["timepoint"] == "pre"].iloc[0], d[d["timepoint"] == "post"].iloc[0]
            rows.append({"group": lab, "n": int(pre["n"]), "pre_mean": pre["mean"],
                         "pre_sd": pre["sd"], "post_mean": post["mean"], "post_sd": post["sd"]})
        frame = pd.DataFrame(rows)
        plots.prepost(frame, ax, ylabel=ylab.format(unit=words.unit(pre["unit"])))
        cmp = _comparisons(outcome, review)
        c = cmp[cmp["study_id"] == "storen2008"].iloc[0]
        lb, ub = c["yi"] - Z95 * math.sqrt(c["vi"]), c["yi"] + Z95 * math.sqrt(c["vi"])
        ax.set_title(_g(c["yi"], lb, ub), fontsize=6.5, fontweight="normal", loc="center")
        pct = 100 * (frame["post_mean"] / frame["pre_mean"] - 1)
        numbers[outcome] = {"groups": frame.assign(pct_change=pct).to_dict("records"),
                            "smd_review_protocol": {"yi": c["yi"], "vi": c["vi"],
                                                    "ci_lb": lb, "ci_ub": ub, "review": review}}
    handles, labs = axs[0].get_legend_handles_labels()
    fig.legend(handles, labs + [], loc="outside lower center", ncol=2,
               title="mean \u00b1 SD; Hedges g: negative = better", title_fontsize=6.5)
    ab = out[(out["study_id"] == "storen2008") & (out["timepoint"] == "change")]
    numbers["abstract_pct_change"] = {r["outcome"]: r["pct_change"] for _, r in ab.iterrows()}
    g = _table("groups")
    weeks = g[(g["study_id"] == "storen2008") & (g["group_id"] == "high_load")]["weeks"].iloc[0]
    re_, tte = (numbers[o]["smd_review_protocol"] for o in ("running_economy", "tte"))
    numbers["sentence"] = (
        f"After {weeks:g} weeks of maximal strength training, the strength group of Støren "
        f"2008 {_verb(re_['ci_lb'], re_['ci_ub'])} running economy by {_g(re_['yi'], re_['ci_lb'], re_['ci_ub'])} and "
        f"time to exhaustion by {_g(tte['yi'], tte['ci_lb'], tte['ci_ub'])} against control "
        f"(Hedges g, negative = better; {CITE['storen2008']}; data as printed by "
        f"Llanos-Lagos et al. 2024a and 2024b, Sports Med).")
    return numbers


@figure("balsalobre_forest", "Balsalobre-Fernández 2016 re-analysed: the five printed "
        "per-study SMDs of running economy (Table 3; SE from the 95% CI) pooled with a REML "
        "random-effects model; squares ∝ weight, diamond = pooled estimate and 95% CI, dotted "
        "bar = 95% prediction interval. The paper printed −1.42 [−2.23, −0.60], which the "
        "DerSimonian–Laird estimator reproduces on these inputs (model_DL in the JSON).",
        [BALSALOBRE, "data/reported_effects.csv"], width="double", height=2.2)
def balsalobre_forest(fig):
    res, b = _balsalobre()
    ax = fig.subplots()
    plots.forest(res, ax, n=b["n"].to_numpy(), columns=("n", "estimate", "weight"),
                 xlabel="SMD of running economy (Hedges g; negative = better)",
                 favours=("favours strength training", "favours control"))
    from ..meta.models import rma

    dl = rma(res.yi, res.vi, method="DL", slab=list(res.slab))
    pooled = _table("pooled").set_index("pooled_id")
    printed = {c: pooled.at["balsalobre2016_01", c] for c in ("estimate", "ci_lb", "ci_ub",
                                                              "heterogeneity")}
    pr = res.predict()
    sentence = (f"Re-analysed with REML, the five studies of Balsalobre-Fernández 2016 pool to "
                f"{_g(res.estimate, res.ci_lb, res.ci_ub)} for running economy (I\u00b2 = "
                f"{res.I2:.0f}%, 95% prediction interval {words.num(pr.pi_lb)} to "
                f"{words.num(pr.pi_ub)}); the paper printed {words.ci(*printed_ci(printed))} "
                f"({CITE['balsalobre2016']}).")
    return {"sentence": sentence, "model": _rma_numbers(res), "model_DL": _rma_numbers(dl),
            "printed": printed, "studies": {
        "slab": list(res.slab), "yi": res.yi, "sei": np.sqrt(res.vi), "weight": res.weights,
        "n": b["n"].to_numpy()}}


def printed_ci(row):
    """(estimate, ci_lb, ci_ub) of a printed pooled row (a dict or Series)."""
    return float(row["estimate"]), float(row["ci_lb"]), float(row["ci_ub"])


def _group_model(d):
    """The review's model for one method: three-level REML (effects within study groups,
    ``rma_mv(..., cluster, test="t")``) when a group holds several effects, else the
    two-level REML model with t-based inference (one effect per cluster)."""
    from ..meta.models import rma
    from ..meta.multilevel import rma_mv

    yi, vi = d["yi"].to_numpy(float), d["vi"].to_numpy(float)
    if d["cluster"].duplicated().any():
        return rma_mv(yi, vi, cluster=d["cluster"].to_numpy(), test="t"), "three-level"
    return rma(yi, vi, test="t"), "two-level"


def _printed(review, outcome):
    """Per-method pooled estimates printed by the review (data/pooled.csv): the rows whose
    subgroup names exactly one method and nothing else (no moderator/speed subsets)."""
    p = _table("pooled")
    p = p[(p["review_id"] == review) & (p["outcome"] == outcome)]
    names = {"high load": "high_load", "plyometric": "plyometric", "combined": "combined",
             "submaximal load": "submaximal", "isometric": "isometric",
             "combined methods all": "combined"}
    out = {}
    for _, r in p.iterrows():
        head = str(r["subgroup"]).split(";")[0].split(" (")[0].strip()
        if head in names and names[head] not in out and np.isfinite(r["estimate"]):
            out[names[head]] = float(r["estimate"])
    return out


def _orchard_figure(fig, outcome, review, order, xlabel, what):
    c = _comparisons(outcome, review)
    printed = _printed(review, outcome)
    rows, numbers = [], {}
    for g in order:
        d = c[c["method"] == g]
        if len(d) == 0:
            continue
        fit, kind = _group_model(d)
        pr = fit.predict()
        rows.append({"group": g, "k": fit.k, "estimate": fit.estimate, "ci_lb": fit.ci_lb,
                     "ci_ub": fit.ci_ub, "pi_lb": pr.pi_lb, "pi_ub": pr.pi_ub})
        numbers[g] = dict(rows[-1], model=kind, n_clusters=int(d["cluster"].nunique()),
                          tau2=fit.tau2, QE=fit.QE, QEp=fit.QEp,
                          sigma2=list(getattr(fit, "sigma2", ())) or None)
    summ = pd.DataFrame(rows)
    ax = fig.subplots()
    plots.orchard(c, summ, ax, group="method", xlabel=xlabel, printed=printed,
                  favours=FAVOURS)
    for g in numbers:
        numbers[g]["printed_estimate"] = printed.get(g)
    parts = [f"{words.method(g).lower()} {_g(v['estimate'], v['ci_lb'], v['ci_ub'])} "
             f"(k = {v['k']})" for g, v in numbers.items()]
    sentence = (f"Pooled by training method ({len(c)} effect sizes, REML random-effects "
                f"models), the effect on {what} was: " + "; ".join(parts)
                + f" (Hedges g, negative = better; data: {CITE[review]}).")
    return {"sentence": sentence, "groups": numbers, "k": len(c), "test": "t",
            "method": "REML"}


@figure("llanoslagos_methods", "Running economy by training method (Llanos-Lagos 2024a data, "
        "81 effect sizes, review protocol: Hedges g of change scores, negative = better "
        "economy). Dots: effect sizes (size ∝ precision); thick bar: 95% CI; thin bar: 95% "
        "prediction interval; white dot: pooled estimate from " + GROUP_MODEL + "; cross: "
        "estimate printed by the review.",
        [LLANOS_A, "data/outcomes.csv", "data/groups.csv"], width="double", height=3.4)
def llanoslagos_methods(fig):
    return _orchard_figure(fig, "running_economy", "llanoslagos2024a",
                           ["high_load", "combined", "plyometric", "submaximal", "isometric"],
                           "Hedges g, running economy (negative = better)", "running economy")


@figure("performance", "Running performance (time trials, time to exhaustion, distance tests) "
        "by training method (Llanos-Lagos 2024b data, review protocol, negative = better). "
        "Layout as the methods figure; pooled estimates from " + GROUP_MODEL + ".",
        [LLANOS_B, "data/outcomes.csv", "data/groups.csv"], width="double", height=2.4)
def performance(fig):
    return _orchard_figure(fig, "running_performance", "llanoslagos2024b",
                           ["high_load", "combined", "plyometric"],
                           "Hedges g, running performance (negative = better)",
                           "running performance")


@figure("performance_forest", "Forest plot of running performance by training method "
        "(Llanos-Lagos 2024b data, review protocol: Hedges g, negative = better; one effect per "
        "training group). Each block: two-level REML random-effects model with t-based 95% CI "
        "(diamond) and prediction interval (dotted); bottom: all comparisons; test of subgroup "
        "differences (Qb). n: training + control participants of the comparison; weight: "
        "within the block's model.",
        [LLANOS_B, "data/outcomes.csv", "data/groups.csv", "data/studies.csv"],
        width="double", height=5.6)
def performance_forest(fig):
    from ..meta.models import rma
    from ..meta.subgroups import subgroups

    c = _comparisons("running_performance", "llanoslagos2024b")
    order = {"high_load": 0, "combined": 1, "plyometric": 2}
    c = c.assign(_o=c["method"].map(order)).sort_values(["_o", "study_id", "group_id"],
                                                         kind="stable")
    base = [f"{words.study(r['study_id'])} \u00b7 {words.measure(r['measure'])}"
            for _, r in c.iterrows()]
    dup = pd.Series(base).duplicated(keep=False).to_numpy()
    # a study with two rows in one figure: its arm number, or its method when arms differ
    arm = [str(g).rsplit("_", 1)[-1] if str(g).rsplit("_", 1)[-1].isdigit()
           else words.method(m) for g, m in zip(c["group_id"], c["method"])]
    labels = [b.replace(" \u00b7 ", f" ({'arm ' + a if a.isdigit() else a}) \u00b7 ", 1)
              if d else b for b, d, a in zip(base, dup, arm)]
    yi, vi = c["yi"].to_numpy(float), c["vi"].to_numpy(float)
    groups = np.array([words.method(m) for m in c["method"]])
    sg = subgroups(yi, vi, groups, method="REML", tau2="separate", test="t")
    overall = rma(yi, vi, test="t", slab=labels)
    ax = fig.subplots()
    plots.forest(sg, ax, overall=overall, groups=groups, n=(c["n1"] + c["n2"]).to_numpy(),
                 columns=("n", "estimate", "weight"),
                 xlabel="Hedges g, running performance (negative = better)",
                 favours=("favours strength training", "favours control"))
    differ = ("the methods differed" if sg.pval < 0.05 else
              "no clear difference between methods")
    stat = "F" if sg.statistic == "F" else "Q"
    sentence = (f"Across {overall.k} comparisons, strength and plyometric training "
                f"{_verb(overall.ci_lb, overall.ci_ub)} running performance by {_g(overall.estimate, overall.ci_lb, overall.ci_ub)} "
                f"(two-level REML), with {differ} ({stat}b({sg.df}) = {words.num(sg.Qb)}, "
                f"p = {sg.pval:.2f}; data: {CITE['llanoslagos2024b']}).")
    return {"sentence": sentence, "overall": _rma_numbers(overall),
            "subgroups": {str(g): _rma_numbers(f) for g, f in zip(sg.table["group"], sg.fits)},
            "Qb": sg.Qb, "Qb_df": sg.df, "Qb_pval": sg.pval, "statistic": sg.statistic}


@figure("speed_moderation", "Does the effect on running economy depend on the test speed? "
        "Three-level meta-regression (REML, effects within study groups, t-based) of the "
        "Llanos-Lagos 2024a effect sizes whose test speed is printed in km/h, all methods "
        "together, on speed; bubbles ∝ precision, band = 95% CI of the line, light band = 95% "
        "prediction interval.",
        [LLANOS_A, "data/outcomes.csv"], width="single", height=2.6)
def speed_moderation(fig):
    from ..meta.multilevel import rma_mv

    c = _comparisons("running_economy", "llanoslagos2024a")
    m = c[np.isfinite(c["speed_kmh"].to_numpy(float))]
    res = rma_mv(m["yi"].to_numpy(float), m["vi"].to_numpy(float),
                 cluster=m["cluster"].to_numpy(), mods=m["speed_kmh"].to_numpy(float),
                 test="t", slab=list(m["es_id"]))
    ax = fig.subplots()
    plots.bubble(res, ax, xlabel="Test speed (km/h)",
                 ylabel="Hedges g, running economy\n(negative = better)", pi=True)
    sentence = (f"Each km/h of test speed changed the effect on running economy by "
                f"{words.ci(res.beta[1], res.ci_lb[1], res.ci_ub[1], 3)} (Hedges g per km/h, "
                f"p = {res.pval[1]:.2f}; three-level meta-regression of {res.k} effect sizes "
                f"from {res.n_clusters} training groups; data: {CITE['llanoslagos2024a']}).")
    return {"sentence": sentence, "model": {"k": res.k, "n_clusters": res.n_clusters, "method": res.method,
                      "test": res.test, "coef_names": list(res.coef_names), "beta": res.beta,
                      "se": res.se, "ci_lb": res.ci_lb, "ci_ub": res.ci_ub, "pval": res.pval,
                      "sigma2": list(res.sigma2), "QE": res.QE, "QEp": res.QEp, "QM": res.QM,
                      "QMp": res.QMp},
            "moderator": "speed_kmh", "k_without_speed": int(len(c) - len(m))}


@figure("training_dose", "Training dose and the effect on running economy: each Llanos-Lagos "
        "2024a effect size (Hedges g, negative = better; bubble area ∝ precision, colour = "
        "training method) against the programme's total number of sessions (weeks × sessions "
        "per week, Table 2), with a three-level meta-regression (REML, effects within study "
        "groups, t-based) on total sessions, all methods together: line, 95% CI band and "
        "light 95% prediction band. Between-study comparison: longer programmes differ in "
        "more than their length.",
        [LLANOS_A + " (Table 2: weeks, sessions per week)", "data/outcomes.csv",
         "data/groups.csv"], width="single", height=2.8)
def training_dose(fig):
    from ..meta.multilevel import rma_mv

    c = _comparisons("running_economy", "llanoslagos2024a")
    sessions = (c["weeks"] * c["sessions_per_week"]).to_numpy(float)
    m = np.isfinite(sessions)
    d = c[m]
    res = rma_mv(d["yi"].to_numpy(float), d["vi"].to_numpy(float),
                 cluster=d["cluster"].to_numpy(), mods=sessions[m], test="t")
    ax = fig.subplots()
    plots.bubble(res, ax, xlabel="Total training sessions (weeks \u00d7 sessions per week)",
                 ylabel="Hedges g, running economy\n(negative = better)", pi=True,
                 groups=d["method"].to_numpy())
    per10 = 10 * np.array([res.beta[1], res.ci_lb[1], res.ci_ub[1]])
    sentence = (f"Ten more training sessions went with a change of "
                f"{words.ci(*per10)} in the effect on running economy (Hedges g, p = "
                f"{res.pval[1]:.2f}; three-level meta-regression of {res.k} effect sizes from "
                f"programmes of {sessions[m].min():g} to {sessions[m].max():g} sessions; data: "
                f"{CITE['llanoslagos2024a']}).")
    return {"sentence": sentence, "moderator": "total sessions (weeks x sessions per week)",
            "k_without_dose": int((~m).sum()),
            "sessions": {"min": sessions[m].min(), "median": float(np.median(sessions[m])),
                         "max": sessions[m].max()},
            "model": {"k": res.k, "n_clusters": res.n_clusters, "method": res.method,
                      "test": res.test, "beta": res.beta, "se": res.se, "ci_lb": res.ci_lb,
                      "ci_ub": res.ci_ub, "pval": res.pval, "sigma2": list(res.sigma2)},
            "per_10_sessions": {"estimate": per10[0], "ci_lb": per10[1], "ci_ub": per10[2]}}


def _speed_contrast_verdict(lb, ub):
    """What the CI of "plyometric minus high-load within-group speed slope" says about the
    claim that plyometric training helps more at low speeds and heavy training at high
    speeds (which expects the difference above zero): support when the CI lies above 0,
    the other way when below, else the data cannot tell (absence of evidence is not
    evidence of absence: Altman DG, Bland JM (1995) BMJ 311:485,
    doi:10.1136/bmj.311.7003.485)."""
    claim = ("plyometric training helps more at low speeds and heavy training at high "
             "speeds")
    if lb > 0:
        return f"the data support the claim that {claim}"
    if ub < 0:
        return f"the data point the other way from the claim that {claim}"
    return (f"its 95% CI includes zero, so these data cannot tell whether {claim} (which is "
            "not evidence that speed makes no difference)")


def _ratio_verdict(lb, ub):
    """A risk ratio's 95% CI in words: wholly below 1 -> "fewer injuries", above 1 ->
    "more injuries", else "no clear difference"."""
    if ub < 1:
        return "fewer injuries"
    if lb > 1:
        return "more injuries"
    return "no clear difference"


def _z_verdict(z, p_printed, alpha=0.05):
    """A printed z and p-value in words, by the two-sided test at ``alpha``: p (or the
    bound "<0.001") below alpha -> "fewer injuries" for z < 0, "more injuries" for z > 0;
    else "no clear difference". A z carries no size of effect."""
    t = str(p_printed).strip()
    clear = _p_bound(t) < alpha and not t.startswith(">")
    if not clear:
        return "no clear difference"
    return "fewer injuries" if z < 0 else "more injuries"


#: methods of the speed-by-method figure, in the order of the methods figure
SPEED_METHODS = ("high_load", "combined", "plyometric", "submaximal", "isometric")


@figure("speed_method", "Does the test speed change the effect of each training method on "
        "running economy? Slope of the effect (Hedges g, negative = better) per km/h of test "
        "speed in a three-level meta-regression per method (REML, effects within training "
        "groups, t-based 95% CIs) of the Llanos-Lagos 2024a effect sizes with a printed speed, "
        "speed split into its within-group part (the same runners tested at another speed; "
        "black) and its between-group part (groups tested at different speeds, confounded "
        "with everything else that differs between studies; grey). Bottom: plyometric minus "
        "high-load within-group slope from one joint model; the claim that plyometric "
        "training helps more at low speeds and heavy training at high speeds expects it "
        "above zero. A CI that includes zero means the data cannot tell, not that speed "
        "makes no difference.",
        [LLANOS_A, "data/outcomes.csv", "data/groups.csv",
         "Begg MD, Parides MK (2003) Stat Med 22:2591-2602, doi:10.1002/sim.1524",
         "Fisher DJ et al. (2017) BMJ 356:j573, doi:10.1136/bmj.j573"],
        width="single", height=3.3)
def speed_method(fig):
    from ..evidence.speed import speed_slopes

    res = speed_slopes(outcome="running_economy", review="llanoslagos2024a", speed="speed_kmh",
                       methods=SPEED_METHODS, contrast=("high_load", "plyometric"))
    ax = fig.subplots()
    plots.speed_slopes(res, ax)
    t = res.table.set_index("method")
    c = res.contrast
    if c is None or not np.isfinite(t.loc[["plyometric", "high_load"], "within_estimate"]).all():
        raise InputError("data", "the speed-by-method figure needs plyometric and high-load "
                                 "groups tested at two or more speeds in data/outcomes.csv")
    pl, hl = t.loc["plyometric"], t.loc["high_load"]

    def slope(r, part="within"):
        return words.ci(r[f"{part}_estimate"], r[f"{part}_ci_lb"], r[f"{part}_ci_ub"])

    verdict = _speed_contrast_verdict(c["ci_lb"], c["ci_ub"])
    sentence = (
        f"When the same runners were tested 1 km/h faster, the effect on running economy "
        f"changed by {slope(pl)} (Hedges g; positive = smaller benefit at higher speed) after "
        f"plyometric training and by {slope(hl)} after high-load training "
        f"({int(pl['groups_several_speeds'])} and {int(hl['groups_several_speeds'])} training "
        f"groups tested at two or more speeds; three-level REML); the difference is "
        f"{words.ci(c['estimate'], c['ci_lb'], c['ci_ub'])} per km/h: ")
    sentence += f"{verdict} (data: {CITE['llanoslagos2024a']})."
    cols = ["method", "k", "groups", "groups_several_speeds", "note", "df"] + [
        f"{p}_{f}" for p in ("within", "between", "diff")
        for f in ("estimate", "se", "ci_lb", "ci_ub", "pval")]
    return {"sentence": sentence, "speed": res.speed, "unit": "Hedges g per km/h",
            "model": "three-level REML per method (effects within training groups), t tests",
            "level": res.level, "methods": res.table[cols].to_dict("records"),
            "contrast": dict(c)}


def _p_bound(text):
    """A printed p-value as a number: ``"<0.001"`` -> 0.001 (its bound), ``"0.110"`` -> 0.11."""
    t = str(text).strip()
    return float(t.lstrip("<>= ")) if t else float("nan")


def _p_text(text):
    """A printed p-value in a sentence: ``"<0.001"`` -> ``"p < 0.001"``, ``"0.110"`` ->
    ``"p = 0.110"`` (the digits as printed)."""
    t = str(text).strip()
    return f"p {t[0]} {t[1:].strip()}" if t[:1] in "<>" else f"p = {t}"


@figure("injury", "The injury evidence in the data package. (a) Athletes of all sports, not "
        "runners only: risk ratio of sports injury with strength training and with "
        "stretching programmes, random-effects meta-analyses of randomised controlled trials "
        "(stratified exposure analysis) with 95% CIs, as printed in the abstract of Lauersen "
        "2014; log axis, < 1 = fewer injuries. (b) Distance runners: the abstract of Wu 2024 "
        "prints only the z statistic and p-value of the pooled log risk and rate ratios, not "
        "the ratios, so they are shown as z (negative = fewer injuries; shaded: p > 0.05); a "
        "z says how clearly, not how much.",
        [LAUERSEN, WU, "data/pooled.csv (outcome injury_risk, injury_rate)"],
        width="double", height=2.0)
def injury(fig):
    p = _table("pooled")
    lau = p[p["review_id"] == "lauersen2014"]
    lau = lau[lau["metric"].str.startswith("RR")]
    wu = p[(p["review_id"] == "wu2024") & (p["metric"] == "z")]
    if lau.empty or wu.empty:
        raise InputError("data", "data/pooled.csv lacks the Lauersen 2014 ratios or the Wu 2024 "
                                 "z rows the injury figure draws")
    a, b = fig.subplots(1, 2, width_ratios=[1, 1])
    what = {"injury_risk": "risk", "injury_rate": "rate"}

    def programme(subgroup):
        return str(subgroup).split(" (")[0].capitalize()

    lab_a = [programme(r.subgroup) for r in lau.itertuples()]
    plots.ratios(lab_a, lau["estimate"], lau["ci_lb"], lau["ci_ub"], a, digits=3,
                 xlabel="Risk ratio of injury (log scale)")
    a.set_title("a  Athletes of all sports (Lauersen 2014)", loc="left", fontsize="medium")

    def row_b(r):
        head = ("All exercise programmes" if r.subgroup == "all exercise interventions"
                else programme(r.subgroup).replace(" interventions only", " only"))
        size = (f"\n{int(r.k)} studies, {int(r.n)} runners" if pd.notna(r.k)
                and pd.notna(r.n) else "\npost hoc subgroup" if "post hoc" in r.subgroup
                else "")
        return f"{head}: injury {what.get(r.outcome, r.outcome_printed)}{size}"

    lab_b = [row_b(r) for r in wu.itertuples()]
    plots.zstats(lab_b, wu["estimate"], b, pvals=list(wu["p_value"]),
                 xlabel="z of the pooled log ratio", favours=("fewer injuries",
                                                                  "more injuries"))
    b.set_title("b  Distance runners (Wu 2024), z only", loc="right", fontsize="medium")

    ratios = [{"subgroup": r.subgroup, "outcome": r.outcome, "metric": r.metric,
               "estimate": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub,
               "population": "athletes of all sports", "pooled_id": r.pooled_id}
              for r in lau.itertuples()]
    zs = [{"subgroup": r.subgroup, "outcome": r.outcome, "z": r.estimate,
           "p_printed": r.p_value, "k": r.k, "n": r.n, "population": "distance runners",
           "pooled_id": r.pooled_id} for r in wu.itertuples()]

    def ratio_words(r):
        return _ratio_verdict(r["ci_lb"], r["ci_ub"])

    def z_words(r):
        return _z_verdict(r["z"], r["p_printed"])

    parts_a = " and ".join(f"{words.ci(r['estimate'], r['ci_lb'], r['ci_ub'], 3)} with "
                           f"{programme(r['subgroup']).lower()} programmes ({ratio_words(r)})"
                           for r in ratios)
    parts_b = "; ".join(
        f"z = {words.num(z['z'])} ({_p_text(z['p_printed'])}, {z_words(z)}) for injury "
        f"{what.get(z['outcome'], z['outcome'])} with "
        f"{str(z['subgroup']).replace('interventions', 'programmes')}" for z in zs)
    sentence = (f"In athletes of all sports, not runners only, the risk ratio of injury was "
                f"{parts_a} ({CITE['lauersen2014']}); for distance runners the abstract of "
                f"Wu 2024 prints no ratio, only z statistics of the pooled log ratios: "
                f"{parts_b} ({CITE['wu2024']}).")
    return {"sentence": sentence, "ratios_all_sports": ratios, "z_runners": zs}


@figure("race_time", "What strength training's effect on running economy could mean on race "
        "day: predicted change in race time for a runner with the Støren 2008 strength group's "
        "mean VO2max (61 ml/kg/min, used as VDOT), given the pooled high-load effect on running "
        "economy of Llanos-Lagos 2024a (three-level REML re-fit, Hedges g standardised by the "
        "post-test SD) and its 95% CI, converted to a % change of O2 cost with the 6% "
        "between-runner CV of trained runners (preset 'trained_lab', which assumes that "
        "standardiser), under each physiology model; open markers lie outside a model's valid "
        "range. SMDs on another scale (Balsalobre-Fernández 2016) are refused.",
        [LLANOS_A + " (Table 2: VO2max; Table 3: arm data)", STOREN,
         "runecon.physiology (Daniels & Gilbert 1979; di Prampero 1986, "
         "doi:10.1007/BF02343797; Kipp 2019, doi:10.3389/fphys.2019.00079)"],
        width="single", height=2.6)
def race_time(fig):
    from ..evidence import labels as people
    from ..evidence.claims import claims_ledger, re_pct_from_smd
    from ..physiology import predict_race_times
    from ..physiology.effects import CV_PRESETS

    parts = claims_ledger().parts.set_index("part_id")
    hl = parts.loc["C01a"]          # high load vs control, running economy, re-fitted
    pct = [float(re_pct_from_smd(hl[c], standardiser=hl["standardiser"], cv="trained_lab"))
           for c in ("estimate", "ci_lb", "ci_ub")]
    g = _table("groups")
    vo2 = float(g[(g["study_id"] == "storen2008") & (g["group_id"] == "high_load")]
                ["vo2max"].iloc[0])
    pred = predict_race_times(vo2max=vo2, re_change_pct=pct[0], ci=(pct[1], pct[2]))
    df = pred.to_frame()
    ax = fig.subplots()
    plots.race_time(df, ax, y="delta_pct",
                    labels={m: people.model(m) for m in dict.fromkeys(df["model"])})
    keep = ["distance", "model", "baseline_s", "delta_s", "delta_lb_s", "delta_ub_s",
            "delta_pct", "in_valid_range"]
    m = df[(df["distance"] == "10 km") & (df["model"] == "diprampero")].iloc[0]
    sentence = (f"Heavy strength training lowered the oxygen cost of running by about "
                f"{-pct[0]:.1f} % (95 % CI {-pct[2]:.1f}–{-pct[1]:.1f} %; {int(hl['k_es'])} "
                f"effects, Llanos-Lagos 2024a) — about {-m['delta_s']:.0f} s over 10 km "
                f"(95 % CI {-m['delta_ub_s']:.0f}–{-m['delta_lb_s']:.0f} s) for a runner with "
                f"VO\u2082max {vo2:.0f}, di Prampero model, assuming a 6 % between-runner CV; "
                f"certainty: {hl['certainty']}.")
    return {"vo2max": vo2, "cv": {"preset": "trained_lab",
                                  "value": CV_PRESETS["trained_lab"].cv},
            "smd": {"estimate": hl["estimate"], "ci_lb": hl["ci_lb"], "ci_ub": hl["ci_ub"],
                    "standardiser": hl["standardiser"], "k": hl["k_es"], "model": hl["model"]},
            "re_change_pct": {"estimate": pct[0], "ci_lb": pct[1], "ci_ub": pct[2]},
            "predictions": df[keep].to_dict("records"), "sentence": sentence}


#: verdict -> colour (Okabe-Ito), in the vocabulary's order
VERDICT_COLORS = {"supported": "#009E73", "partly supported": "#56B4E9",
                  "inconclusive": "#999999", "not supported": "#E69F00",
                  "contradicted": "#D55E00", "no evidence": "#FFFFFF"}
#: certainty -> marker size (points^2): larger = more certain
CERTAINTY_SIZES = {"high": 80.0, "moderate": 50.0, "low": 28.0, "very low": 12.0}


@figure("claims_ledger", "Claims ledger: the verdict on each claim of the five starting "
        "articles (columns) and the certainty of the evidence (marker size, GRADE-style), both "
        "computed by runecon.claims_ledger() from the data package by the rule written in "
        "runecon.claims (CI vs zero and the smallest worthwhile change, part by part); open "
        "markers: no evidence in the data. The numbers, reasons and a sentence per claim are "
        "in claims_ledger.csv / .md beside the figures.",
        ["data/claims.csv", "data/claim_parts.csv", "data/swc.csv", "data/pooled.csv",
         LLANOS_A, LLANOS_B,
         "Hopkins WG et al. (2009) Med Sci Sports Exerc 41:3-12, doi:10.1249/MSS.0b013e31818cb278 "
         "(smallest worthwhile change)"],
        width="double", height=4.4)
def claims_ledger(fig):
    import textwrap

    from ..evidence import labels as people
    from ..evidence.claims import VERDICTS, claims_ledger as ledger

    L = ledger().to_frame()
    ax = fig.subplots()
    y = -np.arange(len(L), dtype=float)
    col = {v: i for i, v in enumerate(VERDICTS)}
    for v, i in col.items():
        ax.axvspan(i - 0.5, i + 0.5, color=VERDICT_COLORS[v], alpha=0.12 if v != "no evidence"
                   else 0.0, lw=0, zorder=0)
    xs = [col[v] for v in L["verdict"]]
    sizes = [CERTAINTY_SIZES.get(c, 20.0) for c in L["certainty"]]
    faces = [VERDICT_COLORS[v] for v in L["verdict"]]
    ax.scatter(xs, y, s=sizes, c=faces, edgecolors="0.2", linewidths=0.6, zorder=3,
               label="claims")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.claim_id} · {textwrap.shorten(people.prose(r.claim), 52, placeholder='…')}"
                        for r in L.itertuples()], fontsize=6)
    ax.set_xticks(range(len(VERDICTS)))
    ax.set_xticklabels([v.replace(" ", "\n", 1) if " " in v else v for v in VERDICTS],
                       fontsize=7)
    ax.xaxis.tick_top()
    ax.set_xlim(-0.5, len(VERDICTS) - 0.5)
    ax.set_ylim(y[-1] - 0.7, 0.7)
    for side in ("right", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [ax.scatter([], [], s=s, c="white", edgecolors="0.2", linewidths=0.6, label=g)
               for g, s in CERTAINTY_SIZES.items()]
    ax.legend(handles=handles, title="certainty", loc="upper right", bbox_to_anchor=(1.0, 0.97),
              fontsize=6, title_fontsize=6, frameon=False, labelspacing=0.9)
    counts = {v: int((L["verdict"] == v).sum()) for v in VERDICTS}
    lead = L[L["claim_id"] == "C01"].iloc[0]
    sentence = (f"The {len(L)} claims of the five articles: "
                + ", ".join(f"{v} {c}" for v, c in counts.items())
                + f". C01: {lead['sentence']}")
    return {"claims": L[["claim_id", "verdict", "certainty", "lead_part", "scale", "estimate",
                         "ci_lb", "ci_ub", "pi_lb", "pi_ub"]].to_dict("records"),
            "counts": counts, "sentence": sentence}


@figure("sensitivity", "Sensitivity of the Balsalobre 2016 re-analysis: (a) GOSH plot, the "
        "REML model fitted to all 31 subsets of the five studies (pooled estimate vs I²); "
        "(b) leave-one-out estimates with 95% CI (band: full model). Without Paavolainen 1999 "
        "the paper printed −1.06 [−1.56, −0.56], I² = 0%.",
        [BALSALOBRE, "data/reported_effects.csv"], width="double", height=2.3)
def sensitivity(fig):
    from ..meta.sensitivity import gosh, leave1out

    res, _ = _balsalobre()
    g = gosh(res)
    l1 = leave1out(res)
    a, b = fig.subplots(1, 2, width_ratios=[1, 1.3])
    t = l1.to_frame()
    shift = (t["estimate"] - res.estimate).abs()
    top = str(shift.idxmax())
    plots.gosh(g, a, xlabel="Pooled SMD of the subset\n(negative = better)", highlight=top)
    a.set_title("a", loc="left", x=-0.12)
    plots.leave1out(l1, b, res=res, xlabel="Pooled SMD without the study\n(negative = better)")
    b.set_title("b", loc="left")
    sentence = (f"Leaving out {top} moved the pooled SMD of the Balsalobre-Fernández 2016 "
                f"studies from {words.ci(res.estimate, res.ci_lb, res.ci_ub)} to "
                f"{words.ci(t.at[top, 'estimate'], t.at[top, 'ci_lb'], t.at[top, 'ci_ub'])} "
                f"(I\u00b2 {res.I2:.0f}% \u2192 {t.at[top, 'I2']:.0f}%); the {len(g)} subsets "
                f"of studies pool to between {words.num(g['estimate'].min())} and "
                f"{words.num(g['estimate'].max())} ({CITE['balsalobre2016']}).")
    return {"sentence": sentence, "most_influential": top, "model": _rma_numbers(res), "gosh": {
        "n_subsets": len(g), "n_failed": int(g["estimate"].isna().sum()),
        "estimate_min": g["estimate"].min(), "estimate_max": g["estimate"].max(),
        "I2_min": g["I2"].min(), "I2_max": g["I2"].max()},
        "leave1out": {str(s): {c: t.at[s, c] for c in ("estimate", "ci_lb", "ci_ub", "tau2",
                                                        "I2") if c in t.columns}
                      for s in t.index}}


@figure("funnel_methods", "Contour-enhanced funnel plot of the 81 Llanos-Lagos 2024a running "
        "economy effect sizes around zero (shades: two-sided p-value bands) with the REML "
        "estimate (black line) and trim-and-fill (L0; filled studies, if any, open and the "
        "adjusted estimate dashed; k0 in the JSON); effect sizes treated as independent.",
        [LLANOS_A, "data/outcomes.csv"], width="single", height=2.6)
def funnel_methods(fig):
    from ..meta.models import rma
    from ..meta.smallstudy import funnel_data, trimfill

    c = _comparisons("running_economy", "llanoslagos2024a")
    res = rma(c["yi"].to_numpy(float), c["vi"].to_numpy(float), slab=list(c["es_id"]))
    tf = trimfill(res)
    ax = fig.subplots()
    plots.funnel(funnel_data(res), ax, trimfill=tf,
                 xlabel="Hedges g, running economy (negative = better)", favours=FAVOURS)
    if tf.k0:
        what = (f"trim-and-fill adds {_count(tf.k0, 'effect')} on the {tf.side} side and moves it to "
                f"{words.ci(tf.estimate, tf.fit.ci_lb, tf.fit.ci_ub)}")
    else:
        what = "trim-and-fill finds no missing effect sizes"
    sentence = (f"The {res.k} running-economy effect sizes of Llanos-Lagos 2024a pool to "
                f"{_g(res.estimate, res.ci_lb, res.ci_ub)} when treated as independent; "
                f"{what} ({CITE['llanoslagos2024a']}).")
    return {"sentence": sentence, "model": _rma_numbers(res), "trimfill": {"k0": tf.k0, "side": tf.side,
                                                     "estimate": tf.estimate,
                                                     "ci_lb": tf.fit.ci_lb,
                                                     "ci_ub": tf.fit.ci_ub}}


@figure("bayes_balsalobre", "Bayesian random-effects re-analysis of the Balsalobre 2016 "
        "SMDs: posterior of the mean effect μ and of a new study's effect (predictive), and of "
        "the heterogeneity τ (half-normal prior, scale 0.5; flat prior on μ); shaded: 95% "
        "credible intervals.",
        [BALSALOBRE, "Röver C (2020) J Stat Softw 93(6), doi:10.18637/jss.v093.i06"],
        width="double", height=2.2)
def bayes_balsalobre(fig):
    from ..meta.bayes import bayesmeta

    res, _ = _balsalobre()
    bm = bayesmeta(res.yi, res.vi, tau_prior="halfnormal", tau_scale=0.5, slab=res.slab)
    a, b = fig.subplots(1, 2)
    plots.posterior(bm, a, params=("mu", "pred"),
                    xlabel="SMD of running economy (negative = better)", favours=FAVOURS)
    plots.posterior(bm, b, params="tau", xlabel="\u03c4 (between-study SD of the SMD)")
    sentence = (f"With a half-normal prior (scale 0.5) on the heterogeneity, the five "
                f"Balsalobre-Fernández 2016 studies give a mean effect on running economy of "
                f"{words.num(bm.mu_median)} (95% credible interval {words.num(bm.mu_ci_lb)} to "
                f"{words.num(bm.mu_ci_ub)}) and an effect in a new study of "
                f"{words.num(bm.pred_median)} ({words.num(bm.pi_lb)} to {words.num(bm.pi_ub)}) "
                f"(posterior medians, SMD; {CITE['balsalobre2016']}).")
    return {"sentence": sentence, "prior": {"tau": "halfnormal(0.5)", "mu": "flat"}, "k": bm.k,
            "mu": {"median": bm.mu_median, "ci_lb": bm.mu_ci_lb, "ci_ub": bm.mu_ci_ub},
            "tau": {"median": bm.tau_median, "ci_lb": bm.tau_ci_lb, "ci_ub": bm.tau_ci_ub},
            "pred": {"median": bm.pred_median, "pi_lb": bm.pi_lb, "pi_ub": bm.pi_ub}}


# ----------------------------------------------------------------------------- building
def render(name):
    """Draw the registered figure ``name`` in the runecon style: ``(Figure, numbers)``.

    The Figure is made without pyplot (no GUI backend, nothing to close); in a notebook,
    display it with ``IPython.display.display(fig)``.
    """
    from matplotlib.figure import Figure as MplFigure

    if name not in REGISTRY:
        raise InputError("name", f"unknown figure {name!r}; known: {', '.join(REGISTRY)}")
    spec = REGISTRY[name]
    with context():
        fig = MplFigure(figsize=spec.size)
        numbers = spec.func(fig)
    return fig, numbers


def build(name, out="figures", formats=("pdf", "svg", "png"), dpi=DEFAULT_DPI):
    """Write one figure (all formats) and its numbers JSON; return the paths written."""
    formats = check_formats(formats)
    spec = REGISTRY.get(name)
    if spec is None:
        raise InputError("only", f"unknown figure {name!r}; known: {', '.join(REGISTRY)}")
    out = Path(out)
    with context():
        fig, numbers = render(name)
        paths = save(fig, out / name, formats=formats, dpi=dpi)
    record = {"name": name, "caption": spec.caption, "sources": list(spec.sources),
              "width_in": spec.size[0], "height_in": spec.size[1],
              "sentence": numbers.get("sentence") if isinstance(numbers, dict) else None,
              "data_version": data_version(), "numbers": numbers}
    jpath = out / f"{name}.json"
    jpath.write_text(json.dumps(_clean(record), sort_keys=True, indent=2, ensure_ascii=False)
                     + "\n", encoding="utf-8")
    return paths + [jpath]


def _sentence(out, name):
    """The ``sentence`` of a built figure, read back from its JSON (None when missing)."""
    path = Path(out) / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("sentence")


def _index(out, names, formats):
    lines = ["# runecon article figures", "",
             f"Generated by `runecon figures` from the data package version {data_version()}. "
             "Each figure has a JSON file beside it with the numbers it shows.", ""]
    for n in names:
        spec = REGISTRY[n]
        img = next((f for f in ("png", "svg", "pdf") if f in formats), formats[0])
        files = " · ".join(f"[{f}]({n}.{f})" for f in formats) + f" · [numbers]({n}.json)"
        sentence = _sentence(out, n)
        lines += [f"## {n}", "", f"![{n}]({n}.{img})", ""]
        lines += [f"> {sentence}", ""] if sentence else []
        lines += [spec.caption, "", "Sources:", ""] + [f"- {s}" for s in spec.sources] + ["", f"Files: {files}", ""]
    path = Path(out) / "index.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_all(out="figures", formats=("pdf", "svg", "png"), only=None, dpi=DEFAULT_DPI):
    """Regenerate the article figures (``runecon figures``).

    Parameters
    ----------
    out : path
        Output folder (created).
    formats : sequence of {"pdf", "svg", "png"}
    only : sequence of str, optional
        Names of the figures to build (default: all registered).

    Returns
    -------
    dict
        Figure name -> list of paths written; key ``"index"`` -> the index page.
    """
    formats = check_formats(formats)
    if isinstance(only, str):
        only = [only]
    names = list(REGISTRY) if only is None else list(only)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown or not names:
        raise InputError("only", f"unknown figure(s) {unknown}; known: {', '.join(REGISTRY)}")
    written = {n: build(n, out, formats, dpi) for n in names}
    written["index"] = _index(out, names, formats)
    return written


# ----------------------------------------------------------------------------- network
@figure("methods_network", "Training methods head to head: network meta-analysis of every "
        "within-trial comparison (runecon's default effect size: difference in change over "
        "the pooled pre-test SD, Hedges-corrected, negative = better; one pre-specified test "
        "condition per trial, arms of the same method combined; REML random effects, one "
        "heterogeneity variance). Top: running economy; bottom: running performance. Left: "
        "network (edge width and number: trials; node area: runners). Right: each method "
        "against control, 95% CI (thick) and prediction interval (thin).",
        [LLANOS_A, LLANOS_B, "data/outcomes.csv", "data/groups.csv",
         "Rücker G (2012) Res Synth Methods 3:312-324, doi:10.1002/jrsm.1058",
         "Rücker G, Schwarzer G (2015) BMC Med Res Methodol 15:58, "
         "doi:10.1186/s12874-015-0060-8"],
        width="double", height=4.4)
def methods_network(fig):
    from ..evidence import labels
    from ..evidence.networks import method_network

    axes = fig.subplots(2, 2, gridspec_kw={"width_ratios": [1, 1.5]})
    out = {}
    for row, outcome in enumerate(("running_economy", "running_performance")):
        res = method_network(outcome, method="REML")
        plots.network_graph(res, axes[row, 0], labels=labels.method)
        est = res.estimates.sort_values("estimate", kind="stable")
        names = [labels.method(t) for t in est["treatment"]]
        ax = plots.intervals(names, est["estimate"], est["ci_lb"], est["ci_ub"], axes[row, 1],
                             xlabel=f"SMD vs control, {labels.outcome(outcome).lower()} "
                                    "(negative = better)", favours=FAVOURS)
        yy = -np.arange(len(est), dtype=float)
        for y, lb, ub in zip(yy, est["pi_lb"], est["pi_ub"]):
            ax.plot([lb, ub], [y, y], color="0.6", lw=0.5, zorder=0)
        inc = res.inconsistency
        out[outcome] = {
            "k": res.k, "contrasts": res.m, "treatments": list(res.treatments),
            "multiarm": res.multiarm, "tau2": res.tau2, "I2": res.I2, "Q": res.Q,
            "df_Q": res.df_Q, "pval_Q": res.pval_Q,
            "estimates": res.estimates.to_dict(orient="records"),
            "league": res.league.to_dict(orient="records"),
            "pscores": res.pscores.to_dict(orient="records"),
            "inconsistency": dict(inc),
            "nodesplit": res.nodesplit.to_dict(orient="records"),
            "edges": res.edges.to_dict(orient="records"),
            "ranking_warning": res.ranking_warning}
    re = out["running_economy"]
    best = min(re["estimates"], key=lambda r: r["estimate"])
    excl = [labels.method(r["treatment"]).lower() for r in re["estimates"] if r["ci_ub"] < 0]
    inc = re["inconsistency"]
    res_re = method_network("running_economy", method="REML")
    all_ref = all("control" in d.split(":") for d in res_re.contrasts["design"])
    out["running_economy"]["every_trial_has_control"] = all_ref
    out["sentence"] = (
        f"In a network meta-analysis of {re['k']} running-economy trials "
        f"({len(re['multiarm'])} with three or more arms; arm data as printed by Llanos-Lagos "
        f"et al. 2024a), "
        f"{labels.method(best['treatment']).lower()} training had the largest effect against "
        f"control (SMD {words.num(best['estimate'])}, 95% CI {words.num(best['ci_lb'])} to "
        f"{words.num(best['ci_ub'])}); "
        + (f"the CI excluded 0 only for {', '.join(excl)} training" if excl
           else "no method's CI excluded 0")
        + f"; the design-by-treatment test found "
        f"{'inconsistency' if inc['pval_inc'] < 0.05 else 'no inconsistency'} "
        f"(Q = {inc['Q_inc']:.1f}, "
        f"df = {inc['df_inc']}, p = {inc['pval_inc']:.2f})"
        + (", but every trial had a control arm, so indirect evidence comes only from "
           "multi-arm trials and the test has little power." if all_ref else "."))
    return out


# ----------------------------------------------------------------------------- living evidence
#: y range of the cumulative-evidence panels (the CI of the first combined studies spans
#: -5.7 to 2.2 and would flatten every other line)
YLIM_CUMULATIVE = (-2.5, 1.0)


@figure("cumulative_evidence", "How the pooled effect of each training method on running "
        "economy moved as trials were published: cumulative meta-analysis by publication year "
        "of the Llanos-Lagos 2024a effect sizes (review protocol; " + GROUP_MODEL + "), solid "
        "line and band = estimate and 95% CI with the studies published up to that year; "
        "dashed = with the trials added since (data/ rows with review_id runecon2026), drawn "
        "only where they change the estimate. Negative = better economy; bands wider than the "
        "axis (the first years of combined training) are cut at its limits.",
        [LLANOS_A, "data/outcomes.csv (review_id llanoslagos2024a, runecon2026)",
         "data/studies.csv (year)", "Lau J et al. (1992) N Engl J Med 327:248-254, "
         "doi:10.1056/NEJM199207233270406"], width="double", height=2.8)
def cumulative_evidence(fig):
    from ..evidence import labels
    from ..evidence.living import LIVING_REVIEW, cumulative_by_year, new_evidence

    before = cumulative_by_year(reviews=("llanoslagos2024a",))
    after = cumulative_by_year(reviews=("llanoslagos2024a", LIVING_REVIEW))
    order = [m for m in ("high_load", "combined", "plyometric", "submaximal", "isometric")
             if m in set(before.to_frame()["method"])]
    axes = fig.subplots(1, len(order), sharey=True, sharex=True)
    for i, (ax, m) in enumerate(zip(np.atleast_1d(axes), order)):
        plots.cumulative_evidence(before, ax, living=after, methods=[m],
                                  ylabel="Hedges g, running economy\n(negative = better)"
                                  if i == 0 else "")
        ax.set_title(labels.method(m), fontsize="medium")
        ax.set_xlabel("")
    ax.set_ylim(YLIM_CUMULATIVE)
    fig.supxlabel("Publication year (studies up to and including)", fontsize="small")

    def last(t):
        t = t.to_frame()
        t = t[np.isfinite(t["estimate"].to_numpy(float))]
        return {m: dict({c: int(d[c].iloc[-1]) for c in ("year", "k", "n_clusters",
                                                          "n_studies", "n_living")},
                        **{c: float(d[c].iloc[-1]) for c in ("estimate", "ci_lb", "ci_ub",
                                                              "pval")})
                for m, d in t.groupby("method", sort=False)}

    b, a = last(before), last(after)
    changed = [m for m in b if not np.isclose(a[m]["estimate"], b[m]["estimate"], atol=1e-12)
               or a[m]["k"] != b[m]["k"]] + [m for m in a if m not in b]
    new = new_evidence()
    trials = new[new["design"].str.contains("controlled trial")]
    entering = list(trials.loc[trials["enters_model"], "label"])
    summary = "; ".join(f"{labels.method(m).lower()} "
                        f"{words.ci(a[m]['estimate'], a[m]['ci_lb'], a[m]['ci_ub'])}" for m in a)
    if changed:
        verb = (f"changed the pooled effect of {', '.join(labels.method(m).lower() for m in changed)}"
                f" (now {summary})")
    else:
        verb = f"left every method's pooled effect as it was ({summary})"
    left_out = len(trials) - len(entering)
    sentence = (f"The {_count(len(trials), 'controlled trial')} published after the "
                f"Llanos-Lagos 2024a search (to November 2022) and in the data package {verb}; "
                + (f"{left_out} of them printed no arm-level means and SDs "
                   f"that could enter the three-level model" if left_out else
                   "all of them entered the three-level model")
                + f" ({CITE['llanoslagos2024a']}, doi:10.1007/s40279-023-01978-y).")
    return {"before": b, "after": a, "changed": changed,
            "new_trials": list(trials["label"]), "new_trials_in_model": entering,
            "new_reviews": list(new.loc[new["design"].str.contains("review"), "label"]),
            "sentence": sentence}
