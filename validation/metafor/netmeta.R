# Reference values for runecon.netmeta: contrast-based network meta-analysis with metafor
#   rma.mv(yi, V, mods = ~ X - 1, random = ~ comp | study, rho = 1/2, method = "REML")
# (one heterogeneity variance, homogeneous-variance consistency model), the common-effect
# GLS (method = "FE") and the netmeta-type moment estimator of tau2 (Rücker 2012; Jackson,
# White & Riley 2012): tau2 = max(0, (Q - df) / tr(P0 G)), fitted with rma.mv(..., tau2 = .).
# Also: the Q decomposition within / between designs (Krahn et al. 2013) and the
# random-effects design-by-treatment test (Higgins et al. 2012; tau2 of the design-by-
# treatment model, generalised Q difference computed from rma.mv's marginal M), SIDE
# node-splits (Dias et al. 2010; studies with both A and B contrasted with A, their B-A
# contrast with its own parameter, tau2 fixed at the consistency model's), P-scores
# (Rücker & Schwarzer 2015) and predict() intervals.
#
# Data (metadat): dat.senn2013 (mean change in HbA1c, MD and SMD, one three-arm study),
# dat.hasselblad1998 (smoking cessation, log odds ratios, two three-arm studies) and
# dat.dong2013 (deaths in COPD trials, log odds ratios, four-arm studies). Contrasts of each
# study are taken against its baseline arm: the reference if present, else the first
# treatment in the network order (reference, then the others in C-locale order).
#
# Run from the repository root:  Rscript validation/metafor/netmeta.R
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

num <- function(x) unname(as.numeric(x))

net_order <- function(trts, reference) c(reference, setdiff(sort(unique(trts), method = "radix"), reference))

# arm-level effects a (mean or log odds) with variance va -> contrasts vs baseline and V
arms_to_contrasts <- function(study, treat, a, va, order, base_of = NULL) {
  rows <- list(); blocks <- list()
  for (s in unique(study)) {
    i <- which(study == s)
    i <- i[order(match(treat[i], order))]
    b <- if (!is.null(base_of) && !is.null(base_of[[s]])) i[treat[i] == base_of[[s]]] else i[1]
    o <- setdiff(i, b)
    rows[[length(rows) + 1]] <- data.frame(study = s, treat1 = treat[o], treat2 = treat[b],
                                           yi = a[o] - a[b], vi = va[o] + va[b])
    Vs <- matrix(va[b], length(o), length(o)); diag(Vs) <- va[o] + va[b]
    blocks[[length(blocks) + 1]] <- Vs
  }
  list(dat = do.call(rbind, rows), V = as.matrix(bldiag(blocks)))
}

# SMD (escalc "SMD", vtype "LS") with the shared-arm covariance 1/n_b + g_i g_j / (2 N)
# (Gleser & Olkin 2009), as metafor's dat.gleser2009 example
smd_contrasts <- function(study, treat, m, sd, n, order) {
  rows <- list(); blocks <- list()
  for (s in unique(study)) {
    i <- which(study == s)
    i <- i[order(match(treat[i], order))]
    b <- i[1]; o <- i[-1]
    es <- escalc("SMD", m1i = m[o], sd1i = sd[o], n1i = n[o], m2i = rep(m[b], length(o)),
                 sd2i = rep(sd[b], length(o)), n2i = rep(n[b], length(o)))
    rows[[length(rows) + 1]] <- data.frame(study = s, treat1 = treat[o], treat2 = treat[b],
                                           yi = num(es$yi), vi = num(es$vi))
    Vs <- 1 / n[b] + outer(num(es$yi), num(es$yi)) / (2 * sum(n[i]))
    diag(Vs) <- num(es$vi)
    blocks[[length(blocks) + 1]] <- Vs
  }
  list(dat = do.call(rbind, rows), V = as.matrix(bldiag(blocks)))
}

xmat <- function(dat, order) {
  X <- sapply(order[-1], function(t) (dat$treat1 == t) - (dat$treat2 == t))
  matrix(X, nrow = nrow(dat), dimnames = list(NULL, order[-1]))
}

gmat <- function(dat) {
  G <- outer(dat$study, dat$study, "==") * 0.5
  diag(G) <- 1
  G
}

tau2_moment <- function(dat, V, X) {
  fe <- rma.mv(dat$yi, V, mods = X, intercept = FALSE, method = "FE")
  W <- solve(V)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  df <- nrow(X) - ncol(X)
  max(0, (fe$QE - df) / sum(diag(P %*% gmat(dat))))
}

fit <- function(dat, V, X, method, tau2 = NULL) {
  dat$comp <- paste(dat$treat1, dat$treat2, sep = "-")
  if (method == "FE" || (!is.null(tau2) && tau2 == 0 && method != "REML"))
    return(rma.mv(dat$yi, V, mods = X, intercept = FALSE, method = "FE"))
  if (!is.null(tau2))
    return(rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1/2,
                  tau2 = tau2, data = dat))
  # best REML fit over several optimisers (a flat likelihood can stop one early)
  best <- NULL
  for (ct in list(list(rel.tol = 1e-12, iter.max = 1000), list(), list(optimizer = "optim"),
                  list(optimizer = "bobyqa"))) {
    r <- tryCatch(rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study,
                         rho = 1/2, method = "REML", data = dat, control = ct),
                  error = function(e) NULL)
    if (!is.null(r) && (is.null(best) || logLik(r) > logLik(best) + 1e-12)) best <- r
  }
  best
}

tau2_of <- function(res) if (is.null(res$tau2)) 0 else res$tau2

qgen <- function(res, y) {
  r <- y - fitted(res)
  M <- if (is.null(res$M)) res$V else res$M
  num(t(r) %*% solve(M) %*% r)
}

nodesplits <- function(arm_fun, base_dat, order, tau2, method) {
  designs <- tapply(c(base_dat$treat1, base_dat$treat2), c(base_dat$study, base_dat$study),
                    function(x) unique(x))
  pairs <- list()
  for (i in seq_along(order)) for (j in seq_along(order)) if (i < j) {
    A <- order[i]; B <- order[j]
    st <- names(designs)[sapply(designs, function(d) all(c(A, B) %in% d))]
    if (length(st)) pairs[[length(pairs) + 1]] <- list(A = A, B = B, studies = st)
  }
  out <- list()
  for (p in pairs) {
    base_of <- setNames(as.list(rep(p$A, length(p$studies))), p$studies)
    cc <- arm_fun(base_of)
    d <- cc$dat
    X <- xmat(d, order)
    w <- as.numeric(d$study %in% p$studies & d$treat1 == p$B & d$treat2 == p$A)
    Xw <- cbind(X, w = w)
    if (qr(Xw)$rank < ncol(Xw)) next
    res <- if (method == "FE") fit(d, cc$V, Xw, "FE") else fit(d, cc$V, Xw, "fixed", tau2 = tau2)
    cvec <- (colnames(Xw) == p$B) - (colnames(Xw) == p$A)
    cd <- cvec; cd[length(cd)] <- 1
    vb <- vcov(res); b <- coef(res)
    out[[length(out) + 1]] <- list(
      treat1 = p$B, treat2 = p$A, k_direct = length(p$studies),
      direct = num(cd %*% b), se_direct = sqrt(num(t(cd) %*% vb %*% cd)),
      indirect = num(cvec %*% b), se_indirect = sqrt(num(t(cvec) %*% vb %*% cvec)),
      diff = num(b[length(b)]), se_diff = sqrt(vb[length(b), length(b)]),
      pval = num(res$pval[length(b)]))
  }
  out
}

pscores <- function(b, vb, order, small_good = TRUE) {
  bb <- c(0, b); V <- matrix(0, length(order), length(order)); V[-1, -1] <- vb
  sapply(seq_along(order), function(i) mean(sapply(setdiff(seq_along(order), i), function(j) {
    z <- (bb[i] - bb[j]) / sqrt(V[i, i] + V[j, j] - 2 * V[i, j])
    pnorm(if (small_good) -z else z)
  })))
}

make_case <- function(name, call, cc, order, method, arm_fun, input) {
  dat <- cc$dat; V <- cc$V
  X <- xmat(dat, order)
  tau2 <- switch(method, FE = 0, DL = tau2_moment(dat, V, X), REML = NA)
  res <- if (method == "REML") fit(dat, V, X, "REML") else fit(dat, V, X, method, tau2 = tau2)
  tau2 <- tau2_of(res)
  pr <- predict(res, newmods = diag(ncol(X)))
  fe <- fit(dat, V, X, "FE")
  # design-by-treatment
  design <- ave(paste(dat$treat1, dat$treat2), dat$study, FUN = function(x) "")
  des <- sapply(dat$study, function(s) {
    t <- unique(c(dat$treat1[dat$study == s], dat$treat2[dat$study == s]))
    paste(t[order(match(t, order))], collapse = ":")
  })
  Xf <- model.matrix(~ factor(paste(des, dat$treat1)) - 1)
  fe_full <- rma.mv(dat$yi, V, mods = Xf, intercept = FALSE, method = "FE")
  tau2_full <- switch(method, FE = 0, DL = tau2_moment(dat, V, Xf),
                      REML = tau2_of(fit(dat, V, Xf, "REML")))
  q_inc <- qgen(fit(dat, V, X, "fixed", tau2 = tau2_full), dat$yi) -
           qgen(fit(dat, V, Xf, "fixed", tau2 = tau2_full), dat$yi)
  list(name = name, call = call, method = method, reference = order[1], treatments = order,
       input = input,
       output = list(
         contrasts = list(study = dat$study, treat1 = dat$treat1, treat2 = dat$treat2,
                          yi = num(dat$yi), V = unname(V)),
         b = num(coef(res)), se = num(res$se), tau2 = tau2,
         logLik = if (method == "REML") num(logLik(res)) else NA,
         QE = num(fe$QE), QEdf = num(fe$k - fe$p),
         pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
         Q_within = num(fe_full$QE), df_within = num(fe_full$k - fe_full$p),
         Q_between = num(fe$QE - fe_full$QE), df_between = num(fe_full$p - fe$p),
         tau2_full = tau2_full, Q_inc = q_inc,
         nodesplit = nodesplits(arm_fun, dat, order, tau2, method),
         pscores = pscores(num(coef(res)), vcov(res), order)))
}

cases <- list()

# --- Senn 2013: MD (arm input) ------------------------------------------------------------
s <- dat.senn2013
ord_s <- net_order(s$treatment, "placebo")
senn_md <- function(base_of = NULL) arms_to_contrasts(s$study, s$treatment, s$mi, s$sdi^2 / s$ni, ord_s, base_of)
for (m in c("FE", "REML", "DL"))
  cases[[length(cases) + 1]] <- make_case(
    paste0("senn2013_MD_", m), "netmeta-as-rma.mv on escalc-free MD contrasts vs baseline",
    senn_md(), ord_s, m, senn_md,
    list(kind = "arms_md", study = s$study, treat = s$treatment, mean = s$mi, sd = s$sdi, n = s$ni))

# --- Senn 2013: SMD (arm input) -----------------------------------------------------------
senn_smd <- function(base_of = NULL) {
  if (!is.null(base_of)) return(NULL)
  smd_contrasts(s$study, s$treatment, s$mi, s$sdi, s$ni, ord_s)
}
for (m in c("FE", "REML", "DL")) {
  cc <- senn_smd()
  dat <- cc$dat; X <- xmat(dat, ord_s)
  tau2 <- switch(m, FE = 0, DL = tau2_moment(dat, cc$V, X), REML = NA)
  res <- if (m == "REML") fit(dat, cc$V, X, "REML") else fit(dat, cc$V, X, m, tau2 = tau2)
  cases[[length(cases) + 1]] <- list(
    name = paste0("senn2013_SMD_", m), method = m, reference = "placebo", treatments = ord_s,
    call = "escalc('SMD') vs baseline, V off-diagonal 1/n_b + g_i g_j/(2N); rma.mv as above",
    input = list(kind = "arms_smd", study = s$study, treat = s$treatment, mean = s$mi, sd = s$sdi, n = s$ni),
    output = list(contrasts = list(study = dat$study, treat1 = dat$treat1, treat2 = dat$treat2,
                                   yi = num(dat$yi), V = unname(cc$V)),
                  b = num(coef(res)), se = num(res$se), tau2 = tau2_of(res),
                  logLik = if (m == "REML") num(logLik(res)) else NA))
}

# --- Hasselblad 1998 and Dong 2013: log odds ratios (contrast input with V) ---------------
logodds <- function(x, n) list(a = log((x + 0.5) / (n - x + 0.5)), va = 1 / (x + 0.5) + 1 / (n - x + 0.5))
h <- dat.hasselblad1998
ord_h <- net_order(h$trt, "no_contact")
lh <- logodds(h$xi, h$ni)
hass <- function(base_of = NULL) arms_to_contrasts(as.character(h$study), h$trt, lh$a, lh$va, ord_h, base_of)
d <- dat.dong2013
ord_d <- net_order(d$treatment, "Placebo")
ld <- logodds(d$death, d$randomized)
dong <- function(base_of = NULL) arms_to_contrasts(as.character(d$id), d$treatment, ld$a, ld$va, ord_d, base_of)
for (m in c("FE", "REML", "DL")) {
  cc <- hass()
  cases[[length(cases) + 1]] <- make_case(
    paste0("hasselblad1998_logOR_", m), "log odds (x+1/2)/(n-x+1/2) per arm; contrasts vs baseline; shared-arm covariance",
    cc, ord_h, m, hass, list(kind = "contrasts_V"))
  cc <- dong()
  cases[[length(cases) + 1]] <- make_case(
    paste0("dong2013_logOR_", m), "log odds (x+1/2)/(n-x+1/2) per arm; contrasts vs baseline; shared-arm covariance",
    cc, ord_d, m, dong, list(kind = "contrasts_V"))
}

write_reference(cases, "metafor_netmeta.json", "validation/metafor/netmeta.R")
