# Reference values for runecon.subgroups (tests/test_metafor_subgroups.py).
# Subgroup analysis of dat.bcg (log risk ratios) by allocation method (alloc).
#   tau2 = "separate": one rma() per subgroup, then the Wald-type test of differences
#                      rma(estimates, sei = se, method = "FE") -> QE on G - 1 df;
#   tau2 = "pooled":   rma(yi, vi, mods = ~ alloc) -> QM (F under test = "knha"/"t"),
#                      group estimates from rma(yi, vi, mods = ~ alloc - 1).
# Run from the repository root:  Rscript validation/metafor/subgroups.R
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
groups <- sort(unique(dat$alloc))
cases <- list()
for (method in c("REML", "DL", "FE", "PM")) for (test in c("z", "knha", "t")) {
  fits <- lapply(groups, function(g) rma(yi, vi, data = dat, subset = alloc == g,
                                         method = method, test = test))
  est <- sapply(fits, function(f) as.numeric(coef(f)))
  se <- sapply(fits, function(f) f$se)
  qb <- rma(est, sei = se, method = "FE")
  per <- list(group = groups, k = sapply(fits, function(f) f$k), estimate = est, se = se,
              zval = sapply(fits, function(f) f$zval), pval = sapply(fits, function(f) f$pval),
              ci_lb = sapply(fits, function(f) f$ci.lb), ci_ub = sapply(fits, function(f) f$ci.ub),
              tau2 = sapply(fits, function(f) f$tau2), I2 = sapply(fits, function(f) f$I2),
              QE = sapply(fits, function(f) f$QE), QEp = sapply(fits, function(f) f$QEp))
  cases[[length(cases) + 1]] <- list(
    name = sprintf("bcg_alloc_separate_%s_%s", method, test),
    call = sprintf('fits <- lapply(levels, function(g) rma(yi, vi, data = dat, subset = alloc == g, method = "%s", test = "%s")); rma(sapply(fits, coef), sei = sapply(fits, function(f) f$se), method = "FE")', method, test),
    input = list(yi = as.numeric(dat$yi), vi = as.numeric(dat$vi), groups = dat$alloc),
    output = list(per_group = per, Qb = qb$QE, df = qb$k - 1, pval = qb$QEp))

  m1 <- rma(yi, vi, mods = ~ alloc, data = dat, method = method, test = test)
  m0 <- rma(yi, vi, mods = ~ alloc - 1, data = dat, method = method, test = test)
  per <- list(group = groups, k = as.numeric(table(dat$alloc)[groups]),
              estimate = as.numeric(coef(m0)), se = as.numeric(m0$se),
              zval = as.numeric(m0$zval), pval = as.numeric(m0$pval),
              ci_lb = as.numeric(m0$ci.lb), ci_ub = as.numeric(m0$ci.ub))
  cases[[length(cases) + 1]] <- list(
    name = sprintf("bcg_alloc_pooled_%s_%s", method, test),
    call = sprintf('rma(yi, vi, mods = ~ alloc, data = dat, method = "%s", test = "%s"); rma(yi, vi, mods = ~ alloc - 1, ...)', method, test),
    input = list(yi = as.numeric(dat$yi), vi = as.numeric(dat$vi), groups = dat$alloc),
    output = list(per_group = per, Qb = m1$QM, df = m1$QMdf[1], df2 = m1$QMdf[2],
                  pval = m1$QMp, tau2 = m1$tau2))
}
write_reference(cases, "metafor_subgroups.json", "validation/metafor/subgroups.R")
