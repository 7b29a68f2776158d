"""The evidence: the curated data package and what is computed from it.

``data`` (loading and validating ``data/``), ``labels`` (people's words for the codes),
``_armdata`` and ``comparisons`` (the arm data turned into trained-vs-control effect sizes),
``speed``, ``claims`` (the ledger of verdicts) and ``living`` (the living review).

It sits above the engine (``runecon.meta``) and ``runecon.physiology``, which it uses, and
below the drawing (``runecon.viz``); it never imports matplotlib.
"""
