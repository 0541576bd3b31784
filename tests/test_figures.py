"""Figures readable where they are shown: one palette (gantut.plot's) in every chapter, and no
figure text smaller than the body's small print at the book's column width. (The dark-mode and
light-mode screenshots are in tests/test_book.py.)"""

from __future__ import annotations

import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from gantut import plot  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
# The book's column is 752 px at 1280 px and its figures are 7 in wide at 100 dpi (shown at natural
# size); code and printed outputs, the body's small print, are 14 px.
FIGURE_DPI, SMALL_PRINT_PX = 100, 14


def code_cells(path):
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            yield i, cell.source


def test_smallest_figure_text_is_as_large_as_the_body_small_print():
    plot.use_book_style()
    sizes = {k: matplotlib.font_manager.FontProperties(size=plt.rcParams[k]).get_size_in_points()
             for k in ("font.size", "axes.labelsize", "axes.titlesize", "xtick.labelsize",
                       "ytick.labelsize", "legend.fontsize")}
    assert min(sizes.values()) >= plot.SMALL, sizes
    assert plot.SMALL / 72 * FIGURE_DPI >= SMALL_PRINT_PX - 0.5  # 10 pt -> 13.9 px


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_uses_the_book_palette_and_readable_text_sizes(path):
    problems = []
    for i, source in code_cells(path):
        code = re.sub(r"#[^\n]*", lambda m: "" if not re.match(r"#[0-9a-fA-F]{6}\b", m.group()) else m.group(), source)
        for m in re.finditer(r"""["'](C\d|tab:\w+|#[0-9a-fA-F]{6})["']""", code):
            problems.append(f"cell {i}: hard-coded colour {m.group()} (use a role from gantut.plot)")
        for m in re.finditer(r"""cmap\s*=\s*["'](\w+)["']""", code):
            if m.group(1) not in plot.CMAPS:
                problems.append(f"cell {i}: colour map {m.group(1)!r} is not one of gantut.plot.CMAPS")
        for m in re.finditer(r"\b(?:fontsize|labelsize|size)\s*=\s*(\d+(?:\.\d+)?)", code):
            before = code[max(0, m.start() - 40):m.start()]
            if "fontsize" in m.group() or "labelsize" in m.group() or "font" in before:
                if float(m.group(1)) < plot.SMALL:
                    problems.append(f"cell {i}: text of {m.group(1)} pt (smallest: gantut.plot.SMALL = {plot.SMALL})")
    assert not problems, "\n".join(problems)
