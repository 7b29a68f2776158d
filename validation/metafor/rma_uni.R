# Reference values for runecon.rma(): every tau^2 estimator x every test, intercept-only
# models and meta-regressions, on metadat data sets and the five per-study SMDs of
# Balsalobre-Fernandez et al. (2016).
# Run from the repository root:  Rscript validation/metafor/rma_uni.R
# Writes tests/data/metafor_rma_uni.json (read by tests/test_metafor_rma.py).
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

METHODS <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
TESTS <- c("z", "t", "knha", "adhoc")

## data sets -----------------------------------------------------------------------------
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), ablat = bcg$ablat,
                  alloc = bcg$alloc, slab = paste(bcg$author, bcg$year), stringsAsFactors = FALSE)

normand <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                  data = dat.normand1999)
normand <- data.frame(yi = as.numeric(normand$yi), vi = as.numeric(normand$vi),
                      slab = normand$source, stringsAsFactors = FALSE)

# Balsalobre-Fernandez C, Santos-Concejero J, Grivas GV. J Strength Cond Res 2016;30(8):
# 2361-2368, doi:10.1519/JSC.0000000000001316, Table 3: per-study SMD [95% CI];
# vi derived from the CI width: ((ub - lb) / (2 * 1.959964))^2 (z rounded as in the test).
bals <- data.frame(
  slab = c("Paavolainen 1999", "Saunders 2006", "Mikkola 2007", "Storen 2008", "Sedano 2013"),
  yi = c(-3.78, -0.54, -1.03, -1.45, -1.17),
  lb = c(-5.45, -1.58, -1.87, -2.56, -2.24),
  ub = c(-2.10,  0.49, -0.18, -0.35, -0.10), stringsAsFactors = FALSE)
bals$vi <- ((bals$ub - bals$lb) / (2 * 1.959964))^2
bals4 <- bals[-1, ]

raud <- dat.raudenbush1985
raud <- data.frame(yi = as.numeric(raud$yi), vi = as.numeric(raud$vi),
                   weeks_c = ifelse(raud$weeks > 3, 3, raud$weeks),
                   slab = paste(raud$author, raud$year), stringsAsFactors = FALSE)

CONFIGS <- list(
  list(id = "bcg_rr", data = bcg, mods = NULL, newmods = NULL),
  list(id = "normand1999_md", data = normand, mods = NULL, newmods = NULL),
  list(id = "balsalobre2016_smd", data = bals, mods = NULL, newmods = NULL),
  list(id = "balsalobre2016_smd_without_paavolainen", data = bals4, mods = NULL, newmods = NULL),
  list(id = "bcg_rr_ablat", data = bcg, mods = "~ ablat", newmods = cbind(c(10, 30, 50))),
  list(id = "bcg_rr_factor_alloc", data = bcg, mods = "~ factor(alloc)",
       newmods = rbind(c(0, 0), c(1, 0), c(0, 1))),
  list(id = "bcg_rr_ablat_alloc", data = bcg, mods = "~ ablat + alloc",
       newmods = rbind(c(20, 0, 0), c(40, 1, 0), c(55, 0, 1))),
  list(id = "raudenbush1985_weeks", data = raud, mods = "~ weeks_c",
       newmods = cbind(c(0, 1, 2, 3)))
)

## one fit -> list ----------------------------------------------------------------------
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))

fit_case <- function(cfg, method, test, level = 95, tau2 = NULL, control = NULL, tag = "") {
  d <- cfg$data
  args <- list(yi = d$yi, vi = d$vi, data = d, method = method, test = test, level = level)
  if (!is.null(cfg$mods)) args$mods <- as.formula(cfg$mods)
  if (!is.null(tau2)) args$tau2 <- tau2
  if (!is.null(control)) args$control <- control
  call <- sprintf("rma(yi, vi, %sdata = %s, method = \"%s\", test = \"%s\", level = %s%s%s)",
                  if (is.null(cfg$mods)) "" else paste0("mods = ", cfg$mods, ", "), cfg$id,
                  method, test, level, if (is.null(tau2)) "" else paste0(", tau2 = ", tau2),
                  if (is.null(control)) "" else paste0(", control = ", deparse(control)))
  cols <- setdiff(names(d), c("lb", "ub"))
  input <- list(dataset = cfg$id, data = as.list(d[, cols, drop = FALSE]), mods = cfg$mods,
                method = method, test = test, level = level, tau2 = tau2,
                control = control, newmods = if (is.null(cfg$newmods)) NULL else
                  lapply(seq_len(nrow(cfg$newmods)), function(i) cfg$newmods[i, ]))
  name <- paste0(cfg$id, "/", method, "/", test, tag)
  res <- try(suppressWarnings(do.call(rma, args, envir = environment())), silent = TRUE)
  if (inherits(res, "try-error")) {
    return(list(name = name, call = call, input = input,
                output = list(error = conditionMessage(attr(res, "condition")))))
  }
  pr <- if (is.null(cfg$newmods)) predict(res) else predict(res, newmods = cfg$newmods)
  out <- list(
    coef_names = rownames(res$beta), b = num(res$beta), se = num(res$se), zval = num(res$zval),
    pval = num(res$pval), ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub),
    vb = lapply(seq_len(nrow(res$vb)), function(i) num(res$vb[i, ])),
    tau2 = num(res$tau2), se.tau2 = if (is.na(res$se.tau2)) NULL else num(res$se.tau2),
    I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp),
    QM = num(res$QM), QMp = num(res$QMp), QMdf = num(res$QMdf), ddf = num(res$ddf),
    R2 = num(res$R2), weights = num(weights(res) / 100),
    ll.ML = num(res$fit.stats["ll", "ML"]), ll.REML = num(res$fit.stats["ll", "REML"]),
    predict = list(pred = num(pr$pred), se = num(pr$se), ci.lb = num(pr$ci.lb),
                   ci.ub = num(pr$ci.ub), pi.lb = num(pr$pi.lb), pi.ub = num(pr$pi.ub)))
  if (!is.element(method, "FE") && is.null(tau2)) {
    ci <- try(suppressWarnings(confint(res)), silent = TRUE)
    if (!inherits(ci, "try-error")) {
      r <- ci$random
      out$confint <- list(rows = rownames(r), estimate = num(r[, 1]), ci.lb = num(r[, 2]),
                          ci.ub = num(r[, 3]), lb.sign = ci$lb.sign, ub.sign = ci$ub.sign,
                          ci.null = ci$ci.null)
    }
  }
  list(name = name, call = call, input = input, output = out)
}

cases <- list()
for (cfg in CONFIGS) for (m in METHODS) for (tt in TESTS) cases[[length(cases) + 1]] <- fit_case(cfg, m, tt)
# other confidence level
for (m in c("DL", "REML", "PM")) for (tt in c("z", "knha"))
  cases[[length(cases) + 1]] <- fit_case(CONFIGS[[1]], m, tt, level = 90, tag = "/level90")
cases[[length(cases) + 1]] <- fit_case(CONFIGS[[5]], "REML", "t", level = 80, tag = "/level80")
# tau2 fixed by the user (se.tau2 is still computed by the estimator's formula)
for (m in setdiff(METHODS, "FE"))
  cases[[length(cases) + 1]] <- fit_case(CONFIGS[[1]], m, "z", tau2 = 0.2, tag = "/tau2fixed")
cases[[length(cases) + 1]] <- fit_case(CONFIGS[[5]], "REML", "knha", tau2 = 0.05, tag = "/tau2fixed")
# non-convergence: Fisher scoring stopped after 2 iterations (metafor stops with an error)
cases[[length(cases) + 1]] <- fit_case(CONFIGS[[1]], "REML", "z", control = list(maxiter = 2),
                                       tag = "/maxiter2")
# step halving: stepadj = 0.5 converges more slowly, to the same value
cases[[length(cases) + 1]] <- fit_case(CONFIGS[[1]], "ML", "z", control = list(stepadj = 0.5),
                                       tag = "/stepadj0.5")

# Edge cases of the algorithm (synthetic numbers, found by a random search with runecon and
# confirmed in metafor; they are algorithm fixtures, not evidence):
# - ML: Fisher scoring converges to a point with a lower likelihood than tau2 = 0, so
#   metafor's ll0 check sets tau2 = 0 with a warning;
# - REML: Fisher scoring oscillates and fails after maxiter = 100 iterations (two data sets).
edge <- function(id, yi, vi) list(id = id, data = data.frame(yi = yi, vi = vi,
  slab = paste("study", seq_along(yi)), stringsAsFactors = FALSE), mods = NULL, newmods = NULL)
E1 <- edge("synthetic_ll0check", c(-1.47, 2.81, -0.35, 0.31, 0.02, -0.41), c(0.47, 0.92, 0.03, 0.97, 0.12, 0.44))
E2 <- edge("synthetic_reml_nonconvergence_a", c(2.38, -0.08, -0.1, -0.18), c(0.94, 0.21, 0.57, 0.12))
E3 <- edge("synthetic_reml_nonconvergence_b", c(1.54, 2.29, 1.33, 1.17, 1.75, 1.96), c(0.72, 0.98, 0.74, 0.07, 0.97, 0.27))
cases[[length(cases) + 1]] <- fit_case(E1, "ML", "z")
cases[[length(cases) + 1]] <- fit_case(E1, "REML", "z")
cases[[length(cases) + 1]] <- fit_case(E2, "REML", "z")
cases[[length(cases) + 1]] <- fit_case(E3, "REML", "z")

write_reference(cases, "metafor_rma_uni.json", "validation/metafor/rma_uni.R")
