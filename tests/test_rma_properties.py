"""Properties every estimator must have, checked on random inputs (hypothesis):
the order of studies does not matter, shifting all effects shifts the estimate and
leaves tau2 unchanged, tau2 is never negative, weights are fractions summing to 1, and a
meta-regression on a binary moderator with method FE equals two separate FE fits."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from runecon import rma
from runecon.errors import ConvergenceError, RuneconWarning

METHODS = ["FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"]
# Reordering or shifting changes only the summation order: floating-point agreement,
# plus the 1e-5 stopping rule of the iterative estimators (stopping a step earlier or
# later moves tau2 by less than the threshold times the contraction factor).
RTOL = 1e-7
ATOL = 1e-7
# Closed-form identities (weights summing to 1; FE meta-regression on a binary moderator =
# two separate FE fits): floating-point agreement of differently ordered sums and a QR
# solve against a weighted mean, a few ulps times k at most.
RTOL_SAME = 1e-12
RTOL_SOLVE = 1e-9
ATOL_SOLVE = 1e-12

effects = st.lists(st.floats(-3, 3, allow_nan=False), min_size=4, max_size=12)


@st.composite
def datasets(draw):
    y = np.array(draw(effects))
    v = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=len(y), max_size=len(y))))
    return y, v


@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=datasets(), method=st.sampled_from(METHODS), seed=st.integers(0, 2**32 - 1),
       shift=st.floats(-5, 5))
def test_permutation_and_shift(data, method, seed, shift):
    y, v = data
    perm = np.random.default_rng(seed).permutation(len(y))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuneconWarning)  # metafor's ll0 check may fire
            res = rma(y, v, method=method)
            res_p = rma(y[perm], v[perm], method=method)
            res_s = rma(y + shift, v, method=method)
    except ConvergenceError:  # Fisher scoring can oscillate, as in metafor (see the grid)
        assume(False)
    assert res.tau2 >= 0
    assert res.weights.sum() == pytest.approx(1.0, rel=RTOL_SAME)
    assert res_p.tau2 == pytest.approx(res.tau2, rel=RTOL, abs=ATOL)
    assert res_p.estimate == pytest.approx(res.estimate, rel=RTOL, abs=ATOL)
    assert res_s.tau2 == pytest.approx(res.tau2, rel=RTOL, abs=ATOL)
    assert res_s.estimate == pytest.approx(res.estimate + shift, rel=RTOL, abs=ATOL)
    assert res.ci_lb <= res.estimate <= res.ci_ub


@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=datasets())
def test_binary_moderator_fe_equals_separate_fits(data):
    y, v = data
    g = np.arange(len(y)) % 2
    res = rma(y, v, mods=g, method="FE")
    a = rma(y[g == 0], v[g == 0], method="FE")
    b = rma(y[g == 1], v[g == 1], method="FE")
    assert res.beta[0] == pytest.approx(a.estimate, rel=RTOL_SOLVE, abs=ATOL_SOLVE)
    assert res.beta[1] == pytest.approx(b.estimate - a.estimate, rel=RTOL_SOLVE, abs=ATOL_SOLVE)
    assert res.QE == pytest.approx(a.QE + b.QE, rel=RTOL_SOLVE, abs=ATOL_SOLVE)
