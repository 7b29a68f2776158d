# Reference values for rma(..., btt=) (which coefficients the omnibus test QM tests) and
# confint(res, fixed = TRUE) (the coefficients' CIs next to the tau^2 CIs).
# dat.bcg log risk ratios, mods = ~ ablat + year + factor(alloc) (5 coefficients).
# Run from the repository root:  Rscript validation/metafor/btt.R
# Writes tests/data/metafor_btt.json (read by tests/test_metafor_btt.py).
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), ablat = bcg$ablat,
                  year = bcg$year, alloc = bcg$alloc, slab = paste(bcg$author, bcg$year),
                  stringsAsFactors = FALSE)
MODS <- "~ ablat + year + factor(alloc)"
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))

# btt as given to metafor (NULL = default) and its label in the case name
BTTS <- list(default = NULL, "2" = 2, "2:3" = 2:3, "4:5" = 4:5, "2,4" = c(2, 4),
             "alloc" = "alloc", "1" = 1)

fit_case <- function(method, test, bname, level = 95, confint_fixed = FALSE) {
  btt <- BTTS[[bname]]
  args <- list(yi = bcg$yi, vi = bcg$vi, mods = as.formula(MODS), data = bcg,
               method = method, test = test, level = level)
  if (!is.null(btt)) args$btt <- btt
  res <- do.call(rma, args)
  call <- sprintf("rma(yi, vi, mods = %s, data = bcg, method = \"%s\", test = \"%s\"%s%s)",
                  MODS, method, test, if (is.null(btt)) "" else paste0(", btt = ", deparse(btt)),
                  if (level == 95) "" else paste0(", level = ", level))
  printed <- capture.output(print(res))
  out <- list(coef_names = rownames(res$beta), btt = num(res$btt), QM = num(res$QM),
              QMp = num(res$QMp), QMdf = num(res$QMdf), ddf = num(res$ddf),
              b = num(res$beta), ci.lb = num(res$ci.lb), ci.ub = num(res$ci.ub),
              moderator_test_title = grep("^Test of Moderators", printed, value = TRUE),
              moderator_test_line = printed[grep("^Test of Moderators", printed) + 1])
  if (confint_fixed) {
    ci <- confint(res, fixed = TRUE)
    out$confint <- list(fixed_rows = rownames(ci$fixed), fixed.estimate = num(ci$fixed[, 1]),
                        fixed.ci.lb = num(ci$fixed[, 2]), fixed.ci.ub = num(ci$fixed[, 3]),
                        random.estimate = num(ci$random[, 1]), random.ci.lb = num(ci$random[, 2]),
                        random.ci.ub = num(ci$random[, 3]))
    call <- paste0(call, "; confint(res, fixed = TRUE)")
  }
  input <- list(data = as.list(bcg), mods = MODS, method = method, test = test, level = level,
                btt = btt, confint_fixed = confint_fixed)
  list(name = paste0(method, "/", test, "/btt=", bname, if (level == 95) "" else paste0("/level", level)),
       call = call, input = input, output = out)
}

cases <- list()
for (m in c("REML", "DL")) for (tt in c("z", "knha", "t")) for (b in names(BTTS)) {
  cf <- b %in% c("default", "2:3") && tt != "t"
  cases[[length(cases) + 1]] <- fit_case(m, tt, b, confint_fixed = cf)
}
# confint(fixed = TRUE) at a level other than the model's is the Wald CI at that level:
# here the model is fitted at level 90 and confint uses it too
cases[[length(cases) + 1]] <- fit_case("REML", "t", "2:3", level = 90, confint_fixed = TRUE)

write_reference(cases, "metafor_btt.json", "validation/metafor/btt.R")
