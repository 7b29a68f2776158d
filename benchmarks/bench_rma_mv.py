"""Time three-level REML fits: runecon.rma_mv vs R metafor::rma.mv on the same data.

Usage (from the repository root):  python benchmarks/bench_rma_mv.py [--number 50] [--repeat 5]

Models: dat.konstantopoulos2011 (k = 56 schools in 11 districts, from
tests/data/metafor_rma_mv.json, no R needed for the runecon timing) and the Llanos-Lagos
2024a running-economy comparisons from the data package (k = 81 in 38 training groups,
intercept-only and ``~ factor(method)`` with test = "t", as notebooks 03 and 17 fit them).
runecon is timed without the per-level likelihood-ratio tests (``lrt=False``, as a single
rma.mv call) and with them (three fits). If Rscript with metafor is installed, rma.mv is
timed on the same data (written to a temporary CSV) in one R process (R's start-up not
counted); the ratio is metafor's time over runecon's single fit. Best of ``repeat`` loops.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runecon import rma_mv  # noqa: E402

R_CODE = r"""
suppressMessages(library(metafor))
models <- read.csv("{models}", stringsAsFactors = FALSE)
for (m in seq_len(nrow(models))) {{
  dat <- read.csv(models$file[m], stringsAsFactors = FALSE)
  dat$cluster <- as.character(dat$cluster); dat$es_id <- as.character(dat$es_id)
  f <- if (is.na(models$mods[m]) || models$mods[m] == "") ~ 1 else as.formula(models$mods[m])
  test <- models$test[m]
  fit <- function() rma.mv(yi, vi, mods = f, random = ~ 1 | cluster/es_id, data = dat,
                           test = test)
  invisible(fit())
  best <- Inf
  for (r in seq_len({repeat})) {{
    t <- system.time(for (i in seq_len({number})) fit())[["elapsed"]]
    best <- min(best, t)
  }}
  cat(models$name[m], best / {number} * 1000, "\n")
}}
"""


def _models():
    ref = json.loads((ROOT / "tests" / "data" / "metafor_rma_mv.json").read_text())
    i = next(c for c in ref["cases"] if c["name"] == "konstantopoulos2011_int_REML_z")["input"]
    dk = pd.DataFrame({"yi": i["yi"], "vi": i["vi"], "cluster": i["cluster"], "es_id": i["es_id"]})
    out = [("konstantopoulos2011", "k = 56, ~ 1 | district/school", dk, "", "z")]
    try:
        from runecon.comparisons import comparisons
        c = comparisons("running_economy", review="llanoslagos2024a")
    except Exception as e:  # noqa: BLE001 - the data package is optional for this benchmark
        print(f"Llanos-Lagos 2024a comparisons not loaded ({e}); k = 81 models skipped")
        return out
    dl = pd.DataFrame({"yi": c["yi"].to_numpy(float), "vi": c["vi"].to_numpy(float),
                       "cluster": c["cluster"].astype(str).to_numpy(),
                       "es_id": np.arange(1, len(c) + 1).astype(str),
                       "method": c["method"].astype(str).to_numpy()})
    out += [("llanoslagos2024a", f"k = {len(dl)}, ~ 1 | cluster/es_id", dl, "", "z"),
            ("llanoslagos2024a_method", f"k = {len(dl)}, mods = ~ factor(method), test = t", dl,
             "~ factor(method)", "t")]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--number", type=int, default=50, help="fits per timing loop")
    ap.add_argument("--repeat", type=int, default=5, help="timing loops (the best is kept)")
    args = ap.parse_args(argv)
    models = _models()
    ours = {}
    for name, label, d, mods, test in models:
        for lrt in (False, True):
            fit = lambda: rma_mv("yi", "vi", cluster="cluster", es_id="es_id", data=d,  # noqa: E731
                                 mods=mods or None, test=test, lrt=lrt)
            fit()
            best = min(timeit.repeat(fit, number=args.number, repeat=args.repeat)) / args.number * 1e3
            ours[name, lrt] = best
            print(f"runecon.rma_mv REML, {name} ({label}), lrt={lrt}: {best:.2f} ms per call")
    rscript = shutil.which("Rscript")
    if rscript is None or os.environ.get("RUNECON_BENCH_NO_R"):
        print("Rscript not found or RUNECON_BENCH_NO_R set: metafor not timed")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, _, d, mods, test in models:
            f = Path(tmp) / f"{name}.csv"
            d.to_csv(f, index=False)
            rows.append({"name": name, "file": str(f), "mods": mods, "test": test})
        pd.DataFrame(rows).to_csv(Path(tmp) / "models.csv", index=False)
        code = R_CODE.format(models=Path(tmp) / "models.csv", number=args.number,
                             repeat=args.repeat)
        out = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print("metafor timing failed:", out.stderr.strip().splitlines()[-3:])
        return 0
    for line in out.stdout.strip().splitlines():
        name, ms = line.split()
        ms = float(ms)
        label = next(lab for n, lab, *_ in models if n == name)
        print(f"metafor rma.mv REML, {name} ({label}): {ms:.2f} ms per fit; runecon "
              f"{ours[name, False]:.2f} ms: ratio {ms / ours[name, False]:.1f}x "
              f"(with the two LRT refits {ms / ours[name, True]:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
