# Reference values for runecon.rma_mv's optimiser (grid start, projected Newton; issue 11):
# metafor's three-level model on designs that stress it beyond rma_mv.R's grid:
#   * sampling variances far below the variance components (yi x 100, vi unchanged: the
#     log-likelihood is a difference of terms ~1e4 times larger than in the original data),
#   * effect-size units holding several rows (es_id = year within district),
#   * one component fixed at a non-zero value (sigma2 = c(NA, value) / c(value, NA)),
#   * the Llanos-Lagos 2024a running-economy comparisons, all k = 81 together (intercept
#     only, and with ~ factor(method)), as notebooks 03 and 17 fit them.
# Each fit is the best of five optimizers (fit_best in _multilevel.R); the likelihood-ratio
# test per level refits with that sigma2 fixed at 0, as rma_mv.R.
#
# Run from the repository root:  Rscript validation/metafor/rma_mv_fastpath.R
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))
source("validation/metafor/_multilevel.R")     # fit_best(), llanoslagos2024a_effects()

num <- function(x) unname(as.numeric(x))

make_case <- function(name, dat, mods_formula, method, test, sigma2 = c(NA, NA), lrt = TRUE) {
  mods <- if (is.null(mods_formula)) NULL else as.formula(mods_formula)
  res <- fit_best(dat, mods, method, test, sigma2 = sigma2)
  s2txt <- paste0("c(", paste(ifelse(is.na(sigma2), "NA", format(sigma2)), collapse = ", "), ")")
  call <- sprintf("rma.mv(yi, vi, mods = %s, random = ~ 1 | cluster/es_id, method = \"%s\", test = \"%s\", sigma2 = %s)",
                  if (is.null(mods_formula)) "NULL" else mods_formula, method, test, s2txt)
  tests <- list()
  if (lrt) for (lev in 1:2) {
    s2 <- c(NA, NA); s2[lev] <- 0
    r0 <- fit_best(dat, mods, method, test, sigma2 = s2)
    a <- anova(res, r0)
    tests[[lev]] <- list(ll0 = num(logLik(r0)), LRT = num(a$LRT), pval = num(a$pval),
                         sigma2_0 = num(r0$sigma2))
  }
  input <- list(yi = num(dat$yi), vi = num(dat$vi), cluster = as.character(dat$cluster),
                es_id = as.character(dat$es_id), method = method, test = test,
                sigma2 = sigma2,
                mods = if (is.null(mods_formula)) NULL else as.character(dat$method))
  output <- list(beta = num(res$beta), se = num(res$se), pval = num(res$pval),
                 ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
                 sigma2 = num(res$sigma2), s_nlevels = num(res$s.nlevels),
                 QE = num(res$QE), QM = num(res$QM), QMp = num(res$QMp),
                 ll = num(logLik(res)), k = res$k, p = res$p,
                 optimizer = attr(res, "optimizer"), lrt = tests)
  list(name = name, call = call, input = input, output = output)
}

cases <- list()
dk <- dat.konstantopoulos2011
dk$cluster <- dk$district; dk$es_id <- dk$school
for (method in c("REML", "ML")) {
  d100 <- dk; d100$yi <- 100 * dk$yi
  cases[[length(cases) + 1]] <- make_case(sprintf("konstantopoulos2011_yi_x100_%s", method),
                                          d100, NULL, method, "z")
}
dy <- dk; dy$es_id <- dk$year            # units: the years within a district (1 to 6 rows)
stopifnot(length(unique(paste(dy$district, dy$year))) < nrow(dy))
cases[[length(cases) + 1]] <- make_case("konstantopoulos2011_district_year_REML", dy, NULL, "REML", "z")
cases[[length(cases) + 1]] <- make_case("konstantopoulos2011_fixed_sigma2_2_REML", dk, NULL,
                                        "REML", "z", sigma2 = c(NA, 0.05), lrt = FALSE)
cases[[length(cases) + 1]] <- make_case("konstantopoulos2011_fixed_sigma2_1_ML", dk, NULL,
                                        "ML", "z", sigma2 = c(0.03, NA), lrt = FALSE)

ll <- llanoslagos2024a_effects()
ll$es_id <- seq_len(nrow(ll))
cases[[length(cases) + 1]] <- make_case("llanoslagos2024a_all_REML_z", ll, NULL, "REML", "z")
cases[[length(cases) + 1]] <- make_case("llanoslagos2024a_all_method_REML_t", ll,
                                        "~ factor(method)", "REML", "t")

write_reference(cases, "metafor_rma_mv_fastpath.json", "validation/metafor/rma_mv_fastpath.R")
