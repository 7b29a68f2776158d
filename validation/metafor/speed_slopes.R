# Reference values for runecon.speed_slopes: within-group and between-group speed slopes of
# the training effect on running economy (Llanos-Lagos 2024a data), per method and as the
# difference of two methods' within-group slopes:
#   rma.mv(yi, vi, mods = ~ speed_within + speed_between, random = ~ 1 | group/es_id,
#          method = "REML", test = "t")   (cluster = group; best of metafor's optimizers,
# as rma_mv.R: the likelihood is flat near sigma2 = 0 and nlminb alone may stop early)
# with speed_between = the group's mean test speed and speed_within = speed - speed_between
# (Begg & Parides 2003, doi:10.1002/sim.1524), and for the contrast one model of both
# methods' rows with every coefficient method-specific:
#   mods = ~ isb + w + w:isb + b + b:isb  (isb = 1 for the second method)
# whose w:isb coefficient is the second method's within slope minus the first's.
#
# Input: validation/metafor/speed_slopes_input.csv, the effect sizes as runecon.comparisons(
# "running_economy", review = "llanoslagos2024a") computes them (rows with a printed speed in
# km/h; yi, vi to 17 digits; group = study/arm). The effect sizes themselves are checked
# against metafor by rma_mv.R; this script checks the speed model fitted to them.
# tests/test_speed.py checks that the input still equals what runecon computes.
#
# Run from the repository root:  Rscript validation/metafor/speed_slopes.R
source("validation/metafor/_common.R")
source("validation/metafor/_multilevel.R")

num <- function(x) unname(as.numeric(x))
dat <- read.csv("validation/metafor/speed_slopes_input.csv", stringsAsFactors = FALSE)
dat$speed_between <- ave(dat$speed_kmh, dat$group, FUN = mean)
dat$speed_within <- dat$speed_kmh - dat$speed_between
dat$cluster <- dat$group

lincomb <- function(res, cvec) {
  est <- sum(cvec * coef(res))
  se <- sqrt(drop(t(cvec) %*% vcov(res) %*% cvec))
  q <- qt(0.975, res$ddf[1])
  list(estimate = est, se = se, ci_lb = est - q * se, ci_ub = est + q * se,
       pval = 2 * pt(abs(est / se), res$ddf[1], lower.tail = FALSE))
}

cases <- list()
for (m in c("high_load", "plyometric", "combined", "submaximal")) {
  d <- dat[dat$method == m, ]
  res <- fit_best(d, ~ speed_within + speed_between, "REML", "t")
  cases[[length(cases) + 1]] <- list(
    name = paste0("within_between_", m), optimizer = attr(res, "optimizer"),
    call = "rma.mv(yi, vi, mods = ~ speed_within + speed_between, random = ~ 1 | cluster/es_id, method = \"REML\", test = \"t\")",
    input = list(method = m, k = nrow(d)),
    output = list(beta = num(coef(res)), se = num(res$se), sigma2 = num(res$sigma2),
                  ddf = num(res$ddf), within = lincomb(res, c(0, 1, 0)),
                  between = lincomb(res, c(0, 0, 1)), diff = lincomb(res, c(0, 1, -1))))
}

a <- "high_load"; b <- "plyometric"
d <- dat[dat$method %in% c(a, b), ]
d$isb <- as.numeric(d$method == b)
res <- fit_best(d, ~ isb + speed_within + speed_within:isb + speed_between + speed_between:isb,
               "REML", "t")
cases[[length(cases) + 1]] <- list(
  name = "contrast_high_load_plyometric",
  call = "rma.mv(yi, vi, mods = ~ isb + w + w:isb + b + b:isb, random = ~ 1 | cluster/es_id, method = \"REML\", test = \"t\")",
  input = list(method_a = a, method_b = b, k = nrow(d)),
  output = list(sigma2 = num(res$sigma2),
                contrast = lincomb(res, as.numeric(names(coef(res)) == "isb:speed_within")),
                coef_names = rownames(coef(summary(res)))))

write_reference(cases, "metafor_speed_slopes.json", "validation/metafor/speed_slopes.R")
