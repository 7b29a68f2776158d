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

from .errors import InputError, TooFewStudiesError

__all__ = ["OUTCOMES", "DIRECTION", "METHODS", "SPEED_BANDS", "LEVELS", "ESTIMATORS", "TESTS",
           "NO_MATCH", "Selection", "Explorer", "check", "choices", "comparisons_for", "select", "fit",
           "pooled_frame", "draw", "build_ui"]

#: outcome code -> review whose arm data and protocol are used
OUTCOMES = {"running_economy": "llanoslagos2024a",
            "running_performance": "llanoslagos2024b",
            "time_trial": "llanoslagos2024b",
            "tte": "llanoslagos2024b",
            "vo2max": "llanoslagos2024b"}
#: how to read the sign of g per outcome (runecon.comparisons orients economy and
#: performance so that negative = improvement; capacities keep their raw direction)
DIRECTION = {o: "negative = better" for o in OUTCOMES}
DIRECTION["vo2max"] = "positive = higher VO2max"
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
    from .comparisons import comparisons

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
    from .models import rma
    from .multilevel import rma_mv

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

    def _refit(self):
        sel = check(self.selection)
        self.data = select(comparisons_for(sel.outcome), sel)
        self.result = None
        try:
            self.result = fit(self.data, sel.estimator, sel.test)
        except InputError as err:      # TooFewStudiesError, or k too small for the test
            self.message = NO_MATCH if len(self.data) == 0 else (
                f"Only {len(self.data)} comparison(s) match: too few to pool with "
                f"{sel.estimator} ({err}).")
            return
        r = self.result
        lb, ub = _pi(r) if r.k > 1 else (np.nan, np.nan)
        self.message = (f"{sel.outcome.replace('_', ' ')}: k = {r.k} comparisons in "
                        f"{self.data['study_id'].nunique()} studies; "
                        f"{pooled_frame(r)['model'].iloc[0]} ({sel.test} test): "
                        f"g = {r.estimate:.2f} [{r.ci_lb:.2f}, {r.ci_ub:.2f}], "
                        f"95% PI [{lb:.2f}, {ub:.2f}] ({DIRECTION[sel.outcome]})")

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
        from .physiology import predict_race_times

        if self.selection.outcome != "running_economy":
            raise InputError("outcome", "the race-time translation needs a running-economy "
                                        "SMD; choose outcome 'running_economy' (performance "
                                        "SMDs have no physiological conversion here)")
        if self.result is None:
            raise InputError("selection", self.message)
        r = self.result
        return predict_race_times(vo2max=vo2max, race=race, smd=r.estimate,
                                  ci=(r.ci_lb, r.ci_ub), **kwargs)


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
    xlabel = f"Hedges g ({out.replace('_', ' ')}; {DIRECTION[out]})"
    if hasattr(r, "sigma2"):
        z = 1.959963984540054
        se = np.sqrt(r.vi)
        plots.intervals(list(r.slab), r.yi, r.yi - z * se, r.yi + z * se, ax,
                        reference=(r.estimate, r.ci_lb, r.ci_ub), xlabel=xlabel)
    else:
        plots.forest(r, ax, xlabel=xlabel, columns=("estimate",))
    return ax


class _UI:
    """Widgets of :func:`build_ui`; callbacks are bound methods (no lambdas)."""

    def __init__(self, explorer, widgets):
        self.ex = explorer
        w = widgets
        s = explorer.selection
        self.outcome = w.Dropdown(options=list(OUTCOMES), value=s.outcome, description="Outcome")
        self.methods = w.SelectMultiple(options=list(METHODS), value=s.methods,
                                        description="Method", rows=len(METHODS))
        self.bands = w.SelectMultiple(options=list(SPEED_BANDS), value=s.speed_bands,
                                      description="Speed", rows=len(SPEED_BANDS))
        self.levels = w.SelectMultiple(options=list(LEVELS), value=s.levels,
                                       description="Level", rows=len(LEVELS))
        self.estimator = w.Dropdown(options=list(ESTIMATORS), value=s.estimator,
                                    description="Estimator")
        self.test = w.ToggleButtons(options=list(TESTS), value=s.test, description="Test")
        self.vo2max = w.BoundedFloatText(value=55.0, min=30.0, max=85.0, step=0.5,
                                         description="VO2max")
        self.message = w.HTML()
        self.plot = w.Output()
        self.panel = w.Output()
        for wid in (self.outcome, self.methods, self.bands, self.levels, self.estimator,
                    self.test):
            wid.observe(self.on_filter, names="value")
        self.vo2max.observe(self.on_runner, names="value")
        filters = w.HBox([w.VBox([self.outcome, self.estimator, self.test]), self.methods,
                          self.bands, self.levels])
        self.widget = w.VBox([filters, self.message, self.plot,
                              w.HTML("<b>Runner panel</b> (race-time change, s)"),
                              self.vo2max, self.panel])
        self.refresh()

    def on_filter(self, change=None):
        try:
            self.ex.update(outcome=self.outcome.value, methods=self.methods.value,
                           speed_bands=self.bands.value, levels=self.levels.value,
                           estimator=self.estimator.value, test=self.test.value)
        except InputError as err:
            self.message.value = f"<b>{err}</b>"
            return
        self.refresh()

    def on_runner(self, change=None):
        self.show_runner()

    def refresh(self):
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.message.value = self.ex.message
        self.plot.clear_output(wait=True)
        with self.plot:
            k = len(self.ex.data)
            fig, ax = plt.subplots(figsize=(7.2, min(1.5 + 0.11 * k, 9.0)))
            draw(self.ex, ax)
            display(fig)
            plt.close(fig)
        self.show_runner()

    def show_runner(self):
        from IPython.display import display

        self.panel.clear_output(wait=True)
        with self.panel:
            try:
                display(self.ex.runner(vo2max=self.vo2max.value))
            except InputError as err:
                print(err)


def build_ui(explorer=None):
    """The ipywidgets interface of the explorer (imports ipywidgets here only).

    Returns the ``_UI`` object; display its ``widget``. Filters refit the model and redraw
    the forest plot; the runner panel shows the predicted race-time change.
    """
    import ipywidgets as widgets

    return _UI(explorer if explorer is not None else Explorer(), widgets)
