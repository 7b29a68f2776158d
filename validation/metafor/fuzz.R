# Seeded fuzz references for the defect classes of issue 11: precision with a common offset
# (yi + 1e6, 1e7), one-study sub-fits under t/knha/adhoc, failed deletion fits in influence,
# trim and fill with one study left, identical effects under knha, confint's control
# (tau2.max, tol), and "precision on demand" (tight threshold/tol for every estimator).
# Data are random draws (set.seed below): algorithm fixtures, not evidence.
# Run from the repository root:  Rscript validation/metafor/fuzz.R
# Writes tests/data/metafor_fuzz.json (read by tests/test_fuzz_metafor.py).
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

METHODS <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))
TIGHT <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
TIGHT_CI <- list(tol = 1e-12)

set.seed(20261205)
draw <- function(k, p) {
  vi <- round(runif(k, 0.005, 0.3), 4)
  x1 <- round(runif(k, 0, 10), 2)
  x2 <- round(runif(k, -1, 1), 2)
  tau <- sample(c(0, 0.1, 0.4), 1)
  yi <- round(0.3 + (p > 1) * 0.05 * x1 + rnorm(k, 0, sqrt(vi + tau^2)), 3)
  d <- data.frame(yi = yi, vi = vi)
  if (p > 1) d$x1 <- x1
  if (p > 2) d$x2 <- x2
  d
}
DATA <- list()
for (i in 1:12) {
  k <- c(4, 6, 9, 15)[(i - 1) %% 4 + 1]
  p <- c(1, 1, 2, 3)[(i - 1) %/% 4 + 1]
  DATA[[i]] <- list(id = sprintf("fuzz%02d", i), data = draw(k, p),
                    mods = c(NA, "~ x1", "~ x1 + x2")[p], offset = c(0, 1e6, 1e7)[(i - 1) %% 3 + 1])
}

rma_out <- function(res, ci_control = NULL) {
  pr <- predict(res)
  out <- list(b = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
              ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub), tau2 = num(res$tau2),
              se.tau2 = num(res$se.tau2), QE = num(res$QE), QM = num(res$QM), QMp = num(res$QMp),
              I2 = num(res$I2), H2 = num(res$H2),
              pred = num(pr$pred), pi.lb = num(pr$pi.lb), pi.ub = num(pr$pi.ub))
  if (!is.element(res$method, c("FE", "k1"))) {
    ci <- try(suppressWarnings(if (is.null(ci_control)) confint(res) else
      confint(res, control = ci_control)), silent = TRUE)
    if (!inherits(ci, "try-error"))
      out$confint <- list(tau2 = num(ci$random[1, ]), lb.sign = ci$lb.sign, ub.sign = ci$ub.sign)
  }
  out
}

case <- function(name, call, input, expr) {
  res <- try(suppressWarnings(expr), silent = TRUE)
  if (inherits(res, "try-error"))
    res <- list(error = conditionMessage(attr(res, "condition")))
  list(name = name, call = call, input = input, output = res)
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

## 1 + 8: every estimator, tests z and knha, offsets 0 / 1e6 / 1e7; and tight control ----
for (D in DATA) {
  d <- D$data
  d$yi <- d$yi + D$offset
  for (m in METHODS) for (tt in c("z", "knha", "tight")) {
    control <- if (tt == "tight") TIGHT else NULL
    test <- if (tt == "tight") "z" else tt
    args <- list(yi = d$yi, vi = d$vi, data = d, method = m, test = test)
    if (!is.na(D$mods)) args$mods <- as.formula(D$mods)
    if (!is.null(control) && m != "FE") args$control <- control
    call <- sprintf("rma(yi + %g, vi, %sdata = %s, method = \"%s\", test = \"%s\"%s)%s",
                    D$offset, if (is.na(D$mods)) "" else paste0("mods = ", D$mods, ", "), D$id,
                    m, test, if (is.null(args$control)) "" else ", control = TIGHT",
                    if (tt == "tight") "; confint(control = list(tol = 1e-12))" else "")
    add(case(sprintf("rma/%s/%s/%s", D$id, m, tt), call,
             list(data = as.list(D$data), offset = D$offset, mods = if (is.na(D$mods)) NULL else D$mods,
                  method = m, test = test, control = args$control,
                  ci_control = if (tt == "tight") TIGHT_CI else NULL),
             local({
               out <- rma_out(do.call(rma, args), if (tt == "tight") TIGHT_CI else NULL)
               # metafor's confint() works on uncentred yi (cbind(yi)) and drifts with the
               # offset (validation/README.md): the same model without the offset
               args0 <- args
               args0$yi <- D$data$yi
               args0$data <- D$data
               out$confint0 <- rma_out(do.call(rma, args0), if (tt == "tight") TIGHT_CI else NULL)$confint
               out
             })))
  }
}

## 3: one-study sub-fits: cumul (first row), leave1out and influence at k = 2 -----------
tab <- function(x) lapply(as.data.frame(x), num)
# cumul/leave1out columns by position (names vary with the test: zval/tval, pval/pvals)
COLS <- c("estimate", "se", "zval", "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2")
sens <- function(x) { d <- as.data.frame(x)[, 1:9]; names(d) <- COLS; tab(d) }
infl <- function(i, cols) lapply(setNames(cols, cols), function(cc) num(i$inf[[cc]]))
small <- data.frame(yi = c(0.1, 0.3, 0.5, 0.2), vi = c(0.01, 0.02, 0.03, 0.015))
for (tt in c("t", "knha", "adhoc")) for (m in c("DL", "REML")) {
  r4 <- rma(small$yi, small$vi, method = m, test = tt)
  r2 <- rma(small$yi[1:2], small$vi[1:2], method = m, test = tt)
  inp <- list(data = as.list(small), method = m, test = tt)
  add(case(sprintf("cumul/%s/%s", m, tt), "cumul(rma(yi, vi, method, test))", inp,
           sens(cumul(r4))))
  add(case(sprintf("leave1out_k2/%s/%s", m, tt), "leave1out(rma(yi[1:2], vi[1:2], method, test))", inp,
           sens(leave1out(r2))))
  inf <- influence(r2)
  add(case(sprintf("influence_k2/%s/%s", m, tt), "influence(rma(yi[1:2], vi[1:2], method, test))", inp,
           c(infl(inf, c("rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight")),
             list(dfbs = num(inf$dfbs[[1]]), inf = as.logical(inf$is.infl)))))
}

## 4 + 6: influence with k = p + 1 (every deletion fit has k = p): NA rows, is.infl NA ----
kp <- data.frame(yi = c(0.2, -0.4, 0.9), vi = c(0.02, 0.05, 0.03), x = c(0, 1, 3))
for (m in c("ML", "REML", "EB")) {
  inf <- influence(rma(yi, vi, mods = ~ x, data = kp, method = m))
  add(case(sprintf("influence_kp1/%s", m), "influence(rma(yi, vi, mods = ~ x, method))",
           list(data = as.list(kp), method = m),
           c(infl(inf, c("rstudent", "hat", "weight")), list(inf = as.logical(inf$is.infl)))))
}

## 6: trim and fill with one study left after trimming (k0 = k - 1) ----------------------
tf <- data.frame(yi = c(0, 1, 2), vi = c(1e-4, 1, 1))
for (m in METHODS) {
  t <- trimfill(rma(tf$yi, tf$vi, method = m))
  add(case(sprintf("trimfill_k1/%s", m), "trimfill(rma(c(0, 1, 2), c(1e-4, 1, 1), method))",
           list(data = as.list(tf), method = m),
           list(k0 = t$k0, side = t$side, b = num(t$beta), se = num(t$se), tau2 = num(t$tau2),
                se.k0 = num(t$se.k0))))
}

## 6: identical effects under knha / adhoc: se = 0, QM NA ----------------------------------
for (tt in c("knha", "adhoc")) {
  r <- rma(rep(0.3, 4), c(0.01, 0.02, 0.03, 0.015), test = tt)
  add(case(sprintf("identical/%s", tt), "rma(rep(0.3, 4), vi, test)",
           list(data = list(yi = rep(0.3, 4), vi = c(0.01, 0.02, 0.03, 0.015)), test = tt),
           list(b = num(r$beta), se = num(r$se), pval = num(r$pval), ci.lb = num(r$ci.lb),
                QM = num(r$QM), QMp = num(r$QMp))))
}

## 6: confint honours the model's control tau2.max and confint's own control ------------
cd <- data.frame(yi = c(0.1, 0.5, 0.9, 0.2, 1.5), vi = c(0.01, 0.02, 0.03, 0.015, 0.02))
r <- rma(cd$yi, cd$vi, control = list(tau2.max = 0.5))
ci <- confint(r)
add(case("confint/model_tau2max", "confint(rma(yi, vi, control = list(tau2.max = 0.5)))",
         list(data = as.list(cd), control = list(tau2.max = 0.5)),
         list(tau2 = num(ci$random[1, ]), lb.sign = ci$lb.sign, ub.sign = ci$ub.sign)))
ci <- confint(rma(cd$yi, cd$vi), control = list(tau2.max = 0.5, tol = 1e-12))
add(case("confint/control", "confint(rma(yi, vi), control = list(tau2.max = 0.5, tol = 1e-12))",
         list(data = as.list(cd), ci_control = list(tau2.max = 0.5, tol = 1e-12)),
         list(tau2 = num(ci$random[1, ]), lb.sign = ci$lb.sign, ub.sign = ci$ub.sign)))

## 1: permutest with a common offset (exact): p includes the observed ordering ------------
pd <- data.frame(yi = c(0.21, 0.35, -0.05, 0.48, 0.12, 0.3) + 1e6,
                 vi = c(0.02, 0.03, 0.015, 0.04, 0.025, 0.02), x = c(1, 2, 3, 4, 5, 6))
for (m in c("DL", "REML")) {
  p1 <- permutest(rma(yi, vi, data = pd, method = m), exact = TRUE)
  add(case(sprintf("permutest_offset/int/%s", m), "permutest(rma(yi + 1e6, vi, method), exact = TRUE)",
           list(data = as.list(pd), method = m, mods = NULL),
           list(pval = num(p1$pval), QMp = num(p1$QMp), zval = num(p1$zval))))
  p2 <- permutest(rma(yi, vi, mods = ~ x, data = pd, method = m), exact = TRUE)
  add(case(sprintf("permutest_offset/x/%s", m), "permutest(rma(yi + 1e6, vi, mods = ~ x, method), exact = TRUE)",
           list(data = as.list(pd), method = m, mods = "~ x"),
           list(pval = num(p2$pval), QMp = num(p2$QMp), zval = num(p2$zval))))
}

## 1: rma.mv with a common offset (konstantopoulos2011, district/school) ------------------
dk <- dat.konstantopoulos2011
for (off in c(0, 1e6, 1e7)) {
  # (metafor's nlminb may fail at large offsets: the error is recorded)
  add(case(sprintf("rma_mv_offset/%g", off),
           sprintf("rma.mv(yi + %g, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011)", off),
           list(offset = off),
           local({
             r <- rma.mv(yi + off, vi, random = ~ 1 | district/school, data = dk)
             list(b = num(r$beta), se = num(r$se), sigma2 = num(r$sigma2), QE = num(r$QE),
                  ll = num(logLik(r)))
           })))
}

## 4: stepadj = 1e300: ML converges (the halved steps stay finite); REML and EB loop forever
## in metafor 3.8.1 (not run here; runecon raises ConvergenceError)
r <- rma(small$yi, small$vi, method = "ML", control = list(stepadj = 1e300))
add(case("stepadj1e300/ML", "rma(yi, vi, method = \"ML\", control = list(stepadj = 1e300))",
         list(data = as.list(small), method = "ML"), list(tau2 = num(r$tau2), b = num(r$beta))))

write_reference(cases, "metafor_fuzz.json", "validation/metafor/fuzz.R")
