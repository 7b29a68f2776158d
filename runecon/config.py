"""Where runecon finds things: one place for every path (no ``../..`` elsewhere)."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Repository root (for an editable install / a clone).
ROOT = PACKAGE_DIR.parent
#: The evidence data package; override with the environment variable RUNECON_DATA.
DATA_DIR = Path(os.environ.get("RUNECON_DATA", ROOT / "data"))
STYLE_DIR = PACKAGE_DIR / "styles"
FIGURES_DIR = ROOT / "figures"
NOTEBOOKS_DIR = ROOT / "notebooks"
