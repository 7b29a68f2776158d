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
