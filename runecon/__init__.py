"""runecon: the evidence on strength and plyometric training for distance runners,
re-analysed with statistics equal to R metafor.

The public API is re-exported here; see the README for a quickstart.
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import errors

__all__ = ["__version__", "errors"]
from .bayes import bayesmeta, BayesResult  # noqa: E402

__all__ += ["bayesmeta", "BayesResult"]
