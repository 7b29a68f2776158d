"""Sphinx configuration of the runecon book (`make book`; runecon.book.build).

The notebooks are rendered with their stored outputs (myst-nb, execution off): the book shows
exactly what nbval checks. Everything used here ships inside the Python packages of the
`book` extra, so the build downloads nothing.
"""
project = "runecon: a meta-analysis course on strength training for distance runners"
author = "runecon developers"
copyright = "runecon developers; data CC BY 4.0 where the sources are (see data/README.md)"

extensions = ["myst_nb", "sphinxcontrib.bibtex"]
nb_execution_mode = "off"          # stored outputs only; the notebooks are executed by nbval
nb_merge_streams = True
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3           # [text](NN-name.ipynb#a-heading) links resolve
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "alabaster"
html_title = "runecon book"
html_theme_options = {"page_width": "1100px", "sidebar_width": "260px"}
html_static_path = []
suppress_warnings = ["mystnb.unknown_mime_type"]
