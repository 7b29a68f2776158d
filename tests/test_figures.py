"""Article figures: registry, byte-identical output, CLI, and image checks of key figures."""
from __future__ import annotations

import json
import re
import struct

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import runecon  # noqa: E402
from runecon import figures, labels  # noqa: E402
from runecon.cli import main  # noqa: E402
from runecon.errors import InputError  # noqa: E402

SEED_FIGURES = {"storen", "balsalobre_forest", "llanoslagos_methods", "speed_moderation",
                "performance", "race_time", "claims_ledger", "sensitivity"}
FORMATS = ("pdf", "svg", "png")
#: REML (runecon, as metafor) vs the paper's pooled value: Balsalobre-Fernández 2016 printed
#: -1.42 [-2.23, -0.60] (abstract), computed by its software (RevMan-style DerSimonian-Laird)
#: from unrounded study data; our input is the rounded Table 3 values and REML.
PAPER_TOL = 0.03
EXACT = 1e-12
#: values printed to 3 decimals: within half a unit of the last digit
PRINTED_ROUNDING = 0.0005 + 1e-9


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every registered figure rendered twice into two folders."""
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    figures.build_all(out=a)
    figures.build_all(out=b)
    return a, b


def test_registry_covers_every_seed_system():
    assert SEED_FIGURES <= set(figures.REGISTRY)
    for spec in figures.REGISTRY.values():
        assert spec.caption and spec.sources
        assert spec.size[0] in (runecon.style.SINGLE_COLUMN_IN, runecon.style.DOUBLE_COLUMN_IN)


def test_every_figure_is_byte_identical_across_runs(built):
    a, b = built
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in figures.REGISTRY:
        for ext in FORMATS + ("json",):
            assert f"{n}.{ext}" in names, f"{n}.{ext} missing"
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between runs"


def test_no_volatile_metadata(built):
    a, _ = built
    pdf = (a / "balsalobre_forest.pdf").read_bytes()
    assert b"/Producer" not in pdf and b"/Creator" not in pdf and b"Matplotlib" not in pdf
    assert b"/FontFile2" in pdf          # TrueType embedded (pdf.fonttype 42)
    assert b"/Type3" not in pdf
    svg = (a / "balsalobre_forest.svg").read_text()
    assert "<dc:date>" not in svg or "1970" in svg
    assert "Matplotlib v" not in svg
    png = (a / "balsalobre_forest.png").read_bytes()
    assert b"Software" not in png and b"Matplotlib" not in png


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("name", sorted(figures.REGISTRY))
def test_journal_sizes(built, name):
    a, _ = built
    w, h = _png_size(a / f"{name}.png")
    spec = figures.REGISTRY[name]
    # 300 dpi (runecon.savefig.DEFAULT_DPI) x the journal width in inches
    assert w == round(spec.size[0] * 300) and h == round(spec.size[1] * 300)


def test_numbers_json(built):
    a, _ = built
    for n in figures.REGISTRY:
        text = (a / f"{n}.json").read_text(encoding="utf-8")
        rec = json.loads(text)
        assert rec["name"] == n and rec["caption"] == figures.REGISTRY[n].caption
        assert re.fullmatch(r"\d+\.\d+\.\d+\+sha256:[0-9a-f]{12}", rec["data_version"])
        # sorted keys, no timestamps
        assert text == json.dumps(rec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        assert not re.search(r"20\d\d-\d\d-\d\dT", text)
    m = json.loads((a / "balsalobre_forest.json").read_text())["numbers"]["model"]
    assert m["k"] == 5 and m["method"] == "REML"
    assert {"estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2"} <= set(m)
    # Balsalobre-Fernández 2016, abstract: -1.42 [-2.23, -0.60], I2 = 61 %
    assert m["estimate"] == pytest.approx(-1.42, abs=PAPER_TOL)
    # ... reproduced to the printed 2 decimals by DerSimonian-Laird on the Table 3 values
    dl = json.loads((a / "balsalobre_forest.json").read_text())["numbers"]["model_DL"]
    assert dl["method"] == "DL"
    for key, printed in (("estimate", -1.42), ("ci_lb", -2.23), ("ci_ub", -0.60)):
        assert abs(dl[key] - printed) <= 0.005 + 1e-9, key


def _svg_text(path):
    """Every text string drawn in an SVG: with ``svg.fonttype: path`` matplotlib draws glyphs
    as paths and writes the string itself as an XML comment before them."""
    import html

    return [html.unescape(c).strip() for c in re.findall(r"<!--(.*?)-->", path.read_text(
        encoding="utf-8"), re.S)]


@pytest.mark.parametrize("name", sorted(figures.REGISTRY))
def test_every_figure_has_a_sentence_built_from_its_numbers(built, name):
    a, _ = built
    rec = json.loads((a / f"{name}.json").read_text(encoding="utf-8"))
    sentence = rec.get("sentence")
    assert isinstance(sentence, str) and sentence.endswith(".")
    assert sentence == rec["numbers"]["sentence"]
    assert f"> {sentence}" in (a / "index.md").read_text(encoding="utf-8")
    # a sentence with numbers: at least one number of the JSON, to 2 decimals, appears in it
    assert re.search(r"\d", sentence)
    assert not labels.code_words(sentence), labels.code_words(sentence)
    # its citation: a year of a source
    assert re.search(r"(19|20)\d\d", sentence)
    # readers' numbers: a true minus sign (U+2212), never a hyphen before a number (page
    # ranges and DOIs such as 895-932 are digit-hyphen-digit and pass); nouns in the right
    # number, not "trial(s)"
    assert not re.search(r"(?<![\w.])-\d", sentence), sentence
    assert "(s)" not in sentence


@pytest.mark.parametrize("name", sorted(figures.REGISTRY))
def test_no_code_word_in_any_figure(built, name):
    a, _ = built
    texts = _svg_text(a / f"{name}.svg")
    assert texts, "no text found in the SVG: did matplotlib stop writing text comments?"
    bad = {t: labels.code_words(t) for t in texts if labels.code_words(t)}
    assert not bad


def test_code_word_detector():
    # the words the issue quotes as codes, and readable text that must pass
    for code in ("stohanzl2018/plyometric_1/running_economy/3", "CV 6.0 % (trained_lab)",
                 "C05 \u00b7 llanoslagos2024a: HL speed <=12.00 km/h (13 ES)", "RE model",
                 "MT", "\u22120", "x = \u22120.00"):
        assert labels.code_words(code), code
    for text in ("\u0160tohanzl 2018 \u00b7 Plyometric (arm 1) \u00b7 12 km/h",
                 "CV 6.0 % (trained runners, lab)", "Running economy model",
                 "g = \u22120.27 [\u22120.52, \u22120.02]", "REML (restricted ML)", "I\u00b2 (%)"):
        assert not labels.code_words(text), text


def test_index_lists_every_figure(built):
    a, _ = built
    index = (a / "index.md").read_text(encoding="utf-8")
    for n, spec in figures.REGISTRY.items():
        assert f"## {n}" in index and f"![{n}]({n}.png)" in index
        assert spec.caption in index
        for s in spec.sources:
            assert s in index


def test_cli_only(tmp_path):
    assert main(["figures", "--out", str(tmp_path), "--only", "balsalobre_forest",
                 "--format", "png,svg"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "balsalobre_forest.json", "balsalobre_forest.png", "balsalobre_forest.svg", "index.md"]


@pytest.mark.parametrize("kwargs,arg", [({"only": ["nope"]}, "only"),
                                        ({"formats": ("jpg",)}, "formats"),
                                        ({"formats": ()}, "formats")])
def test_build_all_bad_input(tmp_path, kwargs, arg):
    with pytest.raises(InputError, match=arg):
        figures.build_all(out=tmp_path, **kwargs)


def test_register_twice_rejected():
    with pytest.raises(InputError, match="name"):
        figures.figure("storen", "x", ["y"])(lambda fig: {})
    with pytest.raises(InputError, match="name"):
        figures.figure("bad name!", "x", ["y"])


# ----------------------------------------------------------------------------- image checks
def test_balsalobre_forest_image():
    fig, numbers = figures.render("balsalobre_forest")
    try:
        ax = fig.axes[0]
        # Balsalobre-Fernández 2016 Table 3: five studies + the pooled row
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels[:5] == ["Paavolainen 1999", "Saunders 2006", "Mikkola 2007",
                              "Støren 2008", "Sedano 2013"]
        assert len(labels) == 6
        pts = [c for c in ax.collections if c.get_label() == "studies"][0].get_offsets()
        np.testing.assert_allclose(pts[:, 0], [-3.78, -0.54, -1.03, -1.45, -1.17], atol=EXACT)
        # the diamond sits at the pooled estimate of an independent REML fit of Table 3
        yi = np.array([-3.78, -0.54, -1.03, -1.45, -1.17])
        lb = np.array([-5.45, -1.58, -1.87, -2.56, -2.24])
        ub = np.array([-2.10, 0.49, -0.18, -0.35, -0.10])
        ref = runecon.rma(yi, sei=(ub - lb) / (2 * 1.959963984540054))
        xy = [p for p in ax.patches if p.get_label() == "pooled"][0].get_xy()
        assert xy[np.argmax(xy[:, 1]), 0] == pytest.approx(ref.estimate, abs=EXACT)
        assert xy[:, 0].min() == pytest.approx(ref.ci_lb, abs=EXACT)
        assert xy[:, 0].max() == pytest.approx(ref.ci_ub, abs=EXACT)
        assert xy[np.argmax(xy[:, 1]), 0] == pytest.approx(-1.42, abs=PAPER_TOL)
        assert numbers["model"]["estimate"] == ref.estimate
        texts = [t.get_text() for t in ax.texts]
        assert "\u2190 favours strength training" in texts
        # CI recomputed from the SE (symmetric), written with true minus signs
        assert "\u22123.78 [\u22125.46, \u22122.10]" in texts
    finally:
        plt.close(fig)


def test_llanoslagos_methods_image():
    fig, numbers = figures.render("llanoslagos_methods")
    try:
        ax = fig.axes[0]
        groups = [t.get_text() for t in ax.get_yticklabels()]
        assert groups == ["High load", "Combined", "Plyometric", "Submaximal load", "Isometric"]
        # Llanos-Lagos 2024a, Results 3.4 and Table 4: 19, 20, 28, 7, 7 effect sizes
        ks = {"high_load": 19, "combined": 20, "plyometric": 28, "submaximal": 7,
              "isometric": 7}
        for g, k in ks.items():
            pts = [c for c in ax.collections if c.get_label() == f"effects:{g}"][0]
            assert len(pts.get_offsets()) == k
            assert numbers["groups"][g]["k"] == k
            est = [c for c in ax.collections if c.get_label() == f"estimate:{g}"][0]
            assert est.get_offsets()[0, 0] == pytest.approx(numbers["groups"][g]["estimate"])
            assert numbers["groups"][g]["model"] == "three-level"
        # Sect. 3.4 (p. 910): high load -0.266 [-0.516, -0.015], plyometric -0.122
        # [-0.299, 0.054]; printed to 3 decimals (tests/test_reproduce_llanoslagos2024a.py)
        hl, pl = numbers["groups"]["high_load"], numbers["groups"]["plyometric"]
        for got, want in [(hl["estimate"], -0.266), (hl["ci_lb"], -0.516),
                          (hl["ci_ub"], -0.015), (pl["estimate"], -0.122),
                          (pl["ci_lb"], -0.299), (pl["ci_ub"], 0.054)]:
            assert abs(got - want) <= PRINTED_ROUNDING
        cross = [c for c in ax.collections if c.get_label() == "printed:high_load"][0]
        assert cross.get_offsets()[0, 0] == -0.266
    finally:
        plt.close(fig)


def test_sensitivity_image():
    fig, numbers = figures.render("sensitivity")
    try:
        gosh_ax, l1o_ax = fig.axes
        # 2^5 - 1 subsets of the five studies
        assert sum(len(c.get_offsets()) for c in gosh_ax.collections) == 31
        # coloured by the most influential study: 2^4 = 16 subsets contain Paavolainen 1999
        by = {c.get_label(): len(c.get_offsets()) for c in gosh_ax.collections}
        assert by == {"with Paavolainen 1999": 16, "without Paavolainen 1999": 15}
        assert numbers["most_influential"] == "Paavolainen 1999"
        assert numbers["gosh"]["n_subsets"] == 31
        est = [c for c in l1o_ax.collections if c.get_label() == "rows"][0].get_offsets()
        # Balsalobre 2016 Results: without Paavolainen 1999, -1.06 [-1.56, -0.56], I2 = 0 %
        # (with tau2 = 0 REML equals the fixed-effect estimate the paper's software prints)
        assert est[0, 0] == pytest.approx(-1.06, abs=PAPER_TOL)
    finally:
        plt.close(fig)


def test_race_time_image():
    fig, numbers = figures.render("race_time")
    try:
        ax = fig.axes[0]
        models = {l.get_gid() for l in ax.lines} - {None}
        assert {"daniels", "diprampero", "kipp2019"} <= models
        names = {l.get_label() for l in ax.lines if l.get_gid()}
        assert "Kipp 2019 (metabolic power)" in names   # labels.model, not the code
        # Støren 2008 strength group VO2max 61 ml/kg/min (Llanos-Lagos 2024a Table 2)
        assert numbers["vo2max"] == 61
        # the caption's "6% between-runner CV" is the preset actually used
        assert numbers["cv"]["value"] == 0.06 and "6%" in figures.REGISTRY["race_time"].caption
        # a better economy shortens every race in every model
        assert all(r["delta_s"] < 0 for r in numbers["predictions"])
    finally:
        plt.close(fig)


def test_performance_forest_image():
    fig, numbers = figures.render("performance_forest")
    ax = fig.axes[0]
    # 28 comparisons of Llanos-Lagos 2024b (8 high load, 6 combined, 14 plyometric;
    # tests/test_comparisons.py), 3 subgroup diamonds, the overall diamond, the Qb row
    pts = [c for c in ax.collections if c.get_label() == "studies"][0].get_offsets()
    assert len(pts) == 28
    assert len(ax.get_yticks()) == 28 + 3 + 1 + 1
    assert {g: s["k"] for g, s in numbers["subgroups"].items()} == {
        "Combined": 6, "High load": 8, "Plyometric": 14}
    for g, s in numbers["subgroups"].items():
        xy = [p for p in ax.patches if p.get_label() == f"subgroup:{g}"][0].get_xy()
        assert xy[np.argmax(xy[:, 1]), 0] == pytest.approx(s["estimate"], abs=1e-6)
    xy = [p for p in ax.patches if p.get_label() == "pooled"][0].get_xy()
    assert xy[np.argmax(xy[:, 1]), 0] == pytest.approx(numbers["overall"]["estimate"], abs=1e-6)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sum("Qb(2)" in t for t in labels) == 1
    rows = [t for t in labels if " · " in t]        # study rows: "Author Year · measure"
    assert len(rows) == 28 and len(set(rows)) == 28   # no duplicated study rows


def test_speed_moderation_image():
    fig, numbers = figures.render("speed_moderation")
    ax = fig.axes[0]
    m = numbers["model"]
    # every Llanos-Lagos 2024a effect with a km/h speed is a bubble: 81 minus those without
    pts = [c for c in ax.collections if c.get_label() == "studies"][0].get_offsets()
    assert len(pts) == m["k"] == 81 - numbers["k_without_speed"]
    line = [l for l in ax.lines if l.get_label() == "fit"][0]
    x, y = line.get_xdata(), line.get_ydata()
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(m["beta"][1], rel=1e-9)
    assert x[0] == pts[:, 0].min() and x[-1] == pts[:, 0].max()


def test_training_dose_image():
    fig, numbers = figures.render("training_dose")
    try:
        ax = fig.axes[0]
        m = numbers["model"]
        pts = [c for c in ax.collections if c.get_label() == "studies"][0].get_offsets()
        # every one of the 81 Llanos-Lagos 2024a effect sizes has weeks and sessions/week
        assert len(pts) == m["k"] == 81 and numbers["k_without_dose"] == 0
        # Albracht 2013 isometric: 14 weeks x 4 sessions (Llanos-Lagos 2024a Table 2) = 56,
        # the longest programme
        assert numbers["sessions"]["max"] == 14 * 4 and pts[:, 0].max() == 56
        line = [l for l in ax.lines if l.get_label() == "fit"][0]
        x, y = line.get_xdata(), line.get_ydata()
        assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(m["beta"][1], rel=1e-9)
        assert numbers["per_10_sessions"]["estimate"] == pytest.approx(10 * m["beta"][1])
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert sorted(legend) == ["Combined", "High load", "Isometric", "Plyometric",
                                  "Submaximal load"]
    finally:
        plt.close(fig)


def test_count_plurals():
    assert figures._count(0, "trial") == "no trials"
    assert figures._count(1, "trial") == "1 trial"
    assert figures._count(2, "trial") == "2 trials"
    assert figures._count(3, "study", "studies") == "3 studies"


def test_speed_method_numbers_and_image():
    """Within- and between-group speed slopes, recomputed here without runecon.speed: speed
    centred within each training group by hand, one three-level model per method
    (rma_mv is checked against metafor in test_metafor_rma_mv.py); the contrast of within
    slopes from the raw-speed parametrisation (speed, group mean and their interactions
    with method span the same space, so the speed x method coefficient is the difference of
    the within slopes)."""
    from scipy import stats

    fig, numbers = figures.render("speed_method")
    numbers = figures._clean(numbers)   # as written to the JSON (NaN -> None)
    try:
        c = runecon.comparisons("running_economy", review="llanoslagos2024a")
        c = c[np.isfinite(c["speed_kmh"].to_numpy(float))].copy()
        c["grp"] = c["study_id"].astype(str) + "|" + c["group_id"].astype(str)
        mean = c.groupby("grp")["speed_kmh"].transform("mean")
        c["w"], c["b"] = c["speed_kmh"] - mean, mean
        rows = {r["method"]: r for r in numbers["methods"]}
        for m in ("high_load", "plyometric", "combined", "submaximal"):
            d = c[c["method"] == m]
            fit = runecon.rma_mv(d["yi"].to_numpy(float), d["vi"].to_numpy(float),
                                 cluster=d["grp"].to_numpy(), test="t",
                                 mods=d[["w", "b"]].to_numpy(float))
            q = stats.t.ppf(0.975, fit.df)
            r = rows[m]
            assert r["k"] == len(d) and r["groups"] == d["grp"].nunique()
            for part, j in (("within", 1), ("between", 2)):
                assert r[f"{part}_estimate"] == pytest.approx(fit.beta[j], abs=1e-6)
                assert r[f"{part}_ci_lb"] == pytest.approx(fit.beta[j] - q * fit.se[j],
                                                           abs=1e-6)
                assert r[f"{part}_ci_ub"] == pytest.approx(fit.beta[j] + q * fit.se[j],
                                                           abs=1e-6)
        # isometric: one training group (Llanos-Lagos 2024a Table 2: Albracht 2013) -> no slope
        assert rows["isometric"]["groups"] == 1 and rows["isometric"]["within_estimate"] is None
        # plyometric minus high load, raw speed parametrisation
        d = c[c["method"].isin(["high_load", "plyometric"])]
        isp = (d["method"] == "plyometric").to_numpy(float)
        s_, b = d["speed_kmh"].to_numpy(float), d["b"].to_numpy(float)
        fit = runecon.rma_mv(d["yi"].to_numpy(float), d["vi"].to_numpy(float),
                             cluster=d["grp"].to_numpy(), test="t",
                             mods=np.column_stack([isp, s_, s_ * isp, b, b * isp]))
        con = numbers["contrast"]
        assert (con["method_a"], con["method_b"]) == ("high_load", "plyometric")
        assert con["estimate"] == pytest.approx(fit.beta[3], abs=1e-6)
        q = stats.t.ppf(0.975, fit.df)
        assert con["ci_lb"] == pytest.approx(fit.beta[3] - q * fit.se[3], abs=1e-6)
        # what is drawn is what the JSON holds
        ax = fig.axes[0]
        within = [c_ for c_ in ax.collections if c_.get_label() == "within"][0].get_offsets()
        est = [rows[m]["within_estimate"] for m in figures.SPEED_METHODS
               if rows[m]["within_estimate"] is not None]
        np.testing.assert_allclose(within[:, 0], est, atol=1e-6)
        xy = [p for p in ax.patches if p.get_label() == "contrast"][0].get_xy()
        assert xy[:, 0].min() == pytest.approx(con["ci_lb"], abs=1e-6)
        assert xy[:, 0].max() == pytest.approx(con["ci_ub"], abs=1e-6)
        assert any(t.get_label() == "not_estimable" for t in ax.texts)
        # the sentence follows the rule: a CI including zero -> "cannot tell"
        if con["ci_lb"] < 0 < con["ci_ub"]:
            assert "cannot tell" in numbers["sentence"]
            assert "not evidence that speed makes no difference" in numbers["sentence"]
        assert labels.ci(con["estimate"], con["ci_lb"], con["ci_ub"]) in numbers["sentence"]
    finally:
        plt.close(fig)


def test_injury_numbers_and_image():
    fig, numbers = figures.render("injury")
    try:
        # Lauersen 2014 (doi:10.1136/bjsports-2013-092538), abstract: strength training
        # RR 0.315 (95% CI 0.207 to 0.480), stretching RR 0.963 (0.846 to 1.095); all sports
        rr = {r["subgroup"].split(" (")[0]: r for r in numbers["ratios_all_sports"]}
        assert (rr["strength training"]["estimate"], rr["strength training"]["ci_lb"],
                rr["strength training"]["ci_ub"]) == (0.315, 0.207, 0.480)
        assert (rr["stretching"]["estimate"], rr["stretching"]["ci_lb"],
                rr["stretching"]["ci_ub"]) == (0.963, 0.846, 1.095)
        assert all(r["population"] == "athletes of all sports" for r in rr.values())
        # Wu 2024 (doi:10.1007/s40279-024-01993-7), abstract: only z and p printed
        zs = [(r["outcome"], r["z"], r["p_printed"]) for r in numbers["z_runners"]]
        assert zs == [("injury_risk", -1.60, "0.110"), ("injury_rate", -0.98, "0.329"),
                      ("injury_risk", -3.75, "<0.001")]
        assert all("estimate" not in r and "ci_lb" not in r for r in numbers["z_runners"])
        a, b = fig.axes
        assert a.get_xscale() == "log" and b.get_xscale() == "linear"
        pts = [c for c in a.collections if c.get_label() == "rows"][0].get_offsets()
        np.testing.assert_allclose(pts[:, 0], [0.315, 0.963], atol=EXACT)
        # the z values are drawn as z, never converted into a ratio
        z = [c for c in b.collections if c.get_label() == "z"][0].get_offsets()
        np.testing.assert_allclose(z[:, 0], [-1.60, -0.98, -3.75], atol=EXACT)
        band = [p for p in b.patches if p.get_label() == "not_significant"][0]
        # |z| < qnorm(0.975) shaded
        assert band.get_x() == pytest.approx(-1.959963984540054, abs=1e-9)
        assert band.get_x() + band.get_width() == pytest.approx(1.959963984540054, abs=1e-9)
        s = numbers["sentence"]
        assert "0.315 [0.207, 0.480]" in s and "not runners only" in s
        assert "z = −1.60 (p = 0.110, no clear difference)" in s
        assert "z = −3.75 (p < 0.001, fewer injuries)" in s
    finally:
        plt.close(fig)


def test_network_and_cumulative_sentences_use_readers_numbers(built):
    a, _ = built
    for name in ("methods_network", "cumulative_evidence"):
        s = json.loads((a / f"{name}.json").read_text(encoding="utf-8"))["sentence"]
        assert "\u2212" in s and not re.search(r"(?<![\w.])-\d", s)
        assert "(s)" not in s
    s = json.loads((a / "methods_network.json").read_text(encoding="utf-8"))
    best = min(s["numbers"]["running_economy"]["estimates"], key=lambda r: r["estimate"])
    assert f"SMD {labels.num(best['estimate'])}, 95% CI {labels.num(best['ci_lb'])}" in s["sentence"]


def test_readme_lists_every_figure():
    """The README's list of article figures names every registered figure."""
    from pathlib import Path

    readme = (Path(figures.__file__).resolve().parents[1] / "README.md").read_text(
        encoding="utf-8")
    section = readme.split("All article figures", 1)[1].split("##", 1)[0]
    assert not [n for n in figures.REGISTRY if f"`{n}`" not in section]


def test_verdict_rules():
    """The words of the speed_method and injury sentences, by their rules (hand cases)."""
    v = figures._speed_contrast_verdict
    assert v(0.01, 0.4).startswith("the data support")
    assert v(-0.4, -0.01).startswith("the data point the other way")
    assert "cannot tell" in v(-0.10, 0.37) and "not evidence" in v(-0.10, 0.37)
    r = figures._ratio_verdict
    assert (r(0.207, 0.480), r(0.846, 1.095), r(1.1, 1.9)) == (
        "fewer injuries", "no clear difference", "more injuries")
    z = figures._z_verdict
    # Wu 2024 abstract: z = -1.60, p = 0.110; z = -3.75, p < 0.001
    assert z(-1.60, "0.110") == "no clear difference"
    assert z(-3.75, "<0.001") == "fewer injuries"
    assert z(2.5, "0.012") == "more injuries"
    assert z(-2.0, ">0.05") == "no clear difference"
    assert figures._p_text("<0.001") == "p < 0.001" and figures._p_text("0.110") == "p = 0.110"
