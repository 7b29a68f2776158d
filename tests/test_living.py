"""Living evidence: the rows added after the reviews, the cumulative meta-analysis by year
(against metafor) and adding a trial from a filled-in template, end to end."""
from __future__ import annotations

import csv
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.special import gammaln

import runecon
from runecon._armdata import arm_table
from runecon.comparisons import PROTOCOLS
from runecon.data import load, validate_paths
from runecon.errors import InputError
from runecon.living import (LIVING_REVIEW, claims_at_stake, cumulative_by_year, merge_study,
                            new_evidence, tipping_point, write_template)

HERE = Path(__file__).parent
REF = json.loads((HERE / "data" / "metafor_cumulative.json").read_text(encoding="utf-8"))
#: runecon's rma_mv vs metafor's rma.mv on the same inputs (tests/test_metafor_rma_mv.py)
ATOL_METAFOR = 1e-6
PUBLISHED = ("llanoslagos2024a",)
#: the reviews of the starting evidence (tests/test_data.py) and those added here
FIRST = {"balsalobre2016", "llanoslagos2024a", "llanoslagos2024b", "eihara2022", "eihara2024",
         "wu2024", "denadai2017"}
ADDED_REVIEWS = {"dudagoitiabarrio2023", "zecchin2025", "berryman2018"}
ADDED_TRIALS = {"zanini2025", "engeroff2023"}
#: reviews whose rows the claims ledger needs (issue 13), outside the reviewed evidence
CLAIMS_REVIEWS = {"lauersen2014"}


# ----------------------------------------------------------------------------- the rows
def test_pooled_review_ids_are_the_first_reviews_and_the_added_ones():
    assert set(load("pooled").review_id) == FIRST | ADDED_REVIEWS | CLAIMS_REVIEWS


def test_added_studies_carry_doi_location_and_what_was_not_extractable():
    st = load("studies").set_index("study_id")
    for s in ADDED_TRIALS | ADDED_REVIEWS:
        r = st.loc[s]
        assert r.source == f"https://doi.org/{r.doi}", s
        assert r.location and r.status == "reported", s
    for s in ADDED_TRIALS | {"dudagoitiabarrio2023", "zecchin2025"}:
        assert "Not extractable" in st.loc[s, "note"], s


def test_living_rows_are_kept_apart_from_the_published_reviews():
    o = load("outcomes")
    living = o[o.review_id == LIVING_REVIEW]
    assert set(living.study_id) == ADDED_TRIALS
    # the published data set is a selection: still Table 3's 290 rows and 81 comparisons
    assert (o.review_id == "llanoslagos2024a").sum() == 290
    assert len(runecon.comparisons("running_economy", review="llanoslagos2024a")) == 81


def test_zanini_percentages_as_printed():
    # abstract: RE at 90 min -2.1 % (E+S) vs +0.6 % (E), p = 0.04; TTE +35 % vs -8 %
    o = load("outcomes").set_index("record_id")
    assert o.loc["liv_zanini2025_01", "pct_change"] == -2.1
    assert o.loc["liv_zanini2025_02", "pct_change"] == 0.6
    assert o.loc["liv_zanini2025_03", "pct_change"] == 35
    assert o.loc["liv_zanini2025_04", "pct_change"] == -8


# ----------------------------------------------------------------------------- cumulative
@pytest.fixture(scope="module")
def published():
    return cumulative_by_year(reviews=PUBLISHED).to_frame()


CUMULATIVE = [c for c in REF["cases"] if c["name"].startswith("cumulative_")]
TIPPING = [c for c in REF["cases"] if c["name"].startswith("tipping_point_")]
#: the tipping point is a root of the upper CI limit found to tol 1e-10 by both; the limit
#: itself agrees to ATOL_METAFOR, its slope in yi is ~0.1-0.3, so the roots agree to ~1e-5
ATOL_TIP = 1e-4


@pytest.mark.parametrize("case", CUMULATIVE, ids=lambda c: c["name"])
def test_cumulative_equals_metafor_year_by_year(published, case):
    method = case["input"]["method"]
    t = published[(published.method == method) & np.isfinite(published.estimate)]
    assert list(t.year) == [r["year"] for r in case["output"]]
    for (_, row), ref in zip(t.iterrows(), case["output"]):
        assert row.k == ref["k"] and row.model == ref["model"]
        for f in ("estimate", "se", "ci_lb", "ci_ub", "pval"):
            assert row[f] == pytest.approx(ref[f], abs=ATOL_METAFOR), (method, row.year, f)


@pytest.fixture(scope="module")
def tipping():
    return tipping_point(reviews=PUBLISHED)


@pytest.mark.slow
@pytest.mark.parametrize("case", TIPPING, ids=lambda c: c["name"])
def test_tipping_point_equals_metafor(tipping, case):
    row, out = tipping.loc[case["input"]["method"]], case["output"]
    assert row.verdict == out["verdict"]
    assert row.vi_new == pytest.approx(case["input"]["vi_new"], abs=1e-9)
    assert row.ci_ub == pytest.approx(out["ci_ub"], abs=ATOL_METAFOR)
    if out["yi_tip"] is None:
        assert math.isnan(row.yi_tip)
    else:
        assert row.yi_tip == pytest.approx(out["yi_tip"], abs=ATOL_TIP)


def test_first_years_with_one_cluster_are_not_fitted(published):
    # Millet 2002 (high load) and Johnston 1997 (combined) are alone in their first year
    t = published.set_index(["method", "year"])
    for key in [("high_load", 2002), ("combined", 1997)]:
        assert math.isnan(t.loc[key, "estimate"]) and "fewer than 2" in t.loc[key, "model"]


def test_living_rows_without_arm_data_change_nothing(published):
    after = cumulative_by_year().to_frame()
    assert after.n_living.sum() == 0
    np.testing.assert_array_equal(after.estimate.to_numpy(), published.estimate.to_numpy())


def test_new_evidence_rule():
    ne = new_evidence().set_index("study_id")
    # published after November 2022 and not in the Llanos-Lagos tables
    assert set(ne.index) == ADDED_TRIALS | {"dudagoitiabarrio2023", "zecchin2025",
                                            "eihara2024", "wu2024"}
    assert not ne.enters_model.any()
    assert {"docarmo2023", "lum2023", "filipas2023"}.isdisjoint(ne.index)


def test_claims_at_stake_cannot_change_an_estimate_yet():
    c = claims_at_stake().set_index("claim_id")
    assert "C01" in c.index and "Zanini 2025" in c.loc["C01", "new_studies"]
    # C11 names running performance: Zanini's time to exhaustion counts
    assert "Zanini 2025" in c.loc["C11", "new_studies"]
    assert not c.estimate_can_change.any()


@pytest.mark.parametrize("kwargs, argument", [
    (dict(reviews=()), "reviews"), (dict(protocol="mine"), "protocol"),
    (dict(methods=["heavy"]), "methods"), (dict(reviews=("nosuchreview",)), "reviews")])
def test_bad_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(InputError) as e:
        cumulative_by_year(**kwargs)
    assert e.value.argument == argument


# ----------------------------------------------------------------------------- add a trial
#: a constructed trial (not real data): high load vs control at 12 km/h, n = 10 + 10
TRIAL = {
    "studies": [dict(study_id="testtrial2026", first_author="Testtrial", year="2026",
                     design="randomised controlled trial", source="https://example.org/x",
                     location="constructed for the test", status="reported")],
    "groups": [dict(study_id="testtrial2026", group_id="high_load", method="high_load",
                    control_group_id="control", n="10", source="https://example.org/x",
                    location="t", status="reported"),
               dict(study_id="testtrial2026", group_id="control", method="control", n="10",
                    source="https://example.org/x", location="t", status="reported")],
    "outcomes": [dict(record_id=f"liv_testtrial2026_{g}", timepoint=tp,
                      study_id="testtrial2026", group_id=g, review_id=LIVING_REVIEW,
                      comparison_key=f"{LIVING_REVIEW}:testtrial2026:control:speed1",
                      outcome="running_economy", measure="oxygen cost", unit="ml/kg/km",
                      higher_is_better="false", speed_kmh="12", n="10", mean=m, sd="10",
                      source="https://example.org/x", location="t", status="reported")
                 for g, tp, m in [("high_load", "pre", "200"), ("high_load", "post", "190"),
                                  ("control", "pre", "200"), ("control", "post", "200")]],
}


def _fill(folder, tables=TRIAL):
    for t, rows in tables.items():
        path = folder / f"{t}.csv"
        with open(path, newline="", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        header = next(csv.reader([lines[0]]))
        with open(path, "a", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
            for r in rows:
                w.writerow({c: r.get(c, "") for c in header})


def test_template_has_the_packaged_headers_and_a_commented_example(tmp_path):
    files = write_template(tmp_path / "t")
    assert [f.name for f in files] == ["studies.csv", "groups.csv", "outcomes.csv",
                                       "README.md"]
    for t in ("studies", "groups", "outcomes"):
        lines = (tmp_path / "t" / f"{t}.csv").read_text(encoding="utf-8").splitlines()
        packaged = (Path(runecon.config.DATA_DIR) / f"{t}.csv").read_text(
            encoding="utf-8").splitlines()[0]
        assert lines[0] == packaged and lines[1].startswith("# example: ")
    with pytest.raises(InputError) as e:
        write_template(tmp_path / "t")
    assert e.value.argument == "folder"


@pytest.mark.slow
def test_add_a_trial_end_to_end(tmp_path):
    write_template(tmp_path / "t")
    _fill(tmp_path / "t")
    added = merge_study(tmp_path / "t", tmp_path / "merged")
    assert added == {"studies": 1, "groups": 2, "outcomes": 4}
    assert validate_paths([tmp_path / "merged"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cumulative_by_year(data_dir=tmp_path / "merged").to_frame()
    hl = res[res.method == "high_load"]
    assert list(hl.year)[-1] == 2026 and hl.n_living.iloc[-1] == 1 and hl.k.iloc[-1] == 20
    # the trial's effect under the review protocol, by hand: change difference
    # (190 - 200) - (200 - 200) = -10 over the pooled post-test SD 10 -> d = -1;
    # exact J with df = 18: J = Γ(9) / (√9 Γ(8.5)); variance J²(1/10 + 1/10 + d²/(2·20))
    j = math.exp(gammaln(9) - 0.5 * math.log(9) - gammaln(8.5))
    yi, vi = -1.0 * j, j ** 2 * (0.2 + 1 / 40)
    arms = arm_table("running_economy", review=LIVING_REVIEW, data_dir=tmp_path / "merged")
    c = runecon.comparisons("running_economy", arms=arms, **PROTOCOLS["llanoslagos2024a"])
    assert c.yi.iloc[0] == pytest.approx(yi, abs=1e-12)
    assert c.vi.iloc[0] == pytest.approx(vi, abs=1e-12)
    # the published data set is untouched by the merge
    assert len(runecon.comparisons("running_economy", review="llanoslagos2024a")) == 81


def test_merge_reports_every_problem_with_file_line_and_column(tmp_path, capsys):
    write_template(tmp_path / "t")
    bad = json.loads(json.dumps(TRIAL))
    bad["groups"][0]["method"] = "heavy"            # not a method code
    bad["outcomes"][1]["sd"] = "-1"                 # SD must be > 0
    _fill(tmp_path / "t", bad)
    merge_study(tmp_path / "t", tmp_path / "merged")
    assert validate_paths([tmp_path / "merged"]) == 1
    out = capsys.readouterr().out
    assert "groups.csv" in out and "method" in out and "'heavy'" in out
    assert "outcomes.csv" in out and "sd" in out


def test_merge_refuses_a_non_empty_output_and_unknown_columns(tmp_path):
    write_template(tmp_path / "t")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(InputError) as e:
        merge_study(tmp_path / "t", tmp_path / "full")
    assert e.value.argument == "out"
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "groups.csv").write_text("study_id,colour\nx,red\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown column"):
        merge_study(tmp_path / "u", tmp_path / "m2")


def test_a_study_under_two_reviews_would_count_twice(tmp_path):
    write_template(tmp_path / "t")
    with open(Path(runecon.config.DATA_DIR) / "outcomes.csv", newline="",
              encoding="utf-8") as fh:      # the cells as printed (text)
        rows = [r for r in csv.DictReader(fh)
                if r["review_id"] == "llanoslagos2024a" and r["study_id"] == "storen2008"]
    twin = [dict(r, record_id="liv_" + r["record_id"], review_id=LIVING_REVIEW,
                 comparison_key=r["comparison_key"].replace("llanoslagos2024a",
                                                            LIVING_REVIEW))
            for r in rows]
    _fill(tmp_path / "t", {"outcomes": twin})
    merge_study(tmp_path / "t", tmp_path / "merged")
    with pytest.raises(InputError, match="count twice"):
        cumulative_by_year(data_dir=tmp_path / "merged")
