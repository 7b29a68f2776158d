"""Time a three-level REML fit on dat.konstantopoulos2011 (k = 56, 11 districts):
runecon.rma_mv vs R metafor::rma.mv.

Usage (from the repository root):  python benchmarks/bench_rma_mv.py [--number 50] [--repeat 5]

Data from tests/data/metafor_rma_mv.json (no R needed for the runecon timing). Times one fit
without the per-level likelihood-ratio tests (``lrt=False``, as a single rma.mv call) and one
with them (three fits). If Rscript with metafor is installed, rma.mv is timed too.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runecon import rma_mv  # noqa: E402

R_CODE = r"""
suppressMessages(library(metafor))
dat <- dat.konstantopoulos2011
invisible(rma.mv(yi, vi, random = ~ 1 | district/school, data = dat))
best <- Inf
for (r in seq_len({repeat})) {{
  t <- system.time(for (i in seq_len({number}))
    rma.mv(yi, vi, random = ~ 1 | district/school, data = dat))[["elapsed"]]
  best <- min(best, t)
}}
cat(best / {number} * 1000, "\n")
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--number", type=int, default=50, help="fits per timing loop")
    ap.add_argument("--repeat", type=int, default=5, help="timing loops (the best is kept)")
    args = ap.parse_args(argv)
    ref = json.loads((ROOT / "tests" / "data" / "metafor_rma_mv.json").read_text())
    i = next(c for c in ref["cases"] if c["name"] == "konstantopoulos2011_int_REML_z")["input"]
    for lrt in (False, True):
        fit = lambda: rma_mv(i["yi"], i["vi"], cluster=i["cluster"], es_id=i["es_id"], lrt=lrt)  # noqa: E731
        fit()
        best = min(timeit.repeat(fit, number=args.number, repeat=args.repeat)) / args.number * 1e3
        print(f"runecon.rma_mv REML, k = 56, lrt={lrt}: {best:.2f} ms per call")
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: metafor not timed")
        return 0
    out = subprocess.run([rscript, "-e", R_CODE.format(number=args.number, repeat=args.repeat)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print("metafor timing failed:", out.stderr.strip().splitlines()[-1:])
        return 0
    print(f"metafor rma.mv REML, k = 56: {float(out.stdout.split()[-1]):.2f} ms per fit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
