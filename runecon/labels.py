"""People's words for the codes of the API: one mapping used by every figure, table, widget and
printed text meant for readers.

Codes (``high_load``, ``running_economy``, ``REML``, ``diprampero_air``, ``storen2008``) stay the
API; readers see "High load", "Running economy", "REML (restricted ML)", "di Prampero + air
resistance", "Støren 2008".  Study names come from ``data/studies.csv`` (first author as printed +
year), so a user's own study gets a readable name too.

>>> from runecon import labels
>>> labels.method("high_load")
'High load'
>>> labels.label("level", "HT")
'Highly trained'
"""
from __future__ import annotations

import functools

__all__ = ["KINDS", "label", "method", "outcome", "level", "estimator", "model", "study",
           "test", "codes"]

#: kind -> {code: words}.  Add a code here, nowhere else.
KINDS: dict[str, dict[str, str]] = {
    "method": {
        "high_load": "High load",
        "submaximal": "Submaximal load",
        "plyometric": "Plyometric",
        "isometric": "Isometric",
        "combined": "Combined",
        "control": "Control",
    },
    "outcome": {
        "running_economy": "Running economy",
        "tte": "Time to exhaustion",
        "time_trial": "Time trial",
        "distance_trial": "Distance trial",
        "performance": "Running performance",
        "vo2max": "VO\u2082max",
        "vvo2max": "Speed at VO\u2082max",
        "mmss": "Maximal metabolic steady state",
        "sprint": "Sprint",
        "one_rm": "One-repetition maximum",
        "rfd": "Rate of force development",
        "strength": "Strength",
        "jump": "Jump height",
        "muscle_size": "Muscle size",
        "body_mass": "Body mass",
        "injury": "Running injuries",
        "cycling_economy": "Cycling economy",
        "cycling_performance": "Cycling performance",
    },
    "level": {
        "MT": "Moderately trained",
        "WT": "Well trained",
        "HT": "Highly trained",
        "": "Training level not reported",
    },
    "estimator": {
        "FE": "Common effect (fixed)",
        "DL": "DerSimonian\u2013Laird",
        "HE": "Hedges (unweighted moments)",
        "HS": "Hunter\u2013Schmidt",
        "SJ": "Sidik\u2013Jonkman",
        "ML": "Maximum likelihood",
        "REML": "REML (restricted ML)",
        "EB": "Empirical Bayes",
        "PM": "Paule\u2013Mandel",
    },
    "test": {
        "z": "z (normal)",
        "t": "t (Knapp\u2013Hartung)",
        "knha": "Knapp\u2013Hartung",
        "adhoc": "Knapp\u2013Hartung (ad hoc)",
    },
    "model": {
        "daniels": "Daniels & Gilbert VDOT",
        "diprampero": "di Prampero energy balance",
        "diprampero_air": "di Prampero + air resistance",
        "kipp2019": "Kipp 2019 (metabolic power)",
        "power_law": "Riegel power law",
        "critical_speed": "Critical speed",
    },
}


def label(kind: str, code) -> str:
    """The words for ``code`` of ``kind`` (``"method"``, ``"outcome"``, ``"level"``,
    ``"estimator"``, ``"test"``, ``"model"``, ``"study"``).

    An unknown code of a known kind is returned readable (underscores as spaces, first letter
    capital) rather than raising: a user's own data may carry codes this mapping does not know.
    An unknown *kind* is a programming error and raises :class:`runecon.errors.InputError`.
    """
    if kind == "study":
        return study(code)
    if kind not in KINDS:
        from .errors import InputError

        raise InputError("kind", f"is one of {sorted(KINDS) + ['study']}, got {kind!r}")
    code = "" if code is None else str(code)
    table = KINDS[kind]
    if code in table:
        return table[code]
    if kind == "estimator" and code.upper() in table:
        return table[code.upper()]
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def method(code) -> str:
    """``"high_load"`` → ``"High load"``."""
    return label("method", code)


def outcome(code) -> str:
    """``"running_economy"`` → ``"Running economy"``."""
    return label("outcome", code)


def level(code) -> str:
    """``"HT"`` → ``"Highly trained"``."""
    return label("level", code)


def estimator(code) -> str:
    """``"REML"`` → ``"REML (restricted ML)"``."""
    return label("estimator", code)


def test(code) -> str:
    """``"t"`` → ``"t (Knapp–Hartung)"``."""
    return label("test", code)


test.__test__ = False  # not a pytest test when imported into a test module


def model(code) -> str:
    """``"diprampero_air"`` → ``"di Prampero + air resistance"``."""
    return label("model", code)


@functools.lru_cache(maxsize=1)
def _study_names() -> dict:
    from .data import load

    s = load("studies")
    return {r.study_id: f"{r.first_author} {r.year}".strip()
            for r in s.itertuples() if str(r.first_author).strip()}


def study(code) -> str:
    """``"storen2008"`` → ``"Støren 2008"`` (first author as printed + year, from the studies
    table); two studies of one author and year keep their letter (``"Llanos-Lagos 2024a"``)."""
    code = "" if code is None else str(code)
    name = _study_names().get(code)
    if name is None:
        return code
    if code[-1:].isalpha() and code[-2:-1].isdigit():
        name += code[-1]
    return name


def codes(kind: str) -> tuple:
    """The codes known for ``kind``."""
    if kind == "study":
        return tuple(_study_names())
    label(kind, "")  # raises for an unknown kind
    return tuple(KINDS[kind])
