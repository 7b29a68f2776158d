"""Timing of runecon.bayesmeta (one complete fit: tau posterior, mu, predictive, shrinkage,
shortest intervals, Bayes factors).

Run: ``python benchmarks/bench_bayes.py`` (or via benchmarks/run.py, which calls main()).
bayesmeta (R) is not installed on this machine, so no R timing is printed.
"""
from __future__ import annotations

import platform
import statistics
import time

import numpy as np

from runecon import bayesmeta

# dat.bcg (R package metadat): BCG vaccine trials, tpos, tneg, cpos, cneg; log risk ratios as
# metafor::escalc(measure = "RR") computes them
BCG = np.array([[4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209],
                [62, 13536, 248, 12619], [33, 5036, 47, 5761], [180, 1361, 372, 1079],
                [8, 2537, 10, 619], [505, 87886, 499, 87892], [29, 7470, 45, 7232],
                [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
                [27, 16886, 29, 17825]], dtype=float)


def bcg_logrr():
    a, b, c, d = BCG.T
    return np.log(a / (a + b)) - np.log(c / (c + d)), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)


def _time(fun, repeat):
    fun()                                              # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fun()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main(repeat: int = 30) -> dict:
    yi, vi = bcg_logrr()
    rng = np.random.default_rng(20261121)
    k = 200
    v200 = rng.uniform(0.01, 0.2, k)
    y200 = rng.normal(-0.5, 0.3, k) + rng.normal(0, np.sqrt(v200))
    cases = {
        "dat.bcg k=13, half-normal(0.5), N(0, 4^2)":
            lambda: bayesmeta(yi, vi, tau_prior="halfnormal", tau_scale=0.5, mu_prior=(0, 4)),
        "dat.bcg k=13, half-Cauchy(0.5), flat mu":
            lambda: bayesmeta(yi, vi, tau_prior="halfcauchy", tau_scale=0.5),
        "dat.bcg k=13, uniform tau, flat mu":
            lambda: bayesmeta(yi, vi, tau_prior="uniform"),
        "simulated k=200, half-normal(0.5), flat mu":
            lambda: bayesmeta(y200, v200, tau_prior="halfnormal", tau_scale=0.5),
    }
    print(f"runecon.bayesmeta timings ({platform.processor() or platform.machine()}, "
          f"numpy {np.__version__}; median and best of {repeat})")
    out = {}
    for name, fun in cases.items():
        med, best = _time(fun, repeat)
        out[name] = med
        print(f"  {name:48s} {1e3 * med:7.1f} ms  (best {1e3 * best:6.1f} ms, "
              f"{fun().n_nodes} nodes)")
    return out


if __name__ == "__main__":
    main()
