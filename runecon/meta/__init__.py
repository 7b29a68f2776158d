"""The engine: meta-analysis equal to R metafor, usable on its own.

Effect sizes (``effects``: escalc and conversions), model matrices (``_design``), R's uniroot
(``_rootfind``), the batched univariate core (``_batch``) and ``rma`` (``models``), and the
analyses built on them: ``multilevel`` (rma_mv, robust), ``sensitivity`` (leave1out,
influence, cumul, gosh, permutest), ``smallstudy`` (regtest, trimfill, PET-PEESE),
``subgroups``, ``bayes``, ``netmeta`` and ``simulate`` (coverage studies).

Nothing here reads the data package or imports matplotlib: it depends only on the package's
foundation (``runecon.errors``, ``runecon.results``, ``runecon._checks``), so it can be used,
and is tested, on any yi/vi. ``tests/test_layering.py`` enforces this.
"""
