"""Write student versions of the chapter notebooks: solutions removed, everything else kept.

    python tools/student.py [OUT_DIR]          (default: _build/student)

Removed: code cells tagged ``solution``, and markdown cells that are a solution dropdown
(they start with an ``{admonition} Solution`` directive). Exercise stubs stay; they raise
``NotImplementedError`` until the student fills them in, and the ``gantut.checks`` calls print
"not yet implemented" instead of crashing, so the student notebook still runs top to bottom.
Outputs are cleared: students run the notebook themselves.
"""

from __future__ import annotations

import pathlib
import re
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTION_MD = re.compile(r"^\s*(`{3,}|:{3,})\{admonition\}\s*Solution", re.I)


def is_solution(cell) -> bool:
    if "solution" in cell.metadata.get("tags", []):
        return True
    return cell.cell_type == "markdown" and bool(SOLUTION_MD.match(cell.source))


def after_solution(source: str) -> str:
    """What follows a solution dropdown's closing fence in the same markdown cell (the next
    exercise's statement, in some chapters), or ''."""
    match = SOLUTION_MD.match(source)
    if match is None:  # a solution by its tag, without a dropdown
        return ""
    fence = match.group(1)
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines[1:], 1):
        if re.fullmatch(re.escape(fence[0]) + "{%d,}" % len(fence), line.strip()):
            return "".join(lines[i + 1:]).strip()
    return ""


def student_version(nb):
    """The notebook without its solutions (a markdown solution keeps what follows its dropdown)
    and without outputs."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        if not is_solution(cell):
            cells.append(cell)
        elif cell.cell_type == "markdown" and after_solution(cell.source):
            cells.append(nbformat.v4.new_markdown_cell(after_solution(cell.source)))
    nb.cells = cells
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def main(out: str = str(ROOT / "_build" / "student")) -> list[pathlib.Path]:
    out_dir = pathlib.Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb")):
        nb = student_version(nbformat.read(path, as_version=4))
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
        print(f"wrote {target}")
    return written


if __name__ == "__main__":
    main(*sys.argv[1:])
