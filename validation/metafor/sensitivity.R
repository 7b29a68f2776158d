# Reference values for runecon.sensitivity and runecon.smallstudy: leave1out, influence,
# cumul, gosh (exhaustive), permutest (exact), regtest, trimfill.
# Run from the repository root:  Rscript validation/metafor/sensitivity.R
# Writes tests/data/metafor_sensitivity.json (read by tests/test_metafor_sensitivity.py).
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))

## data sets -----------------------------------------------------------------------------
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), ablat = bcg$ablat,
                  year = bcg$year, ni = with(dat.bcg, tpos + tneg + cpos + cneg),
                  slab = paste(bcg$author, bcg$year), stringsAsFactors = FALSE)
hine <- escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
hine <- data.frame(yi = as.numeric(hine$yi), vi = as.numeric(hine$vi),
                   ni = with(dat.hine1989, n1i + n2i), slab = hine$source,
                   stringsAsFactors = FALSE)
hack <- dat.hackshaw1998   # yi, vi (log odds ratios) as stored in metadat
hack <- data.frame(yi = as.numeric(hack$yi), vi = as.numeric(hack$vi),
                   slab = paste(hack$author, hack$year), stringsAsFactors = FALSE)
# Balsalobre-Fernandez C, Santos-Concejero J, Grivas GV. J Strength Cond Res 2016;30(8):
# 2361-2368, doi:10.1519/JSC.0000000000001316, Table 3: per-study SMD [95% CI];
# vi derived from the CI width: ((ub - lb) / (2 * qnorm(0.975)))^2.
bals <- data.frame(
  slab = c("Paavolainen 1999", "Saunders 2006", "Mikkola 2007", "Storen 2008", "Sedano 2013"),
  yi = c(-3.78, -0.54, -1.03, -1.45, -1.17),
  lb = c(-5.45, -1.58, -1.87, -2.56, -2.24),
  ub = c(-2.10,  0.49, -0.18, -0.35, -0.10), stringsAsFactors = FALSE)
bals$vi <- ((bals$ub - bals$lb) / (2 * qnorm(0.975)))^2
DATA <- list(bcg = bcg, hine = hine, hackshaw = hack, balsalobre = bals)
input_of <- function(id, d) list(dataset = id, yi = d$yi, vi = d$vi, slab = d$slab,
                                 ablat = d$ablat, year = d$year, ni = d$ni)

fit <- function(id, method, mods = NULL, test = "z") {
  d <- DATA[[id]]
  if (is.null(mods)) rma(yi, vi, data = d, method = method, test = test, slab = slab)
  else rma(yi, vi, mods = as.formula(mods), data = d, method = method, test = test, slab = slab)
}
fcall <- function(id, method, mods = NULL, test = "z")
  sprintf("rma(yi, vi, %sdata = %s, method = \"%s\", test = \"%s\")",
          if (is.null(mods)) "" else paste0("mods = ", mods, ", "), id, method, test)
cases <- list()
add <- function(name, call, input, output) {
  cases[[length(cases) + 1]] <<- list(name = name, call = call, input = input, output = output)
}

## leave1out -----------------------------------------------------------------------------
for (cfg in list(c("bcg", "REML", "z"), c("bcg", "DL", "z"), c("bcg", "FE", "z"),
                 c("bcg", "PM", "z"), c("bcg", "REML", "knha"), c("hine", "ML", "z"),
                 c("balsalobre", "REML", "z"), c("balsalobre", "EB", "t"))) {
  res <- fit(cfg[1], cfg[2], test = cfg[3])
  l1 <- leave1out(res)
  out <- lapply(unclass(l1)[c("estimate", "se", if (cfg[3] == "z") "zval" else "tval", "pval",
                              "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2")], num)
  names(out)[3] <- "zval"
  add(sprintf("leave1out/%s/%s/%s", cfg[1], cfg[2], cfg[3]),
      sprintf("leave1out(%s)", fcall(cfg[1], cfg[2], test = cfg[3])),
      c(input_of(cfg[1], DATA[[cfg[1]]]), list(method = cfg[2], test = cfg[3], mods = NULL)), out)
}

## influence -----------------------------------------------------------------------------
for (cfg in list(list("bcg", "REML", NULL), list("bcg", "DL", NULL), list("bcg", "FE", NULL),
                 list("bcg", "REML", "~ ablat"), list("bcg", "ML", "~ ablat"),
                 list("balsalobre", "REML", NULL))) {
  res <- fit(cfg[[1]], cfg[[2]], cfg[[3]])
  inf <- influence(res)
  out <- lapply(unclass(inf$inf)[c("rstudent", "dffits", "cook.d", "cov.r", "tau2.del",
                                    "QE.del", "hat", "weight")], num)
  out$inf <- as.logical(inf$is.infl)
  out$dfbs <- lapply(unclass(inf$dfbs)[seq_len(res$p)], num)
  add(sprintf("influence/%s/%s/%s", cfg[[1]], cfg[[2]], if (is.null(cfg[[3]])) "int" else cfg[[3]]),
      sprintf("influence(%s)", fcall(cfg[[1]], cfg[[2]], cfg[[3]])),
      c(input_of(cfg[[1]], DATA[[cfg[[1]]]]), list(method = cfg[[2]], test = "z", mods = cfg[[3]])),
      out)
}

## cumul ---------------------------------------------------------------------------------
for (cfg in list(list("bcg", "REML", NULL), list("bcg", "REML", "year"), list("bcg", "DL", "year"),
                 list("hine", "FE", NULL))) {
  res <- fit(cfg[[1]], cfg[[2]])
  cu <- if (is.null(cfg[[3]])) cumul(res) else cumul(res, order = DATA[[cfg[[1]]]][[cfg[[3]]]])
  out <- lapply(unclass(cu)[c("estimate", "se", "zval", "pvals", "ci.lb", "ci.ub", "Q", "Qp",
                              "tau2", "I2", "H2")], num)
  names(out)[4] <- "pval"
  out$slab <- as.character(cu$slab)
  add(sprintf("cumul/%s/%s/%s", cfg[[1]], cfg[[2]], if (is.null(cfg[[3]])) "none" else cfg[[3]]),
      sprintf("cumul(%s%s)", fcall(cfg[[1]], cfg[[2]]),
              if (is.null(cfg[[3]])) "" else paste0(", order = ", cfg[[3]])),
      c(input_of(cfg[[1]], DATA[[cfg[[1]]]]), list(method = cfg[[2]], order = cfg[[3]])), out)
}

## gosh (exhaustive: rows in metafor's order, expand.grid sorted stably by k) -------------
bcg7 <- bcg[1:7, ]
DATA$bcg7 <- bcg7
for (cfg in list(list("hine", "REML", NULL), list("hine", "DL", NULL), list("balsalobre", "FE", NULL),
                 list("balsalobre", "PM", NULL), list("bcg7", "REML", "~ ablat"),
                 list("bcg", "DL", NULL), list("bcg", "REML", NULL), list("bcg", "PM", NULL))) {
  res <- fit(cfg[[1]], cfg[[2]], cfg[[3]])
  g <- gosh(res, progbar = FALSE)
  big <- cfg[[1]] == "bcg"
  out <- list(n = nrow(g$res), n_failed = sum(!g$fit), k = if (big) NULL else num(g$res$k),
              I2 = num(g$res$I2), tau2 = num(g$res$tau2),
              QE = if (big && cfg[[2]] != "DL") NULL else num(g$res$QE),
              H2 = if (big) NULL else num(g$res$H2),   # keep the file small
              incl_first = lapply(seq_len(min(20, nrow(g$incl))), function(i) as.logical(g$incl[i, ])),
              incl_last = as.logical(g$incl[nrow(g$incl), ]))
  if (cfg[[1]] == "bcg" && cfg[[2]] == "REML") {
    # the subsets where Fisher scoring fails, refitted with halved steps
    failed <- unname(which(!g$fit))
    out$refit_failed <- lapply(failed, function(j) {
      r2 <- rma(yi, vi, data = DATA$bcg, subset = g$incl[j, ], method = "REML",
                control = list(stepadj = 0.5, maxiter = 10000))
      list(row = j, tau2 = r2$tau2, estimate = num(r2$beta), ll = as.numeric(logLik(r2)))
    })
  }
  if (is.null(cfg[[3]])) out$estimate <- num(g$res$estimate)
  else out$beta <- lapply(as.list(g$res[, -(1:5), drop = FALSE]), num)
  add(sprintf("gosh/%s/%s/%s", cfg[[1]], cfg[[2]], if (is.null(cfg[[3]])) "int" else cfg[[3]]),
      sprintf("gosh(%s)", fcall(cfg[[1]], cfg[[2]], cfg[[3]])),
      c(input_of(cfg[[1]], DATA[[cfg[[1]]]]), list(method = cfg[[2]], mods = cfg[[3]])), out)
}

## permutest (exact) ---------------------------------------------------------------------
for (cfg in list(list("hine", "REML", NULL, "z"), list("balsalobre", "DL", NULL, "knha"),
                 list("bcg", "DL", NULL, "z"), list("bcg7", "REML", "~ ablat", "z"),
                 list("bcg7", "DL", "~ ablat", "knha"))) {
  res <- fit(cfg[[1]], cfg[[2]], cfg[[3]], cfg[[4]])
  pt <- permutest(res, exact = TRUE, progbar = FALSE)
  zp <- as.matrix(pt$zval.perm)
  out <- list(pval = num(pt$pval), QMp = num(pt$QMp), iter = nrow(zp),
              zval = num(res$zval), QM = num(res$QM),
              zval_perm_mean = num(colMeans(zp, na.rm = TRUE)),
              QM_perm_mean = mean(pt$QM.perm, na.rm = TRUE), n_na = sum(is.na(pt$QM.perm)))
  add(sprintf("permutest/%s/%s/%s/%s", cfg[[1]], cfg[[2]],
              if (is.null(cfg[[3]])) "int" else cfg[[3]], cfg[[4]]),
      sprintf("permutest(%s, exact = TRUE)", fcall(cfg[[1]], cfg[[2]], cfg[[3]], cfg[[4]])),
      c(input_of(cfg[[1]], DATA[[cfg[[1]]]]), list(method = cfg[[2]], mods = cfg[[3]], test = cfg[[4]])),
      out)
}

## regtest -------------------------------------------------------------------------------
for (cfg in list(list("bcg", "REML", NULL), list("bcg", "DL", NULL), list("bcg", "REML", "~ ablat"),
                 list("hine", "FE", NULL))) {
  res <- fit(cfg[[1]], cfg[[2]], cfg[[3]])
  d <- DATA[[cfg[[1]]]]
  for (model in c("rma", "lm")) for (pred in c("sei", "vi", "ni", "ninv", "sqrtninv")) {
    if (is.null(d$ni) && pred %in% c("ni", "ninv", "sqrtninv")) next
    rt <- regtest(res, model = model, predictor = pred, ni = d$ni)
    add(sprintf("regtest/%s/%s/%s/%s/%s", cfg[[1]], cfg[[2]],
                if (is.null(cfg[[3]])) "int" else cfg[[3]], model, pred),
        sprintf("regtest(%s, model = \"%s\", predictor = \"%s\", ni = ni)",
                fcall(cfg[[1]], cfg[[2]], cfg[[3]]), model, pred),
        c(input_of(cfg[[1]], d), list(method = cfg[[2]], mods = cfg[[3]], model = model,
                                      predictor = pred)),
        list(zval = num(rt$zval), pval = num(rt$pval), dfs = num(rt$dfs),
             est = num(rt$est), ci.lb = num(rt$ci.lb), ci.ub = num(rt$ci.ub),
             fit_beta = num(coef(rt$fit))))
  }
}

## trimfill ------------------------------------------------------------------------------
for (cfg in list(list("hackshaw", "FE"), list("hackshaw", "REML"), list("bcg", "REML"),
                 list("bcg", "DL"), list("balsalobre", "REML"))) {
  res <- fit(cfg[[1]], cfg[[2]])
  for (est in c("L0", "R0")) for (side in list(NULL, "left", "right")) {
    tf <- if (is.null(side)) trimfill(res, estimator = est) else trimfill(res, estimator = est, side = side)
    add(sprintf("trimfill/%s/%s/%s/%s", cfg[[1]], cfg[[2]], est, if (is.null(side)) "auto" else side),
        sprintf("trimfill(%s, estimator = \"%s\"%s)", fcall(cfg[[1]], cfg[[2]]), est,
                if (is.null(side)) "" else sprintf(", side = \"%s\"", side)),
        c(input_of(cfg[[1]], DATA[[cfg[[1]]]]), list(method = cfg[[2]], estimator = est, side = side)),
        list(k0 = tf$k0, se.k0 = num(tf$se.k0), side = tf$side, p.k0 = num(tf$p.k0),
             estimate = num(tf$beta), se = num(tf$se), ci.lb = num(tf$ci.lb), ci.ub = num(tf$ci.ub),
             tau2 = num(tf$tau2), QE = num(tf$QE), I2 = num(tf$I2), k = tf$k,
             yi = num(tf$yi), vi = num(tf$vi), fill = as.logical(tf$fill)))
  }
}

write_reference(cases, "metafor_sensitivity.json", "validation/metafor/sensitivity.R")
