# Reference values for formula moderators with interactions (runecon._design): metafor's
# rma()/rma.mv() with mods = ~ a * b, ~ a:b, factor x factor, numeric x numeric, and the
# column names of model.matrix() for a set of formulas.
# Run from the repository root:  Rscript validation/metafor/formula.R
# Writes tests/data/metafor_formula.json (read by tests/test_metafor_formula.py).
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))

## data ------------------------------------------------------------------------------------
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
# era: a second (character) factor; the cut at 1970 leaves every alloc x era cell non-empty
bcg <- data.frame(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), ablat = bcg$ablat,
                  year = bcg$year, alloc = bcg$alloc,
                  era = ifelse(bcg$year > 1970, "late", "early"), stringsAsFactors = FALSE)
bcg_new <- data.frame(ablat = c(20, 40, 55), year = c(1950, 1972, 1978),
                      alloc = c("random", "systematic", "alternate"),
                      era = c("early", "late", "late"), stringsAsFactors = FALSE)

# Llanos-Lagos et al. (2024): high-load and plyometric running-economy comparisons with a
# reported speed, as runecon.comparisons("running_economy", review = "llanoslagos2024a")
# computes them (values printed by Python with 17 significant digits; the test checks
# that runecon still gives these yi/vi before comparing the fit).
ll <- data.frame(
  cluster = c("achedias2016/plyometric", "berryman2010/plyometric", "damasceno2015/high_load", "ferrauti2010/high_load", "ferrauti2010/high_load", "li2019/high_load", "li2019/high_load", "li2019/high_load", "lum2019/plyometric", "lum2019/plyometric", "mikkola2011/high_load", "mikkola2011/high_load", "pellegrino2016/plyometric", "pellegrino2016/plyometric", "pellegrino2016/plyometric", "pellegrino2016/plyometric", "pellegrino2016/plyometric", "pellegrino2016/plyometric", "pellegrino2016/plyometric", "piacentini2013/high_load", "piacentini2013/high_load", "piacentini2013/high_load", "saunders2006/plyometric", "saunders2006/plyometric", "skovgaard2014/high_load", "spurrs2003/plyometric", "spurrs2003/plyometric", "spurrs2003/plyometric", "stohanzl2018/plyometric_1", "stohanzl2018/plyometric_1", "stohanzl2018/plyometric_2", "stohanzl2018/plyometric_2", "turner2003/plyometric", "turner2003/plyometric", "vikmoen2016/high_load", "vorup2016/high_load", "vorup2016/high_load"),
  es_id = c("achedias2016/plyometric/running_economy/1", "berryman2010/plyometric/running_economy/1", "damasceno2015/high_load/running_economy/1", "ferrauti2010/high_load/running_economy/1", "ferrauti2010/high_load/running_economy/2", "li2019/high_load/running_economy/1", "li2019/high_load/running_economy/2", "li2019/high_load/running_economy/3", "lum2019/plyometric/running_economy/1", "lum2019/plyometric/running_economy/2", "mikkola2011/high_load/running_economy/1", "mikkola2011/high_load/running_economy/2", "pellegrino2016/plyometric/running_economy/1", "pellegrino2016/plyometric/running_economy/2", "pellegrino2016/plyometric/running_economy/3", "pellegrino2016/plyometric/running_economy/4", "pellegrino2016/plyometric/running_economy/5", "pellegrino2016/plyometric/running_economy/6", "pellegrino2016/plyometric/running_economy/7", "piacentini2013/high_load/running_economy/1", "piacentini2013/high_load/running_economy/2", "piacentini2013/high_load/running_economy/3", "saunders2006/plyometric/running_economy/1", "saunders2006/plyometric/running_economy/2", "skovgaard2014/high_load/running_economy/1", "spurrs2003/plyometric/running_economy/1", "spurrs2003/plyometric/running_economy/2", "spurrs2003/plyometric/running_economy/3", "stohanzl2018/plyometric_1/running_economy/2", "stohanzl2018/plyometric_1/running_economy/3", "stohanzl2018/plyometric_2/running_economy/2", "stohanzl2018/plyometric_2/running_economy/3", "turner2003/plyometric/running_economy/1", "turner2003/plyometric/running_economy/2", "vikmoen2016/high_load/running_economy/1", "vorup2016/high_load/running_economy/1", "vorup2016/high_load/running_economy/2"),
  method = c("plyometric", "plyometric", "high_load", "high_load", "high_load", "high_load", "high_load", "high_load", "plyometric", "plyometric", "high_load", "high_load", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "high_load", "high_load", "high_load", "plyometric", "plyometric", "high_load", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "plyometric", "high_load", "high_load", "high_load"),
  speed_kmh = c(9.0, 12.0, 12.0, 10.08, 8.64, 16.0, 12.0, 14.0, 12.0, 10.0, 12.0, 10.0, 12.1, 7.74, 9.18, 10.62, 13.53, 14.97, 16.41, 11.75, 9.75, 10.75, 16.0, 18.0, 12.0, 14.0, 12.0, 16.0, 7.0, 9.0, 7.0, 9.0, 11.27, 9.65, 10.0, 15.0, 11.0),
  yi = c(0.022528852179155817, -0.9249565844096641, 0.046437596138002565, -0.3037252202805153, 0.09460478369656025, -0.6218435033640258, 0.04132438304769699, -0.2906411674244235, -0.08446736960158721, 0.037437672916259525, 0.20727329482977835, 0.0, 0.0, -0.21752789232356814, -0.38671625301319895, -0.36254648722156285, 0.4590484826079199, 0.3080342512902899, 0.5075948837988186, 0.43409057360146375, -0.1835172063603245, -0.7893897154817653, 0.32007762882589114, 0.16640238402582197, -0.244024713173577, -0.22124205720835277, -0.507134722979484, -0.344169585425096, -0.22909784869726027, -0.24070461969170198, -0.08845747691725064, -0.02092413375689703, -0.3422805726685414, -0.7271020117763033, 0.202661057857102, -0.4820031132219238, -0.6267163154371437),
  vi = c(0.20152240212159053, 0.28668308514233154, 0.2015682049314396, 0.1703397113041837, 0.16844655347836154, 0.21224967416313315, 0.20155573977308391, 0.20385475598329392, 0.25053683940897753, 0.25033208379561944, 0.23324028872554578, 0.23197669405644014, 0.16824314290794626, 0.16931856072473564, 0.1716419942794137, 0.17123041462150748, 0.1730323590303243, 0.17039962245267284, 0.1740988830456448, 0.3147932268213804, 0.3077588604095918, 0.33455238576768653, 0.2405885621394224, 0.23809656430391146, 0.18058434428866557, 0.2140849513520638, 0.22020958603952537, 0.2161292059301196, 0.25985271618144357, 0.2600407468594854, 0.24493147852506603, 0.2447076328932754, 0.20728149039480592, 0.2187126388698849, 0.19804130377777515, 0.23419834987894567, 0.23921229796892948), stringsAsFactors = FALSE)
ll_new <- data.frame(speed_kmh = c(10, 14, 10, 14), method = c("high_load", "high_load",
                     "plyometric", "plyometric"), stringsAsFactors = FALSE)

# model matrix of `newdata` with the columns (and factor levels) of the fit: stack it under
# the fitted data so that factor() and character columns keep the fitted levels
new_X <- function(f, d, newdata) {
  both <- rbind(d[, names(newdata)], newdata)
  X <- model.matrix(as.formula(f), both)
  X[(nrow(d) + 1):nrow(both), -1, drop = FALSE]
}

fit_out <- function(res, f, d, newdata) {
  pr <- predict(res, newmods = new_X(f, d, newdata))
  list(coef_names = rownames(res$beta), b = num(res$beta), se = num(res$se),
       zval = num(res$zval), pval = num(res$pval), ci.lb = num(res$ci.lb),
       ci.ub = num(res$ci.ub), QM = num(res$QM), QMp = num(res$QMp), QMdf = num(res$QMdf),
       tau2 = num(res$tau2), sigma2 = num(res$sigma2), QE = num(res$QE),
       model_matrix_names = colnames(model.matrix(as.formula(f), d)),
       predict = list(pred = num(pr$pred), se = num(pr$se), ci.lb = num(pr$ci.lb),
                      ci.ub = num(pr$ci.ub), pi.lb = num(pr$pi.lb), pi.ub = num(pr$pi.ub)))
}

cases <- list()

## rma(): bcg ----------------------------------------------------------------------------
BCG_FORMULAS <- c("~ ablat * factor(alloc)", "~ ablat:year", "~ ablat * year",
                  "~ factor(alloc) * era", "~ ablat * era", "~ ablat:factor(alloc)")
for (f in BCG_FORMULAS) for (m in c("REML", "DL")) for (tt in c("z", "knha")) {
  res <- rma(yi, vi, mods = as.formula(f), data = bcg, method = m, test = tt)
  cases[[length(cases) + 1]] <- list(
    name = sprintf("bcg/%s/%s/%s", f, m, tt),
    call = sprintf("rma(yi, vi, mods = %s, data = bcg, method = \"%s\", test = \"%s\")", f, m, tt),
    input = list(function_ = "rma", data = as.list(bcg), mods = f, method = m, test = tt,
                 newdata = as.list(bcg_new)),
    output = fit_out(res, f, bcg, bcg_new))
}

## rma.mv(): Llanos-Lagos high-load vs plyometric by speed ------------------------------------
for (f in c("~ speed_kmh * method", "~ method * speed_kmh")) for (tt in c("z", "t")) {
  res <- rma.mv(yi, vi, mods = as.formula(f), random = ~ 1 | cluster/es_id, data = ll,
                method = "REML", test = tt)
  cases[[length(cases) + 1]] <- list(
    name = sprintf("llanoslagos2024a/%s/REML/%s", f, tt),
    call = sprintf("rma.mv(yi, vi, mods = %s, random = ~ 1 | cluster/es_id, data = ll, method = \"REML\", test = \"%s\")", f, tt),
    input = list(function_ = "rma_mv", data = as.list(ll), mods = f, method = "REML", test = tt,
                 newdata = as.list(ll_new)),
    output = fit_out(res, f, ll, ll_new))
}

## model.matrix() column names (and values) on a small synthetic frame ------------------------
toy <- data.frame(a = c(1, 2, 3, 4, 5, 6, 7), b = c(2, 5, 1, 7, 3, 3, 4),
                  f = c("x", "y", "z", "x", "y", "z", "x"), g = c("p", "p", "q", "q", "p", "q", "q"),
                  h = c(TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, TRUE), stringsAsFactors = FALSE)
TOY_FORMULAS <- c("~ a * f", "~ f * a", "~ a:f", "~ f:a + g", "~ a:g + a:f", "~ a:b + g + f * a",
                  "~ f:g", "~ f * g", "~ b:a + a", "~ a * f * g", "~ a:b:f + b:a + f:g",
                  "~ (a + b) * f", "~ factor(b) * a", "~ a * b", "~ g + f + g:f",
                  "~ a * h", "~ h:f")
for (f in TOY_FORMULAS) {
  X <- model.matrix(as.formula(f), toy)
  cases[[length(cases) + 1]] <- list(
    name = sprintf("model_matrix/%s", f), call = sprintf("model.matrix(%s, toy)", f),
    input = list(data = as.list(toy), mods = f),
    output = list(model_matrix_names = colnames(X),
                  X = lapply(seq_len(nrow(X)), function(i) unname(X[i, ]))))
}

write_reference(cases, "metafor_formula.json", "validation/metafor/formula.R")
