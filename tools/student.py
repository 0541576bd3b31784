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


def student_version(nb):
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if not is_solution(c)]
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
