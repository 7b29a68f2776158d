"""The runecon figure style: one ``.mplstyle``, journal widths, a colour-blind-safe palette.

>>> import runecon.style
>>> runecon.style.use()                   # for the rest of the session
>>> with runecon.style.context():         # or only inside the block
...     pass

Notes
-----
Palette: Okabe M, Ito K (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
Widths: single journal column 3.5 in (89 mm), double column 7.2 in (183 mm), the usual
limits of Elsevier/Springer/NSCA author guidelines.
"""
from __future__ import annotations

import contextlib

from .. import config

__all__ = ["STYLE_FILE", "OKABE_ITO", "CYCLE", "SINGLE_COLUMN_IN", "DOUBLE_COLUMN_IN",
           "POOLED_COLOR", "width_in", "use", "context"]

#: The packaged matplotlib style file.
STYLE_FILE = config.STYLE_DIR / "runecon.mplstyle"
#: Journal single-column width (inches).
SINGLE_COLUMN_IN = 3.5
#: Journal double-column (full page) width (inches).
DOUBLE_COLUMN_IN = 7.2

#: The eight Okabe–Ito colours (Okabe & Ito 2008), by name.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9",
    "bluish_green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
#: Order of the colour cycle in the style file.
CYCLE = tuple(OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "orange",
                                     "reddish_purple", "sky_blue", "yellow", "black"))
#: Pooled estimates (diamonds, summary lines) are drawn in black.
POOLED_COLOR = OKABE_ITO["black"]


def width_in(width) -> float:
    """Figure width in inches: ``"single"``, ``"double"`` or a number of inches."""
    from ..errors import InputError

    if isinstance(width, str):
        if width == "single":
            return SINGLE_COLUMN_IN
        if width == "double":
            return DOUBLE_COLUMN_IN
        raise InputError("width", f"must be 'single', 'double' or inches, not {width!r}")
    try:
        w = float(width)
    except (TypeError, ValueError):
        raise InputError("width", f"must be 'single', 'double' or inches, not {width!r}")
    if not w > 0:
        raise InputError("width", f"must be positive, got {width!r}")
    return w


def use() -> None:
    """Apply the runecon style to matplotlib for the rest of the session."""
    import matplotlib.pyplot as plt

    plt.style.use(str(STYLE_FILE))


@contextlib.contextmanager
def context():
    """Context manager: the runecon style inside the ``with`` block only."""
    import matplotlib.pyplot as plt

    with plt.style.context(str(STYLE_FILE)):
        yield
