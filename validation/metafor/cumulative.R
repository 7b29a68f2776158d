# Reference values for runecon.living.cumulative_by_year: cumulative meta-analysis by
# publication year of the Llanos-Lagos 2024a running-economy effect sizes, one model per
# training method, refitted on the studies published up to each year:
#   rma.mv(yi, vi, random = ~ 1 | cluster/es_id, method = "REML", test = "t")
# when a cluster (study group) holds several effects, else rma(yi, vi, method = "REML",
# test = "t") (the model of the article figure llanoslagos_methods); years with fewer than
# two clusters are not fitted.
#
# Input: the per-method effect sizes written by rma_mv.R (tests/data/metafor_rma_mv.json,
# cases llanoslagos2024a_<method>_REML_t; cluster = "author|ref|code|n"), and the year of
# each study from data/studies.csv, matched through the review's reference number printed
# in `location` ("ref. [N] of the review") of the rows read from Llanos-Lagos 2024a.
#
# Run from the repository root:  Rscript validation/metafor/cumulative.R
source("validation/metafor/_common.R")

num <- function(x) unname(as.numeric(x))

# best REML fit over several optimizers, as rma_mv.R (the likelihood can be flat near the
# boundary and nlminb alone may stop without convergence on the smallest subsets)
fit_best <- function(dat) {
  ctrls <- list(list(optimizer = "nlminb"), list(optimizer = "bobyqa"),
                list(optimizer = "optim", optmethod = "Nelder-Mead"),
                list(optimizer = "optim", optmethod = "BFGS"))
  best <- NULL
  for (ct in ctrls) {
    r <- tryCatch(suppressWarnings(rma.mv(yi, vi, random = ~ 1 | cluster/es_id, data = dat,
                                          method = "REML", test = "t", control = ct)),
                  error = function(e) NULL)
    if (!is.null(r) && (is.null(best) || logLik(r) > logLik(best) + 1e-10)) best <- r
  }
  stopifnot(!is.null(best))
  best
}
mv <- fromJSON("tests/data/metafor_rma_mv.json", simplifyVector = TRUE)
st <- read.csv("data/studies.csv", encoding = "UTF-8", stringsAsFactors = FALSE)
st <- st[st$source == "https://doi.org/10.1007/s40279-023-01978-y", ]
ref <- suppressWarnings(as.integer(sub(".*ref\\. \\[([0-9]+)\\] of the review.*", "\\1", st$location)))
year_of_ref <- setNames(st$year, ref)

cases <- list()
methods <- c("high_load", "plyometric", "submaximal", "isometric", "combined")
for (meth in methods) {
  inp <- mv$cases$input[mv$cases$name == sprintf("llanoslagos2024a_%s_REML_t", meth), ]
  dat <- data.frame(yi = inp$yi[[1]], vi = inp$vi[[1]], cluster = inp$cluster[[1]],
                    es_id = inp$es_id[[1]], stringsAsFactors = FALSE)
  refno <- sapply(strsplit(dat$cluster, "|", fixed = TRUE), `[`, 2)
  dat$year <- num(year_of_ref[refno])
  stopifnot(!anyNA(dat$year))
  rows <- list()
  for (y in sort(unique(dat$year))) {
    s <- dat[dat$year <= y, ]
    if (length(unique(s$cluster)) < 2) next
    if (any(duplicated(s$cluster))) {
      res <- fit_best(s)
      model <- "three-level"
    } else {
      res <- rma(yi, vi, data = s, method = "REML", test = "t")
      model <- "two-level"
    }
    rows[[length(rows) + 1]] <- list(year = y, k = res$k, model = model,
                                     estimate = num(res$beta), se = num(res$se),
                                     ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
                                     pval = num(res$pval))
  }
  cases[[length(cases) + 1]] <- list(
    name = sprintf("cumulative_llanoslagos2024a_%s", meth),
    call = paste("for each year y: rma.mv(yi, vi, random = ~ 1 | cluster/es_id, method =",
                 "\"REML\", test = \"t\", subset = year <= y) (rma(..., test = \"t\") when",
                 "every cluster holds one effect)"),
    input = list(method = meth, year = dat$year, cluster = dat$cluster),
    output = rows)
}

# Tipping point (runecon.living.tipping_point): one more effect size in a new cluster with
# the median vi of the method; the upper 95% limit as a function of its yi; walk from the
# pooled estimate in steps of 0.1 (up when ci.ub < 0, down otherwise) to 3 away, and
# uniroot(tol = 1e-10) in the first bracket with a sign change.
fit_any <- function(s) {
  if (any(duplicated(s$cluster))) fit_best(s) else rma(yi, vi, data = s, method = "REML", test = "t")
}
for (meth in methods) {
  inp <- mv$cases$input[mv$cases$name == sprintf("llanoslagos2024a_%s_REML_t", meth), ]
  dat <- data.frame(yi = inp$yi[[1]], vi = inp$vi[[1]], cluster = inp$cluster[[1]],
                    es_id = inp$es_id[[1]], stringsAsFactors = FALSE)
  full <- fit_any(dat)
  vnew <- median(dat$vi)
  ub <- function(y) {
    e <- rbind(dat, data.frame(yi = y, vi = vnew, cluster = "(new trial)",
                               es_id = as.character(nrow(dat) + 1)))
    num(fit_any(e)$ci.ub)
  }
  sgn <- if (full$ci.ub < 0) 1 else -1
  grid <- num(full$beta) + sgn * 0.1 * (0:30)
  tip <- NA
  f_prev <- ub(grid[1])
  for (i in 2:length(grid)) {
    f_b <- ub(grid[i])
    if (sign(f_b) != sign(f_prev)) {
      tip <- uniroot(ub, sort(grid[(i - 1):i]), tol = 1e-10)$root
      break
    }
    f_prev <- f_b
  }
  cases[[length(cases) + 1]] <- list(
    name = sprintf("tipping_point_llanoslagos2024a_%s", meth),
    call = "uniroot(function(y) ci.ub of the model with one more effect (y, median(vi)) in a new cluster, tol = 1e-10)",
    input = list(method = meth, vi_new = vnew, step = 0.1, bound = 3),
    output = list(estimate = num(full$beta), ci_ub = num(full$ci.ub),
                  verdict = if (full$ci.ub < 0) "improves" else "not shown",
                  yi_tip = if (is.na(tip)) NULL else tip))
}
write_reference(cases, "metafor_cumulative.json", "validation/metafor/cumulative.R")
