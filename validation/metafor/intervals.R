# Reference values for the intervals of runecon.simulate (confidence intervals of the mean under
# tests "z", "t", "knha", "adhoc", the fixed-effect CI, and prediction intervals under z, t(k - 1)
# and Riley's t(k - 2), metafor's predict(..., pi.type = "riley")).
# dat.bcg log risk ratios: the first 3, the first 5 and all 13 trials; REML and DL.
# Run from the repository root:  Rscript validation/metafor/intervals.R
# Writes tests/data/metafor_intervals.json (read by tests/test_simulate.py).
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
num <- function(x) unname(as.numeric(x))

cases <- list()
for (k in c(3, 5, 13)) {
  yi <- num(bcg$yi[1:k])
  vi <- num(bcg$vi[1:k])
  for (method in c("REML", "DL")) {
    fe <- rma(yi, vi, method = "FE")
    out <- list(FE_z = c(fe$ci.lb, fe$ci.ub))
    for (test in c("z", "t", "knha", "adhoc")) {
      r <- rma(yi, vi, method = method, test = test)
      code <- c(z = "RE_z", t = "RE_t", knha = "KH", adhoc = "KH_adhoc")[[test]]
      out[[code]] <- c(r$ci.lb, r$ci.ub)
    }
    pz <- predict(rma(yi, vi, method = method, test = "z"))
    pt <- predict(rma(yi, vi, method = method, test = "t"))
    pr <- predict(rma(yi, vi, method = method, test = "z"), pi.type = "riley")
    out$PI_z <- c(pz$pi.lb, pz$pi.ub)
    out$PI_t <- c(pt$pi.lb, pt$pi.ub)
    out$PI_riley <- c(pr$pi.lb, pr$pi.ub)
    cases[[length(cases) + 1]] <- list(
      name = sprintf("bcg_k%d_%s", k, method),
      call = sprintf(paste0("rma(yi, vi, method = '%s', test = z|t|knha|adhoc); rma(method = 'FE'); ",
                            "predict(..., pi.type = 'riley') for the first %d dat.bcg trials"), method, k),
      input = list(yi = yi, vi = vi, method = method),
      output = lapply(out, num))
  }
}
write_reference(cases, "metafor_intervals.json", "validation/metafor/intervals.R")
