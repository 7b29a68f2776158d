"""What a reader sees: ``style`` (the house style, ``styles/runecon.mplstyle``), ``savefig``
(reproducible files), ``plots`` (one function per plot, ``ax=None``), ``figures`` (the
article's registered figures), ``explorer`` (the interactive UI) and ``book`` (the notebooks
as a course and a static site).

The top layer below the command line: the only place that imports matplotlib. This
``__init__`` imports nothing, so ``import runecon`` stays free of matplotlib; the modules load
on first use (``runecon.plots``, ``runecon.viz.figures``...).
"""
