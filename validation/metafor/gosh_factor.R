# GOSH with a categorical moderator: subsets that leave out a factor level cannot be fitted and
# are counted as failed (tests/test_metafor_sensitivity.py). Synthetic algorithm test data, not
# evidence. Run from the repository root: Rscript validation/metafor/gosh_factor.R
source("validation/metafor/_common.R")
d <- data.frame(yi = c(-.9, -1.6, -1.3, -1.4, -.2, -.8, -1.6, 0, -.5, -1.4),
                vi = c(.3, .2, .4, .02, .05, .007, .2, .004, .06, .07),
                g = strsplit("aabbbccddd", "")[[1]])
g <- gosh(rma(yi, vi, mods = ~ g, data = d, method = "DL"), progbar = FALSE)
cases <- list(list(
  name = "gosh_dl_factor_moderator",
  call = 'gosh(rma(yi, vi, mods = ~ g, data = d, method = "DL"))',
  input = list(yi = d$yi, vi = d$vi, g = d$g),
  output = list(n_subsets = nrow(g$res), n_failed = sum(!g$fit),
                mean_I2 = mean(g$res$I2, na.rm = TRUE),
                mean_intrcpt = mean(g$res$intrcpt, na.rm = TRUE))
))
write_reference(cases, "metafor_gosh_factor.json", "validation/metafor/gosh_factor.R")
