"""Where runecon finds things: one place for every path (no ``../..`` elsewhere)."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Repository root (for an editable install / a clone).
ROOT = PACKAGE_DIR.parent
#: The data package inside an installed wheel (pyproject.toml maps data/ there).
INSTALLED_DATA_DIR = PACKAGE_DIR / "_datapackage"


def _data_dir() -> Path:
    """RUNECON_DATA if set; else the repository's data/ beside the package (a clone or an
    editable install); else the copy shipped inside the installed package."""
    env = os.environ.get("RUNECON_DATA")
    if env:
        return Path(env)
    repo = ROOT / "data"
    if (repo / "datapackage.json").is_file():
        return repo
    return INSTALLED_DATA_DIR


#: The evidence data package; override with the environment variable RUNECON_DATA.
DATA_DIR = _data_dir()
STYLE_DIR = PACKAGE_DIR / "viz" / "styles"
FIGURES_DIR = ROOT / "figures"
NOTEBOOKS_DIR = ROOT / "notebooks"
