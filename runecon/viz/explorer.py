"""The interactive explorer of notebook ``20-explorer``: state, filtering, refitting, runner panel.

Everything the widgets do is here, as pure functions and one small class, so that it is
tested without a browser (``tests/test_explorer.py``):

* :func:`choices` — the values each filter can take;
* :func:`select` — the comparisons that pass the filters (possibly none);
* :func:`fit` — the pooled model of a selection with the chosen estimator;
* :func:`pooled_frame` — the pooled result as a one-row table;
* :class:`Explorer` — the current filters, the selection, the fit and a message; ``update``
  changes filters and refits, never fitting k = 0 (the message says "No studies match");
* :meth:`Explorer.runner` — the runner panel: predicted race-time change for a runner
  (VO2max or a recent race) from the pooled running-economy SMD
  (:func:`runecon.physiology.predict_race_times`);
* :func:`draw` — forest plot of the current selection (matplotlib imported when called);
* :func:`build_ui` — the ipywidgets interface (ipywidgets imported only there).

Effect sizes come from :func:`runecon.comparisons` under the protocol of the review that
printed the arm data (Llanos-Lagos 2024a for running economy, 2024b for performance and
VO2max): negative = improvement for economy and performance.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..evidence import labels as words
from ..errors import InputError, TooFewStudiesError

__all__ = ["OUTCOMES", "DIRECTION", "METHODS", "SPEED_BANDS", "LEVELS", "ESTIMATORS", "TESTS",
           "NO_MATCH", "Selection", "Explorer", "check", "choices", "comparisons_for", "select", "fit",
           "fitted", "pooled_frame", "draw", "svg", "runner_ranges", "build_ui"]

#: outcome code -> review whose arm data and protocol are used
OUTCOMES = {"running_economy": "llanoslagos2024a",
            "running_performance": "llanoslagos2024b",
            "time_trial": "llanoslagos2024b",
            "tte": "llanoslagos2024b",
            "vo2max": "llanoslagos2024b"}
#: how to read the sign of g per outcome (runecon.comparisons orients economy and
#: performance so that negative = improvement; capacities keep their raw direction)
DIRECTION = {o: "negative = better" for o in OUTCOMES}
DIRECTION["vo2max"] = "positive = higher VO\u2082max"
#: training method classes (Llanos-Lagos 2024a, p. 899)
METHODS = ("high_load", "submaximal", "plyometric", "isometric", "combined")
#: test-speed bands as printed by Llanos-Lagos 2024a; "no speed band" = not printed or not
#: a running-economy row (performance tests have no test speed)
SPEED_BANDS = ("< 11.50 km/h", "11.50–14.50 km/h", "> 14.50 km/h", "no speed band")
#: training levels as printed (MT moderately, WT well, HT highly trained)
LEVELS = ("MT", "WT", "HT", "not printed")
#: "three-level REML": metafor's rma.mv(yi, vi, random = ~ 1 | cluster/es_id) as the review
#: (two-level REML when no cluster holds several effects); the others: rma(method=...)
ESTIMATORS = ("three-level REML", "REML", "ML", "DL", "PM", "SJ", "HE", "EB", "HS", "FE")
TESTS = ("t", "z")
#: message of a selection without any comparison
NO_MATCH = "No studies match these filters: nothing to pool."


@dataclass(frozen=True)
class Selection:
    """The explorer's filters and model choices (all tuples: several values may be chosen)."""
    outcome: str = "running_economy"
    methods: tuple = METHODS
    speed_bands: tuple = SPEED_BANDS
    levels: tuple = LEVELS
    estimator: str = "three-level REML"
    test: str = "t"


def _as_tuple(name, value):
    if isinstance(value, str):
        return (value,)
    try:
        return tuple(value)
    except TypeError:
        raise InputError(name, f"must be a sequence of choices, got {value!r}") from None


def check(selection: Selection) -> Selection:
    """Validate a :class:`Selection`; unknown values raise InputError naming the filter.

    An empty tuple is allowed (it selects nothing); unknown codes are not.
    """
    if not isinstance(selection, Selection):
        raise InputError("selection", f"must be a Selection, got {type(selection).__name__}")
    if selection.outcome not in OUTCOMES:
        raise InputError("outcome", f"unknown outcome {selection.outcome!r}; choose from "
                                    f"{list(OUTCOMES)}")
    for name, allowed in (("methods", METHODS), ("speed_bands", SPEED_BANDS),
                          ("levels", LEVELS)):
        vals = _as_tuple(name, getattr(selection, name))
        bad = [v for v in vals if v not in allowed]
        if bad:
            raise InputError(name, f"unknown value(s) {bad}; choose from {list(allowed)}")
    if selection.estimator not in ESTIMATORS:
        raise InputError("estimator", f"unknown estimator {selection.estimator!r}; choose "
                                      f"from {list(ESTIMATORS)}")
    if selection.test not in TESTS:
        raise InputError("test", f"unknown test {selection.test!r}; choose from {list(TESTS)}")
    return selection


@functools.lru_cache(maxsize=None)
def _comparisons(outcome):
    from ..evidence.comparisons import comparisons

    d = comparisons(outcome, review=OUTCOMES[outcome])
    band = d["speed_category"].fillna("").astype(str).replace("", SPEED_BANDS[-1])
    level = d["training_level"].fillna("").astype(str).replace("", LEVELS[-1])
    return d.assign(speed_band=band, level=level)


def comparisons_for(outcome):
    """All comparisons of ``outcome`` (a copy) with the explorer's ``speed_band`` and
    ``level`` columns; cached per outcome."""
    if outcome not in OUTCOMES:
        raise InputError("outcome", f"unknown outcome {outcome!r}; choose from {list(OUTCOMES)}")
    return _comparisons(outcome).copy()


def choices(outcome="running_economy"):
    """The values each filter can take for ``outcome``, with the number of comparisons of
    each value (dict filter -> {value: count})."""
    d = comparisons_for(outcome)
    return {"outcome": {o: None for o in OUTCOMES},
            "methods": {m: int((d["method"] == m).sum()) for m in METHODS},
            "speed_bands": {b: int((d["speed_band"] == b).sum()) for b in SPEED_BANDS},
            "levels": {v: int((d["level"] == v).sum()) for v in LEVELS},
            "estimator": {e: None for e in ESTIMATORS}, "test": {t: None for t in TESTS}}


def select(data, selection: Selection):
    """Rows of ``data`` (from :func:`comparisons_for`) passing the filters; may be empty."""
    check(selection)
    keep = (data["method"].isin(_as_tuple("methods", selection.methods))
            & data["speed_band"].isin(_as_tuple("speed_bands", selection.speed_bands))
            & data["level"].isin(_as_tuple("levels", selection.levels)))
    return data.loc[keep].reset_index(drop=True)


def fit(data, estimator="three-level REML", test="t"):
    """Pool the comparisons in ``data`` (columns yi, vi, cluster, es_id).

    Returns the :class:`~runecon.results.RMAMVResult` (three-level) or
    :class:`~runecon.results.RMAResult`. Raises :class:`~runecon.errors.TooFewStudiesError`
    for an empty selection (never a fit on k = 0) or one too small for the estimator.
    """
    from ..meta.models import rma
    from ..meta.multilevel import rma_mv

    if estimator not in ESTIMATORS:
        raise InputError("estimator", f"unknown estimator {estimator!r}; choose from "
                                      f"{list(ESTIMATORS)}")
    if test not in TESTS:
        raise InputError("test", f"unknown test {test!r}; choose from {list(TESTS)}")
    k = len(data)
    if k == 0:
        raise TooFewStudiesError("data", NO_MATCH)
    yi, vi = data["yi"].to_numpy(float), data["vi"].to_numpy(float)
    slab = list(data["es_id"])
    if estimator == "three-level REML":
        if data["cluster"].duplicated().any() and data["cluster"].nunique() >= 2:
            return rma_mv(yi, vi, cluster=data["cluster"].to_numpy(), test=test, slab=slab,
                          lrt=False)
        estimator = "REML"     # every cluster holds one effect: the two-level model
    return rma(yi, vi, method=estimator, test=test, slab=slab)


def fitted(res):
    """What was fitted, in words: ``"three-level REML (effects within training groups), t
    test"`` or ``"two-level REML (restricted ML) random effects, t test"``."""
    if res is None:
        return "nothing fitted"
    test = "t test" if res.test == "t" else "z test"
    if hasattr(res, "sigma2"):
        return f"three-level REML (effects within training groups), {test}"
    if res.method == "FE":
        return f"common-effect (fixed) model, {test}"
    return f"two-level {words.estimator(res.method)} random effects, {test}"


@functools.lru_cache(maxsize=256)
def _fit_cached(outcome, methods, bands, levels, estimator, test):
    """Fits keyed by the (sorted) filters: going back to a selection is instant."""
    sel = Selection(outcome, methods, bands, levels, estimator, test)
    data = select(comparisons_for(outcome), sel)
    try:
        return data, fit(data, estimator, test), None
    except InputError as err:     # TooFewStudiesError, or k too small for the test
        return data, None, err


def _pi(res):
    pr = res.predict()
    if pr.pi_lb is None:                    # FE model: no prediction interval
        return np.nan, np.nan
    return float(np.ravel(pr.pi_lb)[0]), float(np.ravel(pr.pi_ub)[0])


def pooled_frame(res):
    """One-row DataFrame of a pooled result: model, k, clusters, estimate, CI, PI, tau²."""
    multilevel = hasattr(res, "sigma2")
    pi_lb, pi_ub = _pi(res) if res.k > 1 else (np.nan, np.nan)
    return pd.DataFrame([{
        "model": ("three-level " if multilevel else "") + res.method
                 + ("" if multilevel or res.method == "FE" else " random effects"),
        "test": res.test, "k": res.k,
        "clusters": res.n_clusters if multilevel else res.k,
        "estimate": res.estimate, "ci_lb": res.ci_lb, "ci_ub": res.ci_ub,
        "pi_lb": pi_lb, "pi_ub": pi_ub, "tau2": res.tau2}])


@dataclass
class Explorer:
    """The explorer's state: filters, the selected comparisons, the pooled fit, a message.

    ``result`` is None and ``message`` says why when nothing can be pooled (no comparison
    matches, or too few for the estimator). Change filters with :meth:`update`.

    Examples
    --------
    >>> ex = Explorer()                                         # doctest: +SKIP
    >>> ex.update(methods=("high_load",)).pooled().round(3)     # doctest: +SKIP
    """
    selection: Selection = field(default_factory=Selection)
    data: pd.DataFrame = field(init=False, repr=False)
    result: object = field(init=False, default=None, repr=False)
    message: str = field(init=False, default="")

    def __post_init__(self):
        self._refit()

    #: words for a fallback of the model (empty when the chosen model was fitted)
    note: str = field(init=False, default="")

    def _refit(self):
        sel = check(self.selection)
        key = (sel.outcome,) + tuple(tuple(sorted(_as_tuple(n, getattr(sel, n))))
                                     for n in ("methods", "speed_bands", "levels"))
        data, self.result, err = _fit_cached(*key, sel.estimator, sel.test)
        self.data = data.copy()
        self.note = ""
        if self.result is None:
            k = len(self.data)
            need = "the z test with the common-effect model" if sel.test == "t" else \
                "at least 2 comparisons for a random-effects model"
            self.message = NO_MATCH if k == 0 else (
                f"Only {k} comparison{'s' if k != 1 else ''} "
                f"match{'es' if k == 1 else ''}: too few to pool with "
                f"{self._estimator_words(sel.estimator)} and the {sel.test} test (a single "
                f"comparison needs {need}). Choose more methods, speeds or levels.")
            return
        r = self.result
        if sel.estimator == "three-level REML" and not hasattr(r, "sigma2"):
            self.note = ("Every training group contributes one comparison here, so the "
                         "three-level model reduces to the two-level REML model, which was "
                         "fitted.")
        lb, ub = _pi(r) if r.k > 1 else (np.nan, np.nan)
        pi = (f", 95% prediction interval {words.num(lb)} to {words.num(ub)}"
              if np.isfinite(lb) else "")
        n_st = self.data["study_id"].nunique()
        self.message = (f"{words.outcome(sel.outcome)}: k = {r.k} comparisons in {n_st} "
                        f"stud{'ies' if n_st != 1 else 'y'}; {fitted(r)}: "
                        f"g = {words.ci(r.estimate, r.ci_lb, r.ci_ub)}{pi} "
                        f"({DIRECTION[sel.outcome]})")

    @staticmethod
    def _estimator_words(code):
        return "the three-level REML model" if code == "three-level REML" else \
            words.estimator(code)

    def update(self, **changes):
        """Change filters (``outcome, methods, speed_bands, levels, estimator, test``) and
        refit. Bad values raise InputError and leave the state unchanged. Returns self."""
        unknown = set(changes) - set(Selection.__dataclass_fields__)
        if unknown:
            raise InputError(sorted(unknown)[0], "unknown filter; valid: "
                                                 f"{list(Selection.__dataclass_fields__)}")
        for key in ("methods", "speed_bands", "levels"):
            if key in changes:
                changes[key] = _as_tuple(key, changes[key])
        new = check(replace(self.selection, **changes))
        self.selection = new
        self._refit()
        return self

    def pooled(self):
        """The pooled result as a one-row DataFrame (empty when nothing is pooled)."""
        if self.result is None:
            return pd.DataFrame(columns=["model", "test", "k", "clusters", "estimate", "ci_lb", "ci_ub",
                                         "pi_lb", "pi_ub", "tau2"])
        return pooled_frame(self.result)

    def runner(self, vo2max=None, race=None, **kwargs):
        """The runner panel: predicted race-time change for a runner given by ``vo2max``
        (ml/kg/min) or ``race=(distance_m, time_s)``, from the pooled running-economy SMD
        and its CI (:func:`runecon.physiology.predict_race_times`; other keyword arguments
        are passed on, e.g. ``cv=``, ``models=``)."""
        from ..physiology import predict_race_times

        if self.selection.outcome != "running_economy":
            raise InputError("outcome", "the race-time translation needs a running-economy "
                                        "SMD; choose outcome 'running_economy' (performance "
                                        "SMDs have no physiological conversion here)")
        if self.result is None:
            raise InputError("selection", self.message)
        r = self.result
        return predict_race_times(vo2max=vo2max, race=race, smd=r.estimate,
                                  ci=(r.ci_lb, r.ci_ub), **kwargs)

    def runner_messages(self, vo2max=None, race=None, body_mass_kg=None, height_m=None):
        """Plain-language messages about a runner's inputs (empty when all lie inside the
        models' ranges): a VO2max outside Daniels' tables (30–85 ml/kg/min), a race whose
        VDOT lies outside them, body mass or height outside those of the study runners
        (``data/groups.csv``). Nothing is clamped: predictions are still made and flagged."""
        import warnings

        from ..errors import RuneconWarning
        from ..physiology.daniels import VDOT_VALID_RANGE, vdot

        out = []
        lo, hi = VDOT_VALID_RANGE
        if vo2max is not None and not lo <= vo2max <= hi:
            out.append(f"VO\u2082max {vo2max:g} ml/kg/min lies outside {lo:g}\u2013{hi:g}, "
                       "the range of Daniels' tables: predictions beyond it are "
                       "extrapolations (marked *).")
        if race is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuneconWarning)
                v = float(vdot(*race))
            if not lo <= v <= hi:
                out.append(f"That race gives a VDOT of {v:.1f}, outside {lo:g}\u2013{hi:g} "
                           "ml/kg/min (Daniels' tables): predictions are extrapolations.")
        ranges = runner_ranges()
        for name, value, unit in (("body mass", body_mass_kg, "kg"),
                                  ("height", height_m, "m")):
            a, b = ranges[name]
            if value is not None and not a <= value <= b:
                out.append(f"A {name} of {value:g} {unit} lies outside the runners of the "
                           f"studies ({a:g}\u2013{b:g} {unit}, group means): the "
                           "air-resistance models were not checked there.")
        return out


def draw(explorer, ax=None):
    """Forest plot of the explorer's current selection; returns the Axes.

    Two-level models: :func:`runecon.plots.forest` (squares ∝ weight, pooled diamond and
    prediction interval). Three-level models: one row per comparison with its 95% CI and
    the pooled estimate and CI as the reference line and band (:func:`runecon.plots.intervals`).
    Without a fit, the message is written into the axes.
    """
    from . import plots

    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    r = explorer.result
    if r is None:
        ax.text(0.5, 0.5, explorer.message, ha="center", va="center", wrap=True,
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    out = explorer.selection.outcome
    xlabel = f"Hedges g, {words.outcome(out).lower()} ({DIRECTION[out]})"
    names = words.comparisons(explorer.data)
    if hasattr(r, "sigma2"):
        z = 1.959963984540054
        se = np.sqrt(r.vi)
        plots.intervals(names, r.yi, r.yi - z * se, r.yi + z * se, ax,
                        reference=(r.estimate, r.ci_lb, r.ci_ub), xlabel=xlabel,
                        ticklabels=False)
    else:
        plots.forest(r, ax, xlabel=xlabel, columns=("estimate",), slab=names)
    return ax


@functools.lru_cache(maxsize=1)
def runner_ranges():
    """Body mass (kg) and height (m) ranges of the study runners: min and max of the group
    means printed in Llanos-Lagos 2024a Table 2 (``data/groups.csv``)."""
    from ..evidence.data import load

    g = load("groups")
    mass = g["body_mass_kg"].dropna().astype(float)
    height = g["height_cm"].dropna().astype(float) / 100
    return {"body mass": (float(mass.min()), float(mass.max())),
            "height": (float(height.min()), float(height.max()))}


#: explorer plot: inches per row and the width (the box around it scrolls)
ROW_IN, PLOT_WIDTH_IN = 0.16, 6.4


def svg(explorer):
    """The explorer's plot as an SVG string (text kept as text: fast to make, sharp in the
    browser). One row per comparison, so the box that shows it scrolls for long lists."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    from .style import context

    k = len(explorer.data) if explorer.result is not None else 0
    with context(), matplotlib.rc_context({"svg.fonttype": "none", "font.size": 7.5,
                                           "ytick.labelsize": 7, "xtick.labelsize": 7,
                                           "figure.constrained_layout.use": False}):
        h = 1.3 + ROW_IN * (k + 3)
        fig = Figure(figsize=(PLOT_WIDTH_IN, h))
        ax = fig.subplots()
        fig.subplots_adjust(left=0.40, right=0.80 if explorer.result is not None
                            and not hasattr(explorer.result, "sigma2") else 0.97,
                            top=1 - 0.15 / h, bottom=0.85 / h)
        draw(explorer, ax)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]


#: race distances of the runner panel (label -> metres)
RACES = {"5 km": 5000.0, "10 km": 10000.0, "half marathon": 21097.5, "marathon": 42195.0}
#: the runner panel's defaults: Kipp 2019's reference runner (58 kg, 1.71 m) and VO2max 55
RUNNER_DEFAULTS = {"vo2max": 55.0, "race": "10 km", "time": "40:00", "body_mass_kg": 58.0,
                   "height_m": 1.71}

_CSS = """<style>
.runecon-app {font-family: sans-serif; max-width: 1180px}
.runecon-pooled {font-size: 14px; padding: 4px 8px; background: #f2f6fa;
  border-left: 4px solid #0072B2; margin: 4px 0}
.runecon-note {color: #8a4b00; font-size: 12px}
.runecon-plot {max-height: 380px; overflow-y: auto; border: 1px solid #ddd}
.runecon-plot svg {width: 100%; height: auto}
.runecon-runner table {font-size: 11px; border-collapse: collapse}
.runecon-runner td, .runecon-runner th {padding: 1px 4px}
.runecon-app .widget-checkbox {height: 20px}
.runecon-app .widget-html-content {line-height: 1.3}
.runecon-pooled, .runecon-note, .runecon-runner p {line-height: 1.3; margin: 2px 0}
.runecon-runner {font-size: 12px}
.runecon-runner th {font-size: 11px; line-height: 1.15; vertical-align: bottom}
</style>"""


def _parse_time(text):
    """``"40:00"`` or ``"1:29:30"`` -> seconds; None when not a time."""
    parts = str(text).strip().split(":")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        return None
    if not 1 <= len(nums) <= 3 or any(n < 0 for n in nums):
        return None
    sec = 0.0
    for n in nums:
        sec = sec * 60 + n
    return sec if sec > 0 else None


class _Checks:
    """A column of checkboxes for one filter, with a tuple ``value`` (as a multi-select)
    that calls ``on_change`` once per change of ``value`` (not once per box)."""

    def __init__(self, w, title, options, value, on_change):
        self._on_change, self._hold = on_change, False
        self.codes = [code for _, code in options]
        self.boxes = [w.Checkbox(value=code in value, description=lab, indent=False,
                                 layout=w.Layout(width="auto", margin="0"))
                      for lab, code in options]
        for b in self.boxes:
            b.observe(self._changed, names="value")
        self.widget = w.VBox([w.HTML(f"<b>{title}</b>")] + self.boxes,
                             layout=w.Layout(margin="0 12px 0 0"))

    @property
    def value(self):
        return tuple(c for c, b in zip(self.codes, self.boxes) if b.value)

    @value.setter
    def value(self, codes):
        self._hold = True
        try:
            for c, b in zip(self.codes, self.boxes):
                b.value = c in codes
        finally:
            self._hold = False
        self._on_change()

    def set_labels(self, labels):
        for b, lab in zip(self.boxes, labels):
            b.description = lab

    def _changed(self, change=None):
        if not self._hold:
            self._on_change()


class _UI:
    """Widgets of :func:`build_ui`; callbacks are bound methods (no lambdas).

    Layout: filters in one row (outcome, estimator and test with what was fitted, the
    methods / speed / level checkboxes, "All" and "Reset"); the pooled line; then the plot
    (a box of bounded height that scrolls) beside the runner panel.
    """

    def __init__(self, explorer, widgets):
        w = self.w = widgets
        self.ex = explorer
        self.initial = explorer.selection
        s = explorer.selection
        self.last_update_s = 0.0
        self.outcome = w.Dropdown(options=[(words.outcome(o), o) for o in OUTCOMES],
                                  value=s.outcome, description="Outcome",
                                  layout=w.Layout(width="270px"))
        self.estimator = w.Dropdown(
            options=[("Three-level REML (as the review)", "three-level REML")]
            + [(words.estimator(e), e) for e in ESTIMATORS[1:]],
            value=s.estimator, description="Estimator", layout=w.Layout(width="300px"))
        self.test = w.RadioButtons(options=[(words.test(t), t) for t in TESTS], value=s.test,
                                   description="Test", layout=w.Layout(width="270px"))
        self.fitted = w.HTML()
        self.all = w.Button(description="All", tooltip="select every method, speed and level",
                            layout=w.Layout(width="80px"))
        self.reset = w.Button(description="Reset", tooltip="back to the initial view",
                              layout=w.Layout(width="80px"))
        self.all.on_click(self.on_all)
        self.reset.on_click(self.on_reset)
        self.methods = _Checks(w, "Training method", self._options("methods"), s.methods,
                               self.on_filter)
        self.bands = _Checks(w, "Test speed", self._options("speed_bands"), s.speed_bands,
                             self.on_filter)
        self.levels = _Checks(w, "Training level", self._options("levels"), s.levels,
                              self.on_filter)
        for wid in (self.outcome, self.estimator, self.test):
            wid.observe(self.on_filter, names="value")
        self.message = w.HTML()
        self.note = w.HTML()
        self.plot = w.HTML(layout=w.Layout(width="62%"))
        # runner panel
        self.mode = w.ToggleButtons(options=[("VO\u2082max", "vo2max"), ("Recent race", "race")],
                                    value="vo2max", style={"button_width": "100px"})
        self.vo2max = w.FloatText(value=RUNNER_DEFAULTS["vo2max"], step=0.5,
                                  description="VO\u2082max", layout=w.Layout(width="200px"))
        self.race = w.Dropdown(options=list(RACES), value=RUNNER_DEFAULTS["race"],
                               description="Race", layout=w.Layout(width="200px"))
        self.time = w.Text(value=RUNNER_DEFAULTS["time"], description="Time",
                           placeholder="mm:ss or h:mm:ss", layout=w.Layout(width="200px"))
        self.mass = w.FloatText(value=RUNNER_DEFAULTS["body_mass_kg"], step=0.5,
                                description="Mass (kg)", layout=w.Layout(width="200px"))
        self.height = w.FloatText(value=RUNNER_DEFAULTS["height_m"], step=0.01,
                                  description="Height (m)", layout=w.Layout(width="200px"))
        for wid in (self.mode, self.vo2max, self.race, self.time, self.mass, self.height):
            wid.observe(self.on_runner, names="value")
        self.runner_msg = w.HTML()
        self.panel = w.HTML()
        self.vo2_box = w.VBox([self.vo2max])
        self.race_box = w.HBox([self.race, self.time])
        runner = w.VBox([w.HTML("<b>What it could mean for a runner</b> (race-time change; "
                                "negative = faster)"), self.mode, self.vo2_box,
                         w.HBox([self.mass, self.height]), self.runner_msg, self.panel],
                        layout=w.Layout(width="38%", padding="0 0 0 10px"))
        left = w.VBox([self.outcome, self.estimator, self.test, self.fitted,
                       w.HBox([self.all, self.reset])], layout=w.Layout(width="310px"))
        filters = w.HBox([left, self.methods.widget, self.bands.widget, self.levels.widget])
        self.widget = w.VBox([w.HTML(_CSS), filters, self.message, self.note,
                              w.HBox([self.plot, runner])])
        self.widget.add_class("runecon-app")
        self.refresh()

    def _options(self, name, outcome=None):
        counts = choices(outcome or self.ex.selection.outcome)[name]
        if name == "methods":
            return [(f"{words.method(c)} ({n})", c) for c, n in counts.items()]
        if name == "levels":
            return [(f"{words.level(c)} ({n})", c) for c, n in counts.items()]
        return [(f"{'Not printed' if c == SPEED_BANDS[-1] else c} ({n})", c)
                for c, n in counts.items()]

    def on_filter(self, change=None):
        import time

        t0 = time.perf_counter()
        try:
            self.ex.update(outcome=self.outcome.value, methods=self.methods.value,
                           speed_bands=self.bands.value, levels=self.levels.value,
                           estimator=self.estimator.value, test=self.test.value)
        except InputError as err:
            self.message.value = ("<div class='runecon-pooled'>That choice cannot be used: "
                                  f"{_html(err.args[-1] if err.args else err)}</div>")
            return
        if change is not None and getattr(change, "get", None) and \
                change.get("owner") is self.outcome:
            for group, name in ((self.methods, "methods"), (self.bands, "speed_bands"),
                                (self.levels, "levels")):
                group.set_labels([lab for lab, _ in self._options(name)])
        self.refresh()
        self.last_update_s = time.perf_counter() - t0

    def _set_all(self, selection):
        """Set every widget to ``selection`` with one refit."""
        self._busy = True
        try:
            self.outcome.value = selection.outcome
            self.estimator.value = selection.estimator
            self.test.value = selection.test
            for group, codes in ((self.methods, selection.methods),
                                 (self.bands, selection.speed_bands),
                                 (self.levels, selection.levels)):
                group._hold = True
                for c, b in zip(group.codes, group.boxes):
                    b.value = c in codes
                group._hold = False
        finally:
            self._busy = False
        self.on_filter()

    def on_all(self, button=None):
        from dataclasses import replace as _replace

        self._set_all(_replace(self.ex.selection, outcome=self.outcome.value,
                               methods=METHODS, speed_bands=SPEED_BANDS, levels=LEVELS))

    def on_reset(self, button=None):
        self._set_all(self.initial)
        self.mode.value = "vo2max"
        self.vo2max.value = RUNNER_DEFAULTS["vo2max"]
        self.mass.value = RUNNER_DEFAULTS["body_mass_kg"]
        self.height.value = RUNNER_DEFAULTS["height_m"]

    def on_runner(self, change=None):
        self.vo2_box.children = [self.vo2max] if self.mode.value == "vo2max" else \
            [self.race_box]
        self.show_runner()

    def refresh(self):
        if getattr(self, "_busy", False):
            return
        self.message.value = f"<div class='runecon-pooled'>{_html(self.ex.message)}</div>"
        self.fitted.value = (f"<small>Fitted: {_html(fitted(self.ex.result))}</small>"
                             if self.ex.result is not None else "<small>Fitted: nothing</small>")
        self.note.value = (f"<div class='runecon-note'>{_html(self.ex.note)}</div>"
                           if self.ex.note else "")
        self.plot.value = f"<div class='runecon-plot'>{svg(self.ex)}</div>"
        self.show_runner()

    def runner_inputs(self):
        """(kwargs for Explorer.runner, messages): the runner as typed, never clamped."""
        msgs = []
        kw = {"body_mass_kg": self.mass.value, "height_m": self.height.value}
        for name, value in (("Body mass", self.mass.value), ("Height", self.height.value)):
            if not value > 0:
                msgs.append(f"{name} must be a positive number.")
        if self.mode.value == "vo2max":
            if not self.vo2max.value > 0:
                msgs.append("VO\u2082max must be a positive number (ml/kg/min).")
            kw["vo2max"] = self.vo2max.value
        else:
            t = _parse_time(self.time.value)
            if t is None:
                msgs.append("Write the race time as mm:ss or h:mm:ss, e.g. 40:00.")
            kw["race"] = (RACES[self.race.value], t)
        return kw, msgs

    def show_runner(self):
        if getattr(self, "_busy", False):
            return
        if self.ex.selection.outcome != "running_economy":
            self.runner_msg.value = ("<small>The race-time translation needs a running-economy "
                                     "effect: choose the outcome Running economy.</small>")
            self.panel.value = ""
            return
        if self.ex.result is None:
            self.runner_msg.value = "<small>Nothing pooled, so nothing to translate.</small>"
            self.panel.value = ""
            return
        kw, msgs = self.runner_inputs()
        if msgs:
            self.runner_msg.value = "".join(f"<div class='runecon-note'>{_html(m)}</div>"
                                            for m in msgs)
            self.panel.value = ""
            return
        notes = self.ex.runner_messages(**kw)
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pred = self.ex.runner(**kw)
        except InputError as err:
            self.runner_msg.value = (f"<div class='runecon-note'>These inputs cannot be used: "
                                     f"{_html(err.args[-1] if err.args else err)}</div>")
            self.panel.value = ""
            return
        self.runner_msg.value = "".join(f"<div class='runecon-note'>{_html(m)}</div>"
                                        for m in notes)
        r = self.ex.result
        self.panel.value = ("<div class='runecon-runner'>"
                            + runner_html(pred, smd=(r.estimate, r.ci_lb, r.ci_ub))
                            + "</div>")


def runner_html(pred, smd=None, cv="trained_lab"):
    """The runner panel's table in people's words (HTML): rows race distances, columns the
    physiology models (:func:`runecon.labels.model`), cells "change [CI]" in seconds with
    true minus signs (never "−0"), * where a model is outside its valid range."""
    from ..physiology.effects import cv_value

    f = pred.to_frame()
    models = list(dict.fromkeys(f["model"]))
    dists = list(dict.fromkeys(f["distance"]))
    cell = {}
    for r in f.itertuples():
        text = (f"{words.num(r.delta_s, 0, signed=True)} [{words.num(r.delta_lb_s, 0, True)}, "
                f"{words.num(r.delta_ub_s, 0, True)}]")
        cell[(r.distance, r.model)] = text + ("" if r.in_valid_range else "*")
    base = dict(zip(pred.ranges["distance"], pred.ranges["baseline_s"]))
    head = "".join(f"<th>{_html(words.model(m))}</th>" for m in models)
    rows = "".join(
        f"<tr><th>{_html(d)}</th><td>{_clock(base[d])}</td>"
        + "".join(f"<td>{cell[(d, m)]}</td>" for m in models) + "</tr>" for d in dists)
    lines = [f"Runner: VDOT {pred.vdot:.1f} ml/kg/min, {pred.body_mass_kg:g} kg, "
             f"{pred.height_m:g} m."]
    if smd is not None:
        c = cv_value(cv)
        lines.append(f"Effect: g = {words.ci(*smd)} \u00d7 CV {100 * c:.1f} % "
                     f"({words.cv(cv) if isinstance(cv, str) else 'your value'}) = "
                     f"{words.ci(*(100 * c * x for x in smd))} % oxygen cost.")
    foot = ("<small>* outside the model's valid range (an extrapolation).</small>"
            if not f["in_valid_range"].all() else "")
    return ("<p>" + "<br>".join(_html(x) for x in lines) + "</p>"
            f"<table><tr><th>Race</th><th>Now</th>{head}</tr>{rows}</table>{foot}")


def _clock(seconds):
    s = int(round(float(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _html(text):
    import html

    return html.escape(str(text))


def build_ui(explorer=None):
    """The ipywidgets interface of the explorer (imports ipywidgets here only).

    Returns the ``_UI`` object; display its ``widget``. Filters refit the model (fits are
    cached) and redraw the plot; the runner panel shows the predicted race-time change.
    """
    import ipywidgets as widgets

    return _UI(explorer if explorer is not None else Explorer(), widgets)
