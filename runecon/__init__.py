"""runecon: the evidence on strength and plyometric training for distance runners,
re-analysed with statistics equal to R metafor.

The public API is re-exported here; see the README for a quickstart.
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import errors
from .models import rma
from .results import ConfintResult, PredictResult, RMAResult

__all__ = ["__version__", "errors", "rma", "RMAResult", "PredictResult", "ConfintResult"]
