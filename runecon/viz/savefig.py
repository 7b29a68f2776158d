"""Save a figure in several formats with identical bytes from run to run.

Volatile metadata are stripped (PNG ``Software``; PDF ``Creator``/``Producer``/
``CreationDate``; SVG ``Creator``/``Date``) and the SVG hash salt is fixed (style file and
here). ``SOURCE_DATE_EPOCH`` (https://reproducible-builds.org/specs/source-date-epoch/) is
honoured: when set, PDF and SVG carry that date; when absent they carry none -- the clock is
never read. A diff of a figures folder then means the evidence changed.
"""
from __future__ import annotations

import datetime
import os
from pathlib import Path

from ..errors import InputError

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
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    date = None
    if epoch:
        try:
            date = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        except ValueError:
            raise InputError("SOURCE_DATE_EPOCH", f"must be an integer, got {epoch!r}")
    out = []
    # lay the figure out once (constrained layout would re-run for every format), then
    # freeze the positions while saving; the figure's layout engine is restored afterwards
    engine = fig.get_layout_engine()
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    try:
        with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
            for fmt in formats:
                path = stem.with_name(stem.name + "." + fmt)
                meta = dict(_METADATA[fmt])
                if date is not None and fmt == "pdf":
                    meta["CreationDate"] = date
                elif date is not None and fmt == "svg":
                    meta["Date"] = date.strftime("%Y-%m-%dT%H:%M:%S")
                fig.savefig(path, format=fmt, dpi=dpi, metadata=meta)
                out.append(path)
    finally:
        fig.set_layout_engine(engine)
    return out
