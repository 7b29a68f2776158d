"""The notebooks as a course: student editions and a static HTML book.

- :func:`student` writes copies of the notebooks without the cells tagged ``solution`` and
  with every output cleared (``runecon student``, ``make student``).
- :func:`build` renders every notebook, with its stored outputs and figures, into a static
  HTML site with Sphinx and myst-nb, execution off (``make book``). The table of contents is
  the notebooks folder in reading order (file names start with their chapter number), so a
  new notebook appears without editing anything. Nothing is downloaded at build time.

Notebooks are read as JSON (nbformat 4), so this module needs no Jupyter package; only
:func:`build` needs the ``book`` extra (``pip install runecon[book]``).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..errors import InputError, RuneconError

#: cells with this tag are left out of the student editions
SOLUTION_TAG = "solution"
#: in book/index.md, replaced by the generated table of contents
TOC_MARKER = "<!-- chapters -->"
_NUMBERED = re.compile(r"^(\d+)-.+\.ipynb$")


def notebooks(folder="notebooks") -> list[Path]:
    """The numbered notebooks of ``folder`` in reading order (by chapter number, then name).

    Raises
    ------
    InputError
        If the folder does not exist or holds no numbered notebook (``NN-name.ipynb``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("folder", f"{folder} is not a folder; pass the notebooks folder")
    found = [p for p in folder.iterdir() if _NUMBERED.match(p.name)]
    if not found:
        raise InputError("folder", f"{folder} holds no notebook named like 00-name.ipynb")
    return sorted(found, key=lambda p: (int(_NUMBERED.match(p.name).group(1)), p.name))


def _read(path: Path) -> dict:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError("notebook", f"{path}: not valid JSON (line {e.lineno}, column "
                                     f"{e.colno}); open and re-save it in Jupyter") from None
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise InputError("notebook", f"{path}: not an nbformat 4 notebook")
    return nb


def title(path) -> str:
    """The first Markdown heading of a notebook (its chapter title), else its file name."""
    for cell in _read(Path(path))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(path).stem


def is_solution(cell: dict) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_edition(nb: dict) -> dict:
    """A copy of notebook ``nb`` without solution cells, with outputs and counts cleared."""
    out = json.loads(json.dumps(nb))
    cells = []
    for cell in out["cells"]:
        if is_solution(cell):
            continue
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    out["cells"] = cells
    return out


def student(src="notebooks", out="student") -> list[Path]:
    """Write the student editions of every numbered notebook of ``src`` into ``out``.

    Returns the written paths; the number of solution cells removed is printed per notebook
    by the ``runecon student`` command. Existing files of the same name are replaced.
    """
    out = Path(out)
    paths = notebooks(src)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for p in paths:
        ed = student_edition(_read(p))
        dest = out / p.name
        dest.write_text(json.dumps(ed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(dest)
    return written


def _toc(paths) -> str:
    lines = ["```{toctree}", ":maxdepth: 1", ":caption: Chapters", ""]
    lines += [p.stem for p in paths]
    return "\n".join(lines + ["", "references", "```", ""])


def stage(src="notebooks", book="book", staging="_build/src") -> Path:
    """Copy the book sources and the notebooks into one Sphinx source folder.

    ``book/index.md`` gets the table of contents (the notebooks in reading order) in place of
    the line ``<!-- chapters -->``.
    """
    book, staging = Path(book), Path(staging)
    if not (book / "conf.py").is_file() or not (book / "index.md").is_file():
        raise InputError("book", f"{book} must hold conf.py and index.md")
    paths = notebooks(src)
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(book, staging)
    index = (staging / "index.md").read_text(encoding="utf-8")
    if TOC_MARKER not in index:
        raise InputError("book", f"{book / 'index.md'} lacks the line {TOC_MARKER}")
    (staging / "index.md").write_text(index.replace(TOC_MARKER, _toc(paths)), encoding="utf-8")
    for p in paths:
        shutil.copy2(p, staging / p.name)
    return staging


def build(src="notebooks", book="book", out="_build/html", staging="_build/src",
          quiet=True) -> float:
    """Build the static HTML book into ``out``; returns the build time in seconds.

    Sphinx runs in a subprocess; its warnings are written to ``<staging>/../warnings.txt``
    (not turned into errors: a notebook may carry harmless ones, such as a skipped heading
    level; the tests fail on unresolved cross-references).
    """
    try:
        import myst_nb  # noqa: F401
        import sphinx  # noqa: F401
    except ImportError:
        raise InputError("book", "needs the book extra: pip install -e '.[book]'") from None
    t0 = time.perf_counter()
    staging = stage(src, book, staging)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-j", "1", "-E",
           "-d", str(Path(staging).parent / "doctrees"),
           "-w", str(Path(staging).parent / "warnings.txt"), str(staging), str(out)]
    if quiet:
        cmd.insert(3, "-q")
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuneconError(f"sphinx-build failed ({run.returncode}):\n{run.stderr[-4000:]}")
    return time.perf_counter() - t0
