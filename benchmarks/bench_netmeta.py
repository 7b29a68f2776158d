"""Time one network meta-analysis of the running-economy training-method network:
runecon.netmeta vs R metafor::rma.mv on the same contrasts.

Usage (from the repository root):  python benchmarks/bench_netmeta.py [--number 50] [--repeat 5]

The contrasts (each trial's methods vs its baseline arm) and their covariance matrix V come
from ``runecon.method_network("running_economy")``; runecon is timed on that contrast-level
input (``yi``, ``V``, REML), once for the full result (estimates, league table, P-scores,
design-by-treatment test with its own REML fit, every node-split) and once for the model
alone. metafor fits the same model, ``rma.mv(yi, V, mods = X, random = ~ comp | study,
rho = 1/2)``, which gives the estimates only.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runecon import method_network, netmeta  # noqa: E402
from runecon.netmeta import _contrast_matrix, _tau2_reml, _GLS, _Network  # noqa: E402

R_CODE = r"""
suppressMessages({{library(metafor); library(jsonlite)}})
d <- fromJSON("{path}")
V <- as.matrix(d$V); X <- as.matrix(d$X)
dat <- data.frame(yi = d$yi, study = d$study, comp = paste(d$treat1, d$treat2))
f <- function() rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1/2,
                       data = dat)
invisible(f())
best <- Inf
for (r in seq_len({repeat})) {{
  t <- system.time(for (i in seq_len({number})) f())[["elapsed"]]
  best <- min(best, t)
}}
cat(best / {number} * 1000, "\n")
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--number", type=int, default=50, help="fits per timing loop")
    ap.add_argument("--repeat", type=int, default=5, help="timing loops (the best is kept)")
    args = ap.parse_args(argv)
    res = method_network("running_economy")
    c = res.contrasts
    kw = dict(study=c["study"].to_numpy(), treat1=c["treat1"].to_numpy(),
              treat2=c["treat2"].to_numpy(), yi=c["yi"].to_numpy(), vi=np.diag(res.V),
              V=res.V, reference="control", method="REML")
    full = lambda: netmeta(**kw)  # noqa: E731
    net = _Network(c["yi"].to_numpy(), res.V, c[["study", "treat1", "treat2", "design"]],
                   list(res.treatments), "control")

    def core():
        t2, _ = _tau2_reml(net.y, net.X, net.V, net.G)
        return _GLS(net.y, net.X, net.V, net.G, t2).b

    times = {}
    for name, fn in (("full result", full), ("model only", core)):
        fn()
        times[name] = min(timeit.repeat(fn, number=args.number, repeat=args.repeat)) \
            / args.number * 1e3
        print(f"runecon.netmeta REML, {res.k} trials, {res.m} contrasts, {name}: "
              f"{times[name]:.2f} ms")
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: metafor not timed")
        return 0
    X = _contrast_matrix(c["treat1"], c["treat2"], list(res.treatments), "control")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump({"yi": c["yi"].tolist(), "V": res.V.tolist(), "X": X.tolist(),
                   "study": c["study"].tolist(), "treat1": c["treat1"].tolist(),
                   "treat2": c["treat2"].tolist()}, fh)
    out = subprocess.run([rscript, "-e", R_CODE.format(path=fh.name, number=args.number,
                                                        repeat=args.repeat)],
                         capture_output=True, text=True, check=False)
    Path(fh.name).unlink()
    if out.returncode != 0:
        print("metafor timing failed:", out.stderr.strip().splitlines()[-1:])
        return 0
    r_ms = float(out.stdout.split()[-1])
    print(f"metafor rma.mv REML (estimates only): {r_ms:.2f} ms per fit")
    for name, t in times.items():
        print(f"speed-up, {name}: {r_ms / t:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
