"""Time a single REML fit on dat.bcg (k = 13): runecon.rma vs R metafor::rma.

Usage (from the repository root):  python benchmarks/bench_rma.py [--number 2000] [--repeat 7]

The data (log risk ratios of dat.bcg) are read from the metafor reference file, so the
runecon timing needs no R. If Rscript with metafor is installed, metafor is timed in the
same run (best of the same number of repeats of a loop of fits) and the ratio is printed.
Target (issue 8): at most 0.3 ms per fit.
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

from runecon import rma  # noqa: E402

TARGET_MS = 0.3

R_CODE = r"""
suppressMessages(library(metafor))
yi <- c({yi}); vi <- c({vi})
invisible(rma(yi, vi))
best <- Inf
for (r in seq_len({repeat})) {{
  t <- system.time(for (i in seq_len({number})) rma(yi, vi, method = "REML"))[["elapsed"]]
  best <- min(best, t)
}}
cat(best / {number} * 1000, "\n")
"""


def bcg():
    ref = json.loads((ROOT / "tests" / "data" / "metafor_rma_uni.json").read_text())
    case = next(c for c in ref["cases"] if c["name"] == "bcg_rr/REML/z")
    return case["input"]["data"]["yi"], case["input"]["data"]["vi"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--number", type=int, default=2000, help="fits per timing loop")
    ap.add_argument("--repeat", type=int, default=7, help="timing loops (the best is kept)")
    args = ap.parse_args(argv)
    import numpy as np
    yi, vi = bcg()
    y, v = np.asarray(yi), np.asarray(vi)
    rma(y, v)  # warm up imports
    best = min(timeit.repeat(lambda: rma(y, v, method="REML"), number=args.number,
                             repeat=args.repeat)) / args.number * 1e3
    print(f"runecon.rma REML, k = 13: {best:.4f} ms per fit (best of {args.repeat} x "
          f"{args.number}); target <= {TARGET_MS} ms: {'met' if best <= TARGET_MS else 'NOT met'}")
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("Rscript not found: metafor not timed")
        return 0
    code = R_CODE.format(yi=", ".join(repr(x) for x in yi), vi=", ".join(repr(x) for x in vi),
                         number=max(args.number // 10, 50), repeat=args.repeat)
    proc = subprocess.run([rscript, "-e", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print("metafor timing failed:", proc.stderr.strip().splitlines()[-1:])
        return 0
    r_ms = float(proc.stdout.split()[-1])
    print(f"metafor::rma REML, k = 13: {r_ms:.4f} ms per fit")
    print(f"ratio metafor / runecon: {r_ms / best:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
