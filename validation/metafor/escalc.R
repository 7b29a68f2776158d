# Reference values for runecon.escalc (tests/test_metafor_escalc.py).
# Run from the repository root:  Rscript validation/metafor/escalc.R
source("validation/metafor/_common.R")
suppressPackageStartupMessages(library(metadat))

cases <- list()
add <- function(name, call, input, res) {
  cases[[length(cases) + 1]] <<- list(name = name, call = call, input = input,
                                      output = list(yi = as.numeric(res$yi), vi = as.numeric(res$vi)))
}

# Two independent groups: dat.normand1999 (Normand 1999, length of hospital stay)
dat <- dat.normand1999
inp2 <- as.list(dat[, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")])
two <- list(MD = c("LS", "HO"), SMD = c("LS", "UB", "LS2", "AV"), SMDH = c("LS", "LS2"),
            ROM = c("LS", "HO", "AV", "AVHO"))
for (m in names(two)) for (vt in two[[m]]) {
  call <- sprintf('escalc(measure = "%s", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999, vtype = "%s")', m, vt)
  add(sprintf("normand1999_%s_%s", m, vt), call, inp2, eval(parse(text = call)))
}

# Single-group change: the treatment and control arms of the five training studies in
# Morris (2008, Table 5; data of Carlson & Schmidt 1999), as given on the metafor website
# (analyses:morris2008). m1i = post, m2i = pre; SMCR standardised by sd1i = pre SD.
datT <- data.frame(m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6), m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                   sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7), sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6),
                   ni = c(20, 50, 9, 10, 14), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
datC <- data.frame(m_pre = c(23.1, 24.9, 0.6, 55.7, 34.8), m_post = c(19.7, 25.3, 0.6, 60.7, 33.4),
                   sd_pre = c(13.8, 4.1, 0.2, 17.3, 3.1), sd_post = c(14.8, 3.3, 0.2, 17.9, 6.9),
                   ni = c(20, 42, 9, 11, 14), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
one <- list(MC = "LS", SMCC = c("LS", "LS2"), SMCR = c("LS", "LS2"), ROMC = "LS")
for (arm in c("T", "C")) {
  d <- if (arm == "T") datT else datC
  for (m in names(one)) for (vt in one[[m]]) {
    if (m == "SMCR") {
      call <- sprintf('escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = dat%s, vtype = "%s")', arm, vt)
    } else {
      call <- sprintf('escalc(measure = "%s", m1i = m_post, m2i = m_pre, sd1i = sd_post, sd2i = sd_pre, ni = ni, ri = ri, data = dat%s, vtype = "%s")', m, arm, vt)
    }
    add(sprintf("morris2008%s_%s_%s", arm, m, vt), call, as.list(d), eval(parse(text = call)))
  }
}

# Pretest-posttest-control, Becker (1988) / Morris (2008) d_ppc1 as on the metafor website:
# difference of the two SMCRs, variance = sum of the two SMCR "LS" variances.
eT <- escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = datT)
eC <- escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri, data = datC)
add("morris2008_ppc1_difference_of_SMCR",
    "eT <- escalc('SMCR', ..., data = datT); eC <- escalc('SMCR', ..., data = datC); yi = eT$yi - eC$yi; vi = eT$vi + eC$vi",
    list(T = as.list(datT), C = as.list(datC)),
    list(yi = eT$yi - eC$yi, vi = eT$vi + eC$vi))

# Two-group pre-post through metafor's SMD on the change scores (same numbers as
# escalc_prepost): standardised by the pooled post-test SD (m1i/m2i = mean changes,
# sd1i/sd2i = post SDs; vtype "LS2" = Borenstein-Hedges J^2(1/n1+1/n2+d^2/(2N)), "LS" =
# 1/n1+1/n2+g^2/(2N)), and by the pooled SD of change scores sqrt(sd_pre^2+sd_post^2-2 r sd_pre sd_post).
chg <- data.frame(d1 = datT$m_post - datT$m_pre, d2 = datC$m_post - datC$m_pre,
                  sp1 = datT$sd_post, sp2 = datC$sd_post,
                  sc1 = sqrt(datT$sd_pre^2 + datT$sd_post^2 - 2 * datT$ri * datT$sd_pre * datT$sd_post),
                  sc2 = sqrt(datC$sd_pre^2 + datC$sd_post^2 - 2 * datC$ri * datC$sd_pre * datC$sd_post),
                  n1 = datT$ni, n2 = datC$ni)
for (vt in c("LS", "LS2")) {
  call <- sprintf('escalc(measure = "SMD", m1i = d1, sd1i = sp1, n1i = n1, m2i = d2, sd2i = sp2, n2i = n2, data = chg, vtype = "%s")', vt)
  add(sprintf("morris2008_prepost_post_SMD_%s", vt), call, list(T = as.list(datT), C = as.list(datC)), eval(parse(text = call)))
  call <- sprintf('escalc(measure = "SMD", m1i = d1, sd1i = sc1, n1i = n1, m2i = d2, sd2i = sc2, n2i = n2, data = chg, vtype = "%s")', vt)
  add(sprintf("morris2008_prepost_change_SMD_%s", vt), call, list(T = as.list(datT), C = as.list(datC)), eval(parse(text = call)))
}

# A hand-sized case: one study, SMD with n = 3 + 3 (exact J far from 1)
call <- 'escalc(measure = "SMD", m1i = 10, sd1i = 2, n1i = 3, m2i = 8, sd2i = 3, n2i = 3)'
add("small_SMD_n3", call, list(m1i = 10, sd1i = 2, n1i = 3, m2i = 8, sd2i = 3, n2i = 3),
    eval(parse(text = call)))

write_reference(cases, "metafor_escalc.json", "validation/metafor/escalc.R")
