"""People's words for codes (runecon.labels): the expected words are the ones the issue asks for."""
import pytest

from runecon import labels
from runecon.errors import InputError


@pytest.mark.parametrize("kind, code, words", [
    ("method", "high_load", "High load"),
    ("level", "HT", "Highly trained"),
    ("estimator", "REML", "REML (restricted ML)"),
    ("estimator", "reml", "REML (restricted ML)"),
    ("model", "diprampero_air", "di Prampero + air resistance"),
    ("outcome", "running_economy", "Running economy"),
    ("study", "storen2008", "St\u00f8ren 2008"),          # studies.csv: first_author Støren, 2008
    ("study", "llanoslagos2024a", "Llanos-Lagos 2024a"),  # the letter keeps two 2024 reviews apart
    ("method", "new_method", "New method"),               # unknown code of a known kind: readable
])
def test_words(kind, code, words):
    assert labels.label(kind, code) == words


def test_unknown_kind_is_an_input_error():
    with pytest.raises(InputError, match="kind"):
        labels.label("colour", "red")


def test_every_method_of_the_groups_table_has_words():
    import runecon
    methods = set(runecon.load("groups")["method"]) - {""}
    assert methods <= set(labels.codes("method"))


# ----------------------------------------------------------------------------- readers' words
# The expected texts are the ones issue 15 asks for.
def test_comparison_label_of_a_multi_arm_study():
    import runecon
    c = runecon.comparisons("running_economy", review="llanoslagos2024a")
    row = c[c["es_id"] == "stohanzl2018/plyometric_1/running_economy/3"].iloc[0]
    # Llanos-Lagos 2024a Table 3: Štohanzl 2018, first plyometric group, tested at 9.00 km/h
    assert labels.comparison(row) == "\u0160tohanzl 2018 \u00b7 Plyometric (arm 1) \u00b7 9 km/h"
    names = labels.comparisons(c)
    assert len(set(names)) == len(names) == 81
    assert not any(labels.code_words(n) for n in names)


@pytest.mark.parametrize("pooled_id, words", [
    ("llanoslagos2024a_08", "Llanos-Lagos 2024a: High load, speed \u2264 12 km/h (13 effects)"),
    ("llanoslagos2024a_11", "Llanos-Lagos 2024a: High load, speed < 11.5 km/h (8 effects)"),
    ("llanoslagos2024a_05", "Llanos-Lagos 2024a: Plyometric, 7\u201318 km/h (28 effects)"),
])
def test_pooled_row_labels(pooled_id, words):
    assert labels.pooled(pooled_id) == words


def test_every_pooled_row_label_is_free_of_codes():
    import runecon
    p = runecon.load("pooled")
    for pid in p["pooled_id"]:
        assert not labels.code_words(labels.pooled(pid, p)), (pid, labels.pooled(pid, p))


@pytest.mark.parametrize("x, digits, signed, text", [
    (-1.4237, 2, False, "\u22121.42"), (-0.004, 2, False, "0.00"), (-0.4, 0, True, "0"),
    (3.0, 0, True, "+3"), (0.27, 2, False, "0.27"), (float("nan"), 2, False, "\u2013"),
])
def test_numbers_have_true_minus_and_no_negative_zero(x, digits, signed, text):
    assert labels.num(x, digits, signed) == text


def test_cv_measure_unit():
    assert f"CV 6.0 % ({labels.cv('trained_lab')})" == "CV 6.0 % (trained runners, lab)"
    assert labels.measure("5000-m tt (s)") == "5000-m time trial"
    assert labels.unit("ml/kg^0.75/min") == "ml/kg\u2070\u00b7\u2077\u2075/min"


def test_prose_spells_out_abbreviations():
    # C04 as paraphrased in data/claims.csv
    t = "8 weeks of maximal strength training improved RE by 5 % and TTE by 21.3 %"
    assert labels.prose(t) == ("8 weeks of maximal strength training improved running economy "
                               "by 5 % and time to exhaustion by 21.3 %")
    assert not labels.code_words(labels.prose(t))
    assert labels.prose("PRESENT") == "PRESENT"   # whole words only
