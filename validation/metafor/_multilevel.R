# Shared by the three-level generators (rma_mv.R, rma_mv_fastpath.R):
#   source("validation/metafor/_multilevel.R")

# best REML/ML fit over several optimizers (the likelihood can be flat near the boundary)
fit_best <- function(dat, mods, method, test, sigma2 = c(NA, NA)) {
  ctrls <- list(list(optimizer = "nlminb"), list(optimizer = "bobyqa"),
                list(optimizer = "optim", optmethod = "Nelder-Mead"),
                list(optimizer = "optim", optmethod = "BFGS"), list(optimizer = "ucminf"))
  best <- NULL; best_opt <- NA
  for (ct in ctrls) {
    args <- list(yi = dat$yi, V = dat$vi, random = ~ 1 | cluster/es_id, data = dat,
                 method = method, test = test, sigma2 = sigma2, control = ct)
    if (!is.null(mods)) args$mods <- mods
    r <- tryCatch(suppressWarnings(do.call(rma.mv, args)), error = function(e) NULL)
    if (!is.null(r) && (is.null(best) || logLik(r) > logLik(best) + 1e-10)) {
      best <- r; best_opt <- paste(unlist(ct), collapse = "/")
    }
  }
  attr(best, "optimizer") <- best_opt
  best
}

# The Llanos-Lagos 2024a running-economy comparisons (k = 81): per-comparison Hedges' g of
# change scores computed from the printed Table 3 (data/sources/llanoslagos2024a_re_table3.csv;
# override with the environment variable LL2024A_TABLE3) following the protocol of
# data/sources/llanoslagos2024_checks.md, sections (c)/(d), scenario C_inferred.
llanoslagos2024a_effects <- function() {
  table3 <- Sys.getenv("LL2024A_TABLE3", "data/sources/llanoslagos2024a_re_table3.csv")
  t3 <- read.csv(table3, encoding = "UTF-8", stringsAsFactors = FALSE)
  # scenario C_inferred (checks (d)): spreads of Skovgaard [104], Johnston [136] and
  # Pellegrino [12] are standard errors -> SD = SE * sqrt(n); Piacentini [19] control post SD
  # printed 40 is 4.0.  Pre-SDs do not enter the effect size.
  se_refs <- c(104, 136, 12)
  t3$post_sd <- ifelse(t3$ref_no %in% se_refs, t3$post_sd * sqrt(t3$n), t3$post_sd)
  fix <- t3$ref_no == 19 & t3$method == "control" & t3$post_sd == 40
  stopifnot(sum(fix) == 1)
  t3$post_sd[fix] <- 4.0
  t3$key <- paste(t3$study, t3$ref_no, t3$speed_reported, sep = "|")
  ctrl <- t3[t3$method == "control", ]
  stopifnot(!anyDuplicated(ctrl$key))
  int <- t3[t3$method != "control", ]
  int$grp <- paste(int$study, int$ref_no, int$group_code, int$n, sep = "|")
  rows <- list()
  for (i in seq_len(nrow(int))) {
    a <- int[i, ]; c0 <- ctrl[ctrl$key == a$key, ]
    stopifnot(nrow(c0) == 1)
    # control n divided by the number of same-method intervention groups at this speed
    n_same <- sum(int$key == a$key & int$method == a$method)
    n1 <- a$n; n2 <- c0$n / n_same
    sp <- sqrt(((n1 - 1) * a$post_sd^2 + (n2 - 1) * c0$post_sd^2) / (n1 + n2 - 2))
    d <- ((a$post_mean - a$pre_mean) - (c0$post_mean - c0$pre_mean)) / sp
    m <- n1 + n2 - 2
    J <- exp(lgamma(m / 2) - log(sqrt(m / 2)) - lgamma((m - 1) / 2))
    flip <- if (a$unit == "m/ml/kg") -1 else 1        # Turner [106]: higher = better
    rows[[i]] <- data.frame(method = a$method, cluster = a$grp, ref_no = a$ref_no,
                            speed = a$speed_reported,
                            yi = flip * J * d, vi = J^2 * (1 / n1 + 1 / n2 + d^2 / (2 * (n1 + n2))),
                            n1 = n1, n2 = n2)
  }
  ll <- do.call(rbind, rows)
  stopifnot(nrow(ll) == 81)
  ll
}
