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

from . import config, plots
from .errors import InputError
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
    from .data import load

    return load(name)


@functools.lru_cache(maxsize=None)
def _comparisons(outcome, review):
    from .comparisons import comparisons

    return comparisons(outcome, review=review)


@functools.lru_cache(maxsize=1)
def _balsalobre():
    """Balsalobre-Fernández 2016 Table 3 per-study SMDs -> REML random-effects model.

    SE from the printed 95% CI: (ci_ub - ci_lb) / (2 * 1.96).
    """
    from .models import rma

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
GROUP_MODEL = ("REML random-effects models per method with t-based 95% CIs and prediction "
               "intervals: three-level (effects within study groups) where a group holds "
               "several effects, as the review, else two-level")


@figure("storen", "Støren 2008: running economy (O2 cost at 70% of maximal aerobic speed) and "
        "time to exhaustion at maximal aerobic speed, group means ± SD before and after 8 weeks "
        "of maximal strength training (half squat) or control, as printed by Llanos-Lagos "
        "2024a/b (the abstract reports RE −5% and TTE +21.3%). Panel titles: between-group "
        "Hedges g [95% CI] under the reviews' protocol (negative = better).",
        [STOREN, LLANOS_A, LLANOS_B, "data/outcomes.csv"], width="single", height=2.3)
def storen(fig):
    out = _table("outcomes")
    s = out[out["study_id"] == "storen2008"]
    axs = fig.subplots(1, 2)
    numbers = {}
    for ax, (outcome, review, ylab) in zip(axs, [
            ("running_economy", "llanoslagos2024a", "RE\n(printed unit: {unit})"),
            ("tte", "llanoslagos2024b", "TTE at MAS (s; unit not printed)")]):
        rows = []
        for g, lab in (("high_load", "strength"), ("control", "control")):
            d = s[(s["outcome"] == outcome) & (s["review_id"] == review) & (s["group_id"] == g)]
            pre, post = d[d["timepoint"] == "pre"].iloc[0], d[d["timepoint"] == "post"].iloc[0]
            rows.append({"group": lab, "n": int(pre["n"]), "pre_mean": pre["mean"],
                         "pre_sd": pre["sd"], "post_mean": post["mean"], "post_sd": post["sd"]})
        frame = pd.DataFrame(rows)
        plots.prepost(frame, ax, ylabel=ylab.format(unit=pre["unit"]))
        cmp = _comparisons(outcome, review)
        c = cmp[cmp["study_id"] == "storen2008"].iloc[0]
        lb, ub = c["yi"] - Z95 * math.sqrt(c["vi"]), c["yi"] + Z95 * math.sqrt(c["vi"])
        ax.set_title(f"g = {c['yi']:.2f} [{lb:.2f}, {ub:.2f}]", fontsize=6.5,
                     fontweight="normal")
        pct = 100 * (frame["post_mean"] / frame["pre_mean"] - 1)
        numbers[outcome] = {"groups": frame.assign(pct_change=pct).to_dict("records"),
                            "smd_review_protocol": {"yi": c["yi"], "vi": c["vi"],
                                                    "ci_lb": lb, "ci_ub": ub, "review": review}}
    fig.legend(*axs[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    ab = out[(out["study_id"] == "storen2008") & (out["timepoint"] == "change")]
    numbers["abstract_pct_change"] = {r["outcome"]: r["pct_change"] for _, r in ab.iterrows()}
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
                 xlabel="SMD of running economy (Hedges g)",
                 favours=("favours strength training", "favours control"))
    from .models import rma

    dl = rma(res.yi, res.vi, method="DL", slab=list(res.slab))
    pooled = _table("pooled").set_index("pooled_id")
    printed = {c: pooled.at["balsalobre2016_01", c] for c in ("estimate", "ci_lb", "ci_ub",
                                                              "heterogeneity")}
    return {"model": _rma_numbers(res), "model_DL": _rma_numbers(dl), "printed": printed,
            "studies": {
        "slab": list(res.slab), "yi": res.yi, "sei": np.sqrt(res.vi), "weight": res.weights,
        "n": b["n"].to_numpy()}}


def _group_model(d):
    """The review's model for one method: three-level REML (effects within study groups,
    ``rma_mv(..., cluster, test="t")``) when a group holds several effects, else the
    two-level REML model with t-based inference (one effect per cluster)."""
    from .models import rma
    from .multilevel import rma_mv

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


def _orchard_figure(fig, outcome, review, order, xlabel):
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
    plots.orchard(c, summ, ax, group="method", xlabel=xlabel, printed=printed)
    for g in numbers:
        numbers[g]["printed_estimate"] = printed.get(g)
    return {"groups": numbers, "k": len(c), "test": "t", "method": "REML"}


@figure("llanoslagos_methods", "Running economy by training method (Llanos-Lagos 2024a data, "
        "81 effect sizes, review protocol: Hedges g of change scores, negative = better "
        "economy). Dots: effect sizes (size ∝ precision); thick bar: 95% CI; thin bar: 95% "
        "prediction interval; white dot: pooled estimate from " + GROUP_MODEL + "; cross: "
        "estimate printed by the review.",
        [LLANOS_A, "data/outcomes.csv", "data/groups.csv"], width="single", height=2.6)
def llanoslagos_methods(fig):
    return _orchard_figure(fig, "running_economy", "llanoslagos2024a",
                           ["high_load", "combined", "plyometric", "submaximal", "isometric"],
                           "Hedges g (running economy)")


@figure("performance", "Running performance (time trials, time to exhaustion, distance tests) "
        "by training method (Llanos-Lagos 2024b data, review protocol, negative = better). "
        "Layout as the methods figure; pooled estimates from " + GROUP_MODEL + ".",
        [LLANOS_B, "data/outcomes.csv", "data/groups.csv"], width="single", height=2.0)
def performance(fig):
    return _orchard_figure(fig, "running_performance", "llanoslagos2024b",
                           ["high_load", "combined", "plyometric"], "Hedges g (performance)")


@figure("performance_forest", "Forest plot of running performance by training method "
        "(Llanos-Lagos 2024b data, review protocol: Hedges g, negative = better; one effect per "
        "training group). Each block: two-level REML random-effects model with t-based 95% CI "
        "(diamond) and prediction interval (dotted); bottom: all comparisons; test of subgroup "
        "differences (Qb). n: training + control participants of the comparison; weight: "
        "within the block's model.",
        [LLANOS_B, "data/outcomes.csv", "data/groups.csv", "data/studies.csv"],
        width="double", height=5.6)
def performance_forest(fig):
    from .models import rma
    from .subgroups import subgroups

    c = _comparisons("running_performance", "llanoslagos2024b")
    order = {"high_load": 0, "combined": 1, "plyometric": 2}
    c = c.assign(_o=c["method"].map(order)).sort_values(["_o", "study_id", "group_id"],
                                                         kind="stable")
    st = _table("studies").set_index("study_id")
    base = [f"{st.at[r['study_id'], 'first_author']} {st.at[r['study_id'], 'year']} · "
            f"{str(r['measure']).replace(' (s)', '')}" for _, r in c.iterrows()]
    dup = pd.Series(base).duplicated(keep=False).to_numpy()
    labels = [b.replace(" · ", f" ({g.replace('_', ' ')}) · ", 1) if d else b
              for b, d, g in zip(base, dup, c["group_id"])]
    yi, vi = c["yi"].to_numpy(float), c["vi"].to_numpy(float)
    groups = c["method"].str.replace("_", " ").to_numpy()
    sg = subgroups(yi, vi, groups, method="REML", tau2="separate", test="t")
    overall = rma(yi, vi, test="t", slab=labels)
    ax = fig.subplots()
    plots.forest(sg, ax, overall=overall, groups=groups, n=(c["n1"] + c["n2"]).to_numpy(),
                 columns=("n", "estimate", "weight"), xlabel="Hedges g (running performance)",
                 favours=("favours strength training", "favours control"))
    return {"overall": _rma_numbers(overall),
            "subgroups": {str(g): _rma_numbers(f) for g, f in zip(sg.table["group"], sg.fits)},
            "Qb": sg.Qb, "Qb_df": sg.df, "Qb_pval": sg.pval, "statistic": sg.statistic}


@figure("speed_moderation", "Does the effect on running economy depend on the test speed? "
        "Three-level meta-regression (REML, effects within study groups, t-based) of the "
        "Llanos-Lagos 2024a effect sizes whose test speed is printed in km/h, all methods "
        "together, on speed; bubbles ∝ precision, band = 95% CI of the line, light band = 95% "
        "prediction interval.",
        [LLANOS_A, "data/outcomes.csv"], width="single", height=2.6)
def speed_moderation(fig):
    from .multilevel import rma_mv

    c = _comparisons("running_economy", "llanoslagos2024a")
    m = c[np.isfinite(c["speed_kmh"].to_numpy(float))]
    res = rma_mv(m["yi"].to_numpy(float), m["vi"].to_numpy(float),
                 cluster=m["cluster"].to_numpy(), mods=m["speed_kmh"].to_numpy(float),
                 test="t", slab=list(m["es_id"]))
    ax = fig.subplots()
    plots.bubble(res, ax, xlabel="Test speed (km/h)", ylabel="Hedges g (running economy)",
                 pi=True)
    return {"model": {"k": res.k, "n_clusters": res.n_clusters, "method": res.method,
                      "test": res.test, "coef_names": list(res.coef_names), "beta": res.beta,
                      "se": res.se, "ci_lb": res.ci_lb, "ci_ub": res.ci_ub, "pval": res.pval,
                      "sigma2": list(res.sigma2), "QE": res.QE, "QEp": res.QEp, "QM": res.QM,
                      "QMp": res.QMp},
            "moderator": "speed_kmh", "k_without_speed": int(len(c) - len(m))}


@figure("race_time", "What the pooled Balsalobre effect could mean on race day: predicted "
        "change in race time for a runner with the Støren 2008 strength group's mean VO2max "
        "(61 ml/kg/min, used as VDOT) given the re-analysed SMD of running economy and its "
        "95% CI (converted with the 6% between-runner CV of trained runners' RE, preset "
        "'trained_lab'), under each physiology model; open "
        "markers lie outside a model's valid range.",
        [BALSALOBRE, STOREN, LLANOS_A + " (Table 2: VO2max)",
         "runecon.physiology (Daniels & Gilbert 1979; di Prampero 1986, "
         "doi:10.1007/BF02343797; Kipp 2019, doi:10.3389/fphys.2019.00079)"],
        width="single", height=2.6)
def race_time(fig):
    from .physiology import predict_race_times

    res, _ = _balsalobre()
    g = _table("groups")
    vo2 = float(g[(g["study_id"] == "storen2008") & (g["group_id"] == "high_load")]
                ["vo2max"].iloc[0])
    from .physiology.effects import CV_PRESETS

    pred = predict_race_times(vo2max=vo2, smd=res.estimate, ci=(res.ci_lb, res.ci_ub),
                              cv="trained_lab")
    df = pred.to_frame()
    ax = fig.subplots()
    plots.race_time(df, ax, y="delta_pct")
    keep = ["distance", "model", "baseline_s", "delta_s", "delta_lb_s", "delta_ub_s",
            "delta_pct", "in_valid_range"]
    return {"vo2max": vo2, "cv": {"preset": "trained_lab",
                                  "value": CV_PRESETS["trained_lab"].cv}, "smd": {"estimate": res.estimate, "ci_lb": res.ci_lb,
                                   "ci_ub": res.ci_ub},
            "predictions": df[keep].to_dict("records")}


@figure("claims_ledger", "Claims ledger: the pooled SMDs (as printed, 95% CI) that the "
        "claims of the source articles cite by name (data/claims.csv evidence 'pooled:<id>'); "
        "claims citing no specific pooled row, rows without a CI and rows that are not an SMD "
        "(meta-regression slopes, differences of subgroups) are listed in the JSON.",
        ["data/claims.csv", "data/pooled.csv", BALSALOBRE, LLANOS_A, LLANOS_B],
        width="double", height=3.2)
def claims_ledger(fig):
    from .style import CYCLE

    claims, pooled = _table("claims"), _table("pooled").set_index("pooled_id")
    labels, est, lb, ub, colors, drawn, skipped = [], [], [], [], [], [], {}
    for _, cl in claims.iterrows():
        ids = [e.split(":", 1)[1] for e in str(cl["evidence"]).split(";")
               if e.startswith("pooled:")]
        ok = [p for p in ids if p in pooled.index
              and np.isfinite([pooled.at[p, "estimate"], pooled.at[p, "ci_lb"],
                               pooled.at[p, "ci_ub"]]).all()]
        # one axis, one scale: slopes (per km/h, per ml/kg/min) and subgroup differences are
        # not SMDs, so they are reported in the JSON but not drawn beside the pooled effects
        other_scale = [p for p in ok if str(pooled.at[p, "metric"]).startswith("beta")]
        if other_scale:
            skipped[f"{cl['claim_id']} (not an SMD)"] = other_scale
        ok = [p for p in ok if p not in other_scale]
        if not ok:
            skipped[cl["claim_id"]] = "no named pooled row with a CI" if ids or "pooled:" in \
                str(cl["evidence"]) else "no pooled evidence"
            continue
        for p in ok:
            r = pooled.loc[p]
            sub = str(r["subgroup"]).split(";")[0]
            labels.append(f"{cl['claim_id']} · {p.split('_')[0]}: {sub[:38]}")
            est.append(r["estimate"]), lb.append(r["ci_lb"]), ub.append(r["ci_ub"])
            seen = list(dict.fromkeys([d["claim"] for d in drawn] + [cl["claim_id"]]))
            colors.append(CYCLE[(len(seen) - 1) % 6])
            drawn.append({"claim": cl["claim_id"], "pooled_id": p, "estimate": r["estimate"],
                          "ci_lb": r["ci_lb"], "ci_ub": r["ci_ub"], "k": r["k"],
                          "metric": r["metric"]})
    ax = fig.subplots()
    plots.intervals(labels, est, lb, ub, ax, xlabel="Pooled SMD as printed (negative = better)",
                    colors=colors, favours=("training better", "control better"))
    return {"drawn": drawn, "not_drawn": skipped}


@figure("sensitivity", "Sensitivity of the Balsalobre 2016 re-analysis: (a) GOSH plot, the "
        "REML model fitted to all 31 subsets of the five studies (pooled estimate vs I²); "
        "(b) leave-one-out estimates with 95% CI (band: full model). Without Paavolainen 1999 "
        "the paper printed −1.06 [−1.56, −0.56], I² = 0%.",
        [BALSALOBRE, "data/reported_effects.csv"], width="double", height=2.3)
def sensitivity(fig):
    from .sensitivity import gosh, leave1out

    res, _ = _balsalobre()
    g = gosh(res)
    l1 = leave1out(res)
    a, b = fig.subplots(1, 2, width_ratios=[1, 1.3])
    plots.gosh(g, a, xlabel="Pooled SMD of the subset")
    a.set_title("a", loc="left")
    plots.leave1out(l1, b, res=res, xlabel="Pooled SMD without the study")
    b.set_title("b", loc="left")
    t = l1.to_frame()
    return {"model": _rma_numbers(res), "gosh": {
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
    from .models import rma
    from .smallstudy import funnel_data, trimfill

    c = _comparisons("running_economy", "llanoslagos2024a")
    res = rma(c["yi"].to_numpy(float), c["vi"].to_numpy(float), slab=list(c["es_id"]))
    tf = trimfill(res)
    ax = fig.subplots()
    plots.funnel(funnel_data(res), ax, trimfill=tf, xlabel="Hedges g (running economy)")
    return {"model": _rma_numbers(res), "trimfill": {"k0": tf.k0, "side": tf.side,
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
    from .bayes import bayesmeta

    res, _ = _balsalobre()
    bm = bayesmeta(res.yi, res.vi, tau_prior="halfnormal", tau_scale=0.5, slab=res.slab)
    a, b = fig.subplots(1, 2)
    plots.posterior(bm, a, params=("mu", "pred"), xlabel="SMD of running economy")
    plots.posterior(bm, b, params="tau")
    return {"prior": {"tau": "halfnormal(0.5)", "mu": "flat"}, "k": bm.k,
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
              "data_version": data_version(), "numbers": numbers}
    jpath = out / f"{name}.json"
    jpath.write_text(json.dumps(_clean(record), sort_keys=True, indent=2, ensure_ascii=False)
                     + "\n", encoding="utf-8")
    return paths + [jpath]


def _index(out, names, formats):
    lines = ["# runecon article figures", "",
             f"Generated by `runecon figures` from the data package version {data_version()}. "
             "Each figure has a JSON file beside it with the numbers it shows.", ""]
    for n in names:
        spec = REGISTRY[n]
        img = next((f for f in ("png", "svg", "pdf") if f in formats), formats[0])
        files = " · ".join(f"[{f}]({n}.{f})" for f in formats) + f" · [numbers]({n}.json)"
        lines += [f"## {n}", "", f"![{n}]({n}.{img})", "", spec.caption, "",
                  "Sources:", ""] + [f"- {s}" for s in spec.sources] + ["", f"Files: {files}", ""]
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
    from . import labels
    from .living import LIVING_REVIEW, cumulative_by_year, new_evidence

    before = cumulative_by_year(reviews=("llanoslagos2024a",))
    after = cumulative_by_year(reviews=("llanoslagos2024a", LIVING_REVIEW))
    order = [m for m in ("high_load", "combined", "plyometric", "submaximal", "isometric")
             if m in set(before.to_frame()["method"])]
    axes = fig.subplots(1, len(order), sharey=True, sharex=True)
    for i, (ax, m) in enumerate(zip(np.atleast_1d(axes), order)):
        plots.cumulative_evidence(before, ax, living=after, methods=[m],
                                  ylabel="Hedges g (running economy)" if i == 0 else "")
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
    summary = "; ".join(f"{labels.method(m).lower()} {a[m]['estimate']:.2f} "
                        f"[{a[m]['ci_lb']:.2f}, {a[m]['ci_ub']:.2f}]" for m in a)
    if changed:
        verb = (f"changed the pooled effect of {', '.join(labels.method(m).lower() for m in changed)}"
                f" (now {summary})")
    else:
        verb = f"left every method's pooled effect as it was ({summary})"
    sentence = (f"The {len(trials)} controlled trial(s) published after the Llanos-Lagos 2024a "
                f"search (to November 2022) and in the data package {verb}; "
                f"{len(trials) - len(entering)} of them printed no arm-level means and SDs that "
                f"could enter the three-level model (Llanos-Lagos et al. 2024, Sports Med, "
                f"doi:10.1007/s40279-023-01978-y).")
    return {"before": b, "after": a, "changed": changed,
            "new_trials": list(trials["label"]), "new_trials_in_model": entering,
            "new_reviews": list(new.loc[new["design"].str.contains("review"), "label"]),
            "sentence": sentence}
