"""The command line: ``runecon add-study`` (template, merge + check) and ``runecon figures
--data`` on a merged copy with one constructed trial."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runecon.cli import main
from runecon.errors import InputError

from test_living import TRIAL, _fill

ROOT = Path(__file__).resolve().parents[1]


def test_add_study_template(tmp_path, capsys):
    assert main(["add-study", "--template", str(tmp_path / "t")]) == 0
    out = capsys.readouterr().out
    assert "studies.csv" in out and "--out MERGED" in out
    guide = (tmp_path / "t" / "README.md").read_text(encoding="utf-8")
    assert "runecon figures --data MERGED" in guide and "runecon2026" in guide


def test_add_study_needs_a_folder_and_out(tmp_path, capsys):
    assert main(["add-study", str(tmp_path)]) == 2
    assert "--out MERGED" in capsys.readouterr().err


def test_add_study_merges_and_validates(tmp_path, capsys):
    main(["add-study", "--template", str(tmp_path / "t")])
    _fill(tmp_path / "t")
    assert main(["add-study", str(tmp_path / "t"), "--out", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "appended 1 row(s) to studies.csv, 2 row(s) to groups.csv, 4 row(s) to " \
           "outcomes.csv" in out and "ok:" in out and "figures --data" in out


def test_add_study_names_the_problem(tmp_path, capsys):
    main(["add-study", "--template", str(tmp_path / "t")])
    bad = json.loads(json.dumps(TRIAL))
    bad["outcomes"][0]["timepoint"] = "before"
    _fill(tmp_path / "t", bad)
    assert main(["add-study", str(tmp_path / "t"), "--out", str(tmp_path / "m")]) == 1
    out = capsys.readouterr().out
    assert "outcomes.csv, line " in out and "'timepoint'" in out and "'before'" in out


def test_figures_data_must_be_a_data_package(tmp_path):
    with pytest.raises(InputError) as e:
        main(["figures", "--data", str(tmp_path), "--only", "cumulative_evidence"])
    assert e.value.argument == "--data"


@pytest.mark.slow
def test_figures_on_merged_data(tmp_path):
    """In a fresh process (``--data`` points the whole process at the merged folder)."""
    main(["add-study", "--template", str(tmp_path / "t")])
    _fill(tmp_path / "t")
    main(["add-study", str(tmp_path / "t"), "--out", str(tmp_path / "m")])
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1")
    env.pop("RUNECON_DATA", None)
    r = subprocess.run([sys.executable, "-m", "runecon.cli", "figures", "--data",
                        str(tmp_path / "m"), "--only", "cumulative_evidence", "--format", "png",
                        "--out", str(tmp_path / "fig")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    nums = json.loads((tmp_path / "fig" / "cumulative_evidence.json").read_text())["numbers"]
    # the constructed 2026 high-load trial enters the model; nothing else moves
    assert nums["changed"] == ["high_load"]
    assert nums["after"]["high_load"]["year"] == 2026
    assert nums["after"]["high_load"]["n_living"] == 1
    assert nums["after"]["high_load"]["k"] == nums["before"]["high_load"]["k"] + 1
    assert "changed the pooled effect of high load" in nums["sentence"]
