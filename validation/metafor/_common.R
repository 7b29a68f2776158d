# Shared by every generator in validation/metafor/: writes reference values as JSON with a
# header that records the R call, the R and package versions and the generating script.
# Run from the repository root:  Rscript validation/metafor/<name>.R
suppressPackageStartupMessages({
  library(jsonlite)
  library(metafor)
})

ref_header <- function(script) {
  list(
    script = script,
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    metadat_version = if (requireNamespace("metadat", quietly = TRUE)) as.character(packageVersion("metadat")) else NA,
    clubSandwich_version = if (requireNamespace("clubSandwich", quietly = TRUE)) as.character(packageVersion("clubSandwich")) else NA,
    generated_by = "Rscript"
  )
}

# cases: a list of lists, each with name, call (the R call as a string), input, output.
write_reference <- function(cases, file, script) {
  out <- list(header = ref_header(script), cases = cases)
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
             file.path("tests", "data", file))
  cat("wrote", file.path("tests", "data", file), "with", length(cases), "cases\n")
}
