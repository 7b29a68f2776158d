# Reference values for runecon.rma_mv / runecon.robust: metafor's three-level model
#   rma.mv(yi, vi, random = ~ 1 | cluster/es_id, method = ..., test = ...)
# with a likelihood-ratio test per level (that level's sigma2 fixed at 0, anova), the
# multilevel I2 (metafor FAQ / Cheung 2014), predict(), and clubSandwich::coef_test with
# CR0, CR1 and CR2 (Satterthwaite df).
#
# Data: metadat dat.konstantopoulos2011 (district/school, intercept-only and with `year`),
# and the Llanos-Lagos 2024a running-economy comparisons per training method, computed here
# from the printed Table 3 (data/sources/llanoslagos2024a_re_table3.csv; override with
# the environment variable LL2024A_TABLE3) following the protocol of
# data/sources/llanoslagos2024_checks.md, sections (c)/(d), scenario C_inferred.
#
# Run from the repository root:  Rscript validation/metafor/rma_mv.R
source("validation/metafor/_common.R")
suppressPackageStartupMessages({ library(metadat); library(clubSandwich) })
source("validation/metafor/_multilevel.R")     # fit_best(), llanoslagos2024a_effects()

num <- function(x) unname(as.numeric(x))

i2_levels <- function(res) {
  W <- diag(1 / res$vi)
  X <- model.matrix(res)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  vt <- (res$k - res$p) / sum(diag(P))
  list(vt = vt, I2 = 100 * res$sigma2 / (sum(res$sigma2) + vt),
       I2_total = 100 * sum(res$sigma2) / (sum(res$sigma2) + vt))
}

robust_out <- function(res, dat) {
  out <- list()
  for (type in c("CR0", "CR1", "CR2")) {
    V <- vcovCR(res, cluster = dat$cluster, type = type)
    ct <- coef_test(res, vcov = V, test = "Satterthwaite")
    out[[type]] <- list(beta = num(ct$beta), se = num(ct$SE), tval = num(ct$tstat),
                        df = num(ct$df_Satt), pval = num(ct$p_Satt), vcov = unname(as.matrix(V)))
  }
  out
}

make_case <- function(name, dat, mods_formula, method, test, newmods = NULL) {
  mods <- if (is.null(mods_formula)) NULL else as.formula(mods_formula)
  res <- fit_best(dat, mods, method, test)
  call <- sprintf("rma.mv(yi, vi, mods = %s, random = ~ 1 | cluster/es_id, method = \"%s\", test = \"%s\")",
                  if (is.null(mods_formula)) "NULL" else mods_formula, method, test)
  lrt <- list()
  for (lev in 1:2) {
    s2 <- c(NA, NA); s2[lev] <- 0
    r0 <- fit_best(dat, mods, method, test, sigma2 = s2)
    a <- anova(res, r0)
    lrt[[lev]] <- list(ll0 = num(logLik(r0)), LRT = num(a$LRT), pval = num(a$pval),
                       sigma2_0 = num(r0$sigma2))
  }
  pr <- if (is.null(newmods)) predict(res) else predict(res, newmods = newmods)
  pr1 <- function(x) num(x)[1]
  i2 <- i2_levels(res)
  input <- list(yi = num(dat$yi), vi = num(dat$vi), cluster = as.character(dat$cluster),
                es_id = as.character(dat$es_id), method = method, test = test,
                mods = if (is.null(mods_formula)) NULL else num(dat$year),
                newmods = newmods)
  if ("training" %in% names(dat)) input$training <- as.character(dat$training)[1]
  output <- list(
    beta = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
    ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), vb = unname(res$vb),
    sigma2 = num(res$sigma2), s_nlevels = num(res$s.nlevels),
    QE = num(res$QE), QEp = num(res$QEp), QEdf = res$k - res$p,
    QM = num(res$QM), QMp = num(res$QMp), QMdf = num(res$QMdf),
    ll = num(logLik(res)), deviance = num(deviance(res)), AIC = num(AIC(res)), BIC = num(BIC(res)),
    k = res$k, p = res$p, df = if (test == "t") num(res$ddf)[1] else NULL,
    optimizer = attr(res, "optimizer"),
    lrt = lrt, vt = i2$vt, I2 = num(i2$I2), I2_total = i2$I2_total,
    predict = list(pred = pr1(pr$pred), se = pr1(pr$se), ci_lb = pr1(pr$ci.lb), ci_ub = pr1(pr$ci.ub),
                   pi_lb = pr1(pr$pi.lb), pi_ub = pr1(pr$pi.ub)),
    robust = robust_out(res, dat))
  list(name = name, call = call, input = input, output = output)
}

cases <- list()

# ---- dat.konstantopoulos2011: 56 schools in 11 districts -----------------------------
dk <- dat.konstantopoulos2011
dk$cluster <- dk$district; dk$es_id <- dk$school
for (method in c("REML", "ML")) for (test in c("z", "t")) {
  cases[[length(cases) + 1]] <- make_case(sprintf("konstantopoulos2011_int_%s_%s", method, test),
                                          dk, NULL, method, test)
  cases[[length(cases) + 1]] <- make_case(sprintf("konstantopoulos2011_year_%s_%s", method, test),
                                          dk, "~ year", method, test, newmods = 1990)
}

# robust() on univariate rma fits (clubSandwich's rma.uni method: W = 1/(vi + tau2))
for (mf in c("int", "year")) {
  res <- if (mf == "int") rma(yi, vi, data = dk, method = "REML") else
    rma(yi, vi, mods = ~ year, data = dk, method = "REML")
  cases[[length(cases) + 1]] <- list(
    name = sprintf("rma_uni_konstantopoulos2011_%s_REML_z", mf),
    call = sprintf("rma(yi, vi, mods = %s, method = \"REML\"); coef_test(res, vcov = vcovCR(res, cluster = district, type = ...), test = \"Satterthwaite\")",
                   if (mf == "int") "NULL" else "~ year"),
    input = list(yi = num(dk$yi), vi = num(dk$vi), cluster = as.character(dk$district),
                 mods = if (mf == "int") NULL else num(dk$year), method = "REML", test = "z"),
    output = list(beta = num(res$beta), tau2 = num(res$tau2), robust = robust_out(res, dk)))
}

# ---- Llanos-Lagos 2024a: per-comparison Hedges' g of change scores ---------------------
ll <- llanoslagos2024a_effects()
for (meth in c("high_load", "plyometric", "submaximal", "isometric", "combined")) {
  dm <- ll[ll$method == meth, ]
  dm$es_id <- seq_len(nrow(dm))
  dm$training <- meth
  cases[[length(cases) + 1]] <- make_case(sprintf("llanoslagos2024a_%s_REML_t", meth),
                                          dm, NULL, "REML", "t")
}

# combined without the two outliers of the sensitivity analysis (Sect. 3.4, k = 18):
# Paavolainen [8] and Li [20] at 16.00 km/h (both absent from the combined forest plot)
dm <- ll[ll$method == "combined" & ll$ref_no != 8 & !(ll$ref_no == 20 & ll$speed == "16.00 km/h"), ]
stopifnot(nrow(dm) == 18)
dm$es_id <- seq_len(nrow(dm))
dm$training <- "combined_without_outliers"
cases[[length(cases) + 1]] <- make_case("llanoslagos2024a_combined_without_outliers_REML_t",
                                        dm, NULL, "REML", "t")

write_reference(cases, "metafor_rma_mv.json", "validation/metafor/rma_mv.R")
