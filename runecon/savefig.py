"""Save a figure in several formats with identical bytes from run to run.

Volatile metadata are stripped (PNG ``Software``; PDF ``Creator``/``Producer``/
``CreationDate``; SVG ``Creator``/``Date``), the SVG hash salt is fixed (style file and here)
and ``SOURCE_DATE_EPOCH`` is honoured (set to 0 when absent, so matplotlib's own
fallbacks never read the clock). A diff of a figures folder then means the evidence changed.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError

__all__ = ["FORMATS", "DEFAULT_DPI", "SVG_HASHSALT", "save"]

FORMATS = ("pdf", "svg", "png")
#: Raster resolution of PNG output (dots per inch), journal print quality.
DEFAULT_DPI = 300
SVG_HASHSALT = "runecon"

_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
    "svg": {"Creator": None, "Date": None},
}


def check_formats(formats) -> tuple:
    """Validate a sequence of format names (``pdf``, ``svg``, ``png``)."""
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError("formats", f"must be a non-empty subset of {FORMATS}, got {formats!r}")
    return formats


def save(fig, path_stem, formats=FORMATS, dpi=DEFAULT_DPI) -> list:
    """Write ``fig`` to ``path_stem.<fmt>`` for each format, byte-reproducibly.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : str or Path
        Output path without extension (folders are created).
    formats : sequence of str
        Any of ``"pdf"``, ``"svg"``, ``"png"``.
    dpi : int
        Resolution of the PNG (vector formats ignore it).

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib as mpl

    formats = check_formats(formats)
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    out = []
    with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        for fmt in formats:
            path = stem.with_name(stem.name + "." + fmt)
            fig.savefig(path, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]))
            out.append(path)
    return out
