"""Print how far the Daniels & Gilbert (1979) equations are from Daniels' printed VDOT table.

Table: Daniels' Running Formula, 3rd ed. (2013), Table 3.1, as transcribed in
tests/test_physiology.py (DANIELS_TABLE_3_1). Run from the repository root:
``python validation/physiology/daniels_table_deviation.py``.
"""
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parents[2] / "tests")]
from runecon import physiology as ph  # noqa: E402
from test_physiology import DANIELS_DISTANCES_M, DANIELS_TABLE_3_1, _seconds  # noqa: E402

warnings.simplefilter("ignore")
print("| VDOT | " + " | ".join(f"{d:g} m" for d in DANIELS_DISTANCES_M) + " |")
print("|---" * (len(DANIELS_DISTANCES_M) + 1) + "|")
for v, row in sorted(DANIELS_TABLE_3_1.items()):
    table = np.array([_seconds(t) for t in row], float)
    eq = ph.race_time(v, np.array(DANIELS_DISTANCES_M))
    cells = [f"{e - t:+.1f} s ({100 * (e - t) / t:+.3f} %)" for e, t in zip(eq, table)]
    print(f"| {v} | " + " | ".join(cells) + " |")
