"""Benchmark: GOSH and permutation tests, runecon against metafor in the same run.

Targets (issue 4): GOSH REML on dat.bcg (k = 13, all 8,191 subsets) in <= 1/100 of
metafor's time with no failed fits and mean estimate / mean I2 equal to metafor's to 1e-6
over the fits both complete; permutest (1,000 iterations, REML, one moderator) in <= 1/50
of metafor's time; GOSH DL with k = 20 (1,048,575 subsets) in <= 5 s within 2 GiB.

metafor runs when Rscript with metafor is found (set RUNECON_BENCH_NO_R=1 to skip it, and
RUNECON_BENCH_SKIP_R_K20=1 to skip only metafor's slow k = 20 GOSH). Times are the best
of ``REPEAT`` runs for runecon and one run for metafor (``system.time`` inside R, so R's
start-up is not counted).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import runecon  # noqa: E402
from runecon.sensitivity import gosh, permutest  # noqa: E402

REPEAT = 3

# dat.bcg log risk ratios and their sampling variances from metafor's
# escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg) (metadat 1.2-0),
# with absolute latitude (ablat) as the moderator.
BCG_YI = [-0.88931133392020545, -1.5853886572014306, -1.3480731482996933, -1.4415511900213054,
          -0.21754732221129558, -0.78611558581886398, -1.6208982235983918,
          0.011952333523840508, -0.4694176487381494, -1.3713448034727844,
          -0.33935882833839059, 0.44591340057137874, -0.017313948216879815]
BCG_VI = [0.32558476500396133, 0.19458112139814385, 0.41536796536796539, 0.020010031902247573,
          0.051210172169630863, 0.0069056184559087574, 0.22301724757231517,
          0.0039615792978177295, 0.056434210463248966, 0.07302479361302891,
          0.01241221397155972, 0.53250584520015276, 0.071404659683986293]
BCG_ABLAT = [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33]
# The first 20 studies of dat.hackshaw1998 (log odds ratios yi, variances vi, as stored in
# metadat 1.2-0): lung cancer and environmental tobacco smoke.
HACK_YI = [0.16551443847757333, 0.37156355643248301, 0.70309751141311339, 0.18232155679395459,
           -0.2876820724517809, 0.72754860727727766, 0.75612197972133366, -0.22314355131420971,
           -0.23572233352106983, 0.69813472207098426, 0.20701416938432612, 0.18232155679395459,
           0.41871033485818504, 0.029558802241544429, 0.43825493093115531,
           0.029558802241544429, 0.85015092936961001, 0.50077528791248915, 0.17395330712343798,
           0.41871033485818504]
HACK_VI = [0.018776885485068111, 0.03304403890578804, 0.54019586534244934, 0.031267614488666259,
           0.079655654102011059, 0.22732059167048174, 0.088921562706980317,
           0.19267960311708135, 0.33901634753858917, 0.098066202438763614,
           0.045555548577534688, 0.23174996964146399, 0.079642922019245332,
           0.21739502467256727, 0.076957974038688148, 0.071501763525773143,
           0.29256577206568934, 0.032437507429871205, 0.036273346641853617,
           0.48385124182246708]

R_CODE = r"""
suppressPackageStartupMessages(library(metafor)); library(jsonlite)
a <- commandArgs(TRUE); out <- a[1]; k20 <- a[2] == "1"
bcg <- read.csv(file.path(out, "bcg.csv")); hack <- read.csv(file.path(out, "hack.csv"))
r <- list(metafor = as.character(packageVersion("metafor")), R = R.version.string)
res <- rma(yi, vi, data = bcg, method = "REML")
r$gosh_reml <- system.time(g <- gosh(res, progbar = FALSE))[["elapsed"]]
write.csv(data.frame(g$res, fit = g$fit), file.path(out, "gosh_reml.csv"), row.names = FALSE)
r$gosh_reml_failed <- sum(!g$fit)
res <- rma(yi, vi, data = bcg, method = "DL")
r$gosh_dl <- system.time(g <- gosh(res, progbar = FALSE))[["elapsed"]]
r$gosh_dl_mean_est <- mean(g$res$estimate)
res <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "REML")
r$perm_reml <- system.time(p <- permutest(res, iter = 1000, progbar = FALSE, seed = 1))[["elapsed"]]
r$perm_pval <- p$pval; r$perm_QMp <- p$QMp
if (k20) {
  res <- rma(yi, vi, data = hack, method = "DL")
  # subsets = 2^20: all 1,048,575 subsets (metafor's default above 10^6 is 10^6 random ones)
  r$gosh_dl20 <- system.time(g <- gosh(res, subsets = 2^20, progbar = FALSE))[["elapsed"]]
  r$gosh_dl20_n <- nrow(g$res)
  r$gosh_dl20_mean_est <- mean(g$res$estimate); r$gosh_dl20_mean_I2 <- mean(g$res$I2)
}
writeLines(toJSON(r, auto_unbox = TRUE, digits = NA), file.path(out, "r.json"))
"""


def _best(fun, repeat=REPEAT):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fun()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _have_r():
    if os.environ.get("RUNECON_BENCH_NO_R"):
        return False
    rs = shutil.which("Rscript")
    if rs is None:
        return False
    ok = subprocess.run([rs, "-e", "library(metafor)"], capture_output=True)
    return ok.returncode == 0


def _run_r(tmp, k20):
    pd.DataFrame({"yi": BCG_YI, "vi": BCG_VI, "ablat": BCG_ABLAT}).to_csv(
        tmp / "bcg.csv", index=False, float_format="%.17g")
    pd.DataFrame({"yi": HACK_YI, "vi": HACK_VI}).to_csv(tmp / "hack.csv", index=False,
                                                       float_format="%.17g")
    (tmp / "bench.R").write_text(R_CODE)
    subprocess.run(["Rscript", str(tmp / "bench.R"), str(tmp), "1" if k20 else "0"],
                   check=True, capture_output=True)
    return json.loads((tmp / "r.json").read_text())


def main():
    warnings.simplefilter("ignore")
    bcg_reml = runecon.rma(BCG_YI, BCG_VI, method="REML")
    bcg_dl = runecon.rma(BCG_YI, BCG_VI, method="DL")
    bcg_mod = runecon.rma(BCG_YI, BCG_VI, mods=np.array(BCG_ABLAT, float)[:, None],
                          method="REML")
    hack_dl = runecon.rma(HACK_YI, HACK_VI, method="DL")

    t_reml, g_reml = _best(lambda: gosh(bcg_reml, progress=False))
    t_dl, g_dl = _best(lambda: gosh(bcg_dl, progress=False))
    t_perm, perm = _best(lambda: permutest(bcg_mod, iter=1000, seed=1, progress=False))
    t_dl20, g20 = _best(lambda: gosh(hack_dl, progress=False), repeat=2)
    del g20
    tracemalloc.start()
    g20 = gosh(hack_dl, progress=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    import resource
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20   # KiB -> GiB (Linux)

    print(f"machine: {os.cpu_count()} cores, numpy {np.__version__}, python "
          f"{sys.version.split()[0]}")
    print(f"gosh REML dat.bcg (k=13, {len(g_reml):,} subsets): runecon {t_reml:.4f} s, "
          f"failed fits {g_reml.attrs['n_failed']} (fallback used in {g_reml.attrs['n_fallback']})")
    print(f"gosh DL   dat.bcg (k=13): runecon {t_dl:.4f} s")
    print(f"permutest REML ~ ablat, 1000 iterations: runecon {t_perm:.4f} s, "
          f"p = {np.round(perm.pval, 4).tolist()}, QMp = {perm.QMp:.4f}")
    print(f"gosh DL k=20 ({len(g20):,} subsets): runecon {t_dl20:.3f} s (target <= 5 s), "
          f"peak traced memory {peak / 2**30:.3f} GiB, process peak RSS {rss:.3f} GiB "
          f"(target <= 2 GiB), "
          f"mean estimate {g20['estimate'].mean():.10f}, mean I2 {g20['I2'].mean():.8f}")

    if not _have_r():
        print("metafor: not available (Rscript with metafor not found); ratios not computed")
        return
    k20 = not os.environ.get("RUNECON_BENCH_SKIP_R_K20")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        r = _run_r(tmp, k20)
        rg = pd.read_csv(tmp / "gosh_reml.csv")
    both = rg["fit"].to_numpy() & g_reml["estimate"].notna().to_numpy()
    d_est = abs(g_reml["estimate"][both].mean() - rg["estimate"][both].mean())
    d_i2 = abs(g_reml["I2"][both].mean() - rg["I2"][both].mean())
    d_row = np.nanmax(np.abs(g_reml["estimate"][both].to_numpy() - rg["estimate"][both].to_numpy()))
    print(f"\nmetafor {r['metafor']} ({r['R']})")
    print(f"gosh REML: metafor {r['gosh_reml']:.2f} s ({r['gosh_reml_failed']} failed fits); "
          f"ratio {r['gosh_reml'] / t_reml:.0f}x (target >= 100x); over {both.sum():,} fits "
          f"both complete: |mean estimate diff| = {d_est:.2e}, |mean I2 diff| = {d_i2:.2e} "
          f"(target <= 1e-6), max row diff {d_row:.2e}")
    print(f"gosh DL:   metafor {r['gosh_dl']:.2f} s; ratio {r['gosh_dl'] / t_dl:.0f}x; "
          f"|mean estimate diff| {abs(r['gosh_dl_mean_est'] - g_dl['estimate'].mean()):.2e}")
    print(f"permutest: metafor {r['perm_reml']:.2f} s; ratio {r['perm_reml'] / t_perm:.0f}x "
          f"(target >= 50x); metafor p = {np.round(r['perm_pval'], 4).tolist()}, "
          f"QMp = {r['perm_QMp']:.4f} (random permutations: agreement within Monte Carlo "
          f"error, sd about {np.sqrt(0.25 / 1000):.3f})")
    if "gosh_dl20" in r:
        print(f"gosh DL k=20 ({r['gosh_dl20_n']:,} subsets): metafor {r['gosh_dl20']:.1f} s; ratio "
              f"{r['gosh_dl20'] / t_dl20:.0f}x; |mean estimate diff| "
              f"{abs(r['gosh_dl20_mean_est'] - g20['estimate'].mean()):.2e}, |mean I2 diff| "
              f"{abs(r['gosh_dl20_mean_I2'] - g20['I2'].mean()):.2e}")


if __name__ == "__main__":
    main()
