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
import re

from ..physiology import CV_NAMES, MODEL_NAMES

__all__ = ["KINDS", "label", "method", "outcome", "level", "estimator", "model", "study",
           "test", "codes", "cv", "num", "unit", "ci", "measure", "speed", "comparison", "comparisons",
           "pooled", "subgroup", "prose", "CODE_WORDS", "code_words"]

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
        "not printed": "Training level not reported",
    },
    "cv": dict(CV_NAMES),
    "group_code": {
        "HL": "High load", "SL": "Submaximal load", "SubL": "Submaximal load",
        "PL": "Plyometric", "ISO": "Isometric", "C": "Control",
        "HRT": "Heavy resistance training", "PT": "Plyometric training",
        "RT": "Resistance training",
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
    "model": dict(MODEL_NAMES),
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
        from ..errors import InputError

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


def cv(code) -> str:
    """``"trained_lab"`` → ``"trained runners, lab"`` (the between-runner CV presets of
    :data:`runecon.physiology.effects.CV_PRESETS`)."""
    return label("cv", code)


MINUS = "\u2212"


def num(x, digits=2, signed=False) -> str:
    """A number as a reader sees it: a true minus sign (U+2212), ``+`` only when ``signed``,
    and never "−0" — a value that rounds to zero is written without a sign (``num(-0.004)``
    → ``"0.00"``). NaN/None → ``"–"``.

    >>> num(-1.4237), num(-0.001, 1), num(3, 0, signed=True)
    ('\u22121.42', '0.0', '+3')
    """
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "\u2013"
    if x != x or x in (float("inf"), float("-inf")):
        return "\u2013"
    text = f"{abs(x):.{digits}f}"
    if float(text) == 0:
        return text
    if x < 0:
        return MINUS + text
    return ("+" + text) if signed else text


def ci(est, lb, ub, digits=2) -> str:
    """``"−1.42 [−2.23, −0.60]"``: an estimate and its interval in readers' numbers."""
    return f"{num(est, digits)} [{num(lb, digits)}, {num(ub, digits)}]"


def measure(text) -> str:
    """A printed measure name made readable: ``"5000-m tt (s)"`` → ``"5000-m time trial"``,
    ``"Time to exhaustion at vVO2max"`` kept, unit suffixes ``(s)`` dropped."""
    t = "" if text is None else str(text)
    t = re.sub(r"\s*\((s|min|m|%)\)\s*$", "", t)
    t = re.sub(r"\btt\b", "time trial", t, flags=re.I)
    t = re.sub(r"\bTTE\b", "time to exhaustion", t)
    t = t.replace("VO2", "VO\u2082").strip()
    return t[:1].upper() + t[1:]


_SUPER = str.maketrans("0123456789.-", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078"
                       "\u2079\u00b7\u207b")


def unit(text) -> str:
    """A printed unit with exponents raised: ``"ml/kg^0.75/min"`` → ``"ml/kg⁰·⁷⁵/min"``."""
    t = "" if text is None else str(text)
    return re.sub(r"\^(-?[\d.]+)", lambda m: m.group(1).translate(_SUPER), t)


def _decimals(text):
    """``"12.00"`` → ``"12"``, ``"11.50"`` → ``"11.5"`` inside a text."""
    return re.sub(r"(\d+)\.(\d*?)0+\b", lambda m: m.group(1) + ("." + m.group(2)
                                                              if m.group(2) else ""), text)


def speed(kmh=None, printed=None) -> str:
    """Test speed in words: ``12.0`` → ``"12 km/h"``; a speed printed otherwise ("sVT2",
    "75% sVO2max") as printed; nothing known → ``""``."""
    try:
        v = float(kmh)
    except (TypeError, ValueError):
        v = float("nan")
    if v == v:
        return f"{v:g} km/h"
    p = "" if printed is None or printed != printed else str(printed).strip()
    return _decimals(p.replace("VO2", "VO\u2082")) if p else ""


_ARM = re.compile(r"^(?P<method>.+?)_(?P<arm>\d+)$")


def comparison(row) -> str:
    """The label of one comparison (a row of :func:`runecon.comparisons`):
    ``"Štohanzl 2018 · Plyometric (arm 1) · 9 km/h"`` instead of
    ``stohanzl2018/plyometric_1/running_economy/3``.

    Parts: the study; the training group's method (with its arm number when a study has
    several groups of one method); the test speed for running economy, the measure for
    performance outcomes.
    """
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    group = str(get("group_id", "") or "")
    m = _ARM.match(group)
    meth = get("method", None) or (m.group("method") if m else group)
    arm = f" (arm {m.group('arm')})" if m else ""
    parts = [study(get("study_id", "")), method(meth) + arm]
    if str(get("outcome", "")) == "running_economy" or get("speed_kmh", None) is not None \
            and str(get("outcome", "running_economy")) == "running_economy":
        sp = speed(get("speed_kmh", None), get("speed_reported", None))
        if sp:
            parts.append(sp)
    else:
        mt = measure(get("measure", ""))
        if mt:
            parts.append(mt)
    return " \u00b7 ".join(p for p in parts if p)


def comparisons(frame) -> list:
    """:func:`comparison` labels of every row of a comparisons frame, made unique: repeated
    labels get " (1)", " (2)"... in row order."""
    labs = [comparison(r) for r in frame.to_dict("records")]
    seen, count = {}, {lab: labs.count(lab) for lab in labs}
    out = []
    for lab in labs:
        if count[lab] > 1:
            seen[lab] = seen.get(lab, 0) + 1
            lab = f"{lab} ({seen[lab]})"
        out.append(lab)
    return out


_HEAD = re.compile(r"^(HL|PL|HRT|PT|RT)\b\s*")
_WORDS = [
    (r"\bU-shaped\s*", ""),
    (r"\bcombined methods\b", "combined"),
    (r"\bmoderator\b", "meta-regression on"),
    (r"\babsolute speed continuous\b", "test speed"),
    (r"\binitial VO2max\b", "initial VO\u2082max"),
    (r"\bVO2max\b", "VO\u2082max"),
    (r"\bLv\.\s*\d\s*", ""),
    (r"<=\s*", "\u2264 "),
    (r">=\s*", "\u2265 "),
    (r"<\s*(?=\d)", "< "),
    (r">\s*(?=\d)", "> "),
    (r"\bAT\b", "anaerobic threshold"),
    (r"\b1RM\b", "one-repetition maximum"),
    (r"\b(\d+)RM\b", "\\1-repetition maximum"),
    (r"(\d)-(\d)", "\\1\u2013\\2"),
]
_SPEEDWORD = re.compile(r"^(?=[<>\u2264\u2265]\s*[\d])")


def subgroup(text) -> str:
    """A subgroup as printed in ``data/pooled.csv`` in people's words:
    ``"HL speed <=12.00 km/h (13 ES)"`` → ``"High load, speed ≤ 12 km/h (13 effects)"``."""
    t = "" if text is None else str(text).strip()
    head = ""
    m = _HEAD.match(t)
    if m:
        head, t = label("group_code", m.group(1)), t[m.end():]
    effects = re.findall(r"(\d+)\s*ES\b", t)
    t = re.sub(r"\s*;\s*\d+\s*ES\b", "", t)
    t = re.sub(r"\(\s*\d+\s*ES\s*\)", "", t)
    t = re.sub(r"\b\d+\s*ES\b", "", t)
    t = re.sub(r"\(\s*\)", "", t)
    t = re.sub(r"\)\s+(?=\w)", "), ", t)
    for pat, rep in _WORDS:
        t = re.sub(pat, rep, t)
    t = _decimals(t)
    t = re.sub(r"\s*;\s*", ", ", t).strip(" ,;")
    if _SPEEDWORD.match(t) and "km/h" in t:
        t = "speed " + t
    if head:
        t = head + (", " + t if t else "")
    t = t[:1].upper() + t[1:]
    if effects:
        t += f" ({effects[0]} effects)"
    return re.sub(r"\s{2,}", " ", t).replace("( ", "(").replace(" )", ")")


def pooled(pooled_id, table=None) -> str:
    """A printed pooled row (``data/pooled.csv``) in words: ``"llanoslagos2024a_08"`` →
    ``"Llanos-Lagos 2024a: High load, speed ≤ 12 km/h (13 effects)"``."""
    if table is None:
        from .data import load

        table = load("pooled")
    t = table.set_index("pooled_id") if "pooled_id" in table.columns else table
    if pooled_id not in t.index:
        return str(pooled_id)
    r = t.loc[pooled_id]
    return f"{study(r['review_id'])}: {subgroup(r['subgroup'])}"


#: abbreviations of free text (claims, notes) spelled out for readers
_PROSE = [(r"\bRE\b", "running economy"), (r"\bTTE\b", "time to exhaustion"),
          (r"\bVO2max\b", "VO\u2082max")]


def prose(text) -> str:
    """Free text (a claim as paraphrased in ``data/claims.csv``) with its abbreviations
    spelled out: ``"improved RE by 5 %"`` → ``"improved running economy by 5 %"``."""
    t = "" if text is None else str(text)
    for pat, rep in _PROSE:
        t = re.sub(pat, rep, t)
    return t


#: Codes that must never reach a reader: snake_case identifiers, study ids
#: (``llanoslagos2024a``), training-level and method abbreviations, "ES" for effect sizes and
#: "RE" for running economy.
CODE_WORDS = re.compile(
    r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"               # snake_case
    r"|\b[a-z]+(?:19|20)\d\d[a-z]?\b"                # study ids
    r"|\b(?:MT|WT|HT|HL|PL|SL|ES|RE|TTE|ISO)\b"      # abbreviations
    r"|\u2212\s*0(?:\.0+)?(?![\d.])")                 # a negative zero
#: plain ASCII/Unicode minus before 0 only: "−0", "−0.00"; not "−0.27"


def code_words(text) -> list:
    """The code words of :data:`CODE_WORDS` found in ``text`` (empty list: readable)."""
    return [m.group(0) for m in CODE_WORDS.finditer(str(text))]
