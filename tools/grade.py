"""Grade submitted chapter notebooks: run each with papermill and collect the exercise checkers' verdicts.

    python tools/grade.py SUBMISSION.ipynb [MORE.ipynb ...] [--mode smoke|cpu|full] [--seed N]
                          [--out DIR] [--json FILE]

Each submission runs top to bottom with papermill in the chapter folder (``notebooks/``), as the
tests run the chapters, with ``MODE`` (default ``smoke``: seconds; ``cpu`` for the real results)
and, if given, ``SEED`` injected after its ``parameters`` cell. The executed copy is written to
``DIR/<name>`` (default ``_build/graded``). Then every exercise of the notebook is listed with what
its checker printed:

- ``✓ name: ...`` correct, ``✗ name: ...`` a mistake (named where the checker knows it),
  ``… name: ...`` not attempted (the stub still raises ``NotImplementedError``): every
  ``gantut.checks`` checker, and every checker a chapter defines with ``checks.engine.verdict``,
  prints exactly one such line and never stops the run;
- ``to read``: an exercise with no verdict (predict and explain exercises): yours to grade, with
  the rubric of the instructor guide.

If the notebook stops (a cell raises, a chapter's own ``assert`` fails), the report says at which
cell and with what error; the verdicts printed before it still count. The exit status is 0 when
every submission ran to the end with every verdict ``✓``, else 1. ``--json`` writes the same
report as data, one entry per submission, for a grade book.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import sys
from dataclasses import asdict, dataclass, field

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: One verdict line, as gantut.checks.engine.verdict prints it.
VERDICT = re.compile(r"^([✓✗…]) ([A-Za-z_][A-Za-z_0-9]*): (.*)$")

#: An exercise heading, in the forms the chapters use: "**Exercise 2 (predict, then run).**",
#: "### Exercise 1 (implement): the Fréchet distance", "**1. Implement.**".
EXERCISE = re.compile(r"^\s*(?:#+\s*|\*\*)(?:Exercise\s+(\d+)\s*\(([^)]*)\)|(\d+)\.\s+([A-Za-z ,]+)\.)", re.M)

SYMBOLS = {"✓": "correct", "✗": "wrong", "…": "not attempted"}


@dataclass
class Exercise:
    number: int
    kind: str
    verdicts: list = field(default_factory=list)  # (symbol, checker name, message)


@dataclass
class Grade:
    submission: str
    mode: str
    executed: str
    ran_to_the_end: bool
    stopped: str | None
    exercises: list

    def counts(self) -> dict:
        symbols = [v[0] for e in self.exercises for v in e.verdicts]
        return {word: symbols.count(symbol) for symbol, word in SYMBOLS.items()}

    def passed(self) -> bool:
        counts = self.counts()
        return self.ran_to_the_end and counts["wrong"] == 0 and counts["not attempted"] == 0

    def report(self) -> str:
        head = f"{self.submission} ({self.mode} mode): " + (
            "ran to the end" if self.ran_to_the_end else f"STOPPED {self.stopped}")
        lines = [head]
        for e in self.exercises:
            label = f"  exercise {e.number} ({e.kind}):"
            if not e.verdicts:
                lines.append(f"{label} to read")
            for symbol, name, message in e.verdicts:
                lines.append(f"{label} {symbol} {name}: {message}")
        counts = self.counts()
        executed = os.path.relpath(self.executed)  # shorter, where it is under the current folder
        lines.append("  checked: " + ", ".join(f"{n} {word}" for word, n in counts.items())
                     + f"; executed copy: {executed if not executed.startswith('..') else self.executed}")
        return "\n".join(lines)


def exercises_in(nb) -> list[tuple[int, int, str]]:
    """(cell index, number, kind) of every exercise heading in a notebook, in order."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for m in EXERCISE.finditer(cell.source):
            number, kind = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            found.append((i, int(number), kind.strip().lower()))
    return found


def collect(nb) -> tuple[list[Exercise], str | None]:
    """The verdicts printed under each exercise, and where the run stopped (None if it did not)."""
    headings = exercises_in(nb)
    exercises = [Exercise(number, kind) for _, number, kind in headings]
    starts = [i for i, _, _ in headings]
    stopped = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        k = sum(start < i for start in starts) - 1  # the exercise this cell sits under, -1 if none
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                for line in out.get("text", "").splitlines():
                    m = VERDICT.match(line.strip())
                    if m and k >= 0:
                        exercises[k].verdicts.append(m.groups())
            elif out.get("output_type") == "error" and stopped is None:
                where = f"exercise {exercises[k].number}" if k >= 0 else "the chapter"
                stopped = f"at cell {i} (in {where}): {out.get('ename')}: {out.get('evalue')}"
    return exercises, stopped


def grade(submission: str | pathlib.Path, mode: str = "smoke", seed: int | None = None,
          out_dir: str | pathlib.Path = ROOT / "_build" / "graded", timeout: int | None = 1800) -> Grade:
    """Run one submitted notebook with papermill and collect its verdicts."""
    import papermill

    submission = pathlib.Path(submission)
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / submission.name
    parameters = {"MODE": mode} if seed is None else {"MODE": mode, "SEED": seed}
    try:
        papermill.execute_notebook(str(submission), str(executed), parameters=parameters,
                                   kernel_name="python3", cwd=str(ROOT / "notebooks"),
                                   progress_bar=False, execution_timeout=timeout)
        failure = None
    except papermill.PapermillExecutionError as error:  # the executed copy shows where
        failure = f"{error.ename}: {error.evalue}"
    exercises, stopped = collect(nbformat.read(executed, as_version=4))
    if failure and not stopped:
        stopped = failure
    return Grade(str(submission), mode, str(executed), failure is None, stopped, exercises)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+")
    parser.add_argument("--mode", default="smoke", choices=("smoke", "cpu", "full"))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "_build" / "graded"))
    parser.add_argument("--json", default=None, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    grades = []
    names = [pathlib.Path(p).name for p in args.submissions]
    for path in args.submissions:
        path = pathlib.Path(path)
        # one folder per submission; two submissions with the same file name get their folders' names
        sub = path.stem if names.count(path.name) == 1 else f"{path.resolve().parent.name}-{path.stem}"
        g = grade(path, args.mode, args.seed, pathlib.Path(args.out) / sub)
        print(g.report(), flush=True)
        grades.append(g)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            [dict(asdict(g), counts=g.counts(), passed=g.passed()) for g in grades], indent=1, ensure_ascii=False))
    return 0 if all(g.passed() for g in grades) else 1


if __name__ == "__main__":
    sys.exit(main())
