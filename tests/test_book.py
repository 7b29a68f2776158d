"""Student editions (runecon student) and the static HTML book (make book)."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT
from runecon import book
from runecon.cli import main
from runecon.errors import InputError

NOTEBOOKS = ROOT / "notebooks"
#: the course chapters: each ends with exercises whose solutions are tagged "solution"
COURSE = [p for p in book.notebooks(NOTEBOOKS) if 10 <= int(p.name[:2]) <= 19]


def _nb(cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def _code(src, tags=(), outputs=None):
    return {"cell_type": "code", "source": src, "metadata": {"tags": list(tags)},
            "execution_count": 3, "outputs": outputs or [{"output_type": "stream",
                                                          "name": "stdout", "text": "x\n"}]}


def test_notebooks_in_reading_order_include_every_numbered_notebook():
    paths = book.notebooks(NOTEBOOKS)
    on_disk = sorted(p.name for p in NOTEBOOKS.glob("[0-9]*-*.ipynb"))
    assert sorted(p.name for p in paths) == on_disk
    numbers = [int(p.name.split("-")[0]) for p in paths]
    assert numbers == sorted(numbers)


def test_reading_order_is_numeric_not_alphabetic(tmp_path):
    for name in ("100-late.ipynb", "9-early.ipynb", "10-middle.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text(json.dumps(_nb([])))
    assert [p.name for p in book.notebooks(tmp_path)] == [
        "9-early.ipynb", "10-middle.ipynb", "100-late.ipynb"]


def test_student_edition_drops_solutions_and_clears_outputs(tmp_path):
    nb = _nb([{"cell_type": "markdown", "source": "# 99 · Title\n\n1. A question?",
               "metadata": {}},
              _code("answer = None"),
              _code("print(42)", tags=["solution"]),
              {"cell_type": "markdown", "source": "42, because.", "metadata": {"tags": ["solution"]}}])
    src = tmp_path / "nb"
    src.mkdir()
    (src / "99-x.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "student"
    assert main(["student", "--notebooks", str(src), "--out", str(out)]) == 0
    ed = json.loads((out / "99-x.ipynb").read_text())
    assert [c["source"] for c in ed["cells"]] == ["# 99 · Title\n\n1. A question?", "answer = None"]
    assert ed["cells"][1]["outputs"] == [] and ed["cells"][1]["execution_count"] is None
    assert book.title(src / "99-x.ipynb") == "99 · Title"
    # the source notebook is untouched
    assert len(json.loads((src / "99-x.ipynb").read_text())["cells"]) == 4


def test_every_course_chapter_has_exercises_and_tagged_solutions(tmp_path):
    assert len(COURSE) >= 6
    written = {p.name: p for p in book.student(NOTEBOOKS, tmp_path)}
    for p in COURSE:
        cells = json.loads(p.read_text())["cells"]
        sol = [c for c in cells if book.is_solution(c)]
        text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "## Exercises" in text, p.name
        assert sol, f"{p.name}: no cell tagged 'solution'"
        ed = json.loads(written[p.name].read_text())
        assert not any(book.is_solution(c) for c in ed["cells"])
        assert len(ed["cells"]) == len(cells) - len(sol)
        assert all(c.get("outputs", []) == [] for c in ed["cells"])


def test_bad_folders_raise_input_errors(tmp_path):
    with pytest.raises(InputError, match="folder"):
        book.notebooks(tmp_path / "missing")
    with pytest.raises(InputError, match="no notebook"):
        book.notebooks(tmp_path)
    (tmp_path / "01-bad.ipynb").write_text("{not json")
    with pytest.raises(InputError, match="01-bad.ipynb"):
        book.student(tmp_path, tmp_path / "out")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])


@pytest.mark.slow
def test_book_builds_with_a_page_per_notebook_and_no_broken_internal_link(tmp_path):
    pytest.importorskip("myst_nb")
    seconds = book.build(src=NOTEBOOKS, book=ROOT / "book", out=tmp_path / "html",
                         staging=tmp_path / "src")
    html = tmp_path / "html"
    pages = {p.name: p for p in html.glob("*.html")}
    for nb in book.notebooks(NOTEBOOKS):
        assert f"{nb.stem}.html" in pages, f"no page for {nb.name}"
    assert "references.html" in pages
    index = (html / "index.html").read_text()
    # the table of contents lists the chapters in reading order
    positions = [index.index(f'href="{nb.stem}.html"') for nb in book.notebooks(NOTEBOOKS)]
    assert positions == sorted(positions)
    parsed = {}
    for page in html.rglob("*.html"):
        p = _Links()
        p.feed(page.read_text(encoding="utf-8"))
        parsed[page.resolve()] = p
    broken = []
    for page, p in parsed.items():
        for link in p.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("data:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.name}: {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else set()
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.name}: {link} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:20])
    warnings = (tmp_path / "warnings.txt").read_text()
    unresolved = [w for w in warnings.splitlines()
                  if "not found" in w or "undefined label" in w or "unknown document" in w]
    assert not unresolved, "unresolved cross-references:\n" + "\n".join(unresolved[:20])
    # citations resolve to the references page
    assert re.search(r'href="references.html#', index)
    assert seconds < 120


def test_readme_notebook_map_names_every_notebook():
    """The README's notebook table is the reader's map: every notebook in notebooks/ has a
    row (by its number, alone or inside a range such as `10`–`16`), and no row names a
    notebook that does not exist."""
    import re

    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Notebooks"):]
    table = table[:table.index("\n## ", 3)]
    listed = set()
    for a, b in re.findall(r"^\| `(\d\d)[^`]*`(?:\s*\u2013\s*`(\d\d)`)?", table, re.M):
        listed |= {f"{n:02d}" for n in range(int(a), int(b or a) + 1)}
    have = {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")}
    assert have <= listed, sorted(have - listed)
    assert listed <= have, sorted(listed - have)
