"""runecon.simulate.coverage: seeded coverage simulations of meta-analytic intervals."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import runecon
from conftest import load_reference
from runecon.errors import InputError
from runecon.simulate import INTERVALS, _intervals, coverage

# sampling variances of real size: the five Balsalobre 2016 SMDs (Table 3; SE from the CI)
_bal = runecon.load("reported_effects").query("review_id == 'balsalobre2016'")
VI = np.asarray(runecon.ci_to_se(_bal["ci_lb"], _bal["ci_ub"])) ** 2


def _binomial_tol(p, n, z=4.0):
    """Half-width of a 4-sigma band around a true coverage p for n Bernoulli replicates."""
    return z * np.sqrt(p * (1 - p) / n)


def test_fixed_effect_coverage_is_nominal_without_heterogeneity():
    # with tau2 = 0 and known v_i, mu-hat_FE ~ N(mu, 1/sum w_i) exactly, so the z interval
    # covers with probability 0.95 (a hand argument, not the code's output)
    reps = 4000
    res = coverage(k=(3, 10), tau2=0.0, reps=reps, vi=VI, seed=11)
    fe = res.table.query("interval == 'FE_z'")
    assert len(fe) == 2
    for c in fe["coverage"]:
        assert abs(c - 0.95) < _binomial_tol(0.95, reps)


def test_fixed_effect_coverage_falls_with_heterogeneity():
    # with tau2 = 0.5 and v = 0.25 the FE interval is too narrow by sqrt(v/(v + tau2)) per
    # study: true coverage = 2 Phi(1.96 sqrt(0.25 / 0.75)) - 1 = 0.742 (equal v_i, any k)
    reps = 4000
    res = coverage(k=5, tau2=0.5, reps=reps, vi=0.25, seed=3)
    c = res.table.query("interval == 'FE_z'")["coverage"].item()
    expected = 2 * stats.norm.cdf(stats.norm.ppf(0.975) * np.sqrt(0.25 / 0.75)) - 1
    assert abs(c - expected) < _binomial_tol(expected, reps)


def test_executor_path_equals_in_process_path():
    kw = dict(k=(3, 6), tau2=(0.0, 0.2), reps=300, vi=VI, seed=2024)
    a = coverage(**kw)
    with ThreadPoolExecutor(max_workers=2) as ex:
        b = coverage(**kw, executor=ex)
    pd.testing.assert_frame_equal(a.table, b.table)
    # the seed matters (guards against a test that cannot fail)
    c = coverage(**{**kw, "seed": 2025})
    assert not np.allclose(a.table["coverage"], c.table["coverage"])


def test_intervals_equal_rma_for_one_data_set():
    # the vectorised intervals equal runecon.rma's (checked against metafor elsewhere)
    eff = runecon.load("reported_effects").query("review_id == 'balsalobre2016'")
    yi = eff["estimate"].to_numpy()[None, :]
    ok, ints = _intervals(yi, VI[None, :], "REML", 95.0)
    assert ok.all()
    fe = runecon.rma(yi[0], VI, method="FE")
    re = runecon.rma(yi[0], VI, method="REML")
    t = runecon.rma(yi[0], VI, method="REML", test="t")
    kh = runecon.rma(yi[0], VI, method="REML", test="knha")
    ah = runecon.rma(yi[0], VI, method="REML", test="adhoc")
    for code, r in (("FE_z", fe), ("RE_z", re), ("RE_t", t), ("KH", kh), ("KH_adhoc", ah)):
        np.testing.assert_allclose([ints[code][0][0], ints[code][1][0]], [r.ci_lb, r.ci_ub],
                                   rtol=1e-8, err_msg=code)
    for code, r in (("PI_z", re), ("PI_t", t)):
        p = r.predict()
        np.testing.assert_allclose([ints[code][0][0], ints[code][1][0]], [p.pi_lb, p.pi_ub],
                                   rtol=1e-8, err_msg=code)
    # Riley: t(k - 2) instead of t(k - 1) around the same centre and spread
    p = t.predict()
    half = (p.pi_ub - p.pi_lb) / 2 * stats.t.ppf(0.975, 3) / stats.t.ppf(0.975, 4)
    np.testing.assert_allclose(ints["PI_riley"][1][0] - p.pred, half, rtol=1e-8)


# metafor and the batch engine run the same REML iterations (same start, threshold, steps); the
# intervals then agree to rounding (the metafor_rma tests use 1e-10 for iterative estimators)
RTOL_METAFOR = 1e-8


@pytest.mark.parametrize("case", load_reference("metafor_intervals.json")["cases"],
                         ids=lambda c: c["name"])
def test_every_interval_equals_metafor(case):
    # validation/metafor/intervals.R: rma(test = z/t/knha/adhoc), FE, predict(pi.type = "riley")
    inp = case["input"]
    ok, ints = _intervals(np.array([inp["yi"]]), np.array([inp["vi"]]), inp["method"], 95.0)
    assert ok.all()
    for code, _, _ in INTERVALS:
        np.testing.assert_allclose([ints[code][0][0], ints[code][1][0]], case["output"][code],
                                   rtol=RTOL_METAFOR, err_msg=f"{case['name']}: {code}")


def test_adhoc_equals_t_with_equal_variances():
    # equal v_i: REML gives v + tau2-hat = sum (y - ybar)^2 / (k - 1) when tau2-hat > 0, so the
    # Knapp-Hartung scale is 1, and < 1 when tau2-hat = 0; max(1, s2w) = 1 -> "adhoc" = "t"
    res = coverage(k=4, tau2=0.2, reps=500, vi=0.3, seed=5).table.set_index("interval")
    assert res.at["KH_adhoc", "coverage"] == pytest.approx(res.at["RE_t", "coverage"], abs=1e-12)
    assert res.at["KH", "width"] < res.at["RE_t", "width"]


def test_table_shape_and_result_display():
    res = coverage(k=(3, 4), tau2=(0.0, 0.1, 0.3), reps=50, seed=1)
    assert len(res.table) == 2 * 3 * len(INTERVALS)
    assert res.table["coverage"].between(0, 1).all()
    assert res.wide().shape == (2 * len(INTERVALS), 3)
    assert "50 replicates per cell" in str(res)
    assert "<table" in res._repr_html_()


@pytest.mark.parametrize("kw, arg", [
    (dict(k=2), "k"), (dict(k=3.5), "k"), (dict(tau2=-0.1), "tau2"), (dict(reps=0), "reps"),
    (dict(reps=2.5), "reps"), (dict(vi=[0.1, 0.0]), "vi"), (dict(method="FE"), "method"),
    (dict(level=0.95 * 100 + 10), "level"), (dict(mu=np.nan), "mu"),
])
def test_bad_input_names_the_argument(kw, arg):
    with pytest.raises(InputError) as e:
        coverage(**{"reps": 10, **kw})
    assert arg in str(e.value)


@pytest.mark.slow
def test_dask_distributed_executor_gives_the_same_numbers():
    # the optional extra "dask": a distributed Client's executor, as documented in simulate.py
    distributed = pytest.importorskip("distributed")
    kw = dict(k=(3, 5), tau2=(0.0, 0.3), reps=200, vi=VI, seed=99)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        b = coverage(**kw, executor=client.get_executor())
    pd.testing.assert_frame_equal(coverage(**kw).table, b.table)
